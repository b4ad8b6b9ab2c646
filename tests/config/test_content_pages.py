"""The footer's pages about the service: for anyone, written for this
service, and linked from every page."""

import pytest
from django.urls import reverse

from tests.conftest import signed_in

PAGES = {
    "accessibility": "Accessibility statement",
    "privacy": "Privacy notice",
    "cookies": "Cookies",
    "help": "Help and contact",
}


@pytest.mark.parametrize("name", PAGES)
def test_each_footer_page_is_open_to_anyone_and_linked_from_the_footer(client, db, name):
    page = client.get(reverse(name)).content.decode()
    assert f"<h1>{PAGES[name]}</h1>" in page
    footer = page.split('<footer class="nhsuk-footer"', 1)[1]
    for other, label in PAGES.items():
        assert f'href="{reverse(other)}">{label}</a>' in footer


def test_the_footer_makes_no_claim_to_be_an_nhs_england_product(practitioner_client, framework):
    footer = practitioner_client.get(reverse("home")).content.decode().split('<footer class="nhsuk-footer"', 1)[1]
    assert "© NHS England" not in footer
    assert "not an NHS England product" in footer


def test_the_pages_name_who_runs_the_service_when_the_deployment_says(client, db, settings):
    settings.SERVICE_OPERATOR = "Northfield NHS Foundation Trust"
    settings.SERVICE_CONTACT_EMAIL = "portfolio.help@northfield.example"
    privacy = client.get(reverse("privacy")).content.decode()
    assert "Northfield NHS Foundation Trust runs this service" in privacy
    assert 'href="mailto:portfolio.help@northfield.example"' in privacy
    settings.SERVICE_OPERATOR = settings.SERVICE_CONTACT_EMAIL = ""
    help_page = client.get(reverse("help")).content.decode()
    assert "mailto:" not in help_page and "contact the admin of your organisation" in help_page


def test_the_cookies_page_lists_every_cookie_a_signed_in_visit_sets(client, framework, practitioner):
    signed_in(client, practitioner)
    client.get(reverse("portfolios:evidence_create"))
    set_names = set(client.cookies.keys())
    page = client.get(reverse("cookies")).content.decode()
    for name in set_names:
        assert f'<td class="nhsuk-table__cell">{name}</td>' in page, name
