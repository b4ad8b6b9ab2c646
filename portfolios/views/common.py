"""What the review, sign-off and plan views share: the assessment queryset
their pages read, and making a workflow move from a page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from portfolios import notifications, workflow
from portfolios.models import Assessment
from portfolios.queries import assessments_for_pages


def pages():
    # access.get_assessment adds the visibility rule to this queryset.
    return assessments_for_pages(Assessment.objects.all())


def message(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def apply_move(request, assessment, name, *, comment="", declaration=False, success="", done=None, refused=None):
    """Make the move and tell those it concerns; then redirect to ``done``
    (a URL name taking the assessment's pk), or back to ``refused`` with the
    reason. Both default to the actor's main page for the assessment."""
    move = workflow.MOVES[name]
    home = "portfolios:review" if move.actor == workflow.Actor.APPRAISER else "portfolios:assessment_summary"
    try:
        workflow.apply(assessment=assessment, name=name, actor_user=request.user, actor=move.actor,
                       comment=comment, declaration=declaration)
    except workflow.TransitionRefused as error:
        messages.error(request, str(error))
        return redirect(refused or home, pk=assessment.pk)
    notifications.after_move(assessment=assessment, name=name, request=request)
    if success:
        messages.success(request, success)
    return redirect(done or home, pk=assessment.pk)
