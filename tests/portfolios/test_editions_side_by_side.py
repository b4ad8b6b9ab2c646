"""Two frameworks live in one database: assessments on both, evidence linked
to both, nothing lost by editing; each edition's pages say only what that
edition says (guidance, expectations, impact framework)."""

import pytest
from django.urls import reverse

from capability.models import Capability, OrganisationFramework
from portfolios.models import EvidenceCapabilityLink
from tests.factories import AssessmentFactory, EvidenceFactory
from tests.portfolios.test_evidence import CREATE_URL, LIST_URL, edit_url, evidence_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_both(organisation, practitioner, framework, outline):
    """The organisation uses both editions; the practitioner has an
    assessment on each and an item linked to a capability of each."""
    OrganisationFramework.objects.create(organisation=organisation, framework=framework)
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    consultant_assessment = AssessmentFactory(practitioner=practitioner, framework=framework)
    outline_assessment = AssessmentFactory(practitioner=practitioner, framework=outline)
    consultant_capability = Capability.objects.get(framework=framework, number=8)
    outline_capability = Capability.objects.get(framework=outline, number=1)
    item = EvidenceFactory(owner=practitioner, title="Led the sepsis audit", capabilities=[consultant_capability])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=outline_capability)
    return consultant_assessment, outline_assessment, item, consultant_capability, outline_capability


def gaps_url(assessment):
    return reverse("portfolios:assessment_gaps", kwargs={"pk": assessment.pk})


def pillar_url(assessment):
    pillar = assessment.framework.pillars.order_by("order").first()
    return reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": pillar.slug})


def links_of(item):
    return set(EvidenceCapabilityLink.objects.filter(evidence=item).values_list("capability_id", flat=True))


def test_editing_on_one_edition_keeps_the_links_to_the_other(practitioner_client, on_both, outline):
    _, _, item, consultant_capability, outline_capability = on_both
    other_outline = Capability.objects.get(framework=outline, number=2)

    page = practitioner_client.get(edit_url(item) + f"?framework={outline.slug}").content.decode()
    assert "You are mapping this evidence to the Leadership model outline (outline-1)" in page
    assert "Links to other frameworks are kept when you save." in page
    # The outline has no impact framework, so the form has no impact section.
    assert "Impact statements it shows" not in page

    response = practitioner_client.post(
        edit_url(item), evidence_post([other_outline], framework=outline.slug))
    assert response.status_code == 302
    assert links_of(item) == {consultant_capability.pk, other_outline.pk}
    assert outline_capability.pk not in links_of(item)


def test_the_form_offers_only_the_practitioners_own_editions(practitioner_client, on_both, framework):
    _, _, item, _, _ = on_both
    page = practitioner_client.get(edit_url(item)).content.decode()
    # The latest assessment's edition (the outline, started last) comes
    # first; the other is offered.
    assert "You are mapping this evidence to the Leadership model outline (outline-1)" in page
    assert f'href="?framework={framework.slug}"' in page
    assert practitioner_client.get(edit_url(item) + "?framework=not-an-edition").status_code == 404
    assert practitioner_client.post(CREATE_URL, evidence_post(framework="not-an-edition")).status_code == 404


def test_the_evidence_list_filters_by_framework(practitioner_client, practitioner, on_both, framework, outline):
    EvidenceFactory(owner=practitioner, title="Consultant only", capabilities=[Capability.objects.get(
        framework=framework, number=1)])

    everything = practitioner_client.get(LIST_URL).content.decode()
    assert "Any framework" in everything
    assert "Led the sepsis audit" in everything and "Consultant only" in everything

    outline_only = practitioner_client.get(LIST_URL + f"?framework={outline.slug}").content.decode()
    assert "Led the sepsis audit" in outline_only
    assert "Consultant only" not in outline_only
    # The capability filter lists the chosen edition's capabilities.
    assert "Leadership dimensions" in outline_only

    forged = practitioner_client.get(LIST_URL + "?framework=someone-elses").content.decode()
    assert "Choose a framework from the list" in forged


def test_an_edition_without_guidance_says_nothing_about_guides_or_expected_levels(
    practitioner_client, practitioner, on_both
):
    practitioner.career_stage = "advanced"
    practitioner.save()
    consultant_assessment, outline_assessment, *_ = on_both

    outline_gaps = practitioner_client.get(gaps_url(outline_assessment)).content.decode()
    assert "suggests" not in outline_gaps
    assert "rated below" not in outline_gaps
    assert "fewer than the guide" not in outline_gaps
    assert "Below expected" not in outline_gaps
    assert "Add your career stage" not in practitioner_client.get(pillar_url(outline_assessment)).content.decode()

    consultant_gaps = practitioner_client.get(gaps_url(consultant_assessment)).content.decode()
    assert "As a guide, the national route suggests 1 to 2 items of evidence for each capability and 4 to 6 " \
           "for each pillar." in consultant_gaps
    assert "or rated below 3 Established where they are expected now at your career stage" in consultant_gaps


def test_an_edition_without_examples_of_evidence_does_not_offer_that_type(practitioner_client, on_both, framework, outline):
    outline_form = practitioner_client.get(CREATE_URL + f"?framework={outline.slug}").content.decode()
    consultant_form = practitioner_client.get(CREATE_URL + f"?framework={framework.slug}").content.decode()
    assert "An example of evidence named in the framework" not in outline_form
    assert "An example of evidence named in the framework" in consultant_form
