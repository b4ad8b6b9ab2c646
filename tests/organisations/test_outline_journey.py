"""End to end on the example framework (issue 18, point 5): an organisation
chooses the Healthcare Leadership Model outline, a practitioner assesses
against it, the appraiser signs off, and the PDF and the ratings CSV show it;
another organisation stays on the consultant framework throughout."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from capability.models import Framework
from portfolios.models import Assessment, AssessmentStatus as S
from tests.conftest import signed_in
from tests.factories import MembershipFactory, OrganisationFactory
from tests.portfolios.review_pages import save_review

pytestmark = pytest.mark.django_db


def test_an_organisation_on_the_outline_assesses_signs_off_and_reports_on_it(
    client, organisation, org_admin, practitioner, appraiser, framework, outline
):
    # Another organisation, left alone, stays on the consultant framework.
    elsewhere = OrganisationFactory(name="Riverside Community Health NHS Trust")
    other_practitioner = MembershipFactory(organisation=elsewhere, role=Role.PRACTITIONER).user

    signed_in(client, org_admin)
    frameworks_url = reverse("organisations:frameworks", kwargs={"organisation_id": organisation.pk})
    assert client.post(frameworks_url, {"frameworks": [outline.slug]}).status_code == 302

    signed_in(client, practitioner)
    client.post(reverse("portfolios:assessment_start"), {
        "title": "Leadership 2026", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2026",
        "period_end_0": "31", "period_end_1": "3", "period_end_2": "2027",
    })
    assessment = Assessment.objects.get(practitioner=practitioner)
    assert assessment.framework == outline
    pillar_url = reverse("portfolios:assessment_pillar",
                         kwargs={"pk": assessment.pk, "pillar_slug": "leadership-dimensions"})
    page = client.get(pillar_url).content.decode()
    assert "Capability 9" in page and "Influencing for results" in page
    data = {"version": assessment.version, "save_continue": ""}
    for number in range(1, 10):
        data[f"c{number}-rating"] = "3"
        data[f"c{number}-reflection"] = f"Dimension {number} in practice"
    assert client.post(pillar_url, data).status_code == 302
    assessment.refresh_from_db()
    client.post(reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}), {"version": assessment.version, "declaration": "on"})

    signed_in(client, appraiser)
    review_url = reverse("portfolios:review", kwargs={"pk": assessment.pk})
    client.post(review_url, {"action": "start_review"})
    # The outline's one pillar holds its nine dimensions.
    save_review(client, assessment, ratings={number: 4 if number == 2 else 3 for number in range(1, 10)},
                summary="Leads with care and purpose.")
    client.post(reverse("portfolios:review_sign_off", kwargs={"pk": assessment.pk}), {"declaration": "on"})
    assessment.refresh_from_db()
    assert assessment.status == S.AWAITING_SIGN_OFF

    signed_in(client, practitioner)
    client.post(reverse("portfolios:practitioner_sign_off", kwargs={"pk": assessment.pk}), {"declaration": "on"})
    assessment.refresh_from_db()
    assert assessment.status == S.LOCKED

    pdf = client.get(reverse("reports:assessment_report", kwargs={"pk": assessment.pk}))
    assert pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Healthcare Leadership Model (outline)" in text
    assert "Influencing for results" in text
    assert "3 Consistent" in text and "4 Role model" in text
    assert "Established" not in text  # the consultant scale's wording
    assert "Impact statement" not in text

    signed_in(client, org_admin)
    response = client.get(reverse("reports:ratings_csv", kwargs={"organisation_id": organisation.pk}))
    body_bytes = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body_bytes.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    framework_column, edition_column = header.index("Framework"), header.index("Edition")
    assert {(row[framework_column], row[edition_column]) for row in body} == {("Leadership model outline", "outline-1")}
    assert len(body) == 9

    # The other organisation was never switched: its practitioner starts on the consultant framework.
    signed_in(client, other_practitioner)
    client.post(reverse("portfolios:assessment_start"), {
        "title": "Consultant 2026", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2026",
        "period_end_0": "31", "period_end_1": "3", "period_end_2": "2027",
    })
    assert Assessment.objects.get(practitioner=other_practitioner).framework == Framework.objects.get(
        slug="consultant-level-practice")
