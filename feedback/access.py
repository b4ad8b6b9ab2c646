"""Who may see or run a 360° feedback round: the portfolio's own rules
(portfolios.access) applied to the round's assessment, plus when its report
may be read. Raters have no account: their link's token is their access
(feedback.tokens)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import FeedbackRelease
from feedback.models import FeedbackRound
from portfolios.access import Capacity, capacity, require_membership_for_change, visible_assessments


def get_feedback_round(user, round_id):
    """A 360° feedback round of an assessment the user may see: 404 otherwise."""
    try:
        return FeedbackRound.objects.select_related(
            "assessment__practitioner", "assessment__organisation", "assessment__rating_scale"
        ).get(pk=round_id, assessment__in=visible_assessments(user))
    except (FeedbackRound.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such feedback round")


def get_feedback_round_to_manage(user, round_id):
    """For the practitioner running the round (raters, self-rating, send, close)."""
    feedback_round = get_feedback_round(user, round_id)
    if feedback_round.assessment.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner can run their feedback round")
    require_membership_for_change(user, feedback_round.assessment)
    return feedback_round


def get_feedback_round_to_release(user, round_id):
    """For an assigned appraiser releasing the report to the practitioner."""
    feedback_round = get_feedback_round(user, round_id)
    if capacity(user, feedback_round.assessment) != Capacity.APPRAISER:
        raise PermissionDenied("Only an appraiser assigned to this practitioner can release the report")
    return feedback_round


def feedback_report_visible(feedback_round, who: Capacity | None, today=None) -> bool:
    """Whether someone in this capacity may read the round's report now. The
    appraiser may once the round has closed; the practitioner (and the
    organisation's admins, who see what the portfolio report shows) once it
    has closed and, where the organisation asks for it, the appraiser has
    released it."""
    if who is None or not feedback_round.is_closed(today):
        return False
    if who == Capacity.APPRAISER:
        return True
    organisation = feedback_round.assessment.organisation
    if organisation is not None and organisation.feedback_release == FeedbackRelease.BY_APPRAISER:
        return feedback_round.released_at is not None
    return True
