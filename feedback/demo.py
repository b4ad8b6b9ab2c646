"""A closed 360° feedback round for the demo, with fictional raters and
answers (seeded by the practitioner's email, so runs repeat). Raters are
not emailed: the round is marked sent directly."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from feedback import services
from feedback.models import FeedbackInvitation, RaterGroup, RoundStatus

RATERS = [
    ("Dr Priya Natarajan", RaterGroup.LINE_MANAGER),
    ("Tom Ellery", RaterGroup.PEER), ("Grace Okafor", RaterGroup.PEER), ("Ben Marsh", RaterGroup.PEER),
    ("Lucy Tran", RaterGroup.DIRECT_REPORT), ("Omar Siddiqui", RaterGroup.DIRECT_REPORT),
    ("Hannah Price", RaterGroup.DIRECT_REPORT),
    ("Kate Lowry", RaterGroup.WIDER_TEAM),
    ("Mr David Hughes", RaterGroup.SERVICE_USER), ("Mrs Ann Fielding", RaterGroup.SERVICE_USER),
    ("Chris Dale", RaterGroup.OTHER),
    ("Ella Brooks", RaterGroup.PEER),  # invited, never answered
]
STRENGTHS = [
    "Calm and clear when things are difficult; people trust their judgement.",
    "Explains complex care in a way patients and families understand.",
    "Brings teams from different organisations together around what matters to patients.",
    "Always makes time to teach, and shares what they know generously.",
]
DEVELOP = [
    "Could delegate more, so that others grow and they have time for strategy.",
    "Share the research work more widely: few people know about it.",
    "Say no more often; they take on too much.",
]


@transaction.atomic
def seed_closed_round(assessment, *, closes_on: datetime.date) -> None:
    if assessment.feedback_rounds.exists():
        return
    rng = random.Random(assessment.practitioner.email + ":feedback")
    opens_on = closes_on - datetime.timedelta(days=21)
    capabilities = list(assessment.framework.capabilities.order_by("number"))
    levels = list(assessment.rating_scale.levels.order_by("value"))
    feedback_round = services.start_round(
        assessment=assessment, capabilities=capabilities, opens_on=opens_on, closes_on=closes_on,
        message="I would value your honest view of my work this year. It takes about 10 minutes.", today=opens_on,
    )
    self_levels = {c.pk: levels[rng.randint(1, len(levels) - 1)] for c in capabilities}
    services.save_self_ratings(feedback_round=feedback_round, levels=self_levels)
    invitations = [
        services.add_rater(
            feedback_round=feedback_round, name=name, email=f"{name.split()[-1].lower()}.{n}@example.org", group=group
        )
        for n, (name, group) in enumerate(RATERS)
    ]
    sent = timezone.make_aware(datetime.datetime.combine(opens_on, datetime.time(9)))
    type(feedback_round).objects.filter(pk=feedback_round.pk).update(status=RoundStatus.OPEN, sent_at=sent)
    FeedbackInvitation.objects.filter(round=feedback_round).update(sent_at=sent)
    for invitation in invitations[:-1]:
        invitation.refresh_from_db()
        ratings = {}
        for capability in capabilities:
            own = self_levels[capability.pk].value
            if invitation.group == RaterGroup.SERVICE_USER and rng.random() < 0.3:
                ratings[capability.pk] = "na"
                continue
            value = min(len(levels), max(1, own + rng.choice([-1, 0, 0, 1, 1])))
            ratings[capability.pk] = levels[value - 1].pk
        comments = {(None, "strengths"): rng.choice(STRENGTHS)}
        if rng.random() < 0.7:
            comments[(None, "develop")] = rng.choice(DEVELOP)
        services.submit_response(
            invitation=invitation,
            answers=services.RaterAnswers(ratings=ratings, comments=comments,
                                          named=invitation.group == RaterGroup.LINE_MANAGER),
            today=opens_on + datetime.timedelta(days=rng.randint(0, 20)),
        )
    services.close_round(feedback_round=feedback_round)
