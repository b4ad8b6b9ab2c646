"""Reads about people that other apps share."""

from accounts.models import Invitation


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
