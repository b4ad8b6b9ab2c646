"""A database migrated from the schema before the apps were split (the
last migrations of 1 December 2026) keeps every row: the feedback and export
tables are moved in Django's records only, and the page cache's counters are
the one table dropped."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The newest migration of each app before the split.
BEFORE_THE_SPLIT = [
    ("accounts", "0005_organisation_feedback_release"),
    ("capability", "0004_framework_structure_revision"),
    ("impact", "0001_initial"),
    ("portfolios", "0010_portfolio_revision_overview_number"),
    ("feedback", None),
    ("reports", None),
]
DROPPED = {"portfolios_portfoliorevision"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":
                continue
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def make_old_portfolio(apps):
    """A practitioner's portfolio with a 360° round, a response, an evidence
    item made from the round and an export, written through the models as
    they were before the split."""
    User = apps.get_model("accounts", "User")
    Organisation = apps.get_model("accounts", "Organisation")
    Framework = apps.get_model("capability", "Framework")
    Assessment = apps.get_model("portfolios", "Assessment")
    Round = apps.get_model("portfolios", "FeedbackRound")

    organisation = Organisation.objects.create(name="Old Trust", ods_code="OLD")
    person = User.objects.create(email="ada@old.example", full_name="Ada Old", password="!")
    admin = User.objects.create(email="admin@old.example", full_name="Admin Old", password="!")
    framework = Framework.objects.get(is_current=True)
    scale = apps.get_model("capability", "RatingScale").objects.get(framework=framework, is_default=True)
    level = scale.levels.get(value=3)
    capability = framework.capabilities.get(number=1)
    assessment = Assessment.objects.create(
        practitioner=person, organisation=organisation, framework=framework, rating_scale=scale,
        title="Year one", period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2027, 3, 31),
    )
    feedback_round = Round.objects.create(
        assessment=assessment, opens_on=datetime.date(2026, 5, 1), closes_on=datetime.date(2026, 5, 20),
        status="closed",
    )
    feedback_round.capabilities.add(capability)
    apps.get_model("portfolios", "FeedbackSelfRating").objects.create(round=feedback_round, capability=capability,
                                                                      level=level)
    invitation = apps.get_model("portfolios", "FeedbackInvitation").objects.create(
        round=feedback_round, name="Bea Peer", email="bea@old.example", group="peer", token_nonce="n",
        token_hash="h" * 64, responded=True,
    )
    apps.get_model("portfolios", "FeedbackDraft").objects.create(invitation=invitation, answers={"c1": 3})
    response = apps.get_model("portfolios", "FeedbackResponse").objects.create(round=feedback_round, group="peer")
    apps.get_model("portfolios", "FeedbackAnswer").objects.create(response=response, capability=capability,
                                                                  level=level)
    apps.get_model("portfolios", "FeedbackComment").objects.create(round=feedback_round, kind="strengths",
                                                                   text="Calm in a crisis")
    apps.get_model("portfolios", "EvidenceItem").objects.create(
        owner=person, title="360° feedback report", evidence_type="feedback_360",
        activity_date=datetime.date(2026, 5, 20), feedback_round=feedback_round,
    )
    job = apps.get_model("portfolios", "ExportJob").objects.create(
        organisation=organisation, requested_by=admin, status="done", total=1, done=1, file="exports/x.zip",
    )
    job.practitioners.add(person)
    apps.get_model("portfolios", "PortfolioRevision").objects.create(practitioner=person, number=7)
    return assessment.pk, job.pk


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_from_before_the_split_keeps_every_row():
    call_command("load_framework", verbosity=0)
    try:
        old_apps = migrate(BEFORE_THE_SPLIT)
        assessment_id, job_id = make_old_portfolio(old_apps)
        ContentType = old_apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label__in=["feedback", "reports"]).delete()  # as before the split
        ContentType.objects.get_or_create(app_label="portfolios", model="feedbackround")
        before = row_counts()
    finally:
        migrate(latest())

    after = row_counts()
    assert set(before) - set(after) == DROPPED
    assert {table: after[table] for table in before if table not in DROPPED} == {
        table: count for table, count in before.items() if table not in DROPPED
    }
    from feedback.models import FeedbackAnswer, FeedbackRound
    from portfolios.models import EvidenceItem
    from reports.models import ExportJob

    feedback_round = FeedbackRound.objects.get(assessment_id=assessment_id)
    assert feedback_round.capabilities.get().number == 1
    assert feedback_round.invitations.get().draft.answers == {"c1": 3}
    assert FeedbackAnswer.objects.get(response__round=feedback_round).level.value == 3
    assert feedback_round.comments.get().text == "Calm in a crisis"
    assert EvidenceItem.objects.get(feedback_round=feedback_round).title == "360° feedback report"
    job = ExportJob.objects.get(pk=job_id)
    assert [person.email for person in job.practitioners.all()] == ["ada@old.example"]
    # Admin permissions and anything else keyed by content type follow the models.
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    assert CurrentContentType.objects.get_for_model(FeedbackRound).app_label == "feedback"
    assert not CurrentContentType.objects.filter(app_label="portfolios", model="feedbackround").exists()
