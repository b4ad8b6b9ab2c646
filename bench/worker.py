"""A `manage.py db_worker --batch` process that reports its own peak memory.

The peak is the worker's high-water mark (VmHWM in /proc/self/status),
written to a file as it exits. getrusage(RUSAGE_CHILDREN) of the parent is
not used: a child's ru_maxrss starts from its parent's memory at fork, so it
would count the benchmark's own data.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WORKER = """
import atexit, sys
def report():
    with open(sys.argv[1], "w") as out:
        out.write(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")))
atexit.register(report)
import django
django.setup()
from django.core.management import call_command
call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
"""


def batch_worker_command(high_water: Path) -> list[str]:
    """The command line of a worker that runs the queue dry, then exits."""
    return [sys.executable, "-c", _WORKER, str(high_water)]


def peak_mb(high_water: Path) -> float:
    """The worker's peak memory in MB; infinite if it never reported one."""
    if not high_water.exists():
        return float("inf")
    return int(high_water.read_text().split()[1]) / 1024
