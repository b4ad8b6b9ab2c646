from django.contrib import admin

from capability.models import (
    Capability,
    CapabilityElement,
    ElementBullet,
    Framework,
    Pillar,
    RatingLevel,
    RatingScale,
)
from capability.services import is_in_use


class FrozenWhenInUse:
    """Framework content is read-only in the admin once an assessment uses
    the edition: a change to a published edition is a new edition."""

    def framework_of(self, obj) -> Framework | None:
        return obj.framework if obj is not None else None

    def has_change_permission(self, request, obj=None):
        framework = self.framework_of(obj)
        if framework is not None and is_in_use(framework):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        framework = self.framework_of(obj)
        if framework is not None and is_in_use(framework):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Framework)
class FrameworkAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["name", "version", "publisher", "year", "is_current"]

    def framework_of(self, obj):
        return obj


@admin.register(Pillar)
class PillarAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["name", "framework", "order", "is_foundation"]
    list_filter = ["framework"]


class ElementInline(admin.StackedInline):
    model = CapabilityElement
    extra = 0


@admin.register(Capability)
class CapabilityAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["number", "statement", "pillar", "framework"]
    list_filter = ["framework", "pillar"]
    inlines = [ElementInline]


class BulletInline(admin.TabularInline):
    model = ElementBullet
    extra = 0


@admin.register(CapabilityElement)
class CapabilityElementAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["number", "text", "capability"]
    list_filter = ["capability__framework"]
    inlines = [BulletInline]

    def framework_of(self, obj):
        return obj.capability.framework if obj is not None else None


class LevelInline(admin.TabularInline):
    model = RatingLevel
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["name", "framework", "is_default"]
    inlines = [LevelInline]
