from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
