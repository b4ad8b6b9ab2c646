"""360° feedback's models, moved from portfolios with their tables and rows
(docs/adr/0001-layers.md). portfolios 0012 removes them from its state."""

import django.db.models.deletion
import django.db.models.functions.text
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('capability', '0004_framework_structure_revision'),
        ('portfolios', '0011_delete_portfolio_revision'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables stay as they are (db_table).
            state_operations=[
                migrations.CreateModel(
                    name='FeedbackInvitation',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('name', models.CharField(max_length=150)),
                        ('email', models.EmailField(max_length=254)),
                        ('group', models.CharField(choices=[('line_manager', 'Line manager'), ('peer', 'Peer'), ('direct_report', 'Direct report'), ('wider_team', 'Wider team or partner organisation'), ('service_user', 'Service user or carer'), ('other', 'Other')], max_length=20)),
                        ('token_nonce', models.CharField(editable=False, max_length=64)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('responded', models.BooleanField(default=False)),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackinvitation',
                        'ordering': ['round', 'name', 'email'],
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackDraft',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('answers', models.JSONField(default=dict)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('invitation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='draft', to='feedback.feedbackinvitation')),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackdraft',
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackRound',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('opens_on', models.DateField()),
                        ('closes_on', models.DateField()),
                        ('message', models.TextField(blank=True, max_length=2000)),
                        ('comment_scope', models.CharField(choices=[('overall', 'Once, for all the capabilities'), ('pillar', 'For each pillar')], default='overall', max_length=10)),
                        ('reminder_days_before', models.PositiveSmallIntegerField(default=3)),
                        ('status', models.CharField(choices=[('draft', 'Not sent yet'), ('open', 'Open'), ('closed', 'Closed')], default='draft', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('released_at', models.DateTimeField(blank=True, null=True)),
                        ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='feedback_rounds', to='portfolios.assessment')),
                        ('capabilities', models.ManyToManyField(related_name='+', to='capability.capability')),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackround',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackResponse',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('group', models.CharField(choices=[('line_manager', 'Line manager'), ('peer', 'Peer'), ('direct_report', 'Direct report'), ('wider_team', 'Wider team or partner organisation'), ('service_user', 'Service user or carer'), ('other', 'Other')], max_length=20)),
                        ('named_as', models.CharField(blank=True, max_length=150)),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='feedback.feedbackround')),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackresponse',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddField(
                    model_name='feedbackinvitation',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='feedback.feedbackround'),
                ),
                migrations.CreateModel(
                    name='FeedbackComment',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('strengths', 'Strengths'), ('develop', 'What could be developed')], max_length=10)),
                        ('text', models.TextField(max_length=2000)),
                        ('pillar', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='capability.pillar')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='feedback.feedbackround')),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackcomment',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackSelfRating',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('capability', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='capability.capability')),
                        ('level', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='capability.ratinglevel')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='self_ratings', to='feedback.feedbackround')),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackselfrating',
                        'ordering': ['round', 'capability__number'],
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('capability', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='capability.capability')),
                        ('level', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='capability.ratinglevel')),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='feedback.feedbackresponse')),
                    ],
                    options={
                        'db_table': 'portfolios_feedbackanswer',
                        'ordering': ['capability__number'],
                        'constraints': [models.UniqueConstraint(fields=('response', 'capability'), name='feedback_answer_once')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='feedbackround',
                    constraint=models.CheckConstraint(condition=models.Q(('closes_on__gte', models.F('opens_on'))), name='feedback_round_closes_after_opening'),
                ),
                migrations.AddConstraint(
                    model_name='feedbackround',
                    constraint=models.CheckConstraint(condition=models.Q(('reminder_days_before__lte', 60)), name='feedback_round_reminder_in_range'),
                ),
                migrations.AddConstraint(
                    model_name='feedbackresponse',
                    constraint=models.CheckConstraint(condition=models.Q(('named_as', ''), ('group', 'line_manager'), _connector='OR'), name='feedback_response_named_line_manager'),
                ),
                migrations.AddConstraint(
                    model_name='feedbackinvitation',
                    constraint=models.UniqueConstraint(fields=('round', 'email'), name='feedback_invitation_one_per_email'),
                ),
                migrations.AddConstraint(
                    model_name='feedbackinvitation',
                    constraint=models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email'))), name='feedback_invitation_email_lower'),
                ),
                migrations.AddConstraint(
                    model_name='feedbackselfrating',
                    constraint=models.UniqueConstraint(fields=('round', 'capability'), name='feedback_self_rating_once'),
                ),
            ],
        ),
    ]
