from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

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


class PasswordResetRequestForm(NHSFormMixin, PasswordResetForm):
    """Django's reset form: it sends the email only to an active account with
    a usable password, and the page says the same whether or not one exists."""

    submit_label = "Send a reset link"
    email = forms.EmailField(
        label="Email address", max_length=254,
        help_text="Use the email address you sign in with.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )


def _nhs_password_labels(form, new1: str, new2: str) -> None:
    form.fields["new_password1"].label = new1
    form.fields["new_password1"].help_text = "Use at least 12 characters. Avoid common words and passwords."
    form.fields["new_password2"].label = new2
    form.fields["new_password1"].error_messages["required"] = "Enter a new password"
    form.fields["new_password2"].error_messages["required"] = "Enter the new password again"
    form.error_messages["password_mismatch"] = "The two passwords do not match. Enter the same password twice."


class NewPasswordForm(NHSFormMixin, SetPasswordForm):
    submit_label = "Save your new password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _nhs_password_labels(self, "New password", "Enter the new password again")


class ChangePasswordForm(NHSFormMixin, PasswordChangeForm):
    submit_label = "Change your password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Your current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.error_messages["password_incorrect"] = "Your current password is not correct. Enter it again."
        _nhs_password_labels(self, "New password", "Enter the new password again")
