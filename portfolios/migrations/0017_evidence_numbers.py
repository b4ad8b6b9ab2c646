"""Every evidence item gets its owner's number for it (E1 the first added),
shared by all its versions, and each owner a counter of numbers given.

Existing items are numbered per owner in the order their first version was
added. The historical table is left alone: the number never changes, and a
new column there would alter, and so break the hash chain of, every audit
entry already written (docs/adr/0008).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def number_existing(apps, schema_editor):
    EvidenceItem = apps.get_model("portfolios", "EvidenceItem")
    EvidenceNumbering = apps.get_model("portfolios", "EvidenceNumbering")
    rows = EvidenceItem.objects.order_by("owner_id", "created_at", "pk").values_list(
        "pk", "owner_id", "previous_version_id"
    )
    numbers, given, updates = {}, {}, []
    # A later version's created_at is its first version's, so roots come
    # first; versions follow their previous one.
    pending = list(rows)
    while pending:
        later = []
        for pk, owner_id, previous in pending:
            if previous is None:
                given[owner_id] = given.get(owner_id, 0) + 1
                numbers[pk] = given[owner_id]
            elif previous in numbers:
                numbers[pk] = numbers[previous]
            else:
                later.append((pk, owner_id, previous))
                continue
            updates.append(EvidenceItem(pk=pk, number=numbers[pk]))
        if len(later) == len(pending):
            raise RuntimeError("Evidence versions whose first version is missing")
        pending = later
    EvidenceItem.objects.bulk_update(updates, ["number"], batch_size=1000)
    EvidenceNumbering.objects.bulk_create(
        [EvidenceNumbering(owner_id=owner_id, last_given=last) for owner_id, last in given.items()]
    )


class Migration(migrations.Migration):

    dependencies = [
        ("portfolios", "0016_evidence_confirmations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidenceNumbering",
            fields=[
                ("owner", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="+",
                    serialize=False, to=settings.AUTH_USER_MODEL,
                )),
                ("last_given", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="evidenceitem",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evidenceitem",
            name="number",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="evidenceitem",
            constraint=models.UniqueConstraint(
                "owner", "number", condition=models.Q(("is_current", True)), name="evidence_number_unique_per_owner"
            ),
        ),
        migrations.AddConstraint(
            model_name="evidenceitem",
            constraint=models.CheckConstraint(condition=models.Q(("number__gte", 1)), name="evidence_number_positive"),
        ),
    ]
