"""What the benchmarks that run the app in other processes share: the
environment of a server or worker, manage.py commands, and finding the
throwaway PostgreSQL's server process (to count its CPU)."""

import ctypes
import importlib.metadata
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def app_environment(database_url: str, work: Path, **overrides: str) -> dict:
    """As in production (DEBUG off, a random secret key, persistent
    connections), minus HTTPS, with files and static files in the run's
    temporary folder. Servers and workers of one run share one environment,
    so one secret key."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_PRIVATE_STORAGE_ROOT": str(work / "private"),
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        **overrides,
    }


def manage(environment: dict, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments], cwd=ROOT, env=environment,
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def database_server() -> psutil.Process | None:
    """The temporary PostgreSQL's postmaster: the postgres process started on
    the socket folder in DATABASE_URL (other clusters may run on the machine)."""
    url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    folder = urllib.parse.unquote(url.netloc.rpartition("@")[2].rpartition(":")[0])
    if not url.scheme.startswith("postgres") or not folder.startswith("/"):
        return None
    folder = "/" + folder.lstrip("/")  # the wrapper's URL starts the path with two slashes
    for process in psutil.process_iter(["name", "cmdline"]):
        command = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and "-D" in command and any(folder in part for part in command):
            return process
    return None


def die_with_parent() -> None:
    # Ask for SIGTERM when the parent process ends: a server or worker goes
    # when the benchmark goes, even if it is killed outright.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def tail(path: Path, characters: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-characters:]
    except OSError:
        return ""


def wait_healthy(process: subprocess.Popen, base: str, log: Path, seconds: float = 60) -> None:
    """Wait until the server at base answers /healthz, or fail with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {base} exited with {process.returncode}: {tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {base} did not answer within {seconds:.0f} s: {tail(log)}")


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
