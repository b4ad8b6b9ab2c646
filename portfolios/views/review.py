"""The appraiser's review: its task list, a page per pillar, the overall
summary; the assessment's history and the appraiser's list of reviews."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods

from capability import structure
from core import merge
from core.templatetags.nhs_dates import nhs_date
from portfolios import access, review_services, workflow
from portfolios.queries import assessment_matrix, objectives_for, review_tasks, sign_off_problems
from portfolios.review_forms import AppraiserRatingForm, SummaryForm
from portfolios.timeline import assessment_audit_state, assessment_timeline
from portfolios.views.common import apply_move, message, pages


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
    return format_html('<li>{} <a href="{}">{}</a>{}{}{}</li>', item.reference, item.detail_url, item.title, changed,
                       confirmed, files)


def _pillar_context(assessment, pillar, data=None):
    """One pillar's capabilities as the appraiser reviews them: what the
    practitioner rated, wrote and included, and a rating form each."""
    matrix = assessment_matrix(assessment, with_files=True, with_confirmations=True)
    group = next(group for group in matrix if group.pillar.pk == pillar.pk)
    changed_label = f"Changed since {'signed' if assessment.is_closed else 'submitted'}"
    levels = structure.levels(assessment.rating_scale)
    for row in group.rows:
        for item in row.evidence:
            if not hasattr(item, "review_entry"):
                item.review_entry = _evidence_entry(item, changed_label)
        row.form = AppraiserRatingForm(data, capability=row.capability, levels=levels, initial={
            "rating": str(row.appraiser_value) if row.appraiser_value else "",
            "comment": row.appraiser_rating.comment if row.appraiser_rating else "",
        })
        if not assessment.is_under_review:
            for field in row.form.fields.values():
                field.disabled = True
    shown = (data or {}).get("shown") or merge.fingerprint(review_services.review_state(
        summary=None, capability_ids=[row.capability.pk for row in group.rows],
        appraiser_ratings=[row.appraiser_rating for row in group.rows if row.appraiser_rating],
    ))
    pillars = [g.pillar for g in matrix]
    index = pillars.index(group.pillar)
    return {
        "assessment": assessment, "group": group, "pillar": group.pillar, "pillars": pillars,
        "next_pillar": pillars[index + 1] if index + 1 < len(pillars) else None,
        "levels": levels, "shown": shown, "editable": assessment.is_under_review,
        "forms": [row.form for row in group.rows],
    }


def _go(assessment, target: str, pillars, pillar) -> str:
    """Where a review page's button leads once what was typed is saved:
    another pillar, the summary or the task list."""
    slugs = {p.slug for p in pillars}
    kind, _, slug = target.partition(":")
    if kind == "pillar" and slug in slugs:
        return reverse("portfolios:review_pillar", kwargs={"pk": assessment.pk, "pillar_slug": slug})
    if kind == "summary":
        return reverse("portfolios:review_summary", kwargs={"pk": assessment.pk})
    if kind == "next" and pillar is not None:
        following = pillars[pillars.index(pillar) + 1:] if pillar in pillars else []
        if following:
            return reverse("portfolios:review_pillar", kwargs={"pk": assessment.pk, "pillar_slug": following[0].slug})
        return reverse("portfolios:review_summary", kwargs={"pk": assessment.pk})
    return reverse("portfolios:review", kwargs={"pk": assessment.pk})


@require_http_methods(["GET", "POST"])
def review(request, pk):
    """The review's task list: each pillar, the summary and the plan, with
    how far each has gone, and the way to return or sign off."""
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    if request.method == "POST":
        if request.POST.get("action") != "start_review":
            messages.error(request, "That action is not available")
            return redirect("portfolios:review", pk=assessment.pk)
        return apply_move(request, assessment, "start_review", success="Review started")
    matrix = assessment_matrix(assessment)
    return render(request, "portfolios/review.html", {
        "assessment": assessment, "tasks": review_tasks(matrix, assessment.appraiser_summary),
        "problems": sign_off_problems(assessment, matrix), "objectives": objectives_for(assessment),
        "editable": assessment.is_under_review,
    })


@require_http_methods(["GET", "POST"])
def review_pillar(request, pk, pillar_slug):
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    pillar = next((p for p in structure.pillars(assessment.framework) if p.slug == pillar_slug), None)
    if pillar is None:
        raise Http404("No such pillar")
    data = request.POST if request.method == "POST" else None
    context = _pillar_context(assessment, pillar, data)
    if data is None:
        return render(request, "portfolios/review_pillar.html", context)
    if not assessment.is_under_review:
        messages.error(request, "This review can no longer be changed")
        return redirect("portfolios:review_pillar", pk=assessment.pk, pillar_slug=pillar.slug)
    forms = context["forms"]
    if not all(form.is_valid() for form in forms):
        return render(request, "portfolios/review_pillar.html", context | {"error_forms": forms, "has_errors": True})
    ratings = [review_services.AppraiserRatingInput(
        capability_id=form.capability.pk, level_id=form.level_id(), comment=form.cleaned_data["comment"],
    ) for form in forms]
    refused = _save(request, assessment, context, "portfolios/review_pillar.html", ratings=ratings, summary=None)
    if refused is not None:
        return refused
    messages.success(request, f"{pillar.name} saved")
    return redirect(_go(assessment, request.POST.get("go", ""), context["pillars"], pillar))


@require_http_methods(["GET", "POST"])
def review_summary(request, pk):
    """The appraiser's overall summary, beside the ratings on both sides."""
    assessment = access.get_assessment_to_review(request.user, pk, pages())
    data = request.POST if request.method == "POST" else None
    form = SummaryForm(data, initial={"summary": assessment.appraiser_summary})
    if not assessment.is_under_review:
        form.fields["summary"].disabled = True
    matrix = assessment_matrix(assessment)
    context = {"assessment": assessment, "form": form, "matrix": matrix, "editable": assessment.is_under_review,
               "pillars": [group.pillar for group in matrix], "forms": [form],
               "shown": (data or {}).get("shown") or merge.fingerprint(review_services.review_state(
                   summary=assessment.appraiser_summary, capability_ids=(), appraiser_ratings=()))}
    if data is None:
        return render(request, "portfolios/review_summary.html", context)
    if not assessment.is_under_review:
        messages.error(request, "This review can no longer be changed")
        return redirect("portfolios:review_summary", pk=assessment.pk)
    if not form.is_valid():
        return render(request, "portfolios/review_summary.html", context | {"error_forms": [form], "has_errors": True})
    refused = _save(request, assessment, context, "portfolios/review_summary.html",
                    ratings=[], summary=form.cleaned_data["summary"])
    if refused is not None:
        return refused
    messages.success(request, "Overall summary saved")
    return redirect(_go(assessment, request.POST.get("go", ""), context["pillars"], None))


def _save(request, assessment, context, template, *, ratings, summary):
    """Save a review page; None when saved, else the response that says
    why not, with what was typed kept on the page."""
    try:
        review_services.save_review(assessment=assessment, appraiser=request.user, ratings=ratings,
                                    summary=summary, shown=merge.parse_fingerprint(request.POST.get("shown")))
    except merge.EditConflict as conflict:
        return _review_conflict(request, context, template, conflict)
    except (workflow.TransitionRefused, ValidationError) as refused:
        messages.error(request, message(refused))
        return redirect("portfolios:review", pk=assessment.pk)
    return None


REVIEW_CONFLICT = (
    "This review was changed in another tab or window after you opened this page, and some of the same "
    "ratings or comments were changed here, so nothing has been saved. Your changes are shown below. "
    "Save again to replace the other changes with yours, or reload the page to see the saved review."
)


def _review_conflict(request, context, template, conflict):
    """The page as typed, with each clashing field marked, answered 409;
    saving again from it overwrites (its fingerprint is the stored state,
    for this page's fields)."""
    by_capability = {form.capability.pk: form for form in context["forms"] if hasattr(form, "capability")}
    marked = []
    for key in conflict.fields:
        kind, _, pk = key.partition(":")
        form = context["forms"][0] if kind == "summary" else by_capability.get(int(pk or 0))
        if form is not None:
            form.add_error("summary" if kind == "summary" else kind,
                           "This was also changed in another tab or window. Yours is shown.")
            marked.append(form)
    page_keys = set(merge.parse_fingerprint(context["shown"]) or ())
    current = {key: value for key, value in conflict.current.items() if key in page_keys}
    context.update(shown=merge.fingerprint(current), error_forms=list(dict.fromkeys(marked)),
                   has_errors=True, conflict_intro=REVIEW_CONFLICT)
    return render(request, template, context, status=409)


def history(request, pk):
    assessment = access.get_assessment(request.user, pk, pages())
    return render(request, "portfolios/history.html", {
        "assessment": assessment, "entries": assessment_timeline(assessment),
        "audit": assessment_audit_state(assessment),
    })


def reviews(request):
    """The appraiser's list: assigned practitioners and what needs attention."""
    from portfolios.queries import appraiser_caseload

    return render(request, "portfolios/reviews.html", {"caseload": appraiser_caseload(request.user)})
