"""Benchmark of the application over HTTP under load: gunicorn with two
workers on loopback, driven by locust with 50 concurrent signed-in users.

    python bench/load_bench.py [--seconds 60] [--users 50] [--workers 2]
                               [--worker-class sync|gthread] [--threads 4]

Three measurements in the same run, against the same server, by the same
client, with the same number of users and no think time (each user sends its
next request as soon as the last one is answered, so each measures the most
the server can do). The app and the floor take turns with the same
signed-in users: app, floor, floor, app, each for half the measured time,
so a machine whose speed drifts during the run moves both alike (the JSON
gives each turn's figures):

- app: each user signs in (the real sign-in form, with its CSRF token) and
  then loops over a realistic mix of pages. Practitioners: their dashboard,
  their assessment's summary, its pillar pages in turn, their evidence list
  and the gap view, and now and then a save: a pillar page opened and sent
  back as a draft through the real form with a reflection changed (one
  action in twelve), so the mix includes real writes. About one user in ten
  is an appraiser (review list and dashboard) and one is an organisation
  admin (organisation dashboard). Every page is built from the database on
  every request: the app keeps no rendered pages or fragments.
- floor: the same users, in the same sessions, asking for /healthz, the
  cheapest view the server has (it runs the whole middleware stack, which
  loads their session and user as for any page, and one `SELECT 1`). The
  floor is "gunicorn + Django + a signed-in request", so the ratio app/floor
  is what the pages themselves cost; the budget applies to it.
- anonymous floor: the same number of users, not signed in, on /healthz:
  no session to load at all. Reported for comparison.

Measuring starts after every user has signed in and a short warm-up, and
each turn after a two-second change-over; figures are for the measured
windows only (sign-in is reported on its own).
Prints one JSON document: requests per second, p50/p95/p99 latency (exact,
from every response, not locust's rounded buckets), errors, figures for each
page, the CPU used by gunicorn, by locust, by the temporary PostgreSQL and by
anything else on the machine, the ratios app/floor and app/anonymous floor
and the machine, and gunicorn's CPU time per request for the app and the
floor. Exits 1 when any request failed (in any phase, sign-in included) or
the app's throughput is under 25 % of the (signed-in) floor's.

Data: always a throwaway database made for the run, never the configured
one (the data set is ~100k rows that cannot be rolled back from another
process). The script re-runs itself under scripts/with-test-postgres.sh,
which starts a temporary PostgreSQL and removes it afterwards; without
PostgreSQL server binaries it falls back to a temporary SQLite file (the JSON
says which). Migrate, load_framework, then `seed_demo --organisations 2
--practitioners-per-org 50 --evidence-per-practitioner 20`; static files are
collected into a temporary folder and served by WhiteNoise. The server,
temporary folders and database are removed even when the run fails.

Server: DEBUG off, a random secret key, DJANGO_CONN_MAX_AGE=60, no SSL
redirect. Session and CSRF cookies are marked Secure with DEBUG off; the
simulated users' cookie jar sends them over http://127.0.0.1 all the same
(LoopbackCookiePolicy), as if a TLS-terminating proxy sat in front.

Worker class: sync, gunicorn's default (--worker-class gthread --threads N
to compare). When it was chosen (this 2-core machine, 50 users, 30 s each,
quiet machine, pages much slower than today's) sync served the app at 98
requests/s against a floor of 1067, gthread with 4 threads at 88 against
1468. Sync was chosen because (1) the app is CPU-bound, so threads add no
throughput on 2 cores; (2) sync takes every request as a new connection
from the one accept queue, so each user gets the same share and the pages
served follow the mix above, whereas with gthread each user's kept-alive
connection stays with one worker, and some users (apparently those on the
less crowded worker) were served over ten times as often as others
(appraisers' pages at p50 36 ms, practitioners' at 1.4 s) and the app
figure depended on who landed where. The cost: no keep-alive, so each
request opens a TCP connection, which costs locust more CPU and leaves the
floor partly limited by the client (see floor.cpu); that lowers the floor,
so the ratio is, if anything, flattering to the app.
"""

import os
import sys
from pathlib import Path

from wrapper import rerun_under_test_postgres  # bench/wrapper.py: the standard library only

ROOT = Path(__file__).resolve().parent.parent

# Re-run under the throwaway-PostgreSQL wrapper, before anything else is
# imported (locust monkey-patches the standard library with gevent on import).
if __name__ == "__main__":
    rerun_under_test_postgres(__file__, "LOAD_BENCH_WRAPPED")

import gevent  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402  (imported first: it patches with gevent)
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

import argparse  # noqa: E402
import functools  # noqa: E402
import html  # noqa: E402
import html.parser  # noqa: E402
import http.cookiejar  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

import psutil  # noqa: E402  (a dependency of locust)
from processes import (  # noqa: E402  (bench/processes.py)
    app_environment,
    database_server,
    die_with_parent,
    manage,
    tail,
    version,
    wait_healthy,
)

BUDGET_ERRORS_MAX = 0
BUDGET_RATIO_MIN = 0.25
PASSWORD = "demo-only-password"  # accounts.demo.DEMO_PASSWORD: every seeded account's
ORGANISATIONS = 2
PRACTITIONERS_PER_ORG = 50
EVIDENCE_PER_PRACTITIONER = 20
# Long enough for each gunicorn worker to have imported every view and read
# the framework's structure once (capability/structure.py), and for every
# simulated person to have opened a few pages, so the first app turn does
# not pay for a cold start the others do not.
WARMUP_SECONDS = 10
CHANGE_OVER_SECONDS = 2
QUIET_SECONDS = 3
BUSY_MACHINE_CORES = 0.15
SIGN_IN_TIMEOUT = 180

WORK = Path()  # the run's temporary folder, made in main()


def log(message: str) -> None:
    print(f"[load_bench] {message}", file=sys.stderr, flush=True)


# --- the simulated people ---------------------------------------------------

class Run:
    """State shared between the users and the measuring code."""

    accounts: dict[str, list[dict]] = {}
    signed_in = 0
    sign_in_failures = 0
    recording = False
    phase = "idle"
    load = "app"  # what the mix's users ask for: "app" (their pages) or "floor" (/healthz)
    # Every response of the current phase: (name, milliseconds, error or None).
    samples: list[tuple[str, float, str | None]] = []
    # Errors in any phase (sign-in and warm-up too): they count for the budget.
    errors_by_phase: dict[str, int] = {}
    error_examples: list[str] = []


def on_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    error = None
    if exception is not None:
        error = f"{request_type} {name}: {exception!r}"[:300]
        Run.errors_by_phase[Run.phase] = Run.errors_by_phase.get(Run.phase, 0) + 1
        if len(Run.error_examples) < 10:
            Run.error_examples.append(f"[{Run.phase}] {error}")
    if Run.recording:
        Run.samples.append((name, response_time, error))


class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over plain http to the loopback server, as a browser
    does to a site behind a TLS-terminating proxy."""

    def return_ok_secure(self, cookie, request):
        return True


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 30.0
    role = ""

    def on_start(self):
        self.account = Run.accounts[self.role].pop(0)
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        login = self.client.get("/accounts/login/", name="sign in (form)")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text or "")
        body = urllib.parse.urlencode({
            "username": self.account["email"], "password": PASSWORD,
            "csrfmiddlewaretoken": match.group(1) if match else "",
        })
        with self.client.post(
            "/accounts/login/", data=body, name="sign in", allow_redirects=False, catch_response=True,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            signed_in = response.status_code == 302 and response.headers.get("Location", "") == "/"
            if not signed_in:
                response.failure(f"sign-in as {self.account['email']} gave {response.status_code}")
        if signed_in:
            Run.signed_in += 1
        else:
            Run.sign_in_failures += 1
            raise StopUser()  # counted as an error already; its pages would only add redirects

    def page(self, path: str, name: str):
        # No redirects followed: a lost session would redirect to the sign-in
        # page, which must count as an error, not as a fast 200.
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class FormFields(html.parser.HTMLParser):
    """The values a browser would send for the page's main (POST) form: its
    hidden inputs, the checked radios and checkboxes and the text areas, as
    they were drawn. The sign-out form in the header is left out."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_form = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("method", "").lower() == "post" and "logout" not in attrs.get("action", "")
        elif not self.in_form or "disabled" in attrs:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "textarea" and attrs.get("name"):
            self.textarea, self.text = attrs["name"], []

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, html.unescape("".join(self.text)).lstrip("\n")))
            self.textarea = None


EDIT = " Reviewed again this month."


def edit_first_reflection(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The form's fields with the first reflection changed: EDIT added to
    it, or taken off if it is there, so every save is a real change and the
    data stays the same size."""
    edited, done = [], False
    for name, value in fields:
        if not done and name.endswith("-reflection"):
            value = value.removesuffix(EDIT) if value.endswith(EDIT) else value + EDIT
            done = True
        edited.append((name, value))
    return edited


def healthz(user):
    with user.client.get("/healthz", name="/healthz", allow_redirects=False, catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")


def mix_task(weight: int):
    """@task(weight) for an action of the mix, which the user does while the
    run measures the app. While it measures the floor, the same user (same
    session, same connection habits, same weights) asks for /healthz
    instead: the floor is "gunicorn + Django + a signed-in request", and
    the ratio is what the pages themselves cost on top of that."""
    def decorate(action):
        @functools.wraps(action)
        def act(self):
            if Run.load == "floor":
                healthz(self)
            else:
                action(self)
        return task(weight)(act)
    return decorate


class PractitionerUser(BenchUser):
    role = "practitioner"

    def on_start(self):
        super().on_start()
        self.pillar_turn = 0

    @mix_task(3)
    def dashboard(self):
        self.page("/", "/ (practitioner dashboard)")

    @mix_task(2)
    def summary(self):
        self.page(f"/assessments/{self.account['assessment']}/", "/assessments/[id]/")

    @mix_task(3)
    def pillar(self):
        slugs = self.account["pillars"]
        slug = slugs[self.pillar_turn % len(slugs)]
        self.pillar_turn += 1
        self.page(f"/assessments/{self.account['assessment']}/pillars/{slug}/", "/assessments/[id]/pillars/[slug]/")

    @mix_task(1)
    def save_pillar(self):
        """A write: open a pillar page, change the reflection on its first
        capability and save it as a draft, as a practitioner does now and
        then between reading pages. The change adds a sentence, or takes it
        away again, so the data stays the same size."""
        slug = self.account["pillars"][self.pillar_turn % len(self.account["pillars"])]
        self.pillar_turn += 1
        path = f"/assessments/{self.account['assessment']}/pillars/{slug}/"
        with self.client.get(path, name="/assessments/[id]/pillars/[slug]/ (before saving)",
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            parser = FormFields()
            parser.feed(response.text or "")
        body = urllib.parse.urlencode(edit_first_reflection(parser.fields) + [("save_draft", "")])
        with self.client.post(path, data=body, name="POST /assessments/[id]/pillars/[slug]/ (save)",
                              allow_redirects=False, catch_response=True,
                              headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + path}) as response:
            # Saved: back to the same page. Anything else (a conflict, an
            # error page) is a failure of the write.
            if response.status_code != 302 or not response.headers.get("Location", "").endswith(path):
                response.failure(f"save gave {response.status_code}")

    @mix_task(2)
    def evidence(self):
        self.page("/evidence/", "/evidence/")

    @mix_task(1)
    def gaps(self):
        self.page(f"/assessments/{self.account['assessment']}/gaps/", "/assessments/[id]/gaps/")


class AppraiserUser(BenchUser):
    role = "appraiser"
    fixed_count = 1

    @mix_task(3)
    def reviews(self):
        self.page("/reviews/", "/reviews/")

    @mix_task(1)
    def dashboard(self):
        self.page("/", "/ (appraiser dashboard)")


class AdminUser(BenchUser):
    role = "admin"
    fixed_count = 1

    @mix_task(1)
    def organisation(self):
        self.page(f"/organisations/{self.account['organisation']}/", "/organisations/[id]/")


class FloorUser(FastHttpUser):
    """The same client, not signed in, on the cheapest view there is: a
    second floor, reported for comparison (no session to load at all)."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 30.0

    @task
    def healthz(self):
        with self.client.get("/healthz", name="/healthz", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


# --- server and data ------------------------------------------------------------

# After a bulk load, as a database in service would be: statistics up to date
# and no autovacuum of the new rows running during the measurement.
VACUUM = """
from django.db import connection
if connection.vendor == "postgresql":
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
else:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
"""

LOOKUP = """
import json
from accounts.models import Membership, Role
from capability.models import Framework
from portfolios.models import Assessment
framework = Framework.objects.current().get()
pillars = list(framework.pillars.order_by("order").values_list("slug", flat=True))
found = {"practitioner": [], "appraiser": [], "admin": []}
for assessment in Assessment.objects.filter(organisation__ods_code__startswith="L").select_related("practitioner"):
    found["practitioner"].append({"email": assessment.practitioner.email, "assessment": str(assessment.pk),
                                  "pillars": pillars})
for membership in Membership.objects.filter(role__in=[Role.APPRAISER, Role.ORGANISATION_ADMIN]).select_related("user"):
    role = "appraiser" if membership.role == Role.APPRAISER else "admin"
    found[role].append({"email": membership.user.email, "organisation": str(membership.organisation_id)})
print(json.dumps(found))
"""


def interleave(accounts: list[dict]) -> list[dict]:
    """Alternate the organisations (load1, load2, ...) so users come from all of them."""
    by_domain: dict[str, list[dict]] = {}
    for account in sorted(accounts, key=lambda a: (len(a["email"]), a["email"])):
        by_domain.setdefault(account["email"].split("@")[1], []).append(account)
    lists = list(by_domain.values())
    return [a for group in zip(*lists) for a in group] + [a for group in lists for a in group[min(map(len, lists)):]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(environment: dict, port: int, workers: int, worker_class: str, threads: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", worker_class, "--log-level", "warning",
        "--error-logfile", str(WORK / "gunicorn.log"), "--timeout", "120",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=environment, preexec_fn=die_with_parent)
    wait_healthy(server, f"http://127.0.0.1:{port}", WORK / "gunicorn.log")
    return server


def gunicorn_log() -> str:
    return tail(WORK / "gunicorn.log")


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


# --- measuring ----------------------------------------------------------------

def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def machine_busy() -> float:
    system = psutil.cpu_times()
    return sum(system) - system.idle - getattr(system, "iowait", 0.0)


def tree_cpu_seconds(root: psutil.Process | None) -> float:
    """CPU of a process, of its live descendants and of the children it has
    already reaped (a database backend that ended in the window still counts)."""
    if root is None:
        return 0.0
    try:
        times = root.cpu_times()
        descendants = root.children(recursive=True)
    except psutil.Error:
        return 0.0
    return times.user + times.system + times.children_user + times.children_system + cpu_seconds(descendants)


def cpu_snapshot(server: subprocess.Popen, database: psutil.Process | None) -> dict:
    return {
        "wall": time.perf_counter(),
        "gunicorn": tree_cpu_seconds(psutil.Process(server.pid)),
        "locust": cpu_seconds([psutil.Process()]),
        "database": tree_cpu_seconds(database) if database else None,
        "busy": machine_busy(),
    }


def cpu_used(before: dict, after: dict) -> dict:
    wall = after["wall"] - before["wall"]
    gunicorn = (after["gunicorn"] - before["gunicorn"]) / wall
    locust = (after["locust"] - before["locust"]) / wall
    database = (after["database"] - before["database"]) / wall if after["database"] is not None else 0.0
    busy = (after["busy"] - before["busy"]) / wall
    return {
        "unit": "cores busy on average (machine has %d)" % os.cpu_count(),
        "gunicorn": round(gunicorn, 2),
        "locust": round(locust, 2),
        "postgresql": round(database, 2) if after["database"] is not None else None,
        "everything_else": round(max(busy - gunicorn - locust - database, 0.0), 2),
        "machine_total": round(busy, 2),
    }


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))  # nearest rank
    return round(sorted_values[index], 1)


def summarise(samples: list[tuple[str, float, str | None]], seconds: float) -> dict:
    times = sorted(ms for _, ms, _ in samples)
    return {
        "requests": len(samples),
        "requests_per_second": round(len(samples) / seconds, 1),
        "latency_ms": {
            "p50": percentile(times, 0.50), "p95": percentile(times, 0.95), "p99": percentile(times, 0.99),
            "max": round(times[-1], 1) if times else None,
            "mean": round(sum(times) / len(times), 1) if times else None,
        },
        "errors": sum(1 for _, _, error in samples if error),
    }


def busy_with_nothing_sent(server: subprocess.Popen) -> float:
    """Let the server finish what the previous phase left queued, then see
    how busy the machine is with nothing sent to it: other work on a shared
    machine skews every figure, so it is reported."""
    master = psutil.Process(server.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        used = tree_cpu_seconds(master)
        gevent.sleep(0.5)
        if tree_cpu_seconds(master) - used < 0.025:
            break
    quiet_started, quiet_busy = time.perf_counter(), machine_busy()
    gevent.sleep(QUIET_SECONDS)
    return (machine_busy() - quiet_busy) / (time.perf_counter() - quiet_started)


def measure_app_and_floor(user_classes: list, users: int, seconds: int, host: str,
                          server: subprocess.Popen) -> tuple[dict, dict]:
    """The app and the floor, measured in turns by the same signed-in users:
    app, floor, floor, app, each for half of `seconds`, with a pause between
    turns (not measured) for the last turn's requests to be answered. Taking
    turns in this order puts both at the same average moment of the run, so
    a machine that gets slower or faster during the run (this one's floor
    varied from 338 to 537 requests a second between runs) moves both alike,
    rather than deciding the ratio."""
    Run.signed_in = Run.sign_in_failures = 0
    Run.samples = []
    Run.recording = False
    Run.load = "app"
    Run.phase = "app and floor: sign-in"
    database = database_server()
    busy_before = busy_with_nothing_sent(server)
    environment = Environment(user_classes=user_classes, host=host)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    turns = []
    taken = {load: {"samples": [], "cpu": dict.fromkeys(("wall", "gunicorn", "locust", "database", "busy"), 0.0)}
             for load in ("app", "floor")}
    try:
        started = time.perf_counter()
        runner.start(users, spawn_rate=users)
        deadline = time.monotonic() + SIGN_IN_TIMEOUT
        while Run.signed_in + Run.sign_in_failures < users and time.monotonic() < deadline:
            gevent.sleep(0.1)
        sign_in_seconds = round(time.perf_counter() - started, 1)
        log(f"app and floor: {Run.signed_in} of {users} users signed in in {sign_in_seconds} s")
        Run.phase = "app: warm-up"
        gevent.sleep(WARMUP_SECONDS)
        for number, load in enumerate(("app", "floor", "floor", "app"), start=1):
            Run.load = load
            Run.phase = f"turn {number} ({load}): changing over"
            gevent.sleep(CHANGE_OVER_SECONDS)
            Run.phase = f"turn {number} ({load}): measured"
            Run.samples = []
            before = cpu_snapshot(server, database)
            Run.recording = True
            gevent.sleep(seconds / 2)
            Run.recording = False
            after = cpu_snapshot(server, database)
            # Only this turn's kind of request: an answer to the other kind
            # sent before the change-over would be counted in the wrong one.
            samples = [sample for sample in Run.samples if (sample[0] == "/healthz") == (load == "floor")]
            taken[load]["samples"] += samples
            for key, total in taken[load]["cpu"].items():
                taken[load]["cpu"][key] = total + after[key] - before[key] if after[key] is not None else None
            window = after["wall"] - before["wall"]
            turns.append({"turn": number, "load": load, "seconds": round(window, 2),
                          "requests_per_second": round(len(samples) / window, 1),
                          "gunicorn_cores": round((after["gunicorn"] - before["gunicorn"]) / window, 2)})
            log(f"turn {number} ({load}): {turns[-1]['requests_per_second']} requests/s")
        Run.phase = "app and floor: stopping"
    finally:
        runner.stop()
        runner.quit()
    results = {}
    for load, got in taken.items():
        window = got["cpu"]["wall"]
        result = summarise(got["samples"], window)
        result["window_seconds"] = round(window, 2)
        result["pages"] = {page: summarise([s for s in got["samples"] if s[0] == page], window)
                           for page in sorted({page for page, _, _ in got["samples"]})}
        zero = dict.fromkeys(got["cpu"], 0.0)
        if got["cpu"]["database"] is None:
            zero["database"] = None
        result["cpu"] = cpu_used(zero, got["cpu"])
        result["cpu"]["machine_busy_before_start"] = round(busy_before, 2)
        result["cpu"]["gunicorn_ms_per_request"] = (
            round(got["cpu"]["gunicorn"] / len(got["samples"]) * 1000, 2) if got["samples"] else None
        )
        result["turns"] = [turn for turn in turns if turn["load"] == load]
        log(f"{load}: {result['requests_per_second']} requests/s, p50 {result['latency_ms']['p50']} ms, "
            f"p95 {result['latency_ms']['p95']} ms, {result['errors']} errors")
        results[load] = result
    results["app"]["sign_in"] = {"users_signed_in": Run.signed_in, "failures": Run.sign_in_failures,
                                 "seconds_for_all": sign_in_seconds}
    return results["app"], results["floor"]


def measure(name: str, user_classes: list, users: int, seconds: int, host: str, server: subprocess.Popen,
            signs_in: bool) -> dict:
    Run.signed_in = Run.sign_in_failures = 0
    Run.samples = []
    Run.recording = False
    Run.phase = f"{name}: sign-in" if signs_in else f"{name}: start"
    database = database_server()
    busy_before = busy_with_nothing_sent(server)
    environment = Environment(user_classes=user_classes, host=host)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    try:
        started = time.perf_counter()
        runner.start(users, spawn_rate=users)
        sign_in_seconds = None
        if signs_in:
            deadline = time.monotonic() + SIGN_IN_TIMEOUT
            while Run.signed_in + Run.sign_in_failures < users and time.monotonic() < deadline:
                gevent.sleep(0.1)
            sign_in_seconds = round(time.perf_counter() - started, 1)
            log(f"{name}: {Run.signed_in} of {users} users signed in in {sign_in_seconds} s")
        Run.phase = f"{name}: warm-up"
        gevent.sleep(WARMUP_SECONDS)
        Run.phase = f"{name}: measured"
        before = cpu_snapshot(server, database)
        Run.recording = True
        gevent.sleep(seconds)
        Run.recording = False
        after = cpu_snapshot(server, database)
        Run.phase = f"{name}: stopping"
        window = after["wall"] - before["wall"]
        samples = list(Run.samples)
    finally:
        runner.stop()
        runner.quit()
    result = summarise(samples, window)
    result["window_seconds"] = round(window, 2)
    pages = {}
    for page in sorted({page for page, _, _ in samples}):
        pages[page] = summarise([s for s in samples if s[0] == page], window)
    result["pages"] = pages
    result["cpu"] = cpu_used(before, after)
    result["cpu"]["machine_busy_before_start"] = round(busy_before, 2)
    result["cpu"]["gunicorn_ms_per_request"] = (
        round((after["gunicorn"] - before["gunicorn"]) / len(samples) * 1000, 2) if samples else None
    )
    if signs_in:
        result["sign_in"] = {"users_signed_in": Run.signed_in, "failures": Run.sign_in_failures,
                             "seconds_for_all": sign_in_seconds}
    log(f"{name}: {result['requests_per_second']} requests/s, p50 {result['latency_ms']['p50']} ms, "
        f"p95 {result['latency_ms']['p95']} ms, {result['errors']} errors")
    return result


def roles_for(users: int) -> dict:
    admins = 1 if users >= 3 else 0
    appraisers = max(1, users // 10) if users >= 2 else 0
    return {"admin": admins, "appraiser": appraisers, "practitioner": users - admins - appraisers}


def run(arguments) -> dict:
    database_url = os.environ.get("DATABASE_URL")
    if database_url and database_url.startswith("postgres"):
        database = "postgresql (temporary cluster from scripts/with-test-postgres.sh)"
    else:
        database_url = f"sqlite:///{WORK / 'bench.sqlite3'}"
        database = ("sqlite (temporary file: no PostgreSQL server binaries found; two processes writing "
                    "sessions to one SQLite file is not how production runs)")
    environment = app_environment(database_url, WORK)

    started = time.perf_counter()
    log(f"database: {database}; migrating and seeding")
    manage(environment, "migrate", "--noinput", "-v", "0")
    manage(environment, "load_framework", "-v", "0")
    manage(environment, "seed_demo", "--organisations", str(ORGANISATIONS),
           "--practitioners-per-org", str(PRACTITIONERS_PER_ORG),
           "--evidence-per-practitioner", str(EVIDENCE_PER_PRACTITIONER))
    manage(environment, "shell", "-v", "0", "-c", VACUUM)
    seed_seconds = round(time.perf_counter() - started, 1)
    manage(environment, "collectstatic", "--noinput", "-v", "0")
    found = json.loads(manage(environment, "shell", "-v", "0", "-c", LOOKUP).strip().splitlines()[-1])

    roles = roles_for(arguments.users)
    available = {role: interleave(found[role]) for role in roles}
    for role, count in roles.items():
        if len(available[role]) < count:
            raise RuntimeError(f"Only {len(available[role])} {role} accounts for {count} {role} users")
    Run.accounts = {role: available[role][:count] for role, count in roles.items()}
    AdminUser.fixed_count = roles["admin"]
    AppraiserUser.fixed_count = roles["appraiser"]
    user_classes = [cls for cls, role in ((PractitionerUser, "practitioner"), (AppraiserUser, "appraiser"),
                                          (AdminUser, "admin")) if roles[role]]

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = None
    try:
        server = start_server(environment, port, arguments.workers, arguments.worker_class, arguments.threads)
        log(f"gunicorn ({arguments.workers} {arguments.worker_class} workers) on {host}; "
            f"{arguments.users} users, {arguments.seconds} s each on the app and the floor in turns, "
            "then the anonymous floor")
        app, floor = measure_app_and_floor(user_classes, arguments.users, arguments.seconds, host, server)
        anonymous = measure("anonymous floor", [FloorUser], arguments.users, arguments.seconds, host, server,
                            signs_in=False)
        server_log = gunicorn_log()
    finally:
        stop_server(server)

    ratio = app["requests_per_second"] / floor["requests_per_second"] if floor["requests_per_second"] else 0.0
    anonymous_ratio = (app["requests_per_second"] / anonymous["requests_per_second"]
                       if anonymous["requests_per_second"] else 0.0)
    busy = max(phase["cpu"][key] for phase in (app, floor, anonymous)
               for key in ("machine_busy_before_start", "everything_else"))
    errors_total = sum(Run.errors_by_phase.values())
    threads = arguments.threads if arguments.worker_class == "gthread" else 1
    served_at_once = arguments.workers * threads
    return {
        "benchmark": "HTTP under load: gunicorn on loopback, locust with signed-in users (app) and on /healthz (floor)",
        "data": {"organisations": ORGANISATIONS, "practitioners_per_org": PRACTITIONERS_PER_ORG,
                 "evidence_per_practitioner": EVIDENCE_PER_PRACTITIONER, "made_in_seconds": seed_seconds},
        "server": {
            "gunicorn_workers": arguments.workers, "worker_class": arguments.worker_class,
            "threads_per_worker": threads,
            "bind": "127.0.0.1 (loopback)", "debug": False, "conn_max_age": 60,
            "static": "WhiteNoise, collected into a temporary folder",
            "log_warnings": server_log.strip().splitlines()[-5:] if server_log.strip() else [],
        },
        "load": {
            "users": arguments.users, "roles": roles, "seconds_measured": arguments.seconds,
            "warmup_seconds": WARMUP_SECONDS, "think_time_seconds": 0,
            "client": "locust FastHttpUser (geventhttpclient), in this process, one CPU core at most",
            "mix": {
                "practitioner": {"/": 3, "/assessments/[id]/": 2, "/assessments/[id]/pillars/[slug]/": 3,
                                 "/evidence/": 2, "/assessments/[id]/gaps/": 1,
                                 "open a pillar page, change a reflection, then POST it (save as draft)": 1},
                "appraiser": {"/reviews/": 3, "/": 1},
                "admin": {"/organisations/[id]/": 1},
                "floor": {"/healthz": 1},
                "anonymous floor": {"/healthz": 1},
            },
        },
        "app": app,
        "floor": {"view": "/healthz, by the same signed-in users (middleware stack with their session and "
                          "user loaded + SELECT 1)", **floor},
        "anonymous_floor": {"view": "/healthz, not signed in (middleware stack + SELECT 1); for comparison only",
                            **anonymous},
        "ratios": {"app_rps_over_floor_rps": round(ratio, 3),
                   "app_rps_over_anonymous_floor_rps": round(anonymous_ratio, 3)},
        "gunicorn_cpu_ms_per_request": {"app": app["cpu"]["gunicorn_ms_per_request"],
                                        "floor": floor["cpu"]["gunicorn_ms_per_request"],
                                        "anonymous_floor": anonymous["cpu"]["gunicorn_ms_per_request"]},
        "errors": {"total_all_phases": errors_total, "by_phase": Run.errors_by_phase,
                   "examples": Run.error_examples},
        "budget": {"errors_max": BUDGET_ERRORS_MAX, "app_over_floor_min": BUDGET_RATIO_MIN},
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "django": version("django"),
            "gunicorn": version("gunicorn"),
            "locust": version("locust"),
            "database": database,
        },
        "notes": [
            "Locust runs on the same machine as the server and competes with gunicorn and the database for "
            "the same cores (see app.cpu and floor.cpu: locust is one process, so at most one core). It takes "
            "a larger share during the floor, where responses are cheap, so the floor is held down more than "
            "the app and the ratio is, if anything, flattering to the app. On a machine with more cores, or "
            "with locust elsewhere, both figures rise.",
            "Worker class: sync (the default) gives every user the same share and serves the pages in the "
            "mix as written; gthread keeps each user's connection on one worker, so users on the less busy "
            "worker are served far more often and the mix served drifts from the mix written. Sync has no "
            "keep-alive, so every request opens a connection, which costs the client more (see floor.cpu).",
            "No think time: each user asks again as soon as it is answered, so requests per second is the "
            "most this server gives, and latency is mostly queueing "
            f"({arguments.users} users, {served_at_once} requests served at a time).",
            "Sign-in (PBKDF2 password hashing, about half a second of CPU each) happens before the measured "
            "window and is reported in app.sign_in; its errors still count against the budget.",
            "Static files are not requested: a browser caches them (WhiteNoise gives them far-future expiry).",
        ] + ([
            f"WARNING: up to {busy:.2f} cores were busy with work outside this benchmark (cpu.everything_else, "
            "cpu.machine_busy_before_start), so these figures are low and the app and floor may not have had "
            "the same machine: run again on a quiet machine before comparing."
        ] if busy > BUSY_MACHINE_CORES else []),
        "passed": errors_total <= BUDGET_ERRORS_MAX and ratio >= BUDGET_RATIO_MIN,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds for each of app and floor")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    arguments = parser.parse_args()
    if arguments.users < 1 or arguments.seconds < 1:
        parser.error("--users and --seconds must be at least 1")

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    die_with_parent()  # if the PostgreSQL wrapper is stopped, stop too (and clean up) rather than run on without it
    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="load-bench-"))
    try:
        result = run(arguments)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
