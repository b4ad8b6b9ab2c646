"""The development plan agreed at review: the appraiser adds, changes and
removes objectives; once signed, either side says how each went."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from capability.models import Capability
from core import merge
from portfolios import access, review_services, workflow
from portfolios.models import DevelopmentObjective
from portfolios.queries import objective_suggestions
from portfolios.review_forms import ObjectiveForm, ObjectiveStatusForm
from portfolios.views.common import message, pages

OBJECTIVE_CONFLICT = (
    "This objective was changed in another tab or window after you opened this page, and some of the same "
    "parts were changed here, so nothing has been saved. Your changes are shown below. Save again to "
    "replace the other changes with yours, or go back to the review to see the saved objective."
)


@require_http_methods(["GET", "POST"])
def objective_form(request, pk, objective_pk=None):
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    objective = get_object_or_404(DevelopmentObjective, pk=objective_pk, assessment=assessment) if objective_pk else None
    capabilities = list(Capability.objects.filter(framework=assessment.framework).order_by("number"))
    suggestions = objective_suggestions(assessment) if objective is None else []
    chosen = next((s for s in suggestions if str(s.capability.number) == request.GET.get("from")), None)
    initial = {"objective": chosen.draft, "capabilities": [str(chosen.capability.pk)]} if chosen else {}
    if objective is not None:
        initial = {
            "objective": objective.objective, "actions": objective.actions, "support": objective.support,
            "target_date": objective.target_date,
            "capabilities": [str(pk) for pk in objective.capabilities.values_list("pk", flat=True)],
        }
    form = ObjectiveForm(request.POST or None, capabilities=capabilities, initial=initial)
    shown = request.POST.get("shown") or (
        merge.fingerprint(review_services.stored_objective_state(objective)) if objective else "")
    if request.method == "POST" and form.is_valid():
        try:
            review_services.save_objective(
                assessment=assessment, appraiser=request.user, objective=objective,
                text=form.cleaned_data["objective"], actions=form.cleaned_data["actions"],
                support=form.cleaned_data["support"], target_date=form.cleaned_data["target_date"],
                capability_ids=[int(pk) for pk in form.cleaned_data["capabilities"]],
                shown=merge.parse_fingerprint(shown),
            )
        except merge.EditConflict as conflict:
            form.add_error(None, OBJECTIVE_CONFLICT)
            return render(request, "portfolios/objective_form.html", {
                "assessment": assessment, "form": form, "objective": objective,
                "shown": merge.fingerprint(conflict.current)}, status=409)
        except (workflow.TransitionRefused, ValidationError) as refused:
            messages.error(request, message(refused))
            return redirect("portfolios:review", pk=assessment.pk)
        messages.success(request, "Objective saved")
        return redirect(_review_url(assessment) + "#plan")
    return render(request, "portfolios/objective_form.html", {
        "assessment": assessment, "form": form, "objective": objective, "shown": shown,
        "suggestions": suggestions, "chosen": chosen,
    })


def _review_url(assessment) -> str:
    return reverse("portfolios:review", kwargs={"pk": assessment.pk})


@require_http_methods(["GET", "POST"])
def objective_delete(request, pk, objective_pk):
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    objective = get_object_or_404(DevelopmentObjective, pk=objective_pk, assessment=assessment)
    if request.method == "POST":
        try:
            review_services.delete_objective(assessment=assessment, objective=objective, appraiser=request.user)
        except (workflow.TransitionRefused, ValidationError) as refused:
            messages.error(request, message(refused))
        else:
            messages.success(request, "Objective removed")
        return redirect("portfolios:review", pk=assessment.pk)
    return render(request, "portfolios/objective_confirm_delete.html", {"assessment": assessment, "objective": objective})


@require_http_methods(["GET", "POST"])
def objective_status(request, pk, objective_pk):
    """The practitioner or their appraiser says how an objective of a signed
    plan went."""
    assessment = access.get_assessment(request.user, pk, pages())
    who = access.capacity(request.user, assessment)
    if who not in (access.Capacity.PRACTITIONER, access.Capacity.APPRAISER):
        raise PermissionDenied("Only the practitioner or their appraiser can do this")
    if who == access.Capacity.PRACTITIONER:
        access.require_membership_for_change(request.user, assessment)
    objective = get_object_or_404(DevelopmentObjective, pk=objective_pk, assessment=assessment)
    form = ObjectiveStatusForm(request.POST or None, initial={"status": objective.status, "note": objective.status_note})
    if request.method == "POST" and form.is_valid():
        try:
            review_services.set_objective_status(
                objective=objective, status=form.cleaned_data["status"], note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, message(error))
        else:
            messages.success(request, "Status saved")
            return redirect("portfolios:assessment_summary", pk=assessment.pk)
    return render(request, "portfolios/objective_status.html",
                  {"assessment": assessment, "objective": objective, "form": form})


