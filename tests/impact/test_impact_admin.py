"""Impact statements and their examples are framework content: like the
capabilities, they cannot be changed in the admin once an assessment uses
their edition."""

import pytest
from django.urls import reverse

from impact.models import EvidenceExample, ImpactStatement
from tests.factories import AssessmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_url(obj):
    return reverse(f"admin:impact_{obj._meta.model_name}_change", args=[obj.pk])


def test_impact_content_can_be_edited_while_no_assessment_uses_the_edition(staff_client, framework):
    statement = ImpactStatement.objects.filter(pillar__framework=framework).first()
    example = EvidenceExample.objects.filter(impact_statement__pillar__framework=framework).first()
    assert "Save and continue editing" in staff_client.get(change_url(statement)).content.decode()
    assert "Save and continue editing" in staff_client.get(change_url(example)).content.decode()


def test_impact_content_is_read_only_once_an_assessment_uses_the_edition(staff_client, framework, practitioner):
    AssessmentFactory(practitioner=practitioner)
    statement = ImpactStatement.objects.filter(pillar__framework=framework).first()
    example = EvidenceExample.objects.filter(impact_statement__pillar__framework=framework).first()
    for obj in (statement, example):
        page = staff_client.get(change_url(obj)).content.decode()
        assert "Save and continue editing" not in page
        response = staff_client.post(change_url(obj), {"text": "Changed after sign-off", "order": 1})
        assert response.status_code == 403
    statement.refresh_from_db()
    example.refresh_from_db()
    assert "Changed after sign-off" not in (statement.text, example.text)
    delete = reverse("admin:impact_impactstatement_delete", args=[statement.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert ImpactStatement.objects.filter(pk=statement.pk).exists()
