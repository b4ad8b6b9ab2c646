from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User
from core.forms import NHSFormMixin


class LoginForm(AuthenticationForm):
    """Django's standard login form (fields named username and password), with
    NHS wording."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive except the email address.",
        "inactive": "This account has been deactivated. Contact your organisation admin.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["username"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.nhs.uk"
        )
        self.fields["password"].error_messages["required"] = "Enter your password"


class ProfileForm(NHSFormMixin, forms.ModelForm):
    submit_label = "Save your details"

    class Meta:
        model = User
        fields = ["full_name", "profession", "registration_body", "registration_number", "career_stage"]
        labels = {"career_stage": "Your career stage"}
        help_texts = {
            "career_stage": "Elements of the framework expected at or before this stage are marked "
            "“expected now” in your assessments.",
            "registration_number": "Optional. For example, your NMC PIN or HCPC number.",
        }
        widgets = {"career_stage": forms.RadioSelect, "profession": forms.Select}
        error_messages = {"full_name": {"required": "Enter your full name"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["career_stage"].choices = [c for c in self.fields["career_stage"].choices if c[0]]
        self.fields["career_stage"].required = False
