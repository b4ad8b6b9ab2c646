"""360° feedback rules: who is reported in which group, that nothing links a
response to its rater, rater links, and the report's figures against ones
worked out by hand."""

import datetime
import itertools

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import FeedbackRelease
from feedback.access import feedback_report_visible
from portfolios.access import Capacity
from feedback import services, tokens
from feedback.models import (
    FeedbackAnswer,
    FeedbackComment,
    FeedbackDraft,
    FeedbackInvitation,
    FeedbackResponse,
    RaterGroup,
    RoundStatus,
)
from feedback.report import OTHER_RATERS, build_report, plan_groups
from tests.factories import AssessmentFactory

G = RaterGroup
# Rounds are set up around the real date: reminders compare "today" with the
# time they were last sent.
TODAY = timezone.localdate()


# Group rules -------------------------------------------------------------------

@pytest.mark.parametrize("count", [0, 1, 2])
def test_a_group_below_three_is_not_shown_on_its_own(count):
    plan = plan_groups({G.PEER: count}, threshold=3)
    assert plan.shown == []
    assert plan.column_for(G.PEER) is None


@pytest.mark.parametrize("count", [3, 4, 25])
def test_a_group_of_three_or_more_is_shown_on_its_own(count):
    plan = plan_groups({G.PEER: count}, threshold=3)
    assert plan.shown == [G.PEER]
    assert plan.column_for(G.PEER) == G.PEER
    assert plan.withheld == []


def test_small_groups_fold_into_other_raters_when_together_they_reach_three():
    plan = plan_groups({G.PEER: 4, G.DIRECT_REPORT: 1, G.SERVICE_USER: 2}, threshold=3)
    assert plan.shown == [G.PEER]
    assert plan.pool_shown
    assert sorted(plan.pooled) == sorted([G.DIRECT_REPORT, G.SERVICE_USER])
    assert plan.column_for(G.DIRECT_REPORT) == OTHER_RATERS
    assert plan.column_for(G.SERVICE_USER) == OTHER_RATERS


def test_small_groups_are_withheld_when_together_they_stay_below_three():
    plan = plan_groups({G.PEER: 3, G.DIRECT_REPORT: 1, G.LINE_MANAGER: 1}, threshold=3)
    assert plan.shown == [G.PEER]
    assert not plan.pool_shown
    assert sorted(plan.withheld) == sorted([G.DIRECT_REPORT, G.LINE_MANAGER])
    assert plan.column_for(G.LINE_MANAGER) is None


def test_the_other_group_is_always_reported_within_other_raters():
    plan = plan_groups({G.OTHER: 5}, threshold=3)
    assert plan.shown == []
    assert plan.column_for(G.OTHER) == OTHER_RATERS
    assert plan_groups({G.OTHER: 2}, threshold=3).withheld == [G.OTHER]


@pytest.mark.parametrize("counts", [
    {G.LINE_MANAGER: a, G.PEER: b, G.DIRECT_REPORT: c, G.WIDER_TEAM: d, G.SERVICE_USER: e, G.OTHER: f}
    for a, b, c, d, e, f in itertools.product([0, 1, 2, 3], [0, 2, 3], [0, 1], [0, 2], [0, 1, 3], [0, 1])
])
def test_every_reported_figure_stands_on_at_least_three_responses(counts):
    """For any mix of group sizes: each column shown holds at least three
    responses, every response is either in exactly one column or withheld,
    and what is withheld is below three in total."""
    plan = plan_groups(counts, threshold=3)
    columns = {}
    withheld = 0
    for group, count in counts.items():
        column = plan.column_for(group)
        if column is None:
            withheld += count
        else:
            columns[column] = columns.get(column, 0) + count
    assert all(size >= 3 for size in columns.values())
    assert sum(columns.values()) + withheld == sum(counts.values())
    assert withheld < 3
    assert set(plan.withheld).isdisjoint(plan.shown) and set(plan.pooled).isdisjoint(plan.shown)


def test_the_threshold_follows_the_setting():
    assert plan_groups({G.PEER: 4}, threshold=5).shown == []
    assert plan_groups({G.PEER: 5}, threshold=5).shown == [G.PEER]


# Anonymity by design ---------------------------------------------------------

@pytest.mark.parametrize("model", [FeedbackResponse, FeedbackAnswer, FeedbackComment])
def test_no_stored_response_row_can_point_at_a_rater_or_a_time(model):
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            assert field.related_model not in (FeedbackInvitation, FeedbackDraft), (model, field.name)
            assert field.related_model._meta.label != "accounts.User", (model, field.name)
        assert not isinstance(field, (models.DateTimeField, models.DateField)), (model, field.name)
        assert field.name not in ("email", "name", "token_hash", "token_nonce", "invitation"), (model, field.name)


def test_the_invitation_records_only_that_it_was_used():
    used_fields = {f.name for f in FeedbackInvitation._meta.get_fields() if not f.is_relation or f.many_to_one}
    assert "responded" in used_fields
    assert not {"responded_at", "used_at", "response"} & used_fields


def test_response_keys_are_random_so_rows_cannot_be_matched_by_order():
    field = FeedbackResponse._meta.pk
    assert isinstance(field, models.UUIDField)


# Set-up helpers ----------------------------------------------------------------

@pytest.fixture
def scale_levels(framework):
    from capability.models import RatingScale

    return {level.value: level for level in RatingScale.objects.get(framework=framework).levels.all()}


@pytest.fixture
def feedback_round(framework, practitioner, scale_levels):
    assessment = AssessmentFactory(practitioner=practitioner)
    capabilities = list(framework.capabilities.filter(number__in=[1, 2, 4]).order_by("number"))
    feedback_round = services.start_round(
        assessment=assessment, capabilities=capabilities,
        opens_on=TODAY, closes_on=TODAY + datetime.timedelta(days=14), today=TODAY,
    )
    services.save_self_ratings(
        feedback_round=feedback_round, levels={c.pk: scale_levels[v] for c, v in zip(capabilities, [3, 2, 4])}
    )
    return feedback_round


def invite(feedback_round, group, n, *, prefix="rater"):
    return [
        services.add_rater(feedback_round=feedback_round, name=f"{prefix} {group} {i}",
                           email=f"{prefix}.{group}.{i}@example.org", group=group)
        for i in range(n)
    ]


def answer(invitation, ratings, comments=None, named=False, today=TODAY):
    services.submit_response(
        invitation=invitation,
        answers=services.RaterAnswers(ratings=ratings, comments=comments or {}, named=named),
        today=today,
    )


# Links -------------------------------------------------------------------------------

def test_only_a_hash_of_the_link_is_stored_and_it_finds_the_invitation(feedback_round):
    invitation, = invite(feedback_round, G.PEER, 1)
    token = tokens.token_for(invitation.token_nonce)
    assert len(token) == 43
    stored = FeedbackInvitation.objects.filter(pk=invitation.pk).values()[0]
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == tokens.hash_token(token)
    assert services.find_invitation(token) == invitation


@pytest.mark.parametrize("bad", ["", "short", "x" * 43, "a" * 200, "../../etc/passwd", "%00" * 15])
def test_unknown_or_tampered_links_find_nothing(feedback_round, bad):
    invitation, = invite(feedback_round, G.PEER, 1)
    token = tokens.token_for(invitation.token_nonce)
    with pytest.raises(services.LinkNotFound):
        services.find_invitation(bad)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(services.LinkNotFound):
        services.find_invitation(tampered)


def test_a_link_depends_on_the_secret_key(feedback_round, settings):
    invitation, = invite(feedback_round, G.PEER, 1)
    before = tokens.token_for(invitation.token_nonce)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert tokens.token_for(invitation.token_nonce) != before


def test_sending_emails_every_rater_their_own_working_link(feedback_round, django_capture_on_commit_callbacks):
    invitations = invite(feedback_round, G.PEER, 3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_round(feedback_round=feedback_round, today=TODAY) == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(i.email for i in invitations)
    for message in mail.outbox:
        invitation = next(i for i in invitations if i.email == message.to[0])
        token = tokens.token_for(invitation.token_nonce)
        assert f"/feedback/respond/{token}/" in message.body
        assert services.find_invitation(token) == invitation
        # No one else's link or name in it.
        others = [i for i in invitations if i != invitation]
        assert all(other.name not in message.body for other in others)


def test_a_link_works_once(feedback_round, scale_levels):
    peer, = invite(feedback_round, G.PEER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    ratings = {c.pk: scale_levels[3].pk for c in feedback_round.capabilities.all()}
    answer(peer, ratings)
    peer.refresh_from_db()
    assert peer.responded
    with pytest.raises(services.LinkUnusable) as problem:
        answer(peer, ratings)
    assert problem.value.reason == services.ALREADY_RESPONDED
    assert FeedbackResponse.objects.filter(round=feedback_round).count() == 1


def test_a_link_stops_working_when_the_round_closes_or_its_date_passes(feedback_round, scale_levels):
    first, second = invite(feedback_round, G.PEER, 2)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    ratings = {c.pk: scale_levels[2].pk for c in feedback_round.capabilities.all()}
    with pytest.raises(services.LinkUnusable) as problem:
        answer(first, ratings, today=feedback_round.closes_on + datetime.timedelta(days=1))
    assert problem.value.reason == services.ROUND_CLOSED
    services.close_round(feedback_round=feedback_round)
    with pytest.raises(services.LinkUnusable) as problem:
        answer(second, ratings)
    assert problem.value.reason == services.ROUND_CLOSED
    assert not FeedbackResponse.objects.exists()


def test_a_link_before_the_opening_date_or_before_sending_cannot_be_used(framework, practitioner, scale_levels):
    assessment = AssessmentFactory(practitioner=practitioner)
    capability = framework.capabilities.get(number=1)
    later = services.start_round(
        assessment=assessment, capabilities=[capability], opens_on=TODAY + datetime.timedelta(days=5),
        closes_on=TODAY + datetime.timedelta(days=20), today=TODAY,
    )
    services.save_self_ratings(feedback_round=later, levels={capability.pk: scale_levels[2]})
    rater, = invite(later, G.PEER, 1)
    with pytest.raises(services.LinkUnusable) as problem:
        services.check_usable(rater, today=TODAY)
    assert problem.value.reason == services.NOT_SENT
    services.send_round(feedback_round=later, today=TODAY)
    rater.refresh_from_db()
    with pytest.raises(services.LinkUnusable) as problem:
        services.check_usable(rater, today=TODAY)
    assert problem.value.reason == services.NOT_OPEN_YET


def test_invitations_wait_for_the_self_rating(framework, practitioner):
    assessment = AssessmentFactory(practitioner=practitioner)
    feedback_round = services.start_round(
        assessment=assessment, capabilities=[framework.capabilities.get(number=1)],
        opens_on=TODAY, closes_on=TODAY + datetime.timedelta(days=7), today=TODAY,
    )
    invite(feedback_round, G.PEER, 1)
    with pytest.raises(services.FeedbackError, match="Rate yourself"):
        services.send_round(feedback_round=feedback_round, today=TODAY)
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.DRAFT


def test_the_same_email_cannot_be_invited_twice_in_a_round(feedback_round):
    invite(feedback_round, G.PEER, 1, prefix="sam")
    with pytest.raises(ValidationError) as error:
        services.add_rater(feedback_round=feedback_round, name="Sam again", email="SAM.peer.0@Example.org",
                           group=G.OTHER)
    assert "already invited" in str(error.value)


def test_the_practitioner_cannot_invite_themselves(feedback_round):
    email = feedback_round.assessment.practitioner.email.upper()
    with pytest.raises(ValidationError, match="someone else"):
        services.add_rater(feedback_round=feedback_round, name="Me", email=email, group=G.PEER)


def test_closing_discards_answers_saved_but_not_submitted(feedback_round, scale_levels):
    rater, = invite(feedback_round, G.PEER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    rater.refresh_from_db()
    services.save_draft(invitation=rater, answers=services.RaterAnswers(ratings={}, comments={}), today=TODAY)
    assert FeedbackDraft.objects.count() == 1
    services.close_round(feedback_round=feedback_round)
    assert FeedbackDraft.objects.count() == 0


def test_automatic_reminders_go_on_the_reminder_day_to_those_who_have_not_answered(
    feedback_round, scale_levels, django_capture_on_commit_callbacks
):
    answered, waiting = invite(feedback_round, G.PEER, 2)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    answer(answered, {c.pk: scale_levels[3].pk for c in feedback_round.capabilities.all()})
    reminder_day = feedback_round.closes_on - datetime.timedelta(days=feedback_round.reminder_days_before)
    mail.outbox.clear()
    assert services.send_due_reminders(today=reminder_day - datetime.timedelta(days=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(today=reminder_day) == 1
    assert [message.to for message in mail.outbox] == [[waiting.email]]
    assert "Reminder" in mail.outbox[0].subject
    # The link in the reminder is the one the rater already has.
    token = tokens.token_for(waiting.token_nonce)
    assert f"/feedback/respond/{token}/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(today=reminder_day) == 0


# The report ------------------------------------------------------------------------

def test_report_figures_match_ones_worked_out_by_hand(feedback_round, scale_levels):
    """Capabilities 1, 2 and 4; self-ratings 3, 2 and 4.
    Peers (3): cap 1 → 4, 4, 2; cap 2 → 3, 3, not able; cap 4 → 2, 3, 2.
    Direct reports (2) and a service user (1): pooled into other raters (3):
      cap 1 → 1, 2, 3; cap 2 → 4, 4, 4; cap 4 → 3, 3, 3.
    A line manager who agreed to be named: cap 1 → 4, cap 2 → 1, cap 4 → 4.
    """
    caps = {c.number: c for c in feedback_round.capabilities.all()}
    peers = invite(feedback_round, G.PEER, 3)
    reports = invite(feedback_round, G.DIRECT_REPORT, 2)
    service_user, = invite(feedback_round, G.SERVICE_USER, 1)
    manager, = invite(feedback_round, G.LINE_MANAGER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    level = {v: scale_levels[v].pk for v in scale_levels}

    def ratings(one, two, four):
        return {caps[1].pk: one, caps[2].pk: two, caps[4].pk: four}

    for invitation, values in zip(peers, [(4, 3, 2), (4, 3, 3), (2, "na", 2)]):
        answer(invitation, ratings(*(level[v] if v != "na" else "na" for v in values)),
               comments={(None, "strengths"): f"Strength from {invitation.pk}"})
    for invitation, values in zip([*reports, service_user], [(1, 4, 3), (2, 4, 3), (3, 4, 3)]):
        answer(invitation, ratings(*(level[v] for v in values)))
    answer(manager, ratings(level[4], level[1], level[4]), named=True)
    services.close_round(feedback_round=feedback_round)

    report = build_report(feedback_round)
    labels = [column.label for column in report.columns]
    assert labels == [f"Line manager: {manager.name}", "Peer", "Other raters"]
    assert report.responses == 7 and report.reported == 7 and report.withheld == 0

    rows = {row.number: row for row in report.capability_rows}
    one, two, four = rows[1], rows[2], rows[4]
    # All raters, capability 1: 4, 4, 2, 1, 2, 3, 4 → mean 20 / 7 = 2.857…
    assert (one.others.count, one.others.mean, one.others.spread) == (7, 2.9, "1 to 4")
    assert one.self_value == 3 and one.gap == -0.1
    # Capability 2: 3, 3, 4, 4, 4, 1 (and one not able) → 19 / 6 = 3.17
    assert (two.others.count, two.others.not_able, two.others.mean) == (6, 1, 3.2)
    assert two.gap == 1.2  # others rate higher than the self-rating of 2
    # Capability 4: 2, 3, 2, 3, 3, 3, 4 → 20 / 7 = 2.86; self 4
    assert four.others.mean == 2.9 and four.gap == -1.1

    peer_column, = [c for c in report.columns if c.label == "Peer"]
    other_column, = [c for c in report.columns if c.label == "Other raters"]
    assert sorted(one.by_column[peer_column.key].values) == [2, 4, 4]
    assert one.by_column[peer_column.key].mean == 3.3
    assert sorted(one.by_column[other_column.key].values) == [1, 2, 3]
    assert two.by_column[peer_column.key].not_able == 1

    assert [row.number for row in report.hidden_strengths] == [2]
    assert [row.number for row in report.blind_spots] == [4]

    expert = report.pillars[0]
    assert expert.pillar.slug == "expert-practice"
    # Pillar: self (3 + 2) / 2 = 2.5; others' answers to capabilities 1 and 2 together: 39 / 13 = 3.0
    assert expert.summary.self_value == 2.5
    assert expert.summary.others.count == 13 and expert.summary.others.mean == 3.0

    assert report.comments_shown
    (heading, kind, texts), = report.comments
    assert (heading, kind) == ("All the capabilities", "Strengths") and len(texts) == 3


def test_withheld_responses_are_left_out_of_every_figure(feedback_round, scale_levels):
    caps = list(feedback_round.capabilities.all())
    peers = invite(feedback_round, G.PEER, 3)
    lone, = invite(feedback_round, G.DIRECT_REPORT, 1)
    manager, = invite(feedback_round, G.LINE_MANAGER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    for invitation in peers:
        answer(invitation, {c.pk: scale_levels[3].pk for c in caps})
    answer(lone, {c.pk: scale_levels[1].pk for c in caps}, comments={(None, "develop"): "Only me"})
    answer(manager, {c.pk: scale_levels[1].pk for c in caps}, named=False)

    report = build_report(feedback_round)
    assert [column.label for column in report.columns] == ["Peer"]
    assert report.withheld == 2 and report.reported == 3
    for row in report.capability_rows:
        assert row.others.values == [3, 3, 3]
    withheld_lines = {line.label: line.reported_as for line in report.counts}
    assert withheld_lines["Direct report"].startswith("Not shown")
    assert withheld_lines["Line manager"].startswith("Not shown")


def test_comments_are_not_shown_below_three_reported_responses(feedback_round, scale_levels):
    caps = list(feedback_round.capabilities.all())
    two = invite(feedback_round, G.PEER, 2)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    for invitation in two:
        answer(invitation, {c.pk: scale_levels[2].pk for c in caps}, comments={(None, "strengths"): "Kind"})
    report = build_report(feedback_round)
    assert report.reported == 0 and not report.comments_shown and report.comments == []


def test_a_line_manager_is_named_only_with_their_agreement(feedback_round, scale_levels):
    caps = list(feedback_round.capabilities.all())
    named, unnamed = invite(feedback_round, G.LINE_MANAGER, 2)
    peer, = invite(feedback_round, G.PEER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    answer(named, {c.pk: scale_levels[4].pk for c in caps}, named=True)
    answer(unnamed, {c.pk: scale_levels[2].pk for c in caps}, named=False)
    answer(peer, {c.pk: scale_levels[2].pk for c in caps}, named=True)  # only line managers can be named
    assert sorted(FeedbackResponse.objects.values_list("named_as", flat=True)) == ["", "", named.name]
    report = build_report(feedback_round)
    assert [column.label for column in report.columns] == [f"Line manager: {named.name}"]


def test_report_visibility_follows_the_organisation_setting(feedback_round, appraiser):
    organisation = feedback_round.assessment.organisation
    invite(feedback_round, G.PEER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    assert not feedback_report_visible(feedback_round, Capacity.PRACTITIONER, today=TODAY)
    assert not feedback_report_visible(feedback_round, Capacity.APPRAISER, today=TODAY)
    services.close_round(feedback_round=feedback_round)
    feedback_round.refresh_from_db()
    assert feedback_report_visible(feedback_round, Capacity.PRACTITIONER)
    organisation.feedback_release = FeedbackRelease.BY_APPRAISER
    organisation.save()
    feedback_round.assessment.organisation.refresh_from_db()
    assert feedback_report_visible(feedback_round, Capacity.APPRAISER)
    assert not feedback_report_visible(feedback_round, Capacity.PRACTITIONER)
    assert not feedback_report_visible(feedback_round, None)
    services.release_report(feedback_round=feedback_round, appraiser=appraiser)
    feedback_round.refresh_from_db()
    assert feedback_report_visible(feedback_round, Capacity.PRACTITIONER)


def test_the_daily_reminder_command_reports_what_it_sent(framework, practitioner, scale_levels, capsys):
    from django.core.management import call_command

    today = TODAY
    capability = framework.capabilities.get(number=1)
    feedback_round = services.start_round(
        assessment=AssessmentFactory(practitioner=practitioner), capabilities=[capability],
        opens_on=today, closes_on=today + datetime.timedelta(days=3), reminder_days_before=3,
    )
    services.save_self_ratings(feedback_round=feedback_round, levels={capability.pk: scale_levels[2]})
    invite(feedback_round, G.PEER, 2)
    services.send_round(feedback_round=feedback_round)
    call_command("send_feedback_reminders")
    assert capsys.readouterr().out.splitlines() == ["Closed 0 rounds past their closing date", "Sent 2 reminders"]
    call_command("send_feedback_reminders")
    assert capsys.readouterr().out.splitlines()[-1] == "Sent 0 reminders"
