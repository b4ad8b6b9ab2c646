from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def framework_url(name: str, framework, **kwargs) -> str:
    """Reverse a framework page: the short URL for the current edition, the
    /editions/<slug>/ URL for any other."""
    if not framework.is_current:
        kwargs["framework_slug"] = framework.slug
    return reverse(name, kwargs=kwargs)
