"""Download all your data: the ZIP of everything the service holds about the
person signed in (data.json and their attachments), and nobody else's."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import CareerStage, Role
from capability.models import Capability, RatingLevel
from impact.models import ImpactStatement
from portfolios.models import (
    AppraiserRating,
    AssessmentEvidence,
    AssessmentStatus,
    AssessmentTransition,
    CapabilityRating,
    DevelopmentObjective,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceImpactLink,
)
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/accounts/profile/export/"


def level(framework, value):
    return RatingLevel.objects.get(scale__framework=framework, scale__is_default=True, value=value)


def capability(framework, number):
    return Capability.objects.get(framework=framework, number=number)


def attach(item, name, content: bytes, content_type="application/pdf"):
    return EvidenceAttachment.objects.create(
        evidence=item, file=ContentFile(content, name=name), original_name=name, content_type=content_type,
        size=len(content),
    )


def download(client) -> zipfile.ZipFile:
    response = client.post(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="consultant-capability-portfolio-')
    assert response["Cache-Control"] == "private, no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def data_of(archive: zipfile.ZipFile) -> dict:
    return json.loads(archive.read("data.json"))


@pytest.fixture
def portfolio(framework, organisation, practitioner, appraiser):
    """Two assessments (one reviewed and signed off), ratings, reflections,
    appraiser ratings, transitions, a development plan, and three evidence
    items, two of them with files."""
    practitioner.full_name = "Priya Portfolio"
    practitioner.career_stage = CareerStage.YEARS_1_3
    practitioner.save()
    older = AssessmentFactory(practitioner=practitioner, title="First year", period_start=datetime.date(2025, 4, 1),
                              period_end=datetime.date(2026, 3, 31), status=AssessmentStatus.SIGNED_OFF)
    newer = AssessmentFactory(practitioner=practitioner, title="Second year")
    CapabilityRating.objects.filter(assessment=older, capability__number=1).update(
        level=level(framework, 3), reflection="I lead the clinic.", development_priority=True,
    )
    AppraiserRating.objects.create(assessment=older, appraiser=appraiser, capability=capability(framework, 1),
                                   level=level(framework, 4), comment="Strong clinical leadership.")
    older.appraiser_summary = "A good year."
    older.appraiser_signed_by = appraiser
    older.save()
    AssessmentTransition.objects.create(assessment=older, from_status=AssessmentStatus.DRAFT,
                                        to_status=AssessmentStatus.SUBMITTED, actor=practitioner, comment="Ready")
    AssessmentTransition.objects.create(assessment=older, from_status=AssessmentStatus.IN_REVIEW,
                                        to_status=AssessmentStatus.AWAITING_SIGN_OFF, actor=appraiser,
                                        comment="Agreed")
    objective = DevelopmentObjective.objects.create(
        assessment=older, objective="Publish the audit", actions="Write it up", target_date=datetime.date(2026, 9, 1),
        created_by=appraiser,
    )
    objective.capabilities.set([capability(framework, 1)])

    audit = EvidenceFactory(owner=practitioner, title="Audit", capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=audit, owner=audit.owner, capability=capability(framework, 1),
                                          justification="Shows I lead audit")
    statement = ImpactStatement.objects.filter(pillar__framework=framework).first()
    EvidenceImpactLink.objects.create(evidence=audit, impact_statement=statement, justification="Fewer falls")
    teaching = EvidenceFactory(owner=practitioner, title="Teaching")
    EvidenceFactory(owner=practitioner, title="Feedback")
    AssessmentEvidence.objects.create(assessment=older, evidence=audit)
    AssessmentEvidence.objects.create(assessment=newer, evidence=teaching)
    files = {
        "audit": attach(audit, "Audit results.pdf", b"%PDF-1.4 audit bytes"),
        "photo": attach(audit, "Ward photo.png", b"\x89PNG\r\n\x1a\n picture", "image/png"),
        "slides": attach(teaching, "Slides.pdf", b"%PDF-1.4 slides"),
    }
    return {"older": older, "newer": newer, "items": [audit, teaching], "files": files}


def test_data_export_page_says_what_is_included_and_offers_a_download(practitioner_client):
    response = practitioner_client.get(EXPORT_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Download all your data</h1>" in html
    assert "data.json" in html and "attachments" in html
    assert '<form method="post" novalidate>' in html
    assert "Download your data</button>" in html
    assert reverse("reports:data_export") == EXPORT_URL


def test_profile_page_links_to_the_data_export(practitioner_client):
    html = practitioner_client.get(reverse("profile")).content.decode()
    assert f'<a href="{EXPORT_URL}">Download all your data</a>' in html


def test_export_contains_every_assessment_rating_evidence_item_and_attachment(
    practitioner_client, practitioner, framework, portfolio, organisation
):
    archive = download(practitioner_client)
    data = data_of(archive)
    capability_count = Capability.objects.filter(framework=framework).count()

    assert data["profile"]["email"] == practitioner.email
    assert data["profile"]["full_name"] == "Priya Portfolio"
    assert data["profile"]["career_stage"]["value"] == "years_1_3"
    assert [m["role"] for m in data["memberships"]] == ["Practitioner"]
    assert data["memberships"][0]["organisation"]["ods_code"] == organisation.ods_code
    assert len(data["appraisers"]) == 1

    assessments = {a["title"]: a for a in data["assessments"]}
    assert set(assessments) == {"First year", "Second year"}
    older = assessments["First year"]
    assert len(older["ratings"]) == capability_count
    assert len(assessments["Second year"]["ratings"]) == capability_count
    first = next(r for r in older["ratings"] if r["capability"] == 1)
    assert first["self_rating"]["value"] == 3
    assert first["reflection"] == "I lead the clinic."
    assert first["development_priority"] is True
    assert first["appraiser_rating"]["value"] == 4
    assert first["appraiser_comment"] == "Strong clinical leadership."
    assert older["status"] == "Signed off"
    assert older["appraiser_summary"] == "A good year."
    assert [(t["from"], t["to"], t["comment"]) for t in older["transitions"]] == [
        ("Draft", "Submitted", "Ready"), ("In review", "Awaiting practitioner sign-off", "Agreed"),
    ]
    assert older["development_plan"][0]["objective"] == "Publish the audit"
    assert older["development_plan"][0]["capabilities"] == [1]

    evidence = {item["title"]: item for item in data["evidence"]}
    assert set(evidence) == {"Audit", "Teaching", "Feedback"}
    assert [item["reference"] for item in data["evidence"]] == ["E1", "E2", "E3"]
    audit = evidence["Audit"]
    assert audit["capabilities"] == [{
        "capability": 1, "pillar": capability(framework, 1).pillar.name,
        "statement": capability(framework, 1).statement, "what_this_shows": "Shows I lead audit",
    }]
    assert audit["impact_statements"][0]["what_this_shows"] == "Fewer falls"
    assert older["evidence"] == [audit["reference"]]
    assert assessments["Second year"]["evidence"] == [evidence["Teaching"]["reference"]]

    for item in data["evidence"]:
        for entry in item["attachments"]:
            assert entry["path"] == f"attachments/{item['reference']}-{entry['name']}"
    for attachment in portfolio["files"].values():
        reference = next(item["reference"] for item in data["evidence"]
                         if any(a["name"] == attachment.original_name for a in item["attachments"]))
        with attachment.file.open("rb") as handle:
            assert archive.read(f"attachments/{reference}-{attachment.original_name}") == handle.read()
    assert sorted(name for name in archive.namelist() if name.startswith("attachments/")) == [
        "attachments/E1-Audit results.pdf", "attachments/E1-Ward photo.png", "attachments/E2-Slides.pdf",
    ]
    assert "README.txt" in archive.namelist()


def test_someone_else_downloads_only_their_own_data(client, practitioner, portfolio, organisation):
    other = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user
    signed_in(client, other)

    archive = download(client)
    data = data_of(archive)

    assert data["profile"]["email"] == other.email
    assert data["assessments"] == [] and data["evidence"] == []
    assert [name for name in archive.namelist() if name.startswith("attachments/")] == []
    text = archive.read("data.json").decode()
    assert practitioner.email not in text and "Priya Portfolio" not in text
    for content in (b"audit bytes", b"slides", b"picture"):
        assert all(content not in archive.read(name) for name in archive.namelist())


def test_appraiser_export_includes_the_reviews_they_gave(client, appraiser, portfolio):
    signed_in(client, appraiser)

    data = data_of(download(client))

    assert data["assessments"] == []
    assert [p["practitioner"]["name"] for p in data["practitioners_you_appraise"]] == ["Priya Portfolio"]
    (review,) = data["reviews_you_gave"]
    assert review["assessment"] == "First year"
    assert review["summary"] == "A good year."
    assert review["ratings"][0]["comment"] == "Strong clinical leadership."
    assert [t["to"] for t in review["transitions"]] == ["Awaiting practitioner sign-off"]


def test_a_file_missing_from_storage_is_reported_not_fatal(practitioner_client, portfolio):
    missing = portfolio["files"]["slides"]
    missing.file.storage.delete(missing.file.name)

    archive = download(practitioner_client)

    entry = next(a for item in data_of(archive)["evidence"] for a in item["attachments"] if a["name"] == "Slides.pdf")
    assert entry["missing"] is True and entry["path"] is None
    assert "attachments/E1-Audit results.pdf" in archive.namelist()


def test_export_runs_the_same_queries_whatever_the_size_of_the_portfolio(client, practitioner, framework):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, practitioner)

    def count():
        with CaptureQueriesContext(connection) as queries:
            download(client)
        return len(queries)

    AssessmentFactory(practitioner=practitioner)
    attach(EvidenceFactory(owner=practitioner), "one.pdf", b"one")
    small = count()
    for number in range(3):
        AssessmentFactory(practitioner=practitioner, title=f"More {number}")
        attach(EvidenceFactory(owner=practitioner), f"more-{number}.pdf", b"more")
    assert count() == small


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for response in (client.get(EXPORT_URL), client.post(EXPORT_URL)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_the_address_takes_no_one_elses_id(practitioner_client, other_user):
    assert practitioner_client.get(f"{EXPORT_URL}{other_user.pk}/").status_code == 404
    data = data_of(download(practitioner_client))
    assert other_user.email not in json.dumps(data)
