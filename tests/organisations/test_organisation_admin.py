"""The organisation admin area: who gets in, the members list, invitations,
roles, deactivation, appraiser assignments and the dashboard."""

import datetime
import re

import pytest
from django.utils.html import escape
from django.urls import reverse
from django.utils import timezone

from organisations import services as org_services
from accounts.models import AppraiserAssignment, Invitation, Membership, Profession, Role
from core.stacked_charts import nice_step, stacked_bar_chart
from capability.models import Capability, RatingLevel
from portfolios.models import AppraiserRating, AssessmentStatus, CapabilityRating
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, AssignmentFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.organisations.test_invitations import InvitationFactory

pytestmark = pytest.mark.django_db


REPORT_URLS = {"report_pdf", "ratings_csv", "evidence_csv", "exports", "export", "export_progress", "export_download"}


def namespace(name: str) -> str:
    return "reports" if name in REPORT_URLS else "organisations"


def url(name, organisation, **kwargs):
    return reverse(f"{namespace(name)}:{name}", kwargs={"organisation_id": organisation.pk, **kwargs})


def member_url(name, organisation, user, **kwargs):
    return url(name, organisation, user_id=user.pk, **kwargs)


def member_of(organisation, *roles, **user_fields):
    user = UserFactory(**user_fields)
    for role in roles:
        MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def active_roles(organisation, user):
    return sorted(
        Membership.objects.filter(organisation=organisation, user=user, is_active=True).values_list("role", flat=True)
    )


@pytest.fixture
def admin_client(client, org_admin):
    return signed_in(client, org_admin)


# Who gets in ------------------------------------------------------------------


def admin_pages(organisation, practitioner):
    return [
        url("dashboard", organisation),
        url("members", organisation),
        url("invite", organisation),
        member_url("member", organisation, practitioner),
        member_url("member_deactivate", organisation, practitioner),
    ]


def test_admin_of_the_organisation_can_open_every_page(admin_client, organisation, practitioner, appraiser):
    for page in admin_pages(organisation, practitioner):
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert organisation.name in response.content.decode()


def test_admin_of_another_organisation_gets_not_found_everywhere(client, organisation, practitioner, appraiser):
    elsewhere = OrganisationFactory()
    signed_in(client, member_of(elsewhere, Role.ORGANISATION_ADMIN))
    for page in admin_pages(organisation, practitioner):
        response = client.get(page)
        assert response.status_code == 404, page
        assert organisation.name not in response.content.decode()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.APPRAISER])
def test_practitioner_or_appraiser_of_the_organisation_is_forbidden(client, organisation, practitioner, role):
    signed_in(client, member_of(organisation, role))
    for page in admin_pages(organisation, practitioner):
        response = client.get(page)
        assert response.status_code == 403, page
        assert "You do not have permission" in response.content.decode()


def test_deactivated_admin_gets_not_found(client, organisation, practitioner):
    former_admin = UserFactory()
    MembershipFactory(user=former_admin, organisation=organisation, role=Role.ORGANISATION_ADMIN, is_active=False)
    signed_in(client, former_admin)
    assert client.get(url("dashboard", organisation)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, organisation, practitioner):
    for page in [reverse("organisations:index"), *admin_pages(organisation, practitioner)]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/accounts/login/?next="), page


def test_unknown_organisation_is_not_found(admin_client):
    assert admin_client.get("/organisations/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_admin_of_another_organisation_cannot_change_anything(client, organisation, practitioner, appraiser):
    signed_in(client, member_of(OrganisationFactory(), Role.ORGANISATION_ADMIN))
    posts = [
        (member_url("member_roles", organisation, practitioner), {"roles": ["appraiser"]}),
        (member_url("member_deactivate", organisation, practitioner), {}),
        (member_url("member_reactivate", organisation, practitioner), {"roles": ["practitioner"]}),
        (member_url("member_appraisers", organisation, practitioner), {"appraisers": [str(appraiser.pk)]}),
        (member_url("member_appraiser_remove", organisation, practitioner, appraiser_id=appraiser.pk), {}),
        (url("invite", organisation), {"email": "x@trust.example", "role": "practitioner"}),
    ]
    for page, data in posts:
        assert client.post(page, data).status_code == 404, page
    assert active_roles(organisation, practitioner) == ["practitioner"]
    assert AppraiserAssignment.objects.filter(practitioner=practitioner, appraiser=appraiser).exists()
    assert not Invitation.objects.exists()


def test_index_goes_straight_to_the_only_organisation(admin_client, organisation):
    response = admin_client.get(reverse("organisations:index"))
    assert response.status_code == 302
    assert response["Location"] == url("dashboard", organisation)


def test_index_lists_every_organisation_the_user_runs_and_no_others(client, organisation, org_admin):
    second = OrganisationFactory(name="Second Trust")
    MembershipFactory(user=org_admin, organisation=second, role=Role.ORGANISATION_ADMIN)
    practising_at = OrganisationFactory(name="Practising Trust")
    MembershipFactory(user=org_admin, organisation=practising_at, role=Role.PRACTITIONER)
    signed_in(client, org_admin)

    html = client.get(reverse("organisations:index")).content.decode()

    assert organisation.name in html and "Second Trust" in html
    assert "Practising Trust" not in html
    assert url("dashboard", second) in html


def test_index_is_forbidden_to_people_who_run_no_organisation(client, practitioner):
    signed_in(client, practitioner)
    assert client.get(reverse("organisations:index")).status_code == 403


# Members list -----------------------------------------------------------------


def test_members_list_shows_roles_and_status(admin_client, organisation, org_admin):
    both = member_of(organisation, Role.PRACTITIONER, Role.APPRAISER, full_name="Bola Adeyemi")
    gone = member_of(organisation, full_name="Carys Evans")
    MembershipFactory(user=gone, organisation=organisation, role=Role.APPRAISER, is_active=False)
    member_of(OrganisationFactory(), Role.PRACTITIONER, full_name="Someone Elsewhere")

    html = admin_client.get(url("members", organisation)).content.decode()

    assert "Bola Adeyemi" in html and both.email in html
    assert "Practitioner, Appraiser" in html
    assert "Carys Evans" in html and "Had: Appraiser" in html
    assert "Deactivated" in html
    assert "Someone Elsewhere" not in html
    assert "3 people" in html


def test_members_list_filters_by_role_and_status(admin_client, organisation):
    member_of(organisation, Role.PRACTITIONER, full_name="Pat Practitioner")
    member_of(organisation, Role.APPRAISER, full_name="Abi Appraiser")
    gone = member_of(organisation, full_name="Dee Deactivated")
    MembershipFactory(user=gone, organisation=organisation, role=Role.APPRAISER, is_active=False)

    html = admin_client.get(url("members", organisation) + "?role=appraiser").content.decode()
    assert "Abi Appraiser" in html
    assert "Pat Practitioner" not in html and "Dee Deactivated" not in html

    html = admin_client.get(url("members", organisation) + "?status=deactivated").content.decode()
    assert "Dee Deactivated" in html
    assert "Abi Appraiser" not in html


def test_members_list_searches_names_and_email_addresses(admin_client, organisation):
    member_of(organisation, Role.PRACTITIONER, full_name="Grace Okafor", email="g.okafor@trust.example")
    member_of(organisation, Role.PRACTITIONER, full_name="Harry Jones", email="hj@trust.example")

    html = admin_client.get(url("members", organisation) + "?q=okafor").content.decode()
    assert "Grace Okafor" in html and "Harry Jones" not in html
    html = admin_client.get(url("members", organisation) + "?q=HJ%40trust").content.decode()
    assert "Harry Jones" in html and "Grace Okafor" not in html
    html = admin_client.get(url("members", organisation) + "?q=nobody").content.decode()
    assert "No members match" in html


def test_members_list_reports_a_role_that_is_not_in_the_list(admin_client, organisation, practitioner):
    response = admin_client.get(url("members", organisation) + "?role=superuser")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a role from the list" in html
    assert escape(practitioner.full_name) in html


def test_members_list_is_paginated(admin_client, organisation):
    for number in range(30):
        member_of(organisation, Role.PRACTITIONER, full_name=f"Person {number:02d}")
    first = admin_client.get(url("members", organisation)).content.decode()
    second = admin_client.get(url("members", organisation) + "?page=2").content.decode()
    assert "31 people, showing 1 to 25" in first
    assert "Person 00" in first and "Person 29" not in first
    assert "Person 29" in second


def test_members_list_shows_invitations_waiting_to_be_accepted(admin_client, organisation):
    InvitationFactory(organisation=organisation, email="waiting@trust.example")
    InvitationFactory(organisation=organisation, email="used@trust.example", used_at=timezone.now(),
                      used_by=UserFactory())
    InvitationFactory(organisation=OrganisationFactory(), email="elsewhere@trust.example")
    html = admin_client.get(url("members", organisation)).content.decode()
    assert "waiting@trust.example" in html
    assert "used@trust.example" not in html
    assert "elsewhere@trust.example" not in html


@pytest.mark.parametrize("size", [2, 20])
def test_members_list_runs_the_same_queries_whatever_the_number_of_members(
    client, organisation, org_admin, django_assert_num_queries, size
):
    for _ in range(size):
        member_of(organisation, Role.PRACTITIONER, Role.APPRAISER)
        InvitationFactory(organisation=organisation)
    signed_in(client, org_admin)
    # session, user, organisation access, count, page, their memberships, invitations
    with django_assert_num_queries(7):
        response = client.get(url("members", organisation) + "?q=trust&role=practitioner&status=active")
    assert response.status_code == 200


# Inviting ---------------------------------------------------------------------


def test_admin_invites_someone_and_sees_the_invitation_waiting(admin_client, organisation, mailoutbox):
    response = admin_client.post(url("invite", organisation), {"email": "new@trust.example", "role": "practitioner"},
                                 follow=True)
    html = response.content.decode()
    assert "Invitation sent to new@trust.example" in html
    assert re.search(r"until \d{1,2} [A-Z][a-z]+ \d{4}", html)
    assert "Invitations not yet accepted" in html and "new@trust.example" in html
    assert len(mailoutbox) == 1


def test_inviting_an_active_member_to_a_role_they_have_is_refused(admin_client, organisation, practitioner,
                                                                   mailoutbox):
    response = admin_client.post(url("invite", organisation),
                                 {"email": practitioner.email.upper(), "role": "practitioner"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{practitioner.email} is already a practitioner in {organisation.name}" in html
    assert 'href="#id_email"' in html
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_a_member_to_another_role_is_allowed(admin_client, organisation, practitioner, mailoutbox):
    response = admin_client.post(url("invite", organisation), {"email": practitioner.email, "role": "appraiser"})
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.APPRAISER


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"email": "not-an-email", "role": "practitioner"}, "email",
         "Enter an email address in the correct format, like name@example.nhs.uk"),
        ({"email": "", "role": "practitioner"}, "email", "Enter their email address"),
        ({"email": "new@trust.example", "role": "superuser"}, "role_0", "Select a role from the list"),
        ({"email": "new@trust.example"}, "role_0", "Select a role"),
    ],
)
def test_invite_form_reports_bad_input(admin_client, organisation, mailoutbox, data, field, message):
    response = admin_client.post(url("invite", organisation), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert f'href="#id_{field}"' in html
    assert message in html
    assert not Invitation.objects.exists()
    assert mailoutbox == []


# Roles ------------------------------------------------------------------------


def test_admin_changes_roles_and_roles_taken_away_are_kept_inactive(admin_client, organisation, practitioner):
    response = admin_client.post(member_url("member_roles", organisation, practitioner),
                                 {"roles": ["appraiser", "organisation_admin"]})
    assert response.status_code == 302
    assert active_roles(organisation, practitioner) == ["appraiser", "organisation_admin"]
    kept = Membership.objects.get(organisation=organisation, user=practitioner, role=Role.PRACTITIONER)
    assert kept.is_active is False
    assert kept.history.count() == 2

    admin_client.post(member_url("member_roles", organisation, practitioner), {"roles": ["practitioner"]})
    assert active_roles(organisation, practitioner) == ["practitioner"]
    assert Membership.objects.filter(organisation=organisation, user=practitioner).count() == 3


def test_admin_cannot_remove_their_own_admin_role(admin_client, organisation, org_admin):
    response = admin_client.post(member_url("member_roles", organisation, org_admin), {"roles": ["practitioner"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "You cannot remove your own organisation admin role" in html
    assert active_roles(organisation, org_admin) == ["organisation_admin"]


@pytest.mark.parametrize(
    "data, message",
    [({}, "Select at least one role"), ({"roles": ["superuser"]}, "Select roles from the list")],
)
def test_roles_form_reports_bad_input(admin_client, organisation, practitioner, data, message):
    response = admin_client.post(member_url("member_roles", organisation, practitioner), data)
    html = response.content.decode()
    assert 'href="#id_roles_0"' in html and message in html
    assert active_roles(organisation, practitioner) == ["practitioner"]


def test_member_from_another_organisation_is_not_found_and_nothing_changes(admin_client, organisation):
    stranger = member_of(OrganisationFactory(), Role.PRACTITIONER)
    for name, data in [
        ("member", None),
        ("member_roles", {"roles": ["organisation_admin"]}),
        ("member_deactivate", {}),
        ("member_reactivate", {"roles": ["organisation_admin"]}),
        ("member_appraisers", {"appraisers": []}),
    ]:
        page = member_url(name, organisation, stranger)
        response = admin_client.get(page) if data is None else admin_client.post(page, data)
        assert response.status_code == 404, name
    assert not Membership.objects.filter(organisation=organisation, user=stranger).exists()
    assert active_roles(stranger.memberships.get().organisation, stranger) == ["practitioner"]


# Deactivating -----------------------------------------------------------------


def test_admin_deactivates_and_reactivates_a_member_and_records_stay(admin_client, organisation, appraiser,
                                                                       practitioner):
    MembershipFactory(user=appraiser, organisation=organisation, role=Role.PRACTITIONER)
    page = admin_client.get(member_url("member_deactivate", organisation, appraiser)).content.decode()
    assert "Nothing is deleted" in page

    response = admin_client.post(member_url("member_deactivate", organisation, appraiser))
    assert response.status_code == 302
    assert active_roles(organisation, appraiser) == []
    assert Membership.objects.filter(organisation=organisation, user=appraiser).count() == 2
    assert AppraiserAssignment.objects.filter(appraiser=appraiser).exists()
    html = admin_client.get(member_url("member", organisation, appraiser)).content.decode()
    assert "Deactivated" in html and "Reactivate" in html

    response = admin_client.post(member_url("member_reactivate", organisation, appraiser), {"roles": ["appraiser"]})
    assert response.status_code == 302
    assert active_roles(organisation, appraiser) == ["appraiser"]


def test_deactivated_appraiser_loses_sight_of_portfolios(client, organisation, org_admin, appraiser, practitioner):
    from portfolios.access import visible_evidence
    from tests.factories import EvidenceFactory

    item = EvidenceFactory(owner=practitioner, capabilities=[])
    assert visible_evidence(appraiser).filter(pk=item.pk).exists()
    org_services.deactivate_member(organisation=organisation, member=appraiser, deactivated_by=org_admin)
    assert not visible_evidence(appraiser).filter(pk=item.pk).exists()


def test_admin_cannot_deactivate_themselves(admin_client, organisation, org_admin):
    page = admin_client.get(member_url("member_deactivate", organisation, org_admin)).content.decode()
    assert "You cannot deactivate yourself" in page
    response = admin_client.post(member_url("member_deactivate", organisation, org_admin))
    assert response.status_code == 200
    assert "You cannot deactivate yourself" in response.content.decode()
    assert active_roles(organisation, org_admin) == ["organisation_admin"]


def test_reactivating_someone_already_active_is_refused(admin_client, organisation, practitioner):
    response = admin_client.post(member_url("member_reactivate", organisation, practitioner),
                                 {"roles": ["organisation_admin"]})
    assert "is already active" in response.content.decode()
    assert active_roles(organisation, practitioner) == ["practitioner"]


def test_reactivating_needs_at_least_one_role(admin_client, organisation, practitioner, org_admin):
    org_services.deactivate_member(organisation=organisation, member=practitioner, deactivated_by=org_admin)
    html = admin_client.post(member_url("member_reactivate", organisation, practitioner), {}).content.decode()
    assert "Select at least one role" in html
    assert active_roles(organisation, practitioner) == []


# Appraisers -------------------------------------------------------------------


def test_admin_assigns_several_appraisers_at_once(admin_client, organisation, practitioner):
    first = member_of(organisation, Role.APPRAISER, full_name="Ann First")
    second = member_of(organisation, Role.APPRAISER, full_name="Ben Second")
    response = admin_client.post(member_url("member_appraisers", organisation, practitioner),
                                 {"appraisers": [str(first.pk), str(second.pk)]}, follow=True)
    assert "Ann First, Ben Second are now appraising" in response.content.decode()
    assert set(AppraiserAssignment.objects.filter(practitioner=practitioner).values_list("appraiser", flat=True)) == {
        first.pk, second.pk,
    }


def test_only_other_active_appraisers_of_the_organisation_are_offered(admin_client, organisation):
    person = member_of(organisation, Role.PRACTITIONER, Role.APPRAISER, full_name="Both Roles")
    other = member_of(organisation, Role.APPRAISER, full_name="Other Appraiser")
    elsewhere = member_of(OrganisationFactory(), Role.APPRAISER, full_name="Elsewhere Appraiser")
    former = member_of(organisation, full_name="Former Appraiser")
    MembershipFactory(user=former, organisation=organisation, role=Role.APPRAISER, is_active=False)

    html = admin_client.get(member_url("member", organisation, person)).content.decode()
    assert f'value="{other.pk}"' in html
    for user in (person, elsewhere, former):
        assert f'value="{user.pk}"' not in html

    for user in (person, elsewhere, former):
        response = admin_client.post(member_url("member_appraisers", organisation, person),
                                     {"appraisers": [str(user.pk)]})
        assert "Select appraisers from the list" in response.content.decode()
    assert not AppraiserAssignment.objects.filter(practitioner=person).exists()


def test_assigning_nobody_is_reported(admin_client, organisation, practitioner):
    member_of(organisation, Role.APPRAISER)
    html = admin_client.post(member_url("member_appraisers", organisation, practitioner), {}).content.decode()
    assert 'href="#id_appraisers_0"' in html and "Select at least one appraiser" in html


def test_appraisers_are_only_for_practitioners(admin_client, organisation):
    only_appraiser = member_of(organisation, Role.APPRAISER)
    other = member_of(organisation, Role.APPRAISER)
    response = admin_client.post(member_url("member_appraisers", organisation, only_appraiser),
                                 {"appraisers": [str(other.pk)]})
    assert "is not an active practitioner" in response.content.decode()
    assert not AppraiserAssignment.objects.exists()


def test_admin_removes_an_assignment_and_its_history_stays(admin_client, organisation, practitioner, appraiser):
    response = admin_client.post(
        member_url("member_appraiser_remove", organisation, practitioner, appraiser_id=appraiser.pk), follow=True
    )
    assert "is no longer appraising" in response.content.decode()
    assert not AppraiserAssignment.objects.filter(practitioner=practitioner).exists()
    assert AppraiserAssignment.history.filter(practitioner=practitioner, history_type="-").count() == 1


def test_removing_an_assignment_that_does_not_exist_is_not_found(admin_client, organisation, practitioner,
                                                                 appraiser):
    other_practitioner = member_of(organisation, Role.PRACTITIONER)
    other_org = OrganisationFactory()
    AssignmentFactory(organisation=other_org, practitioner=practitioner, appraiser=UserFactory())
    for practitioner_user, appraiser_id in [
        (other_practitioner, appraiser.pk),
        (practitioner, AppraiserAssignment.objects.get(organisation=other_org).appraiser_id),
    ]:
        response = admin_client.post(
            member_url("member_appraiser_remove", organisation, practitioner_user, appraiser_id=appraiser_id)
        )
        assert response.status_code == 404
    assert AppraiserAssignment.objects.count() == 2


def test_unassign_service_refuses_an_assignment_that_does_not_exist(organisation, practitioner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        org_services.unassign_appraiser(organisation=organisation, practitioner=practitioner, appraiser=UserFactory())


# Dashboard --------------------------------------------------------------------


def levels_by_value(framework):
    return {level.value: level for level in RatingLevel.objects.filter(scale__framework=framework)}


def agree(assessment, appraiser, ratings: dict[int, int], framework):
    """Appraiser's ratings: capability number -> level value."""
    levels = levels_by_value(framework)
    for number, value in ratings.items():
        AppraiserRating.objects.create(
            assessment=assessment, appraiser=appraiser, level=levels[value],
            capability=Capability.objects.get(framework=framework, number=number),
        )


def rate(assessment, count, framework):
    level = levels_by_value(framework)[3]
    ids = list(assessment.ratings.order_by("capability__number").values_list("pk", flat=True)[:count])
    CapabilityRating.objects.filter(pk__in=ids).update(level=level)


def practitioner_in(organisation, **user_fields):
    return member_of(organisation, Role.PRACTITIONER, **user_fields)


def test_dashboard_shows_each_practitioner_with_their_latest_assessment(
    admin_client, organisation, framework, appraiser, practitioner
):
    today = timezone.localdate()
    practitioner.full_name = "Ada Assessed"
    practitioner.save()
    AssessmentFactory(practitioner=practitioner, title="Older one", period_start=today - datetime.timedelta(days=730),
                      period_end=today - datetime.timedelta(days=366))
    latest = AssessmentFactory(practitioner=practitioner, title="Current one",
                               period_start=today - datetime.timedelta(days=300),
                               period_end=today + datetime.timedelta(days=60), status=AssessmentStatus.IN_REVIEW)
    rate(latest, 5, framework)
    late = practitioner_in(organisation, full_name="Bea Behind")
    AssessmentFactory(practitioner=late, title="Late one", period_start=today - datetime.timedelta(days=400),
                      period_end=today - datetime.timedelta(days=1))
    done = practitioner_in(organisation, full_name="Cal Complete")
    AssessmentFactory(practitioner=done, title="Done one", period_start=today - datetime.timedelta(days=400),
                      period_end=today - datetime.timedelta(days=1), status=AssessmentStatus.LOCKED)
    practitioner_in(organisation, full_name="Dan New")
    practitioner_in(OrganisationFactory(), full_name="Eve Elsewhere")

    html = admin_client.get(url("dashboard", organisation)).content.decode()

    rows = {name: html[html.index(name):html.index("</tr>", html.index(name))] for name in (
        "Ada Assessed", "Bea Behind", "Cal Complete", "Dan New",
    )}
    assert "Current one" in rows["Ada Assessed"] and "Older one" not in html
    assert "In review" in rows["Ada Assessed"]
    assert "Rated 5 of 16" in rows["Ada Assessed"]
    assert appraiser.full_name in rows["Ada Assessed"]
    assert (today + datetime.timedelta(days=60)).strftime("%B %Y") in rows["Ada Assessed"]
    assert "Overdue" not in rows["Ada Assessed"]
    assert "Draft" in rows["Bea Behind"] and "Overdue" in rows["Bea Behind"]
    assert "Signed off" in rows["Cal Complete"] and "Overdue" not in rows["Cal Complete"]
    assert "Not started" in rows["Dan New"] and "Assign an appraiser" in rows["Dan New"]
    assert "Eve Elsewhere" not in html
    assert "4 practitioners, 1 overdue" in html
    assert f'href="{reverse("portfolios:assessment_summary", kwargs={"pk": latest.pk})}"' in html


def test_dashboard_filters_by_status_profession_appraiser_and_overdue(
    admin_client, organisation, framework, appraiser, practitioner
):
    today = timezone.localdate()
    AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.SUBMITTED)
    midwife = practitioner_in(organisation, full_name="Mo Midwife", profession=Profession.MIDWIFE)
    AssessmentFactory(practitioner=midwife, period_start=today - datetime.timedelta(days=400),
                      period_end=today - datetime.timedelta(days=2))
    newcomer = practitioner_in(organisation, full_name="Nia Newcomer")

    def names(query):
        html = admin_client.get(url("dashboard", organisation) + query).content.decode()
        return {user.full_name for user in (practitioner, midwife, newcomer) if escape(user.full_name) in html}

    assert names("?status=submitted") == {practitioner.full_name}
    assert names("?status=not_started") == {"Nia Newcomer"}
    assert names("?profession=midwife") == {"Mo Midwife"}
    assert names(f"?appraiser={appraiser.pk}") == {practitioner.full_name}
    assert names("?overdue=on") == {"Mo Midwife"}
    AssessmentFactory(practitioner=newcomer, status=AssessmentStatus.LOCKED)
    assert names("?status=signed_off") == {"Nia Newcomer"}
    assert names("?status=locked") == {practitioner.full_name, "Mo Midwife", "Nia Newcomer"}
    html = admin_client.get(url("dashboard", organisation) + "?status=nonsense").content.decode()
    assert "Choose a status from the list" in html
    assert names("?appraiser=00000000-0000-0000-0000-000000000000") == {
        practitioner.full_name, "Mo Midwife", "Nia Newcomer",
    }


def test_dashboard_profile_counts_agreed_ratings_per_level(admin_client, organisation, framework, appraiser,
                                                           practitioner):
    first = AssessmentFactory(practitioner=practitioner)
    agree(first, appraiser, {1: 2, 2: 3}, framework)
    second_person = practitioner_in(organisation)
    AssignmentFactory(organisation=organisation, practitioner=second_person, appraiser=appraiser)
    second = AssessmentFactory(practitioner=second_person)
    agree(second, appraiser, {1: 2, 2: 4}, framework)
    # An older assessment's ratings, and another organisation's, do not count.
    older = AssessmentFactory(practitioner=second_person, period_start=datetime.date(2024, 4, 1),
                              period_end=datetime.date(2025, 3, 31))
    agree(older, appraiser, {1: 1}, framework)
    outsider = practitioner_in(OrganisationFactory())
    agree(AssessmentFactory(practitioner=outsider), appraiser, {1: 1}, framework)

    response = admin_client.get(url("dashboard", organisation))
    html = response.content.decode()
    capability_1 = Capability.objects.get(framework=framework, number=1)

    assert "2 of 2 practitioners have agreed ratings" in html
    assert '<svg class="app-chart"' in html
    assert "Capability 1, 2 Developing: 2" in html
    assert "Capability 2, 3 Established: 1" in html
    assert "Capability 2, 4 Leading: 1" in html
    assert "1 Not yet developed: " not in html
    table_row = html[html.index('<th scope="row" class="nhsuk-table__header">Capability 1</th>'):]
    table_row = table_row[:table_row.index("</tr>")]
    assert re.findall(r">(\d+)</td>", table_row) == ["0", "2", "0", "0", "2"]
    assert capability_1.pillar.name in table_row
    pillars = response.context["pillars"]
    pillar_1 = next(p for p in pillars if p.name == capability_1.pillar.name)
    assert sum(pillar_1.total_row.counts) >= 2


def test_dashboard_shows_each_change_to_a_row_at_once(admin_client, organisation, framework, appraiser, practitioner):
    practitioner.full_name = "Ada Assessed"
    practitioner.save()
    ada = AssessmentFactory(practitioner=practitioner, title="Ada's year")
    bea = practitioner_in(organisation, full_name="Bea Behind")
    AssessmentFactory(practitioner=bea, title="Bea's year")

    def page():
        return admin_client.get(url("dashboard", organisation)).content.decode()

    def ada_row():
        html = page()
        name = practitioner.full_name
        return html[html.index(name):html.index("</tr>", html.index(name))]

    practitioner.full_name = "Ada Renamed"
    practitioner.save()
    assert "Ada Renamed" in ada_row()
    rate(ada, 3, framework)
    assert "Rated 3 of 16" in ada_row()
    second_appraiser = member_of(organisation, Role.APPRAISER, full_name="Rhys Reviewer")
    AssignmentFactory(organisation=organisation, practitioner=practitioner, appraiser=second_appraiser)
    assert "Rhys Reviewer" in ada_row()
    ada.status = AssessmentStatus.IN_REVIEW
    ada.save()
    assert "In review" in ada_row()
    assert "1 of 2 practitioners has agreed ratings" not in page()
    agree(ada, appraiser, {1: 2}, framework)
    assert "1 of 2 practitioners has agreed ratings" in page()


def test_dashboard_shows_changes_made_by_the_services_at_once(
    admin_client, org_admin, organisation, framework, appraiser, practitioner
):
    from accounts import services as account_services
    from portfolios.workflow import Actor, apply

    assessment = AssessmentFactory(practitioner=practitioner, title="Ada's year")
    CapabilityRating.objects.filter(assessment=assessment).update(
        level=RatingLevel.objects.get(scale=assessment.rating_scale, value=3)
    )
    first = admin_client.get(url("dashboard", organisation)).content.decode()
    assert "Draft" in first and "Nia Newcomer" not in first

    apply(assessment=assessment, name="submit", actor_user=practitioner, actor=Actor.PRACTITIONER)
    assert "Submitted" in admin_client.get(url("dashboard", organisation)).content.decode()

    newcomer = UserFactory(full_name="Nia Newcomer")
    account_services.grant_role(user=newcomer, organisation=organisation, role=Role.PRACTITIONER)
    assert "Nia Newcomer" in admin_client.get(url("dashboard", organisation)).content.decode()

    org_services.deactivate_member(organisation=organisation, member=newcomer, deactivated_by=org_admin)
    assert "Nia Newcomer" not in admin_client.get(url("dashboard", organisation)).content.decode()

    html = admin_client.get(url("dashboard", organisation) + "?status=nonsense").content.decode()
    assert "Choose a status from the list" in html


@pytest.mark.parametrize("size", [2, 20])
def test_dashboard_runs_the_same_queries_whatever_the_number_of_practitioners(
    client, organisation, org_admin, framework, django_assert_num_queries, size, settings
):
    appraisers = [member_of(organisation, Role.APPRAISER) for _ in range(2)]
    for index in range(size):
        person = practitioner_in(organisation, profession=Profession.NURSE)
        for appraiser in appraisers:
            AssignmentFactory(organisation=organisation, practitioner=person, appraiser=appraiser)
        assessment = AssessmentFactory(practitioner=person, status=AssessmentStatus.SIGNED_OFF)
        rate(assessment, index % 16, framework)
        agree(assessment, appraisers[0], {1: 1 + index % 4, 5: 2}, framework)
    signed_in(client, org_admin)
    client.get(url("dashboard", organisation))  # as a process that has served it: it keeps the structure
    # session, user, organisation access, appraisers for the filter, counts by
    # status, the page of practitioners, their appraisers, the organisation's
    # edition, its levels, agreed rating counts
    with django_assert_num_queries(10):
        response = client.get(url("dashboard", organisation) + f"?profession=nurse&appraiser={appraisers[0].pk}")
    assert len(response.context["rows"]) == size
    assert f"{size} of {size} practitioners have agreed ratings" in response.content.decode()
    with django_assert_num_queries(10):
        first = client.get(url("dashboard", organisation)).content.decode()
    assert first.count("<tr") >= size


def test_dashboard_shows_fifty_practitioners_a_page_with_counts_for_all_of_them(
    admin_client, organisation, framework
):
    today = timezone.localdate()
    for index in range(53):
        person = practitioner_in(organisation, full_name=f"Person {index:02d}")
        if index < 3:  # three overdue drafts; the rest have not started
            AssessmentFactory(practitioner=person, period_start=today - datetime.timedelta(days=400),
                              period_end=today - datetime.timedelta(days=1))

    first = admin_client.get(url("dashboard", organisation)).content.decode()
    second = admin_client.get(url("dashboard", organisation) + "?page=2").content.decode()

    assert "53 practitioners, 3 overdue. Showing 1 to 50" in first
    assert "Showing 51 to 53" in second
    assert "Person 49" in first and "Person 50" not in first
    assert "Person 50" in second and "Person 52" in second and "Person 49" not in second
    for html in (first, second):
        assert "<li>Not started: 50</li>" in html and "<li>Draft: 3</li>" in html
        assert "0 of 53 practitioners have agreed ratings" in html
    assert 'aria-label="Page 2"' in first
    # Each page has a title of its own, for screen readers and browser history.
    assert f"<title>{organisation.name} (page 1 of 2)" in first
    assert f"<title>{organisation.name} (page 2 of 2)" in second


def test_dashboard_pages_keep_the_filters(admin_client, organisation, framework):
    for index in range(55):
        practitioner_in(organisation, full_name=f"Nurse {index:02d}", profession=Profession.NURSE)
    practitioner_in(organisation, full_name="Mo Midwife", profession=Profession.MIDWIFE)

    html = admin_client.get(url("dashboard", organisation) + "?profession=nurse").content.decode()

    assert "55 practitioners" in html and "Mo Midwife" not in html
    assert 'href="?profession=nurse&amp;page=2"' in html


# The chart's geometry ---------------------------------------------------------


def test_stacked_chart_segments_are_as_long_as_their_counts():
    chart = stacked_bar_chart(
        title="t", description="d", levels=["1 Low", "2 High"],
        groups=[("", [("Row a", [3, 1]), ("Row b", [0, 0]), ("Row c", [0, 8])])],
    )
    a, b, c = chart.rows
    assert [s.count for s in a.segments] == [3, 1]
    assert a.segments[1].x == a.segments[0].x + a.segments[0].width
    assert c.segments[0].width == pytest.approx(a.segments[0].width * 8 / 3, abs=0.2)
    assert b.segments == [] and b.total == 0
    assert [tick.label for tick in chart.ticks] == ["0", "2", "4", "6", "8"]
    assert [item.label for item in chart.legend] == ["1 Low", "2 High"]


@pytest.mark.parametrize("largest, step", [(1, 1), (5, 1), (8, 2), (23, 5), (140, 50), (1000, 200)])
def test_chart_ticks_step_in_ones_twos_and_fives(largest, step):
    assert nice_step(largest) == step
