"""Business rules for the appraiser's side of a review and for the
development plan."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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


@transaction.atomic
def save_review(*, assessment: Assessment, appraiser, ratings: list[AppraiserRatingInput], summary: str) -> None:
    """Save the appraiser's ratings, comments and overall summary."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_in_review(assessment)
    capability_ids = set(assessment.ratings.values_list("capability_id", flat=True))
    valid_levels = set(assessment.rating_scale.levels.values_list("pk", flat=True))
    existing = {r.capability_id: r for r in AppraiserRating.objects.filter(assessment=assessment)}
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


@transaction.atomic
def save_objective(*, assessment: Assessment, appraiser, objective: DevelopmentObjective | None, text: str,
                   actions: str, support: str, target_date: date, capability_ids: list[int]) -> DevelopmentObjective:
    """Add or change an objective of the plan agreed at review."""
    _require_in_review(assessment)
    valid = set(assessment.ratings.values_list("capability_id", flat=True))
    if not capability_ids or not set(capability_ids) <= valid:
        raise ValidationError("Choose at least one capability of this assessment")
    if objective is None:
        objective = DevelopmentObjective(assessment=assessment, created_by=appraiser)
    elif objective.assessment_id != assessment.pk:
        raise ValidationError("That objective is not part of this plan")
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
