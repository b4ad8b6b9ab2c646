from django import forms

from core.forms import NHSDateField, NHSFormMixin
from portfolios.models import REFLECTION_MAX_LENGTH, ObjectiveStatus
from portfolios.workflow import APPRAISER_DECLARATION, PRACTITIONER_DECLARATION


class AppraiserRatingForm(NHSFormMixin, forms.Form):
    """The appraiser's rating and comment for one capability, prefixed a<number>."""

    rating = forms.TypedChoiceField(
        coerce=str, required=False, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a rating from the scale"},
    )
    comment = forms.CharField(
        label="Your comment", widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=REFLECTION_MAX_LENGTH,
        error_messages={"max_length": f"Comment must be {REFLECTION_MAX_LENGTH:,} characters or fewer"},
    )

    def __init__(self, *args, capability, levels, **kwargs):
        super().__init__(*args, prefix=f"a{capability.number}", **kwargs)
        self.capability = capability
        self.fields["rating"].label = f"Your rating as appraiser for capability {capability.number}"
        self.fields["rating"].choices = [
            *((str(level.value), f"{level.value} {level.label}") for level in levels),
            ("", "Not yet rated"),
        ]
        self.fields["comment"].label = f"Your comment on capability {capability.number}"
        self.levels_by_value = {str(level.value): level for level in levels}

    def level_id(self) -> int | None:
        value = self.cleaned_data.get("rating")
        return self.levels_by_value[value].pk if value else None


class SummaryForm(NHSFormMixin, forms.Form):
    summary = forms.CharField(
        label="Your overall summary", widget=forms.Textarea(attrs={"rows": 8}), required=False,
        max_length=REFLECTION_MAX_LENGTH,
        help_text="The practitioner's strengths, what they should develop next, and what you agreed.",
        error_messages={"max_length": f"Summary must be {REFLECTION_MAX_LENGTH:,} characters or fewer"},
    )


class CommentForm(NHSFormMixin, forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        error_messages={"required": "Enter a comment explaining why"},
    )

    def __init__(self, *args, label: str, hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label
        self.fields["comment"].help_text = hint


class DeclarationForm(NHSFormMixin, forms.Form):
    declaration = forms.BooleanField(error_messages={"required": "Confirm the declaration to sign off"})

    def __init__(self, *args, appraiser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declaration"].label = APPRAISER_DECLARATION if appraiser else PRACTITIONER_DECLARATION


class ObjectiveForm(NHSFormMixin, forms.Form):
    objective = forms.CharField(max_length=300, error_messages={"required": "Enter the objective"})
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                              error_messages={"required": "Enter the actions agreed"})
    support = forms.CharField(label="Support needed", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                              required=False)
    target_date = NHSDateField(label="Target date", help_text="For example, 31 3 2027",
                               error_messages={"required": "Enter the target date",
                                               "invalid": "Target date must be a real date"})
    capabilities = forms.MultipleChoiceField(
        label="Capabilities this objective develops", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one capability",
                        "invalid_choice": "Choose capabilities from this assessment"},
    )

    def __init__(self, *args, capabilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = [
            (str(c.pk), f"{c.number}. {c.statement[:90]}{'…' if len(c.statement) > 90 else ''}") for c in capabilities
        ]


class ObjectiveStatusForm(NHSFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="How did this objective go?", choices=ObjectiveStatus.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose how the objective went"},
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
