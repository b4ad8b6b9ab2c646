from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def nhs_datetime(value) -> str:
    """22 November 2026 at 4:54pm, as the NHS content style guide writes times."""
    if not value:
        return ""
    local = timezone.localtime(value)
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {hour}{minutes}{suffix}"
