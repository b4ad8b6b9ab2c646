"""360° anonymity under every sequence of actions: a round past its closing
date is closed by status and never changes again, no mailbox answers twice
for one assessment, the practitioner cannot be their own rater, and nothing
a rater stored can be put in the order it was given."""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Invitation
from feedback import services
from feedback.access import feedback_report_visible
from feedback.models import FeedbackAnswer, FeedbackComment, FeedbackResponse, RaterGroup, RoundStatus
from feedback.report import build_report
from portfolios.access import Capacity
from tests.factories import AssessmentFactory
from tests.feedback.test_feedback_core import TODAY, answer, invite

pytestmark = pytest.mark.django_db
G = RaterGroup


@pytest.fixture
def scale_levels(framework):
    from capability.models import RatingScale

    return {level.value: level for level in RatingScale.objects.get(framework=framework).levels.all()}


def new_round(assessment, scale_levels, today=TODAY, days=14):
    capabilities = list(assessment.framework.capabilities.filter(number__in=[1, 2, 4]).order_by("number"))
    feedback_round = services.start_round(
        assessment=assessment, capabilities=capabilities,
        opens_on=today, closes_on=today + datetime.timedelta(days=days), today=today,
    )
    services.save_self_ratings(feedback_round=feedback_round, levels={c.pk: scale_levels[3] for c in capabilities})
    return feedback_round


def ratings(feedback_round, value_pk):
    return {c.pk: value_pk for c in feedback_round.capabilities.all()}


def test_a_round_past_its_closing_date_is_closed_and_its_dates_cannot_change(practitioner, scale_levels):
    feedback_round = new_round(AssessmentFactory(practitioner=practitioner), scale_levels, days=3)
    raters = invite(feedback_round, G.PEER, 4)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    for rater in raters[:3]:
        answer(rater, ratings(feedback_round, scale_levels[2].pk))
    after = feedback_round.closes_on + datetime.timedelta(days=1)
    with pytest.raises(services.FeedbackError, match="closed"):
        services.update_round(feedback_round=feedback_round, opens_on=TODAY, closes_on=after + datetime.timedelta(days=7),
                              message="", reminder_days_before=3, today=after)
    feedback_round.refresh_from_db()
    assert feedback_round.is_closed(after)
    assert feedback_round.closes_on == TODAY + datetime.timedelta(days=3)
    # The first change that does not fail, or the daily job, records it.
    services.close_overdue_rounds(today=after)
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    with pytest.raises(services.FeedbackError, match="closed"):
        services.add_rater(feedback_round=feedback_round, name="Late", email="late@example.org", group=G.PEER)
    with pytest.raises(services.LinkUnusable):
        answer(raters[3], ratings(feedback_round, scale_levels[4].pk), today=after)


def test_the_daily_job_closes_overdue_rounds_by_status(practitioner, scale_levels):
    feedback_round = new_round(AssessmentFactory(practitioner=practitioner), scale_levels, days=2)
    invite(feedback_round, G.PEER, 1)
    services.send_round(feedback_round=feedback_round, today=TODAY)
    assert services.close_overdue_rounds(today=TODAY + datetime.timedelta(days=2)) == 0
    assert services.close_overdue_rounds(today=TODAY + datetime.timedelta(days=3)) == 1
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED and feedback_round.closed_at is not None


@pytest.mark.parametrize("address", [
    "{local}+peer@{domain}", "{LOCAL}@{DOMAIN}", " {local}+360@{domain} ",
])
def test_the_practitioner_cannot_invite_their_own_mailbox_in_disguise(practitioner, scale_levels, address):
    feedback_round = new_round(AssessmentFactory(practitioner=practitioner), scale_levels)
    local, domain = practitioner.email.split("@")
    email = address.format(local=local, domain=domain, LOCAL=local.upper(), DOMAIN=domain.upper())
    with pytest.raises(ValidationError, match="someone else"):
        services.add_rater(feedback_round=feedback_round, name="Me", email=email, group=G.PEER)


def test_the_practitioner_cannot_invite_an_address_they_joined_the_service_with(practitioner, scale_levels):
    from django.utils import timezone

    Invitation.objects.create(
        organisation=practitioner.memberships.first().organisation, email="aisha.personal@example.org",
        role="practitioner", token_hash="x" * 64, invited_by=practitioner,
        expires_at=timezone.now() + datetime.timedelta(days=1), used_at=timezone.now(),
        used_by=practitioner,
    )
    feedback_round = new_round(AssessmentFactory(practitioner=practitioner), scale_levels)
    with pytest.raises(ValidationError, match="someone else"):
        services.add_rater(feedback_round=feedback_round, name="Sock puppet", email="Aisha.Personal+x@example.org",
                           group=G.PEER)


def test_a_mailbox_asked_in_one_round_cannot_be_asked_again_for_the_same_assessment(practitioner, scale_levels):
    assessment = AssessmentFactory(practitioner=practitioner)
    first = new_round(assessment, scale_levels)
    services.add_rater(feedback_round=first, name="Sam", email="sam@example.org", group=G.PEER)
    second = new_round(assessment, scale_levels)
    with pytest.raises(ValidationError, match="already asked"):
        services.add_rater(feedback_round=second, name="Sam", email="sam+again@example.org", group=G.PEER)
    # Another assessment (next year's) may ask them again.
    services.add_rater(feedback_round=new_round(AssessmentFactory(practitioner=practitioner), scale_levels),
                       name="Sam", email="sam@example.org", group=G.PEER)


@pytest.mark.parametrize("model", [FeedbackResponse, FeedbackAnswer, FeedbackComment])
def test_no_stored_answer_has_an_orderable_key(model):
    assert isinstance(model._meta.pk, models.UUIDField)
    assert not any(isinstance(field, (models.DateTimeField, models.DateField, models.AutoField))
                   for field in model._meta.get_fields() if not field.is_relation)


# The property: whatever anyone does, a report once visible never changes.


def snapshot(feedback_round):
    report = build_report(feedback_round)
    return (
        report.responses, report.reported,
        [(row.label, sorted(row.others.values), {key: sorted(s.values) for key, s in row.by_column.items()})
         for row in report.capability_rows],
        sorted(text for _, _, texts in report.comments for text in texts),
    )


ACTIONS = ["invite", "invite", "answer", "answer", "answer", "send", "close", "extend", "advance", "advance",
           "read", "new_round", "own_address"]


@pytest.mark.parametrize("seed", range(12))
def test_no_sequence_of_actions_changes_a_report_once_it_can_be_read(practitioner, scale_levels, seed):
    rng = random.Random(seed)
    assessment = AssessmentFactory(practitioner=practitioner)
    today = TODAY
    rounds = [new_round(assessment, scale_levels, today=today, days=rng.randint(1, 6))]
    seen = {}
    invited_mailboxes = []
    for step in range(40):
        feedback_round = rng.choice(rounds)
        feedback_round.refresh_from_db()
        action = rng.choice(ACTIONS)
        try:
            if action == "invite":
                mailbox = f"rater{rng.randint(0, 9)}@example.org"
                alias = mailbox.replace("@", f"+{step}@") if rng.random() < 0.3 else mailbox
                services.add_rater(feedback_round=feedback_round, name="Rater", email=alias,
                                   group=rng.choice([G.PEER, G.PEER, G.DIRECT_REPORT, G.OTHER]))
                invited_mailboxes.append((feedback_round.pk, mailbox))
            elif action == "own_address":
                local, domain = practitioner.email.split("@")
                with pytest.raises(ValidationError):
                    services.add_rater(feedback_round=feedback_round, name="Me",
                                       email=f"{local}+{step}@{domain}", group=G.PEER)
            elif action == "answer":
                waiting = list(feedback_round.invitations.filter(responded=False, sent_at__isnull=False))
                if waiting:
                    answer(rng.choice(waiting), ratings(feedback_round, scale_levels[rng.randint(1, 4)].pk),
                           comments={(None, "strengths"): f"comment {step}"}, today=today)
            elif action == "send":
                services.send_round(feedback_round=feedback_round, today=today)
            elif action == "close":
                services.close_round(feedback_round=feedback_round)
            elif action == "extend":
                services.update_round(feedback_round=feedback_round, opens_on=feedback_round.opens_on,
                                      closes_on=today + datetime.timedelta(days=rng.randint(0, 10)), message="",
                                      reminder_days_before=1, today=today)
            elif action == "advance":
                today += datetime.timedelta(days=rng.randint(1, 4))
            elif action == "new_round":
                rounds.append(new_round(assessment, scale_levels, today=today, days=rng.randint(1, 6)))
        except (services.FeedbackError, services.LinkUnusable, ValidationError):
            pass
        for each in rounds:
            each.refresh_from_db()
            if feedback_report_visible(each, Capacity.APPRAISER, today):
                now = snapshot(each)
                assert seen.setdefault(each.pk, now) == now, f"seed {seed}, step {step}: a visible report changed"
    # No mailbox was asked in two rounds of the assessment.
    rounds_of = {}
    for round_pk, mailbox in invited_mailboxes:
        rounds_of.setdefault(mailbox, set()).add(round_pk)
    assert all(len(found) == 1 for found in rounds_of.values())
