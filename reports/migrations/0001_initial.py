"""ExportJob, moved from portfolios with its table and rows. portfolios 0012
removes it from its state."""

import django.db.models.deletion
import reports.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('portfolios', '0011_delete_portfolio_revision'),
        ('accounts', '0005_organisation_feedback_release'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables stay as they are (db_table).
            state_operations=[
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('include_packs', models.BooleanField(default=False, verbose_name='include evidence packs')),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'In progress'), ('done', 'Ready to download'), ('failed', 'Failed'), ('expired', 'Expired')], default='queued', max_length=10)),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('file', models.FileField(blank=True, max_length=255, upload_to=reports.models.export_path)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('progressed_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='export_jobs', to='accounts.organisation')),
                        ('practitioners', models.ManyToManyField(related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portfolios_exportjob',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['organisation', '-created_at'], name='exportjob_org_created_idx'), models.Index(fields=['status', 'expires_at'], name='exportjob_status_expires_idx')],
                    },
                ),
            ],
        ),
    ]
