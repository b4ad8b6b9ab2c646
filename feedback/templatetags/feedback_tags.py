"""360° feedback pieces for other pages: the list of an assessment's rounds
(on the assessment summary and the review) and small display helpers.

    {% load feedback_tags %}
    {% feedback_rounds assessment viewer %}
"""

from django import template

register = template.Library()

STATE_LABELS = {"draft": "Not sent yet", "open": "Open", "closed": "Closed"}


def round_state(feedback_round, today=None) -> str:
    """"draft", "open" or "closed": a round past its closing date is closed
    even before anyone closes it."""
    from feedback.models import RoundStatus

    if feedback_round.is_closed(today):
        return "closed"
    if feedback_round.status == RoundStatus.OPEN:
        return "open"
    return "draft"


@register.filter
def feedback_state(feedback_round) -> str:
    return round_state(feedback_round)


@register.filter
def feedback_state_label(state: str) -> str:
    return STATE_LABELS.get(state, "")


@register.filter
def absolute(value):
    """The size of a number, without its sign (for the gap of a blind spot)."""
    return abs(value) if value is not None else None


@register.inclusion_tag("feedback/_rounds.html")
def feedback_rounds(assessment, viewer: str = ""):
    """The assessment's rounds, newest first, in one query. ``viewer`` is
    the capacity's value ("practitioner", "appraiser", "organisation_admin")."""
    from feedback.models import FeedbackRound

    rounds = list(FeedbackRound.objects.for_assessment(assessment))
    for feedback_round in rounds:
        feedback_round.state = round_state(feedback_round)
    return {"assessment": assessment, "rounds": rounds, "viewer": viewer}
