"""Who may see or change what in portfolios: the one place that decides.

Every view and file download looks objects up through these functions.

Who sees a practitioner's portfolio (assessments and evidence):
- the practitioner;
- appraisers assigned to them, while the appraiser's role is active;
- organisation admins of an organisation the practitioner belongs to (for
  assessments: the organisation the assessment was started in).
Nobody else. Someone who may not see an object gets 404, never a hint that it
exists. Someone who may see it but not make a change gets 403.
"""

from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import AppraiserAssignment, FeedbackRelease, Membership, Role
from portfolios.models import Assessment, EvidenceAttachment, EvidenceItem


class Capacity(str, Enum):
    """The capacity in which someone looks at a portfolio."""

    PRACTITIONER = "practitioner"
    APPRAISER = "appraiser"
    ADMIN = "organisation_admin"


def _appraisee_ids(user):
    """The practitioners assigned to the user in organisations where the user
    is an active appraiser. (Nested subqueries rather than a join through
    the organisation: the same rows, and every page pays for building this
    query in Python.)"""
    appraiser_in = Membership.objects.filter(user=user, role=Role.APPRAISER, is_active=True).values("organisation_id")
    return AppraiserAssignment.objects.filter(appraiser=user, organisation_id__in=appraiser_in).values(
        "practitioner_id"
    )


def _admin_organisation_ids(user):
    return Membership.objects.active().filter(user=user, role=Role.ORGANISATION_ADMIN).values("organisation_id")


def visible_assessments(user, queryset: QuerySet[Assessment] | None = None) -> QuerySet[Assessment]:
    """The assessments the user may see, narrowed from queryset when given
    (so a page's select_related and the visibility rule make one query)."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(
        Q(practitioner=user)
        | Q(practitioner_id__in=_appraisee_ids(user))
        | Q(organisation_id__in=_admin_organisation_ids(user))
    )


def visible_evidence(user) -> QuerySet[EvidenceItem]:
    if not user.is_authenticated or not user.is_active:
        return EvidenceItem.objects.none()
    admin_member_ids = Membership.objects.filter(organisation_id__in=_admin_organisation_ids(user)).values("user_id")
    return EvidenceItem.objects.filter(
        Q(owner=user) | Q(owner_id__in=_appraisee_ids(user)) | Q(owner_id__in=admin_member_ids)
    )


def capacity(user, assessment: Assessment) -> Capacity | None:
    """The strongest capacity in which the user may act on this assessment."""
    if assessment.practitioner_id == user.pk:
        return Capacity.PRACTITIONER
    if AppraiserAssignment.objects.filter(practitioner_id=assessment.practitioner_id).filter(
        practitioner_id__in=_appraisee_ids(user)
    ).exists():
        return Capacity.APPRAISER
    if assessment.organisation_id and Membership.objects.active().filter(
        user=user, role=Role.ORGANISATION_ADMIN, organisation_id=assessment.organisation_id
    ).exists():
        return Capacity.ADMIN
    return None


def get_assessment(user, assessment_id, queryset: QuerySet[Assessment] | None = None, *,
                   find_own=None) -> Assessment:
    """The assessment if the user may see it, else 404. find_own(user, id),
    when given, is a page family's own way to look among the user's own
    assessments (returning None when it is not theirs), with what the
    queryset would select."""
    try:
        # Most assessments are opened by their own practitioner: that is
        # looked for first, by the cheapest query to build (the whole rule's
        # subqueries cost a tenth of a page). Anyone else's go through the
        # whole rule, at one query more.
        if user.is_authenticated and user.is_active:
            if find_own is not None:
                found = find_own(user, assessment_id)
            else:
                own = Assessment.objects.all() if queryset is None else queryset
                found = own.filter(pk=assessment_id, practitioner=user).first()
            if found is not None:
                return found
        return visible_assessments(user, queryset).get(pk=assessment_id)
    except (Assessment.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such assessment")


def get_assessment_to_change(user, assessment_id, queryset: QuerySet[Assessment] | None = None, *,
                             find_own=None) -> Assessment:
    """For the practitioner's own changes (ratings, reflections, evidence, submit)."""
    assessment = get_assessment(user, assessment_id, queryset, find_own=find_own)
    if assessment.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner can change their self-assessment")
    return assessment


def get_assessment_to_review(user, assessment_id, queryset: QuerySet[Assessment] | None = None) -> Assessment:
    """For the appraiser's changes (ratings, comments, summary, plan, return, sign-off)."""
    assessment = get_assessment(user, assessment_id, queryset)
    if capacity(user, assessment) != Capacity.APPRAISER:
        raise PermissionDenied("Only an appraiser assigned to this practitioner can review")
    return assessment


def get_evidence(user, evidence_id, queryset: QuerySet[EvidenceItem] | None = None) -> EvidenceItem:
    queryset = visible_evidence(user) if queryset is None else queryset.filter(
        pk__in=visible_evidence(user).values("pk")
    )
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


def require_practitioner(user) -> None:
    """Only people who hold the practitioner role keep a portfolio."""
    if not Membership.objects.active().filter(user=user, role=Role.PRACTITIONER).exists():
        raise PermissionDenied("Only practitioners keep a portfolio")


def get_feedback_round(user, round_id):
    """A 360° feedback round of an assessment the user may see: 404 otherwise."""
    from portfolios.feedback.models import FeedbackRound

    try:
        return FeedbackRound.objects.select_related(
            "assessment__practitioner", "assessment__organisation", "assessment__rating_scale"
        ).get(pk=round_id, assessment__in=visible_assessments(user))
    except (FeedbackRound.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such feedback round")


def get_feedback_round_to_manage(user, round_id):
    """For the practitioner running the round (raters, self-rating, send, close)."""
    feedback_round = get_feedback_round(user, round_id)
    if feedback_round.assessment.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner can run their feedback round")
    return feedback_round


def get_feedback_round_to_release(user, round_id):
    """For an assigned appraiser releasing the report to the practitioner."""
    feedback_round = get_feedback_round(user, round_id)
    if capacity(user, feedback_round.assessment) != Capacity.APPRAISER:
        raise PermissionDenied("Only an appraiser assigned to this practitioner can release the report")
    return feedback_round


def feedback_report_visible(feedback_round, who: Capacity | None, today=None) -> bool:
    """Whether someone in this capacity may read the round's report now. The
    appraiser may once the round has closed; the practitioner (and the
    organisation's admins, who see what the portfolio report shows) once it
    has closed and, where the organisation asks for it, the appraiser has
    released it."""
    if who is None or not feedback_round.is_closed(today):
        return False
    if who == Capacity.APPRAISER:
        return True
    organisation = feedback_round.assessment.organisation
    if organisation is not None and organisation.feedback_release == FeedbackRelease.BY_APPRAISER:
        return feedback_round.released_at is not None
    return True
