from django.contrib import admin

from capability.admin import FrozenWhenInUse
from impact.models import EvidenceExample, ImpactStatement


class ExampleInline(FrozenWhenInUse, admin.TabularInline):
    model = EvidenceExample
    extra = 0

    def framework_of(self, obj):
        # An inline is asked about its parent statement (None when adding one).
        return obj.pillar.framework if obj is not None else None


@admin.register(ImpactStatement)
class ImpactStatementAdmin(FrozenWhenInUse, admin.ModelAdmin):
    """Frozen, like the capabilities, once an assessment uses the edition."""

    list_display = ["text", "pillar", "order"]
    list_filter = ["pillar__framework", "pillar"]
    inlines = [ExampleInline]

    def framework_of(self, obj):
        return obj.pillar.framework if obj is not None else None


@admin.register(EvidenceExample)
class EvidenceExampleAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["text", "impact_statement", "order"]
    list_filter = ["impact_statement__pillar__framework"]

    def framework_of(self, obj):
        return obj.impact_statement.pillar.framework if obj is not None else None
