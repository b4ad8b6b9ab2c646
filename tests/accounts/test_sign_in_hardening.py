import time

import pytest
from django.test import override_settings

from tests.conftest import signed_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client, settings):
    user = UserFactory(email="locked@trust.example")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
        assert "Enter a correct email address and password" in response.content.decode()
    response = client.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
    assert "Your account is locked for now" in response.content.decode()
    response = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Your account is locked for now" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_account_locked_does_not_lock_out_colleagues_on_the_same_network(client, settings):
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": victim.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": colleague.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_session_ends_after_inactivity(client, practitioner, settings):
    signed_in(client, practitioner)
    session = client.session
    session["auth_last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/framework/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "inactive for a while" in page.content.decode()


def test_session_ends_after_the_absolute_limit_however_active(client, practitioner, settings):
    signed_in(client, practitioner)
    session = client.session
    session["auth_started"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_active_session_continues(client, practitioner):
    signed_in(client, practitioner)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_weak_passwords_are_refused_by_the_validators(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["password123", "short", "12345678901234"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a-long-and-unusual-passphrase")


def test_production_settings_mark_cookies_secure():
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
         "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
         "settings.SESSION_COOKIE_HTTPONLY)"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
        env={"DJANGO_SECRET_KEY": "k" * 50, "DATABASE_URL": "sqlite:///:memory:", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_failures_count_together_whatever_the_case_of_the_email(client, settings):
    user = UserFactory(email="mixed@trust.example")
    for index in range(settings.AXES_FAILURE_LIMIT):
        email = user.email.upper() if index % 2 else user.email
        client.post("/accounts/login/", {"username": email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
