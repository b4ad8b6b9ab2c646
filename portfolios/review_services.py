"""Business rules for the appraiser's side of a review and for the
development plan."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import merge
from portfolios.models import (
    AppraiserRating,
    Assessment,
    AssessmentStatus,
    DevelopmentObjective,
    ObjectiveStatus,
)
from portfolios.workflow import TransitionRefused


@dataclass
class AppraiserRatingInput:
    capability_id: int
    level_id: int | None
    comment: str


def _require_in_review(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.IN_REVIEW:
        raise TransitionRefused(
            f"This assessment is {assessment.get_status_display().lower()}; the review can only be changed "
            "while it is in review"
        )


def review_state(*, summary: str | None, capability_ids, appraiser_ratings) -> dict:
    """What a review page shows and saves, as core.merge compares it: each
    of its capabilities' appraiser rating and comment (unrated and blank
    when there is no rating yet), and the overall summary unless it is None
    (a page that does not show it)."""
    by_capability = {rating.capability_id: rating for rating in appraiser_ratings}
    state = {} if summary is None else {"summary": _plain(summary)}
    for capability_id in capability_ids:
        rating = by_capability.get(capability_id)
        state[f"rating:{capability_id}"] = rating.level_id if rating else None
        state[f"comment:{capability_id}"] = _plain(rating.comment) if rating else ""
    return state


def _plain(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF whatever they were.
    return (text or "").replace("\r\n", "\n").strip()


@transaction.atomic
def save_review(*, assessment: Assessment, appraiser, ratings: list[AppraiserRatingInput],
                summary: str | None = None, shown: Mapping[str, str] | None = None) -> None:
    """Save the appraiser's ratings and comments for the capabilities in
    ``ratings`` (a pillar's page sends its own), and the overall summary
    unless it is None (a page without it). ``shown`` is the fingerprint of
    what the page showed (core.merge, of review_state for the same fields):
    what another tab or appraiser saved since is kept where this save left
    it alone, and merge.EditConflict is raised, saving nothing, where both
    changed it."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_in_review(assessment)
    capability_ids = set(assessment.ratings.values_list("capability_id", flat=True))
    valid_levels = set(assessment.rating_scale.levels.values_list("pk", flat=True))
    existing = {r.capability_id: r for r in AppraiserRating.objects.filter(assessment=assessment)}
    submitted = {} if summary is None else {"summary": _plain(summary)}
    for item in ratings:
        submitted[f"rating:{item.capability_id}"] = item.level_id
        submitted[f"comment:{item.capability_id}"] = _plain(item.comment)
    stored = review_state(summary=assessment.appraiser_summary, capability_ids=capability_ids,
                          appraiser_ratings=existing.values())
    # Fields this page did not send keep their stored value.
    merged = stored | merge.merge(shown=shown, stored=stored, submitted=submitted)
    summary = merged["summary"]
    ratings = [
        AppraiserRatingInput(capability_id=item.capability_id, level_id=merged[f"rating:{item.capability_id}"],
                             comment=merged[f"comment:{item.capability_id}"])
        for item in ratings
    ]
    to_create, to_update = [], []
    now = timezone.now()
    for item in ratings:
        if item.capability_id not in capability_ids:
            raise ValidationError("That capability is not part of this assessment")
        if item.level_id is not None and item.level_id not in valid_levels:
            raise ValidationError("Choose a rating from the scale")
        rating = existing.get(item.capability_id)
        if rating is None:
            to_create.append(AppraiserRating(
                assessment=assessment, capability_id=item.capability_id, appraiser=appraiser,
                level_id=item.level_id, comment=item.comment,
            ))
        elif (rating.level_id, rating.comment) != (item.level_id, item.comment):
            rating.level_id, rating.comment, rating.appraiser, rating.updated_at = (
                item.level_id, item.comment, appraiser, now
            )
            to_update.append(rating)
    bulk_create_with_history(to_create, AppraiserRating, default_user=appraiser)
    bulk_update_with_history(to_update, AppraiserRating, ["level", "comment", "appraiser", "updated_at"],
                             default_user=appraiser)
    if assessment.appraiser_summary != summary:
        assessment.appraiser_summary = summary
        assessment._history_user = appraiser
        assessment.save(update_fields=["appraiser_summary", "updated_at"])


def objective_state(*, text: str, actions: str, support: str, target_date: date | None, capability_ids) -> dict:
    """An objective as its form shows it, as core.merge compares it."""
    return {
        "objective": _plain(text), "actions": _plain(actions), "support": _plain(support),
        "target_date": target_date.isoformat() if target_date else None,
    } | {f"capability:{pk}": True for pk in capability_ids}


def stored_objective_state(objective: DevelopmentObjective) -> dict:
    return objective_state(
        text=objective.objective, actions=objective.actions, support=objective.support,
        target_date=objective.target_date, capability_ids=objective.capabilities.values_list("pk", flat=True),
    )


@transaction.atomic
def save_objective(*, assessment: Assessment, appraiser, objective: DevelopmentObjective | None, text: str,
                   actions: str, support: str, target_date: date, capability_ids: list[int],
                   shown: Mapping[str, str] | None = None) -> DevelopmentObjective:
    """Add or change an objective of the plan agreed at review. A change
    merges with any saved since the form was shown (``shown``, core.merge)."""
    _require_in_review(assessment)
    if objective is not None:
        if objective.assessment_id != assessment.pk:
            raise ValidationError("That objective is not part of this plan")
        # Saving a deleted objective's instance would bring it back.
        objective = DevelopmentObjective.objects.select_for_update().filter(pk=objective.pk).first()
        if objective is None:
            raise ValidationError("This objective was deleted in another tab or window, so it was not saved")
        merged = merge.merge(
            shown=shown, stored=stored_objective_state(objective),
            submitted=objective_state(text=text, actions=actions, support=support, target_date=target_date,
                                      capability_ids=capability_ids),
        )
        text, actions, support = merged["objective"], merged["actions"], merged["support"]
        target_date = date.fromisoformat(merged["target_date"])
        capability_ids = [int(key.partition(":")[2]) for key in merged if key.startswith("capability:")]
    valid = set(assessment.ratings.values_list("capability_id", flat=True))
    if not capability_ids or not set(capability_ids) <= valid:
        raise ValidationError("Choose at least one capability of this assessment")
    if objective is None:
        objective = DevelopmentObjective(assessment=assessment, created_by=appraiser)
    objective.objective, objective.actions, objective.support, objective.target_date = text, actions, support, target_date
    objective._history_user = appraiser
    objective.save()
    objective.capabilities.set(capability_ids)
    return objective


@transaction.atomic
def delete_objective(*, assessment: Assessment, objective: DevelopmentObjective, appraiser) -> None:
    _require_in_review(assessment)
    if objective.assessment_id != assessment.pk:
        raise ValidationError("That objective is not part of this plan")
    objective._history_user = appraiser
    objective.delete()


@transaction.atomic
def set_objective_status(*, objective: DevelopmentObjective, status: str, note: str, user) -> DevelopmentObjective:
    """Say how an objective of an agreed plan went. Only a plan that both
    sides have signed is reviewed like this."""
    if status not in ObjectiveStatus.values:
        raise ValidationError("Choose how the objective went")
    if objective.assessment.status not in (AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED):
        raise ValidationError("Objectives get a status once their plan has been signed off")
    objective.status, objective.status_note = status, note
    objective._history_user = user
    objective.save(update_fields=["status", "status_note"])
    return objective
