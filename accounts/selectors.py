"""Reads about people that other apps share."""

from accounts.models import Invitation, Membership


def same_mailbox(address: str) -> str:
    """An address reduced to the mailbox it delivers to, so that plus tags
    and letter case cannot make one person's address look like another's:
    "Aisha.Khan+peer@Trust.nhs.uk" is aisha.khan@trust.nhs.uk."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def own_addresses(person) -> set[str]:
    """The mailboxes known to be the person's: their account's, and those of
    the invitations they accepted (so they cannot ask themselves for
    feedback or to confirm their own evidence)."""
    addresses = {person.email, *Invitation.objects.filter(used_by=person).values_list("email", flat=True)}
    return {same_mailbox(address) for address in addresses if address}


def roles_of(user) -> frozenset[str]:
    """The roles the person holds through an active membership anywhere:
    what the header and home page offer them. Read with the person when
    they are loaded for the request (accounts.backends), else in one query,
    once per request."""
    from accounts.backends import ROLE_FLAGS

    if not user.is_authenticated or not user.is_active:
        return frozenset()
    known = getattr(user, "_roles_held", None)
    if known is None:
        if all(hasattr(user, flag) for flag in ROLE_FLAGS.values()):
            known = frozenset(role for role, flag in ROLE_FLAGS.items() if getattr(user, flag))
        else:
            known = frozenset(Membership.objects.active().filter(user=user).values_list("role", flat=True))
        user._roles_held = known
    return known
