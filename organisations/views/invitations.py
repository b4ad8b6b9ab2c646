"""Accepting an invitation: the one page of the organisation admin's work
that the invited person sees, signed in or not.

A new person sets their name and password here and is signed in. Someone
who already has an account signs in first, then accepts. Links that are
unknown, used or expired get a page that says so and what to do next."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from organisations import services as org_services
from organisations.forms import AcceptInvitationForm

# Several authentication backends are configured; the new account signs in
# with the password one.
LOGIN_BACKEND = "accounts.backends.SignInBackend"

PROBLEM_PAGES = {
    org_services.InvitationNotValid: ("invitations/not_valid.html", 404),
    org_services.InvitationExpired: ("invitations/expired.html", 410),
    org_services.InvitationUsed: ("invitations/used.html", 410),
}


def _problem_page(request, problem: org_services.InvitationProblem):
    template, status = PROBLEM_PAGES[type(problem)]
    return render(request, template, status=status)


def _sign_in_page(request, invitation):
    return render(
        request,
        "invitations/sign_in.html",
        {"invitation": invitation, "login_url": f"{reverse('login')}?next={quote(request.path)}"},
    )


def _welcome(request, invitation) -> None:
    role = org_services.with_article(org_services.role_label(invitation.role))
    messages.success(request, f"You are now {role} in {invitation.organisation.name}")


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(NON_FIELD_ERRORS, error)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def accept(request, token):
    try:
        invitation = org_services.find_invitation(token)
        org_services.check_usable(invitation)
    except (org_services.InvitationNotValid, org_services.InvitationExpired, org_services.InvitationUsed) as problem:
        return _problem_page(request, problem)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "role": org_services.with_article(org_services.role_label(invitation.role))}

    if request.user.is_authenticated:
        if existing is None or existing.pk != request.user.pk:
            return render(request, "invitations/wrong_account.html", context)
        if request.method == "POST":
            try:
                org_services.accept_invitation_as_existing_user(token=token, user=request.user)
            except (org_services.InvitationNotValid, org_services.InvitationExpired,
                    org_services.InvitationUsed) as problem:
                return _problem_page(request, problem)
            except org_services.WrongAccount:
                return render(request, "invitations/wrong_account.html", context)
            _welcome(request, invitation)
            return redirect("home")
        return render(request, "invitations/confirm.html", context)

    if existing is not None:
        return _sign_in_page(request, invitation)

    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = org_services.accept_invitation_as_new_user(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except org_services.AccountExists:
            return _sign_in_page(request, invitation)
        except (org_services.InvitationNotValid, org_services.InvitationExpired,
                org_services.InvitationUsed) as problem:
            return _problem_page(request, problem)
        else:
            login(request, user, backend=LOGIN_BACKEND)
            _welcome(request, invitation)
            return redirect("home")
    context["form"] = form
    return render(request, "invitations/accept.html", context)
