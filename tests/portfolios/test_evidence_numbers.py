"""An evidence item has one number, E1 the first its owner added: the same in
the evidence pages, the portfolio report and the data export, kept by every
version and never given again after the item is deleted."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.urls import reverse

from portfolios import evidence_services
from portfolios.models import AssessmentEvidence, EvidenceItem
from reports.portfolio import render_portfolio_html
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory
from tests.portfolios.test_evidence_versions import change
from tests.reports.test_reports_pdf import signed_off_assessment

pytestmark = pytest.mark.django_db


def data_export(client) -> dict:
    response = client.post(reverse("reports:data_export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))


def test_each_owner_numbers_their_evidence_from_one(practitioner, other_user, framework):
    first, second = EvidenceFactory(owner=practitioner), EvidenceFactory(owner=practitioner)
    theirs = EvidenceFactory(owner=other_user)
    assert (first.reference, second.reference, theirs.reference) == ("E1", "E2", "E1")


def test_a_deleted_items_number_is_never_given_again(practitioner, framework):
    EvidenceFactory(owner=practitioner)
    second = EvidenceFactory(owner=practitioner)
    evidence_services.delete_evidence(evidence=second)
    assert EvidenceFactory(owner=practitioner).reference == "E3"


def test_the_report_the_pages_and_the_data_export_give_the_same_numbers(client, practitioner, appraiser, framework):
    # Items not in the assessment come first, so numbering the report's own
    # items from 1 (as it once did) would differ from the portfolio's.
    EvidenceFactory(owner=practitioner, title="Older item, not in the assessment")
    EvidenceFactory(owner=practitioner, title="Another item, not in the assessment")
    assessment = signed_off_assessment(practitioner, appraiser, evidence=2)
    included = sorted((link.evidence for link in assessment.evidence_links.select_related("evidence")),
                      key=lambda item: item.number)
    assert [item.reference for item in included] == ["E3", "E4"]

    report = render_portfolio_html(assessment)
    for item in included:
        assert f"{item.reference}  {item.title}" in report
    assert "E1  " not in report and "E2  " not in report

    signed_in(client, practitioner)
    exported = {e["title"]: e["reference"] for e in data_export(client)["evidence"]}
    assert {item.title: exported[item.title] for item in included} == {item.title: item.reference
                                                                       for item in included}
    detail = client.get(reverse("portfolios:evidence_detail", kwargs={"pk": included[0].pk})).content.decode()
    assert "E3" in detail
    listing = client.get(reverse("portfolios:evidence_list")).content.decode()
    assert "E4" in listing


def test_a_new_version_keeps_the_number_and_the_export_names_its_files_apart(client, practitioner, appraiser,
                                                                             framework):
    assessment = signed_off_assessment(practitioner, appraiser, evidence=1)
    (item,) = [link.evidence for link in assessment.evidence_links.select_related("evidence")]
    draft = AssessmentFactory(practitioner=practitioner, title="Next year")
    AssessmentEvidence.objects.create(assessment=draft, evidence=item)
    signed_in(client, practitioner)
    change(client, item, description="Second version")
    newer = EvidenceItem.objects.get(previous_version=item)
    assert newer.reference == item.reference == "E1"
    evidence = data_export(client)["evidence"]
    assert [(e["reference"], e["version"]) for e in evidence] == [("E1", 1), ("E1", 2)]
    assessments = {a["title"]: a for a in data_export(client)["assessments"]}
    assert assessments["Next year"]["evidence"] == ["E1 version 2"]


def test_existing_evidence_is_numbered_by_the_migration_in_the_order_it_was_added(practitioner, framework):
    """What migration 0017 does, replayed on rows without numbers: the first
    versions in the order added, later versions with their first's number."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("portfolios.migrations.0017_evidence_numbers")
    older, newer = EvidenceFactory(owner=practitioner), EvidenceFactory(owner=practitioner)
    version = EvidenceFactory(owner=practitioner, previous_version=older, version_number=2)
    EvidenceItem.objects.filter(pk=older.pk).update(is_current=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portfolios_evidenceitem SET number = 90 + version_number")
    from portfolios.models import EvidenceNumbering

    EvidenceNumbering.objects.all().delete()
    migration.number_existing(apps, None)
    numbers = dict(EvidenceItem.objects.values_list("pk", "number"))
    assert (numbers[older.pk], numbers[version.pk], numbers[newer.pk]) == (1, 1, 2)
    assert EvidenceNumbering.objects.get(owner=practitioner).last_given == 2
