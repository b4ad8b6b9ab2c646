"""Forms for the organisation admin pages and for accepting an invitation."""

from django import forms
from django.contrib.auth import password_validation

from accounts.models import Profession, Role, User
from core.forms import NHSFormMixin
from portfolios.models import AssessmentStatus

EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.nhs.uk"
NOT_STARTED = "not_started"


class InviteForm(NHSFormMixin, forms.Form):
    submit_label = "Send invitation"

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Use their work email address. We will send them a link to set up their account.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter their email address",
            "invalid": EMAIL_FORMAT_MESSAGE,
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role", "invalid_choice": "Select a role from the list"},
    )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()


class MemberFilterForm(NHSFormMixin, forms.Form):
    """The filters on the members list. Invalid values are reported and that
    filter is left out; the others still apply."""

    q = forms.CharField(label="Name or email address", required=False, max_length=200)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *Role.choices],
        error_messages={"invalid_choice": "Choose a role from the list"},
    )
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "Active or deactivated"), ("active", "Active"), ("deactivated", "Deactivated")],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )


class RolesForm(NHSFormMixin, forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={
            "required": "Select at least one role",
            "invalid_choice": "Select roles from the list",
        },
    )

    def __init__(self, *args, submit_label="Save roles", legend=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit_label = submit_label
        if legend:
            self.fields["roles"].label = legend
        self.helper.legend_size = "s"


class AssignAppraisersForm(NHSFormMixin, forms.Form):
    submit_label = "Assign appraisers"

    appraisers = forms.MultipleChoiceField(
        label="Add appraisers",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Only active appraisers in the organisation are listed.",
        error_messages={
            "required": "Select at least one appraiser",
            "invalid_choice": "Select appraisers from the list",
        },
    )

    def __init__(self, *args, appraisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.appraisers = {str(user.pk): user for user in appraisers}
        self.fields["appraisers"].choices = [(pk, user.full_name or user.email) for pk, user in self.appraisers.items()]
        self.helper.legend_size = "s"

    def chosen(self) -> list[User]:
        return [self.appraisers[pk] for pk in self.cleaned_data["appraisers"]]


class DashboardFilterForm(NHSFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Assessment status", required=False,
        # Signed off includes locked: the practitioner's pages show both the same way.
        choices=[
            ("", "Any status"),
            (NOT_STARTED, "Not started"),
            *((value, label) for value, label in AssessmentStatus.choices if value != AssessmentStatus.LOCKED),
        ],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    profession = forms.ChoiceField(
        label="Profession", required=False, choices=[("", "Any profession"), *Profession.choices],
        error_messages={"invalid_choice": "Choose a profession from the list"},
    )
    appraiser = forms.ChoiceField(
        label="Appraiser", required=False,
        error_messages={"invalid_choice": "Choose an appraiser from the list"},
    )
    overdue = forms.BooleanField(label="Only show overdue assessments", required=False)

    def __init__(self, *args, appraisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraiser"].choices = [
            ("", "Any appraiser"), *((str(user.pk), user.full_name or user.email) for user in appraisers)
        ]
        self.helper.legend_size = "s"


class AcceptInvitationForm(NHSFormMixin, forms.Form):
    """The invited person's name and password. The password is checked with
    the site's password validators."""

    submit_label = "Create account"

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your full name",
            "max_length": "Full name must be 150 characters or fewer",
        },
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Use at least 12 characters. Do not use a common password or one that is only numbers.",
        error_messages={"required": "Enter a password"},
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Confirm your password"},
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_full_name(self):
        full_name = self.cleaned_data["full_name"].strip()
        if not full_name:
            raise forms.ValidationError("Enter your full name")
        return full_name

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The passwords do not match")
        elif password1:
            user = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class FrameworksForm(NHSFormMixin, forms.Form):
    """The editions an organisation's new assessments start on."""

    submit_label = "Save frameworks"

    frameworks = forms.MultipleChoiceField(
        label="Frameworks for new assessments",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. If you select more than one, practitioners choose when they start an "
                  "assessment. Assessments already started keep the framework they were started on.",
        error_messages={
            "required": "Select at least one framework",
            "invalid_choice": "Select frameworks from the list",
        },
    )

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.editions = {framework.slug: framework for framework in editions}
        self.fields["frameworks"].choices = [
            (framework.slug, f"{framework.display_name} ({framework.version}), {framework.publisher}")
            for framework in self.editions.values()
        ]
        self.helper.legend_size = "m"

    def chosen(self):
        return [self.editions[slug] for slug in self.cleaned_data["frameworks"]]
