from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "Impact framework"
