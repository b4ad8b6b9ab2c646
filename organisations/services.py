"""Rules for running an organisation: invitations, members' roles and
status, and appraiser assignments. The organisation admin pages and the
invitation pages call these; each is one transaction.

Memberships are never deleted: taking a role away, or deactivating a
person, marks their memberships inactive, and the history keeps who did
what and when. Invitations keep only a SHA-256 hash of their token."""

import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import services
from capability.models import Framework, OrganisationFramework
from core import merge
from accounts.models import (
    AppraiserAssignment,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
)

# token_urlsafe(32) gives 43 characters; anything much longer is not a token.
MAX_TOKEN_LENGTH = 100

ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


def role_label(role: str) -> str:
    """The role in running text: "practitioner", "organisation admin"."""
    return Role(role).label.lower()


def with_article(text: str) -> str:
    return f"{'an' if text[:1] in 'aeiou' else 'a'} {text}"


def sorted_roles(roles: Iterable[str]) -> list[str]:
    return sorted(roles, key=lambda role: ROLE_ORDER.get(role, len(ROLE_ORDER)))


# Invitations ------------------------------------------------------------------


class InvitationProblem(Exception):
    """Why an invitation link cannot be used."""


class InvitationNotValid(InvitationProblem):
    """No invitation has this token: mistyped, cut short, tampered with, or made up."""


class InvitationExpired(InvitationProblem):
    pass


class InvitationUsed(InvitationProblem):
    pass


class AccountExists(InvitationProblem):
    """The invitation's email address already has an account: its owner signs
    in to accept."""


class WrongAccount(InvitationProblem):
    """Signed in as someone other than the person invited."""


def invitation_valid_days() -> int:
    return settings.INVITATION_VALID_DAYS


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its hash. Only the hash is ever stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def find_invitation(token: str) -> Invitation:
    """The invitation for a link's token, used or not, expired or not."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationNotValid
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotValid
    return invitation


def check_usable(invitation: Invitation, now=None) -> None:
    """Used comes before expired: someone who has already accepted is told
    to sign in, whenever they come back."""
    if invitation.is_used:
        raise InvitationUsed
    if invitation.is_expired(now):
        raise InvitationExpired


def send_invitation_email(*, invitation: Invitation, link: str) -> None:
    context = {
        "invitation": invitation,
        "link": link,
        "organisation": invitation.organisation,
        "invited_by": invitation.invited_by,
        "role": with_article(role_label(invitation.role)),
        "valid_days": invitation_valid_days(),
        "service_name": settings.SERVICE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"You have been invited to join {invitation.organisation.name} on the {settings.SERVICE_NAME}",
        body=render_to_string("emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


@transaction.atomic
def invite_member(
    *, organisation: Organisation, email: str, role: str, invited_by: User, link_for: Callable[[str], str]
) -> Invitation:
    """Invite someone to hold a role in the organisation and email them a
    single-use link. ``link_for`` turns the token into the full link; the
    token itself goes nowhere else.

    Inviting the same person to the same role again sends a new link and
    makes the earlier one stop working. The email is sent inside the
    transaction, so an invitation that could not be sent is not kept."""
    if role not in Role.values:
        raise ValidationError({"role": "Select a role from the list"})
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter an email address in the correct format, like name@example.nhs.uk"})
    if Membership.objects.active().filter(organisation=organisation, role=role, user__email__iexact=email).exists():
        raise ValidationError({
            "email": f"{email} is already {with_article(role_label(role))} in {organisation.name}",
        })
    now = timezone.now()
    Invitation.objects.pending(now).filter(organisation=organisation, email=email, role=role).update(expires_at=now)
    token, token_hash = new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=invitation_valid_days()),
    )
    send_invitation_email(invitation=invitation, link=link_for(token))
    return invitation


def _lock_usable(token: str) -> Invitation:
    """The invitation, locked until the transaction ends, so that of two
    accepts at once the second waits and then finds it used."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationNotValid
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise InvitationNotValid
    check_usable(invitation)
    return invitation


def _use(invitation: Invitation, user: User) -> Membership:
    now = timezone.now()
    # A conditional update as well as the lock: the invitation is marked used
    # only if it still is unused and unexpired, whatever happened since.
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now, used_by=user
    )
    if claimed != 1:
        raise InvitationUsed
    return services.grant_role(user=user, organisation=invitation.organisation, role=invitation.role)


@transaction.atomic
def accept_invitation_as_new_user(*, token: str, full_name: str, password: str) -> User:
    """Create the invited person's account with the name and password they
    chose, give them the role, and use up the invitation."""
    invitation = _lock_usable(token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountExists
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": "Enter your full name"})
    user = User(email=invitation.email, full_name=full_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages})
    user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    _use(invitation, user)
    return user


@transaction.atomic
def accept_invitation_as_existing_user(*, token: str, user: User) -> Membership:
    """Give the role to the signed-in person the invitation was sent to, and
    use up the invitation."""
    invitation = _lock_usable(token)
    if not user.is_authenticated or user.email.lower() != invitation.email.lower():
        raise WrongAccount
    return _use(invitation, user)


# Roles and status -------------------------------------------------------------


def _memberships_for_update(organisation: Organisation, member: User) -> dict[str, Membership]:
    return {
        m.role: m
        for m in Membership.objects.select_for_update().filter(organisation=organisation, user=member)
    }


def roles_state(roles: Iterable[str]) -> dict:
    """The roles form's state, as core.merge compares it: one key a role held."""
    return {f"role:{role}": True for role in roles}


@transaction.atomic
def set_member_roles(
    *, organisation: Organisation, member: User, roles: Iterable[str], changed_by: User,
    shown: Mapping[str, str] | None = None,
) -> list[Membership]:
    """Make the member's active roles exactly these. Roles taken away are
    deactivated, not deleted. ``shown`` is the fingerprint of the roles the
    page showed (core.merge): a role another admin gave or took away since
    stays as they left it unless this save changed that role too."""
    roles = set(roles)
    if shown is not None:
        stored = roles_state(
            Membership.objects.select_for_update().filter(organisation=organisation, user=member, is_active=True)
            .values_list("role", flat=True)
        )
        merged = merge.merge(shown=shown, stored=stored, submitted=roles_state(roles))
        roles = {key.partition(":")[2] for key in merged}
    if roles - set(Role.values):
        raise ValidationError({"roles": "Select roles from the list"})
    if not roles:
        raise ValidationError({
            "roles": f"Select at least one role. To remove their access to {organisation.name}, "
            "deactivate them instead",
        })
    if member.pk == changed_by.pk and Role.ORGANISATION_ADMIN not in roles:
        raise ValidationError({
            "roles": "You cannot remove your own organisation admin role. Ask another organisation admin to do it",
        })
    existing = _memberships_for_update(organisation, member)
    for role, membership in existing.items():
        active = role in roles
        if membership.is_active != active:
            membership.is_active = active
            membership.save(update_fields=["is_active"])
    for role in sorted_roles(roles - set(existing)):
        existing[role] = Membership.objects.create(user=member, organisation=organisation, role=role)
    return [existing[role] for role in sorted_roles(roles)]


@transaction.atomic
def deactivate_member(*, organisation: Organisation, member: User, deactivated_by: User) -> None:
    """Take away all the member's roles in the organisation. Their records,
    assessments and assignments stay."""
    if member.pk == deactivated_by.pk:
        raise ValidationError("You cannot deactivate yourself. Ask another organisation admin to do it")
    active = [m for m in _memberships_for_update(organisation, member).values() if m.is_active]
    if not active:
        raise ValidationError(f"{member.full_name or member.email} is already deactivated")
    for membership in active:
        membership.is_active = False
        membership.save(update_fields=["is_active"])


@transaction.atomic
def reactivate_member(
    *, organisation: Organisation, member: User, roles: Iterable[str], reactivated_by: User
) -> list[Membership]:
    """Give a deactivated member these roles back."""
    if any(m.is_active for m in _memberships_for_update(organisation, member).values()):
        raise ValidationError(f"{member.full_name or member.email} is already active")
    return set_member_roles(organisation=organisation, member=member, roles=roles, changed_by=reactivated_by)


# Appraisers -------------------------------------------------------------------


@transaction.atomic
def assign_appraisers(
    *, organisation: Organisation, practitioner: User, appraisers: Iterable[User]
) -> list[AppraiserAssignment]:
    appraisers = list(appraisers)
    if not appraisers:
        raise ValidationError({"appraisers": "Select at least one appraiser"})
    return [
        services.assign_appraiser(organisation=organisation, practitioner=practitioner, appraiser=appraiser)
        for appraiser in appraisers
    ]


@transaction.atomic
def unassign_appraiser(*, organisation: Organisation, practitioner: User, appraiser: User) -> None:
    """Remove an assignment. The history keeps a record that it existed."""
    assignment = (
        AppraiserAssignment.objects.select_for_update()
        .filter(organisation=organisation, practitioner=practitioner, appraiser=appraiser)
        .first()
    )
    if assignment is None:
        raise ValidationError(
            f"{appraiser.full_name or appraiser.email} is not an appraiser of "
            f"{practitioner.full_name or practitioner.email}"
        )
    assignment.delete()


def frameworks_state(frameworks: Iterable) -> dict:
    """The framework form's state, as core.merge compares it: one key an edition chosen."""
    return {f"framework:{framework.slug}": True for framework in frameworks}


@transaction.atomic
def set_frameworks(
    *, organisation: Organisation, frameworks: Iterable[Framework], changed_by: User,
    shown: Mapping[str, str] | None = None,
) -> list[Framework]:
    """Make the editions the organisation's new assessments start on exactly
    these (at least one). Assessments already started keep their edition.
    ``shown`` is the fingerprint of the editions the page showed ticked
    (core.merge): an edition another admin added or took away since stays as
    they left it unless this save changed that edition too."""
    wanted = {framework.slug: framework for framework in frameworks}
    existing = {
        choice.framework.slug: choice
        for choice in OrganisationFramework.objects.select_for_update().filter(organisation=organisation)
        .select_related("framework")
    }
    if shown is not None:
        merged = merge.merge(
            shown=shown,
            stored=frameworks_state(choice.framework for choice in existing.values()),
            submitted=frameworks_state(wanted.values()),
        )
        known = {**{slug: choice.framework for slug, choice in existing.items()}, **wanted}
        wanted = {slug: known[slug] for slug in (key.partition(":")[2] for key in merged)}
    if not wanted:
        raise ValidationError({"frameworks": "Select at least one framework"})
    for slug, choice in existing.items():
        if slug not in wanted:
            choice._history_user = changed_by
            choice.delete()
    for slug, framework in wanted.items():
        if slug not in existing:
            choice = OrganisationFramework(organisation=organisation, framework=framework)
            choice._history_user = changed_by
            choice.save()
    return sorted(wanted.values(), key=lambda framework: (framework.name, -framework.year))
