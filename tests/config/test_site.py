"""Cross-cutting behaviour: deny by default, health check, error pages,
settings, static files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Pages that answer without sign-in, and what they answer to a made-up address.
PUBLIC_URL_NAMES = {
    "login": (200, 405), "healthz": (200,), "accept": (404,), "feedback_respond": (404,),
    "evidence_confirm": (404,), "evidence_confirm_file": (404,),
    # A way back in for someone who cannot sign in (tests/accounts/test_passwords.py).
    "password_reset": (200,), "password_reset_done": (200,), "password_reset_confirm": (200,),
    "password_reset_complete": (200,),
    # The footer's pages about the service, for anyone.
    "accessibility": (200,), "privacy": (200,), "cookies": (200,), "help": (200,),
}


def iter_patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from iter_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def sample_path(route: str) -> str:
    """A concrete path for a route, with made-up values for its parameters."""
    import re

    samples = {"int": "1", "slug": "sample", "uuid": "00000000-0000-0000-0000-000000000000", "str": "sample"}
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "sample"), route)


def test_every_page_but_sign_in_and_health_check_needs_sign_in(client):
    """Walks the URL conf, so new views are covered automatically."""
    checked = 0
    for route, pattern in iter_patterns(get_resolver()):
        path = sample_path(route)
        response = client.get(path)
        if pattern.name in PUBLIC_URL_NAMES:
            assert response.status_code in PUBLIC_URL_NAMES[pattern.name], path
            continue
        assert response.status_code == 302, f"{path} answered {response.status_code} to an anonymous visitor"
        assert response["Location"].startswith("/accounts/login/"), path
        checked += 1
    assert checked >= 6


def test_health_check_reports_the_database_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_unknown_page_is_an_nhs_styled_404(practitioner_client):
    response = practitioner_client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "nhsuk-header" in html


def test_forbidden_page_is_an_nhs_styled_403(rf, practitioner):
    from config.views import permission_denied

    request = rf.get("/")
    request.user = practitioner
    response = permission_denied(request)
    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()


def test_server_error_page_is_nhs_styled_and_leaks_nothing(rf):
    from config.views import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "Traceback" not in html and "settings" not in html.lower()
    assert "nhsuk-header" in html


def test_an_exception_in_a_view_gives_the_500_page(client, settings):
    from django.urls import path

    from config import urls as root_urls

    def broken(request):
        raise RuntimeError("secret detail")

    settings.ROOT_URLCONF = type(
        "Urls", (), {"urlpatterns": [path("broken/", broken)], "handler500": root_urls.handler500}
    )
    client.raise_request_exception = False
    from django.contrib.auth.decorators import login_not_required

    login_not_required(broken)
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()
    assert "Sorry, there is a problem with the service" in response.content.decode()


def run_django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_deploy_checks_pass_under_production_settings():
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_SECRET_KEY": "x" * 30 + "production-like-secret-key-0123456789",
            "DJANGO_ALLOWED_HOSTS": "capability.example.nhs.uk",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = run_django(["check"], {"DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_set():
    result = run_django(
        ["shell", "-c", "from django.conf import settings; print(settings.DEBUG)"],
        {"DJANGO_SECRET_KEY": "k" * 50, "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert result.stdout.strip().endswith("False"), result.stderr


def test_stylesheet_is_served_locally_and_refers_to_no_outside_host(client):
    from django.contrib.staticfiles import finders

    css_path = finders.find("nhsuk/app.css")
    assert css_path, "run `make setup` to build the static files"
    css = Path(css_path).read_text()
    assert "http://" not in css and "https://" not in css
    assert "nhsuk-header" in css


def test_pages_reference_no_outside_host(practitioner_client, framework):
    import re

    for url in ["/", "/framework/", "/framework/pillars/expert-practice/", "/framework/capabilities/4/"]:
        html = practitioner_client.get(url).content.decode()
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        assert external == [], (url, external)
        assert "<script>" not in html and " style=" not in html, url


def test_pages_carry_a_content_security_policy_that_allows_only_this_site(client):
    response = client.get(reverse("login"))
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_an_empty_database_url_means_the_embedded_default():
    result = run_django(["check"], {"DJANGO_DEBUG": "1", "DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
