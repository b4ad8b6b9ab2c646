from django.contrib import admin

from capability.models import Capability, CapabilityElement, ElementBullet, Framework, Pillar


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "publisher", "year", "is_current"]


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "framework", "order", "is_foundation"]
    list_filter = ["framework"]


class ElementInline(admin.StackedInline):
    model = CapabilityElement
    extra = 0


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = ["number", "statement", "pillar", "framework"]
    list_filter = ["framework", "pillar"]
    inlines = [ElementInline]


class BulletInline(admin.TabularInline):
    model = ElementBullet
    extra = 0


@admin.register(CapabilityElement)
class CapabilityElementAdmin(admin.ModelAdmin):
    list_display = ["number", "text", "capability"]
    list_filter = ["capability__framework"]
    inlines = [BulletInline]
