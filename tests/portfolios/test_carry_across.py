"""Starting an assessment on a newer edition from one on an older edition
carries ratings, reflections and evidence links across the crosswalk
between them (one to one, one to many, many to one), shows what was carried
and from where, and lists what had no equivalent. The signed record it
came from does not change."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from capability.models import Capability, OrganisationFramework
from portfolios.models import Assessment, AssessmentEvidence, AssessmentStatus, CarriedOver, EvidenceItem
from tests.factories import AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

CROSSWALK = (Path(__file__).resolve().parents[2] / "fixtures" / "crosswalks"
             / "consultant-level-practice-to-healthcare-leadership-model-outline.yaml")
START_URL = reverse("portfolios:assessment_start")


def rate(assessment, number, value, reflection=""):
    rating = assessment.ratings.get(capability__number=number)
    rating.level = assessment.rating_scale.levels.get(value=value)
    rating.reflection = reflection
    rating.development_priority = number == 9
    rating.save()


@pytest.fixture
def signed_consultant_assessment(practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner, framework=framework)
    rate(assessment, 1, 3, "Expert practice in sepsis care.")
    rate(assessment, 4, 3, "Built a compassionate team culture.")
    rate(assessment, 6, 2, "Shared leadership of the audit.")
    rate(assessment, 8, 2, "Reflect weekly with my supervisor.")
    rate(assessment, 9, 4, "Set up the learning forum.")
    item = EvidenceFactory(owner=practitioner, title="Learning forum minutes",
                           capabilities=[Capability.objects.get(framework=framework, number=9)])
    AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SIGNED_OFF)
    assessment.refresh_from_db()
    return assessment, item


@pytest.fixture
def switched_to_outline(organisation, outline):
    call_command("load_crosswalk", str(CROSSWALK), verbosity=0)
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    return outline


def start_from_previous(client):
    return client.post(START_URL, {
        "title": "Leadership 2027", "period_start_0": "1", "period_start_1": "4", "period_start_2": "2027",
        "period_end_0": "31", "period_end_1": "3", "period_end_2": "2028", "copy_forward": "on",
    })


def rating_of(assessment, number):
    rating = assessment.ratings.select_related("level").get(capability__number=number)
    return (rating.level.value if rating.level else None, rating.reflection, rating.development_priority)


def test_ratings_and_reflections_carry_across_each_kind_of_mapping(
    practitioner_client, signed_consultant_assessment, switched_to_outline
):
    older, _ = signed_consultant_assessment
    response = start_from_previous(practitioner_client)
    assert response.status_code == 302
    new = Assessment.objects.get(title="Leadership 2027")
    assert (new.framework, new.copied_from) == (switched_to_outline, older)

    # One to one: consultant 6 → outline 6.
    assert rating_of(new, 6) == (2, "Shared leadership of the audit.", False)
    # One to many: consultant 4 → outline 1 (and 2).
    assert rating_of(new, 1) == (3, "Built a compassionate team culture.", False)
    # Many to one: consultant 8 and 9 → outline 8: the lower rating, both reflections, headed.
    assert rating_of(new, 8) == (
        2, "From capability 8:\nReflect weekly with my supervisor.\n\nFrom capability 9:\nSet up the learning forum.",
        True)
    # Nothing maps onto outline 7 from what was rated.
    assert rating_of(new, 7) == (None, "", False)

    no_equivalent = CarriedOver.objects.filter(assessment=new, target__isnull=True)
    assert sorted(row.source.number for row in no_equivalent) == [1, 12, 13]
    assert no_equivalent.get(source__number=1).source_level.value == 3


def test_evidence_links_carry_across_and_the_signed_record_keeps_its_version(
    practitioner_client, signed_consultant_assessment, switched_to_outline, framework
):
    older, item = signed_consultant_assessment
    start_from_previous(practitioner_client)
    new = Assessment.objects.get(title="Leadership 2027")

    carried = EvidenceItem.objects.get(assessment_links__assessment=new)
    assert carried.title == "Learning forum minutes"
    assert set(carried.capability_links.values_list("capability__framework__slug", "capability__number")) == {
        (framework.slug, 9), (switched_to_outline.slug, 8)}
    # The signed assessment still holds the version it was signed with, unchanged.
    assert carried.pk != item.pk and carried.previous_version_id == item.pk
    assert list(EvidenceItem.objects.filter(assessment_links__assessment=older)) == [item]
    assert list(item.capability_links.values_list("capability__number", flat=True)) == [9]
    assert CarriedOver.objects.get(assessment=new, source__number=9, target__number=8).evidence_count == 1


def test_the_pages_show_what_was_carried_and_from_where(
    practitioner_client, signed_consultant_assessment, switched_to_outline
):
    start_from_previous(practitioner_client)
    new = Assessment.objects.get(title="Leadership 2027")

    summary = practitioner_client.get(reverse("portfolios:assessment_summary", kwargs={"pk": new.pk})).content.decode()
    assert "Check what was carried and from where" in summary
    assert "3 had no equivalent" in summary

    page = practitioner_client.get(reverse("portfolios:assessment_carried", kwargs={"pk": new.pk})).content.decode()
    assert "What was carried across" in page
    assert "Capability 8. Stay effective through reflection" in page
    assert "No equivalent in this framework" in page
    assert "Capability 1. " in page and "rated 3 Established" in page


def test_without_a_crosswalk_only_evidence_is_copied_to_another_framework(
    practitioner_client, signed_consultant_assessment, organisation, outline
):
    OrganisationFramework.objects.create(organisation=organisation, framework=outline)
    start_from_previous(practitioner_client)
    new = Assessment.objects.get(title="Leadership 2027")
    assert not new.ratings.filter(level__isnull=False).exists()
    assert not new.ratings.exclude(reflection="").exists()
    assert new.evidence_links.count() == 1
    assert not CarriedOver.objects.exists()
    page = practitioner_client.get(reverse("portfolios:assessment_carried", kwargs={"pk": new.pk})).content.decode()
    assert "Nothing was carried across to this assessment" in page
