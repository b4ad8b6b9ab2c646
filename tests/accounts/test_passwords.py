"""A way back in: password reset by email and password change, in NHS.UK
pages, with the lockout ended by a successful reset."""

import re

import pytest

from tests.conftest import signed_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-2026"


def lock_out(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429


def reset_link(message) -> str:
    return re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)


def test_sign_in_and_lockout_pages_offer_a_reset(client, settings):
    assert '<a href="/accounts/password/reset/">Forgotten your password?</a>' in client.get(
        "/accounts/login/").content.decode()
    user = UserFactory()
    lock_out(client, user, settings)
    locked = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD}).content.decode()
    assert '<a href="/accounts/password/reset/">reset your password</a>' in locked


def test_reset_says_the_same_whether_or_not_the_address_has_an_account(client, mailoutbox):
    user = UserFactory(email="known@trust.example")
    known = client.post("/accounts/password/reset/", {"email": "KNOWN@trust.example"}, follow=True)
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@trust.example"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    assert known.content == unknown.content
    assert "If there is an account with that email address" in known.content.decode()
    assert [message.to for message in mailoutbox] == [[user.email]]
    assert "Reset your password for the" in mailoutbox[0].subject


def test_reset_form_explains_a_missing_or_malformed_address(client, mailoutbox):
    page = client.post("/accounts/password/reset/", {"email": ""}).content.decode()
    assert "There is a problem" in page and "Enter your email address" in page
    page = client.post("/accounts/password/reset/", {"email": "not-an-address"}).content.decode()
    assert "Enter an email address in the correct format" in page
    assert mailoutbox == []


def test_a_reset_sets_the_password_ends_the_lockout_and_works_once(client, settings, mailoutbox):
    user = UserFactory()
    lock_out(client, user, settings)
    client.post("/accounts/password/reset/", {"email": user.email})
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your password has been reset" in done.content.decode()

    response = client.post("/accounts/login/", {"username": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302, "the lockout should have ended with the reset"
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This link has stopped working" in again


def test_a_reset_refuses_mismatched_or_weak_passwords_in_nhs_wording(client, mailoutbox):
    user = UserFactory()
    client.post("/accounts/password/reset/", {"email": user.email})
    set_url = client.get(reset_link(mailoutbox[0]), follow=True).redirect_chain[-1][0]
    page = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": "different"}).content.decode()
    assert "The two passwords do not match" in page
    page = client.post(set_url, {"new_password1": "short", "new_password2": "short"}).content.decode()
    assert "This password is too short" in page
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_a_deactivated_account_gets_no_reset_email(client, mailoutbox):
    user = UserFactory(is_active=False)
    client.post("/accounts/password/reset/", {"email": user.email})
    assert mailoutbox == []


def test_change_password_from_your_details(client):
    user = UserFactory()
    signed_in(client, user)
    assert '<a href="/accounts/password/change/">Change your password</a>' in client.get(
        "/accounts/profile/").content.decode()
    page = client.post("/accounts/password/change/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    }).content.decode()
    assert "Your current password is not correct" in page
    response = client.post("/accounts/password/change/", {
        "old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    }, follow=True)
    assert "Your password has been changed" in response.content.decode()
    # Still signed in on this device.
    assert client.get("/accounts/profile/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
