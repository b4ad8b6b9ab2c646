"""Browsing the framework. Any signed-in user may read any framework."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from capability.models import Capability, Framework, Pillar
from capability.selectors import framework_for_pages


def _pillars(framework: Framework):
    """Pillars of a framework with their capabilities, in two queries."""
    return framework.pillars.order_by("order").prefetch_related(
        Prefetch("capabilities", queryset=Capability.objects.order_by("number"))
    )


def edition_list(request):
    return render(request, "capability/edition_list.html", {"frameworks": Framework.objects.all()})


def overview(request, framework_slug: str | None = None):
    framework = framework_for_pages(framework_slug, request.user)
    pillars = list(_pillars(framework))
    return render(
        request,
        "capability/overview.html",
        {
            "framework": framework,
            "pillars": [p for p in pillars if not p.is_foundation],
            "foundations": [p for p in pillars if p.is_foundation],
            "other_editions": Framework.objects.exclude(pk=framework.pk).exists(),
            # An edition without an impact framework (the impact app's
            # statements) links to none.
            "has_impact": Pillar.objects.filter(framework=framework, impact_statements__isnull=False).exists(),
        },
    )


def pillar_detail(request, pillar_slug: str, framework_slug: str | None = None):
    framework = framework_for_pages(framework_slug, request.user)
    pillar = get_object_or_404(framework.pillars, slug=pillar_slug)
    capabilities = pillar.capabilities.order_by("number").with_elements()
    # The impact framework (the impact app) hangs off the pillar: read through
    # the relation, so that capability need not import the app above it.
    statements = pillar.impact_statements.order_by("order").with_examples()
    siblings = list(framework.pillars.order_by("order"))
    index = next(i for i, p in enumerate(siblings) if p.pk == pillar.pk)
    return render(
        request,
        "capability/pillar_detail.html",
        {
            "framework": framework,
            "pillar": pillar,
            "capabilities": capabilities,
            "impact_statements": statements,
            "previous_pillar": siblings[index - 1] if index > 0 else None,
            "next_pillar": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )


def capability_detail(request, number: int, framework_slug: str | None = None):
    framework = framework_for_pages(framework_slug, request.user)
    capability = get_object_or_404(
        Capability.objects.filter(framework=framework).select_related("pillar").with_elements(), number=number
    )
    numbers = list(framework.capabilities.order_by("number").values_list("number", flat=True))
    index = numbers.index(capability.number)
    return render(
        request,
        "capability/capability_detail.html",
        {
            "framework": framework,
            "capability": capability,
            "pillar": capability.pillar,
            "previous_number": numbers[index - 1] if index > 0 else None,
            "next_number": numbers[index + 1] if index + 1 < len(numbers) else None,
        },
    )
