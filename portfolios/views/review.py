"""The appraiser's review, the practitioner's sign-off, the development plan
and the assessment's history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_POST

from core.templatetags.nhs_dates import nhs_date
from capability import structure
from capability.models import Capability
from core import merge
from portfolios import access, notifications, review_services, workflow
from portfolios.models import Assessment, DevelopmentObjective
from portfolios.queries import assessment_matrix, assessments_for_pages, objectives_for
from portfolios.review_forms import (
    AppraiserRatingForm,
    CommentForm,
    DeclarationForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    SummaryForm,
)
from portfolios.timeline import assessment_audit_state, assessment_timeline


def _pages():
    # get_assessment adds the visibility rule to this queryset.
    return assessments_for_pages(Assessment.objects.all())


def _evidence_entry(item, changed_label: str) -> str:
    """An evidence item as the review page lists it under each capability it
    is mapped to: written once an item rather than by the template at each
    of its places (a 300-item portfolio has some 750), which was a third of
    the page's time."""
    files = format_html_join(
        "", '<br><a class="nhsuk-body-s" href="{}">Download {} ({})</a>',
        ((file.download_url, file.original_name, filesizeformat(file.size)) for file in item.attachment_list),
    )
    changed = "" if item.is_current else format_html(
        ' <strong class="nhsuk-tag nhsuk-tag--orange">{}</strong>', changed_label)
    confirmed = format_html_join(
        "", '<br><span class="nhsuk-body-s">{} by {}, {}, on {}</span>',
        (("Changed since confirmed" if note.changed_since else "Confirmed", note.name, note.role, nhs_date(note.on))
         for note in getattr(item, "confirmation_notes", ())),
    )
    return format_html('<li><a href="{}">{}</a>{}{}{}</li>', item.detail_url, item.title, changed, confirmed, files)


def _review_context(assessment, data=None, action=None):
    matrix = assessment_matrix(assessment, with_files=True, with_confirmations=True)
    changed_label = f"Changed since {'signed' if assessment.is_closed else 'submitted'}"
    entries = {}
    for group in matrix:
        for row in group.rows:
            for item in row.evidence:
                if item.pk not in entries:
                    entries[item.pk] = item.review_entry = _evidence_entry(item, changed_label)
    levels = structure.levels(assessment.rating_scale)
    editable = assessment.is_under_review
    for group in matrix:
        for row in group.rows:
            row.form = AppraiserRatingForm(
                data if action == "save" else None,
                capability=row.capability,
                levels=levels,
                initial={
                    "rating": str(row.appraiser_value) if row.appraiser_value else "",
                    "comment": row.appraiser_rating.comment if row.appraiser_rating else "",
                },
            )
            if not editable:
                for field in row.form.fields.values():
                    field.disabled = True
    summary_form = SummaryForm(data if action == "save" else None, initial={"summary": assessment.appraiser_summary})
    rows = [row for group in matrix for row in group.rows]
    shown = (data or {}).get("shown") or merge.fingerprint(review_services.review_state(
        summary=assessment.appraiser_summary, capability_ids=[row.capability.pk for row in rows],
        appraiser_ratings=[row.appraiser_rating for row in rows if row.appraiser_rating],
    ))
    return {
        "shown": shown,
        "assessment": assessment,
        "matrix": matrix,
        "levels": levels,
        "summary_form": summary_form,
        "return_form": CommentForm(
            data if action == "return" else None, label="Why are you returning it?",
            hint="The practitioner sees this. Say what to change before they submit again.",
        ),
        "sign_off_form": DeclarationForm(data if action == "appraiser_sign_off" else None, appraiser=True),
        "objectives": objectives_for(assessment),
        "editable": editable,
    }


@require_http_methods(["GET", "POST"])
def review(request, pk):
    assessment = access.get_assessment_to_review(request.user, pk, _pages())
    action = request.POST.get("action") if request.method == "POST" else None
    if action is None:
        return render(request, "portfolios/review.html", _review_context(assessment))

    if action == "start_review":
        return _apply(request, assessment, "start_review", success="Review started")

    context = _review_context(assessment, request.POST, action)
    forms = {
        "save": [row.form for group in context["matrix"] for row in group.rows] + [context["summary_form"]],
        "return": [context["return_form"]],
        "appraiser_sign_off": [context["sign_off_form"]],
    }.get(action)
    if forms is None:
        messages.error(request, "That action is not available")
        return redirect("portfolios:review", pk=assessment.pk)
    if action == "appraiser_sign_off" and assessment.is_under_review:
        forms = _sign_off_problems(context) + forms
    if all(form.is_valid() for form in forms):
        if action == "save":
            try:
                review_services.save_review(
                    assessment=assessment,
                    appraiser=request.user,
                    ratings=[
                        review_services.AppraiserRatingInput(
                            capability_id=row.capability.pk, level_id=row.form.level_id(),
                            comment=row.form.cleaned_data["comment"],
                        )
                        for group in context["matrix"] for row in group.rows
                    ],
                    summary=context["summary_form"].cleaned_data["summary"],
                    shown=merge.parse_fingerprint(request.POST.get("shown")),
                )
            except merge.EditConflict as conflict:
                return _review_conflict(request, context, conflict)
            except (workflow.TransitionRefused, ValidationError) as refused:
                messages.error(request, _message(refused))
                return redirect("portfolios:review", pk=assessment.pk)
            messages.success(request, "Review saved")
            return redirect("portfolios:review", pk=assessment.pk)
        if action == "return":
            return _apply(request, assessment, "return", comment=context["return_form"].cleaned_data["comment"],
                          success="Assessment returned to the practitioner")
        return _apply(request, assessment, "appraiser_sign_off", declaration=True,
                      success="Signed off. The practitioner has been asked to sign off too.")
    context["error_forms"] = forms
    context["has_errors"] = True
    return render(request, "portfolios/review.html", context)


REVIEW_CONFLICT = (
    "This review was changed in another tab or window after you opened this page, and some of the same "
    "ratings or comments were changed here, so nothing has been saved. Your changes are shown below. "
    "Save again to replace the other changes with yours, or reload the page to see the saved review."
)


OBJECTIVE_CONFLICT = (
    "This objective was changed in another tab or window after you opened this page, and some of the same "
    "parts were changed here, so nothing has been saved. Your changes are shown below. Save again to "
    "replace the other changes with yours, or go back to the review to see the saved objective."
)


def _review_conflict(request, context, conflict):
    """The review as typed, with each clashing field marked, answered 409;
    saving again from it overwrites (its fingerprint is the stored state)."""
    by_capability = {row.capability.pk: row.form for group in context["matrix"] for row in group.rows}
    marked = []
    for key in conflict.fields:
        kind, _, pk = key.partition(":")
        form = context["summary_form"] if kind == "summary" else by_capability.get(int(pk or 0))
        if form is not None:
            form.add_error("summary" if kind == "summary" else kind,
                           "This was also changed in another tab or window. Yours is shown.")
            marked.append(form)
    context.update(shown=merge.fingerprint(conflict.current), error_forms=list(dict.fromkeys(marked)),
                   has_errors=True, conflict_intro=REVIEW_CONFLICT)
    return render(request, "portfolios/review.html", context, status=409)


def _sign_off_problems(context) -> list:
    """What stops the appraiser signing off, as errors on the fields to put
    right, so that the error summary links to them, in page order. The
    workflow checks the same again when the move is made."""
    assessment = context["assessment"]
    problems = []
    for row in (row for group in context["matrix"] for row in group.rows):
        if row.appraiser_value is None:
            prefix = f"a{row.capability.number}"
            comment = row.appraiser_rating.comment if row.appraiser_rating else ""
            row.form = AppraiserRatingForm(
                {f"{prefix}-rating": "", f"{prefix}-comment": comment},
                capability=row.capability, levels=context["levels"],
            )
            row.form.is_valid()
            row.form.add_error("rating", f"Rate capability {row.capability.number} before you sign off")
            problems.append(row.form)
    if not assessment.appraiser_summary.strip():
        summary_form = SummaryForm({"summary": assessment.appraiser_summary})
        summary_form.is_valid()
        summary_form.add_error("summary", "Write your overall summary before you sign off")
        context["summary_form"] = summary_form
        problems.append(summary_form)
    return problems


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _apply(request, assessment, name, *, comment="", declaration=False, success=""):
    move = workflow.MOVES[name]
    target = "portfolios:review" if move.actor == workflow.Actor.APPRAISER else "portfolios:assessment_summary"
    try:
        workflow.apply(assessment=assessment, name=name, actor_user=request.user, actor=move.actor,
                       comment=comment, declaration=declaration)
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
        return redirect(target, pk=assessment.pk)
    notifications.after_move(assessment=assessment, name=name, request=request)
    messages.success(request, success)
    return redirect(target, pk=assessment.pk)


@require_POST
def practitioner_decision(request, pk):
    """The practitioner signs off the appraiser's summary, or sends it back."""
    from portfolios.views.assessments import summary_context

    assessment = access.get_assessment_to_change(request.user, pk, _pages())
    action = request.POST.get("action")
    if action == "practitioner_sign_off":
        form = DeclarationForm(request.POST, appraiser=False)
    elif action == "send_back":
        form = CommentForm(request.POST, label="What would you like your appraiser to look at again?")
    else:
        messages.error(request, "That action is not available")
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    if form.is_valid():
        if action == "send_back":
            return _apply(request, assessment, "send_back", comment=form.cleaned_data["comment"],
                          success="Sent back to your appraiser")
        return _apply(request, assessment, "practitioner_sign_off", declaration=True,
                      success="Signed off. Your assessment is now complete and locked.")
    context = summary_context(request, assessment)
    context[f"{action}_form"] = form
    context["has_errors"] = True
    context["error_forms"] = [form]
    return render(request, "portfolios/assessment_summary.html", context)


@require_http_methods(["GET", "POST"])
def objective_form(request, pk, objective_pk=None):
    assessment = access.get_assessment_to_review(request.user, pk, _pages())
    objective = get_object_or_404(DevelopmentObjective, pk=objective_pk, assessment=assessment) if objective_pk else None
    capabilities = list(Capability.objects.filter(framework=assessment.framework).order_by("number"))
    initial = {}
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
            messages.error(request, _message(refused))
            return redirect("portfolios:review", pk=assessment.pk)
        messages.success(request, "Objective saved")
        return redirect(_review_url(assessment) + "#plan")
    return render(request, "portfolios/objective_form.html",
                  {"assessment": assessment, "form": form, "objective": objective, "shown": shown})


def _review_url(assessment) -> str:
    from django.urls import reverse

    return reverse("portfolios:review", kwargs={"pk": assessment.pk})


@require_http_methods(["GET", "POST"])
def objective_delete(request, pk, objective_pk):
    assessment = access.get_assessment_to_review(request.user, pk, _pages())
    objective = get_object_or_404(DevelopmentObjective, pk=objective_pk, assessment=assessment)
    if request.method == "POST":
        try:
            review_services.delete_objective(assessment=assessment, objective=objective, appraiser=request.user)
        except (workflow.TransitionRefused, ValidationError) as refused:
            messages.error(request, _message(refused))
        else:
            messages.success(request, "Objective removed")
        return redirect("portfolios:review", pk=assessment.pk)
    return render(request, "portfolios/objective_confirm_delete.html", {"assessment": assessment, "objective": objective})


@require_http_methods(["GET", "POST"])
def objective_status(request, pk, objective_pk):
    """The practitioner or their appraiser says how an objective of a signed
    plan went."""
    assessment = access.get_assessment(request.user, pk, _pages())
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
            form.add_error(None, _message(error))
        else:
            messages.success(request, "Status saved")
            return redirect("portfolios:assessment_summary", pk=assessment.pk)
    return render(request, "portfolios/objective_status.html",
                  {"assessment": assessment, "objective": objective, "form": form})


def history(request, pk):
    assessment = access.get_assessment(request.user, pk, _pages())
    return render(request, "portfolios/history.html", {
        "assessment": assessment, "entries": assessment_timeline(assessment),
        "audit": assessment_audit_state(assessment),
    })


def reviews(request):
    """The appraiser's list: assigned practitioners and what needs attention."""
    from portfolios.queries import appraiser_caseload

    return render(request, "portfolios/reviews.html", {"caseload": appraiser_caseload(request.user)})
