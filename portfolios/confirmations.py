"""Confirmed evidence (issue 18, point 6): a practitioner asks a named
person to confirm an evidence item is genuine; the person answers through
a link that needs no account.

The link is the 360° rater links' design (core.link_tokens): a token derived
from a random nonce with the secret key, only its hash stored, single use,
expiring after CONFIRMATION_DAYS, withdrawn by the practitioner at any time,
and its page rate-limited per address (portfolios.views.confirmer). The
confirmer sees exactly the version they were asked about; if the item is
changed later, that version stays as it was (evidence_versions.new_version)
and the live item says "changed since confirmed".
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import own_addresses, same_mailbox
from core import link_tokens
from portfolios import notifications
from portfolios.models import ConfirmationStatus, EvidenceConfirmation, EvidenceItem

CONFIRMATION_DAYS = 28
MAX_OPEN_REQUESTS = 10
_SALT, _PURPOSE = "portfolios.confirmations", "evidence-confirmation:"

# Why a link cannot be used, for the page that says so.
ANSWERED, WITHDRAWN, EXPIRED = "answered", "withdrawn", "expired"


class LinkNotFound(Exception):
    """No confirmation has this token (mistyped, tampered with or made up)."""


class LinkUnusable(Exception):
    def __init__(self, reason: str, confirmation: EvidenceConfirmation):
        super().__init__(reason)
        self.reason = reason
        self.confirmation = confirmation


def email_problem(*, evidence: EvidenceItem, email: str, open_requests=None) -> str | None:
    """Why this address cannot be asked about the item, if it cannot: it is
    the practitioner's own, or already asked and not yet answered."""
    mailbox = same_mailbox(email)
    if open_requests is None:
        open_requests = EvidenceConfirmation.objects.open().filter(current_evidence=evidence)
    if mailbox in own_addresses(evidence.owner):
        return "Enter someone else's email address: you cannot confirm your own evidence"
    if any(same_mailbox(c.email) == mailbox for c in open_requests):
        return "You have already asked someone with this email address to confirm this evidence"
    return None


def token_for(confirmation: EvidenceConfirmation) -> str:
    return link_tokens.token_for(confirmation.token_nonce, salt=_SALT, purpose=_PURPOSE)


@transaction.atomic
def request_confirmation(*, evidence: EvidenceItem, name: str, role: str, email: str,
                         request=None, now=None) -> EvidenceConfirmation:
    """Ask someone to confirm the item (its current version), and email them
    their link. Refused: the practitioner's own addresses, a second open
    request to the same mailbox, more than MAX_OPEN_REQUESTS open at once."""
    now = now or timezone.now()
    evidence = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
    name, role, email = name.strip(), role.strip(), email.strip().lower()
    errors = {}
    if not name:
        errors["name"] = "Enter the name of the person who can confirm this evidence"
    if not role:
        errors["role"] = "Enter their role, for example ward manager"
    open_requests = list(EvidenceConfirmation.objects.open().filter(current_evidence=evidence))
    problem = email_problem(evidence=evidence, email=email, open_requests=open_requests)
    if problem:
        errors["email"] = problem
    if errors:
        raise ValidationError(errors)
    if not evidence.is_current:
        raise ValidationError("This evidence has changed since you opened the page. Open it again to ask")
    if len(open_requests) >= MAX_OPEN_REQUESTS:
        raise ValidationError(f"You can have up to {MAX_OPEN_REQUESTS} requests waiting for a reply on one item")
    nonce = link_tokens.new_nonce()
    confirmation = EvidenceConfirmation(
        evidence=evidence, current_evidence=evidence, name=name, role=role, email=email,
        token_nonce=nonce, expires_at=now + datetime.timedelta(days=CONFIRMATION_DAYS),
    )
    confirmation.token_hash = link_tokens.hash_token(token_for(confirmation))
    confirmation._history_user = evidence.owner
    confirmation.save()
    _email(confirmation, request=request)
    return confirmation


def _email(confirmation, *, request=None, reminder=False) -> None:
    token = token_for(confirmation)
    transaction.on_commit(
        lambda: notifications.send_confirmation_request(confirmation=confirmation, token=token, request=request,
                                                 reminder=reminder)
    )


def _open_for_owner(confirmation: EvidenceConfirmation, now) -> EvidenceConfirmation:
    locked = EvidenceConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    if locked.status != ConfirmationStatus.REQUESTED:
        raise ValidationError(f"{locked.name} has already replied, or the request was withdrawn")
    if locked.expires_at <= now:
        raise ValidationError(f"The link sent to {locked.name} has expired. Ask them again")
    return locked


@transaction.atomic
def remind(*, confirmation: EvidenceConfirmation, request=None, now=None) -> EvidenceConfirmation:
    """Email the same link again, at most once a day."""
    now = now or timezone.now()
    confirmation = _open_for_owner(confirmation, now)
    last = confirmation.reminded_at or confirmation.requested_at
    if now - last < datetime.timedelta(days=1):
        raise ValidationError(f"You can send {confirmation.name} a reminder once a day. Try again tomorrow")
    confirmation.reminded_at = now
    confirmation._history_user = confirmation.evidence.owner
    confirmation.save(update_fields=["reminded_at"])
    _email(confirmation, request=request, reminder=True)
    return confirmation


@transaction.atomic
def withdraw(*, confirmation: EvidenceConfirmation, now=None) -> EvidenceConfirmation:
    """Take back a request that has not been answered: its link stops working."""
    confirmation = _open_for_owner(confirmation, now or timezone.now())
    confirmation.status = ConfirmationStatus.WITHDRAWN
    confirmation._history_user = confirmation.evidence.owner
    confirmation.save(update_fields=["status"])
    return confirmation


# The confirmer's side ------------------------------------------------------------


def find(token: str) -> EvidenceConfirmation:
    """The confirmation for a link's token, whatever its state."""
    if not token or not link_tokens.looks_like_token(token):
        raise LinkNotFound()
    try:
        return EvidenceConfirmation.objects.select_related("evidence__owner").get(
            token_hash=link_tokens.hash_token(token))
    except EvidenceConfirmation.DoesNotExist:
        raise LinkNotFound() from None


def check_usable(confirmation: EvidenceConfirmation, now=None) -> None:
    now = now or timezone.now()
    if confirmation.status == ConfirmationStatus.WITHDRAWN:
        raise LinkUnusable(WITHDRAWN, confirmation)
    if confirmation.status != ConfirmationStatus.REQUESTED:
        raise LinkUnusable(ANSWERED, confirmation)
    if confirmation.expires_at <= now:
        raise LinkUnusable(EXPIRED, confirmation)


@transaction.atomic
def respond(*, token: str, confirmed: bool, responder_role: str, comment: str, now=None) -> EvidenceConfirmation:
    """The confirmer's answer: confirmed or declined, with their role and a
    comment (needed to decline). Once only: a second answer, or one racing
    a withdrawal or the expiry, is refused with LinkUnusable."""
    now = now or timezone.now()
    found = find(token)
    confirmation = EvidenceConfirmation.objects.select_for_update().get(pk=found.pk)
    check_usable(confirmation, now)
    responder_role, comment = responder_role.strip(), comment.strip()
    errors = {}
    if not responder_role:
        errors["responder_role"] = "Enter your role"
    if not confirmed and not comment:
        errors["comment"] = "Enter why you cannot confirm this evidence"
    if errors:
        raise ValidationError(errors)
    confirmation.status = ConfirmationStatus.CONFIRMED if confirmed else ConfirmationStatus.DECLINED
    confirmation.responder_role, confirmation.comment, confirmation.responded_at = responder_role, comment, now
    # Not a signed-in person: the history says who answered by its fields.
    confirmation._history_user = None
    confirmation.save(update_fields=["status", "responder_role", "comment", "responded_at"])
    return confirmation
