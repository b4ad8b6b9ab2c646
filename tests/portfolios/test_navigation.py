"""The header's menu and the home page follow the roles a person holds."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerStage, Invitation, Membership, Role
from portfolios import workflow
from portfolios.models import AssessmentStatus as S
from portfolios.workflow import Actor
from tests.conftest import signed_in
from tests.factories import AssignmentFactory, MembershipFactory
from tests.portfolios.test_review import rated_assessment


def menu(page: str) -> list[tuple[str, str]]:
    """(label, address) of each item of the header's menu."""
    nav = page.split('aria-label="Menu"', 1)[1].split("</nav>", 1)[0]
    items = re.findall(r'<a class="nhsuk-header__navigation-link" href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    return [(re.sub(r"<[^>]+>", "", label).strip(), href) for href, label in items]


def labels(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", label) for label, _ in menu(page)]


def test_a_practitioner_gets_their_portfolio_evidence_and_the_framework(client, framework, practitioner):
    page = signed_in(client, practitioner).get(reverse("home")).content.decode()
    assert labels(page) == ["Your portfolio", "Evidence", "Framework"]


def test_an_appraiser_gets_reviews_with_the_number_waiting_and_no_evidence(client, framework, practitioner,
                                                                           appraiser, organisation):
    second = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user
    AssignmentFactory(organisation=organisation, practitioner=second, appraiser=appraiser)
    for person in (practitioner, second):
        assessment = rated_assessment(person)
        workflow.apply(assessment=assessment, name="submit", actor_user=person, actor=Actor.PRACTITIONER)
    # Not theirs to review: a practitioner of the organisation assigned to no one.
    stranger = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user
    rated_assessment(stranger, status=S.SUBMITTED)

    page = signed_in(client, appraiser).get(reverse("home")).content.decode()
    assert labels(page) == ["Home", "Reviews 2 waiting for your review", "Framework"]
    assert "2 assessments waiting for your review" in page


def test_an_admin_gets_the_organisation_and_is_told_of_invitations_not_accepted(client, framework, org_admin,
                                                                               organisation):
    for n in range(3):
        Invitation.objects.create(organisation=organisation, email=f"new{n}@trust.example", role=Role.PRACTITIONER,
                                  token_hash=f"{n:064d}", invited_by=org_admin,
                                  expires_at=timezone.now() + timedelta(days=7))
    page = signed_in(client, org_admin).get(reverse("home")).content.decode()
    assert labels(page) == ["Home", "Organisation", "Framework"]
    assert "3 invitations not accepted" in page
    assert reverse("organisations:members", kwargs={"organisation_id": organisation.pk}) + "#invitations" in page


@pytest.mark.parametrize("role", ["practitioner", "appraiser", "org_admin"])
def test_no_menu_item_answers_with_a_refusal(client, framework, role, request):
    user = request.getfixturevalue(role)
    page = signed_in(client, user).get(reverse("home")).content.decode()
    for label, href in menu(page):
        response = client.get(href, follow=True)
        assert response.status_code == 200, (label, href, response.status_code)


def test_a_role_ended_leaves_the_menu_on_the_next_page(client, framework, practitioner, appraiser):
    signed_in(client, appraiser)
    assert "Reviews" in labels(client.get(reverse("home")).content.decode())
    Membership.objects.filter(user=appraiser, role=Role.APPRAISER).update(is_active=False)
    assert "Reviews" not in labels(client.get(reverse("home")).content.decode())


def test_a_returned_assessment_says_who_returned_it_on_the_home_page(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner)
    workflow.apply(assessment=assessment, name="submit", actor_user=practitioner, actor=Actor.PRACTITIONER)
    workflow.apply(assessment=assessment, name="start_review", actor_user=appraiser, actor=Actor.APPRAISER)
    workflow.apply(assessment=assessment, name="return", actor_user=appraiser, actor=Actor.APPRAISER,
                   comment="Add evidence for capability 3")
    page = signed_in(client, practitioner).get(reverse("home")).content.decode()
    assert f"Returned by {appraiser.full_name}: see what to change" in page


def test_nothing_to_do_shows_no_to_do_list(client, framework, org_admin):
    page = signed_in(client, org_admin).get(reverse("home")).content.decode()
    assert "What needs doing" not in page


def test_a_new_practitioner_is_asked_for_their_details_and_told_who_their_appraiser_is(
        client, framework, practitioner, appraiser):
    practitioner.profession = practitioner.career_stage = ""
    practitioner.save()
    page = signed_in(client, practitioner).get(reverse("home")).content.decode()
    assert "Before you start" in page and f'href="{reverse("profile")}"' in page
    assert f"<li>{appraiser.full_name}</li>" in page
    # An appraiser who has left is not named.
    Membership.objects.filter(user=appraiser).update(is_active=False)
    page = client.get(reverse("home")).content.decode()
    assert appraiser.full_name not in page and "You do not have an appraiser yet" in page
    practitioner.profession, practitioner.career_stage = "nurse", CareerStage.values[0]
    practitioner.save()
    assert "Before you start" not in client.get(reverse("home")).content.decode()
