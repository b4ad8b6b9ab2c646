from django.apps import AppConfig


class CapabilityConfig(AppConfig):
    name = "capability"
    verbose_name = "Capability framework"
