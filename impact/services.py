"""Rules about the impact framework of an edition."""

from capability import services as capability_services
from capability.models import Framework
from impact.models import EvidenceExample, ImpactStatement


def content_fingerprint(framework: Framework) -> str:
    """A digest of everything an assessment on this edition depends on: its
    capability content and its impact statements and examples."""
    return capability_services.content_fingerprint(framework, more=[
        ImpactStatement.objects.filter(pillar__framework=framework).order_by("pillar__order", "order").values_list("text"),
        EvidenceExample.objects.filter(impact_statement__pillar__framework=framework)
        .order_by("impact_statement__pillar__order", "impact_statement__order", "order").values_list("text"),
    ])
