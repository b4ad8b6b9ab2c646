"""Evidence numbers: E1 is the first item a person added, E2 the next.

The number is the item's name in the report a panel reads, in the data
export and on the pages, so it is given once, kept by every later version of
the item (evidence_versions.new_version copies it) and never given again,
even after the item is deleted: EvidenceNumbering keeps the last one given.
"""

from django.db import transaction
from django.db.models import F


def next_number(owner_id) -> int:
    """The number the owner's next evidence item takes. The owner's counter
    row stays locked until the transaction ends, so two items added at once
    (two tabs, a 360° round closing) never take the same number, and a
    rolled-back item gives its number back."""
    from portfolios.models import EvidenceNumbering

    with transaction.atomic():
        EvidenceNumbering.objects.get_or_create(owner_id=owner_id)
        EvidenceNumbering.objects.filter(owner_id=owner_id).update(last_given=F("last_given") + 1)
        return EvidenceNumbering.objects.values_list("last_given", flat=True).get(owner_id=owner_id)


def reserve_numbers(owner_id, count: int) -> range:
    """``count`` numbers at once, for items made in bulk (demo and
    benchmark data)."""
    from portfolios.models import EvidenceNumbering

    with transaction.atomic():
        EvidenceNumbering.objects.get_or_create(owner_id=owner_id)
        EvidenceNumbering.objects.filter(owner_id=owner_id).update(last_given=F("last_given") + count)
        last = EvidenceNumbering.objects.values_list("last_given", flat=True).get(owner_id=owner_id)
    return range(last - count + 1, last + 1)
