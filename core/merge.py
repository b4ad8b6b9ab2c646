"""Saves made from a stale page: keep both people's changes, or say which clash.

A form page carries the fingerprint of what it showed (one short hash per
field, in a hidden input). When it is saved, each field is compared three
ways: as shown (the fingerprint), as stored now, and as submitted.

- submitted matches what was shown: the person did not touch it, and the
  stored value stays (another tab's change to it is kept);
- stored still matches what was shown: only this person changed it, and
  their value is saved;
- stored and submitted agree: both made the same change;
- otherwise both changed it differently: a conflict, and nothing is saved.

So two tabs that change different fields both keep their change, and a real
clash is refused with the typed text kept on the page (docs/adr/0005). The
page offers to save over the other change by sending the fingerprint of the
stored values instead, which makes every field "only this person changed it".

Values are anything JSON can encode once normalised by the caller (strings,
numbers, lists in a fixed order, None); a key absent from a state means the
field is absent (a link that does not exist).
"""

import hashlib
import json
from collections.abc import Mapping

from django.core.exceptions import ValidationError

ABSENT = object()


def _digest(value) -> str:
    if value is ABSENT:
        return "-"
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def fingerprint(state: Mapping[str, object]) -> str:
    """The hidden-input value for a page showing ``state``."""
    return json.dumps({key: _digest(value) for key, value in state.items()}, sort_keys=True, separators=(",", ":"))


def parse_fingerprint(text: str | None) -> dict[str, str] | None:
    """The posted fingerprint, or None when it is missing or malformed (a
    page from before fingerprints, or a forged field): such a save is treated
    as made from the stored state, so it overwrites, as saves always did."""
    try:
        parsed = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in parsed.items()
    ):
        return None
    return parsed


class EditConflict(ValidationError):
    """Both this page and another saved a different value of the same
    fields since the page was opened. ``fields`` names them; ``current`` is
    the stored state, for the page to show and fingerprint."""

    def __init__(self, fields: list[str], current: Mapping[str, object]):
        super().__init__("This was changed somewhere else after you opened the page")
        self.fields = fields
        self.current = dict(current)


def merge(*, shown: Mapping[str, str] | None, stored: Mapping[str, object],
          submitted: Mapping[str, object]) -> dict[str, object]:
    """The state to save, or EditConflict. ``shown`` is the parsed
    fingerprint (None: overwrite with ``submitted``)."""
    if shown is None:
        return dict(submitted)
    merged, clashes = {}, []
    for key in dict.fromkeys([*stored, *submitted, *shown]):
        was = shown.get(key, "-")
        now = stored.get(key, ABSENT)
        mine = submitted.get(key, ABSENT)
        if _digest(mine) == was or _digest(now) == _digest(mine):
            value = now
        elif _digest(now) == was:
            value = mine
        else:
            clashes.append(key)
            continue
        if value is not ABSENT:
            merged[key] = value
    if clashes:
        raise EditConflict(clashes, stored)
    return merged
