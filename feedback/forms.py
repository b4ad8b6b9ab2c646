"""Forms of the practitioner's 360° feedback pages. They only check what was
typed; the round's rules (dates, duplicates, state) are the services' and
come back as ValidationError, which ``add_service_errors`` puts on the form."""

import datetime

from crispy_forms.layout import HTML, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from core.forms import NHSDateField, NHSFormMixin
from feedback.models import MESSAGE_MAX_LENGTH, CommentScope, RaterGroup

DEFAULT_ROUND_DAYS = 21
DEFAULT_REMINDER_DAYS = 3
MAX_REMINDER_DAYS = 60


def _date_field(label: str, hint: str) -> NHSDateField:
    lower = label[0].lower() + label[1:]
    return NHSDateField(
        label=label, help_text=hint,
        error_messages={
            "required": f"Enter the {lower}",
            "invalid": f"{label} must be a real date",
            "missing": f"{label} must include a %(parts)s",
            "year_length": f"Year of the {lower} must include 4 numbers",
        },
    )


def _message_field() -> forms.CharField:
    return forms.CharField(
        label="Your message to raters (optional)",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        help_text="It goes in the email with their link. For example, what you would most like feedback on.",
        error_messages={"max_length": f"Message must be {MESSAGE_MAX_LENGTH:,} characters or fewer"},
    )


def _reminder_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Send a reminder this many days before the closing date",
        help_text=f"Raters who have not responded get an email. Enter 0 for the closing date itself, up to {MAX_REMINDER_DAYS}.",
        min_value=0, max_value=MAX_REMINDER_DAYS, initial=DEFAULT_REMINDER_DAYS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-2"}),
        error_messages={
            "required": "Enter the number of days before the closing date to send a reminder",
            "invalid": "Number of days must be a whole number, like 3",
            "min_value": "Number of days must be 0 or more",
            "max_value": f"Number of days must be {MAX_REMINDER_DAYS} or fewer",
        },
    )


def add_service_errors(form: forms.Form, error: ValidationError, *, fallback: str | None = None) -> None:
    """Put a service's ValidationError on the form: each message on the
    field it names, or on ``fallback`` (or the whole form) when the form has
    no such field."""
    if not hasattr(error, "error_dict"):
        form.add_error(fallback, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else fallback, messages)


class StartRoundForm(NHSFormMixin, forms.Form):
    """Capabilities as one group of checkboxes per pillar (fields named
    ``pillar_<order>``), then the round's settings."""

    opens_on = _date_field("Opening date", "Raters can respond from this date. For example, 1 9 2026")
    closes_on = _date_field("Closing date", "The last day raters can respond. For example, 22 9 2026")
    message = _message_field()
    comment_scope = forms.ChoiceField(
        label="Ask raters for comments",
        choices=CommentScope.choices, initial=CommentScope.OVERALL, widget=forms.RadioSelect,
        help_text="Raters are asked what you do well and what you could develop.",
        error_messages={"required": "Choose how raters give comments", "invalid_choice": "Choose how raters give comments"},
    )
    reminder_days_before = _reminder_field()

    def __init__(self, *args, capabilities, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + datetime.timedelta(days=DEFAULT_ROUND_DAYS)
        self.capabilities = {str(capability.pk): capability for capability in capabilities}
        self.pillar_fields = []
        by_pillar: dict = {}
        for capability in capabilities:
            by_pillar.setdefault(capability.pillar, []).append(capability)
        for pillar, members in by_pillar.items():
            name = f"pillar_{pillar.order}"
            self.fields[name] = forms.MultipleChoiceField(
                label=pillar.name, required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(str(c.pk), f"{c.number}. {c.statement}") for c in members],
                initial=[str(c.pk) for c in members],
                error_messages={"invalid_choice": "Choose capabilities from the list"},
            )
            self.pillar_fields.append(name)
        self.helper.legend_size = "s"
        self.helper.layout = Layout(
            HTML(
                '<h2 class="nhsuk-heading-m">Capabilities to ask about</h2>'
                '<p>Every capability is ticked. Untick any you do not want feedback on: a shorter set of questions '
                'can mean more people answer.</p>'
            ),
            *self.pillar_fields,
            HTML('<h2 class="nhsuk-heading-m">When raters can respond</h2>'),
            "opens_on", "closes_on", "reminder_days_before",
            HTML('<h2 class="nhsuk-heading-m">What raters see</h2>'),
            "message", "comment_scope",
        )

    def clean(self):
        cleaned = super().clean()
        pillar_errors = any(name in self.errors for name in self.pillar_fields)
        if self.pillar_fields and not pillar_errors and not any(cleaned.get(name) for name in self.pillar_fields):
            self.add_error(self.pillar_fields[0], "Choose at least one capability to ask about")
        return cleaned

    def chosen_capabilities(self) -> list:
        return [self.capabilities[pk] for name in self.pillar_fields for pk in self.cleaned_data.get(name, [])]


class RoundForm(NHSFormMixin, forms.Form):
    """The dates, message and reminder of a round, which can change until it closes."""

    opens_on = _date_field("Opening date", "For example, 1 9 2026")
    closes_on = _date_field("Closing date", "For example, 22 9 2026")
    message = _message_field()
    reminder_days_before = _reminder_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.legend_size = "s"


class SelfRatingForm(NHSFormMixin, forms.Form):
    """One set of radios per capability of the round, named ``c<number>``,
    whose values are the levels' values on the assessment's scale."""

    def __init__(self, *args, self_ratings, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.self_ratings = list(self_ratings)
        self.levels_by_value = {str(level.value): level for level in levels}
        choices = [(str(level.value), f"{level.value} {level.label}") for level in levels]
        layout, pillar = [], None
        for rating in self.self_ratings:
            capability = rating.capability
            if capability.pillar_id != getattr(pillar, "pk", None):
                pillar = capability.pillar
                layout.append(HTML(format_html('<h2 class="nhsuk-heading-m">{}</h2>', pillar.name)))
            layout.append(f"c{capability.number}")
            self.fields[f"c{capability.number}"] = forms.ChoiceField(
                label=f"{capability.number}. {capability.statement}",
                choices=choices, required=False, widget=forms.RadioSelect,
                initial=str(rating.level.value) if rating.level_id else None,
                error_messages={"invalid_choice": "Choose a rating from the scale"},
            )
        self.helper.legend_size = "s"
        self.helper.layout = Layout(*layout)

    def levels(self) -> dict:
        """Capability id to the chosen RatingLevel, or None where none was chosen."""
        return {
            rating.capability_id: self.levels_by_value.get(self.cleaned_data.get(f"c{rating.capability.number}") or "")
            for rating in self.self_ratings
        }


class RaterForm(NHSFormMixin, forms.Form):
    name = forms.CharField(
        label="Full name", max_length=150,
        error_messages={"required": "Enter the rater's name",
                        "max_length": "Name must be 150 characters or fewer"},
    )
    email = forms.EmailField(
        label="Email address", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the rater's email address",
                        "invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    group = forms.ChoiceField(
        label="How do they know you?",
        choices=[("", "Choose a group"), *RaterGroup.choices],
        error_messages={"required": "Select how the rater knows you", "invalid_choice": "Select how the rater knows you"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "rater")
        super().__init__(*args, **kwargs)
