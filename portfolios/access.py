"""Who may see or change what in portfolios: the one place that decides.

Every view and file download looks objects up through these functions.

Who sees a practitioner's portfolio (assessments and evidence):
- the practitioner;
- appraisers assigned to them, while both are active members of the
  assignment's organisation (for assessments: those made there);
- organisation admins of an organisation the practitioner is an active
  practitioner in (for assessments: the organisation it was made in).
Nobody else. Someone who may not see an object gets 404, never a hint that it
exists. Someone who may see it but not make a change gets 403.

Who changes a portfolio: only its practitioner, and only while they are an
active practitioner of the organisation the assessment was made in (for
evidence, of any organisation). After that they may still read it; a change
is refused with MembershipEnded, whose page says why and whom to ask.
"""

from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import AppraiserAssignment, Membership, Role
from portfolios.models import Assessment, EvidenceAttachment, EvidenceItem


class MembershipEnded(PermissionDenied):
    """A practitioner whose membership has ended tried to change their
    portfolio. config.views renders error_template for it, naming the
    organisations whose admins can restore their access."""

    error_template = "errors/membership_ended.html"

    def __init__(self, user, organisation_ids=None):
        super().__init__("Your membership has ended, so you cannot change your portfolio")
        memberships = Membership.objects.filter(user=user, role=Role.PRACTITIONER)
        if organisation_ids is not None:
            memberships = memberships.filter(organisation_id__in=organisation_ids)
        self.context = {"organisations": [m.organisation for m in memberships.select_related("organisation")]}


def _active_practitioner(user_ref, organisation_ref=None):
    """An Exists() of the person's active practitioner membership (there, when
    organisation_ref is given), to annotate the row being changed so that the
    check costs no query of its own."""
    memberships = Membership.objects.active().filter(user_id=user_ref, role=Role.PRACTITIONER)
    if organisation_ref is not None:
        memberships = memberships.filter(organisation_id=organisation_ref)
    return Exists(memberships)


class Capacity(str, Enum):
    """The capacity in which someone looks at a portfolio."""

    PRACTITIONER = "practitioner"
    APPRAISER = "appraiser"
    ADMIN = "organisation_admin"


def appraiser_assignments(user) -> QuerySet[AppraiserAssignment]:
    """The user's live appraiser assignments: in an organisation where the
    user is an active appraiser, of a practitioner who is still an active
    practitioner there. An assignment outlives neither membership: once
    either person leaves the organisation, it gives no access."""
    appraiser_in = Membership.objects.active().filter(user=user, role=Role.APPRAISER).values("organisation_id")
    practitioner_there = Membership.objects.active().filter(
        user_id=OuterRef("practitioner_id"), organisation_id=OuterRef("organisation_id"), role=Role.PRACTITIONER
    )
    return AppraiserAssignment.objects.filter(
        appraiser=user, organisation_id__in=appraiser_in
    ).filter(Exists(practitioner_there))


def _appraisee_ids(user):
    return appraiser_assignments(user).values("practitioner_id")


def _admin_organisation_ids(user):
    return Membership.objects.active().filter(user=user, role=Role.ORGANISATION_ADMIN).values("organisation_id")


def visible_assessments(user, queryset: QuerySet[Assessment] | None = None) -> QuerySet[Assessment]:
    """The assessments the user may see, narrowed from queryset when given
    (so a page's select_related and the visibility rule make one query). An
    appraiser sees the assessments of their live assignments made in the
    assignment's organisation; an admin those made in their organisation."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    appraised_here = appraiser_assignments(user).filter(
        practitioner_id=OuterRef("practitioner_id"), organisation_id=OuterRef("organisation_id")
    )
    return queryset.filter(
        Q(practitioner=user)
        | Exists(appraised_here)
        | Q(organisation_id__in=_admin_organisation_ids(user))
    )


def visible_evidence(user) -> QuerySet[EvidenceItem]:
    """The same rule as assessments, for a portfolio's evidence: the owner;
    their appraisers while the assignment is live; the admins of an
    organisation the owner is still an active practitioner in."""
    if not user.is_authenticated or not user.is_active:
        return EvidenceItem.objects.none()
    admin_practitioner_ids = Membership.objects.active().filter(
        organisation_id__in=_admin_organisation_ids(user), role=Role.PRACTITIONER
    ).values("user_id")
    return EvidenceItem.objects.filter(
        Q(owner=user) | Q(owner_id__in=_appraisee_ids(user)) | Q(owner_id__in=admin_practitioner_ids)
    )


def own_evidence(user) -> QuerySet[EvidenceItem]:
    """The user's own live portfolio of evidence (latest versions): the part
    of visible_evidence that needs no rule beyond being its owner."""
    if not user.is_authenticated or not user.is_active:
        return EvidenceItem.objects.none()
    return EvidenceItem.objects.for_owner(user)


def reviewers(assessment: Assessment):
    """Who may review this assessment now, and so is told when it is
    submitted: the practitioner's appraisers with a live assignment in the
    organisation the assessment was made in."""
    from accounts.models import User

    assignments = AppraiserAssignment.objects.filter(
        practitioner_id=assessment.practitioner_id, organisation_id=assessment.organisation_id
    ).filter(Exists(Membership.objects.active().filter(
        user_id=OuterRef("appraiser_id"), organisation_id=OuterRef("organisation_id"), role=Role.APPRAISER
    )))
    return User.objects.filter(is_active=True, pk__in=assignments.values("appraiser_id"))


def capacity(user, assessment: Assessment) -> Capacity | None:
    """The strongest capacity in which the user may act on this assessment:
    the rule of visible_assessments, for one assessment already loaded (no
    capacity: they may not see it). Kept on the assessment for the rest of
    the request, as pages ask it again."""
    known = getattr(assessment, "_capacity_of", None)
    if known is not None and known[0] == user.pk:
        return known[1]
    found = None
    if not user.is_authenticated or not user.is_active:
        found = None
    elif assessment.practitioner_id == user.pk:
        found = Capacity.PRACTITIONER
    elif assessment.organisation_id and appraiser_assignments(user).filter(
        practitioner_id=assessment.practitioner_id, organisation_id=assessment.organisation_id
    ).exists():
        found = Capacity.APPRAISER
    elif assessment.organisation_id and Membership.objects.active().filter(
        user=user, role=Role.ORGANISATION_ADMIN, organisation_id=assessment.organisation_id
    ).exists():
        found = Capacity.ADMIN
    assessment._capacity_of = (user.pk, found)
    return found


def get_assessment(user, assessment_id, queryset: QuerySet[Assessment] | None = None) -> Assessment:
    """The assessment if the user may see it, else 404. Looked up by its id
    alone, then checked: most assessments are opened by their own
    practitioner, for whom that is one plain query."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    try:
        assessment = queryset.get(pk=assessment_id)
    except (Assessment.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such assessment")
    if capacity(user, assessment) is None:
        raise Http404("No such assessment")
    return assessment


def get_assessment_to_change(user, assessment_id, queryset: QuerySet[Assessment] | None = None) -> Assessment:
    """For the practitioner's own changes (ratings, reflections, evidence,
    submit, 360° rounds), while they are still an active practitioner of the
    organisation the assessment was made in."""
    assessment = get_assessment(user, assessment_id, with_membership_state(queryset))
    if assessment.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner can change their self-assessment")
    require_membership_for_change(user, assessment)
    return assessment


def with_membership_state(queryset: QuerySet[Assessment] | None = None) -> QuerySet[Assessment]:
    """The assessments, each knowing whether its practitioner is still an
    active practitioner of its organisation (for require_membership_for_change,
    at no query of its own)."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    return queryset.annotate(
        _practitioner_active=_active_practitioner(OuterRef("practitioner_id"), OuterRef("organisation_id"))
    )


def require_membership_for_change(user, assessment: Assessment) -> None:
    """Refuse a change to the assessment once its practitioner is no longer
    an active practitioner of its organisation."""
    active = getattr(assessment, "_practitioner_active", None)
    if active is None:
        memberships = Membership.objects.active().filter(user=user, role=Role.PRACTITIONER)
        if assessment.organisation_id:
            memberships = memberships.filter(organisation_id=assessment.organisation_id)
        active = memberships.exists()
    if not active:
        raise MembershipEnded(user, [assessment.organisation_id] if assessment.organisation_id else None)


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
    """For the owner's changes, while they are an active practitioner somewhere."""
    queryset = EvidenceItem.objects.all() if queryset is None else queryset
    evidence = get_evidence(
        user, evidence_id, queryset.annotate(_owner_active=_active_practitioner(OuterRef("owner_id")))
    )
    if evidence.owner_id != user.pk:
        raise PermissionDenied("Only the owner can change their evidence")
    if not evidence._owner_active:
        raise MembershipEnded(user)
    return evidence


def get_attachment(user, evidence_id, attachment_id) -> EvidenceAttachment:
    evidence = get_evidence(user, evidence_id)
    try:
        return evidence.attachments.get(pk=attachment_id)
    except (EvidenceAttachment.DoesNotExist, ValueError):
        raise Http404("No such file")


def require_practitioner(user) -> None:
    """Only people who hold the practitioner role keep a portfolio. Someone
    whose practitioner membership has ended is told so, not just refused."""
    if not Membership.objects.active().filter(user=user, role=Role.PRACTITIONER).exists():
        if Membership.objects.filter(user=user, role=Role.PRACTITIONER).exists():
            raise MembershipEnded(user)
        raise PermissionDenied("Only practitioners keep a portfolio")
