"""Evidence confirmations (issue 18, point 6), with their history chained
like every audit table (core/audit.py)."""

import django.db.models.deletion
import django.db.models.functions.text
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

from core import audit

TABLE = "portfolios_historicalevidenceconfirmation"


def install_audit(apps, schema_editor):
    audit.install(schema_editor, [t for t in audit.audit_tables(apps) if t.table == TABLE])


def uninstall_audit(apps, schema_editor):
    audit.uninstall(schema_editor, [t for t in audit.audit_tables(apps) if t.table == TABLE])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_retention'),
        ('portfolios', '0015_crosswalks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalEvidenceConfirmation',
            fields=[
                ('audit_prev', models.CharField(blank=True, default='', editable=False, max_length=64)),
                ('audit_hash', models.CharField(blank=True, default='', editable=False, max_length=64)),
                ('id', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('name', models.CharField(max_length=150)),
                ('role', models.CharField(max_length=150, verbose_name='role')),
                ('email', models.EmailField(max_length=254)),
                ('status', models.CharField(choices=[('requested', 'Waiting for a reply'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='requested', max_length=20)),
                ('requested_at', models.DateTimeField(blank=True, editable=False)),
                ('expires_at', models.DateTimeField()),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('responded_at', models.DateTimeField(blank=True, null=True)),
                ('responder_role', models.CharField(blank=True, max_length=150)),
                ('comment', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('current_evidence', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='portfolios.evidenceitem')),
                ('evidence', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='portfolios.evidenceitem')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical evidence confirmation',
                'verbose_name_plural': 'historical evidence confirmations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='EvidenceConfirmation',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=150)),
                ('role', models.CharField(max_length=150, verbose_name='role')),
                ('email', models.EmailField(max_length=254)),
                ('status', models.CharField(choices=[('requested', 'Waiting for a reply'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='requested', max_length=20)),
                ('token_nonce', models.CharField(editable=False, max_length=64)),
                ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('responded_at', models.DateTimeField(blank=True, null=True)),
                ('responder_role', models.CharField(blank=True, max_length=150)),
                ('comment', models.TextField(blank=True)),
                ('current_evidence', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='portfolios.evidenceitem')),
                ('evidence', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='confirmations', to='portfolios.evidenceitem')),
            ],
            options={
                'ordering': ['-requested_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'requested')), fields=('evidence', 'email'), name='evidence_confirmation_one_open_per_email'), models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email'))), name='evidence_confirmation_email_lower'), models.CheckConstraint(condition=models.Q(models.Q(('responded_at__isnull', False), ('status__in', ['confirmed', 'declined'])), ('status__in', ['requested', 'withdrawn']), _connector='OR'), name='evidence_confirmation_answer_has_time')],
            },
        ),
        migrations.RunPython(install_audit, uninstall_audit),
    ]
