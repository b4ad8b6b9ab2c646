"""Browsing the framework: any signed-in user, any framework."""

import pytest
from django.urls import reverse

from tests.factories import (
    BulletFactory,
    CapabilityFactory,
    ElementFactory,
    EvidenceExampleFactory,
    FrameworkFactory,
    ImpactStatementFactory,
    PillarFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client, framework):
    response = client.get("/framework/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/framework/")


def test_overview_lists_the_pillars_and_the_foundation(practitioner_client, framework):
    response = practitioner_client.get("/framework/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["Expert practice", "Strategic and enabling leadership", "Research and innovation", "Consultancy"]:
        assert name in html
    assert "Learning, developing and improving across the system" in html
    assert 'href="/framework/pillars/consultancy/"' in html
    assert "Capabilities 14 to 16" in html


def test_pillar_page_shows_purpose_capabilities_elements_and_impact(practitioner_client, framework):
    response = practitioner_client.get("/framework/pillars/research-and-innovation/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Research and innovation</h1>" in html
    assert "This goes beyond using and enabling evidence-based professional practice" in html
    assert "Capability 11" in html and "Capability 13" in html and "Capability 14" not in html
    assert "<summary" in html  # elements are collapsed in details
    assert "11.3" in html
    assert "Inspires and helps others to be positively involved with research" in html
    assert "Evidence of research funding" in html
    assert "&#x27;knowledge-rich and inquiry&#x27;" in html  # escaped, not raw


def test_capability_page_shows_elements_with_nested_bullets(practitioner_client, framework):
    response = practitioner_client.get("/framework/capabilities/1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Capability 1</h1>" in html
    assert "valid and reliable tools for providing care and services can be selected; and" in html
    assert html.count('<ul class="nhsuk-list nhsuk-list--bullet">') == 2  # bullets and nested bullets
    assert 'href="/framework/capabilities/2/"' in html


def test_impact_page_lists_statements_and_examples_for_every_pillar(practitioner_client, framework):
    response = practitioner_client.get("/framework/impact/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Examples of evidence") == 20
    assert "Regional and national recognition of innovations" in html


@pytest.mark.parametrize("url", ["/framework/pillars/no-such-pillar/", "/framework/capabilities/17/",
                                 "/framework/editions/no-such-framework/"])
def test_unknown_framework_pages_are_404(practitioner_client, framework, url):
    response = practitioner_client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_second_framework_of_a_different_shape_browses_the_same_way(practitioner_client, framework):
    """Nothing assumes five pillars or 16 capabilities."""
    other = FrameworkFactory(slug="healthcare-leadership-model", name="Healthcare Leadership Model")
    domains = [PillarFactory(framework=other, order=i, slug=f"dimension-{i}", name=f"Dimension {i}") for i in (1, 2, 3)]
    capability = CapabilityFactory(pillar=domains[0], number=1, statement="Inspiring shared purpose")
    element = ElementFactory(capability=capability, number="1.1", order=1, text="Valuing a service ethos")
    BulletFactory(element=element, order=1, text="Puts patients first")
    CapabilityFactory(pillar=domains[2], number=2, statement="Leading with care")
    EvidenceExampleFactory(impact_statement=ImpactStatementFactory(pillar=domains[0], order=1, text="Staff feel valued"),
                           order=1, text="Staff survey")

    overview = practitioner_client.get(reverse("framework:overview", kwargs={"framework_slug": other.slug}))
    assert overview.status_code == 200
    html = overview.content.decode()
    assert "Dimension 3" in html and "Consultancy" not in html
    assert f'href="/framework/editions/{other.slug}/pillars/dimension-1/"' in html

    pillar = practitioner_client.get(f"/framework/editions/{other.slug}/pillars/dimension-1/")
    assert "Inspiring shared purpose" in pillar.content.decode()
    assert "Staff survey" in pillar.content.decode()
    page = practitioner_client.get(f"/framework/editions/{other.slug}/capabilities/1/")
    assert "Puts patients first" in page.content.decode()
    # The current framework still answers at the short URLs.
    assert "Expert practice" in practitioner_client.get("/framework/").content.decode()
    assert "See all frameworks and editions" in practitioner_client.get("/framework/").content.decode()


def test_pillar_page_query_count_does_not_grow_with_content(practitioner_client, django_assert_num_queries):
    framework = FrameworkFactory(is_current=True)
    pillar = PillarFactory(framework=framework, slug="only", order=1)
    capability = CapabilityFactory(pillar=pillar, number=1)
    ElementFactory(capability=capability, number="1.1", order=1)
    ImpactStatementFactory(pillar=pillar, order=1)
    # session, user, the organisation's chosen edition (none), the current
    # edition, pillar, capabilities, elements, bullets, impact statements,
    # examples, sibling pillars
    with django_assert_num_queries(11):
        practitioner_client.get("/framework/pillars/only/")

    for number in range(2, 12):
        cap = CapabilityFactory(pillar=pillar, number=number)
        for order in range(1, 5):
            element = ElementFactory(capability=cap, number=f"{number}.{order}", order=order)
            BulletFactory(element=element, order=1)
    for order in range(2, 6):
        EvidenceExampleFactory(impact_statement=ImpactStatementFactory(pillar=pillar, order=order), order=1)
    with django_assert_num_queries(11):
        practitioner_client.get("/framework/pillars/only/")


def test_overview_query_count_does_not_grow_with_pillars(practitioner_client, django_assert_num_queries):
    framework = FrameworkFactory(is_current=True)
    PillarFactory(framework=framework, order=1)
    # session, user, the organisation's chosen edition (none), the current
    # edition, pillars, capabilities, other editions, whether it has an
    # impact framework
    with django_assert_num_queries(8):
        practitioner_client.get("/framework/")
    for order in range(2, 12):
        CapabilityFactory(pillar=PillarFactory(framework=framework, order=order))
    with django_assert_num_queries(8):
        practitioner_client.get("/framework/")
