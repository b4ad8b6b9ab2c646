from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_owners(apps, schema_editor):
    EvidenceCapabilityLink = apps.get_model("portfolios", "EvidenceCapabilityLink")
    EvidenceItem = apps.get_model("portfolios", "EvidenceItem")
    EvidenceCapabilityLink.objects.update(
        owner_id=Subquery(EvidenceItem.objects.filter(pk=OuterRef("evidence_id")).values("owner_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0007_exportjob_progressed_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evidencecapabilitylink",
            name="owner",
            field=models.ForeignKey(
                db_index=False, editable=False, null=True, on_delete=models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(copy_owners, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evidencecapabilitylink",
            name="owner",
            field=models.ForeignKey(
                db_index=False, editable=False, on_delete=models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="evidencecapabilitylink",
            index=models.Index(fields=["owner", "evidence", "capability"], name="capability_link_by_owner"),
        ),
    ]
