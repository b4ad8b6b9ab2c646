"""Access to a portfolio outlives neither membership: once a practitioner
leaves an organisation, its appraisers and admins see nothing new of theirs,
and appraisers who are no longer active are not told of submissions."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from organisations import services as org_services
from portfolios import workflow
from portfolios.models import EvidenceAttachment
from portfolios.workflow import Actor
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, AssignmentFactory, EvidenceFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def summary(assessment):
    return reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})


def evidence_url(item):
    return reverse("portfolios:evidence_detail", kwargs={"pk": item.pk})


def file_url(attachment):
    return reverse("portfolios:attachment_download",
                   kwargs={"pk": attachment.evidence_id, "file_pk": attachment.pk})


@pytest.fixture
def moved(framework, organisation, practitioner, appraiser, org_admin):
    """The practitioner's assessment and evidence at organisation A, then
    their move: deactivated at A, a practitioner at B, with new work there."""
    old_assessment = AssessmentFactory(practitioner=practitioner)
    old_item = EvidenceFactory(owner=practitioner, title="Made at A")
    org_services.deactivate_member(organisation=organisation, member=practitioner, deactivated_by=org_admin)
    new_organisation = OrganisationFactory()
    MembershipFactory(organisation=new_organisation, user=practitioner, role=Role.PRACTITIONER)
    new_assessment = AssessmentFactory(practitioner=practitioner)
    new_item = EvidenceFactory(owner=practitioner, title="Made at B")
    attachment = EvidenceAttachment.objects.create(
        evidence=new_item, file="evidence/x.pdf", original_name="x.pdf", content_type="application/pdf", size=10,
    )
    assert new_assessment.organisation == new_organisation
    return {"old": old_assessment, "old_item": old_item, "new": new_assessment, "new_item": new_item,
            "attachment": attachment, "new_organisation": new_organisation}


def test_an_appraiser_of_the_organisation_a_practitioner_left_sees_nothing_of_theirs(client, moved, appraiser):
    signed_in(client, appraiser)
    assert client.get(summary(moved["new"])).status_code == 404
    assert client.get(evidence_url(moved["new_item"])).status_code == 404
    assert client.get(file_url(moved["attachment"])).status_code == 404
    # Nor is the practitioner on their list any more.
    assert moved["new"].practitioner.full_name not in client.get(reverse("portfolios:reviews")).content.decode()


def test_an_admin_of_the_organisation_a_practitioner_left_sees_none_of_their_new_work(client, moved, org_admin):
    signed_in(client, org_admin)
    assert client.get(summary(moved["new"])).status_code == 404
    assert client.get(evidence_url(moved["new_item"])).status_code == 404
    assert client.get(file_url(moved["attachment"])).status_code == 404
    # The assessment made at A stays A's record.
    assert client.get(summary(moved["old"])).status_code == 200


def test_the_new_organisations_appraiser_sees_the_new_assessment_but_not_the_old(client, moved):
    new_organisation = moved["new_organisation"]
    practitioner = moved["new"].practitioner
    new_appraiser = MembershipFactory(organisation=new_organisation, role=Role.APPRAISER).user
    AssignmentFactory(organisation=new_organisation, practitioner=practitioner, appraiser=new_appraiser)
    signed_in(client, new_appraiser)
    assert client.get(summary(moved["new"])).status_code == 200
    assert client.get(evidence_url(moved["new_item"])).status_code == 200
    assert client.get(summary(moved["old"])).status_code == 404


def rated(assessment):
    from capability.models import RatingLevel
    from portfolios.models import CapabilityRating

    CapabilityRating.objects.filter(assessment=assessment).update(
        level=RatingLevel.objects.get(scale=assessment.rating_scale, value=3)
    )
    return assessment


def test_only_appraisers_who_may_review_are_told_of_a_submission(
    framework, organisation, practitioner, appraiser, mailoutbox, django_capture_on_commit_callbacks
):
    from portfolios import notifications

    left = MembershipFactory(organisation=organisation, role=Role.APPRAISER).user
    AssignmentFactory(organisation=organisation, practitioner=practitioner, appraiser=left)
    Membership.objects.filter(user=left, organisation=organisation).update(is_active=False)
    signed_out = MembershipFactory(organisation=organisation, role=Role.APPRAISER, user__is_active=False).user
    AssignmentFactory(organisation=organisation, practitioner=practitioner, appraiser=signed_out)

    assessment = rated(AssessmentFactory(practitioner=practitioner))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(assessment=assessment, name="submit", actor_user=practitioner, actor=Actor.PRACTITIONER)
        notifications.after_move(assessment=assessment, name="submit")
    assert [message.to for message in mailoutbox] == [[appraiser.email]]


# A practitioner whose membership has ended reads their portfolio but changes nothing.


def pillar(assessment):
    return reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": "expert-practice"})


@pytest.fixture
def left(framework, organisation, practitioner, org_admin):
    """The practitioner with an assessment and evidence, then deactivated at
    their only organisation."""
    assessment = AssessmentFactory(practitioner=practitioner)
    item = EvidenceFactory(owner=practitioner, title="Made before leaving")
    org_services.deactivate_member(organisation=organisation, member=practitioner, deactivated_by=org_admin)
    return {"assessment": assessment, "item": item}


def assert_membership_ended_page(response, organisation):
    assert response.status_code == 403
    page = response.content.decode()
    assert "You can no longer change this portfolio" in page
    assert organisation.name in page
    assert "contact the organisation admin" in page


def test_a_practitioner_who_has_left_cannot_save_their_draft(client, left, practitioner, organisation):
    from portfolios.models import CapabilityRating

    signed_in(client, practitioner)
    assessment = left["assessment"]
    before = list(CapabilityRating.objects.filter(assessment=assessment).values_list("reflection", flat=True))
    assert_membership_ended_page(client.get(pillar(assessment)), organisation)
    response = client.post(pillar(assessment), {"version": assessment.version})
    assert_membership_ended_page(response, organisation)
    response = client.post(reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}),
                           {"version": assessment.version, "declaration": "on"})
    assert_membership_ended_page(response, organisation)
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert list(CapabilityRating.objects.filter(assessment=assessment).values_list("reflection", flat=True)) == before


def test_a_practitioner_who_has_left_cannot_change_or_add_evidence(client, left, practitioner, organisation):
    signed_in(client, practitioner)
    item = left["item"]
    edit = reverse("portfolios:evidence_edit", kwargs={"pk": item.pk})
    assert_membership_ended_page(client.post(edit, {"title": "Changed"}), organisation)
    assert_membership_ended_page(
        client.post(reverse("portfolios:evidence_delete", kwargs={"pk": item.pk})), organisation
    )
    assert_membership_ended_page(client.get(reverse("portfolios:evidence_create")), organisation)
    item.refresh_from_db()
    assert item.title == "Made before leaving"


def test_a_practitioner_who_has_left_cannot_start_a_feedback_round(client, left, practitioner, organisation):
    signed_in(client, practitioner)
    response = client.get(reverse("feedback:round_start", kwargs={"pk": left["assessment"].pk}))
    assert_membership_ended_page(response, organisation)


def test_a_practitioner_who_has_left_still_reads_their_assessment(client, left, practitioner):
    signed_in(client, practitioner)
    response = client.get(summary(left["assessment"]))
    assert response.status_code == 200
    assert left["assessment"].title in response.content.decode()


def test_a_practitioner_who_moved_changes_their_evidence_but_not_the_old_organisations_assessment(
    client, moved, practitioner
):
    signed_in(client, practitioner)
    assert client.get(reverse("portfolios:evidence_edit", kwargs={"pk": moved["old_item"].pk})).status_code == 200
    assert client.get(pillar(moved["new"])).status_code == 200
    assert client.get(pillar(moved["old"])).status_code == 403
