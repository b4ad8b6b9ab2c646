"""Template tags for the NHS.UK crispy-forms template pack (templates/nhsuk/).

{% widget_attrs attrs " extra names to skip " %} writes a widget's own
attributes (autocomplete, inputmode, data-*...) less the ones the component
templates write themselves. It runs once per radio and checkbox option, so it
is Python rather than an included template: as an include it was a tenth of
the time of a page of rating forms.

{% choice_items field "radios" %} and {% select_options field %} write the
options of radios, checkboxes and selects. They run for every option of
every choice on a page (a pillar page has dozens), and as template loops
they were most of the time of a page: each option's half-dozen lookups
through the template engine cost more than the option's markup.
"""

from django import template
from django.utils.html import format_html, format_html_join
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


CHOICE_ITEM = (
    '<div class="nhsuk-{0}__item">\n'
    '        <input class="nhsuk-{0}__input" id="{1}" name="{2}" type="{3}" value="{4}"{5}{6}>\n'
    '        <label class="nhsuk-label nhsuk-{0}__label" for="{1}">\n'
    '          {7}\n'
    '        </label>\n'
    '      </div>'
)


@register.simple_tag
def choice_items(field, choice_type: str) -> str:
    """The items of radios or checkboxes (choice_type), with Django's own
    ids, id_<name>_0 onwards, which the error summary links to."""
    items = []
    for option in field.subwidgets:
        data = option.data
        attrs = data["attrs"]
        items.append(format_html(
            CHOICE_ITEM, choice_type, attrs.get("id", ""), data["name"], data["type"], str(data["value"]),
            mark_safe(" checked") if data["selected"] else "", widget_attrs(attrs), data["label"],
        ))
    return mark_safe("\n      ".join(items))


@register.simple_tag
def select_options(field) -> str:
    """The options of a select, in their groups when it has any."""
    from crispy_forms.templatetags.crispy_forms_filters import optgroups

    written = []
    for group_name, group_options, _ in optgroups(field):
        options = [
            format_html('<option value="{}"{}>{}</option>', str(option["value"]),
                        mark_safe(" selected") if option["selected"] else "", option["label"])
            for option in group_options
        ]
        if group_name:
            written.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, mark_safe("".join(options))))
        else:
            written.extend(options)
    return mark_safe("\n    ".join(written))


# The small parts every component writes: label or legend, hint, error
# message, aria-describedby. Python rather than included templates: a
# field was seven includes, and a pillar page draws sixteen fields, so the
# includes cost more than the markup. Each reads what the component's
# template has in its context (field, field_errors, base_id, legend_size,
# label_class, form_show_labels), as the included templates did.


def _hidden_label(context) -> str:
    return " nhsuk-u-visually-hidden" if context.get("form_show_labels") is False else ""


@register.simple_tag(takes_context=True)
def nhs_label(context, for_id) -> str:
    label_class = context.get("label_class")
    return format_html(
        '<label class="nhsuk-label{}{}" for="{}">\n  {}\n</label>',
        f" {label_class}" if label_class else "", _hidden_label(context), for_id, context["field"].label,
    )


@register.simple_tag(takes_context=True)
def nhs_legend(context) -> str:
    return format_html(
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--{}{}">\n  {}\n</legend>',
        context.get("legend_size") or "m", _hidden_label(context), context["field"].label,
    )


@register.simple_tag(takes_context=True)
def nhs_hint(context) -> str:
    help_text = context["field"].help_text
    if not help_text:
        return ""
    return format_html('<div class="nhsuk-hint" id="{}-hint">\n  {}\n</div>', context.get("base_id"),
                       mark_safe(help_text))


@register.simple_tag(takes_context=True)
def nhs_error_message(context) -> str:
    errors = context.get("field_errors")
    if not errors:
        return ""
    return format_html(
        '<span class="nhsuk-error-message" id="{}-error">\n  <span class="nhsuk-u-visually-hidden">Error: </span>{}\n</span>',
        context.get("base_id"), format_html_join(mark_safe("<br>"), "{}", ((error,) for error in errors)),
    )


@register.simple_tag(takes_context=True)
def nhs_describedby(context, prefix: str = "") -> str:
    """aria-describedby in the order the NHS components use: extra ids (the
    character count message) first, then hint, then error. Written inside
    a tag, so it starts with a space."""
    base_id = context.get("base_id")
    ids = [prefix] if prefix else []
    if context["field"].help_text:
        ids.append(f"{base_id}-hint")
    if context.get("field_errors"):
        ids.append(f"{base_id}-error")
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


def _component(field) -> tuple[str | None, dict]:
    """Which NHS.UK component draws the field, by its Django widget. Order
    matters: CheckboxInput, FileInput and HiddenInput are all Input
    subclasses, and CheckboxSelectMultiple is a RadioSelect."""
    from django import forms

    widget = field.field.widget
    if field.is_hidden:
        return None, {}
    if getattr(widget, "nhsuk_date_input", False):
        return "nhsuk/widgets/date_input.html", {}
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "nhsuk/widgets/choices.html", {"choice_type": "checkboxes"}
    if isinstance(widget, forms.RadioSelect):
        return "nhsuk/widgets/choices.html", {"choice_type": "radios"}
    if isinstance(widget, forms.CheckboxInput):
        return "nhsuk/widgets/checkbox.html", {}
    if isinstance(widget, forms.FileInput):
        return "nhsuk/widgets/file_upload.html", {}
    if isinstance(widget, forms.Select):
        return "nhsuk/widgets/select.html", {}
    if isinstance(widget, forms.PasswordInput):
        return "nhsuk/widgets/input.html", {"is_password": True}
    if getattr(widget, "input_type", None):
        return "nhsuk/widgets/input.html", {}
    if widget.template_name == "django/forms/widgets/textarea.html":
        return "nhsuk/widgets/textarea.html", {}
    return "nhsuk/widgets/other.html", {}


@register.simple_tag(takes_context=True)
def nhs_field(context, field) -> str:
    """One form field as the matching NHS.UK frontend component. A helper
    can set form_show_errors = False to leave the error messages out."""
    name, extra = _component(field)
    if name is None:
        return str(field)
    errors = None if context.get("form_show_errors") is False else field.errors
    component = context.template.engine.get_template(name)
    with context.push(field=field, field_errors=errors, **extra):
        return component.render(context)
