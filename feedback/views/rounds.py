"""The practitioner's and appraiser's 360° feedback pages: start a round,
rate yourself, invite raters, send, remind, close, release and read the
report. Raters' own pages are in rater_views.py.

Views parse input, call a service and render; who may do what is decided in
portfolios/access.py. Raters' answers only ever reach a page through the
report (feedback/report.py), which keeps them anonymous.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.models import FeedbackRelease
from capability.models import Capability
from feedback import services
from feedback.forms import (
    RaterForm,
    RoundForm,
    SelfRatingForm,
    StartRoundForm,
    add_service_errors,
)
from feedback.models import FeedbackInvitation, RoundStatus
from feedback.report import build_report, min_group_size
from feedback.templatetags.feedback_tags import round_state
from feedback import access as feedback_access
from portfolios import access
from portfolios.models import EvidenceItem


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


# Starting and changing a round ------------------------------------------------

@require_http_methods(["GET", "POST"])
def round_start(request, pk):
    assessment = access.get_assessment_to_change(request.user, pk)
    capabilities = list(
        Capability.objects.filter(framework_id=assessment.framework_id)
        .select_related("pillar").order_by("pillar__order", "number")
    )
    form = StartRoundForm(request.POST or None, capabilities=capabilities)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_round = services.start_round(
                assessment=assessment,
                capabilities=form.chosen_capabilities(),
                opens_on=form.cleaned_data["opens_on"],
                closes_on=form.cleaned_data["closes_on"],
                message=form.cleaned_data["message"],
                comment_scope=form.cleaned_data["comment_scope"],
                reminder_days_before=form.cleaned_data["reminder_days_before"],
            )
        except ValidationError as error:
            add_service_errors(form, error, fallback=form.pillar_fields[0] if form.pillar_fields else None)
        else:
            messages.success(request, "Round set up. Next, rate yourself and add your raters.")
            return redirect("feedback:round", pk=feedback_round.pk)
    return render(request, "feedback/round_start.html", {"assessment": assessment, "form": form})


@require_http_methods(["GET", "POST"])
def round_edit(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    if feedback_round.status == RoundStatus.CLOSED:
        messages.error(request, "This round has closed, so it cannot be changed")
        return redirect("feedback:round", pk=feedback_round.pk)
    form = RoundForm(request.POST or None, initial={
        "opens_on": feedback_round.opens_on, "closes_on": feedback_round.closes_on,
        "message": feedback_round.message, "reminder_days_before": feedback_round.reminder_days_before,
    })
    if request.method == "POST" and form.is_valid():
        done = _save_form(request, form, feedback_round, "Round details saved",
                          lambda: services.update_round(feedback_round=feedback_round, **form.cleaned_data))
        if done:
            return done
    return render(request, "feedback/round_edit.html",
                  {"round": feedback_round, "assessment": feedback_round.assessment, "form": form})


def _save_form(request, form, feedback_round, success: str, save) -> HttpResponse | None:
    """Run ``save``. Errors about the fields go back on the form (None: show
    it again); a refusal or a success goes back to the round page."""
    try:
        save()
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    except services.FeedbackError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return redirect("feedback:round", pk=feedback_round.pk)


@require_http_methods(["GET", "POST"])
def self_rating(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    assessment = feedback_round.assessment
    ratings = list(
        feedback_round.self_ratings.select_related("capability__pillar", "level")
        .order_by("capability__pillar__order", "capability__number")
    )
    editable = feedback_round.status == RoundStatus.DRAFT
    levels = list(assessment.rating_scale.levels.order_by("value"))
    form = None
    if editable:
        form = SelfRatingForm(request.POST or None, self_ratings=ratings, levels=levels)
        if request.method == "POST" and form.is_valid():
            done = _save_form(request, form, feedback_round, "Self-rating saved",
                              lambda: services.save_self_ratings(feedback_round=feedback_round, levels=form.levels()))
            if done:
                return done
    elif request.method == "POST":
        messages.error(request, "Your self-rating cannot change once the invitations have gone out")
        return redirect("feedback:round", pk=feedback_round.pk)
    return render(request, "feedback/self_rating.html", {
        "round": feedback_round, "assessment": assessment, "form": form, "ratings": ratings, "editable": editable,
        "levels": levels,
    })


# The round page ------------------------------------------------------------------

def _round_context(request, feedback_round, who, *, rater_form=None, page_errors=None) -> dict:
    assessment = feedback_round.assessment
    state = round_state(feedback_round)
    invitations = list(feedback_round.invitations.all())
    practitioner = who == access.Capacity.PRACTITIONER
    organisation = assessment.organisation
    by_appraiser = organisation is not None and organisation.feedback_release == FeedbackRelease.BY_APPRAISER
    evidence_item = None
    if practitioner and state == "closed":
        evidence_item = EvidenceItem.objects.filter(feedback_round=feedback_round).only("pk", "title").first()
    return {
        "round": feedback_round,
        "assessment": assessment,
        "viewer": who.value if who else "",
        "manages": practitioner,
        "state": state,
        "invitations": invitations,
        "waiting": sum(1 for invitation in invitations if invitation.sent_at and not invitation.responded),
        "responded": sum(1 for invitation in invitations if invitation.responded),
        "capability_count": feedback_round.capabilities.count(),
        "self_rating_complete": services.self_rating_complete(feedback_round),
        "takes_responses": feedback_round.takes_responses(),
        "report_visible": feedback_access.feedback_report_visible(feedback_round, who),
        "released_by_appraiser": by_appraiser,
        "can_release": (
            who == access.Capacity.APPRAISER and by_appraiser and state == "closed"
            and feedback_round.released_at is None
        ),
        "evidence_item": evidence_item,
        "rater_form": rater_form or RaterForm(),
        "page_errors": page_errors or [],
        "has_errors": bool(page_errors) or bool(rater_form is not None and rater_form.errors),
        "threshold": min_group_size(),
        "max_raters": services.MAX_RATERS,
    }


@require_safe
def round_detail(request, pk):
    feedback_round = feedback_access.get_feedback_round(request.user, pk)
    who = access.capacity(request.user, feedback_round.assessment)
    return render(request, "feedback/round.html", _round_context(request, feedback_round, who))


def _manage_page(request, feedback_round, **kwargs):
    """The round page again, for the practitioner, with what went wrong."""
    return render(request, "feedback/round.html",
                  _round_context(request, feedback_round, access.Capacity.PRACTITIONER, **kwargs))


@require_POST
def rater_add(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    form = RaterForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.add_rater(
                feedback_round=feedback_round, name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                group=form.cleaned_data["group"], request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.FeedbackError as refused:
            form.add_error(None, str(refused))
        else:
            sent = " and sent their invitation" if feedback_round.status == RoundStatus.OPEN else ""
            messages.success(request, f"Added {invitation.name}{sent}")
            return redirect(_raters_url(feedback_round))
    return _manage_page(request, feedback_round, rater_form=form)


def _raters_url(feedback_round) -> str:
    return reverse("feedback:round", kwargs={"pk": feedback_round.pk}) + "#raters"


@require_POST
def rater_remove(request, pk, invitation_pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    try:
        invitation = feedback_round.invitations.get(pk=invitation_pk)
    except FeedbackInvitation.DoesNotExist:
        raise Http404("No such rater")
    try:
        services.remove_rater(feedback_round=feedback_round, invitation=invitation)
    except services.FeedbackError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Removed {invitation.name}")
    return redirect(_raters_url(feedback_round))


# Where each reason for not sending is put right.
SEND_ERROR_ANCHORS = {
    "Rate yourself": "#self-rating",
    "Add at least one rater": "#id_rater-name",
    "The closing date": "#round-details",
}


@require_POST
def round_send(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    try:
        count = services.send_round(feedback_round=feedback_round, request=request)
    except services.FeedbackError as refused:
        message = str(refused)
        anchor = next((a for start, a in SEND_ERROR_ANCHORS.items() if message.startswith(start)), "")
        return _manage_page(request, feedback_round, page_errors=[(message, anchor)])
    messages.success(request, f"Invitations sent to {_plural(count, 'rater')}")
    return redirect("feedback:round", pk=feedback_round.pk)


def _act_on_round(request, feedback_round, action, success) -> HttpResponse:
    """Run a service on the round; say what happened or why it was refused,
    and go back to the round page. ``success`` makes the message from the
    service's result."""
    try:
        result = action()
    except services.FeedbackError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success(result))
    return redirect("feedback:round", pk=feedback_round.pk)


@require_POST
def round_remind(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    return _act_on_round(
        request, feedback_round,
        lambda: services.send_reminders(feedback_round=feedback_round, request=request),
        lambda count: f"Reminder sent to {_plural(count, 'rater')}" if count
        else "Everyone has responded, so no reminders were sent",
    )


@require_POST
def round_close(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    return _act_on_round(
        request, feedback_round, lambda: services.close_round(feedback_round=feedback_round),
        lambda _: "Round closed. Nobody else can respond.",
    )


@require_POST
def report_release(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_release(request.user, pk)
    return _act_on_round(
        request, feedback_round,
        lambda: services.release_report(feedback_round=feedback_round, appraiser=request.user),
        lambda _: f"Report released to {feedback_round.assessment.practitioner.full_name}",
    )


# The report -------------------------------------------------------------------

@require_safe
def report(request, pk):
    feedback_round = feedback_access.get_feedback_round(request.user, pk)
    who = access.capacity(request.user, feedback_round.assessment)
    context = {"round": feedback_round, "assessment": feedback_round.assessment, "viewer": who.value if who else "",
               "state": round_state(feedback_round)}
    if not feedback_access.feedback_report_visible(feedback_round, who):
        return render(request, "feedback/report_pending.html", context)
    feedback_report = build_report(feedback_round)
    for section in feedback_report.pillars:
        for row in [section.summary, *section.capabilities]:
            row.column_cells = list(zip(feedback_report.columns, row.cells(feedback_report.columns)))
    context.update({
        "report": feedback_report,
        "invited": sum(line.invited for line in feedback_report.counts),
    })
    return render(request, "feedback/report.html", context)


@require_POST
def report_evidence(request, pk):
    feedback_round = feedback_access.get_feedback_round_to_manage(request.user, pk)
    try:
        item = services.add_report_as_evidence(feedback_round=feedback_round, report=build_report(feedback_round))
    except services.FeedbackError as refused:
        messages.error(request, str(refused))
        return redirect("feedback:round", pk=feedback_round.pk)
    messages.success(request, "Report added to your evidence")
    return redirect("portfolios:evidence_detail", pk=item.pk)

