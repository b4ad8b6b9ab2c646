"""The data generator for load tests: `seed_demo --organisations N
--practitioners-per-org M --evidence-per-practitioner K`."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AppraiserAssignment, Membership, Organisation, Role
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentStatus,
    CapabilityRating,
    EvidenceCapabilityLink,
    EvidenceItem,
)

pytestmark = pytest.mark.django_db


def test_it_makes_organisations_of_rated_portfolios_with_a_third_reviewed(framework, capsys):
    call_command("seed_demo", "--organisations", "2", "--practitioners-per-org", "12",
                 "--evidence-per-practitioner", "4")
    output = capsys.readouterr().out
    assert "Organisation 2 of 2: 24 practitioners, 96 evidence items so far" in output
    assert Organisation.objects.filter(ods_code__in=["L0001", "L0002"]).count() == 2
    assert Membership.objects.filter(role=Role.PRACTITIONER).count() == 24
    assert Membership.objects.filter(role=Role.APPRAISER).count() == 4  # one per ten practitioners, rounded up
    assert AppraiserAssignment.objects.count() == 24
    assert Assessment.objects.count() == 24
    assert EvidenceItem.objects.count() == 96
    assert not CapabilityRating.objects.filter(level__isnull=True).exists()
    assert CapabilityRating.objects.count() == 24 * 16
    locked = Assessment.objects.filter(status=AssessmentStatus.LOCKED)
    assert locked.count() == 8
    assert AppraiserRating.objects.filter(assessment__in=locked).count() == 8 * 16
    assert all(a.transitions.count() == 5 for a in locked)
    assert EvidenceCapabilityLink.objects.filter(evidence__owner__email="practitioner0@load1.example").count() >= 4
    assert all(a.evidence_links.count() == 4 for a in Assessment.objects.all())
    # History is kept as for changes made through the service.
    assert CapabilityRating.history.count() == 24 * 16

    call_command("seed_demo", "--organisations", "2", "--practitioners-per-org", "12",
                 "--evidence-per-practitioner", "4")
    assert Assessment.objects.count() == 24


def test_it_needs_all_three_sizes(framework):
    with pytest.raises(CommandError, match="Give all of"):
        call_command("seed_demo", "--organisations", "2")


def test_a_generated_practitioner_can_be_given_a_much_bigger_portfolio(framework):
    from accounts.models import User
    from portfolios.scale_data import add_evidence

    call_command("seed_demo", "--organisations", "1", "--practitioners-per-org", "2",
                 "--evidence-per-practitioner", "3")
    person = User.objects.get(email="practitioner0@load1.example")
    assert add_evidence(practitioner=person, count=30) == 30
    assert EvidenceItem.objects.filter(owner=person).count() == 33
    assert Assessment.objects.get(practitioner=person).evidence_links.count() == 33
