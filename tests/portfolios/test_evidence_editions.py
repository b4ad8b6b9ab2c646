"""An evidence item keeps every link it has: the form works on one edition
of a framework, and saving it never removes links to another edition's
capabilities or impact statements (issue 18, point 3)."""

import pytest
from django.core.exceptions import ValidationError

from capability.models import Capability
from portfolios import evidence_services
from portfolios.models import EvidenceCapabilityLink, EvidenceImpactLink
from tests.factories import CapabilityFactory, EvidenceFactory
from tests.portfolios.test_evidence import capabilities, edit_url, evidence_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_edition_capability(framework):
    """A capability of a second edition, not the current one."""
    return CapabilityFactory(statement="Inspiring shared purpose")


def links_of(item):
    return dict(EvidenceCapabilityLink.objects.filter(evidence=item).values_list("capability_id", "justification"))


def test_saving_the_form_keeps_links_to_another_edition(practitioner_client, practitioner, other_edition_capability):
    one, two = capabilities(1, 2)
    item = EvidenceFactory(owner=practitioner, title="Old title", capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=one)
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=other_edition_capability,
                                          justification="Led the team day")

    response = practitioner_client.post(edit_url(item), evidence_post([two], title="New title"))

    assert response.status_code == 302
    assert links_of(item) == {two.pk: "", other_edition_capability.pk: "Led the team day"}


def test_the_form_says_other_editions_links_are_kept_and_needs_none_of_this_edition(
        practitioner_client, practitioner, other_edition_capability):
    item = EvidenceFactory(owner=practitioner, title="Older item", capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=other_edition_capability)

    html = practitioner_client.get(edit_url(item)).content.decode()
    assert ("This evidence is also linked to 1 capability of another edition of a framework. "
            "Those links are kept whatever you choose here.") in html

    response = practitioner_client.post(edit_url(item), evidence_post([], title="Renamed"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Renamed"
    assert links_of(item) == {other_edition_capability.pk: ""}


def test_an_item_with_no_links_at_all_still_needs_a_capability(practitioner_client, practitioner, framework):
    item = EvidenceFactory(owner=practitioner, capabilities=[])
    EvidenceCapabilityLink.objects.filter(evidence=item).delete()
    response = practitioner_client.post(edit_url(item), evidence_post([]))
    assert response.status_code == 200
    assert "Choose at least one capability" in response.content.decode()


def test_the_service_keeps_other_editions_links_and_impact_links(practitioner, framework, other_edition_capability):
    from tests.factories import PillarFactory

    from impact.models import ImpactStatement

    other_statement = ImpactStatement.objects.create(
        pillar=PillarFactory(framework=other_edition_capability.framework), order=1, text="People follow")
    one = capabilities(1)[0]
    item = EvidenceFactory(owner=practitioner, capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=other_edition_capability)
    EvidenceImpactLink.objects.create(evidence=item, impact_statement=other_statement)

    evidence_services.set_capability_links(evidence=item, links={one.pk: ""}, framework=framework)
    evidence_services.set_impact_links(evidence=item, links={}, framework=framework)

    assert set(links_of(item)) == {one.pk, other_edition_capability.pk}
    assert list(EvidenceImpactLink.objects.filter(evidence=item).values_list("impact_statement_id", flat=True)) == [
        other_statement.pk]


def test_the_service_refuses_links_outside_the_edition_it_works_on(practitioner, framework, other_edition_capability):
    item = EvidenceFactory(owner=practitioner)
    with pytest.raises(ValidationError, match="Choose capabilities from the framework"):
        evidence_services.set_capability_links(
            evidence=item, links={other_edition_capability.pk: ""}, framework=framework)
    assert Capability.objects.filter(pk=other_edition_capability.pk).exists()


def test_saving_unchanged_evidence_with_other_editions_links_makes_no_new_version(
        practitioner_client, practitioner, other_edition_capability):
    """A signed record's item changes version only when something changed:
    links the form does not show are not a change."""
    from portfolios.models import AssessmentEvidence, AssessmentStatus, EvidenceItem
    from tests.factories import AssessmentFactory

    one = capabilities(1)[0]
    item = EvidenceFactory(owner=practitioner, title="Signed item", capabilities=[])
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=one)
    EvidenceCapabilityLink.objects.create(evidence=item, owner=practitioner, capability=other_edition_capability)
    signed = AssessmentFactory(practitioner=practitioner, status=AssessmentStatus.LOCKED)
    AssessmentEvidence.objects.create(assessment=signed, evidence=item)

    page = practitioner_client.get(edit_url(item)).content.decode()
    shown = page.split('name="shown" value="')[1].split('"')[0]
    post = evidence_post([one], title="Signed item", description=item.description,
                         activity_date_0=str(item.activity_date.day), activity_date_1=str(item.activity_date.month),
                         activity_date_2=str(item.activity_date.year), evidence_type=item.evidence_type,
                         impact=item.impact, link=item.link)
    response = practitioner_client.post(edit_url(item), {**post, "shown": shown})

    assert response.status_code == 302
    assert EvidenceItem.objects.filter(owner=practitioner).count() == 1
