"""Template tags for the NHS.UK crispy-forms template pack (templates/nhsuk/).

{% widget_attrs attrs " extra names to skip " %} writes a widget's own
attributes (autocomplete, inputmode, data-*...) less the ones the component
templates write themselves. It runs once per radio and checkbox option, so it
is Python rather than an included template: as an include it was a tenth of
the time of a page of rating forms.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Written by the component templates themselves. Django adds required and
# aria-invalid; NHS forms use novalidate and say what is wrong in the error
# message instead.
WRITTEN_BY_TEMPLATES = frozenset(
    "class id name type value aria-describedby aria-invalid required checked multiple cols".split()
)


@register.simple_tag
def widget_attrs(attrs, extra_skip: str = "") -> str:
    skip = WRITTEN_BY_TEMPLATES | set(extra_skip.split())
    written = []
    for name, value in attrs.items():
        if name in skip or value is False or value is None:
            continue
        written.append(format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value))
    return mark_safe("".join(written))
