"""The organisation admin area: the organisation's dashboard, its members,
their roles and appraisers, and invitations.

Every view gets its organisation through
organisations.access.get_organisation_for_admin, so only the
organisation's active admins get in: strangers get 404 and the
organisation's other members 403. Pages read through the query builders
below, whose counts stay fixed whatever the number of people."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from capability.models import Framework
from capability.selectors import editions_for
from accounts.models import (
    AppraiserAssignment,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
)
from core import merge
from organisations import services as org_services
from organisations.access import (
    admin_organisations,
    get_member,
    get_organisation_for_admin,
)
from organisations.forms import (
    AssignAppraisersForm,
    DashboardFilterForm,
    FrameworksForm,
    InviteForm,
    MemberFilterForm,
    RolesForm,
)
from organisations.selectors import (
    assessment_counts_by_framework,
    capability_profile,
    filter_practitioners,
    practitioner_counts,
    practitioner_queryset,
    practitioner_row,
    profile_charts,
)

PAGE_SIZE = 25
# The dashboard's table is longer than the members list: admins scan it for
# statuses, and the counts above it cover every page.
DASHBOARD_PAGE_SIZE = 50


def _breadcrumbs(organisation: Organisation, *extra) -> list[tuple[str, str]]:
    dashboard_url = reverse("organisations:dashboard", kwargs={"organisation_id": organisation.pk})
    return [(organisation.name, dashboard_url), *extra]


def _members_crumb(organisation: Organisation) -> tuple[str, str]:
    return ("Members", reverse("organisations:members", kwargs={"organisation_id": organisation.pk}))


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(NON_FIELD_ERRORS, error)


# Index ------------------------------------------------------------------------


@require_safe
def index(request):
    """The organisations the user runs; straight to the dashboard when one."""
    organisations = list(admin_organisations(request.user).order_by("name"))
    if not organisations:
        raise PermissionDenied("Only organisation admins can use these pages")
    if len(organisations) == 1:
        return redirect("organisations:dashboard", organisation_id=organisations[0].pk)
    return render(request, "organisations/index.html", {"organisations": organisations})


# Members list -----------------------------------------------------------------


@dataclass
class MemberRow:
    user: User
    roles: list[str]
    former_roles: list[str]
    is_active: bool


def member_queryset(organisation: Organisation) -> QuerySet[User]:
    """Everyone who holds or has held a role in the organisation, with
    whether they are active and their memberships there (one query more)."""
    in_organisation = Membership.objects.filter(organisation=organisation, user=OuterRef("pk"))
    return (
        User.objects.filter(Exists(in_organisation))
        .annotate(has_active_role=Exists(in_organisation.filter(is_active=True)))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(organisation=organisation),
                to_attr="organisation_memberships",
            )
        )
    )


def _member_row(user: User) -> MemberRow:
    memberships = user.organisation_memberships
    labels = dict(Role.choices)
    active = org_services.sorted_roles(m.role for m in memberships if m.is_active)
    former = org_services.sorted_roles(m.role for m in memberships if not m.is_active)
    return MemberRow(
        user=user,
        roles=[labels[role] for role in active],
        former_roles=[labels[role] for role in former],
        is_active=bool(active) and user.is_active,
    )


def _filter_members(queryset: QuerySet[User], organisation: Organisation, form: MemberFilterForm) -> QuerySet[User]:
    data = form.cleaned_data
    for word in (data.get("q") or "").split():
        queryset = queryset.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    if data.get("role"):
        queryset = queryset.filter(
            Exists(Membership.objects.filter(
                organisation=organisation, user=OuterRef("pk"), role=data["role"], is_active=True
            ))
        )
    if data.get("status") == "active":
        queryset = queryset.filter(has_active_role=True, is_active=True)
    elif data.get("status") == "deactivated":
        queryset = queryset.filter(Q(has_active_role=False) | Q(is_active=False))
    return queryset


@require_safe
def members(request, organisation_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    filter_data = request.GET if any(key != "page" for key in request.GET) else None
    form = MemberFilterForm(filter_data)
    form.helper.legend_size = "s"
    queryset = member_queryset(organisation).order_by("full_name", "email", "pk")
    filtered = False
    if form.is_bound:
        form.is_valid()  # invalid filters are reported and left out
        queryset = _filter_members(queryset, organisation, form)
        filtered = any(form.cleaned_data.get(name) for name in form.fields)
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    invitations = list(
        Invitation.objects.pending()
        .filter(organisation=organisation)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "rows": [_member_row(user) for user in page.object_list],
            "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
            "ellipsis": paginator.ELLIPSIS,
            "filtered": filtered,
            "invitations": invitations,
            "breadcrumbs": _breadcrumbs(organisation),
        },
    )


# One member -------------------------------------------------------------------


def _member_context(
    request, organisation: Organisation, member: User, *, roles_form=None, appraisers_form=None
) -> dict:
    memberships = {m.role: m for m in Membership.objects.filter(organisation=organisation, user=member)}
    active_roles = org_services.sorted_roles(role for role, m in memberships.items() if m.is_active)
    is_active = bool(active_roles) and member.is_active
    is_practitioner = Role.PRACTITIONER in active_roles and member.is_active
    is_self = member.pk == request.user.pk
    labels = dict(Role.choices)
    context = {
        "organisation": organisation,
        "member": member,
        "is_active": is_active,
        "is_self": is_self,
        "roles": [labels[role] for role in active_roles],
        "is_practitioner": is_practitioner,
        "breadcrumbs": _breadcrumbs(organisation, _members_crumb(organisation)),
    }
    if active_roles:
        context["roles_form"] = roles_form if roles_form is not None else RolesForm(initial={"roles": active_roles})
        # What the form showed, so that two admins' changes to different
        # roles both stand (core.merge); a failed save keeps the original.
        context["roles_shown"] = request.POST.get("shown") or merge.fingerprint(
            org_services.roles_state(active_roles))
    else:
        # Deactivated: offer their roles back, the ones they held ticked.
        context["reactivate_form"] = roles_form if roles_form is not None else RolesForm(
            initial={"roles": org_services.sorted_roles(memberships)},
            submit_label="Reactivate",
            legend="Roles to give back",
        )
    if is_practitioner:
        active_appraiser_ids = set(
            Membership.objects.active()
            .filter(organisation=organisation, role=Role.APPRAISER)
            .values_list("user_id", flat=True)
        )
        assignments = list(
            AppraiserAssignment.objects.filter(organisation=organisation, practitioner=member)
            .select_related("appraiser")
            .order_by("appraiser__full_name", "appraiser__email")
        )
        for assignment in assignments:
            assignment.appraiser_is_active = assignment.appraiser_id in active_appraiser_ids
        assigned = {assignment.appraiser_id for assignment in assignments}
        candidates = (
            User.objects.filter(pk__in=active_appraiser_ids - assigned - {member.pk}).order_by("full_name", "email")
        )
        context["assignments"] = assignments
        context["appraisers_form"] = (
            appraisers_form if appraisers_form is not None else AssignAppraisersForm(appraisers=candidates)
        )
    error_forms = [form for form in (roles_form, appraisers_form) if form is not None and form.errors]
    context["error_form"] = error_forms[0] if error_forms else None
    context["has_errors"] = bool(error_forms)
    return context


def _member_page(request, organisation, member, **forms):
    return render(request, "organisations/member.html", _member_context(request, organisation, member, **forms))


def _member_redirect(organisation, member):
    return redirect("organisations:member", organisation_id=organisation.pk, user_id=member.pk)


def _name(user: User) -> str:
    return user.full_name or user.email


@require_safe
def member(request, organisation_id, user_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    return _member_page(request, organisation, person)


@require_POST
def member_roles(request, organisation_id, user_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            org_services.set_member_roles(
                organisation=organisation, member=person, roles=form.cleaned_data["roles"], changed_by=request.user,
                shown=merge.parse_fingerprint(request.POST.get("shown")),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"Roles saved for {_name(person)}")
            return _member_redirect(organisation, person)
    return _member_page(request, organisation, person, roles_form=form)


@require_POST
def member_reactivate(request, organisation_id, user_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    form = RolesForm(request.POST, submit_label="Reactivate", legend="Roles to give back")
    if form.is_valid():
        try:
            org_services.reactivate_member(
                organisation=organisation, member=person, roles=form.cleaned_data["roles"],
                reactivated_by=request.user,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"{_name(person)} has been reactivated")
            return _member_redirect(organisation, person)
    context = _member_context(request, organisation, person)
    if "reactivate_form" in context:
        context["reactivate_form"] = form
        context["error_form"] = form
    else:
        # Already active again, say from another tab: say so above the page.
        context["page_errors"] = [message for field_errors in form.errors.values() for message in field_errors]
    context["has_errors"] = True
    return render(request, "organisations/member.html", context)


@require_http_methods(["GET", "POST"])
def member_deactivate(request, organisation_id, user_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    errors = []
    if person.pk == request.user.pk:
        errors.append("You cannot deactivate yourself. Ask another organisation admin to do it")
    elif request.method == "POST":
        try:
            org_services.deactivate_member(organisation=organisation, member=person, deactivated_by=request.user)
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            messages.success(request, f"{_name(person)} has been deactivated")
            return _member_redirect(organisation, person)
    return render(
        request,
        "organisations/member_deactivate.html",
        {
            "organisation": organisation,
            "member": person,
            "page_errors": errors,
            "has_errors": bool(errors),
            "breadcrumbs": _breadcrumbs(organisation, _members_crumb(organisation)),
        },
    )


@require_POST
def member_appraisers(request, organisation_id, user_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    context = _member_context(request, organisation, person)
    if "appraisers_form" not in context:
        context["page_errors"] = [f"{_name(person)} is not an active practitioner, so cannot have appraisers"]
        context["has_errors"] = True
        return render(request, "organisations/member.html", context)
    form = AssignAppraisersForm(request.POST, appraisers=context["appraisers_form"].appraisers.values())
    if form.is_valid():
        try:
            org_services.assign_appraisers(organisation=organisation, practitioner=person, appraisers=form.chosen())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            chosen = form.chosen()
            names = ", ".join(_name(user) for user in chosen)
            messages.success(request, f"{names} {'is' if len(chosen) == 1 else 'are'} now appraising {_name(person)}")
            return _member_redirect(organisation, person)
    return _member_page(request, organisation, person, appraisers_form=form)


@require_POST
def member_appraiser_remove(request, organisation_id, user_id, appraiser_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    person = get_member(organisation, user_id)
    assignment = (
        AppraiserAssignment.objects.filter(organisation=organisation, practitioner=person, appraiser_id=appraiser_id)
        .select_related("appraiser")
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment")
    org_services.unassign_appraiser(organisation=organisation, practitioner=person, appraiser=assignment.appraiser)
    messages.success(request, f"{_name(assignment.appraiser)} is no longer appraising {_name(person)}")
    return _member_redirect(organisation, person)


# Invitations ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request, organisation_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = org_services.invite_member(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("invitations:accept", kwargs={"token": token})
                ),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except OSError:
            form.add_error(NON_FIELD_ERRORS, "The invitation could not be sent. Try again later.")
        else:
            expires = date_format(timezone.localtime(invitation.expires_at), "j F Y")
            messages.success(request, f"Invitation sent to {invitation.email}. The link works once, until {expires}.")
            return redirect("organisations:members", organisation_id=organisation.pk)
    return render(
        request,
        "organisations/invite.html",
        {
            "organisation": organisation,
            "form": form,
            "valid_days": org_services.invitation_valid_days(),
            "breadcrumbs": _breadcrumbs(organisation, _members_crumb(organisation)),
        },
    )


# Dashboard --------------------------------------------------------------------


@require_safe
def dashboard(request, organisation_id):
    organisation = get_organisation_for_admin(request.user, organisation_id)
    filter_data = request.GET if any(key != "page" for key in request.GET) else None
    return render(request, "organisations/dashboard.html",
                  {"organisation": organisation, **_dashboard_context(organisation, filter_data, request.GET.get("page"))})


def _dashboard_context(organisation: Organisation, filter_data, page_number) -> dict:
    today = timezone.localdate()
    appraisers = list(
        User.objects.filter(
            pk__in=Membership.objects.active()
            .filter(organisation=organisation, role=Role.APPRAISER)
            .values("user_id")
        ).order_by("full_name", "email")
    )
    form = DashboardFilterForm(filter_data, appraisers=appraisers)
    queryset = practitioner_queryset(organisation)
    filtered = False
    if form.is_bound:
        form.is_valid()  # invalid filters are reported and left out
        queryset = filter_practitioners(queryset, organisation, form, today)
        filtered = any(form.cleaned_data.get(name) for name in form.fields)
    counts = practitioner_counts(queryset, today)
    paginator = Paginator(queryset, DASHBOARD_PAGE_SIZE)
    paginator.count = counts.total  # counted already: no second COUNT over the same subqueries
    page = paginator.get_page(page_number)
    profile_framework = next(iter(editions_for(organisation)), None)
    levels, pillars = capability_profile(queryset, profile_framework)
    return {
        "profile_framework": profile_framework,
        "form": form,
        "filtered": filtered,
        "page": page,
        "rows": [practitioner_row(user, today) for user in page.object_list],
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "ellipsis": paginator.ELLIPSIS,
        "today": today,
        "total": counts.total,
        "status_counts": counts.by_status,
        "overdue_count": counts.overdue,
        "profiled_count": counts.profiled,
        "levels": levels,
        "pillars": pillars,
        "charts": profile_charts(levels, pillars) if pillars else None,
    }


@require_http_methods(["GET", "POST"])
def frameworks(request, organisation_id):
    """Which editions the organisation's new assessments start on."""
    organisation = get_organisation_for_admin(request.user, organisation_id)
    editions = list(Framework.objects.order_by("name", "-year"))
    in_use = editions_for(organisation)
    form = FrameworksForm(request.POST if request.method == "POST" else None, editions=editions,
                          initial={"frameworks": [framework.slug for framework in in_use]})
    if request.method == "POST" and form.is_valid():
        try:
            chosen = org_services.set_frameworks(
                organisation=organisation, frameworks=form.chosen(), changed_by=request.user,
                shown=merge.parse_fingerprint(request.POST.get("shown")),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            names = ", ".join(framework.display_name for framework in chosen)
            messages.success(request, f"New assessments in {organisation.name} will use: {names}")
            return redirect("organisations:frameworks", organisation_id=organisation.pk)
    return render(request, "organisations/frameworks.html", {
        "organisation": organisation,
        "form": form,
        "in_use": in_use,
        "has_chosen": organisation.framework_choices.exists(),
        "shown": request.POST.get("shown") or merge.fingerprint(org_services.frameworks_state(in_use)),
        "assessments_by_framework": assessment_counts_by_framework(organisation),
        "breadcrumbs": _breadcrumbs(organisation),
    })
