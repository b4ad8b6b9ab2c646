"""Re-running a benchmark inside a throwaway PostgreSQL cluster. Only the
standard library's os and sys: load_bench.py calls this before locust is
imported (locust patches the standard library with gevent on import)."""

import os
import sys
from pathlib import Path

WRAPPER = Path(__file__).resolve().parent.parent / "scripts" / "with-test-postgres.sh"


def rerun_under_test_postgres(script: str, flag: str) -> None:
    """Re-run the script under scripts/with-test-postgres.sh, once (flag marks
    the second run), never against the configured database: the wrapper uses
    DATABASE_URL as it is when set, so drop it and let the wrapper make a
    temporary one. Returns only in the re-run, or without the wrapper."""
    if os.environ.get(flag):
        return
    os.environ[flag] = "1"
    os.environ.pop("DATABASE_URL", None)
    if os.access(WRAPPER, os.X_OK):
        os.execv(str(WRAPPER), [str(WRAPPER), sys.executable, str(Path(script).resolve()), *sys.argv[1:]])
