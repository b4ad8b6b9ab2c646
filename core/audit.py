"""The audit trail is append-only and tamper-evident (docs/adr/0008).

Every audit table (django-simple-history's historical tables, and
portfolios' workflow moves) has two more columns, filled by the database
on PostgreSQL:

- ``audit_prev``: the hash of the previous entry for the same record;
- ``audit_hash``: SHA-256 of ``audit_prev`` and the entry's own content (its
  row as canonical JSON, the two hash columns left out).

So each record's entries form a chain: changing any entry's content, or
removing or reordering entries, breaks the chain from there on. A trigger
refuses UPDATE and DELETE on these tables; the retention job
(``manage.py prune_audit``) is the only way an entry is removed, and it
records what it removed. ``manage.py verify_audit`` checks every chain.

The chain proves that entries have not been changed since they were written
by someone without the means to recompute it; someone who can rewrite the
database and its triggers can rewrite the chain too. The digest a PDF
carries, and any copy of ``verify_audit``'s output kept elsewhere, are what
catch that.
"""

from dataclasses import dataclass

from django.db import connection, models


class ChainedHistory(models.Model):
    """The base of every audit table's model: HistoricalRecords(bases=[...])."""

    audit_prev = models.CharField(max_length=64, blank=True, default="", editable=False)
    audit_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True


# The hash of one entry, as both the trigger and the checks compute it. The
# content is the row as jsonb text: its keys sorted and its values written
# one way (time stamps in UTC, which the trigger and the checks both set).
_ENTRY_HASH = (
    "encode(sha256(convert_to({row}.audit_prev || (to_jsonb({row}) - 'audit_hash' - 'audit_prev')::text,"
    " 'UTF8')), 'hex')"
)

FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('audit.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'The audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  record_key text := to_jsonb(NEW) ->> TG_ARGV[0];
  previous text;
BEGIN
  PERFORM set_config('TimeZone', 'UTC', true);
  -- One chain per record: its entries are written one after another.
  PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_NAME || ':' || coalesce(record_key, '')));
  EXECUTE format('SELECT audit_hash FROM %I WHERE %I::text = $1 ORDER BY %I DESC LIMIT 1',
                 TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1])
    INTO previous USING record_key;
  NEW.audit_prev := coalesce(previous, '');
  NEW.audit_hash := {_ENTRY_HASH.format(row="NEW")};
  RETURN NEW;
END $$;
"""


@dataclass(frozen=True)
class AuditTable:
    """An audit table, the column naming the record an entry is about, and
    the column giving the entries' order."""

    table: str
    record: str
    order: str
    label: str


_OTHER_CHAINS = {"AssessmentTransition": "assessment_id", "AuditRetention": "table_name"}


def audit_tables(apps) -> list[AuditTable]:
    """Every chained audit table of the project, from an app registry (the
    real one, or a migration's)."""
    found = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.get_fields()}
        if not {"audit_hash", "audit_prev"} <= names:
            continue
        if "history_id" in names:
            record = model._meta.get_field("id").column if "id" in names else model._meta.pk.column
            found.append(AuditTable(model._meta.db_table, record, "history_id", model._meta.verbose_name))
        else:
            # The chained tables that are not histories: workflow moves (one
            # chain per assessment) and the retention job's own record.
            record = _OTHER_CHAINS[model.__name__]
            found.append(AuditTable(model._meta.db_table, record, "id", model._meta.verbose_name))
    return sorted(found, key=lambda t: t.table)


def install(schema_editor, tables: list[AuditTable]) -> None:
    """Chain the entries already there, then add the triggers (PostgreSQL;
    elsewhere the tables stay as they are, and verify_audit says so)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS_SQL, params=None)  # None: the SQL has % signs of its own
    schema_editor.execute("SET LOCAL TimeZone = 'UTC'", params=None)
    for table in tables:
        _chain_existing(schema_editor, table)
        schema_editor.execute(
            f'DROP TRIGGER IF EXISTS audit_chain ON "{table.table}"; '
            f'CREATE TRIGGER audit_chain BEFORE INSERT ON "{table.table}" FOR EACH ROW '
            f"EXECUTE FUNCTION audit_chain('{table.record}', '{table.order}');"
            f'DROP TRIGGER IF EXISTS audit_append_only ON "{table.table}"; '
            f'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{table.table}" FOR EACH ROW '
            f"EXECUTE FUNCTION audit_append_only();",
            params=None,
        )


def uninstall(schema_editor, tables: list[AuditTable]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables:
        schema_editor.execute(
            f'DROP TRIGGER IF EXISTS audit_chain ON "{table.table}"; '
            f'DROP TRIGGER IF EXISTS audit_append_only ON "{table.table}";',
            params=None,
        )


def _chain_existing(schema_editor, table: AuditTable) -> None:
    schema_editor.execute(f"""
DO $$
DECLARE
  entry record;
  previous text;
  last_hash jsonb := '{{}}'::jsonb;
BEGIN
  FOR entry IN SELECT t.{table.order} AS position, t.{table.record}::text AS record_key
               FROM "{table.table}" t ORDER BY t.{table.order} LOOP
    previous := coalesce(last_hash ->> coalesce(entry.record_key, ''), '');
    UPDATE "{table.table}" t SET audit_prev = previous WHERE t.{table.order} = entry.position;
    UPDATE "{table.table}" t SET audit_hash = {_ENTRY_HASH.format(row="t")} WHERE t.{table.order} = entry.position;
    SELECT last_hash || jsonb_build_object(coalesce(entry.record_key, ''), t.audit_hash) INTO last_hash
      FROM "{table.table}" t WHERE t.{table.order} = entry.position;
  END LOOP;
END $$;
""", params=None)


@dataclass(frozen=True)
class BrokenEntry:
    table: AuditTable
    position: int
    record_key: str
    reason: str  # "altered": its content no longer matches its hash; "unlinked": an entry before it is missing or changed

    def __str__(self) -> str:
        what = "was changed after it was written" if self.reason == "altered" else (
            "does not follow the entry before it (one was removed or changed)")
        return f"{self.table.label} entry {self.position} (record {self.record_key}) {what}"


@dataclass(frozen=True)
class ChainState:
    available: bool
    entries: int
    broken: BrokenEntry | None = None

    @property
    def intact(self) -> bool:
        return self.available and self.broken is None


def _check_sql(index: int, table: AuditTable, condition: str) -> str:
    """One table's part of the check: how many entries, and its first broken
    entry (or NULLs), as one row."""
    return f"""
(WITH entries AS (
   SELECT t.{table.order} AS position, t.{table.record}::text AS record_key, t.audit_prev, t.audit_hash,
          coalesce(lag(t.audit_hash) OVER (PARTITION BY t.{table.record}::text ORDER BY t.{table.order}), '')
            AS expected_prev,
          {_ENTRY_HASH.format(row="t")} AS recomputed
   FROM "{table.table}" t {condition}
 ), broken AS (
   SELECT position, record_key, CASE WHEN recomputed <> audit_hash THEN 'altered' ELSE 'unlinked' END AS reason
   FROM entries WHERE recomputed <> audit_hash OR audit_prev <> expected_prev ORDER BY position LIMIT 1
 )
 SELECT {index}, (SELECT count(*) FROM entries), broken.position, broken.record_key, broken.reason
 FROM (SELECT 1) AS one LEFT JOIN broken ON true)"""


def verify(tables: list[AuditTable], *, where: dict[str, tuple[str, tuple]] | None = None) -> ChainState:
    """The state of these tables' chains, in one query (narrowed per table by
    ``where``: table name to an SQL condition on its columns, as ``t``, and
    its parameters). Not available off PostgreSQL, where there are none."""
    if connection.vendor != "postgresql" or not tables:
        return ChainState(available=connection.vendor == "postgresql", entries=0)
    parts, params = [], []
    for index, table in enumerate(tables):
        condition, values = (where or {}).get(table.table, ("", ()))
        parts.append(_check_sql(index, table, f"WHERE {condition}" if condition else ""))
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = sorted(cursor.fetchall())
    total = sum(row[1] for row in rows)
    for index, _, position, record_key, reason in rows:
        if position is not None:
            return ChainState(available=True, entries=total,
                              broken=BrokenEntry(tables[index], position, record_key, reason))
    return ChainState(available=True, entries=total)


def prune(table: AuditTable, *, deleted_before, reason: str) -> tuple[int, int]:
    """Remove the whole chains of records deleted before that date: every
    entry of each record whose last entry is its deletion, dated before it.
    Whole chains only, so what stays still verifies. Only here are audit
    entries deleted (the trigger lets a DELETE through with audit.retention
    set for this transaction). Returns (records, entries) removed."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.retention = 'on'")
        cursor.execute(f"""
WITH last AS (
  SELECT DISTINCT ON (t.{table.record}) t.{table.record} AS record_key, t.history_type, t.history_date
  FROM "{table.table}" t ORDER BY t.{table.record}, t.{table.order} DESC
), gone AS (
  SELECT record_key FROM last WHERE history_type = '-' AND history_date < %s
), removed AS (
  DELETE FROM "{table.table}" t USING gone WHERE t.{table.record} = gone.record_key RETURNING t.{table.record}
)
SELECT count(DISTINCT {table.record}), count(*) FROM removed""", [deleted_before])
        records, entries = cursor.fetchone()
        cursor.execute("SET LOCAL audit.retention = 'off'")
    return records, entries
