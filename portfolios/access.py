"""Who may see or change what in portfolios: the one place that decides.

Every view and file download looks objects up through these functions. A
person who may not see an object gets 404, never a hint that it exists; a
person who may see it but not change it gets 403 (PermissionDenied).

Today only the practitioner who owns a portfolio can see it. Appraisers and
organisation admins are added here, and only here, when review arrives.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portfolios.models import Assessment, EvidenceAttachment, EvidenceItem


def visible_assessments(user) -> QuerySet[Assessment]:
    if not user.is_authenticated:
        return Assessment.objects.none()
    return Assessment.objects.filter(practitioner=user)


def visible_evidence(user) -> QuerySet[EvidenceItem]:
    if not user.is_authenticated:
        return EvidenceItem.objects.none()
    return EvidenceItem.objects.filter(owner=user)


def get_assessment(user, assessment_id, queryset: QuerySet[Assessment] | None = None) -> Assessment:
    queryset = visible_assessments(user) if queryset is None else queryset & visible_assessments(user)
    try:
        return queryset.get(pk=assessment_id)
    except (Assessment.DoesNotExist, ValueError):
        raise Http404("No such assessment")


def get_assessment_to_change(user, assessment_id, queryset: QuerySet[Assessment] | None = None) -> Assessment:
    assessment = get_assessment(user, assessment_id, queryset)
    if assessment.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner can change their assessment")
    return assessment


def get_evidence(user, evidence_id, queryset: QuerySet[EvidenceItem] | None = None) -> EvidenceItem:
    queryset = visible_evidence(user) if queryset is None else queryset & visible_evidence(user)
    try:
        return queryset.get(pk=evidence_id)
    except (EvidenceItem.DoesNotExist, ValueError):
        raise Http404("No such evidence")


def get_evidence_to_change(user, evidence_id, queryset: QuerySet[EvidenceItem] | None = None) -> EvidenceItem:
    evidence = get_evidence(user, evidence_id, queryset)
    if evidence.owner_id != user.pk:
        raise PermissionDenied("Only the owner can change their evidence")
    return evidence


def get_attachment(user, evidence_id, attachment_id) -> EvidenceAttachment:
    evidence = get_evidence(user, evidence_id)
    try:
        return evidence.attachments.get(pk=attachment_id)
    except (EvidenceAttachment.DoesNotExist, ValueError):
        raise Http404("No such file")
