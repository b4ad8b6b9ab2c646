#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster started for it, then
# stops and removes the cluster. With no PostgreSQL server binaries the command
# runs on SQLite with a warning, unless REQUIRE_POSTGRES=1, which makes that a
# failure (CI sets it).
set -euo pipefail

find_pg_bin() {
  local candidate
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return; fi
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then echo "$candidate"; return; fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  fi
}

if [ -n "${DATABASE_URL:-}" ]; then
  # The caller chose a database; use it as it is.
  exec "$@"
fi

bindir=$(find_pg_bin || true)
if [ -z "$bindir" ]; then
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "REQUIRE_POSTGRES=1 but no PostgreSQL server binaries were found (install postgresql)." >&2
    exit 1
  fi
  echo "WARNING: PostgreSQL server binaries not found; running the tests on SQLite." >&2
  exec "$@"
fi

# initdb and pg_ctl refuse to run as root: run them as the postgres user.
as_pg=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg=(runuser -u postgres --)
fi

workdir=$(mktemp -d /tmp/cc-test-pg.XXXXXX)
chmod 755 "$workdir"
[ "$(id -u)" = "0" ] && chown postgres "$workdir"
datadir="$workdir/data"
port=$(( 20000 + RANDOM % 20000 ))

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

if ! "${as_pg[@]}" "$bindir/initdb" -D "$datadir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1; then
  cat "$workdir/initdb.log" >&2
  echo "Could not initialise a PostgreSQL cluster." >&2
  exit 1
fi
# A throwaway cluster: durability settings off for speed, listening only on a
# unix socket in the work directory.
if ! "${as_pg[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$workdir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $workdir -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
    start >/dev/null; then
  cat "$workdir/server.log" >&2
  echo "Could not start PostgreSQL." >&2
  exit 1
fi

export DATABASE_URL="postgres://postgres@%2F${workdir//\//%2F}:$port/postgres"
export TEST_DATABASE_ENGINE_REQUIRED="${REQUIRE_POSTGRES:-0}"
set +e
"$@"
status=$?
set -e
exit $status
