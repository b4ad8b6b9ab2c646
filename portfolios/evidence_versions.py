"""Versions of an evidence item (docs/adr, issue 17): a submitted or signed
record keeps the version it was made with, and later changes go to a new
version, a copy for the live portfolio. Below both the assessment and the
evidence services, which each need it."""

from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from portfolios.models import (
    PRACTITIONER_EDITABLE,
    AssessmentEvidence,
    EvidenceAttachment,
    EvidenceCapabilityLink,
    EvidenceConfirmation,
    EvidenceImpactLink,
    EvidenceItem,
)

# The fields a version copies, compares and shows as its details.
DETAIL_FIELDS = (
    "title",
    "evidence_type",
    "framework_example",
    "activity_date",
    "description",
    "impact",
    "beneficiaries",
    "link",
    "confirmed_by_name",
    "confirmed_by_role",
    "confirmed_by_email",
    "confirmed_on",
)


def latest_version(evidence: EvidenceItem) -> EvidenceItem:
    """The live version of an item, from any of its versions; ValidationError
    if it has since been deleted from the live portfolio."""
    if evidence.is_current:
        return evidence
    latest = evidence
    while True:
        newer = EvidenceItem.objects.filter(previous_version=latest).first()
        if newer is None:
            break
        latest = newer
    if not latest.is_current:
        raise ValidationError("This evidence was deleted after you opened this page, so it could not be saved")
    return latest


def held_by_a_record(evidence: EvidenceItem) -> bool:
    """Whether a change to the item must make a new version: a submitted or
    signed assessment holds it, or someone has been asked to confirm (or has
    confirmed) this version."""
    return evidence.assessment_links.exclude(assessment__status__in=PRACTITIONER_EDITABLE).exists() or (
        evidence.confirmations.filter(status__in=["requested", "confirmed"]).exists()
    )


def new_version(old: EvidenceItem) -> tuple[EvidenceItem, dict[str, str]]:
    """Leave ``old`` as the record of the assessments submitted with it, and
    make the next version, a copy with its links and files (sharing the
    stored files), for the live portfolio. Drafts and returned assessments
    move to the new version. Returns it and the new id of each old file."""
    locked = EvidenceItem.objects.select_for_update().get(pk=old.pk)
    feedback_round_id = locked.feedback_round_id
    locked.is_current, locked.feedback_round = False, None
    locked._history_user = locked.owner
    locked.save(update_fields=["is_current", "feedback_round"])
    new = EvidenceItem(
        owner_id=locked.owner_id, previous_version=locked, version_number=locked.version_number + 1,
        number=locked.number,
        feedback_round_id=feedback_round_id, created_at=locked.created_at,
        **{name: getattr(locked, name) for name in DETAIL_FIELDS if name != "framework_example"},
        framework_example_id=locked.framework_example_id,
    )
    new._history_user = new.owner
    new.save()
    bulk_create_with_history(
        [EvidenceCapabilityLink(evidence=new, capability_id=link.capability_id, justification=link.justification,
                                owner_id=new.owner_id) for link in locked.capability_links.all()],
        EvidenceCapabilityLink, default_user=new.owner,
    )
    bulk_create_with_history(
        [EvidenceImpactLink(evidence=new, impact_statement_id=link.impact_statement_id,
                            justification=link.justification) for link in locked.impact_links.all()],
        EvidenceImpactLink, default_user=new.owner,
    )
    renamed = {}
    copies = []
    for attachment in locked.attachments.all():
        copy = EvidenceAttachment(evidence=new, file=attachment.file.name, original_name=attachment.original_name,
                                  content_type=attachment.content_type, size=attachment.size)
        renamed[str(attachment.pk)] = str(copy.pk)
        copies.append(copy)
    bulk_create_with_history(copies, EvidenceAttachment, default_user=new.owner)
    # Confirmations stay on the version confirmed; the live item is the new one.
    EvidenceConfirmation.objects.filter(current_evidence=locked).update(current_evidence=new)
    moving = list(locked.assessment_links.filter(assessment__status__in=PRACTITIONER_EDITABLE))
    for link in moving:
        link._history_user = new.owner
        link.delete()
    bulk_create_with_history(
        [AssessmentEvidence(assessment_id=link.assessment_id, evidence=new) for link in moving],
        AssessmentEvidence, default_user=new.owner,
    )
    return new, renamed
