"""The organisation report (PDF) and the ratings and evidence CSVs in the
organisation admin area: what they contain, who may download them, and
their query counts."""

import csv
import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profession, Role
from capability.models import Capability, Framework, OrganisationFramework, RatingLevel
from portfolios.models import (
    AppraiserRating,
    AssessmentEvidence,
    AssessmentStatus,
    CapabilityRating,
    EvidenceAttachment,
)
from reports.csv_exports import RATINGS_HEADER, neutralise
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, EvidenceFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


REPORT_URLS = {"report_pdf", "ratings_csv", "evidence_csv", "exports", "export", "export_progress", "export_download"}


def namespace(name: str) -> str:
    return "reports" if name in REPORT_URLS else "organisations"


def url(name, organisation, query=""):
    return reverse(f"{namespace(name)}:{name}", kwargs={"organisation_id": organisation.pk}) + query


def member_of(organisation, *roles, **user_fields):
    user = UserFactory(**user_fields)
    for role in roles:
        MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def practitioner_in(organisation, **user_fields):
    return member_of(organisation, Role.PRACTITIONER, **user_fields)


def level(framework, value):
    return RatingLevel.objects.get(scale__framework=framework, scale__is_default=True, value=value)


def capability(framework, number):
    return Capability.objects.get(framework=framework, number=number)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages)


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def admin_client(client, org_admin):
    return signed_in(client, org_admin)


# Ratings CSV ------------------------------------------------------------------


def test_ratings_csv_has_a_row_for_each_practitioner_and_capability(admin_client, organisation, framework):
    appraiser = member_of(organisation, Role.APPRAISER)
    capability_count = Capability.objects.filter(framework=framework).count()
    rated = practitioner_in(organisation, full_name="Ada Rated", email="ada@trust.example",
                            profession=Profession.MIDWIFE)
    practitioner_in(organisation, full_name="Ben Notstarted")
    assessment = AssessmentFactory(
        practitioner=rated, title="Self-assessment 2026", period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31), status=AssessmentStatus.SIGNED_OFF,
    )
    assessment.submitted_at = datetime.datetime(2027, 2, 1, 10, tzinfo=datetime.timezone.utc)
    assessment.practitioner_signed_at = datetime.datetime(2027, 3, 2, 10, tzinfo=datetime.timezone.utc)
    assessment.save()
    CapabilityRating.objects.filter(assessment=assessment, capability__number=1).update(level=level(framework, 3))
    AppraiserRating.objects.create(assessment=assessment, appraiser=appraiser, capability=capability(framework, 1),
                                   level=level(framework, 4))
    for title in ("Audit", "Teaching"):
        item = EvidenceFactory(owner=rated, title=title, capabilities=[capability(framework, 1)])
        AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
    EvidenceFactory(owner=rated, title="Not included", capabilities=[capability(framework, 1)])

    rows = read_csv(admin_client.get(url("ratings_csv", organisation)))

    assert rows[0] == RATINGS_HEADER
    assert rows[0] == [
        "Practitioner", "Email address", "Profession", "Assessment", "Status", "Period start", "Period end",
        "Submitted", "Signed off by appraiser", "Signed off by practitioner", "Framework", "Edition",
        "Capability", "Pillar",
        "Self rating", "Appraiser rating", "Evidence items for this capability",
    ]
    body = rows[1:]
    assert len(body) == 2 * capability_count
    first = next(row for row in body if row[0] == "Ada Rated" and row[12] == "1")
    assert first == [
        "Ada Rated", "ada@trust.example", "Midwife", "Self-assessment 2026", "Signed off", "2026-04-01",
        "2027-03-31", "2027-02-01", "", "2027-03-02", "Consultant-level practice framework", "2020", "1",
        capability(framework, 1).pillar.name, "3", "4", "2",
    ]
    second = next(row for row in body if row[0] == "Ada Rated" and row[12] == "2")
    assert second[14:] == ["", "", "0"]
    not_started = [row for row in body if row[0] == "Ben Notstarted"]
    assert len(not_started) == capability_count
    assert {row[4] for row in not_started} == {"Not started"}
    assert {row[3] for row in not_started} == {""}
    # Someone not started is shown against the framework they would start on.
    assert {tuple(row[10:12]) for row in not_started} == {("Consultant-level practice framework", "2020")}


def test_ratings_csv_says_which_framework_and_edition_each_row_is_of(admin_client, organisation, framework):
    """Capability 1 of one framework is not capability 1 of another."""
    from pathlib import Path

    from django.core.management import call_command

    call_command("load_framework", str(Path(__file__).resolve().parents[2] / "fixtures"
                                       / "healthcare-leadership-model-outline.yaml"), verbosity=0)
    outline = Framework.objects.get(slug="healthcare-leadership-model-outline")
    OrganisationFramework.objects.create(organisation=organisation, framework=framework)
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    leader = practitioner_in(organisation, full_name="Lee Outline")
    consultant = practitioner_in(organisation, full_name="Cara Consultant")
    AssessmentFactory(practitioner=leader, framework=outline)
    AssessmentFactory(practitioner=consultant, framework=framework)

    rows = read_csv(admin_client.get(url("ratings_csv", organisation)))[1:]

    assert {(row[10], row[11], row[12], row[13]) for row in rows if row[0] == "Lee Outline" and row[12] == "1"} == {
        ("Leadership model outline", "outline-1", "1", "Leadership dimensions")}
    assert len([row for row in rows if row[0] == "Lee Outline"]) == 9
    assert {(row[10], row[11]) for row in rows if row[0] == "Cara Consultant"} == {
        ("Consultant-level practice framework", "2020")}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ada = Lovelace", "Ada = Lovelace"),
        (-2, -2),
        (None, ""),
        (datetime.date(2026, 11, 22), "2026-11-22"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_as_a_formula_are_neutralised(value, cell):
    assert neutralise(value) == cell


def test_names_and_titles_that_look_like_formulas_stay_text_in_both_csvs(admin_client, organisation, framework):
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
    for name in names:
        person = practitioner_in(organisation, full_name=name)
        AssessmentFactory(practitioner=person, title="=1+1")

    ratings = read_csv(admin_client.get(url("ratings_csv", organisation)))[1:]
    evidence = read_csv(admin_client.get(url("evidence_csv", organisation)))[1:]

    assert {row[0] for row in ratings} == {"'" + name for name in names}
    assert {row[3] for row in ratings} == {"'=1+1"}
    assert sorted(row[0] for row in evidence) == sorted("'" + name for name in names)


def test_ratings_csv_gives_each_capability_its_ratings_dates_and_included_evidence(
    admin_client, organisation, framework
):
    appraiser = member_of(organisation, Role.APPRAISER)
    practitioner_in(organisation, full_name="Zoe Notstarted, RN", email="=zoe@trust.example")
    for index, (name, status) in enumerate([
        ('Ada "Al" Rated', AssessmentStatus.LOCKED), ("+Ben Draft", AssessmentStatus.DRAFT),
        ("Cy Awaiting", AssessmentStatus.AWAITING_SIGN_OFF),
    ]):
        person = practitioner_in(organisation, full_name=name, profession=Profession.PHARMACIST)
        assessment = AssessmentFactory(practitioner=person, title=f"-Self-assessment, part {index}", status=status)
        # Late on a summer evening in UTC is the next morning in London.
        assessment.submitted_at = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.timezone.utc)
        assessment.save()
        for number in (1, 7, 16):
            CapabilityRating.objects.filter(assessment=assessment, capability__number=number).update(
                level=level(framework, 1 + (number + index) % 4)
            )
        AppraiserRating.objects.create(assessment=assessment, appraiser=appraiser,
                                       capability=capability(framework, 7), level=level(framework, 4))
        for item_number in range(index + 1):
            item = EvidenceFactory(owner=person, capabilities=[capability(framework, 7), capability(framework, 16)])
            AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
        EvidenceFactory(owner=person, capabilities=[capability(framework, 7)])  # not included

    response = admin_client.get(url("ratings_csv", organisation))
    text = b"".join(response.streaming_content).decode("utf-8")

    assert text.startswith("\ufeff" + ",".join(RATINGS_HEADER))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    ada_7 = next(row for row in rows if row[0] == 'Ada "Al" Rated' and row[12] == "7")
    assert ada_7[4] == "Signed off" and ada_7[7] == "2026-07-02" and ada_7[14:] == ["4", "4", "1"]
    assert next(row for row in rows if row[0] == "Cy Awaiting" and row[12] == "16")[16] == "3"
    assert {row[1] for row in rows if row[0] == "Zoe Notstarted, RN"} == {"'=zoe@trust.example"}


# Evidence CSV -----------------------------------------------------------------


def test_evidence_csv_counts_items_per_pillar_and_items_with_files(admin_client, organisation, framework):
    person = practitioner_in(organisation, full_name="Cara Evidence", email="cara@trust.example")
    practitioner_in(organisation, full_name="Dan Nothing")
    first_pillar_capability = Capability.objects.filter(framework=framework).order_by("pillar__order", "number")[0]
    other_pillar_capability = (
        Capability.objects.filter(framework=framework).exclude(pillar=first_pillar_capability.pillar)
        .order_by("pillar__order", "number")[0]
    )
    both = EvidenceFactory(owner=person, capabilities=[first_pillar_capability, other_pillar_capability])
    EvidenceFactory(owner=person, capabilities=[first_pillar_capability])
    EvidenceFactory(owner=person, capabilities=[])
    for name in ("one.pdf", "two.pdf"):  # two files on one item: one item with files
        EvidenceAttachment.objects.create(
            evidence=both, file=ContentFile(b"%PDF-1.4", name=name), original_name=name,
            content_type="application/pdf", size=8,
        )
    pillars = list(framework.pillars.order_by("order"))

    rows = read_csv(admin_client.get(url("evidence_csv", organisation)))

    assert rows[0] == [
        "Practitioner", "Email address", "Profession", "Evidence items", "Framework", "Edition",
        *(f"Evidence items for {pillar.name}" for pillar in pillars),
        "Evidence items with attached files",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    counts = {pillar.pk: 0 for pillar in pillars}
    counts[first_pillar_capability.pillar_id] = 2
    counts[other_pillar_capability.pillar_id] = 1
    assert by_name["Cara Evidence"] == [
        "Cara Evidence", "cara@trust.example", "Nurse", "3", "Consultant-level practice framework", "2020",
        *(str(counts[p.pk]) for p in pillars), "1",
    ]
    assert by_name["Dan Nothing"][3:] == ["0", "Consultant-level practice framework", "2020"] + ["0"] * (
        len(pillars) + 1)


def test_the_evidence_csv_counts_pillars_of_the_organisations_edition(admin_client, organisation, outline):
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    person = practitioner_in(organisation, full_name="Lee Outline")
    EvidenceFactory(owner=person, capabilities=[Capability.objects.get(framework=outline, number=3)])

    rows = read_csv(admin_client.get(url("evidence_csv", organisation)))

    assert rows[0][4:7] == ["Framework", "Edition", "Evidence items for Leadership dimensions"]
    assert rows[1][:8] == ["Lee Outline", rows[1][1], rows[1][2], "1", "Leadership model outline", "outline-1",
                           "1", "0"]


def test_downloads_cover_only_the_practitioners_the_dashboard_filters_show(admin_client, organisation, framework):
    practitioner_in(organisation, full_name="Mia Midwife", profession=Profession.MIDWIFE)
    practitioner_in(organisation, full_name="Nat Nurse", profession=Profession.NURSE)
    query = "?profession=midwife"

    ratings = read_csv(admin_client.get(url("ratings_csv", organisation, query)))[1:]
    evidence = read_csv(admin_client.get(url("evidence_csv", organisation, query)))[1:]

    assert {row[0] for row in ratings} == {"Mia Midwife"}
    assert [row[0] for row in evidence] == ["Mia Midwife"]


@pytest.mark.parametrize("size", [2, 20])
def test_csv_downloads_run_the_same_queries_whatever_the_number_of_practitioners(
    client, organisation, org_admin, framework, django_assert_num_queries, size
):
    appraiser = member_of(organisation, Role.APPRAISER)
    for index in range(size):
        person = practitioner_in(organisation)
        if index % 2:
            assessment = AssessmentFactory(practitioner=person)
            AppraiserRating.objects.create(assessment=assessment, appraiser=appraiser,
                                           capability=capability(framework, 1), level=level(framework, 2))
            item = EvidenceFactory(owner=person)
            AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
    signed_in(client, org_admin)

    # Session, user, organisation, appraisers (for the filters), then the
    # practitioners, their assessments, ratings, appraisers' ratings, rating
    # levels, capabilities and included evidence counts.
    with django_assert_num_queries(11):
        response = client.get(url("ratings_csv", organisation, "?profession=nurse"))
        rows = read_csv(response)
    assert len(rows) == 1 + size * Capability.objects.filter(framework=framework).count()

    # Session, user, organisation, appraisers, the organisation's edition,
    # then the practitioners, the pillars, the totals and the counts per pillar.
    with django_assert_num_queries(9):
        response = client.get(url("evidence_csv", organisation, "?profession=nurse"))
        rows = read_csv(response)
    assert len(rows) == 1 + size


# Organisation report (PDF) ----------------------------------------------------


def test_organisation_report_names_every_practitioner_with_their_status(admin_client, organisation, framework):
    appraiser = member_of(organisation, Role.APPRAISER)
    today = timezone.localdate()
    drafting = practitioner_in(organisation, full_name="Ada Drafting")
    AssessmentFactory(practitioner=drafting, period_start=today - datetime.timedelta(days=30),
                      period_end=today + datetime.timedelta(days=300))
    signed = practitioner_in(organisation, full_name="Ben Signedoff")
    signed_assessment = AssessmentFactory(practitioner=signed, status=AssessmentStatus.LOCKED)
    AppraiserRating.objects.create(assessment=signed_assessment, appraiser=appraiser,
                                   capability=capability(framework, 1), level=level(framework, 3))
    practitioner_in(organisation, full_name="Cy Notstarted")
    elsewhere = practitioner_in(OrganisationFactory(), full_name="Dee Elsewhere")
    AssessmentFactory(practitioner=elsewhere)

    response = admin_client.get(url("report_pdf", organisation))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{organisation.ods_code.lower()}-')
    text = pdf_text(response.content)
    assert organisation.name in text
    for name in ("Ada Drafting", "Ben Signedoff", "Cy Notstarted"):
        assert name in text
    for status in ("Draft", "Signed off", "Not started"):
        assert status in text
    assert "Dee Elsewhere" not in text
    # Someone with nothing yet is described in words, never as "None".
    assert "No assessment yet" in text and "No appraiser assigned" in text
    assert "None" not in text
    assert "Capability profile" in text
    assert "Agreed ratings by pillar" in text


def test_filtered_organisation_report_says_which_filters_it_covers(admin_client, organisation, framework):
    practitioner_in(organisation, full_name="Mia Midwife", profession=Profession.MIDWIFE)
    practitioner_in(organisation, full_name="Nat Nurse", profession=Profession.NURSE)

    response = admin_client.get(url("report_pdf", organisation, "?profession=midwife"))

    text = pdf_text(response.content)
    assert "Mia Midwife" in text and "Nat Nurse" not in text
    assert "Profession: Midwife" in text


# Who may download -------------------------------------------------------------

DOWNLOADS = ("report_pdf", "ratings_csv", "evidence_csv")


def test_downloads_are_not_found_for_an_admin_of_another_organisation(client, organisation, practitioner):
    signed_in(client, member_of(OrganisationFactory(), Role.ORGANISATION_ADMIN))
    for name in DOWNLOADS:
        response = client.get(url(name, organisation))
        assert response.status_code == 404, name
        assert organisation.name not in response.content.decode()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.APPRAISER])
def test_downloads_are_forbidden_to_a_practitioner_or_appraiser_of_the_organisation(client, organisation, role):
    signed_in(client, member_of(organisation, role))
    for name in DOWNLOADS:
        assert client.get(url(name, organisation)).status_code == 403, name


def test_anonymous_visitor_is_sent_to_sign_in_for_downloads(client, organisation):
    for name in DOWNLOADS:
        response = client.get(url(name, organisation))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


# Dashboard links --------------------------------------------------------------


def test_dashboard_links_to_the_downloads_with_its_filters(admin_client, organisation, practitioner):
    html = admin_client.get(url("dashboard", organisation)).content.decode()
    for name in (*DOWNLOADS, "exports"):
        assert f'href="{url(name, organisation)}"' in html, name

    html = admin_client.get(url("dashboard", organisation, "?profession=nurse")).content.decode()
    for name in (*DOWNLOADS, "exports"):
        assert f'href="{url(name, organisation)}?profession=nurse"' in html, name
