"""Form pieces shared by every app: the NHS date input and a crispy helper.

The markup itself lives in the ``nhsuk`` crispy template pack
(templates/nhsuk/); this module only holds what a template cannot do.
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property

DATE_PARTS = ("day", "month", "year")


class NHSDateInput(forms.MultiWidget):
    """Day, month and year as three text inputs, as the NHS date input
    component asks. Text rather than number inputs, because number inputs
    drop leading zeros and let a scroll wheel change the value."""

    # The template pack looks for this rather than the class, so that a
    # subclass renders the same way.
    nhsuk_date_input = True

    def __init__(self, attrs=None):
        part_attrs = {"inputmode": "numeric", **(attrs or {})}
        super().__init__([forms.TextInput(attrs=part_attrs) for _ in DATE_PARTS])

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value:
            try:
                parsed = datetime.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [str(parsed.day), str(parsed.month), str(parsed.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        parts = [(part or "").strip() for part in super().value_from_datadict(data, files, name)]
        if not any(parts):
            return None
        day, month, year = parts
        try:
            # Four-digit years only: "24" is too easy to misread as 1924 or 2024.
            if len(year) != 4:
                raise ValueError
            return datetime.date(int(year), int(month), int(day)).isoformat()
        except (ValueError, OverflowError):
            # OverflowError: a part too long for a C integer (a 40-digit day).
            # Hand back exactly what was typed, so the page can show it again
            # next to the error rather than losing it.
            return parts

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, part in zip(context["widget"]["subwidgets"], DATE_PARTS):
            subwidget["label"] = part.capitalize()
            subwidget["width"] = 4 if part == "year" else 2
        return context


class NHSDateField(forms.DateField):
    """A date entered as day, month and year, with the error messages the
    NHS date input pattern recommends."""

    widget = NHSDateInput
    default_error_messages = {
        "required": "Enter the date",
        "invalid": "Date must be a real date",
        "year_length": "Year must include 4 numbers",
        "missing": "Date must include a %(parts)s",
        "year_range": "Year must be between %(min)s and %(max)s",
    }
    # Dates in this service are of professional activity and plans: a year
    # outside these is a typing slip, and far-off years overflow arithmetic.
    min_year = 1900
    max_year = 2100

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            raise self._error_for_parts(value)
        date = super().to_python(value)
        if date is not None and not self.min_year <= date.year <= self.max_year:
            raise ValidationError(
                self.error_messages["year_range"], code="year_range",
                params={"min": self.min_year, "max": self.max_year},
            )
        return date

    def _error_for_parts(self, parts):
        missing = [name for name, part in zip(DATE_PARTS, parts) if not part]
        if missing:
            return ValidationError(
                self.error_messages["missing"],
                code="missing",
                params={"parts": " and ".join(missing)},
            )
        year = parts[2] if len(parts) > 2 else ""
        if year.isdigit() and len(year) != 4:
            return ValidationError(self.error_messages["year_length"], code="year_length")
        return ValidationError(self.error_messages["invalid"], code="invalid")


class NHSFormHelper(FormHelper):
    """The helper for forms whose page template writes its own <form> tag,
    CSRF token and error summary, which is every form in this service.

    Besides crispy's own settings, the pack reads legend_size ("s", "m", "l"
    or "xl"; "m" when unset) for the legends of radios, checkboxes and
    dates, label_class (such as "nhsuk-label--m") for labels, and
    render_error_summary to put the summary inside the form output.
    """

    form_tag = False
    disable_csrf = True

    def __init__(self, form=None, submit_label=None):
        # No form passed to FormHelper: without a layout the pack renders
        # every field in order, which is what a plain form wants.
        super().__init__()
        if submit_label:
            self.add_input(Submit("submit", submit_label))


class NHSFormMixin:
    """Lets ``{% crispy form %}`` render a plain form without a <form> tag.

    Set ``submit_label`` to have the pack render the submit button too.
    """

    submit_label = None

    @cached_property
    def helper(self):
        return NHSFormHelper(self, submit_label=self.submit_label)
