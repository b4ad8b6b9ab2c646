from django.db.models import Count
from django.shortcuts import render

from accounts.models import Invitation, Membership, Role
from portfolios.models import EvidenceItem
from portfolios.queries import appraisers_of, assessment_list, waiting_for_review_count, waiting_on_practitioner


def dashboard(request):
    """The signed-in home page: for each role the person holds, what needs
    doing first, then the way to the rest."""
    return render(request, "portfolios/dashboard.html", _dashboard_context(request))


def _dashboard_context(request) -> dict:
    memberships = list(Membership.objects.active().filter(user=request.user).select_related("organisation"))
    roles = {m.role for m in memberships}
    context = {
        "memberships": memberships,
        "is_practitioner": Role.PRACTITIONER in roles,
        "is_appraiser": Role.APPRAISER in roles,
        "admin_of": [m.organisation for m in memberships if m.role == Role.ORGANISATION_ADMIN],
    }
    if Role.PRACTITIONER in roles:
        context["assessments"] = assessment_list(request.user)
        context["waiting_on_you"] = waiting_on_practitioner(context["assessments"])
        context["evidence_count"] = EvidenceItem.objects.for_owner(request.user).count()
        context["appraisers"] = appraisers_of(request.user)
        # Profession and career stage decide what is expected now: asked
        # for first, before anything else on a new person's home page.
        context["details_missing"] = not (request.user.profession and request.user.career_stage)
    if Role.APPRAISER in roles:
        context["waiting_for_review"] = waiting_for_review_count(request.user)
    if context["admin_of"]:
        pending = dict(
            Invitation.objects.pending().filter(organisation__in=context["admin_of"]).order_by()
            .values_list("organisation_id").annotate(n=Count("id"))
        )
        context["admin_rows"] = [(organisation, pending.get(organisation.pk, 0)) for organisation in context["admin_of"]]
        context["invitations_waiting"] = [(organisation, n) for organisation, n in context["admin_rows"] if n]
    return context
