"""The impact framework's page: each pillar's impact statements with their
examples of evidence. Any signed-in user may read any edition's."""

from django.db.models import Prefetch
from django.shortcuts import render

from capability.selectors import framework_for_pages
from impact.models import ImpactStatement


def statements(request, framework_slug: str | None = None):
    framework = framework_for_pages(framework_slug, request.user)
    pillars = framework.pillars.order_by("order").prefetch_related(
        Prefetch("impact_statements", queryset=ImpactStatement.objects.order_by("order").with_examples())
    )
    return render(request, "impact/statements.html", {"framework": framework, "pillars": pillars})
