"""Invitations: sending one from the organisation admin area, and accepting
it at /invitations/<token>/ as a new or an existing person."""

import re
import secrets
import threading
from datetime import timedelta

import factory
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from organisations import services as org_services
from accounts.models import Invitation, Membership, Role, User
from tests.conftest import signed_in
from tests.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kettle-orchard-window-42"


class InvitationFactory(factory.django.DjangoModelFactory):
    """An unused invitation that expires in 7 days. Pass ``token`` to know the
    link's token; only its hash is stored."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@trust.example")
    role = Role.PRACTITIONER
    token_hash = factory.LazyAttribute(lambda o: org_services.hash_token(o.token))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def invitation_with_token(**kwargs) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    return InvitationFactory(token=token, **kwargs), token


def accept_url(token: str) -> str:
    return reverse("invitations:accept", kwargs={"token": token})


def invite_url(organisation) -> str:
    return reverse("organisations:invite", kwargs={"organisation_id": organisation.pk})


def new_account(full_name="Priya Shah", password=NEW_PASSWORD, confirm=None) -> dict:
    return {"full_name": full_name, "password1": password, "password2": password if confirm is None else confirm}


def token_from(mail) -> str:
    match = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mail.body)
    assert match, mail.body
    return match.group(1)


# Sending ----------------------------------------------------------------------


def test_invitation_email_carries_the_link_and_only_a_hash_of_the_token_is_stored(
    client, organisation, org_admin, mailoutbox
):
    signed_in(client, org_admin)
    response = client.post(invite_url(organisation), {"email": " Priya.Shah@Trust.example ", "role": "appraiser"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["priya.shah@trust.example"]
    assert organisation.name in mail.subject
    token = token_from(mail)
    assert f"http://testserver/invitations/{token}/" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert f"http://testserver/invitations/{token}/" in html
    assert "as an appraiser" in mail.body

    invitation = Invitation.objects.get()
    assert invitation.email == "priya.shah@trust.example"
    assert invitation.role == Role.APPRAISER
    assert invitation.invited_by == org_admin
    assert invitation.token_hash == org_services.hash_token(token)
    for model_field in Invitation._meta.concrete_fields:
        assert token not in str(getattr(invitation, model_field.attname)), model_field.name


def test_invitation_expires_after_the_configured_number_of_days(organisation, org_admin, settings, mailoutbox):
    settings.INVITATION_VALID_DAYS = 2
    invitation = org_services.invite_member(
        organisation=organisation, email="new@trust.example", role=Role.PRACTITIONER, invited_by=org_admin,
        link_for=lambda token: f"https://example.test/invitations/{token}/",
    )
    assert timedelta(days=2) - timedelta(seconds=5) < invitation.expires_at - timezone.now() <= timedelta(days=2)
    assert "stops working on" in mailoutbox[0].body


def test_invitation_lasts_seven_days_by_default(organisation, org_admin, mailoutbox):
    invitation = org_services.invite_member(
        organisation=organisation, email="new@trust.example", role=Role.PRACTITIONER, invited_by=org_admin,
        link_for=lambda token: f"https://example.test/invitations/{token}/",
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_inviting_again_makes_the_earlier_link_stop_working(client, organisation, org_admin, mailoutbox):
    signed_in(client, org_admin)
    client.post(invite_url(organisation), {"email": "priya@trust.example", "role": "practitioner"})
    client.post(invite_url(organisation), {"email": "priya@trust.example", "role": "practitioner"})
    first, second = token_from(mailoutbox[0]), token_from(mailoutbox[1])
    client.logout()

    assert Invitation.objects.count() == 2
    response = client.get(accept_url(first))
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert client.get(accept_url(second)).status_code == 200


def test_an_invitation_that_cannot_be_sent_is_not_kept(client, organisation, org_admin, monkeypatch, mailoutbox):
    def fail(*args, **kwargs):
        raise OSError("mail server unavailable")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)
    signed_in(client, org_admin)
    response = client.post(invite_url(organisation), {"email": "priya@trust.example", "role": "practitioner"})

    assert response.status_code == 200
    assert "The invitation could not be sent. Try again later." in response.content.decode()
    assert not Invitation.objects.exists()


# Accepting as a new person ----------------------------------------------------


def test_accept_page_needs_no_sign_in_and_shows_the_invitation(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation, role=Role.APPRAISER)
    response = client.get(accept_url(token))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Set up your account" in html
    assert organisation.name in html
    assert "as an appraiser" in html
    assert invitation.email in html
    assert response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_new_person_sets_name_and_password_and_is_signed_in_with_the_role(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation, role=Role.PRACTITIONER)
    response = client.post(accept_url(token), new_account(full_name="  Priya Shah "))

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email=invitation.email)
    assert user.full_name == "Priya Shah"
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Membership.objects.get(user=user).role == Role.PRACTITIONER
    assert Membership.objects.get(user=user).is_active
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert invitation.used_by == user
    home = client.get("/").content.decode()
    assert f"You are now a practitioner in {organisation.name}" in home


def test_password_validation_errors_keep_the_typed_name(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    response = client.post(accept_url(token), new_account(full_name="Priya Shah", password="short"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert "This password is too short" in html
    assert 'value="Priya Shah"' in html
    assert 'value="short"' not in html
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_common_and_numeric_passwords_are_refused(client, organisation):
    _, token = invitation_with_token(organisation=organisation)
    html = client.post(accept_url(token), new_account(password="password1234")).content.decode()
    assert "This password is too common" in html
    html = client.post(accept_url(token), new_account(password="804271936512")).content.decode()
    assert "This password is entirely numeric" in html


def test_passwords_that_do_not_match_are_refused(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    html = client.post(accept_url(token), new_account(confirm="something-else-entirely")).content.decode()
    assert "The passwords do not match" in html
    assert 'value="Priya Shah"' in html
    assert not User.objects.filter(email=invitation.email).exists()


def test_missing_name_and_password_are_each_reported(client, organisation):
    _, token = invitation_with_token(organisation=organisation)
    html = client.post(accept_url(token), {"full_name": "   ", "password1": "", "password2": ""}).content.decode()
    assert 'href="#id_full_name"' in html and "Enter your full name" in html
    assert 'href="#id_password1"' in html and "Enter a password" in html
    assert 'href="#id_password2"' in html and "Confirm your password" in html


# Links that cannot be used ----------------------------------------------------


def test_expired_invitation_says_so_and_creates_nothing(client, organisation):
    invitation, token = invitation_with_token(
        organisation=organisation,
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    for response in (client.get(accept_url(token)), client.post(accept_url(token), new_account())):
        html = response.content.decode()
        assert response.status_code == 410
        assert "This invitation has expired" in html
        assert "Ask your organisation admin for a new one" in html
        assert "nhsuk-header" in html
    assert not User.objects.filter(email=invitation.email).exists()


def test_invitation_cannot_be_used_twice(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    client.post(accept_url(token), new_account())
    client.logout()

    for response in (client.get(accept_url(token)), client.post(accept_url(token), new_account(full_name="Other"))):
        html = response.content.decode()
        assert response.status_code == 410
        assert "This invitation has already been used" in html
        assert 'href="/accounts/login/"' in html
    assert User.objects.filter(email=invitation.email).count() == 1
    assert User.objects.get(email=invitation.email).full_name == "Priya Shah"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="one-character-changed"),
        pytest.param(lambda token: token[:20], id="cut-short"),
        pytest.param(lambda token: secrets.token_urlsafe(32), id="made-up"),
        pytest.param(lambda token: "x" * 500, id="far-too-long"),
        pytest.param(lambda token: org_services.hash_token(token), id="the-stored-hash"),
    ],
)
def test_unknown_or_tampered_link_is_not_valid(client, organisation, make_token):
    invitation, token = invitation_with_token(organisation=organisation)
    bad = make_token(token)
    for response in (client.get(accept_url(bad)), client.post(accept_url(bad), new_account())):
        html = response.content.decode()
        assert response.status_code == 404
        assert "This link is not valid" in html
        assert "nhsuk-header" in html
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


# Two accepts at once ----------------------------------------------------------


def test_accept_is_refused_when_the_invitation_was_used_after_the_page_loaded(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    assert client.get(accept_url(token)).status_code == 200
    someone = UserFactory()
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now(), used_by=someone)

    response = client.post(accept_url(token), new_account())

    assert response.status_code == 410
    assert "This invitation has already been used" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()
    assert "_auth_user_id" not in client.session


def test_second_accept_through_the_service_is_refused(organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    org_services.accept_invitation_as_new_user(token=token, full_name="First", password=NEW_PASSWORD)
    with pytest.raises(org_services.InvitationUsed):
        org_services.accept_invitation_as_new_user(token=token, full_name="Second", password=NEW_PASSWORD)
    assert User.objects.get(email=invitation.email).full_name == "First"


def test_account_created_after_the_page_loaded_is_asked_to_sign_in(client, organisation):
    invitation, token = invitation_with_token(organisation=organisation)
    assert client.get(accept_url(token)).status_code == 200
    UserFactory(email=invitation.email)

    response = client.post(accept_url(token), new_account())

    assert "Sign in to accept your invitation" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_time_exactly_one_succeeds():
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks, which SQLite does not have")
    from django.db import connections

    organisation = OrganisationFactory()
    invitation, token = invitation_with_token(organisation=organisation)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(name):
        try:
            barrier.wait(timeout=10)
            org_services.accept_invitation_as_new_user(token=token, full_name=name, password=NEW_PASSWORD)
            outcomes.append("accepted")
        except org_services.InvitationProblem as problem:
            outcomes.append(type(problem).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(name,)) for name in ("First", "Second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["InvitationUsed", "accepted"]
    assert User.objects.filter(email=invitation.email).count() == 1
    assert Membership.objects.filter(user__email=invitation.email).count() == 1


# Accepting with an existing account -------------------------------------------


def test_existing_account_is_asked_to_sign_in_then_accepts_and_keeps_its_roles(client, organisation):
    person = MembershipFactory(organisation=organisation, role=Role.PRACTITIONER).user
    invitation, token = invitation_with_token(
        organisation=organisation, email=person.email.upper(), role=Role.APPRAISER
    )

    response = client.get(accept_url(token))
    html = response.content.decode()
    assert "Sign in to accept your invitation" in html
    assert f'href="/accounts/login/?next=/invitations/{token}/"' in html

    response = client.post("/accounts/login/", {"username": person.email, "password": TEST_PASSWORD,
                                                 "next": accept_url(token)})
    assert response["Location"] == accept_url(token)
    html = client.get(accept_url(token)).content.decode()
    assert "Accept your invitation" in html
    assert "as an appraiser" in html

    response = client.post(accept_url(token))

    assert response.status_code == 302
    assert sorted(Membership.objects.filter(user=person, is_active=True).values_list("role", flat=True)) == [
        "appraiser", "practitioner",
    ]
    invitation.refresh_from_db()
    assert invitation.used_by == person
    assert User.objects.filter(email__iexact=person.email).count() == 1
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_signed_in_as_someone_else_cannot_accept(client, organisation, practitioner):
    invitation, token = invitation_with_token(organisation=organisation, role=Role.ORGANISATION_ADMIN)
    signed_in(client, practitioner)

    for response in (client.get(accept_url(token)), client.post(accept_url(token), new_account())):
        assert "This invitation is for someone else" in response.content.decode()
    assert not Membership.objects.filter(user=practitioner, role=Role.ORGANISATION_ADMIN).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_existing_account_cannot_be_taken_over_by_the_new_account_form(client, organisation):
    person = UserFactory()
    invitation, token = invitation_with_token(organisation=organisation, email=person.email)
    response = client.post(accept_url(token), new_account(full_name="Intruder", password="another-long-password-9"))

    assert "Sign in to accept your invitation" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)
    assert person.full_name != "Intruder"
    assert "_auth_user_id" not in client.session


def test_deactivated_membership_is_reactivated_by_accepting(organisation):
    membership = MembershipFactory(organisation=organisation, role=Role.APPRAISER, is_active=False)
    _, token = invitation_with_token(organisation=organisation, email=membership.user.email, role=Role.APPRAISER)
    org_services.accept_invitation_as_existing_user(token=token, user=membership.user)
    membership.refresh_from_db()
    assert membership.is_active
    assert Membership.objects.filter(user=membership.user).count() == 1


def test_invitation_describes_itself(organisation):
    invitation = InvitationFactory(organisation=organisation, email="a@trust.example", role=Role.APPRAISER)
    assert str(invitation) == f"Invitation for a@trust.example to be appraiser at {organisation.name}"
