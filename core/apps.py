from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer every app may use: the NHS.UK form pack and widgets,
    SVG charts, PDF rendering with its restricted fetcher, CSV helpers and
    date formats. It knows nothing of the service's own models."""

    name = "core"
    verbose_name = "Shared building blocks"
