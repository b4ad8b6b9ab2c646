"""What was submitted or signed never changes: changing an evidence item
that a submitted assessment includes makes a new version for the live
portfolio and drafts, while that assessment, its pages, PDF and data export
keep the version it was submitted with."""

import html

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from portfolios import evidence_services, evidence_versions, services
from portfolios.models import AssessmentEvidence, AssessmentStatus as S, EvidenceItem
from reports.portfolio import render_portfolio_html
from tests.conftest import signed_in
from tests.factories import AssessmentFactory
from tests.portfolios.test_evidence import capabilities, edit_url, evidence_post
from tests.reports.test_reports_pdf import add_evidence, attach, signed_off_assessment
from tests.portfolios.review_pages import every_pillar_page

pytestmark = pytest.mark.django_db


def date_parts(item):
    return {"activity_date_0": str(item.activity_date.day), "activity_date_1": str(item.activity_date.month),
            "activity_date_2": str(item.activity_date.year)}


def change(client, item, **fields):
    """Post the edit form as the page shows the item, with these changes."""
    links = list(item.capability_links.select_related("capability"))
    data = evidence_post(title=item.title, description=item.description, evidence_type=item.evidence_type,
                         caps=[link.capability for link in links],
                         justifications={link.capability: link.justification for link in links}, **date_parts(item))
    impacts = list(item.impact_links.all())
    data["impact_statements"] = [str(link.impact_statement_id) for link in impacts]
    data |= {f"why_imp_{link.impact_statement_id}": link.justification for link in impacts}
    return client.post(edit_url(item), data | fields)


@pytest.fixture
def signed(framework, practitioner, appraiser):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    (item,) = [link.evidence for link in assessment.evidence_links.select_related("evidence")]
    return assessment, item


def test_changing_signed_evidence_makes_a_new_version_and_the_record_keeps_the_old(
    client, signed, practitioner, appraiser
):
    assessment, item = signed
    draft = AssessmentFactory(practitioner=practitioner, title="Next year")
    AssessmentEvidence.objects.create(assessment=draft, evidence=item)
    signed_in(client, practitioner)
    response = change(client, item, description="Rewritten after signing", title="A better title")
    newer = EvidenceItem.objects.get(previous_version=item)
    assert response.status_code == 302 and response["Location"] == reverse(
        "portfolios:evidence_detail", kwargs={"pk": newer.pk})
    item.refresh_from_db()
    assert (item.description, item.is_current, item.version_number) == ("What I did.", False, 1)
    assert (newer.description, newer.title, newer.is_current, newer.version_number) == (
        "Rewritten after signing", "A better title", True, 2)
    # The signed assessment keeps version 1; the draft moves to version 2.
    assert list(assessment.evidence_links.values_list("evidence_id", flat=True)) == [item.pk]
    assert list(draft.evidence_links.values_list("evidence_id", flat=True)) == [newer.pk]
    # The live portfolio lists the item once, as it is now.
    listing = client.get(reverse("portfolios:evidence_list")).content.decode()
    assert "A better title" in listing and item.title not in listing
    # The record, in its pages and its PDF, says what was signed.
    signed_in(client, appraiser)
    review = every_pillar_page(client, assessment)
    assert item.title in review and "A better title" not in review and "Changed since signed" in review
    pdf_html = render_portfolio_html(assessment)
    assert "What I did." in pdf_html and "Rewritten after signing" not in pdf_html
    old = client.get(reverse("portfolios:evidence_detail", kwargs={"pk": item.pk})).content.decode()
    assert "Changed since this was submitted" in old and "What I did." in old
    assert reverse("portfolios:evidence_detail", kwargs={"pk": newer.pk}) in old


def test_files_of_a_signed_version_are_kept_when_the_new_version_drops_them(
    client, signed, practitioner, django_capture_on_commit_callbacks
):
    assessment, item = signed
    attachment = attach(item, "audit.txt", b"the audit", "text/plain")
    signed_in(client, practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, item, remove_attachments=[str(attachment.pk)])
    assert response.status_code == 302
    newer = EvidenceItem.objects.get(previous_version=item)
    assert not newer.attachments.filter(original_name="audit.txt").exists()
    assert default_storage.exists(attachment.file.name)
    download = client.get(reverse("portfolios:attachment_download",
                                  kwargs={"pk": item.pk, "file_pk": attachment.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"the audit"


def test_a_file_no_version_refers_to_is_deleted(practitioner, framework, django_capture_on_commit_callbacks):
    draft = AssessmentFactory(practitioner=practitioner)
    (item,) = add_evidence(draft, 1)
    attachment = attach(item, "draft.txt", b"x", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        evidence_services.remove_attachments(evidence=item, attachment_ids=[attachment.pk])
    assert not default_storage.exists(attachment.file.name)


def test_evidence_only_in_drafts_is_changed_in_place(client, practitioner, framework):
    draft = AssessmentFactory(practitioner=practitioner)
    (item,) = add_evidence(draft, 1)
    signed_in(client, practitioner)
    assert change(client, item, description="Better words").status_code == 302
    item.refresh_from_db()
    assert (item.description, item.version_number, item.is_current) == ("Better words", 1, True)
    assert not EvidenceItem.objects.filter(previous_version=item).exists()


def test_a_save_with_nothing_changed_makes_no_version(client, signed, practitioner):
    _, item = signed
    signed_in(client, practitioner)
    assert change(client, item).status_code == 302
    assert not EvidenceItem.objects.filter(previous_version=item).exists()


def test_a_tab_opened_on_the_old_version_saves_onto_the_new_one(client, signed, practitioner):
    import re

    _, item = signed
    signed_in(client, practitioner)
    page = client.get(edit_url(item)).content.decode()
    shown = html.unescape(re.search(r'name="shown" value="([^"]*)"', page).group(1))
    change(client, item, title="Renamed in the first tab")
    newer = EvidenceItem.objects.get(previous_version=item)
    # The old page's save goes to the latest version, merged field by field.
    response = change(client, item, description="Changed in the second tab", shown=shown)
    assert response.status_code == 302
    newer.refresh_from_db()
    assert (newer.title, newer.description) == ("Renamed in the first tab", "Changed in the second tab")
    assert EvidenceItem.objects.filter(owner=practitioner, is_current=True).count() == 1
    # Opening the old version's edit page goes to the latest.
    assert client.get(edit_url(item))["Location"] == edit_url(newer)


def test_a_returned_assessment_moves_to_the_latest_versions_when_submitted_again(practitioner, appraiser, framework):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1, status=S.SUBMITTED)
    (item,) = [link.evidence for link in assessment.evidence_links.select_related("evidence")]
    newer, _ = evidence_versions.new_version(item)
    type(assessment).objects.filter(pk=assessment.pk).update(status=S.RETURNED)
    assessment.refresh_from_db()
    assert list(assessment.evidence_links.values_list("evidence_id", flat=True)) == [item.pk]
    services.submit_assessment(assessment=assessment, expected_version=assessment.version)
    assert list(assessment.evidence_links.values_list("evidence_id", flat=True)) == [newer.pk]


def test_the_data_export_keeps_every_version(client, signed, practitioner):
    import io
    import json
    import zipfile

    _, item = signed
    signed_in(client, practitioner)
    change(client, item, description="Second version")
    response = client.post(reverse("reports:data_export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                         response.content))
    data = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    evidence = data["evidence"]
    assert [(e["version"], e["is_latest_version"], e["description"]) for e in evidence] == [
        (1, False, "What I did."), (2, True, "Second version")]


def test_the_title_stays_unique_among_live_items_only(client, signed, practitioner):
    _, item = signed
    signed_in(client, practitioner)
    change(client, item, title="Renamed")
    # The old title is free again in the live portfolio.
    response = client.post(reverse("portfolios:evidence_create"),
                           evidence_post(title=item.title, caps=capabilities(2)))
    assert response.status_code == 302
    assert EvidenceItem.objects.filter(owner=practitioner, title=item.title).count() == 2
