"""Review and sign-off: the workflow's moves, who may make them, the
development plan rule, the audit trail and the notifications."""

import datetime
import itertools
import re

import pytest
from django.utils.html import escape
from django.urls import reverse

from portfolios import workflow
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentStatus as S,
    AssessmentTransition,
    CapabilityRating,
    DevelopmentObjective,
    ObjectiveStatus,
)
from portfolios.workflow import Actor, TransitionRefused
from tests.conftest import signed_in
from tests.factories import AssessmentFactory
from tests.portfolios.review_pages import pillar_post, pillar_url, save_review, shown_on

pytestmark = pytest.mark.django_db


def rated_assessment(practitioner, status=S.DRAFT, **kwargs):
    assessment = AssessmentFactory(practitioner=practitioner, **kwargs)
    assessment.ratings.update(level=assessment.rating_scale.levels.get(value=3))
    if status != S.DRAFT:
        Assessment.objects.filter(pk=assessment.pk).update(status=status)
        assessment.refresh_from_db()
    return assessment


def appraiser_rates_everything(assessment, appraiser, value=3):
    level = assessment.rating_scale.levels.get(value=value)
    AppraiserRating.objects.bulk_create(
        AppraiserRating(assessment=assessment, capability_id=r.capability_id, appraiser=appraiser, level=level)
        for r in assessment.ratings.all()
    )
    Assessment.objects.filter(pk=assessment.pk).update(appraiser_summary="A strong year.")
    assessment.refresh_from_db()


ALLOWED = {
    (S.DRAFT, "submit", Actor.PRACTITIONER): S.SUBMITTED,
    (S.RETURNED, "resubmit", Actor.PRACTITIONER): S.SUBMITTED,
    (S.SUBMITTED, "start_review", Actor.APPRAISER): S.IN_REVIEW,
    (S.IN_REVIEW, "return", Actor.APPRAISER): S.RETURNED,
    (S.IN_REVIEW, "appraiser_sign_off", Actor.APPRAISER): S.AWAITING_SIGN_OFF,
    (S.AWAITING_SIGN_OFF, "send_back", Actor.PRACTITIONER): S.IN_REVIEW,
    (S.AWAITING_SIGN_OFF, "practitioner_sign_off", Actor.PRACTITIONER): S.LOCKED,
}


@pytest.mark.parametrize("status", S.values)
def test_every_move_is_allowed_only_from_its_state_by_its_actor(framework, practitioner, appraiser, status):
    """Tries every move by both actors from this state; each try is rolled back."""
    from django.db import transaction

    assessment = rated_assessment(practitioner, status=status)
    appraiser_rates_everything(assessment, appraiser)
    for name, actor in itertools.product(workflow.MOVES.keys(), [Actor.PRACTITIONER, Actor.APPRAISER]):
        user = practitioner if actor == Actor.PRACTITIONER else appraiser
        expected = ALLOWED.get((status, name, actor))
        savepoint = transaction.savepoint()
        try:
            current = Assessment.objects.get(pk=assessment.pk)
            if expected is None:
                with pytest.raises(TransitionRefused):
                    workflow.apply(assessment=current, name=name, actor_user=user, actor=actor,
                                   comment="Because", declaration=True)
                current.refresh_from_db()
                assert current.status == status, (name, actor)
                assert not AssessmentTransition.objects.filter(assessment=assessment).exists(), (name, actor)
            else:
                workflow.apply(assessment=current, name=name, actor_user=user, actor=actor, comment="Because",
                               declaration=True)
                current.refresh_from_db()
                assert current.status == expected, (name, actor)
                move = AssessmentTransition.objects.filter(assessment=assessment).order_by("created_at", "id").first()
                assert (move.from_status, move.actor, move.comment) == (status, user, "Because")
        finally:
            transaction.savepoint_rollback(savepoint)


def test_return_needs_a_comment_and_sign_off_needs_the_declaration(framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    appraiser_rates_everything(assessment, appraiser)
    with pytest.raises(TransitionRefused, match="Enter a comment"):
        workflow.apply(assessment=assessment, name="return", actor_user=appraiser, actor=Actor.APPRAISER, comment="  ")
    with pytest.raises(TransitionRefused, match="Confirm the declaration"):
        workflow.apply(assessment=assessment, name="appraiser_sign_off", actor_user=appraiser, actor=Actor.APPRAISER)
    assessment.refresh_from_db()
    assert assessment.status == S.IN_REVIEW


def test_appraiser_cannot_sign_off_without_rating_everything_and_a_summary(framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    with pytest.raises(TransitionRefused, match="overall summary"):
        workflow.apply(assessment=assessment, name="appraiser_sign_off", actor_user=appraiser,
                       actor=Actor.APPRAISER, declaration=True)
    Assessment.objects.filter(pk=assessment.pk).update(appraiser_summary="Good")
    assessment.refresh_from_db()
    with pytest.raises(TransitionRefused, match="Rate every capability"):
        workflow.apply(assessment=assessment, name="appraiser_sign_off", actor_user=appraiser,
                       actor=Actor.APPRAISER, declaration=True)


def test_two_appraisers_signing_at_once_leave_exactly_one_result(framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    appraiser_rates_everything(assessment, appraiser)
    first_view = Assessment.objects.get(pk=assessment.pk)
    second_view = Assessment.objects.get(pk=assessment.pk)
    workflow.apply(assessment=first_view, name="appraiser_sign_off", actor_user=appraiser, actor=Actor.APPRAISER,
                   declaration=True)
    # The second appraiser still sees "in review" and returns it.
    with pytest.raises(TransitionRefused, match="cannot return to the practitioner"):
        workflow.apply(assessment=second_view, name="return", actor_user=appraiser, actor=Actor.APPRAISER,
                       comment="Late")
    assert AssessmentTransition.objects.filter(assessment=assessment).count() == 1
    assessment.refresh_from_db()
    assert assessment.status == S.AWAITING_SIGN_OFF


def test_previous_plan_needs_a_status_for_every_objective_before_sign_off(framework, practitioner, appraiser):
    previous = rated_assessment(practitioner, status=S.LOCKED, period_start=datetime.date(2025, 4, 1),
                                period_end=datetime.date(2026, 3, 31))
    objective = DevelopmentObjective.objects.create(
        assessment=previous, objective="Lead a regional audit", actions="Plan it", target_date=datetime.date(2026, 12, 1),
        created_by=appraiser,
    )
    current = rated_assessment(practitioner, status=S.AWAITING_SIGN_OFF)
    with pytest.raises(TransitionRefused, match="previous development plan"):
        workflow.apply(assessment=current, name="practitioner_sign_off", actor_user=practitioner,
                       actor=Actor.PRACTITIONER, declaration=True)

    client = signed_in(__import__("django.test").test.Client(), practitioner)
    url = reverse("portfolios:objective_status", kwargs={"pk": previous.pk, "objective_pk": objective.pk})
    # The check-your-answers page says what is missing, links to it, and
    # offers no sign-off until it is done.
    check = client.get(reverse("portfolios:practitioner_sign_off", kwargs={"pk": current.pk})).content.decode()
    assert f'<a href="{url}">Say how “Lead a regional audit” went, from your previous plan</a>' in check
    assert 'name="declaration"' not in check
    assert "Choose how the objective went" in client.post(url, {"status": ""}).content.decode()
    client.post(url, {"status": ObjectiveStatus.PARTLY_ACHIEVED, "note": "Half done"})
    objective.refresh_from_db()
    assert objective.status == ObjectiveStatus.PARTLY_ACHIEVED
    workflow.apply(assessment=current, name="practitioner_sign_off", actor_user=practitioner,
                   actor=Actor.PRACTITIONER, declaration=True)
    current.refresh_from_db()
    assert current.status == S.LOCKED and current.practitioner_signed_at


def test_full_cycle_in_the_browser_with_emails(client, framework, practitioner, appraiser, mailoutbox,
                                               django_capture_on_commit_callbacks):
    # Emails go after commit; run those callbacks as each request finishes.
    original_post = client.post

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original_post(*args, **kwargs)

    client.post = post
    assessment = rated_assessment(practitioner)
    summary_url = reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    review_url = reverse("portfolios:review", kwargs={"pk": assessment.pk})

    signed_in(client, practitioner)
    client.post(reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}), {"version": assessment.version, "declaration": "on"})
    assert [m.to for m in mailoutbox] == [[appraiser.email]]
    assert review_url in mailoutbox[0].body

    signed_in(client, appraiser)
    assert "Start review" in client.get(review_url).content.decode()
    client.post(review_url, {"action": "start_review"})
    return_url = reverse("portfolios:review_return", kwargs={"pk": assessment.pk})
    response = client.post(return_url, {"comment": ""})
    assert "Enter a comment explaining why" in response.content.decode()
    response = client.post(return_url, {"comment": "Add evidence for capability 14"})
    assert response.url == reverse("portfolios:review_done", kwargs={"pk": assessment.pk})
    assert "Assessment returned to" in client.get(response.url).content.decode()
    assessment.refresh_from_db()
    assert assessment.status == S.RETURNED
    assert mailoutbox[-1].to == [practitioner.email] and "capability 14" in mailoutbox[-1].body

    signed_in(client, practitioner)
    assert "Add evidence for capability 14" in client.get(summary_url).content.decode()
    assessment.refresh_from_db()
    client.post(reverse("portfolios:assessment_submit", kwargs={"pk": assessment.pk}), {"version": assessment.version, "declaration": "on"})

    signed_in(client, appraiser)
    client.post(review_url, {"action": "start_review"})
    save_review(client, assessment, ratings={number: 4 if number == 5 else 3 for number in range(1, 17)},
                comments={number: f"Comment on {number}" for number in range(1, 17)},
                summary="A strong year of system leadership.")
    assert AppraiserRating.objects.filter(assessment=assessment, level__isnull=False).count() == 16
    sign_off_url = reverse("portfolios:review_sign_off", kwargs={"pk": assessment.pk})
    response = client.post(sign_off_url, {})
    assert "Confirm the declaration to sign off" in response.content.decode()
    response = client.post(sign_off_url, {"declaration": "on"})
    assert "Review signed off" in client.get(response.url).content.decode()
    assessment.refresh_from_db()
    assert assessment.status == S.AWAITING_SIGN_OFF and assessment.appraiser_signed_by == appraiser

    signed_in(client, practitioner)
    html = client.get(summary_url).content.decode()
    assert "A strong year of system leadership." in html and "Appraiser rating" in html and "Differs" in html
    practitioner_sign_off = reverse("portfolios:practitioner_sign_off", kwargs={"pk": assessment.pk})
    assert "Confirm the declaration to sign off" in client.post(practitioner_sign_off, {}).content.decode()
    response = client.post(practitioner_sign_off, {"declaration": "on"})
    assert "Assessment signed off" in client.get(response.url).content.decode()
    assessment.refresh_from_db()
    assert assessment.status == S.LOCKED
    assert sorted(mailoutbox[-1].to + mailoutbox[-2].to) == sorted([practitioner.email, appraiser.email])
    assert [t.to_status for t in assessment.transitions.all()] == [
        S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.SUBMITTED, S.IN_REVIEW, S.AWAITING_SIGN_OFF, S.SIGNED_OFF, S.LOCKED,
    ]
    # Locked: nobody can change anything.
    response = client.post(reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk,
                                                                          "pillar_slug": "expert-practice"}),
                           {"version": assessment.version, "c1-rating": "1"})
    assert CapabilityRating.objects.get(assessment=assessment, capability__number=1).level.value == 3
    signed_in(client, appraiser)
    response = client.post(pillar_url(assessment, "expert-practice"), {"a1-rating": "1", "go": "next"}, follow=True)
    assert "This review can no longer be changed" in response.content.decode()
    assert AppraiserRating.objects.get(assessment=assessment, capability__number=1).level.value == 3


def test_practitioner_can_send_the_summary_back_with_a_comment(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.AWAITING_SIGN_OFF)
    signed_in(client, practitioner)
    decision = reverse("portfolios:practitioner_decision", kwargs={"pk": assessment.pk})
    response = client.post(decision, {"action": "send_back", "comment": ""})
    assert "Enter a comment explaining why" in response.content.decode()
    client.post(decision, {"action": "send_back", "comment": "Capability 9 rating seems low"})
    assessment.refresh_from_db()
    assert assessment.status == S.IN_REVIEW and assessment.appraiser_signed_at is None


def test_forged_moves_are_refused_with_a_message_and_change_nothing(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.DRAFT)
    review_url = reverse("portfolios:review", kwargs={"pk": assessment.pk})
    signed_in(client, appraiser)
    sign_off_url = reverse("portfolios:review_sign_off", kwargs={"pk": assessment.pk})
    response = client.post(sign_off_url, {"declaration": "on"}, follow=True)
    assert "Only an assessment in review can be signed off" in response.content.decode()
    response = client.post(review_url, {"action": "teleport"}, follow=True)
    assert "That action is not available" in response.content.decode()
    # The practitioner cannot act as appraiser, and the appraiser cannot sign for the practitioner.
    signed_in(client, practitioner)
    assert client.post(review_url, {"action": "start_review"}).status_code == 403
    assert client.post(sign_off_url, {"declaration": "on"}).status_code == 403
    signed_in(client, appraiser)
    practitioner_sign_off = reverse("portfolios:practitioner_sign_off", kwargs={"pk": assessment.pk})
    assert client.post(practitioner_sign_off, {"declaration": "on"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == S.DRAFT and not assessment.transitions.exists()


def test_plan_objectives_are_added_by_the_appraiser_during_review(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    signed_in(client, appraiser)
    url = reverse("portfolios:objective_create", kwargs={"pk": assessment.pk})
    response = client.post(url, {"objective": "", "actions": "x", "target_date_0": "1", "target_date_1": "13",
                                 "target_date_2": "2027"})
    html = response.content.decode()
    assert "Enter the objective" in html and "Target date must be a real date" in html
    assert "Choose at least one capability" in html
    capability = assessment.ratings.get(capability__number=9).capability
    client.post(url, {"objective": "Supervise two research students", "actions": "Join the university scheme",
                      "target_date_0": "31", "target_date_1": "3", "target_date_2": "2027",
                      "capabilities": [str(capability.pk)]})
    objective = DevelopmentObjective.objects.get(assessment=assessment)
    assert list(objective.capabilities.values_list("number", flat=True)) == [9]
    signed_in(client, practitioner)
    assert client.get(url).status_code == 403


def test_an_objective_without_support_says_so_in_words(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    DevelopmentObjective.objects.create(
        assessment=assessment, objective="Lead an audit", actions="Plan it", support="",
        target_date=datetime.date(2027, 9, 30), created_by=appraiser,
    )
    signed_in(client, practitioner)
    html = client.get(reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})).content.decode()
    assert "No support needed" in html
    assert ">None<" not in html
    assert "30 September 2027" in html


def test_history_words_dates_and_choices_as_the_pages_do(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    objective = DevelopmentObjective.objects.create(
        assessment=assessment, objective="Lead an audit", actions="Plan it", support="",
        target_date=datetime.date(2027, 9, 30), created_by=appraiser,
    )
    objective.status = "partly_achieved"
    objective.save()
    signed_in(client, appraiser)
    html = client.get(reverse("portfolios:assessment_history", kwargs={"pk": assessment.pk})).content.decode()
    assert "30 September 2027" in html and "2027-09-30" not in html
    assert "Partly achieved" in html and "partly_achieved" not in html


def test_every_change_is_recorded_with_who_and_the_old_and_new_values(client, framework, practitioner, appraiser):
    assessment = AssessmentFactory(practitioner=practitioner)
    signed_in(client, practitioner)
    url = reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": "expert-practice"})
    client.post(url, {"version": assessment.version, "save_draft": "", "c1-rating": "2", "c1-reflection": "First"})
    assessment.refresh_from_db()
    client.post(url, {"version": assessment.version, "save_draft": "", "c1-rating": "3", "c1-reflection": "Second"})
    records = CapabilityRating.history.filter(assessment_id=assessment.pk, capability__number=1).order_by("history_date")
    assert [r.level.value if r.level else None for r in records] == [None, 2, 3]
    assert records.last().history_user == practitioner
    html = client.get(reverse("portfolios:assessment_history", kwargs={"pk": assessment.pk})).content.decode()
    assert "Changed your rating of capability 1" in html
    assert "<del>2 Developing</del> → 3 Established" in html
    assert "<del>First</del> → Second" in html


def test_audit_history_cannot_be_changed_in_the_admin(client, framework, practitioner):
    from accounts.models import User

    admin = User.objects.create_superuser(email="root@example.org", password="a-long-admin-password", full_name="Root")
    client.force_login(admin)
    assessment = AssessmentFactory(practitioner=practitioner)
    response = client.get("/admin/portfolios/historicalcapabilityrating/")
    assert response.status_code == 404  # history is not editable through the application
    assert CapabilityRating.history.filter(assessment_id=assessment.pk).count() == 16


def test_appraiser_sees_their_caseload_with_what_needs_attention(client, framework, practitioner, appraiser):
    rated_assessment(practitioner, status=S.SUBMITTED)
    signed_in(client, appraiser)
    html = client.get(reverse("portfolios:reviews")).content.decode()
    assert escape(practitioner.full_name) in html and ">Submitted<" in html and ">Review<" in html


@pytest.mark.parametrize("caseload_size", [1, 12])
def test_reviews_list_runs_the_same_queries_whatever_the_caseload(
    client, framework, organisation, practitioner, appraiser, caseload_size, django_assert_num_queries
):
    from tests.factories import AssignmentFactory, MembershipFactory

    rated_assessment(practitioner, status=S.SUBMITTED)
    for _ in range(caseload_size - 1):
        other = MembershipFactory(organisation=organisation).user
        AssignmentFactory(organisation=organisation, practitioner=other, appraiser=appraiser)
        AssessmentFactory(practitioner=other)
    signed_in(client, appraiser)
    # Session, user (with the roles they hold), the count of reviews waiting
    # beside Reviews in the header, then the caseload: assignments with their
    # people, and latest assessments.
    with django_assert_num_queries(5):
        page = client.get(reverse("portfolios:reviews")).content.decode()
    assert page.count('<tr class="nhsuk-table__row">') == caseload_size + 1  # and the heading row


def test_the_reviews_list_shows_every_change_at_once(
    client, framework, organisation, practitioner, appraiser
):
    from organisations import services as organisation_services
    from accounts import services as account_services
    from tests.factories import MembershipFactory

    assessment = rated_assessment(practitioner)
    signed_in(client, appraiser)

    def caseload():
        return client.get(reverse("portfolios:reviews")).content.decode()

    assert ">Draft<" in caseload() and ">Review<" not in caseload()
    workflow.apply(assessment=assessment, name="submit", actor_user=practitioner, actor=Actor.PRACTITIONER)
    assert ">Submitted<" in caseload() and ">Review<" in caseload()

    newcomer = MembershipFactory(organisation=organisation, user__full_name="Nia Newcomer").user
    account_services.assign_appraiser(organisation=organisation, practitioner=newcomer, appraiser=appraiser)
    assert "Nia Newcomer" in caseload()

    practitioner.full_name = "Renamed Person"
    practitioner.save()
    assert "Renamed Person" in caseload()

    organisation_services.unassign_appraiser(organisation=organisation, practitioner=newcomer, appraiser=appraiser)
    assert "Nia Newcomer" not in caseload()


# Session, user with roles, the assessment, the header's count of reviews
# waiting, then the page's own. The pillar's page: ratings, included
# evidence, its capability links, files, confirmations, appraiser ratings.
# The task list: ratings, evidence and links, appraiser ratings (for each
# task's status), the plan's objectives with their capabilities, 360° rounds.
QUERIES_PILLAR_PAGE = 11
QUERIES_TASK_LIST = 11


@pytest.mark.parametrize("evidence_count", [1, 30])
def test_review_pages_query_counts_are_fixed(client, framework, practitioner, appraiser, evidence_count,
                                          django_assert_num_queries):
    from portfolios.models import AssessmentEvidence
    from tests.factories import EvidenceFactory

    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    caps = list(assessment.ratings.values_list("capability", flat=True)[:4])
    from capability.models import Capability

    for _ in range(evidence_count):
        AssessmentEvidence.objects.create(
            assessment=assessment,
            evidence=EvidenceFactory(owner=practitioner, capabilities=list(Capability.objects.filter(pk__in=caps))),
        )
    signed_in(client, appraiser)
    # Both pages read the structure of the edition, which the first page of
    # a process reads and then keeps (capability/structure.py): read here
    # first, so that the counts are those of every later page.
    client.get(reverse("portfolios:review", kwargs={"pk": assessment.pk}))
    with django_assert_num_queries(QUERIES_PILLAR_PAGE):
        client.get(pillar_url(assessment, "expert-practice"))
    with django_assert_num_queries(QUERIES_TASK_LIST):
        client.get(reverse("portfolios:review", kwargs={"pk": assessment.pk}))


def test_sign_off_problems_are_listed_in_an_error_summary_linked_to_the_fields(client, framework, practitioner,
                                                                               appraiser):
    assessment = rated_assessment(practitioner)
    workflow.apply(assessment=assessment, name="submit", actor_user=practitioner, actor=Actor.PRACTITIONER)
    workflow.apply(assessment=assessment, name="start_review", actor_user=appraiser, actor=Actor.APPRAISER)
    signed_in(client, appraiser)
    save_review(client, assessment, ratings={number: 3 for number in range(1, 17) if number not in (3, 12)})

    sign_off_url = reverse("portfolios:review_sign_off", kwargs={"pk": assessment.pk})
    html = client.get(sign_off_url).content.decode()
    summary = html[html.index("nhsuk-error-summary"):html.index("</ul>", html.index("nhsuk-error-summary"))]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    assert links == [
        (pillar_url(assessment, "expert-practice") + "#capability-3", "Rate capability 3 before you sign off"),
        (pillar_url(assessment, "research-and-innovation") + "#capability-12",
         "Rate capability 12 before you sign off"),
        (reverse("portfolios:review_summary", kwargs={"pk": assessment.pk}),
         "Write your overall summary before you sign off"),
    ]
    # No way to sign off is offered until they are put right, and a forged
    # sign-off is refused by the workflow with the reason.
    assert 'name="declaration"' not in html
    response = client.post(sign_off_url, {"declaration": "on"}, follow=True)
    assert "Write your overall summary before you sign off" in response.content.decode()
    pillar_page = client.get(pillar_url(assessment, "expert-practice")).content.decode()
    assert 'id="capability-3"' in pillar_page
    assessment.refresh_from_db()
    assert assessment.status == S.IN_REVIEW


def test_review_page_lists_included_evidence_with_its_files_under_each_capability_it_shows(
    client, framework, practitioner, appraiser
):
    from django.core.files.base import ContentFile

    from capability.models import Capability
    from portfolios.models import AssessmentEvidence, EvidenceAttachment
    from tests.factories import EvidenceFactory

    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    capabilities = list(Capability.objects.filter(framework=framework, number__in=[2, 3]))
    item = EvidenceFactory(owner=practitioner, title="Audit <sepsis> & outcomes", capabilities=capabilities)
    AssessmentEvidence.objects.create(assessment=assessment, evidence=item)
    attachment = EvidenceAttachment.objects.create(
        evidence=item, file=ContentFile(b"%PDF-1.4", name="audit.pdf"), original_name="audit.pdf",
        content_type="application/pdf", size=2048,
    )
    signed_in(client, appraiser)

    html = client.get(pillar_url(assessment, "expert-practice")).content.decode()

    detail = reverse("portfolios:evidence_detail", kwargs={"pk": item.pk})
    download = reverse("portfolios:attachment_download", kwargs={"pk": item.pk, "file_pk": attachment.pk})
    entry = (f'<li>{item.reference} <a href="{detail}">Audit &lt;sepsis&gt; &amp; outcomes</a><br><a class="nhsuk-body-s" '
             f'href="{download}">Download audit.pdf (2.0\xa0KB)</a></li>')
    assert html.count(entry) == 2  # under capability 2 and capability 3


def test_summary_of_a_returned_assessment_shows_the_appraisers_reason(framework, practitioner, appraiser, client):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    workflow.apply(assessment=assessment, name="return", actor_user=appraiser, actor=Actor.APPRAISER,
                   comment="Add evidence for capability 4, please.")
    page = signed_in(client, practitioner).get(reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk}))
    assert "Returned by your appraiser" in page.text
    assert "Add evidence for capability 4, please." in page.text


def test_summary_shows_appraiser_ratings_to_the_appraiser_and_not_on_a_practitioners_draft(
    framework, practitioner, appraiser, client
):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    appraiser_rates_everything(assessment, appraiser, value=4)
    summary = reverse("portfolios:assessment_summary", kwargs={"pk": assessment.pk})
    as_appraiser = signed_in(client, appraiser).get(summary).text
    assert "Appraiser rating" in as_appraiser
    assert as_appraiser.count("Appraiser rating </span>4 ") == assessment.ratings.count()
    client.logout()
    as_practitioner = signed_in(client, practitioner).get(summary).text
    assert "Appraiser rating" not in as_practitioner


def test_the_task_list_shows_each_pillars_progress_and_what_stops_sign_off(client, framework, practitioner,
                                                                          appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    signed_in(client, appraiser)
    save_review(client, assessment, ratings={1: 3, 2: 3, 3: 3, 4: 2})
    page = client.get(reverse("portfolios:review", kwargs={"pk": assessment.pk})).content.decode()
    items = re.findall(r'nhsuk-task-list__link[^>]*>([^<]+)</a>\s*<div class="nhsuk-task-list__hint"[^>]*>([^<]+)</div>'
                       r'\s*</div>\s*<div class="nhsuk-task-list__status"[^>]*>\s*(?:<strong[^>]*>)?([^<]+?)\s*<', page)
    assert items == [
        ("Expert practice", "3 of 3 capabilities rated by you", "Completed"),
        ("Strategic and enabling leadership", "1 of 4 capabilities rated by you", "In progress"),
        ("Learning, developing and improving across the system", "0 of 3 capabilities rated by you", "Not started"),
        ("Research and innovation", "0 of 3 capabilities rated by you", "Not started"),
        ("Consultancy", "0 of 3 capabilities rated by you", "Not started"),
        ("Overall summary", "Not written yet", "Not started"),
    ]
    assert "Check and sign off" not in page and "Write your overall summary" in page
    assert "Strategic and enabling leadership</a>: 3 capabilities to rate" in page
    assert "Expert practice</a>: " not in page


def test_a_refused_pillar_page_keeps_everything_typed_and_saves_nothing(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    signed_in(client, appraiser)
    url = pillar_url(assessment, "expert-practice")
    shown = shown_on(client.get(url).content.decode())
    long = "x" * 20001
    response = client.post(url, pillar_post([1, 2, 3], shown, ratings={1: 4, 2: 3}, comments={1: "Kept", 3: long}))
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Comment must be" in page and "Kept</textarea>" in page
    assert re.search(r'value="4"[^>]*checked', page) or re.search(r'checked[^>]*value="4"', page)
    assert not AppraiserRating.objects.filter(assessment=assessment).exists()


def test_each_pillar_button_saves_then_goes_where_it_says(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    signed_in(client, appraiser)
    url = pillar_url(assessment, "expert-practice")
    review_url = reverse("portfolios:review", kwargs={"pk": assessment.pk})
    goes = {
        "next": pillar_url(assessment, "strategic-and-enabling-leadership"),
        "tasks": review_url,
        "pillar:research-and-innovation": pillar_url(assessment, "research-and-innovation"),
        "summary": reverse("portfolios:review_summary", kwargs={"pk": assessment.pk}),
        # A forged target leads back to the task list, never elsewhere.
        "pillar:../../admin": review_url, "https://example.com/": review_url, "": review_url,
    }
    for value, (go, target) in enumerate(goes.items()):
        shown = shown_on(client.get(url).content.decode())
        response = client.post(url, pillar_post([1, 2, 3], shown, ratings={1: 1 + value % 4}, go=go))
        assert (response.status_code, response.url) == (302, target)
        assert AppraiserRating.objects.get(assessment=assessment, capability__number=1).level.value == 1 + value % 4
    # The last pillar's "continue" leads to the summary.
    last = pillar_url(assessment, "consultancy")
    response = client.post(last, pillar_post([16], shown_on(client.get(last).content.decode()), go="next"))
    assert response.url == goes["summary"]


def test_a_pillar_page_saves_only_its_own_capabilities_whatever_is_posted(client, framework, practitioner,
                                                                         appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    signed_in(client, appraiser)
    url = pillar_url(assessment, "expert-practice")
    data = pillar_post([1, 2, 3], shown_on(client.get(url).content.decode()), ratings={1: 3}) | {
        "a9-rating": "4", "a9-comment": "Forged", "summary": "Forged summary"}
    assert client.post(url, data).status_code == 302
    assert list(AppraiserRating.objects.filter(assessment=assessment, level__isnull=False)
                .values_list("capability__number", flat=True)) == [1]
    assessment.refresh_from_db()
    assert assessment.appraiser_summary == ""
    assert client.get(pillar_url(assessment, "no-such-pillar")).status_code == 404


def test_return_and_sign_off_pages_refuse_once_the_review_has_moved_on(client, framework, practitioner, appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    appraiser_rates_everything(assessment, appraiser)
    signed_in(client, appraiser)
    sign_off_url = reverse("portfolios:review_sign_off", kwargs={"pk": assessment.pk})
    return_url = reverse("portfolios:review_return", kwargs={"pk": assessment.pk})
    assert client.post(sign_off_url, {"declaration": "on"}).url == reverse(
        "portfolios:review_done", kwargs={"pk": assessment.pk})
    # A second tab, or a double click, finds it already signed.
    response = client.post(sign_off_url, {"declaration": "on"}, follow=True)
    assert "Only an assessment in review can be signed off" in response.content.decode()
    response = client.post(return_url, {"comment": "Late"}, follow=True)
    assert "Only an assessment in review can be returned" in response.content.decode()
    assert assessment.transitions.count() == 1


def test_the_plan_offers_objectives_drafted_from_priorities_not_yet_in_it(client, framework, practitioner,
                                                                         appraiser):
    assessment = rated_assessment(practitioner, status=S.IN_REVIEW)
    assessment.ratings.filter(capability__number__in=[2, 5]).update(development_priority=True)
    covered = DevelopmentObjective.objects.create(
        assessment=assessment, objective="Lead the network", actions="Chair it", created_by=appraiser,
        target_date=datetime.date(2027, 3, 31))
    covered.capabilities.set([assessment.ratings.get(capability__number=5).capability_id])
    signed_in(client, appraiser)
    url = reverse("portfolios:objective_create", kwargs={"pk": assessment.pk})

    page = client.get(url).content.decode()
    assert re.findall(r'<a href="\?from=(\d+)">Capability \d+</a>: ([^<]+)</li>', page) == [
        ("2", "a development priority")]

    drafted = client.get(url, {"from": "2"}).content.decode()
    capability = assessment.ratings.get(capability__number=2).capability
    assert f'value="Develop capability 2: {escape(capability.statement[:1].lower() + capability.statement[1:])}' \
        in drafted
    assert re.search(rf'value="{capability.pk}"[^>]*checked', drafted)
    # A capability the plan already develops, or a forged one, drafts nothing.
    for value in ("5", "99", "<script>"):
        assert 'value="Develop capability' not in client.get(url, {"from": value}).content.decode()
    assert DevelopmentObjective.objects.filter(assessment=assessment).count() == 1
