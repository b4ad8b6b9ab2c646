"""The rater's page, at /feedback/respond/<token>/, reached by the link in
their email. Raters have no account, so the page needs no sign-in; the
token is the only key, and the page puts it nowhere but the address the
form posts back to (the form has no action attribute, so it posts to the
address it was loaded from).

One view does everything:

- GET shows the questions, filled in with any answers saved earlier.
- POST with ``action=save`` saves what was entered, answered or not, and
  shows the page again with a success banner.
- Any other POST submits. Every capability needs an answer (a level, or not
  able to comment); otherwise the page comes back with an error summary and
  everything typed kept. A good submission renders the thank-you page
  directly, in the same response: the simplest choice, and it needs nothing
  from the link afterwards. Reloading it posts again, which finds the link
  used and shows the "already responded" page.

Links that cannot be used get a page that says why and what to do:
unknown, tampered with or not sent yet is 404 ("This link is not valid");
already used, closed or not open yet is 410. A submission that races with
the round closing is refused by the service (LinkUnusable) and gets the
same pages.

Every request from one address counts towards a fixed 10-minute window
(``rate_limited``); over ``FEEDBACK_LINK_RATE_LIMIT`` the page is 429. The
count is kept in Django's default cache: with the default local-memory cache
each server process counts on its own, so with several processes configure
a shared cache (such as Redis or the database cache) for a shared limit.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.rate_limit import over_limit
from feedback import services
from feedback.models import RaterGroup
from feedback.rater_forms import RaterForm


TEMPLATES = "feedback/rater/"


def rate_limited(request) -> bool:
    """Count this request against its address's fixed 10-minute window;
    True once the count is over settings.FEEDBACK_LINK_RATE_LIMIT."""
    return over_limit(request, name="feedback-link-attempts", limit=settings.FEEDBACK_LINK_RATE_LIMIT)


def _not_valid(request):
    return render(request, TEMPLATES + "not_valid.html", status=404)


def _closed_on(feedback_round):
    """The day the round stopped taking responses: its closing date, or
    the day the practitioner closed it, if that was earlier."""
    if feedback_round.closed_at is not None:
        return min(feedback_round.closes_on, timezone.localdate(feedback_round.closed_at))
    return feedback_round.closes_on


def _unusable(request, problem: services.LinkUnusable):
    feedback_round = problem.invitation.round
    context = {"practitioner": feedback_round.assessment.practitioner, "feedback_round": feedback_round}
    if problem.reason == services.ALREADY_RESPONDED:
        return render(request, TEMPLATES + "already_responded.html", context, status=410)
    if problem.reason == services.ROUND_CLOSED:
        context["closed_on"] = _closed_on(feedback_round)
        return render(request, TEMPLATES + "closed.html", context, status=410)
    if problem.reason == services.NOT_OPEN_YET:
        return render(request, TEMPLATES + "not_open.html", context, status=410)
    # Not sent (or any reason added later): to the rater, a link that does
    # not work yet is a link that does not work.
    return _not_valid(request)


def _form(invitation, capabilities, levels, *, data=None, initial=None, require_all=True):
    return RaterForm(
        data, initial=initial, feedback_round=invitation.round, group=invitation.group,
        capabilities=capabilities, levels=levels, require_all=require_all,
    )


def _page(request, invitation, form, *, status=200):
    feedback_round = invitation.round
    return render(
        request,
        TEMPLATES + "respond.html",
        {
            "invitation": invitation,
            "feedback_round": feedback_round,
            "practitioner": feedback_round.assessment.practitioner,
            "form": form,
            "has_errors": bool(form.errors),
            "sections": form.sections(),
            "overall_comments": form.overall_comment_fields(),
            "service_user": invitation.group == RaterGroup.SERVICE_USER,
            "min_group_size": settings.FEEDBACK_MIN_GROUP_SIZE,
        },
        status=status,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def respond(request, token):
    if rate_limited(request):
        return render(request, TEMPLATES + "rate_limited.html", status=429)
    try:
        invitation = services.find_invitation(token)
        services.check_usable(invitation)
    except services.LinkNotFound:
        return _not_valid(request)
    except services.LinkUnusable as problem:
        return _unusable(request, problem)

    feedback_round = invitation.round
    capabilities = list(
        feedback_round.capabilities.select_related("pillar").with_elements().order_by("pillar__order", "number")
    )
    levels = list(feedback_round.assessment.rating_scale.levels.all())

    if request.method == "GET":
        initial = RaterForm.initial_from(services.saved_answers(invitation), capabilities)
        return _page(request, invitation, _form(invitation, capabilities, levels, initial=initial))

    saving = request.POST.get("action") == "save"
    form = _form(invitation, capabilities, levels, data=request.POST, require_all=not saving)
    if not form.is_valid():
        return _page(request, invitation, form)

    try:
        if saving:
            services.save_draft(invitation=invitation, answers=form.answers())
        else:
            services.submit_response(invitation=invitation, answers=form.answers())
    except services.LinkUnusable as problem:
        return _unusable(request, problem)
    except ValidationError as error:
        # The form checks what the service does, so this only happens if the
        # round's questions changed under the rater: say so, keep the answers.
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, invitation, form)

    if saving:
        messages.success(
            request,
            "Your answers have been saved. Use the same link to come back to them by "
            f"{feedback_round.closes_on.day} {feedback_round.closes_on:%B %Y}.",
        )
        return _page(request, invitation, form)
    return render(
        request, TEMPLATES + "thank_you.html",
        {"practitioner": feedback_round.assessment.practitioner, "feedback_round": feedback_round},
    )
