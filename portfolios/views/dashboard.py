from django.shortcuts import render

from accounts.models import Membership, Role
from portfolios.models import EvidenceItem
from portfolios.queries import assessment_list


def dashboard(request):
    """The signed-in home page: a practitioner's assessments and portfolio,
    and for everyone the roles they hold."""
    return render(request, "portfolios/dashboard.html", _dashboard_context(request))


def _dashboard_context(request) -> dict:
    memberships = list(Membership.objects.active().filter(user=request.user).select_related("organisation"))
    is_practitioner = any(m.role == Role.PRACTITIONER for m in memberships)
    context = {
        "memberships": memberships,
        "is_practitioner": is_practitioner,
        "is_appraiser": any(m.role == Role.APPRAISER for m in memberships),
        "admin_of": [m.organisation for m in memberships if m.role == Role.ORGANISATION_ADMIN],
    }
    if is_practitioner:
        context["assessments"] = assessment_list(request.user)
        context["evidence_count"] = EvidenceItem.objects.for_owner(request.user).count()
    return context
