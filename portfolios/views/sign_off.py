"""The irreversible steps of a review, each behind a check-your-answers page
and followed by a confirmation (NHS service manual patterns): the appraiser
returns or signs off, the practitioner sends back or signs off."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portfolios import access
from portfolios.models import AssessmentStatus
from portfolios.queries import assessment_matrix, objectives_for, previous_objectives, sign_off_problems
from portfolios.review_forms import CommentForm, DeclarationForm
from portfolios.views.common import apply_move, pages

RETURN_LABEL = "Why are you returning it?"
SEND_BACK_LABEL = "What would you like your appraiser to look at again?"


def _sign_off_check(request, assessment, form):
    matrix = assessment_matrix(assessment)
    problems = sign_off_problems(assessment, matrix)
    links = [(reverse("portfolios:review_pillar", kwargs={"pk": assessment.pk, "pillar_slug": pillar.slug})
              + f"#capability-{capability.number}", f"Rate capability {capability.number} before you sign off")
             for pillar, capability in problems.unrated]
    if problems.summary_missing:
        links.append((reverse("portfolios:review_summary", kwargs={"pk": assessment.pk}),
                      "Write your overall summary before you sign off"))
    return render(request, "portfolios/review_sign_off.html", {
        "assessment": assessment, "matrix": matrix, "form": form, "objectives": objectives_for(assessment),
        "problems": problems, "has_errors": bool(form.errors), "error_forms": [form] if form.errors else [],
        "problem_links": links, "problem_heading": "You cannot sign off yet" if problems else "",
    })


@require_http_methods(["GET", "POST"])
def review_return(request, pk):
    """Return the assessment to the practitioner, saying why."""
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    if not assessment.is_under_review:
        messages.error(request, "Only an assessment in review can be returned")
        return redirect("portfolios:review", pk=assessment.pk)
    form = CommentForm(request.POST if request.method == "POST" else None, label=RETURN_LABEL,
                       hint="They see this. Say what to change before they submit again.")
    if request.method == "POST" and form.is_valid():
        return apply_move(request, assessment, "return", comment=form.cleaned_data["comment"],
                          done="portfolios:review_done", refused="portfolios:review_return")
    return render(request, "portfolios/review_return.html", {
        "assessment": assessment, "form": form, "has_errors": bool(form.errors), "error_forms": [form],
    })


@require_http_methods(["GET", "POST"])
def review_sign_off(request, pk):
    """Check the review, then sign off as appraiser with the declaration."""
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    if not assessment.is_under_review:
        messages.error(request, "Only an assessment in review can be signed off")
        return redirect("portfolios:review", pk=assessment.pk)
    form = DeclarationForm(request.POST if request.method == "POST" else None, appraiser=True)
    if request.method == "POST" and form.is_valid():
        return apply_move(request, assessment, "appraiser_sign_off", declaration=True,
                          done="portfolios:review_done", refused="portfolios:review_sign_off")
    return _sign_off_check(request, assessment, form)


def review_done(request, pk):
    """The appraiser's confirmation after returning or signing off."""
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    if assessment.status not in (AssessmentStatus.RETURNED, AssessmentStatus.AWAITING_SIGN_OFF):
        return redirect("portfolios:review", pk=assessment.pk)
    return render(request, "portfolios/review_done.html", {"assessment": assessment})


@require_POST
def practitioner_decision(request, pk):
    """The practitioner sends the appraiser's review back, saying why."""
    from portfolios.views.assessments import summary_context

    assessment = access.get_assessment_to_change(request.user, pk, pages())
    if request.POST.get("action") != "send_back":
        messages.error(request, "That action is not available")
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    form = CommentForm(request.POST, label=SEND_BACK_LABEL)
    if form.is_valid():
        return apply_move(request, assessment, "send_back", comment=form.cleaned_data["comment"],
                          success="Sent back to your appraiser")
    context = summary_context(request, assessment)
    context.update(send_back_form=form, has_errors=True, error_forms=[form])
    return render(request, "portfolios/assessment_summary.html", context)


@require_http_methods(["GET", "POST"])
def practitioner_sign_off(request, pk):
    """Check the appraiser's ratings, summary and plan, then sign off."""
    assessment = access.get_assessment_to_change(request.user, pk, pages())
    if assessment.status != AssessmentStatus.AWAITING_SIGN_OFF:
        messages.error(request, "Your appraiser has not signed off this assessment, so you cannot sign off yet")
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    form = DeclarationForm(request.POST if request.method == "POST" else None, appraiser=False)
    if request.method == "POST" and form.is_valid():
        return apply_move(request, assessment, "practitioner_sign_off", declaration=True,
                          done="portfolios:assessment_signed_off", refused="portfolios:practitioner_sign_off")
    previous, previous_plan = previous_objectives(assessment)
    open_previous = [objective for objective in previous_plan if not objective.status]
    return render(request, "portfolios/practitioner_sign_off.html", {
        "assessment": assessment, "matrix": assessment_matrix(assessment), "form": form,
        "objectives": objectives_for(assessment), "open_previous": open_previous,
        "has_errors": bool(form.errors), "error_forms": [form] if form.errors else [],
        "problem_links": [
            (reverse("portfolios:objective_status", kwargs={"pk": previous.pk, "objective_pk": objective.pk}),
             f"Say how “{objective.objective}” went, from your previous plan") for objective in open_previous
        ],
        "problem_heading": "You cannot sign off yet" if open_previous else "",
    })


def signed_off(request, pk):
    """The practitioner's confirmation: the record is complete, what next."""
    assessment = access.get_assessment(request.user, pk, pages())
    if (access.capacity(request.user, assessment) != access.Capacity.PRACTITIONER
            or assessment.status != AssessmentStatus.LOCKED):
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    return render(request, "portfolios/assessment_signed_off.html", {
        "assessment": assessment, "next_period_start": assessment.period_end + timedelta(days=1),
    })
