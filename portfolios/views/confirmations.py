"""The practitioner's side of confirmed evidence: ask someone to confirm an
item, remind them, or withdraw the request (portfolios.confirmations)."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.templatetags.nhs_dates import nhs_date
from portfolios import access, confirmations
from portfolios.evidence_forms import ConfirmationRequestForm
from portfolios.models import EvidenceConfirmation


def _item(request, pk):
    evidence = access.get_evidence_to_change(request.user, pk)
    if not evidence.is_current:
        raise Http404("Ask about the latest version of this evidence")
    return evidence


@require_http_methods(["GET", "POST"])
def request_confirmation(request, pk):
    evidence = _item(request, pk)
    form = ConfirmationRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and not form.is_valid() and "email" in form.cleaned_data:
        # Every problem at once: the address too, while others are fixed.
        problem = confirmations.email_problem(evidence=evidence, email=form.cleaned_data["email"])
        if problem:
            form.add_error("email", problem)
    if form.is_valid():
        try:
            confirmation = confirmations.request_confirmation(evidence=evidence, request=request, **form.cleaned_data)
        except ValidationError as error:
            by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            for field, errors in by_field.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"We have emailed {confirmation.name} a link to confirm this evidence. "
                                      f"It works until {nhs_date(confirmation.expires_at)}.")
            return redirect("portfolios:evidence_detail", pk=evidence.pk)
    return render(request, "portfolios/confirmation_request.html",
                  {"evidence": evidence, "form": form, "days": confirmations.CONFIRMATION_DAYS})


def _confirmation(request, pk, confirmation_pk):
    evidence = _item(request, pk)
    return evidence, get_object_or_404(
        EvidenceConfirmation, Q(evidence=evidence) | Q(current_evidence=evidence), pk=confirmation_pk)


@require_POST
def remind(request, pk, confirmation_pk):
    evidence, confirmation = _confirmation(request, pk, confirmation_pk)
    try:
        confirmations.remind(confirmation=confirmation, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"We have emailed {confirmation.name} a reminder with the same link")
    return redirect("portfolios:evidence_detail", pk=evidence.pk)


@require_POST
def withdraw(request, pk, confirmation_pk):
    evidence, confirmation = _confirmation(request, pk, confirmation_pk)
    try:
        confirmations.withdraw(confirmation=confirmation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Request to {confirmation.name} withdrawn. Their link no longer works")
    return redirect("portfolios:evidence_detail", pk=evidence.pk)
