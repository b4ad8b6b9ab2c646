"""The practitioner's and appraiser's 360° feedback pages: starting a round,
self-rating, raters, sending, reminders, closing, the report and who may see
it, and adding the report to the portfolio's evidence."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import FeedbackRelease, Role
from capability.models import Capability
from feedback import services
from feedback.models import FeedbackInvitation, FeedbackRound, RaterGroup, RoundStatus
from portfolios.models import EvidenceItem, EvidenceType
from tests.conftest import signed_in
from tests.factories import AssessmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


# Helpers -----------------------------------------------------------------------

def url(name, feedback_round, **kwargs):
    return reverse(f"feedback:{name}", kwargs={"pk": feedback_round.pk, **kwargs})


def date_data(prefix, day):
    return {f"{prefix}_0": str(day.day), f"{prefix}_1": str(day.month), f"{prefix}_2": str(day.year)}


def start_data(framework, *, opens_on=None, closes_on=None, **overrides):
    today = timezone.localdate()
    data = {
        **date_data("opens_on", opens_on or today),
        **date_data("closes_on", closes_on or today + datetime.timedelta(days=21)),
        "message": "Thank you for helping.",
        "comment_scope": "overall",
        "reminder_days_before": "3",
    }
    for capability in Capability.objects.filter(framework=framework).select_related("pillar"):
        data.setdefault(f"pillar_{capability.pillar.order}", []).append(str(capability.pk))
    data.update(overrides)
    return data


def make_round(practitioner, *, capabilities=None, assessment=None):
    assessment = assessment or AssessmentFactory(practitioner=practitioner)
    today = timezone.localdate()
    return services.start_round(
        assessment=assessment,
        capabilities=capabilities or Capability.objects.filter(framework=assessment.framework, number__in=[1, 2, 5]),
        opens_on=today, closes_on=today + datetime.timedelta(days=21),
    )


def rate_self(feedback_round, value=4):
    level = feedback_round.assessment.rating_scale.levels.get(value=value)
    services.save_self_ratings(
        feedback_round=feedback_round,
        levels={rating.capability_id: level for rating in feedback_round.self_ratings.all()},
    )


def add_raters(feedback_round, count, group=RaterGroup.PEER, start=0):
    return [
        services.add_rater(feedback_round=feedback_round, name=f"Rater {n}", email=f"rater{n}@elsewhere.example",
                           group=group)
        for n in range(start, start + count)
    ]


def sent_round(practitioner, raters=3, **kwargs):
    feedback_round = make_round(practitioner, **kwargs)
    rate_self(feedback_round)
    add_raters(feedback_round, raters)
    services.send_round(feedback_round=feedback_round)
    return FeedbackRound.objects.get(pk=feedback_round.pk)


def respond(invitation, value=2, comment="Clear and kind in every handover."):
    feedback_round = invitation.round
    level = feedback_round.assessment.rating_scale.levels.get(value=value)
    services.submit_response(
        invitation=invitation,
        answers=services.RaterAnswers(
            ratings={capability.pk: level.pk for capability in feedback_round.capabilities.all()},
            comments={(None, "strengths"): comment},
        ),
    )


def closed_round(practitioner, responses=3, comment="Clear and kind in every handover."):
    feedback_round = sent_round(practitioner, raters=responses)
    for invitation in feedback_round.invitations.all():
        respond(invitation, comment=comment)
    services.close_round(feedback_round=feedback_round)
    return FeedbackRound.objects.get(pk=feedback_round.pk)


def set_release(organisation, release):
    organisation.feedback_release = release
    organisation.save(update_fields=["feedback_release"])


# Starting a round -------------------------------------------------------------------

def test_owner_can_start_a_round_asking_about_every_capability_by_default(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    start_url = reverse("feedback:round_start", kwargs={"pk": assessment.pk})

    html = practitioner_client.get(start_url).content.decode()
    boxes = re.findall(r'<input class="nhsuk-checkboxes__input"[^>]*name="pillar_\d+"[^>]*>', html)
    assert len(boxes) == 16 and all(" checked" in box for box in boxes)
    today = timezone.localdate()
    assert f'value="{today.day}"' in html and f'value="{(today + datetime.timedelta(days=21)).day}"' in html

    response = practitioner_client.post(start_url, start_data(framework))
    feedback_round = FeedbackRound.objects.get(assessment=assessment)
    assert response.status_code == 302 and response["Location"] == url("round", feedback_round)
    assert feedback_round.capabilities.count() == 16 and feedback_round.self_ratings.count() == 16
    assert feedback_round.status == RoundStatus.DRAFT and feedback_round.message == "Thank you for helping."
    assert feedback_round.reminder_days_before == 3


def test_practitioner_can_ask_about_fewer_capabilities(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    data = start_data(framework)
    first_pillar = Capability.objects.filter(framework=framework, pillar__order=1).order_by("number")
    data["pillar_1"] = [str(first_pillar[0].pk)]
    del data["pillar_2"]
    practitioner_client.post(reverse("feedback:round_start", kwargs={"pk": assessment.pk}), data)
    feedback_round = FeedbackRound.objects.get(assessment=assessment)
    asked = set(feedback_round.capabilities.values_list("pk", flat=True))
    assert first_pillar[0].pk in asked and first_pillar[1].pk not in asked
    assert not asked & set(Capability.objects.filter(framework=framework, pillar__order=2).values_list("pk", flat=True))


def test_a_capability_sent_twice_is_asked_about_once_not_a_server_error(practitioner_client, practitioner, framework):
    # A forged or replayed form can repeat a checkbox's value.
    assessment = AssessmentFactory(practitioner=practitioner)
    data = start_data(framework)
    data["pillar_1"] = [*data["pillar_1"], data["pillar_1"][0]]
    response = practitioner_client.post(reverse("feedback:round_start", kwargs={"pk": assessment.pk}), data)
    feedback_round = FeedbackRound.objects.get(assessment=assessment)
    assert response.status_code == 302
    assert feedback_round.capabilities.count() == 16 and feedback_round.self_ratings.count() == 16


def test_bad_dates_show_errors_and_keep_what_was_typed(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    start_url = reverse("feedback:round_start", kwargs={"pk": assessment.pk})
    today = timezone.localdate()

    response = practitioner_client.post(start_url, start_data(
        framework, opens_on=today + datetime.timedelta(days=10), closes_on=today + datetime.timedelta(days=2),
        message="Please be frank",
    ))
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "The closing date must be the same as or after the opening date" in html
    assert 'href="#id_closes_on_0"' in html and "nhsuk-form-group--error" in html
    assert f'value="{(today + datetime.timedelta(days=10)).day}"' in html and "Please be frank" in html

    data = start_data(framework)
    data.update({"opens_on_0": "31", "opens_on_1": "2", "opens_on_2": "2026", "reminder_days_before": "99"})
    html = practitioner_client.post(start_url, data).content.decode()
    assert "Opening date must be a real date" in html and 'value="31"' in html
    assert "Number of days must be 60 or fewer" in html and 'value="99"' in html
    assert not FeedbackRound.objects.exists()


def test_unticking_every_capability_is_refused(practitioner_client, practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    data = {k: v for k, v in start_data(framework).items() if not k.startswith("pillar_")}
    html = practitioner_client.post(reverse("feedback:round_start", kwargs={"pk": assessment.pk}), data).content.decode()
    assert "Choose at least one capability to ask about" in html and 'href="#id_pillar_1_0"' in html
    assert not FeedbackRound.objects.exists()


def test_only_the_owner_can_start_a_round(client, framework, practitioner, appraiser, other_user):
    assessment = AssessmentFactory(practitioner=practitioner)
    start_url = reverse("feedback:round_start", kwargs={"pk": assessment.pk})
    assert signed_in(client, appraiser).get(start_url).status_code == 403
    assert signed_in(client, other_user).get(start_url).status_code == 404


def test_owner_can_change_the_dates_and_message(practitioner_client, practitioner, framework):
    feedback_round = sent_round(practitioner)
    edit_url = url("round_edit", feedback_round)
    later = feedback_round.closes_on + datetime.timedelta(days=7)
    data = {**date_data("opens_on", feedback_round.opens_on), **date_data("closes_on", later),
            "message": "A week longer", "reminder_days_before": "2"}
    assert practitioner_client.post(edit_url, data).status_code == 302
    feedback_round.refresh_from_db()
    assert (feedback_round.closes_on, feedback_round.message, feedback_round.reminder_days_before) == (
        later, "A week longer", 2
    )

    data.update(date_data("closes_on", feedback_round.opens_on - datetime.timedelta(days=1)))
    html = practitioner_client.post(edit_url, data).content.decode()
    assert "The closing date must be the same as or after the opening date" in html and "A week longer" in html


# Self-rating, raters and sending ------------------------------------------------------

def test_self_rating_saves_and_shows_as_completed(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    html = practitioner_client.get(url("self_rating", feedback_round)).content.decode()
    assert html.count('type="radio"') == 3 * 4

    response = practitioner_client.post(url("self_rating", feedback_round), {"c1": "4", "c2": "3", "c5": "2"})
    assert response.status_code == 302
    saved = dict(feedback_round.self_ratings.values_list("capability__number", "level__value"))
    assert saved == {1: 4, 2: 3, 5: 2}
    assert services.self_rating_complete(feedback_round)
    assert ">Completed<" in practitioner_client.get(url("round", feedback_round)).content.decode()


def test_self_rating_cannot_change_once_sent(practitioner_client, practitioner, framework):
    feedback_round = sent_round(practitioner)
    html = practitioner_client.get(url("self_rating", feedback_round)).content.decode()
    assert 'type="radio"' not in html and "cannot change" in html
    practitioner_client.post(url("self_rating", feedback_round), {"c1": "1"})
    assert feedback_round.self_ratings.get(capability__number=1).level.value == 4


def test_cannot_send_without_self_rating_and_the_error_is_shown(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    add_raters(feedback_round, 3)
    response = practitioner_client.post(url("round_send", feedback_round))
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert '<a href="#self-rating">Rate yourself on every capability before sending the invitations</a>' in html
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.DRAFT and mail.outbox == []


def test_adding_a_rater_whose_email_is_already_invited_is_refused(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    add_url = url("rater_add", feedback_round)
    response = practitioner_client.post(add_url, {"rater-name": "Sam Patel", "rater-email": "sam@elsewhere.example",
                                                  "rater-group": "peer"})
    assert response.status_code == 302

    response = practitioner_client.post(add_url, {"rater-name": "Samuel Patel", "rater-email": "SAM@elsewhere.example",
                                                  "rater-group": "line_manager"})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert '<a href="#id_rater-email">You have already invited someone with this email address in this round</a>' in html
    assert 'value="Samuel Patel"' in html and '<option value="line_manager" selected>' in html
    assert feedback_round.invitations.count() == 1


def test_rater_form_asks_for_what_is_missing(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    html = practitioner_client.post(url("rater_add", feedback_round), {"rater-email": "not an email"}).content.decode()
    assert "Enter the rater&#x27;s name" in html
    assert "Enter an email address in the correct format, like name@example.com" in html
    assert "Select how the rater knows you" in html


def test_practitioner_can_remove_a_rater_but_only_from_their_own_round(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    invitation, = add_raters(feedback_round, 1)
    other_round = make_round(practitioner)
    assert practitioner_client.post(url("rater_remove", other_round, invitation_pk=invitation.pk)).status_code == 404
    response = practitioner_client.post(url("rater_remove", feedback_round, invitation_pk=invitation.pk))
    assert response.status_code == 302 and not FeedbackInvitation.objects.exists()


def test_sending_opens_the_round_and_emails_every_rater_their_own_link(
    practitioner_client, practitioner, framework, django_capture_on_commit_callbacks
):
    feedback_round = make_round(practitioner)
    rate_self(feedback_round)
    invitations = add_raters(feedback_round, 3)
    with django_capture_on_commit_callbacks(execute=True):
        response = practitioner_client.post(url("round_send", feedback_round))
    assert response.status_code == 302
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.OPEN
    assert sorted(message.to[0] for message in mail.outbox) == sorted(i.email for i in invitations)
    links = {re.search(r"https?://\S+/feedback/respond/[\w-]+/", message.body).group() for message in mail.outbox}
    assert len(links) == 3
    html = practitioner_client.get(url("round", feedback_round)).content.decode()
    assert "Invitations sent to 3 raters" in html and ">Open<" in html
    assert "Send reminders to the 3 raters who have not responded" in html


def test_reminders_go_only_to_raters_who_have_not_responded(
    practitioner_client, practitioner, framework, django_capture_on_commit_callbacks
):
    feedback_round = sent_round(practitioner)
    answered, *waiting = feedback_round.invitations.order_by("email")
    respond(answered)
    html = practitioner_client.get(url("round", feedback_round)).content.decode()
    assert "Send reminders to the 2 raters who have not responded" in html
    with django_capture_on_commit_callbacks(execute=True):
        practitioner_client.post(url("round_remind", feedback_round))
    assert sorted(message.to[0] for message in mail.outbox) == [i.email for i in waiting]
    assert all(message.subject.startswith("Reminder:") for message in mail.outbox)


def test_owner_can_close_the_round(practitioner_client, practitioner, framework):
    feedback_round = sent_round(practitioner)
    assert "Close the round now" in practitioner_client.get(url("round", feedback_round)).content.decode()
    response = practitioner_client.post(url("round_close", feedback_round), follow=True)
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    html = response.content.decode()
    assert "Round closed" in html and "Close the round now" not in html
    assert "Read your 360° feedback report" in html


# The report ---------------------------------------------------------------------

def test_report_numbers_show_to_the_owner_after_close_and_not_before(practitioner_client, practitioner, framework):
    feedback_round = sent_round(practitioner)
    for invitation in feedback_round.invitations.all():
        respond(invitation, value=2)

    html = practitioner_client.get(url("report", feedback_round)).content.decode()
    assert "The 360° feedback report is not available yet" in html
    assert "3 of 3 raters responded" not in html and "Clear and kind" not in html

    services.close_round(feedback_round=feedback_round)
    html = practitioner_client.get(url("report", feedback_round)).content.decode()
    assert "<h1>360° feedback report</h1>" in html
    assert "3 of 3 raters responded" in html
    assert "You rated yourself higher than others did" in html and "you 4, others 2.0 (a gap of 2.0)" in html
    assert "Range 2, " not in html and "All rated 2, 3 ratings" in html
    assert "Peer <span" in html and "Clear and kind in every handover." in html
    assert 'id="feedback-chart-title"' in html and "The picture's figures" in html


def test_report_says_how_many_responses_are_withheld(practitioner_client, practitioner, framework):
    feedback_round = make_round(practitioner)
    rate_self(feedback_round)
    add_raters(feedback_round, 3)
    add_raters(feedback_round, 1, group=RaterGroup.DIRECT_REPORT, start=10)
    services.send_round(feedback_round=feedback_round)
    for invitation in feedback_round.invitations.all():
        respond(invitation)
    services.close_round(feedback_round=feedback_round)
    html = practitioner_client.get(url("report", feedback_round)).content.decode()
    assert "4 of 4 raters responded" in html
    assert "1 response is not shown because its group had fewer than 3 responses" in html
    assert "Not shown: too few responses to keep them anonymous" in html


def test_by_appraiser_organisation_hides_the_report_from_the_owner_until_released(
    client, practitioner, appraiser, organisation, framework
):
    set_release(organisation, FeedbackRelease.BY_APPRAISER)
    feedback_round = closed_round(practitioner)

    signed_in(client, practitioner)
    html = client.get(url("report", feedback_round)).content.decode()
    assert "not available yet" in html and "asks your appraiser to release" in html
    assert "Add the report to your evidence" not in client.get(url("round", feedback_round)).content.decode()
    client.post(url("report_evidence", feedback_round))
    assert not EvidenceItem.objects.exists()

    signed_in(client, appraiser)
    assert "3 of 3 raters responded" in client.get(url("report", feedback_round)).content.decode()

    services.release_report(feedback_round=feedback_round, appraiser=appraiser)
    signed_in(client, practitioner)
    assert "3 of 3 raters responded" in client.get(url("report", feedback_round)).content.decode()


def test_appraiser_can_release_the_report(client, practitioner, appraiser, organisation, framework):
    set_release(organisation, FeedbackRelease.BY_APPRAISER)
    feedback_round = closed_round(practitioner)
    signed_in(client, appraiser)
    html = client.get(url("round", feedback_round)).content.decode()
    assert f"Release the report to {escape(practitioner.full_name)}" in html
    assert "Send invitations" not in html and "Remove<" not in html

    response = client.post(url("report_release", feedback_round), follow=True)
    feedback_round.refresh_from_db()
    assert feedback_round.released_at is not None and feedback_round.released_by == appraiser
    assert f"Report released to {escape(practitioner.full_name)}" in response.content.decode()
    assert client.post(url("report_release", feedback_round)).status_code == 302  # a second release changes nothing

    signed_in(client, practitioner)
    assert client.post(url("report_release", feedback_round)).status_code == 403


def test_unassigned_appraiser_gets_404(client, practitioner, appraiser, organisation, framework):
    feedback_round = closed_round(practitioner)
    stranger = MembershipFactory(organisation=organisation, role=Role.APPRAISER).user
    signed_in(client, stranger)
    for name in ("round", "report"):
        assert client.get(url(name, feedback_round)).status_code == 404
    assert client.post(url("report_release", feedback_round)).status_code == 404


def test_organisation_admin_reads_but_cannot_change(client, practitioner, org_admin, framework):
    feedback_round = closed_round(practitioner)
    invitation = feedback_round.invitations.first()
    signed_in(client, org_admin)
    html = client.get(url("round", feedback_round)).content.decode()
    assert "<h1>360° feedback</h1>" in html and invitation.name in html
    assert "Add a rater" not in html and "Add the report to your evidence" not in html
    assert "3 of 3 raters responded" in client.get(url("report", feedback_round)).content.decode()
    for name in ("round_send", "round_remind", "round_close", "rater_add", "report_evidence", "report_release",
                 "self_rating", "round_edit"):
        assert client.post(url(name, feedback_round)).status_code == 403, name
    assert client.post(url("rater_remove", feedback_round, invitation_pk=invitation.pk)).status_code == 403


def test_adding_the_report_as_evidence_maps_it_to_the_round_capabilities_once_only(
    practitioner_client, practitioner, framework
):
    feedback_round = closed_round(practitioner)
    html = practitioner_client.get(url("round", feedback_round)).content.decode()
    assert "Add the report to your evidence" in html

    response = practitioner_client.post(url("report_evidence", feedback_round))
    item = EvidenceItem.objects.get(owner=practitioner)
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:evidence_detail", kwargs={"pk": item.pk})
    assert item.evidence_type == EvidenceType.FEEDBACK_360 and item.feedback_round_id == feedback_round.pk
    assert set(item.capabilities.values_list("pk", flat=True)) == set(
        feedback_round.capabilities.values_list("pk", flat=True)
    )

    html = practitioner_client.post(url("report_evidence", feedback_round), follow=True).content.decode()
    assert "This report is already in your evidence" in html
    assert EvidenceItem.objects.filter(owner=practitioner).count() == 1
    html = practitioner_client.get(url("round", feedback_round)).content.decode()
    assert "Add the report to your evidence" not in html and escape(item.title) in html


@pytest.mark.parametrize("responses", [3, 12])
def test_report_page_query_count_is_fixed(client, practitioner, framework, responses, django_assert_num_queries):
    feedback_round = sent_round(practitioner, raters=responses,
                                capabilities=Capability.objects.filter(framework=framework))
    for invitation in feedback_round.invitations.all():
        respond(invitation)
    services.close_round(feedback_round=feedback_round)
    signed_in(client, practitioner)
    with django_assert_num_queries(10):
        response = client.get(url("report", feedback_round))
    assert f"{responses} of {responses} raters responded" in response.content.decode()


def test_rater_text_is_escaped_on_the_report(practitioner_client, practitioner, framework):
    feedback_round = closed_round(practitioner, comment="<script>alert('x')</script> & more")
    html = practitioner_client.get(url("report", feedback_round)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html


# Links in -------------------------------------------------------------------------

def test_assessment_summary_lists_rounds_and_offers_the_owner_a_new_one(
    client, practitioner, appraiser, framework
):
    feedback_round = make_round(practitioner)
    summary_url = reverse("portfolios:assessment_summary", kwargs={"pk": feedback_round.assessment_id})
    html = signed_in(client, practitioner).get(summary_url).content.decode()
    assert "360° feedback" in html and url("round", feedback_round) in html and ">Not sent yet<" in html
    assert reverse("feedback:round_start", kwargs={"pk": feedback_round.assessment_id}) in html

    html = signed_in(client, appraiser).get(summary_url).content.decode()
    assert url("round", feedback_round) in html and "Start a 360° feedback round" not in html


def test_review_page_links_the_appraiser_to_reports(client, practitioner, appraiser, framework):
    from portfolios.models import Assessment, AssessmentStatus

    feedback_round = closed_round(practitioner)
    Assessment.objects.filter(pk=feedback_round.assessment_id).update(status=AssessmentStatus.IN_REVIEW)
    html = signed_in(client, appraiser).get(
        reverse("portfolios:review", kwargs={"pk": feedback_round.assessment_id})
    ).content.decode()
    assert url("report", feedback_round) in html and "Start a 360° feedback round" not in html



def test_a_round_closed_early_shows_the_day_it_closed_and_its_evidence_is_dated_that_day(
    practitioner_client, practitioner, framework
):
    feedback_round = closed_round(practitioner)
    today = timezone.localdate()
    assert feedback_round.closes_on > today and feedback_round.closed_early
    html = practitioner_client.get(url("round", feedback_round)).content.decode()
    assert f"{today:%-d %B %Y} to {today:%-d %B %Y} (closed early; it was due to close on " \
           f"{feedback_round.closes_on:%-d %B %Y})" in html
    practitioner_client.post(url("report_evidence", feedback_round))
    item = EvidenceItem.objects.get(owner=practitioner)
    assert item.activity_date == today
    assert f"to {today:%-d %B %Y}." in item.description


def test_the_self_rating_starts_from_the_ratings_in_the_assessment(practitioner, framework):
    assessment = AssessmentFactory(practitioner=practitioner)
    level = assessment.rating_scale.levels.get(value=2)
    rated = assessment.ratings.get(capability__number=1)
    rated.level = level
    rated.save(update_fields=["level"])
    feedback_round = make_round(practitioner, assessment=assessment)
    chosen = {r.capability.number: r.level_id for r in feedback_round.self_ratings.select_related("capability")}
    assert chosen == {1: level.pk, 2: None, 5: None}
