from accounts.models import Membership, Role
from portfolios import page_cache
from portfolios.models import EvidenceItem
from portfolios.queries import assessment_list


def dashboard(request):
    """The signed-in home page: a practitioner's assessments and portfolio,
    and for everyone the roles they hold. It shows only the viewer's own
    roles and portfolio, so it is cached under their own revision (moved on
    by their portfolio's services and by any change to their
    organisations' memberships); not by a change to a reflection's text,
    which it does not show."""
    return page_cache.render_page(
        request, "portfolios/dashboard.html", {}, practitioner=request.user, name="dashboard",
        build=lambda: _dashboard_context(request), revision=page_cache.OVERVIEW,
    )


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
