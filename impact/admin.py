from django.contrib import admin

from impact.models import EvidenceExample, ImpactStatement


class ExampleInline(admin.TabularInline):
    model = EvidenceExample
    extra = 0


@admin.register(ImpactStatement)
class ImpactStatementAdmin(admin.ModelAdmin):
    list_display = ["text", "pillar", "order"]
    list_filter = ["pillar__framework", "pillar"]
    inlines = [ExampleInline]
