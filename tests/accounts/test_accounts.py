import json

import pytest
from django.utils.html import escape
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import AppraiserAssignment, Membership, Organisation, Role, User
from accounts import services
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_in_any_case(client):
    user = UserFactory(email="aisha.khan@trust.example")
    response = client.post("/accounts/login/", {"username": "Aisha.Khan@Trust.example", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_shows_an_error_and_keeps_the_email(client):
    UserFactory(email="aisha.khan@trust.example")
    response = client.post("/accounts/login/", {"username": "aisha.khan@trust.example", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in html
    assert "There is a problem" in html
    assert "Enter a correct email address and password" in html
    assert 'value="aisha.khan@trust.example"' in html


def test_empty_sign_in_lists_each_missing_field_in_the_error_summary(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert 'href="#id_username"' in html and "Enter your email address" in html
    assert 'href="#id_password"' in html and "Enter your password" in html


def test_sign_out_is_by_post_only(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signed_in_header_shows_name_and_sign_out(practitioner_client, practitioner, framework):
    html = practitioner_client.get("/").content.decode()
    assert escape(practitioner.full_name) in html
    assert 'action="/accounts/logout/"' in html
    assert "Sign out" in html


def test_email_is_unique_whatever_its_case(db):
    UserFactory(email="same@trust.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="SAME@trust.example", password="x", full_name="Copy")


def test_a_person_can_hold_several_roles_but_each_role_once(organisation):
    user = UserFactory()
    services.grant_role(user=user, organisation=organisation, role=Role.PRACTITIONER)
    services.grant_role(user=user, organisation=organisation, role=Role.APPRAISER)
    services.grant_role(user=user, organisation=organisation, role=Role.APPRAISER)
    assert sorted(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["appraiser", "practitioner"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, organisation=organisation, role=Role.APPRAISER)


def test_appraiser_must_hold_the_appraiser_role_in_the_organisation(organisation, practitioner):
    from django.core.exceptions import ValidationError

    stranger = UserFactory()
    with pytest.raises(ValidationError):
        services.assign_appraiser(organisation=organisation, practitioner=practitioner, appraiser=stranger)
    with pytest.raises(ValidationError):
        services.assign_appraiser(organisation=organisation, practitioner=practitioner, appraiser=practitioner)
    assert not AppraiserAssignment.objects.exists()


def test_nobody_is_their_own_appraiser_in_the_database(organisation, practitioner):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppraiserAssignment.objects.create(organisation=organisation, practitioner=practitioner, appraiser=practitioner)


def test_seed_demo_is_idempotent_and_describes_every_account(capsys):
    call_command("seed_demo", "--json")
    first = json.loads(capsys.readouterr().out)
    counts = (User.objects.count(), Membership.objects.count(), AppraiserAssignment.objects.count())
    call_command("seed_demo", "--json")
    second = json.loads(capsys.readouterr().out)
    assert first == second
    assert (User.objects.count(), Membership.objects.count(), AppraiserAssignment.objects.count()) == counts

    assert Organisation.objects.count() == 2
    for ods in ("XN1", "XR2"):
        people = [a for a in first if a["organisation"] == ods]
        roles = [r for a in people for r in a["roles"]]
        assert roles.count("organisation_admin") == 1
        assert roles.count("appraiser") == 2
        assert roles.count("practitioner") >= 4
        for account in people:
            assert set(account) >= {"email", "password", "name", "organisation", "roles"}
            if "practitioner" in account["roles"]:
                assert account["appraisers"], account["email"]
                for email in account["appraisers"]:
                    assert AppraiserAssignment.objects.filter(
                        practitioner__email=account["email"], appraiser__email=email, organisation__ods_code=ods
                    ).exists()
    professions = set(User.objects.filter(memberships__role=Role.PRACTITIONER).values_list("profession", flat=True))
    assert {"nurse", "physiotherapist", "pharmacist", "healthcare_scientist"} <= professions


def test_demo_accounts_can_sign_in(client):
    call_command("seed_demo", verbosity=0)
    from accounts.demo import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"username": "aisha.khan@northfield.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
