"""Forms for assessments. Evidence forms are in evidence_forms.py."""

from django import forms

from core.forms import NHSDateField, NHSFormMixin
from portfolios.models import REFLECTION_MAX_LENGTH

NOT_YET_RATED = ""


class StartAssessmentForm(NHSFormMixin, forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="For example, Annual self-assessment 2026 to 2027",
        error_messages={"required": "Enter a title for the assessment"},
    )
    period_start = NHSDateField(
        label="Start of the period", help_text="For example, 1 4 2026",
        error_messages={
            "required": "Enter the start of the period",
            "invalid": "Start of the period must be a real date",
            "missing": "Start of the period must include a %(parts)s",
            "year_length": "Year of the start of the period must include 4 numbers",
        },
    )
    period_end = NHSDateField(
        label="End of the period", help_text="For example, 31 3 2027",
        error_messages={
            "required": "Enter the end of the period",
            "invalid": "End of the period must be a real date",
            "missing": "End of the period must include a %(parts)s",
            "year_length": "Year of the end of the period must include 4 numbers",
        },
    )

    def __init__(self, *args, previous=None, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = previous
        self.options = {option.key: option for option in options}
        if len(self.options) > 1:
            # Asked only when there is a choice: the organisation decides the
            # framework, so the two are chosen together.
            self.fields["option"] = forms.ChoiceField(
                label="Which organisation and framework is this assessment for?",
                help_text="Each organisation chooses the framework its assessments use.",
                choices=[(key, option.label) for key, option in self.options.items()],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Select which organisation and framework this assessment is for",
                    "invalid_choice": "Select an organisation and framework from the list",
                },
            )
            self.order_fields(["option"])
        if previous is not None:
            self.fields["copy_forward"] = forms.BooleanField(
                label=f"Copy ratings, reflections and evidence from “{previous.title}”",
                help_text="You can change anything you copy. If the new assessment is on another framework, they "
                          "are carried across where a crosswalk says which capabilities match, and you can check "
                          "what was carried and from where.",
                required=False,
                initial=True,
            )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter a title for the assessment")
        return title

    def chosen_option(self):
        """The (organisation, edition) to start on: the one selected, or the
        only one there is (None when there is none: the service decides)."""
        if "option" in self.fields:
            return self.options[self.cleaned_data["option"]]
        return next(iter(self.options.values()), None)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The end of the period must be the same as or after the start")
        return cleaned


class CapabilityRatingForm(NHSFormMixin, forms.Form):
    """One capability on a pillar page. Prefixed with the capability number so
    a page can hold several; the rating is the level's value on the scale."""

    rating = forms.TypedChoiceField(
        coerce=str, required=False, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a rating from the scale"},
    )
    reflection = forms.CharField(
        label="Your reflection",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=REFLECTION_MAX_LENGTH,
        required=False,
        help_text="What you do at this level, with examples. Leave a blank line between paragraphs.",
        error_messages={"max_length": f"Reflection must be {REFLECTION_MAX_LENGTH:,} characters or fewer"},
    )
    development_priority = forms.BooleanField(label="Make this a development priority", required=False)
    evidence = forms.MultipleChoiceField(
        label="Evidence included in this assessment",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose evidence from your own portfolio"},
    )

    def __init__(self, *args, capability, levels, evidence_items, **kwargs):
        super().__init__(*args, prefix=f"c{capability.number}", **kwargs)
        self.capability = capability
        self.fields["rating"].label = f"Your rating for capability {capability.number}"
        self.fields["evidence"].label = f"Evidence for capability {capability.number} included in this assessment"
        # Each message names its capability: a page lists the errors of
        # several capabilities in one error summary, where the same words
        # linking to different boxes would not say which is which.
        self.fields["rating"].error_messages["invalid_choice"] = (
            f"Choose a rating from the scale for capability {capability.number}"
        )
        self.fields["reflection"].error_messages["max_length"] = (
            f"Reflection for capability {capability.number} must be {REFLECTION_MAX_LENGTH:,} characters or fewer"
        )
        self.fields["evidence"].error_messages["invalid_choice"] = (
            f"Choose evidence from your own portfolio for capability {capability.number}"
        )
        self.fields["rating"].choices = [
            *((str(level.value), f"{level.value} {level.label}") for level in levels),
            (NOT_YET_RATED, "Not yet rated"),
        ]
        self.levels_by_value = {str(level.value): level for level in levels}
        self.evidence_items = evidence_items
        self.fields["evidence"].choices = [(str(item.pk), item.title) for item in evidence_items]

    def level_id(self) -> int | None:
        value = self.cleaned_data.get("rating")
        return self.levels_by_value[value].pk if value else None


SUBMIT_DECLARATION = (
    "I confirm this self-assessment is my own honest view of my practice, and that the evidence I have "
    "included is accurate and does not identify patients"
)


class SubmitDeclarationForm(NHSFormMixin, forms.Form):
    """The declaration on the check-your-answers page before submitting."""

    declaration = forms.BooleanField(
        label=SUBMIT_DECLARATION,
        error_messages={"required": "Confirm the declaration to submit your assessment"},
    )
