"""Who may use an organisation's admin pages. Deny by default: every view of
the organisation admin area gets its organisation through
get_organisation_for_admin, and nothing else."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Membership, Organisation, Role, User


def admin_organisations(user) -> QuerySet[Organisation]:
    """The organisations in which the user is an active organisation admin."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=Membership.objects.active().filter(user=user, role=Role.ORGANISATION_ADMIN).values("organisation_id")
    )


def get_organisation_for_admin(user, organisation_id) -> Organisation:
    """The organisation, if the user is an active admin of it, in one query.

    Anyone else gets 404, so the page does not reveal that the organisation
    exists, except its own active practitioners and appraisers, who know it
    exists and get 403."""
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such organisation")
    try:
        memberships = list(
            Membership.objects.active()
            .filter(user=user, organisation_id=organisation_id)
            .select_related("organisation")
        )
    except (ValueError, TypeError, ValidationError):
        raise Http404("No such organisation")
    if not memberships:
        raise Http404("No such organisation")
    for membership in memberships:
        if membership.role == Role.ORGANISATION_ADMIN:
            return membership.organisation
    raise PermissionDenied("Only the organisation's admins can use these pages")


def get_member(organisation: Organisation, user_id) -> User:
    """A person who holds or has held a role in the organisation, active or
    not; 404 for anyone else, including members of other organisations."""
    try:
        return User.objects.filter(memberships__organisation=organisation).distinct().get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such member")
