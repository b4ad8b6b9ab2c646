"""Editions say what they expect (the guidance that was constants in
portfolios.queries: level 3, 1 to 2 items a capability, 4 to 6 a pillar,
from the national route), and organisations choose their editions.

The consultant edition gets its guidance here, so that an edition already in
use keeps its fingerprint when its file (which now says the same) is loaded
again. The choices' audit table is chained like every other (core/audit.py)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core import audit

CONSULTANT = "consultant-level-practice"
CHOICES_TABLE = "capability_historicalorganisationframework"


def consultant_guidance(apps, schema_editor):
    apps.get_model("capability", "Framework").objects.filter(slug=CONSULTANT).update(
        expected_level=3, evidence_per_capability_low=1, evidence_per_capability_high=2,
        evidence_per_pillar_low=4, evidence_per_pillar_high=6, evidence_guide_source="the national route",
    )


def install_audit(apps, schema_editor):
    audit.install(schema_editor, [t for t in audit.audit_tables(apps) if t.table == CHOICES_TABLE])


def uninstall_audit(apps, schema_editor):
    audit.uninstall(schema_editor, [t for t in audit.audit_tables(apps) if t.table == CHOICES_TABLE])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_audit_chain'),
        ('capability', '0004_framework_structure_revision'),
        ('core', '0002_audit_retention'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalOrganisationFramework',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('audit_prev', models.CharField(blank=True, default='', editable=False, max_length=64)),
                ('audit_hash', models.CharField(blank=True, default='', editable=False, max_length=64)),
                ('chosen_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical organisation framework',
                'verbose_name_plural': 'historical organisation frameworks',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='OrganisationFramework',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chosen_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['framework__name', '-framework__year'],
            },
        ),
        migrations.AddField(
            model_name='framework',
            name='evidence_guide_source',
            field=models.CharField(blank=True, help_text='Who suggests the numbers of evidence items, as pages name it.', max_length=120),
        ),
        migrations.AddField(
            model_name='framework',
            name='evidence_per_capability_high',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='framework',
            name='evidence_per_capability_low',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='framework',
            name='evidence_per_pillar_high',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='framework',
            name='evidence_per_pillar_low',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='framework',
            name='expected_level',
            field=models.PositiveSmallIntegerField(blank=True, help_text='The level of the default scale below which a capability expected now is a gap.', null=True),
        ),
        migrations.AddConstraint(
            model_name='framework',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('evidence_per_capability_high__isnull', True), ('evidence_per_capability_low__isnull', True)), models.Q(('evidence_per_capability_high__gte', models.F('evidence_per_capability_low')), ('evidence_per_capability_low__isnull', False)), _connector='OR'), name='framework_capability_guide_range', violation_error_message='The per-capability guide needs a low and a high, the high at least the low'),
        ),
        migrations.AddConstraint(
            model_name='framework',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('evidence_per_pillar_high__isnull', True), ('evidence_per_pillar_low__isnull', True)), models.Q(('evidence_per_pillar_high__gte', models.F('evidence_per_pillar_low')), ('evidence_per_pillar_low__isnull', False)), _connector='OR'), name='framework_pillar_guide_range', violation_error_message='The per-pillar guide needs a low and a high, the high at least the low'),
        ),
        migrations.AddField(
            model_name='historicalorganisationframework',
            name='framework',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='capability.framework'),
        ),
        migrations.AddField(
            model_name='historicalorganisationframework',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalorganisationframework',
            name='organisation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation'),
        ),
        migrations.AddField(
            model_name='organisationframework',
            name='framework',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='organisation_choices', to='capability.framework'),
        ),
        migrations.AddField(
            model_name='organisationframework',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='framework_choices', to='accounts.organisation'),
        ),
        migrations.AddConstraint(
            model_name='organisationframework',
            constraint=models.UniqueConstraint(fields=('organisation', 'framework'), name='organisation_framework_unique'),
        ),
        migrations.RunPython(consultant_guidance, migrations.RunPython.noop),
        migrations.RunPython(install_audit, uninstall_audit),
    ]
