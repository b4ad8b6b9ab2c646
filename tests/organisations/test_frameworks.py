"""Each organisation chooses the editions its new assessments start on, from
its admin area; assessments already started keep theirs; a practitioner in
several organisations chooses which one (and so which framework) an
assessment is for."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from capability.models import OrganisationFramework
from core import merge
from organisations import services as org_services
from portfolios import services
from portfolios.models import Assessment
from reports.portfolio import render_portfolio_html
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

START_URL = reverse("portfolios:assessment_start")


def frameworks_url(organisation):
    return reverse("organisations:frameworks", kwargs={"organisation_id": organisation.pk})


def start_data(**extra):
    return {"title": "Next year", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2027",
            "period_end_0": "31", "period_end_1": "3", "period_end_2": "2028", **extra}


def without_timestamps(html: str) -> str:
    """The report's HTML without the moment it was made."""
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", "(time)", html)


def chosen(organisation):
    return sorted(OrganisationFramework.objects.filter(organisation=organisation)
                  .values_list("framework__slug", flat=True))


@pytest.fixture
def admin_client(client, org_admin):
    return signed_in(client, org_admin)


# The admin page -----------------------------------------------------------------


def test_before_choosing_the_page_says_new_assessments_use_the_current_framework(
    admin_client, organisation, framework, outline
):
    html = admin_client.get(frameworks_url(organisation)).content.decode()
    assert "You have not chosen yet, so new assessments start on the service's current framework" in html
    assert "Consultant-level practice framework (2020), Health Education England" in html
    assert "Leadership model outline" in html
    # The current edition is ticked, the other not.
    assert 'value="consultant-level-practice" checked' in html
    assert 'value="healthcare-leadership-model-outline" checked' not in html


def test_an_admin_switches_their_organisation_to_another_framework(
    admin_client, org_admin, organisation, framework, outline
):
    response = admin_client.post(frameworks_url(organisation), {"frameworks": [outline.slug]})
    assert response.status_code == 302
    assert chosen(organisation) == [outline.slug]
    page = admin_client.get(response["Location"]).content.decode()
    assert f"New assessments in {organisation.name} will use: Leadership model outline" in page
    entry = OrganisationFramework.history.get(framework=outline)
    assert (entry.history_type, entry.history_user) == ("+", org_admin)


def test_choosing_no_framework_is_refused_and_nothing_changes(admin_client, organisation, framework, outline):
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    response = admin_client.post(frameworks_url(organisation), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select at least one framework" in html
    assert chosen(organisation) == [outline.slug]


def test_a_framework_that_does_not_exist_is_refused(admin_client, organisation, framework):
    response = admin_client.post(frameworks_url(organisation), {"frameworks": ["made-up-edition"]})
    assert "Select frameworks from the list" in response.content.decode()
    assert chosen(organisation) == []


def test_two_admins_changing_different_frameworks_both_keep_their_change(
    organisation, org_admin, framework, outline
):
    other_admin = MembershipFactory(organisation=organisation, role=Role.ORGANISATION_ADMIN).user
    shown = merge.fingerprint(org_services.frameworks_state([framework]))
    # The other admin adds the outline after this page was shown with the consultant framework alone.
    org_services.set_frameworks(organisation=organisation, frameworks=[framework, outline], changed_by=other_admin)
    # This admin's page still shows the consultant framework ticked; they submit it unchanged.
    org_services.set_frameworks(
        organisation=organisation, frameworks=[framework], changed_by=org_admin,
        shown=merge.parse_fingerprint(shown),
    )
    assert chosen(organisation) == [framework.slug, outline.slug]


def test_the_page_is_for_the_organisations_admins_only(client, organisation, practitioner, framework):
    assert signed_in(client, practitioner).get(frameworks_url(organisation)).status_code == 403
    stranger = MembershipFactory(role=Role.ORGANISATION_ADMIN).user
    assert signed_in(client, stranger).get(frameworks_url(organisation)).status_code == 404


# Starting an assessment -----------------------------------------------------------


def test_a_new_assessment_starts_on_the_organisations_choice_and_older_ones_keep_theirs(
    practitioner_client, practitioner, organisation, org_admin, framework, outline
):
    older = AssessmentFactory(practitioner=practitioner)
    before = without_timestamps(render_portfolio_html(older))
    org_services.set_frameworks(organisation=organisation, frameworks=[outline], changed_by=org_admin)

    form = practitioner_client.get(START_URL).content.decode()
    assert "Which organisation and framework" not in form  # one choice: nothing to ask
    response = practitioner_client.post(START_URL, start_data())
    new = Assessment.objects.exclude(pk=older.pk).get(practitioner=practitioner)
    assert response["Location"].endswith(f"/pillars/{outline.pillars.get().slug}/")
    assert (new.framework, new.organisation, new.ratings.count()) == (outline, organisation, 9)

    older.refresh_from_db()
    assert older.framework == framework
    assert without_timestamps(render_portfolio_html(older)) == before


def test_a_practitioner_in_two_organisations_chooses_which_one_the_assessment_is_for(
    practitioner_client, practitioner, organisation, org_admin, framework, outline
):
    other = OrganisationFactory(name="Southbank Community Trust")
    MembershipFactory(user=practitioner, organisation=other, role=Role.PRACTITIONER)
    OrganisationFramework.objects.create(organisation=other, framework=outline)

    form = practitioner_client.get(START_URL).content.decode()
    assert "Which organisation and framework is this assessment for?" in form
    assert f"{organisation.name}: Consultant-level practice framework (2020)" in form
    assert "Southbank Community Trust: Leadership model outline" in form

    missing = practitioner_client.post(START_URL, start_data())
    assert "Select which organisation and framework this assessment is for" in missing.content.decode()
    assert not Assessment.objects.exists()
    # What was typed is kept.
    assert 'value="Next year"' in missing.content.decode()

    practitioner_client.post(START_URL, start_data(option=f"{other.pk}:{outline.slug}"))
    assessment = Assessment.objects.get()
    assert (assessment.organisation, assessment.framework) == (other, outline)


def test_an_organisation_or_framework_that_is_not_offered_is_refused(
    practitioner_client, practitioner, organisation, framework, outline
):
    other = OrganisationFactory()
    MembershipFactory(user=practitioner, organisation=other, role=Role.PRACTITIONER)
    stranger_org = OrganisationFactory()
    OrganisationFramework.objects.create(organisation=stranger_org, framework=outline)

    forged = practitioner_client.post(START_URL, start_data(option=f"{stranger_org.pk}:{outline.slug}"))
    assert "Select an organisation and framework from the list" in forged.content.decode()
    assert not Assessment.objects.exists()

    with pytest.raises(ValidationError, match="not used by your organisation"):
        services.start_assessment(practitioner=practitioner, title="Sneaky", period_start=start_date(),
                                  period_end=start_date(), framework=outline)


def start_date():
    import datetime

    return datetime.date(2027, 4, 1)
