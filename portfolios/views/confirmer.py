"""The confirmer's page, at /confirm/<token>/, reached by the link in their
email: no account and no sign-in, the token is the only key (the form has no
action attribute, so it posts back to the address it was loaded from).

It shows exactly the version of the item they were asked about, its files
(downloaded through the same token), and asks them to confirm or decline
with their role and a comment. Links that cannot be used say why: unknown
or tampered with is 404; answered, withdrawn or expired is 410. Every
request from one address counts towards a 10-minute window
(core.rate_limit); over EVIDENCE_CONFIRMATION_RATE_LIMIT the page is 429.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.rate_limit import over_limit
from portfolios import confirmations, files
from portfolios.evidence_forms import ConfirmerForm

TEMPLATES = "portfolios/confirmer/"


def _guarded(request, token):
    """The usable confirmation for the token, or the page that says why not."""
    if over_limit(request, name="confirmation-link-attempts", limit=settings.EVIDENCE_CONFIRMATION_RATE_LIMIT):
        return None, render(request, TEMPLATES + "rate_limited.html", status=429)
    try:
        confirmation = confirmations.find(token)
        confirmations.check_usable(confirmation)
    except confirmations.LinkNotFound:
        return None, render(request, TEMPLATES + "not_valid.html", status=404)
    except confirmations.LinkUnusable as problem:
        return None, render(request, TEMPLATES + "unusable.html",
                            {"confirmation": problem.confirmation, "reason": problem.reason}, status=410)
    return confirmation, None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    confirmation, refusal = _guarded(request, token)
    if refusal:
        return refusal
    form = ConfirmerForm(request.POST if request.method == "POST" else None,
                         initial={"responder_role": confirmation.role})
    if form.is_valid():
        try:
            answered = confirmations.respond(
                token=token, confirmed=form.cleaned_data["decision"] == "confirm",
                responder_role=form.cleaned_data["responder_role"], comment=form.cleaned_data["comment"],
            )
        except confirmations.LinkUnusable as problem:
            return render(request, TEMPLATES + "unusable.html",
                          {"confirmation": problem.confirmation, "reason": problem.reason}, status=410)
        except ValidationError as error:
            for field, errors in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, TEMPLATES + "thank_you.html", {"confirmation": answered})
    evidence = confirmation.evidence
    return render(request, TEMPLATES + "confirm.html", {
        "confirmation": confirmation, "evidence": evidence, "practitioner": evidence.owner,
        "attachments": list(evidence.attachments.order_by("uploaded_at", "original_name")),
        "form": form, "token": token,
    })


@login_not_required
@never_cache
@require_safe
def confirm_file(request, token, file_pk):
    confirmation, refusal = _guarded(request, token)
    if refusal:
        return refusal
    attachment = confirmation.evidence.attachments.filter(pk=file_pk).first()
    if attachment is None:
        raise Http404("No such file")
    return files.download_response(attachment)
