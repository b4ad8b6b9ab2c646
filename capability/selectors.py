"""Reads of framework content shared by the apps that show it."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from capability.models import Framework


def framework_for_pages(framework_slug: str | None) -> Framework:
    """The edition named in the address, or the current one; 404 if none."""
    if framework_slug:
        return get_object_or_404(Framework, slug=framework_slug)
    framework = Framework.objects.current().first()
    if framework is None:
        raise Http404("No framework has been loaded")
    return framework


