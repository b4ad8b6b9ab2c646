"""Make the audit tables append-only and chain their entries by hash
(core/audit.py, docs/adr/0008), on PostgreSQL. Entries already there are
chained first, in the order they were written.

A later migration that adds an audit table runs core.audit.install for it
(tests/core/test_audit.py fails until one does)."""

from django.db import migrations

from core import audit


def install(apps, schema_editor):
    audit.install(schema_editor, audit.audit_tables(apps))


def uninstall(apps, schema_editor):
    audit.uninstall(schema_editor, audit.audit_tables(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_audit_chain"),
        ("portfolios", "0014_audit_chain"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
