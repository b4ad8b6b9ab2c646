"""The review workflow: every allowed move between assessment states, who
may make it and what it needs, in one table.

    draft → submitted (practitioner)
    submitted → in review (assigned appraiser opens it)
    in review → returned (appraiser, with a comment) → submitted (practitioner resubmits)
    in review → awaiting practitioner sign-off (appraiser signs with a declaration)
    awaiting sign-off → in review (practitioner sends the summary back, with a comment)
    awaiting sign-off → signed off (practitioner confirms with a declaration) → locked

Each move is a conditional UPDATE on the current state, so of two people
making a move at once exactly one succeeds; the other is told the assessment
has moved on. Every move is recorded as an AssessmentTransition.
"""

from dataclasses import dataclass
from enum import Enum

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentTransition,
    DevelopmentObjective,
)
from portfolios.models import (
    AssessmentStatus as S,
)


class Actor(str, Enum):
    PRACTITIONER = "practitioner"
    APPRAISER = "appraiser"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    actor: Actor
    label: str
    comment_required: bool = False
    declaration_required: bool = False


MOVES = {
    "submit": Move(S.DRAFT, S.SUBMITTED, Actor.PRACTITIONER, "Submit for review"),
    "resubmit": Move(S.RETURNED, S.SUBMITTED, Actor.PRACTITIONER, "Submit again for review"),
    "start_review": Move(S.SUBMITTED, S.IN_REVIEW, Actor.APPRAISER, "Start review"),
    "return": Move(S.IN_REVIEW, S.RETURNED, Actor.APPRAISER, "Return to the practitioner", comment_required=True),
    "appraiser_sign_off": Move(
        S.IN_REVIEW, S.AWAITING_SIGN_OFF, Actor.APPRAISER, "Sign off as appraiser", declaration_required=True
    ),
    "send_back": Move(
        S.AWAITING_SIGN_OFF, S.IN_REVIEW, Actor.PRACTITIONER, "Send back to your appraiser", comment_required=True
    ),
    "practitioner_sign_off": Move(
        S.AWAITING_SIGN_OFF, S.SIGNED_OFF, Actor.PRACTITIONER, "Sign off", declaration_required=True
    ),
}

APPRAISER_DECLARATION = (
    "I have reviewed this self-assessment and its evidence, and my ratings, comments and summary are a fair "
    "account of the practitioner's capability."
)
PRACTITIONER_DECLARATION = (
    "I have read my appraiser's ratings and summary, and I agree this is an accurate record of my review "
    "and development plan."
)


class TransitionRefused(Exception):
    """A move that is not allowed now, by this person, or without what it needs.
    The message is written for the person who tried it."""


def moves_from(status: str, actor: Actor) -> list[str]:
    return [name for name, move in MOVES.items() if move.source == status and move.actor == actor]


def _check_requirements(name: str, assessment: Assessment) -> None:
    if name in ("submit", "resubmit"):
        missing = list(
            assessment.ratings.filter(level__isnull=True).order_by("capability__number")
            .values_list("capability__number", flat=True)
        )
        if missing:
            raise TransitionRefused(
                "Rate every capability before you submit. Not yet rated: "
                + ", ".join(f"capability {n}" for n in missing)
            )
    if name == "appraiser_sign_off":
        if not assessment.appraiser_summary.strip():
            raise TransitionRefused("Write your overall summary before you sign off")
        rated = AppraiserRating.objects.filter(assessment=assessment, level__isnull=False).count()
        if rated < assessment.ratings.count():
            raise TransitionRefused("Rate every capability before you sign off")
    if name == "practitioner_sign_off":
        previous = (
            Assessment.objects.filter(practitioner=assessment.practitioner, period_end__lt=assessment.period_end)
            .exclude(pk=assessment.pk)
            .order_by("-period_end")
            .first()
        )
        if previous is not None:
            open_objectives = DevelopmentObjective.objects.filter(assessment=previous, status="").count()
            if open_objectives:
                raise TransitionRefused(
                    f"Give a status to each objective of your previous development plan before you sign off "
                    f"({open_objectives} without a status)"
                )


@transaction.atomic
def apply(*, assessment: Assessment, name: str, actor_user, actor: Actor, comment: str = "",
          declaration: bool = False) -> Assessment:
    """Make one move. ``actor`` is the capacity the person acts in, decided by
    the caller from portfolios.access; this checks that the move is theirs."""
    move = MOVES.get(name)
    if move is None:
        raise TransitionRefused("That action is not available")
    if move.actor != actor:
        raise TransitionRefused(f"Only the {move.actor.value} can do this: {move.label.lower()}")
    comment = comment.strip()
    if move.comment_required and not comment:
        raise TransitionRefused("Enter a comment explaining why")
    if move.declaration_required and not declaration:
        raise TransitionRefused("Confirm the declaration to sign off")
    # Decide on the row as it is now, locked until this transaction ends, not
    # on the copy the caller loaded when the page was drawn.
    current = Assessment.objects.select_for_update().get(pk=assessment.pk)
    for field in ("status", "appraiser_summary", "version"):
        setattr(assessment, field, getattr(current, field))
    if assessment.status != move.source:
        raise TransitionRefused(
            f"This assessment is {assessment.get_status_display().lower()}, so you cannot {move.label.lower()}"
        )
    _check_requirements(name, assessment)

    now = timezone.now()
    changes = {"status": move.target, "version": F("version") + 1, "updated_at": now}
    if move.target == S.SUBMITTED:
        changes["submitted_at"] = now
    if name == "appraiser_sign_off":
        changes.update(appraiser_signed_by=actor_user, appraiser_signed_at=now)
    if name == "send_back":
        changes.update(appraiser_signed_by=None, appraiser_signed_at=None)
    if name == "practitioner_sign_off":
        changes["practitioner_signed_at"] = now
    updated = Assessment.objects.filter(pk=assessment.pk, status=move.source).update(**changes)
    if not updated:
        raise TransitionRefused("Someone else has just changed this assessment. Check it and try again.")
    AssessmentTransition.objects.create(
        assessment=assessment, from_status=move.source, to_status=move.target, actor=actor_user, comment=comment
    )
    if name == "practitioner_sign_off":
        # Both sides have signed: the record is closed for good.
        Assessment.objects.filter(pk=assessment.pk).update(status=S.LOCKED)
        AssessmentTransition.objects.create(
            assessment=assessment, from_status=S.SIGNED_OFF, to_status=S.LOCKED, actor=None,
            comment="Locked when both sides had signed off",
        )
    assessment.refresh_from_db()
    # The moves above are conditional UPDATEs, which simple-history does not
    # see: the assessment's own history gets its new state here, so that it
    # always matches the live row (portfolios.timeline checks that it does).
    Assessment.history.bulk_history_create([assessment], update=True, default_user=actor_user)
    return assessment
