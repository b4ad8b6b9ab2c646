"""The impact framework: per pillar, statements of impact, each with the
examples of evidence the framework lists under it."""

from django.db import models

from capability.models import Pillar


class ImpactStatementQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, pillar_slug, order):
        return self.get(pillar__framework__slug=framework_slug, pillar__slug=pillar_slug, order=order)

    def with_examples(self):
        return self.prefetch_related(
            models.Prefetch("examples", queryset=EvidenceExample.objects.order_by("order"))
        )


class ImpactStatement(models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="impact_statements")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()

    objects = ImpactStatementQuerySet.as_manager()

    class Meta:
        ordering = ["pillar", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pillar", "order"], name="impact_statement_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self):
        return (*self.pillar.natural_key(), self.order)

    natural_key.dependencies = ["capability.pillar"]


class EvidenceExampleQuerySet(models.QuerySet):
    def get_by_natural_key(self, framework_slug, pillar_slug, statement_order, order):
        return self.get(
            impact_statement__pillar__framework__slug=framework_slug,
            impact_statement__pillar__slug=pillar_slug,
            impact_statement__order=statement_order,
            order=order,
        )


class EvidenceExample(models.Model):
    impact_statement = models.ForeignKey(ImpactStatement, on_delete=models.CASCADE, related_name="examples")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()

    objects = EvidenceExampleQuerySet.as_manager()

    class Meta:
        ordering = ["impact_statement", "order"]
        verbose_name_plural = "examples of evidence"
        constraints = [
            models.UniqueConstraint(fields=["impact_statement", "order"], name="evidence_example_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self):
        return (*self.impact_statement.natural_key(), self.order)

    natural_key.dependencies = ["impact.impactstatement"]
