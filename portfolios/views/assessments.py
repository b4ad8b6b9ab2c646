"""Assessment pages for the practitioner: start, rate by pillar, summary,
gap view, submit."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from capability import structure
from portfolios.charts import comparison
from portfolios import access, carry, notifications, services, workflow
from portfolios.forms import CapabilityRatingForm, StartAssessmentForm, SubmitDeclarationForm
from portfolios.models import Assessment, AssessmentStatus
from portfolios.queries import (
    assessment_matrix,
    assessments_for_pages,
    evidence_by_capability,
    mark_expected,
    stage_rank,
    start_options,
)

CONFLICT_MESSAGE = (
    "This assessment was changed in another tab or window after you opened this page, so your changes "
    "have not been saved. Your changes are shown below: check them against the saved assessment, then save again."
)


def _assessment(request, pk):
    return access.get_assessment(
        request.user, pk, assessments_for_pages(Assessment.objects.all())
    )


def _assessment_to_change(request, pk):
    return access.get_assessment_to_change(
        request.user, pk, assessments_for_pages(Assessment.objects.all())
    )


@require_http_methods(["GET", "POST"])
def start(request):
    access.require_practitioner(request.user)
    previous = services.previous_assessment(request.user)
    form = StartAssessmentForm(request.POST or None, previous=previous, options=start_options(request.user))
    if request.method == "POST" and form.is_valid():
        option = form.chosen_option()
        try:
            assessment = services.start_assessment(
                practitioner=request.user,
                title=form.cleaned_data["title"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                copy_from=previous if form.cleaned_data.get("copy_forward") else None,
                organisation=option.organisation if option else None,
                framework=option.framework if option else None,
            )
        except ValidationError as refused:
            # The organisation's choice changed since the page was shown.
            form.add_error("option" if "option" in form.fields else None, refused.messages[0])
        else:
            messages.success(request, "Assessment started")
            first_pillar = assessment.framework.pillars.order_by("order").first()
            return redirect("portfolios:assessment_pillar", pk=assessment.pk, pillar_slug=first_pillar.slug)
    return render(request, "portfolios/assessment_start.html", {"form": form})


def summary_context(request, assessment) -> dict:
    """Everything the summary page shows, for whoever may see it."""
    from portfolios.queries import objectives_for, previous_objectives
    from portfolios.review_forms import CommentForm

    levels = structure.levels(assessment.rating_scale)
    viewer = access.capacity(request.user, assessment)
    show_appraiser = _appraiser_shown(assessment, viewer)
    matrix = assessment_matrix(assessment, with_appraiser=show_appraiser)
    # The page shows the previous plan to everyone but admins, and the
    # last move's comment only while the assessment is returned.
    previous, previous_plan = (
        previous_objectives(assessment) if viewer != access.Capacity.ADMIN else (None, [])
    )
    returned = assessment.status == AssessmentStatus.RETURNED
    return {
        "assessment": assessment,
        "matrix": matrix,
        "levels": levels,
        "rated_count": sum(len(p.rated_values) for p in matrix),
        "capability_count": sum(len(p.rows) for p in matrix),
        "comparison": comparison(matrix, levels, with_appraiser=show_appraiser),
        "viewer": viewer.value if viewer else "",
        "show_appraiser": show_appraiser,
        "objectives": objectives_for(assessment),
        "previous_assessment": previous,
        "previous_plan": previous_plan,
        "last_move": assessment.transitions.order_by("-created_at").first() if returned else None,
        # Only an assessment copied forward can have carried anything.
        "carried": carry.carried_over(assessment) if assessment.copied_from_id else {},
        "send_back_form": CommentForm(label="What would you like your appraiser to look at again?"),
    }


def _appraiser_shown(assessment, viewer) -> bool:
    """The practitioner sees the appraiser's ratings once the appraiser has
    signed off; the appraiser and admins always do."""
    return assessment.status in (
        AssessmentStatus.AWAITING_SIGN_OFF, AssessmentStatus.SIGNED_OFF, AssessmentStatus.LOCKED
    ) or viewer in (access.Capacity.APPRAISER, access.Capacity.ADMIN)


def summary(request, pk):
    assessment = _assessment(request, pk)
    return render(request, "portfolios/assessment_summary.html", summary_context(request, assessment))


def _check_answers(request, assessment, form, *, missing_error=False):
    """The check-your-answers page before submitting: every rating by
    pillar, with a link to change it, and the declaration."""
    matrix = assessment_matrix(assessment, with_appraiser=False)
    unrated = [(group.pillar, row.capability) for group in matrix for row in group.rows if row.level_value is None]
    has_errors = bool(form.errors) or (missing_error and bool(unrated))
    return render(request, "portfolios/assessment_submit.html", {
        "assessment": assessment, "matrix": matrix, "form": form, "unrated": unrated, "has_errors": has_errors,
        "error_forms": [form] if form.errors else [],
        "problem_links": [
            (reverse("portfolios:assessment_pillar", kwargs={"pk": assessment.pk, "pillar_slug": pillar.slug})
             + f"#capability-{capability.number}", f"Rate capability {capability.number}")
            for pillar, capability in unrated
        ] if has_errors else [],
    })


@require_http_methods(["GET", "POST"])
def submit(request, pk):
    assessment = _assessment_to_change(request, pk)
    if not assessment.is_editable:
        messages.error(request, "This assessment has already been submitted")
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    form = SubmitDeclarationForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _check_answers(request, assessment, form)
    was_returned = assessment.status == AssessmentStatus.RETURNED
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.submit_assessment(assessment=assessment, expected_version=version)
    except services.NotEditable:
        messages.error(request, "This assessment has already been submitted")
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    except services.StaleVersion:
        messages.error(request, "This assessment changed after you opened the page. Check your answers again, then submit.")
        return redirect("portfolios:assessment_submit", pk=assessment.pk)
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    except ValidationError:
        return _check_answers(request, assessment, form, missing_error=True)
    notifications.after_move(assessment=assessment, name="resubmit" if was_returned else "submit", request=request)
    return redirect("portfolios:assessment_submitted", pk=assessment.pk)


def submitted(request, pk):
    """The confirmation after submitting: what happens next."""
    assessment = _assessment(request, pk)
    if (access.capacity(request.user, assessment) != access.Capacity.PRACTITIONER
            or assessment.status != AssessmentStatus.SUBMITTED):
        return redirect("portfolios:assessment_summary", pk=assessment.pk)
    return render(request, "portfolios/assessment_submitted.html", {
        "assessment": assessment,
        "appraisers": list(access.reviewers(assessment).order_by("full_name")),
    })


def gaps(request, pk):
    assessment = _assessment(request, pk)
    framework = assessment.framework
    show_appraiser = _appraiser_shown(assessment, access.capacity(request.user, assessment))
    matrix = assessment_matrix(assessment, with_appraiser=show_appraiser)
    return render(request, "portfolios/assessment_gaps.html", {
        "assessment": assessment,
        "matrix": matrix,
        "comparison": comparison(matrix, structure.levels(assessment.rating_scale), with_appraiser=show_appraiser,
                                 title="Ratings against the level expected now"),
        "guide_per_capability": framework.guide_per_capability,
        "guide_per_pillar": framework.guide_per_pillar,
        "expected_level": structure.level_named(assessment.rating_scale, framework.expected_level),
        "has_transition_points": structure.has_transition_points(framework),
        "career_stage_set": bool(assessment.practitioner.career_stage),
    })


def carried(request, pk):
    """What this assessment carried across a crosswalk from an older one."""
    assessment = _assessment(request, pk)
    return render(request, "portfolios/assessment_carried.html",
                  {"assessment": assessment, **carry.carried_over(assessment)})


def _pillar_forms(request, assessment, pillar, data=None):
    capabilities = structure.capabilities_by_pillar(assessment.framework).get(pillar.pk, [])
    ratings = {
        r.capability_id: r
        # Keyed by capability: no ORDER BY, so no joins made only to order.
        for r in assessment.ratings.filter(capability__in=capabilities).select_related("level").order_by()
    }
    levels = structure.levels(assessment.rating_scale)
    evidence = evidence_by_capability(assessment.practitioner, [c.pk for c in capabilities])
    included = set(assessment.evidence_links.values_list("evidence_id", flat=True))
    rank = stage_rank(assessment.practitioner)
    forms = []
    for capability in capabilities:
        # Copies: the capabilities are shared by every request (structure).
        elements = [copy.copy(element) for element in capability.elements.all()]
        mark_expected(elements, rank)
        rating = ratings[capability.pk]
        items = evidence.get(capability.pk, [])
        form = CapabilityRatingForm(
            data,
            capability=capability,
            levels=levels,
            evidence_items=items,
            initial={
                "rating": str(rating.level.value) if rating.level_id else "",
                "reflection": rating.reflection,
                "development_priority": rating.development_priority,
                "evidence": [str(item.pk) for item in items if item.pk in included],
            },
        )
        if not items:
            del form.fields["evidence"]
        if not assessment.is_editable:
            for field in form.fields.values():
                field.disabled = True
        form.elements = elements
        forms.append(form)
    return forms, levels


@require_http_methods(["GET", "POST"])
def pillar_page(request, pk, pillar_slug):
    # One access check: a save needs the practitioner's own assessment. The
    # practitioner's own page to edit is refused, not shown, once their
    # membership has ended.
    assessment = _assessment_to_change(request, pk) if request.method == "POST" else access.get_assessment(
        request.user, pk, access.with_membership_state(assessments_for_pages(Assessment.objects.all())))
    if assessment.is_editable and access.capacity(request.user, assessment) == access.Capacity.PRACTITIONER:
        access.require_membership_for_change(request.user, assessment)
    pillars = structure.pillars(assessment.framework)
    pillar = next((p for p in pillars if p.slug == pillar_slug), None)
    if pillar is None:
        raise Http404("No such pillar")
    index = pillars.index(pillar)
    next_pillar = pillars[index + 1] if index + 1 < len(pillars) else None

    version = assessment.version
    conflict = False
    if request.method == "POST":
        if not assessment.is_editable:
            messages.error(request, "This assessment has been submitted, so it can no longer be changed")
            return redirect("portfolios:assessment_pillar", pk=assessment.pk, pillar_slug=pillar.slug)
        forms, levels = _pillar_forms(request, assessment, pillar, request.POST)
        if all(form.is_valid() for form in forms):
            try:
                posted_version = int(request.POST.get("version", ""))
            except ValueError:
                posted_version = -1
            try:
                services.save_ratings(
                    assessment=assessment,
                    expected_version=posted_version,
                    ratings=[
                        services.RatingInput(
                            capability_id=form.capability.pk,
                            level_id=form.level_id(),
                            reflection=form.cleaned_data["reflection"],
                            development_priority=form.cleaned_data["development_priority"],
                            evidence_ids={
                                item.pk for item in form.evidence_items
                                if str(item.pk) in form.cleaned_data.get("evidence", [])
                            },
                        )
                        for form in forms
                    ],
                )
            except services.StaleVersion as stale:
                conflict = True
                version = stale.current_version
            except services.NotEditable:
                messages.error(request, "This assessment has been submitted, so it can no longer be changed")
                return redirect("portfolios:assessment_pillar", pk=assessment.pk, pillar_slug=pillar.slug)
            else:
                if "save_draft" in request.POST or next_pillar is None:
                    messages.success(request, f"{pillar.name} saved")
                if "save_draft" in request.POST:
                    return redirect("portfolios:assessment_pillar", pk=assessment.pk, pillar_slug=pillar.slug)
                if next_pillar is not None:
                    return redirect("portfolios:assessment_pillar", pk=assessment.pk, pillar_slug=next_pillar.slug)
                return redirect("portfolios:assessment_summary", pk=assessment.pk)
    else:
        forms, levels = _pillar_forms(request, assessment, pillar)

    errors = [
        (f"#id_{form.prefix}-{name}" + ("_0" if name in ("rating", "evidence") else ""), message)
        for form in forms
        for name, field_errors in form.errors.items()
        for message in field_errors
    ]
    return render(
        request,
        "portfolios/assessment_pillar.html",
        {
            "assessment": assessment,
            "pillar": pillar,
            "pillars": pillars,
            "next_pillar": next_pillar,
            "forms": forms,
            "levels": levels,
            "version": version,
            "conflict": conflict,
            "page_errors": errors,
            "has_errors": bool(errors) or conflict,
            "career_stage_set": bool(assessment.practitioner.career_stage),
            "has_transition_points": structure.has_transition_points(assessment.framework),
        },
        status=409 if conflict else 200,
    )
