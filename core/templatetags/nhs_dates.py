"""Dates as the NHS content style guide writes them, for every template (a
builtin: config/settings.py TEMPLATES).

{{ value|nhs_date }} gives 2 December 2026, as Django's date:"j F Y" did,
for dates and for aware datetimes in local time; nothing for no value. A
few lines of Python rather than Django's general date formatter: pages
list dozens of dates, and the formatter (format string parsed, each part
looked up and translated) was a visible part of their time. The service is
in British English only, so the month names are written here."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()

MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)


@register.filter
def nhs_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
    elif not isinstance(value, datetime.date):
        return ""
    return f"{value.day} {MONTHS[value.month]} {value.year}"


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
