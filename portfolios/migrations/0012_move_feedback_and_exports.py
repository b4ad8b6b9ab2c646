"""360° feedback's models are now the feedback app's and ExportJob the
reports app's (feedback 0001, reports 0001): only Django's record of them
moves. Their tables and rows stay where they are, and their content types
(and so admin permissions) follow them."""

import django.db.models.deletion
from django.db import migrations, models


MOVED = {
    "feedbackround": "feedback", "feedbackselfrating": "feedback", "feedbackinvitation": "feedback",
    "feedbackdraft": "feedback", "feedbackresponse": "feedback", "feedbackanswer": "feedback",
    "feedbackcomment": "feedback", "exportjob": "reports",
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label="portfolios", model=model).update(app_label=app_label)


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="portfolios")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('reports', '0001_initial'),
        ('feedback', '0001_initial'),
        ('portfolios', '0011_delete_portfolio_revision'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables stay as they are (db_table).
            state_operations=[
                migrations.RemoveField(
                    model_name='feedbackanswer',
                    name='capability',
                ),
                migrations.RemoveField(
                    model_name='feedbackanswer',
                    name='level',
                ),
                migrations.RemoveField(
                    model_name='feedbackanswer',
                    name='response',
                ),
                migrations.RemoveField(
                    model_name='feedbackcomment',
                    name='pillar',
                ),
                migrations.RemoveField(
                    model_name='feedbackcomment',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='feedbackdraft',
                    name='invitation',
                ),
                migrations.RemoveField(
                    model_name='feedbackinvitation',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='feedbackresponse',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='feedbackround',
                    name='assessment',
                ),
                migrations.RemoveField(
                    model_name='feedbackround',
                    name='capabilities',
                ),
                migrations.RemoveField(
                    model_name='feedbackround',
                    name='released_by',
                ),
                migrations.AlterField(
                    model_name='evidenceitem',
                    name='feedback_round',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evidence_item', to='feedback.feedbackround'),
                ),
                migrations.RemoveField(
                    model_name='feedbackselfrating',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='feedbackselfrating',
                    name='capability',
                ),
                migrations.RemoveField(
                    model_name='feedbackselfrating',
                    name='level',
                ),
                migrations.DeleteModel(
                    name='ExportJob',
                ),
                migrations.DeleteModel(
                    name='FeedbackAnswer',
                ),
                migrations.DeleteModel(
                    name='FeedbackComment',
                ),
                migrations.DeleteModel(
                    name='FeedbackDraft',
                ),
                migrations.DeleteModel(
                    name='FeedbackInvitation',
                ),
                migrations.DeleteModel(
                    name='FeedbackResponse',
                ),
                migrations.DeleteModel(
                    name='FeedbackRound',
                ),
                migrations.DeleteModel(
                    name='FeedbackSelfRating',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
