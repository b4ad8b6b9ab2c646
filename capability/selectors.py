"""Reads of framework content shared by the apps that show it."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from capability.models import Framework, OrganisationFramework


def framework_for_pages(framework_slug: str | None, user=None) -> Framework:
    """The edition named in the address; else the one the user's
    organisation chose (their oldest active membership's), else the current
    one; 404 if none."""
    if framework_slug:
        return get_object_or_404(Framework, slug=framework_slug)
    framework = None
    if user is not None and user.is_authenticated:
        choice = (
            OrganisationFramework.objects.filter(
                organisation__memberships__user=user, organisation__memberships__is_active=True
            ).select_related("framework").order_by("organisation__memberships__created_at", "framework__name").first()
        )
        framework = choice.framework if choice else None
    framework = framework or Framework.objects.current().first()
    if framework is None:
        raise Http404("No framework has been loaded")
    return framework




def chosen_editions(organisation_ids) -> dict:
    """Organisation id → the editions it chose (OrganisationFramework), by
    name; organisations that chose none are left out. One query."""
    chosen = {}
    for choice in OrganisationFramework.objects.filter(organisation_id__in=list(organisation_ids)).select_related(
        "framework"
    ):
        chosen.setdefault(choice.organisation_id, []).append(choice.framework)
    return chosen


def editions_for(organisation) -> list[Framework]:
    """The editions the organisation's practitioners start new assessments
    on: the ones its admins chose, else the current edition (none if no
    framework is loaded). One query."""
    chosen = OrganisationFramework.objects.filter(organisation=organisation)
    return list(
        Framework.objects.filter(
            Q(Exists(chosen.filter(framework=OuterRef("pk")))) | Q(is_current=True) & ~Q(Exists(chosen))
        ).order_by("name", "-year")
    )
