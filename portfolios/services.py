"""Business rules for assessments and evidence. Views parse input, call one
of these, and render; each runs in one transaction."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Organisation
from capability.models import Capability, Framework, RatingScale
from portfolios.models import (
    PRACTITIONER_EDITABLE,
    Assessment,
    AssessmentEvidence,
    AssessmentStatus,
    CapabilityRating,
    CarriedOver,
    EvidenceItem,
)
from portfolios import carry
from portfolios.evidence_versions import latest_version
from portfolios.queries import StartOption, start_options


class StaleVersion(Exception):
    """The assessment changed after the page being saved was loaded."""

    def __init__(self, current_version: int):
        super().__init__(f"assessment is now at version {current_version}")
        self.current_version = current_version


class NotEditable(Exception):
    """The assessment is no longer a draft."""


@dataclass
class RatingInput:
    capability_id: int
    level_id: int | None
    reflection: str
    development_priority: bool
    evidence_ids: set


def _start_option(practitioner, organisation, framework) -> StartOption:
    options = start_options(practitioner)
    if not options:
        # Not a practitioner anywhere (yet): an assessment of their own, on
        # the edition given or the current one.
        return StartOption(None, framework or Framework.objects.current().get())
    matching = [
        option for option in options
        if (organisation is None or option.organisation.pk == organisation.pk)
        and (framework is None or option.framework.pk == framework.pk)
    ]
    if not matching:
        raise ValidationError(
            {"option": "Select an organisation and framework from the list"}
            if organisation is not None else
            {"option": f"{framework} is not used by your organisation. Ask your organisation admin"}
        )
    return matching[0]


def _same_edition_ratings(copy_from, scale) -> dict:
    """Copied forward on the same edition: reflections and priorities, and
    levels when on the same scale."""
    same_scale = copy_from.rating_scale_id == scale.pk
    return {
        r.capability_id: carry.Carried(r.level_id if same_scale else None, r.reflection, r.development_priority)
        for r in copy_from.ratings.all()
    }


def previous_assessment(practitioner) -> Assessment | None:
    return Assessment.objects.for_practitioner(practitioner).latest_first().first()


@transaction.atomic
def start_assessment(
    *,
    practitioner,
    title: str,
    period_start: date,
    period_end: date,
    copy_from: Assessment | None = None,
    framework: Framework | None = None,
    organisation: Organisation | None = None,
) -> Assessment:
    """Start an assessment for one of the practitioner's organisations on
    one of the editions it uses (portfolios.queries.start_options; by
    default the first), on the edition's default scale, with every
    capability unrated, or copied forward from an earlier assessment of the
    same practitioner on the same edition. An organisation or edition the
    practitioner may not start on is refused."""
    if copy_from is not None and copy_from.practitioner_id != practitioner.pk:
        raise PermissionDenied("Only your own assessments can be copied")
    option = _start_option(practitioner, organisation, framework)
    organisation, framework = option.organisation, option.framework
    scale = RatingScale.objects.get(framework=framework, is_default=True)
    assessment = Assessment(
        practitioner=practitioner,
        organisation=organisation,
        framework=framework,
        rating_scale=scale,
        title=title,
        period_start=period_start,
        period_end=period_end,
        copied_from=copy_from,
    )
    assessment.full_clean()
    assessment.save()

    # Copied forward: on the same edition as it was, on another across the
    # crosswalk between them (portfolios.carry), if there is one.
    across = None
    if copy_from is not None and copy_from.framework_id != framework.pk:
        crosswalk = carry.crosswalk_between(copy_from, framework)
        across = carry.plan(crosswalk=crosswalk, older=copy_from, scale=scale) if crosswalk else None
    starts = {} if copy_from is None else across.ratings if across else (
        _same_edition_ratings(copy_from, scale) if copy_from.framework_id == framework.pk else {})
    bulk_create_with_history(
        [CapabilityRating(
            assessment=assessment,
            capability=capability,
            level_id=starts[capability.pk].level_id if capability.pk in starts else None,
            reflection=starts[capability.pk].reflection if capability.pk in starts else "",
            development_priority=starts[capability.pk].development_priority if capability.pk in starts else False,
        )
         for capability in Capability.objects.filter(framework=framework)],
        CapabilityRating, default_user=practitioner,
    )
    if copy_from is not None:
        items, linked = carry.carry_evidence(older=copy_from, targets=across.targets if across else None)
        bulk_create_with_history(
            [AssessmentEvidence(assessment=assessment, evidence=item) for item in items],
            AssessmentEvidence, default_user=practitioner,
        )
        if across:
            for row in across.rows:
                row.assessment = assessment
                if row.target_id is not None:
                    row.evidence_count = linked.get((row.source_id, row.target_id), 0)
            CarriedOver.objects.bulk_create(across.rows)
    return assessment


def _claim_version(assessment: Assessment, expected_version: int) -> None:
    """Move the assessment to its next version, or fail if someone else
    already did. The conditional UPDATE makes two concurrent saves of the same
    version impossible: only one matches."""
    updated = Assessment.objects.filter(
        pk=assessment.pk, version=expected_version, status__in=PRACTITIONER_EDITABLE
    ).update(version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        current = Assessment.objects.filter(pk=assessment.pk).values_list("version", "status").first()
        if current and current[1] not in PRACTITIONER_EDITABLE:
            raise NotEditable()
        raise StaleVersion(current[0] if current else expected_version)
    assessment.version = expected_version + 1


@transaction.atomic
def save_ratings(*, assessment: Assessment, expected_version: int, ratings: list[RatingInput]) -> Assessment:
    """Save the ratings, reflections, priorities and evidence choices of some
    capabilities of a draft assessment."""
    if not assessment.is_editable:
        raise NotEditable()
    _claim_version(assessment, expected_version)
    by_capability = {r.capability_id: r for r in assessment.ratings.filter(
        capability_id__in=[r.capability_id for r in ratings])}
    valid_levels = set(assessment.rating_scale.levels.values_list("pk", flat=True))
    owned = set(EvidenceItem.objects.for_owner(assessment.practitioner).values_list("pk", flat=True))
    to_update = []
    for item in ratings:
        rating = by_capability.get(item.capability_id)
        if rating is None:
            raise ValidationError("That capability is not part of this assessment")
        if item.level_id is not None and item.level_id not in valid_levels:
            raise ValidationError("Choose a rating from the scale")
        if not item.evidence_ids <= owned:
            raise ValidationError("Evidence can only be chosen from your own portfolio")
        rating.level_id = item.level_id
        rating.reflection = item.reflection
        rating.development_priority = item.development_priority
        rating.updated_at = timezone.now()  # bulk_update skips auto_now
        to_update.append(rating)
    bulk_update_with_history(
        to_update, CapabilityRating, ["level", "reflection", "development_priority", "updated_at"],
        default_user=assessment.practitioner,
    )

    # Evidence shown on a capability is evidence mapped to it and included
    # in the assessment; unticking it there removes it from the assessment
    # only if no other capability on the page still has it ticked.
    shown = set(
        EvidenceItem.objects.for_owner(assessment.practitioner)
        .filter(capability_links__capability_id__in=by_capability.keys())
        .values_list("pk", flat=True)
    )
    chosen = set().union(*(item.evidence_ids for item in ratings)) if ratings else set()
    included = set(assessment.evidence_links.values_list("evidence_id", flat=True))
    added, removed = chosen - included, (shown & included) - chosen
    bulk_create_with_history(
        [AssessmentEvidence(assessment=assessment, evidence_id=e) for e in added],
        AssessmentEvidence, default_user=assessment.practitioner,
    )
    assessment.evidence_links.filter(evidence_id__in=removed).delete()
    return assessment


def unrated_capabilities(assessment: Assessment) -> list[Capability]:
    return [
        r.capability
        for r in assessment.ratings.filter(level__isnull=True).select_related("capability").order_by(
            "capability__number"
        )
    ]


@transaction.atomic
def submit_assessment(*, assessment: Assessment, expected_version: int) -> Assessment:
    """Submit (or resubmit after a return) an assessment in which every
    capability is rated. After this the practitioner can no longer change it."""
    from portfolios import workflow

    if not assessment.is_editable:
        raise NotEditable()
    missing = unrated_capabilities(assessment)
    if missing:
        raise ValidationError(
            [f"Rate capability {c.number} before you submit" for c in missing], code="unrated"
        )
    if assessment.version != expected_version:
        raise StaleVersion(assessment.version)
    name = "resubmit" if assessment.status == AssessmentStatus.RETURNED else "submit"
    if name == "resubmit":
        # Evidence changed since the first submission goes in as it is now.
        move_to_latest_versions(assessment=assessment)
    return workflow.apply(
        assessment=assessment, name=name, actor_user=assessment.practitioner, actor=workflow.Actor.PRACTITIONER
    )


@transaction.atomic
def include_evidence_in_drafts(*, evidence: EvidenceItem) -> None:
    """New evidence goes into the owner's draft assessments, where it will be
    shown under the capabilities it is mapped to."""
    drafts = Assessment.objects.for_practitioner(evidence.owner).drafts().values_list("pk", flat=True)
    existing = set(
        AssessmentEvidence.objects.filter(evidence=evidence, assessment_id__in=drafts).values_list(
            "assessment_id", flat=True
        )
    )
    bulk_create_with_history(
        [AssessmentEvidence(assessment_id=pk, evidence=evidence) for pk in drafts if pk not in existing],
        AssessmentEvidence, default_user=evidence.owner,
    )


@transaction.atomic
def move_to_latest_versions(*, assessment: Assessment) -> int:
    """Before a returned assessment is submitted again: include the latest
    version of each item it had (the page says so). Returns how many moved."""
    moved = 0
    for link in list(assessment.evidence_links.select_related("evidence").filter(evidence__is_current=False)):
        try:
            latest = latest_version(link.evidence)
        except ValidationError:
            continue  # deleted from the live portfolio since: the old version stays
        if assessment.evidence_links.filter(evidence=latest).exists():
            continue
        link._history_user = assessment.practitioner
        link.delete()
        bulk_create_with_history([AssessmentEvidence(assessment=assessment, evidence=latest)], AssessmentEvidence,
                                 default_user=assessment.practitioner)
        moved += 1
    return moved
