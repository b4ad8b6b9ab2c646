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

# The label Django gives a select's empty choice (django.db.models.fields.BLANK_CHOICE_DASH).
BLANK_CHOICE_LABEL = "---------"

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
                        mark_safe(" selected") if option["selected"] else "",
                        # Django's empty choice is a row of dashes, which a
                        # screen reader reads out dash by dash.
                        "Select an option" if option["label"] == BLANK_CHOICE_LABEL else option["label"])
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
# includes cost more than the markup. Each reads what the component has in
# its context (field, field_errors, base_id, legend_size, label_class,
# form_show_labels): the template tags for the component templates, the
# component writers below (_write_choices...) for the components written
# in Python.


def _hidden_label(context) -> str:
    return " nhsuk-u-visually-hidden" if context.get("form_show_labels") is False else ""


def _label(context, field, for_id) -> str:
    label_class = context.get("label_class")
    return format_html(
        '<label class="nhsuk-label{}{}" for="{}">\n  {}\n</label>',
        f" {label_class}" if label_class else "", _hidden_label(context), for_id, field.label,
    )


def _legend(context, field) -> str:
    return format_html(
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--{}{}">\n  {}\n</legend>',
        context.get("legend_size") or "m", _hidden_label(context), field.label,
    )


def _hint(field, base_id) -> str:
    if not field.help_text:
        return ""
    return format_html('<div class="nhsuk-hint" id="{}-hint">\n  {}\n</div>', base_id, mark_safe(field.help_text))


def _error_message(errors, base_id) -> str:
    if not errors:
        return ""
    return format_html(
        '<span class="nhsuk-error-message" id="{}-error">\n  <span class="nhsuk-u-visually-hidden">Error: </span>{}\n</span>',
        base_id, format_html_join(mark_safe("<br>"), "{}", ((error,) for error in errors)),
    )


def _describedby(field, errors, base_id, prefix: str = "") -> str:
    """aria-describedby in the order the NHS components use: extra ids (the
    character count message) first, then hint, then error. Written inside
    a tag, so it starts with a space."""
    ids = [prefix] if prefix else []
    if field.help_text:
        ids.append(f"{base_id}-hint")
    if errors:
        ids.append(f"{base_id}-error")
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


@register.simple_tag(takes_context=True)
def nhs_label(context, for_id) -> str:
    return _label(context, context["field"], for_id)


@register.simple_tag(takes_context=True)
def nhs_legend(context) -> str:
    return _legend(context, context["field"])


@register.simple_tag(takes_context=True)
def nhs_hint(context) -> str:
    return _hint(context["field"], context.get("base_id"))


@register.simple_tag(takes_context=True)
def nhs_error_message(context) -> str:
    return _error_message(context.get("field_errors"), context.get("base_id"))


@register.simple_tag(takes_context=True)
def nhs_describedby(context, prefix: str = "") -> str:
    return _describedby(context["field"], context.get("field_errors"), context.get("base_id"), prefix)


def _wrapper(context) -> str:
    wrapper_class = context.get("wrapper_class")
    return f" {wrapper_class}" if wrapper_class else ""


def _write_choices(context, field, errors, choice_type: str) -> str:
    """Radios or checkboxes in a fieldset whose legend is the field's label.
    Input ids are Django's own, id_<name>_0 onwards, which is what the error
    summary links to. Put nhsuk-radios--inline or --small on the widget's
    class to get those variants; crispy's InlineRadios and InlineCheckboxes
    also give the inline one."""
    base_id = field.auto_id
    widget_class = field.field.widget.attrs.get("class")
    return format_html(
        '\n<div class="nhsuk-form-group{}{}">\n'
        '  <fieldset class="nhsuk-fieldset"{}>\n'
        '    {}\n    {}\n    {}\n'
        '    <div class="nhsuk-{}{}{}" data-module="nhsuk-{}">\n'
        '      {}\n'
        '    </div>\n'
        '  </fieldset>\n'
        '</div>\n',
        " nhsuk-form-group--error" if errors else "", _wrapper(context),
        _describedby(field, errors, base_id),
        _legend(context, field), _hint(field, base_id), _error_message(errors, base_id),
        choice_type, f" nhsuk-{choice_type}--inline" if context.get("inline_class") else "",
        f" {widget_class}" if widget_class else "", choice_type,
        choice_items(field, choice_type),
    )


def _write_textarea(context, field, errors) -> str:
    """A textarea. When the form field has a max_length it becomes the NHS
    character count: without JavaScript the limit shows as a hint under the
    box; with it the hint counts down. The maxlength attribute is left off
    so that people can paste a long answer and then trim it, as the design
    system advises; the form field still enforces the limit. The newline
    after the opening tag is eaten by the HTML parser, so a value that
    starts with a newline keeps it."""
    widget = field.subwidgets[0].data
    attrs = widget["attrs"]
    base_id = attrs.get("id")
    max_length = field.field.max_length if hasattr(field.field, "max_length") else None
    if max_length:
        count = format_html(' nhsuk-character-count" data-module="nhsuk-character-count" data-maxlength="{}', max_length)
        described = _describedby(field, errors, base_id, f"{base_id}-info") + widget_attrs(attrs, " rows maxlength ")
        message = format_html(
            '\n  <div class="nhsuk-hint nhsuk-character-count__message" id="{}-info">\n'
            '    You can enter up to {} characters\n  </div>\n', base_id, max_length,
        )
    else:
        count, message = "", ""
        described = _describedby(field, errors, base_id) + widget_attrs(attrs, " rows ")
    extra_class = " ".join(c for c in (
        "nhsuk-textarea--error" if errors else "", "nhsuk-js-character-count" if max_length else "",
        attrs.get("class") or "",
    ) if c)
    return format_html(
        '\n<div class="nhsuk-form-group{}{}{}">\n  {}\n  {}\n  {}\n'
        '  <textarea class="nhsuk-textarea{}" id="{}" name="{}" rows="{}"{}>\n{}</textarea>\n{}</div>\n',
        " nhsuk-form-group--error" if errors else "", count, _wrapper(context),
        _label(context, field, base_id), _hint(field, base_id), _error_message(errors, base_id),
        f" {extra_class}" if extra_class else "", base_id, widget["name"], attrs.get("rows") or "5",
        described, widget["value"] or "", message,
    )


def _write_checkbox(context, field, errors) -> str:
    """A single checkbox (a BooleanField), for things like "I confirm...".
    No fieldset: the label beside the box is the question."""
    widget = field.subwidgets[0].data
    attrs = widget["attrs"]
    base_id = attrs.get("id")
    widget_class = attrs.get("class")
    return format_html(
        '\n<div class="nhsuk-form-group{}{}">\n  {}\n  {}\n'
        '  <div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">\n'
        '    <div class="nhsuk-checkboxes__item">\n'
        '      <input class="nhsuk-checkboxes__input{}" id="{}" name="{}" type="checkbox" value="{}"{}{}{}>\n'
        '      <label class="nhsuk-label nhsuk-checkboxes__label" for="{}">\n        {}\n      </label>\n'
        '    </div>\n  </div>\n</div>\n',
        " nhsuk-form-group--error" if errors else "", _wrapper(context),
        _hint(field, base_id), _error_message(errors, base_id),
        f" {widget_class}" if widget_class else "", base_id, widget["name"],
        "true" if widget["value"] is None else widget["value"],
        mark_safe(" checked") if attrs.get("checked") else "",
        _describedby(field, errors, base_id), widget_attrs(attrs),
        base_id, field.label,
    )


def _component(field) -> tuple:
    """Which NHS.UK component draws the field, by its Django widget: a
    writer function for the components a page draws many times (radios,
    checkboxes, text areas: a pillar page has a dozen of them), a template
    in templates/nhsuk/widgets/ for the rest. Order matters: CheckboxInput,
    FileInput and HiddenInput are all Input subclasses, and
    CheckboxSelectMultiple is a RadioSelect."""
    from django import forms

    widget = field.field.widget
    if field.is_hidden:
        return None, {}
    if getattr(widget, "nhsuk_date_input", False):
        return "nhsuk/widgets/date_input.html", {}
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return _write_choices, {"choice_type": "checkboxes"}
    if isinstance(widget, forms.RadioSelect):
        return _write_choices, {"choice_type": "radios"}
    if isinstance(widget, forms.CheckboxInput):
        return _write_checkbox, {}
    if isinstance(widget, forms.FileInput):
        return "nhsuk/widgets/file_upload.html", {}
    if isinstance(widget, forms.Select):
        return "nhsuk/widgets/select.html", {}
    if isinstance(widget, forms.PasswordInput):
        return "nhsuk/widgets/input.html", {"is_password": True}
    if getattr(widget, "input_type", None):
        return "nhsuk/widgets/input.html", {}
    if widget.template_name == "django/forms/widgets/textarea.html":
        return _write_textarea, {}
    return "nhsuk/widgets/other.html", {}


@register.simple_tag(takes_context=True)
def nhs_field(context, field) -> str:
    """One form field as the matching NHS.UK frontend component. A helper
    can set form_show_errors = False to leave the error messages out."""
    name, extra = _component(field)
    if name is None:
        return str(field)
    errors = None if context.get("form_show_errors") is False else field.errors
    if callable(name):
        return name(context, field, errors, **extra)
    component = context.template.engine.get_template(name)
    with context.push(field=field, field_errors=errors, **extra):
        return component.render(context)
