"""Business rules of 360° feedback rounds: plain functions with keyword
arguments, each in one transaction. Views check who may act (through
portfolios/access.py) before calling these; the rules about the round's own
state are checked here.

Emails go after commit (feedback/emails.py), so no rater is sent
a link to something that was rolled back.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import own_addresses, same_mailbox
from capability.models import RatingLevel
from feedback import emails, tokens
from feedback.models import (
    CommentKind,
    CommentScope,
    FeedbackAnswer,
    FeedbackComment,
    FeedbackDraft,
    FeedbackInvitation,
    FeedbackResponse,
    FeedbackRound,
    FeedbackSelfRating,
    RaterGroup,
    RoundStatus,
)
from portfolios.evidence_numbers import next_number
from portfolios.models import CapabilityRating, EvidenceCapabilityLink, EvidenceItem, EvidenceType
from portfolios.services import include_evidence_in_drafts

MAX_RATERS = 50
MAX_ROUND_DAYS = 90


class FeedbackError(Exception):
    """A request the round's state does not allow; the message says why, in
    words for the person who asked."""


class LinkNotFound(Exception):
    """No invitation has this token: mistyped, cut short, tampered with or
    made up."""


class LinkUnusable(Exception):
    """The link is real but cannot be used now; ``reason`` says why."""

    def __init__(self, reason: str, invitation: FeedbackInvitation):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


# Why a real link cannot be used.
ALREADY_RESPONDED = "responded"
ROUND_CLOSED = "closed"
NOT_OPEN_YET = "not_open"
NOT_SENT = "not_sent"


def _lock(feedback_round: FeedbackRound, today=None) -> FeedbackRound:
    """The round, locked, and closed by status if its closing date has
    passed: from then on nothing can change it (dates, raters, reopening),
    because its report may already have been read, and any change would let
    one rater's answers be worked out by comparing two versions of it."""
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=feedback_round.pk)
    today = today or timezone.localdate()
    if feedback_round.status == RoundStatus.OPEN and feedback_round.closes_on < today:
        _mark_closed(feedback_round)
    return feedback_round


def _mark_closed(feedback_round: FeedbackRound) -> None:
    feedback_round.status = RoundStatus.CLOSED
    feedback_round.closed_at = timezone.now()
    feedback_round.save(update_fields=["status", "closed_at"])
    FeedbackDraft.objects.filter(invitation__round=feedback_round).delete()


@transaction.atomic
def close_overdue_rounds(*, today=None) -> int:
    """Close, by status, every open round whose closing date has passed (the
    daily job; a round is also closed when anything next touches it)."""
    today = today or timezone.localdate()
    overdue = FeedbackRound.objects.select_for_update().filter(status=RoundStatus.OPEN, closes_on__lt=today)
    count = 0
    for feedback_round in overdue:
        _mark_closed(feedback_round)
        count += 1
    return count


_same_mailbox = same_mailbox
_own_addresses = own_addresses


def _check_dates(opens_on, closes_on, today) -> None:
    errors = {}
    if closes_on < opens_on:
        errors["closes_on"] = "The closing date must be the same as or after the opening date"
    elif closes_on < today:
        errors["closes_on"] = "The closing date must be today or in the future"
    elif (closes_on - opens_on).days > MAX_ROUND_DAYS:
        errors["closes_on"] = f"A round can be open for up to {MAX_ROUND_DAYS} days"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def start_round(
    *, assessment, capabilities, opens_on, closes_on, message: str = "",
    comment_scope: str = CommentScope.OVERALL, reminder_days_before: int = 3, today=None,
) -> FeedbackRound:
    """A new round, not sent yet, asking about these capabilities of the
    assessment's framework, with a self-rating for each that starts from the
    practitioner's rating of it in the assessment (empty where not rated),
    so that nothing is entered twice; they can change it before sending."""
    today = today or timezone.localdate()
    # Each once, in the order given: a forged or replayed form can repeat one.
    capabilities = list(dict.fromkeys(capabilities))
    if not capabilities:
        raise ValidationError({"capabilities": "Choose at least one capability to ask about"})
    if any(capability.framework_id != assessment.framework_id for capability in capabilities):
        raise ValidationError({"capabilities": "Choose capabilities from the assessment's framework"})
    _check_dates(opens_on, closes_on, today)
    feedback_round = FeedbackRound.objects.create(
        assessment=assessment, opens_on=opens_on, closes_on=closes_on, message=message.strip(),
        comment_scope=comment_scope, reminder_days_before=reminder_days_before,
    )
    feedback_round.capabilities.set(capabilities)
    rated = dict(
        CapabilityRating.objects.filter(assessment=assessment, capability__in=capabilities)
        .order_by().values_list("capability_id", "level_id")
    )
    FeedbackSelfRating.objects.bulk_create(
        FeedbackSelfRating(round=feedback_round, capability=capability, level_id=rated.get(capability.pk))
        for capability in capabilities
    )
    return feedback_round


@transaction.atomic
def update_round(
    *, feedback_round: FeedbackRound, opens_on, closes_on, message: str, reminder_days_before: int, today=None,
) -> FeedbackRound:
    """Change the dates and message. The questions cannot change once sent;
    the dates can (to give raters longer)."""
    today = today or timezone.localdate()
    feedback_round = _lock(feedback_round, today)
    if feedback_round.status == RoundStatus.CLOSED:
        raise FeedbackError("This round has closed, so it cannot be changed")
    _check_dates(opens_on, closes_on, today)
    feedback_round.opens_on, feedback_round.closes_on = opens_on, closes_on
    feedback_round.message = message.strip()
    feedback_round.reminder_days_before = reminder_days_before
    feedback_round.save(update_fields=["opens_on", "closes_on", "message", "reminder_days_before"])
    return feedback_round


@transaction.atomic
def save_self_ratings(*, feedback_round: FeedbackRound, levels: dict) -> None:
    """``levels`` maps capability id to a RatingLevel of the assessment's
    scale (or None to clear). The self-rating is fixed once the round is
    sent: raters are compared with what the practitioner said beforehand."""
    feedback_round = _lock(feedback_round)
    if feedback_round.status != RoundStatus.DRAFT:
        raise FeedbackError("Your self-rating cannot change once the invitations have gone out")
    scale_id = feedback_round.assessment.rating_scale_id
    for rating in feedback_round.self_ratings.select_for_update():
        if rating.capability_id not in levels:
            continue
        level = levels[rating.capability_id]
        if level is not None and level.scale_id != scale_id:
            raise ValidationError("Choose a rating from the assessment's scale")
        rating.level = level
        rating.save(update_fields=["level"])


def self_rating_complete(feedback_round: FeedbackRound) -> bool:
    return not feedback_round.self_ratings.filter(level__isnull=True).exists()


@transaction.atomic
def add_rater(*, feedback_round: FeedbackRound, name: str, email: str, group: str, request=None) -> FeedbackInvitation:
    """Invite a rater. Once the round is open the email goes straight away."""
    feedback_round = _lock(feedback_round)
    if feedback_round.status == RoundStatus.CLOSED:
        raise FeedbackError("This round has closed, so no more raters can be added")
    email = email.strip().lower()
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Enter the rater's name"
    if group not in RaterGroup.values:
        errors["group"] = "Select how the rater knows you"
    mailbox = _same_mailbox(email)
    # One mailbox, one voice, in all the rounds of an assessment: a second
    # answer from the same rater, in this round or another, would let the
    # two reports be compared to find their answers.
    asked = {
        _same_mailbox(address) for address in FeedbackInvitation.objects.filter(
            round__assessment_id=feedback_round.assessment_id
        ).values_list("email", flat=True)
    }
    if mailbox in _own_addresses(feedback_round.assessment.practitioner):
        errors["email"] = "Enter someone else's email address: your own view is your self-rating"
    elif feedback_round.invitations.filter(email=email).exists():
        errors["email"] = "You have already invited someone with this email address in this round"
    elif mailbox in asked:
        errors["email"] = "You have already asked someone with this email address for feedback on this assessment"
    if errors:
        raise ValidationError(errors)
    if feedback_round.invitations.count() >= MAX_RATERS:
        raise FeedbackError(f"A round can have up to {MAX_RATERS} raters")
    nonce = tokens.new_nonce()
    invitation = FeedbackInvitation.objects.create(
        round=feedback_round, name=name, email=email, group=group,
        token_nonce=nonce, token_hash=tokens.hash_token(tokens.token_for(nonce)),
    )
    if feedback_round.status == RoundStatus.OPEN:
        _send_invitations(feedback_round, [invitation], request=request)
    return invitation


@transaction.atomic
def remove_rater(*, feedback_round: FeedbackRound, invitation: FeedbackInvitation) -> None:
    """Take back an invitation that has not been answered (its link stops
    working). An answered one stays: removing it would not remove the
    anonymous response, and would show who gave it."""
    _lock(feedback_round)
    invitation = FeedbackInvitation.objects.select_for_update().get(pk=invitation.pk, round=feedback_round)
    if invitation.responded:
        raise FeedbackError(f"{invitation.name} has already responded, so they cannot be removed")
    invitation.delete()


def _send_invitations(feedback_round, invitations, *, request=None, reminder=False, now=None) -> None:
    now = now or timezone.now()
    field = "reminded_at" if reminder else "sent_at"
    FeedbackInvitation.objects.filter(pk__in=[i.pk for i in invitations]).update(**{field: now})
    links = [(invitation, tokens.token_for(invitation.token_nonce)) for invitation in invitations]
    transaction.on_commit(
        lambda: emails.send_rater_emails(feedback_round=feedback_round, links=links, request=request, reminder=reminder)
    )


@transaction.atomic
def send_round(*, feedback_round: FeedbackRound, request=None, today=None) -> int:
    """Open the round and email every rater their link. Returns how many."""
    today = today or timezone.localdate()
    feedback_round = _lock(feedback_round, today)
    if feedback_round.status != RoundStatus.DRAFT:
        raise FeedbackError("The invitations for this round have already been sent")
    if not self_rating_complete(feedback_round):
        raise FeedbackError("Rate yourself on every capability before sending the invitations")
    invitations = list(feedback_round.invitations.all())
    if not invitations:
        raise FeedbackError("Add at least one rater before sending the invitations")
    if feedback_round.closes_on < today:
        raise FeedbackError("The closing date has passed: change the dates before sending the invitations")
    feedback_round.status = RoundStatus.OPEN
    feedback_round.sent_at = timezone.now()
    feedback_round.save(update_fields=["status", "sent_at"])
    _send_invitations(feedback_round, invitations, request=request)
    return len(invitations)


@transaction.atomic
def send_reminders(*, feedback_round: FeedbackRound, request=None, today=None) -> int:
    """Remind every rater who has not responded. Returns how many."""
    feedback_round = _lock(feedback_round, today)
    if not feedback_round.takes_responses(today):
        raise FeedbackError("Reminders can only be sent while the round is open")
    waiting = list(feedback_round.invitations.select_for_update().awaiting_response())
    if waiting:
        _send_invitations(feedback_round, waiting, request=request, reminder=True)
    return len(waiting)


def send_due_reminders(*, today=None) -> int:
    """The automatic reminders: for each open round whose reminder day
    (``reminder_days_before`` its closing date) is today, remind raters not
    yet reminded today. Run daily (manage.py send_feedback_reminders).
    Returns the number of emails."""
    today = today or timezone.localdate()
    # Stamped on the day being processed, so a second run for that day finds
    # the raters already reminded.
    stamp = timezone.make_aware(datetime.datetime.combine(today, timezone.localtime().time()))
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    sent = 0
    for feedback_round in FeedbackRound.objects.open_on(today).select_related("assessment__practitioner"):
        if (feedback_round.closes_on - today).days != feedback_round.reminder_days_before:
            continue
        with transaction.atomic():
            locked = _lock(feedback_round)
            waiting = list(
                locked.invitations.select_for_update().awaiting_response()
                .exclude(reminded_at__gte=start_of_day)
            )
            if waiting:
                _send_invitations(feedback_round, waiting, reminder=True, now=stamp)
                sent += len(waiting)
    return sent


@transaction.atomic
def close_round(*, feedback_round: FeedbackRound) -> FeedbackRound:
    """Stop taking responses. Answers raters saved but did not submit are
    deleted: they were never given."""
    feedback_round = _lock(feedback_round)
    if feedback_round.status == RoundStatus.DRAFT:
        raise FeedbackError("This round has not been sent, so there is nothing to close")
    if feedback_round.status == RoundStatus.CLOSED:
        return feedback_round
    _mark_closed(feedback_round)
    return feedback_round


@transaction.atomic
def release_report(*, feedback_round: FeedbackRound, appraiser) -> FeedbackRound:
    feedback_round = _lock(feedback_round)
    if not feedback_round.is_closed():
        raise FeedbackError("The report can be released once the round has closed")
    if feedback_round.released_at is None:
        feedback_round.released_at = timezone.now()
        feedback_round.released_by = appraiser
        feedback_round.save(update_fields=["released_at", "released_by"])
    return feedback_round


# The rater's side -----------------------------------------------------------

def find_invitation(token: str) -> FeedbackInvitation:
    """The invitation for a link's token, whatever its state."""
    if not token or not tokens.looks_like_token(token):
        raise LinkNotFound()
    try:
        return FeedbackInvitation.objects.select_related(
            "round__assessment__practitioner", "round__assessment__rating_scale"
        ).get(token_hash=tokens.hash_token(token))
    except FeedbackInvitation.DoesNotExist:
        raise LinkNotFound()


def check_usable(invitation: FeedbackInvitation, today=None) -> None:
    today = today or timezone.localdate()
    feedback_round = invitation.round
    if invitation.responded:
        raise LinkUnusable(ALREADY_RESPONDED, invitation)
    if feedback_round.status == RoundStatus.DRAFT or invitation.sent_at is None:
        raise LinkUnusable(NOT_SENT, invitation)
    if feedback_round.is_closed(today):
        raise LinkUnusable(ROUND_CLOSED, invitation)
    if today < feedback_round.opens_on:
        raise LinkUnusable(NOT_OPEN_YET, invitation)


@dataclass
class RaterAnswers:
    """What a rater entered: capability id to level id, or "na" for not able
    to comment; comments keyed by (pillar id or None, kind); and whether a
    line manager agrees to be named."""

    ratings: dict
    comments: dict
    named: bool = False

    def as_json(self) -> dict:
        return {
            "ratings": {str(k): v for k, v in self.ratings.items()},
            "comments": {f"{pillar or 'overall'}:{kind}": text for (pillar, kind), text in self.comments.items()},
            "named": self.named,
        }

    @classmethod
    def from_json(cls, data: dict) -> "RaterAnswers":
        comments = {}
        for key, text in (data.get("comments") or {}).items():
            pillar, _, kind = key.partition(":")
            comments[(None if pillar == "overall" else int(pillar), kind)] = text
        return cls(
            ratings={int(k): v for k, v in (data.get("ratings") or {}).items()},
            comments=comments, named=bool(data.get("named")),
        )


def _lock_usable(invitation: FeedbackInvitation, today=None) -> FeedbackInvitation:
    # Lock the invitation and its round only: the joined practitioner and
    # rating scale rows are shared with everything else.
    locked = FeedbackInvitation.objects.select_for_update(of=("self", "round")).select_related(
        "round__assessment__practitioner", "round__assessment__rating_scale"
    ).get(pk=invitation.pk)
    check_usable(locked, today)
    return locked


@transaction.atomic
def save_draft(*, invitation: FeedbackInvitation, answers: RaterAnswers, today=None) -> None:
    invitation = _lock_usable(invitation, today)
    FeedbackDraft.objects.update_or_create(invitation=invitation, defaults={"answers": answers.as_json()})


def saved_answers(invitation: FeedbackInvitation) -> RaterAnswers | None:
    draft = FeedbackDraft.objects.filter(invitation=invitation).first()
    return RaterAnswers.from_json(draft.answers) if draft else None


@transaction.atomic
def submit_response(*, invitation: FeedbackInvitation, answers: RaterAnswers, today=None) -> None:
    """Store the response with no link to the invitation, mark the
    invitation used and delete the saved draft. A second submission on the
    same link finds it used and is refused (LinkUnusable)."""
    invitation = _lock_usable(invitation, today)
    feedback_round = invitation.round
    capabilities = {c.pk: c for c in feedback_round.capabilities.select_related("pillar")}
    levels = {level.pk: level for level in RatingLevel.objects.filter(scale_id=feedback_round.assessment.rating_scale_id)}
    missing = [c for pk, c in capabilities.items() if pk not in answers.ratings]
    if missing:
        raise ValidationError("Answer every question, or choose 'not able to comment'")
    named = answers.named and invitation.group == RaterGroup.LINE_MANAGER
    response = FeedbackResponse.objects.create(
        round=feedback_round, group=invitation.group, named_as=invitation.name if named else ""
    )
    rows = []
    for capability_id, capability in capabilities.items():
        value = answers.ratings[capability_id]
        level = None if value == "na" else levels.get(value)
        if value != "na" and level is None:
            raise ValidationError("Choose a rating from the scale")
        rows.append(FeedbackAnswer(response=response, capability=capability, level=level))
    FeedbackAnswer.objects.bulk_create(rows)
    pillar_ids = {c.pillar_id for c in capabilities.values()}
    FeedbackComment.objects.bulk_create(
        FeedbackComment(round=feedback_round, pillar_id=pillar, kind=kind, text=text.strip())
        for (pillar, kind), text in answers.comments.items()
        if text and text.strip() and kind in CommentKind.values and (pillar is None or pillar in pillar_ids)
    )
    FeedbackInvitation.objects.filter(pk=invitation.pk).update(responded=True)
    FeedbackDraft.objects.filter(invitation=invitation).delete()


# The report as evidence -------------------------------------------------------

@transaction.atomic
def add_report_as_evidence(*, feedback_round: FeedbackRound, report) -> EvidenceItem:
    """An evidence item of type 360-degree feedback for the round, mapped to
    the capabilities it asked about and included in the round's assessment
    (if that can still change). Once only."""
    from feedback.access import feedback_report_visible
    from portfolios.access import Capacity

    feedback_round = _lock(feedback_round)
    if not feedback_round.is_closed():
        raise FeedbackError("The report can be added as evidence once the round has closed")
    if not feedback_report_visible(feedback_round, Capacity.PRACTITIONER):
        raise FeedbackError("You can add the report to your evidence once your appraiser has released it")
    if EvidenceItem.objects.filter(feedback_round=feedback_round).exists():
        raise FeedbackError("This report is already in your evidence")
    assessment = feedback_round.assessment
    groups = ", ".join(f"{line.label.lower()} {line.responded}" for line in report.counts if line.responded)
    item = EvidenceItem.objects.create(
        owner=assessment.practitioner,
        number=next_number(assessment.practitioner_id),
        title=_free_title(assessment.practitioner, f"360-degree feedback, {feedback_round.ends_on:%B %Y}"),
        evidence_type=EvidenceType.FEEDBACK_360,
        # The day the round ended: a round closed early has not reached its closing date.
        activity_date=min(feedback_round.ends_on, timezone.localdate()),
        description=(
            f"360-degree feedback on {len(report.capability_rows)} capabilities of the consultant-level framework, "
            f"from {report.responses} rater{'s' if report.responses != 1 else ''} ({groups}). "
            f"Open from {feedback_round.opens_on:%-d %B %Y} to {feedback_round.ends_on:%-d %B %Y}."
        ),
        impact=_impact_text(report),
        feedback_round=feedback_round,
    )
    EvidenceCapabilityLink.objects.bulk_create(
        EvidenceCapabilityLink(evidence=item, owner_id=item.owner_id, capability_id=row_capability)
        for row_capability in feedback_round.capabilities.values_list("pk", flat=True)
    )
    include_evidence_in_drafts(evidence=item)
    return item


def _free_title(owner, title: str) -> str:
    """Evidence titles are unique per owner: a second round closing in the
    same month gets "(2)"."""
    taken = {t.lower() for t in EvidenceItem.objects.for_owner(owner).filter(title__istartswith=title).values_list("title", flat=True)}
    candidate, number = title, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{title} ({number})"
    return candidate


def _impact_text(report) -> str:
    parts = []
    if report.hidden_strengths:
        parts.append("Others rated these higher than I did: " + "; ".join(
            f"capability {row.number} ({row.others.mean} against {row.self_value:g})" for row in report.hidden_strengths
        ) + ".")
    if report.blind_spots:
        parts.append("Others rated these lower than I did: " + "; ".join(
            f"capability {row.number} ({row.others.mean} against {row.self_value:g})" for row in report.blind_spots
        ) + ".")
    return " ".join(parts)
