"""The audit trail is append-only and tamper-evident on PostgreSQL: the
database refuses changes to audit entries, each record's entries are
chained by hash, and verify_audit names the first entry that was forged."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core import audit
from portfolios.models import CapabilityRating

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the audit chain is kept on PostgreSQL")


def history_table(model):
    return model.history.model._meta.db_table


@pytest.fixture
def rated(framework, practitioner):
    from tests.factories import AssessmentFactory

    assessment = AssessmentFactory(practitioner=practitioner)
    rating = assessment.ratings.order_by("capability__number").first()
    for text in ("First thoughts", "Second thoughts", "Third thoughts"):
        rating.reflection = text
        rating.save()
    return assessment, rating


def forge(sql, params=()):
    """What someone at a database console could do: switch the triggers off
    for their session and rewrite a row."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_every_audit_table_is_chained_and_append_only():
    tables = {table.table for table in audit.audit_tables(apps)}
    histories = {model._meta.db_table for model in apps.get_models()
                 if model.__name__.startswith("Historical") and "history_id" in {f.name for f in model._meta.fields}}
    assert histories <= tables, f"history without the chain: {histories - tables} (use bases=[ChainedHistory])"
    assert "portfolios_assessmenttransition" in tables
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'audit_%%'")
        installed = set(cursor.fetchall())
    for table in tables:
        assert {(table, "audit_chain"), (table, "audit_append_only")} <= installed, (
            f"{table} has no audit triggers: add a migration that runs core.audit.install for it")


def test_the_database_refuses_to_change_or_delete_an_audit_entry(rated):
    _, rating = rated
    table = history_table(CapabilityRating)
    for sql in (f"UPDATE {table} SET reflection = 'forged' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [rating.pk])
    assert rating.history.count() == 4


def test_each_entry_is_chained_to_the_one_before(rated):
    _, rating = rated
    entries = list(rating.history.order_by("history_id"))
    assert entries[0].audit_prev == ""
    assert all(len(entry.audit_hash) == 64 for entry in entries)
    assert [entry.audit_prev for entry in entries[1:]] == [entry.audit_hash for entry in entries[:-1]]
    call_command("verify_audit")


def test_a_forged_entry_is_named_by_verify_audit(rated, capsys):
    _, rating = rated
    second = rating.history.order_by("history_id")[1]
    forge(f"UPDATE {history_table(CapabilityRating)} SET reflection = 'Forged' WHERE history_id = %s",
          [second.history_id])
    with pytest.raises(CommandError) as broken:
        call_command("verify_audit")
    assert f"entry {second.history_id} (record {rating.pk}) was changed after it was written" in str(broken.value)


def test_a_removed_entry_breaks_the_chain_after_it(rated):
    _, rating = rated
    entries = list(rating.history.order_by("history_id"))
    forge(f"DELETE FROM {history_table(CapabilityRating)} WHERE history_id = %s", [entries[1].history_id])
    state = audit.verify(audit.audit_tables(apps))
    assert state.broken is not None and state.broken.reason == "unlinked"
    assert state.broken.position == entries[2].history_id


def test_an_untouched_trail_verifies_with_its_count(rated, capsys):
    call_command("verify_audit")
    assert "The audit trail is intact" in capsys.readouterr().out


# What people see of it ----------------------------------------------------------


def history_page(client, assessment):
    from django.urls import reverse

    return client.get(reverse("portfolios:assessment_history", kwargs={"pk": assessment.pk})).content.decode()


def test_the_history_page_says_the_trail_is_intact_then_shows_a_forgery(client, rated, practitioner):
    from tests.conftest import signed_in

    assessment, rating = rated
    signed_in(client, practitioner)
    page = history_page(client, assessment)
    assert "none of the" in page and "has been changed since it was written" in page
    assert "changed outside the service" not in page

    first = rating.history.order_by("history_id").first()
    forge(f"UPDATE {history_table(CapabilityRating)} SET reflection = 'Forged' WHERE history_id = %s",
          [first.history_id])
    page = history_page(client, assessment)
    assert "This record has been changed outside the service" in page
    assert f"entry {first.history_id}" in page and "was changed after it was written" in page


def test_a_live_row_changed_from_a_console_is_shown_as_changed_outside_the_service(client, rated, practitioner):
    from tests.conftest import signed_in

    assessment, rating = rated
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portfolios_capabilityrating SET reflection = 'Forged' WHERE id = %s", [rating.pk])
    signed_in(client, practitioner)
    page = history_page(client, assessment)
    assert "This record has been changed outside the service" in page
    assert f"Your rating of capability {rating.capability.number}" in page


def test_the_pdf_carries_the_trails_state_and_a_digest_of_the_record(rated):
    import re

    from reports.portfolio import render_portfolio_html

    assessment, rating = rated
    html = render_portfolio_html(assessment)
    assert "had been changed since it was written" in html
    digest = re.search(r'<span class="digest">([0-9a-f]{64})</span>', html).group(1)
    rating.reflection = "A later change"
    rating.save()
    assert digest not in render_portfolio_html(assessment)
    forge(f"UPDATE {history_table(CapabilityRating)} SET reflection = 'Forged' WHERE id = %s", [rating.pk])
    assert "Warning: this record had been changed outside the service" in render_portfolio_html(assessment)


# The only way out -----------------------------------------------------------------


def test_the_retention_job_removes_whole_histories_of_long_deleted_records_and_records_it(rated, capsys):
    import datetime

    from django.utils import timezone

    from core.models import AuditRetention
    from portfolios.models import DevelopmentObjective

    assessment, rating = rated
    objective = DevelopmentObjective.objects.create(
        assessment=assessment, objective="Old objective", actions="Do it", target_date="2020-01-01",
        created_by=assessment.practitioner)
    objective_id = objective.pk
    objective.delete()
    table = DevelopmentObjective.history.model._meta.db_table
    long_ago = timezone.now() - datetime.timedelta(days=4000)
    forge(f"UPDATE {table} SET history_date = %s WHERE id = %s", [long_ago, objective_id])
    # The dates were moved by hand for the test: chain the entries again as
    # the migration would, so only the pruning is under test.
    from django.db import connection as db

    with db.schema_editor(atomic=False) as editor:
        editor.execute("SET LOCAL session_replication_role = replica", params=None)
        audit._chain_existing(editor, next(t for t in audit.audit_tables(apps) if t.table == table))
        editor.execute("SET LOCAL session_replication_role = origin", params=None)
    call_command("verify_audit")

    cutoff = (timezone.now() - datetime.timedelta(days=3000)).date().isoformat()
    call_command("prune_audit", "--deleted-before", cutoff, "--reason", "Test policy", "--dry-run")
    assert DevelopmentObjective.history.filter(id=objective_id).count() == 2
    call_command("prune_audit", "--deleted-before", cutoff, "--reason", "Test policy")
    assert not DevelopmentObjective.history.filter(id=objective_id).exists()
    assert rating.history.count() == 4  # a record that still exists keeps all of its history
    (retention,) = AuditRetention.objects.all()
    assert (retention.table_name, retention.records, retention.entries, retention.reason) == (
        table, 1, 2, "Test policy")
    call_command("verify_audit")
    # And the record of the pruning cannot itself be removed.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRetention.objects.all().delete()
