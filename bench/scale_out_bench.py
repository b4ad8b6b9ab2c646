"""Scale-out check: two app servers and two background workers on one
PostgreSQL, under concurrent load, lose no write and run every export
exactly once.

    python bench/scale_out_bench.py [--practitioners 30] [--writes N]

Why: the service is meant to run as several identical app servers behind a
load balancer, with more than one `manage.py db_worker` beside them. That is
only safe if nothing lives in one process: sessions and the cache must be
in the database, the secret key the same everywhere (sessions and CSRF
tokens are checked with it), files in shared storage, saves must not
overwrite each other (the pillar form's optimistic lock), and a queued
export must be taken by one worker only (the task queue's SELECT ... FOR
UPDATE SKIP LOCKED, and reports.bulk.run_export_job's conditional claim). This
bench shows that on real processes rather than in the test client.

What runs, all on loopback, against one throwaway database:

- two gunicorn servers (2 sync workers each) on two ports, with the same
  settings: DEBUG off, the same random secret key, DJANGO_CONN_MAX_AGE=60,
  DJANGO_CACHE=database (Django's DatabaseCache, one table shared by every
  process), one shared DJANGO_PRIVATE_STORAGE_ROOT folder
  standing in for object storage, and static files collected as
  load_bench.py does;
- two `manage.py db_worker` processes on the same queue, with fixed worker
  ids so each export can be traced to the worker that built it;
- simulated people in plain threads (urllib with a cookie jar each, so a
  browser's session): each signs in on one server and sends every later
  request to the servers in turn, so every page after sign-in is also proof
  that the session, the CSRF token and the flash messages work on the other
  server.

What the people do, through the real forms (each form is fetched, parsed
and sent back with only the changed fields altered, as a browser would):

- practitioners (30 by default): a practitioner without an editable
  assessment starts one (the start form); then each saves a self-rating and
  reflection on their assessment's pillar pages, going round the pillars
  twice (10 saves with the framework's five pillars; --writes), with a
  unique marker in each reflection and the same capability written on both
  visits to a pillar, so the final value must be the later save; each adds
  an evidence item with a text file attached on one server and opens the
  file from the other; and each opens one pillar page in two "tabs" (one
  per server) and saves both at the same instant, with different text for
  the same capability: the optimistic lock must accept exactly one and
  answer the other with 409 and the conflict message, never save both;
- the two organisation admins start four bulk exports each (hand-picked
  groups of three practitioners, overlapping the ones saving) through the
  export page, six seconds apart while the practitioners are saving, then
  follow the progress JSON and download each ZIP, from alternate servers.

Checks, against the database and the files afterwards (exit 1 if any fails):

- no HTTP 5xx, no request without an answer, no unexpected status (a
  redirect to the sign-in page would be a lost session);
- every acknowledged write (a redirect after POST) is there: each marker in
  the rating's history, the last one per capability as the current
  reflection with its rating, each started assessment and each evidence item
  exactly once, the uploaded file byte for byte through the other server;
- every racing pair gave one save and one 409, and the refused marker is
  nowhere (current value or history);
- every export started reached "done" exactly once: one task result for it,
  successful, claimed once (worker_ids holds one id, so one attempt by one
  worker), one ZIP in storage, holding exactly the reports expected, one per
  practitioner, each a PDF, and no errors.txt; the ZIP downloaded through
  the servers is that file; no other task result exists and none is left
  waiting, running or failed.

Prints one JSON document: writes attempted, acknowledged and found,
conflicts, errors, exports started, completed and duplicated, exports per
worker, requests per server, durations, CPU per process group and the
machine.

Data: always a throwaway database made for the run (the script re-runs
itself under scripts/with-test-postgres.sh, like load_bench.py), never the
configured one: migrate, createcachetable, load_framework, then `seed_demo
--organisations 2 --practitioners-per-org 20 --evidence-per-practitioner 5`.
Without PostgreSQL server binaries the wrapper would fall back to SQLite,
which is not what this bench is about (four processes writing one file, no
SKIP LOCKED), so the run fails and says so. Servers, workers, the database
and every temporary folder are removed even when the run fails.
"""

import os
import sys
from pathlib import Path

from wrapper import rerun_under_test_postgres  # bench/wrapper.py

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    rerun_under_test_postgres(__file__, "SCALE_OUT_BENCH_WRAPPED")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import zipfile  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_out_support as support  # noqa: E402
from processes import (  # noqa: E402
    app_environment,
    database_server,
    die_with_parent,
    manage,
    tail,
    version,
    wait_healthy,
)
from scale_out_support import Browser, Traffic, find_form, replace  # noqa: E402

ORGANISATIONS = 2
PRACTITIONERS_PER_ORG = 20
EVIDENCE_PER_PRACTITIONER = 5
GUNICORN_WORKERS = 2
WORKER_IDS = ("scale-out-worker-a", "scale-out-worker-b")
# Each admin's exports: hand-picked groups (slices of the export page's
# list of practitioners), started EXPORT_GAP_SECONDS apart while the writes
# go on. What is checked (each job run once, complete) does not depend on
# the size of a job, so the jobs are small and many: a report takes about a
# second of CPU and the machine has two cores for everything.
EXPORTS = (slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 12))
EXPORT_GAP_SECONDS = 6
# The run must end well within `make bench`'s patience on a 2-core machine.
LOAD_DEADLINE_SECONDS = 150
EXPORT_DEADLINE_SECONDS = 170
REQUEST_JOIN_SECONDS = support.REQUEST_TIMEOUT + 10
MARKER = "scale-out"

WORK = Path()  # the run's temporary folder, made in main()


def log(message: str) -> None:
    print(f"[scale_out_bench] {message}", file=sys.stderr, flush=True)


# --- what the people did -----------------------------------------------------

@dataclass
class Write:
    """One attempt to change something through a form, and its answer."""

    kind: str  # "rating" (a pillar save), "race" (one tab of a racing pair), "assessment", "evidence"
    user: str
    marker: str
    status: int | None = None
    server: int | None = None
    acknowledged: bool = False
    conflict: bool = False
    # rating and race: which field and what was written
    assessment: str = ""
    capability: int = 0
    rating: str = ""
    sequence: int = 0  # order of acknowledged writes per person (their saves are sequential)
    race: int = -1  # pair number, for the two tabs of a race
    # evidence: the item and its file
    evidence: str = ""
    file_sha256: str = ""
    downloaded_sha256: str = ""


@dataclass
class ExportRun:
    organisation: str
    ods_code: str
    expected: list[str]
    job: str = ""
    status: int | None = None
    started_on_server: int | None = None
    progress_polls: int = 0
    final_status: str = ""
    downloaded_sha256: str = ""
    downloaded_bytes: int = 0
    download_server: int | None = None
    seconds_to_finish: float | None = None
    started_after_seconds: float | None = None  # from the start of the load


@dataclass
class Results:
    writes: list[Write] = field(default_factory=list)
    exports: list[ExportRun] = field(default_factory=list)
    signed_in: int = 0
    sign_in_failures: int = 0
    cross_server_answers: int = 0
    races_in_flight_together: int = 0
    load_started: float = 0.0
    unfinished_people: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_write(self, write: Write) -> Write:
        with self.lock:
            self.writes.append(write)
        return write


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def error_summary(page: str) -> str:
    """The messages in a page's error summary, to say why a form was refused."""
    found = re.search(r'class="[^"]*nhsuk-error-summary__list[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    if not found:
        return ""
    return "; ".join(" ".join(re.sub(r"<[^>]+>", " ", item).split())
                     for item in re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S))


def set_date(pairs: list[tuple[str, str]], form, name: str, day: int, month: int, year: int):
    """Fill an NHS date input (three boxes: day, month, year)."""
    parts = sorted(n for n in form.names() if n.startswith(f"{name}_"))
    if len(parts) != 3:
        raise LookupError(f"date input {name} has parts {parts}")
    for part, value in zip(parts, (day, month, year)):
        pairs = replace(pairs, part, str(value))
    return pairs


class Person(Browser):
    """A browser plus the checks every answer gets: anything but the status
    the real page gives is a problem, and counted."""

    def __init__(self, traffic: Traffic, results: Results, email: str, first_server: int):
        super().__init__(traffic, first_server)
        self.results = results
        self.email = email
        self.home: int | None = None

    def expect(self, response, statuses: tuple, what: str) -> bool:
        if response.status in statuses:
            if self.home is not None and response.server != self.home:
                with self.results.lock:
                    self.results.cross_server_answers += 1
            return True
        location = f" to {response.location}" if response.location else ""
        self.traffic.problem(
            f"{self.email} {what} on server {'ab'[response.server]}: status {response.status}{location} "
            f"{response.error} {error_summary(response.text)}".strip()
        )
        return False

    def get(self, path: str, what: str, server: int | None = None):
        response = self.request("GET", path, server=server)
        return response if self.expect(response, (200,), what) else None

    def start(self) -> bool:
        server = self.next_server()
        if super().sign_in(self.email, server=server):
            self.home = server
            with self.results.lock:
                self.results.signed_in += 1
            return True
        with self.results.lock:
            self.results.sign_in_failures += 1
        return False


class Practitioner(Person):
    def __init__(self, traffic, results, account: dict, number: int, pillars: list[str], writes: int):
        super().__init__(traffic, results, account["email"], first_server=number % 2)
        self.account = account
        self.number = number
        self.pillars = pillars
        self.writes = writes
        self.assessment = account["assessment"] if account["editable"] else ""
        self.sequence = 0

    def marker(self, what: str) -> str:
        return f"{MARKER} p{self.number:02d} {what} {secrets.token_hex(4)}"

    def run(self) -> None:
        if not self.start():
            return
        if not self.assessment and not self.start_assessment():
            return
        for step in range(self.writes):
            if step == 2:
                self.add_evidence()
            if step == 4:
                self.race(step)
            # Pillars in turn from a different first pillar per person; after
            # the last pillar the same capability is written again, so the
            # final value must be the later save.
            slug = self.pillars[(self.number + step) % len(self.pillars)]
            self.save_pillar(slug, step)
        with self.results.lock:
            self.results.unfinished_people.remove(self.email)

    def start_assessment(self) -> bool:
        page = self.get("/assessments/new/", "start form")
        if page is None:
            return False
        form = find_form(page.text, "title")
        title = f"Self-assessment 2027 to 2028 ({self.marker('assessment')})"
        data = replace(form.values(), "title", title)
        data = set_date(data, form, "period_start", 1, 4, 2027)
        data = set_date(data, form, "period_end", 31, 3, 2028)
        write = self.results.add_write(Write(kind="assessment", user=self.email, marker=title))
        answer = self.request("POST", "/assessments/new/", data=data)
        write.status, write.server = answer.status, answer.server
        match = re.fullmatch(rf"/assessments/({UUID})/pillars/[-\w]+/", answer.location)
        if not (self.expect(answer, (302,), "start assessment") and match):
            return False
        write.acknowledged, write.assessment = True, match.group(1)
        self.assessment = match.group(1)
        return True

    def _pillar_form(self, slug: str, server: int | None = None):
        path = f"/assessments/{self.assessment}/pillars/{slug}/"
        page = self.get(path, f"pillar page {slug}", server=server)
        if page is None:
            return path, None, []
        form = find_form(page.text, "version")
        numbers = sorted(int(m.group(1)) for name in form.names() if (m := re.fullmatch(r"c(\d+)-reflection", name)))
        return path, form, numbers

    def _changed(self, form, number: int, step: int, marker: str) -> tuple[list, str]:
        levels = [value for value in form.options(f"c{number}-rating") if value]
        rating = levels[(self.number + step) % len(levels)]
        reflection = (f"{marker}: I led this across the region, with the results written up for the board.\n\n"
                      "Next year I want to share it more widely.")
        data = replace(form.values(), f"c{number}-reflection", reflection)
        data = replace(data, f"c{number}-rating", rating)
        return data + [("save_draft", "")], rating

    def save_pillar(self, slug: str, step: int) -> None:
        path, form, numbers = self._pillar_form(slug)
        if form is None:
            return
        number = numbers[self.number % len(numbers)]
        marker = self.marker(f"w{step}")
        data, rating = self._changed(form, number, step, marker)
        write = self.results.add_write(Write(kind="rating", user=self.email, marker=marker,
                                             assessment=self.assessment, capability=number, rating=rating))
        answer = self.request("POST", path, data=data)
        write.status, write.server = answer.status, answer.server
        if answer.status == 409:  # someone else saved first: not lost, refused and shown again
            write.conflict = True
            return
        if self.expect(answer, (302,), f"save {slug}") and answer.location == path:
            write.acknowledged = True
            self.sequence += 1
            write.sequence = self.sequence
        elif answer.status == 302:
            self.traffic.problem(f"{self.email} save {slug} redirected to {answer.location}")

    def race(self, step: int) -> None:
        """The same pillar page open in two tabs, one per server, saved at the
        same instant with different text for the same capability."""
        slug = self.pillars[(self.number + step) % len(self.pillars)]
        opened = [self._pillar_form(slug, server=tab) for tab in (0, 1)]
        if any(form is None for _, form, _ in opened):
            return
        path, numbers = opened[0][0], opened[0][2]
        number = numbers[(self.number + 1) % len(numbers)]
        writes, bodies = [], []
        for tab, (_, form, _) in enumerate(opened):
            marker = self.marker(f"race tab {'ab'[tab]}")
            data, rating = self._changed(form, number, step + tab, marker)
            bodies.append(data)
            writes.append(self.results.add_write(Write(
                kind="race", user=self.email, marker=marker, assessment=self.assessment, capability=number,
                rating=rating, race=self.number)))
        versions = {dict(form.values()).get("version") for _, form, _ in opened}
        if len(versions) != 1:
            self.traffic.problem(f"{self.email} race: the two tabs opened different versions {versions}")
        barrier = threading.Barrier(2)
        answers, spans = [None, None], [None, None]

        def send(tab: int) -> None:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            sent = time.perf_counter()
            answers[tab] = self.request("POST", path, data=bodies[tab], server=tab)
            spans[tab] = (sent, time.perf_counter())

        tabs = [threading.Thread(target=send, args=(tab,), daemon=True) for tab in (0, 1)]
        for thread in tabs:
            thread.start()
        for thread in tabs:
            thread.join(timeout=REQUEST_JOIN_SECONDS)
        if all(spans):
            # Both saves were with the servers at once: neither had been
            # answered when the other was sent.
            together = max(span[0] for span in spans) < min(span[1] for span in spans)
            with self.results.lock:
                self.results.races_in_flight_together += together
        for tab, answer in enumerate(answers):
            if answer is None:
                self.traffic.problem(f"{self.email} race tab {tab}: no answer in time")
                continue
            write = writes[tab]
            write.status, write.server = answer.status, answer.server
            if answer.status == 409:
                write.conflict = True
                if "changed in another tab" not in answer.text:
                    self.traffic.problem(f"{self.email} race tab {tab}: 409 without the conflict message")
            elif self.expect(answer, (302,), f"race tab {tab}") and answer.location == path:
                write.acknowledged = True
        # The two answers arrived in some order; only one can be acknowledged
        # (checked later), and it comes after every earlier save of this person.
        for write in writes:
            if write.acknowledged:
                self.sequence += 1
                write.sequence = self.sequence

    def add_evidence(self) -> None:
        page = self.get("/evidence/new/", "evidence form")
        if page is None:
            return
        form = find_form(page.text, "title")
        marker = self.marker("evidence")
        capability = form.options("capabilities")[self.number % len(form.options("capabilities"))]
        data = replace(form.values(), "title", f"Service review ({marker})")
        # Any type but "an example named in the framework", which also needs the example chosen.
        kind = next(value for value in form.options("evidence_type") if value != "framework_example")
        data = replace(data, "evidence_type", kind)
        data = set_date(data, form, "activity_date", 12, 5, 2026)
        data = replace(data, "description", f"What I did ({marker}): led a review of the service with the team.")
        data = replace(data, "capabilities", capability)
        data = replace(data, f"why_cap_{capability}", "Shows leading the review")
        content = f"Notes for {marker}\nWritten through one server, read through the other.\n".encode()
        write = self.results.add_write(Write(kind="evidence", user=self.email, marker=marker,
                                             file_sha256=hashlib.sha256(content).hexdigest()))
        answer = self.request("POST", "/evidence/new/", data=data,
                              files=[("files", "review-notes.txt", content, "text/plain")])
        write.status, write.server = answer.status, answer.server
        match = re.fullmatch(rf"/evidence/({UUID})/", answer.location)
        if not (self.expect(answer, (302,), "add evidence") and match):
            return
        write.acknowledged, write.evidence = True, match.group(1)
        # The item's page and its file from the other server: the file was
        # written by one server's process and must be readable by the other's.
        other = 1 - answer.server
        detail = self.get(answer.location, "evidence page", server=other)
        link = re.search(rf'/evidence/{write.evidence}/files/({UUID})/', detail.text) if detail else None
        if link is None:
            self.traffic.problem(f"{self.email} evidence page has no link to the file")
            return
        download = self.get(link.group(0), "evidence file", server=other)
        if download is not None:
            write.downloaded_sha256 = hashlib.sha256(download.body).hexdigest()


class Admin(Person):
    def __init__(self, traffic, results, account: dict, number: int):
        super().__init__(traffic, results, account["email"], first_server=number % 2)
        self.account = account

    def run(self) -> None:
        if not self.start():
            return
        organisation = self.account["organisation"]
        base = f"/organisations/{organisation}/exports/"
        mine = []
        for number, chosen in enumerate(EXPORTS):
            if number:
                time.sleep(EXPORT_GAP_SECONDS)
            page = self.get(base, "export page")
            if page is None:
                continue
            form = find_form(page.text, "selection")
            expected = form.options("practitioners")[chosen]
            data = replace(replace(form.values(), "selection", "chosen"), "practitioners", *expected)
            export = ExportRun(organisation=organisation, ods_code=self.account["ods_code"], expected=list(expected))
            with self.results.lock:
                self.results.exports.append(export)
            export.started_after_seconds = round(time.perf_counter() - self.results.load_started, 1)
            answer = self.request("POST", base, data=data)
            export.status, export.started_on_server = answer.status, answer.server
            match = re.fullmatch(rf"{base}({UUID})/", answer.location)
            if self.expect(answer, (302,), "start export") and match:
                export.job = match.group(1)
                mine.append((export, time.monotonic()))
        # Follow every export to the end on alternate servers, as the progress
        # page's script does, then download it.
        deadline = time.monotonic() + EXPORT_DEADLINE_SECONDS
        waiting = list(mine)
        while waiting and time.monotonic() < deadline:
            still = []
            for export, started in waiting:
                progress = self.get(f"{base}{export.job}/progress/", "export progress")
                export.progress_polls += 1
                data = json.loads(progress.body) if progress is not None else {}
                if data.get("finished"):
                    export.final_status = data.get("status", "")
                    export.seconds_to_finish = round(time.monotonic() - started, 1)
                else:
                    still.append((export, started))
            waiting = still
            if waiting:
                time.sleep(1.5)
        for export, _ in mine:
            if export.final_status != "done":
                continue
            download = self.get(f"{base}{export.job}/download/", "export download")
            if download is not None:
                export.downloaded_sha256 = hashlib.sha256(download.body).hexdigest()
                export.downloaded_bytes = len(download.body)
                export.download_server = download.server


# --- set-up --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lookup() -> dict:
    """The seeded organisations, admins and practitioners, and each
    practitioner's latest assessment and whether they may still change it."""
    from accounts.models import Membership, Organisation, Role
    from capability.models import Framework
    from portfolios.models import PRACTITIONER_EDITABLE, Assessment

    framework = Framework.objects.current().get()
    found = {"pillars": list(framework.pillars.order_by("order").values_list("slug", flat=True)),
             "admins": [], "practitioners": []}
    for organisation in Organisation.objects.filter(ods_code__startswith="L").order_by("ods_code"):
        admin = Membership.objects.filter(organisation=organisation, role=Role.ORGANISATION_ADMIN).select_related(
            "user").get()
        found["admins"].append({"email": admin.user.email, "organisation": str(organisation.pk),
                                "ods_code": organisation.ods_code})
        people = []
        for membership in Membership.objects.filter(organisation=organisation, role=Role.PRACTITIONER).select_related(
                "user"):
            latest = Assessment.objects.filter(practitioner=membership.user).latest_first().first()
            people.append({
                "email": membership.user.email, "ods_code": organisation.ods_code,
                "assessment": str(latest.pk) if latest else "",
                "editable": bool(latest and latest.status in PRACTITIONER_EDITABLE),
            })
        people.sort(key=lambda p: int(re.search(r"(\d+)@", p["email"]).group(1)))
        found["practitioners"].append(people)
    return found


def interleave(groups: list[list[dict]]) -> list[dict]:
    return [person for row in zip(*groups) for person in row]


# --- checks ----------------------------------------------------------------------

def check_writes(results: Results, storage: Path) -> tuple[dict, list[str]]:
    from accounts.models import User
    from portfolios.models import Assessment, AssessmentEvidence, CapabilityRating, EvidenceItem

    failures = []
    history = CapabilityRating.history.model
    writes = results.writes
    acknowledged = [w for w in writes if w.acknowledged]
    found = 0

    # Pillar saves and race winners: each marker in the history; the last
    # acknowledged save of each capability is its current value.
    saves = [w for w in writes if w.kind in ("rating", "race")]
    last: dict[tuple[str, int], Write] = {}
    for write in sorted((w for w in saves if w.acknowledged), key=lambda w: (w.user, w.sequence)):
        last[(write.assessment, write.capability)] = write
    current = {
        (str(r.assessment_id), r.capability.number): r
        for r in CapabilityRating.objects.filter(assessment_id__in={w.assessment for w in saves})
        .select_related("capability", "level")
    }
    histories = defaultdict(list)
    for row in history.objects.filter(assessment_id__in={w.assessment for w in saves}, reflection__contains=MARKER) \
            .values("assessment_id", "capability__number", "reflection"):
        histories[(str(row["assessment_id"]), row["capability__number"])].append(row["reflection"])
    final_checked = 0
    for write in saves:
        key = (write.assessment, write.capability)
        in_history = any(text.startswith(write.marker + ":") for text in histories[key])
        if write.acknowledged:
            ok = in_history
            if last.get(key) is write:
                rating = current.get(key)
                now_ok = (rating is not None and rating.reflection.startswith(write.marker + ":")
                          and rating.level is not None and str(rating.level.value) == write.rating)
                final_checked += 1
                if not now_ok:
                    failures.append(
                        f"lost write: {write.user} capability {write.capability} should read {write.marker!r} "
                        f"rated {write.rating}, is {rating.reflection[:60] if rating else None!r} rated "
                        f"{rating.level.value if rating and rating.level else None}"
                    )
                ok = ok and now_ok
            if not in_history:
                failures.append(f"lost write: {write.marker!r} ({write.user}) acknowledged but not in the history")
            found += ok
        elif write.conflict and in_history:
            failures.append(f"refused save {write.marker!r} ({write.user}) was written all the same")

    # Racing pairs: one save, one 409, never both saved.
    races = defaultdict(list)
    for write in writes:
        if write.kind == "race":
            races[(write.user, write.race)].append(write)
    race_outcomes = Counter()
    for (user, _), pair in races.items():
        outcome = (sum(w.acknowledged for w in pair), sum(w.conflict for w in pair))
        race_outcomes[f"{outcome[0]} saved, {outcome[1]} refused"] += 1
        if outcome != (1, 1):
            failures.append(f"race for {user}: {outcome[0]} saved and {outcome[1]} refused (expected 1 and 1)")

    # Started assessments: each exactly once, the person's own.
    for write in (w for w in writes if w.kind == "assessment"):
        matches = list(Assessment.objects.filter(title=write.marker).values_list("pk", "practitioner__email"))
        if write.acknowledged:
            if len(matches) == 1 and str(matches[0][0]) == write.assessment and matches[0][1] == write.user:
                found += 1
            else:
                failures.append(f"assessment {write.marker!r}: {len(matches)} found (expected 1, {write.user}'s)")
        elif matches:
            failures.append(f"assessment {write.marker!r} was refused but exists {len(matches)} times")

    # Evidence: the item once, its file once and intact (in storage and
    # through the other server), included in the person's draft.
    inclusions_in_history = 0
    for write in (w for w in writes if w.kind == "evidence"):
        items = list(EvidenceItem.objects.filter(title__contains=write.marker).prefetch_related("attachments"))
        if not write.acknowledged:
            if items:
                failures.append(f"evidence {write.marker!r} was refused but exists")
            continue
        problems = []
        if len(items) != 1 or str(items[0].pk) != write.evidence:
            problems.append(f"{len(items)} items")
        else:
            item = items[0]
            owner = User.objects.get(pk=item.owner_id)
            attachments = list(item.attachments.all())
            if owner.email != write.user:
                problems.append(f"owned by {owner.email}")
            if len(attachments) != 1:
                problems.append(f"{len(attachments)} files")
            else:
                path = storage / attachments[0].file.name
                stored = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
                if stored != write.file_sha256:
                    problems.append(f"stored file {stored[:12]}")
                if write.downloaded_sha256 != write.file_sha256:
                    problems.append("file through the other server differs" if write.downloaded_sha256
                                    else "file not downloaded through the other server")
            drafts = Assessment.objects.filter(practitioner__email=write.user).drafts()
            if not AssessmentEvidence.objects.filter(evidence_id=write.evidence, assessment__in=drafts).exists():
                problems.append("not included in the draft assessment")
            inclusions_in_history += AssessmentEvidence.history.filter(evidence_id=write.evidence).exists()
        if problems:
            failures.append(f"evidence {write.marker!r}: " + ", ".join(problems))
        else:
            found += 1

    by_kind = {}
    for kind in ("rating", "race", "assessment", "evidence"):
        mine = [w for w in writes if w.kind == kind]
        by_kind[kind] = {"attempted": len(mine), "acknowledged": sum(w.acknowledged for w in mine),
                         "refused_409": sum(w.conflict for w in mine)}
    return {
        "attempted": len(writes),
        "acknowledged": len(acknowledged),
        "found": found,
        "lost": len(acknowledged) - found,
        "unanswered_or_failed": len(writes) - len(acknowledged) - sum(w.conflict for w in writes),
        "final_values_checked": final_checked,
        "by_kind": by_kind,
        "conflicts": {
            "total_409": sum(w.conflict for w in writes),
            "from_racing_tabs": sum(w.conflict for w in writes if w.kind == "race"),
            "unplanned": sum(w.conflict for w in writes if w.kind != "race"),
            "racing_pairs": len(races),
            "racing_pairs_with_both_saves_in_flight_together": results.races_in_flight_together,
            "race_outcomes": dict(race_outcomes),
        },
        # Not a check of this bench, an observation: whether adding evidence
        # recorded its inclusion in the draft in the assessment's history.
        "evidence_inclusions_recorded_in_history": inclusions_in_history,
    }, failures


def check_exports(results: Results, storage: Path, worker_ids: tuple[str, ...]) -> tuple[dict, list[str]]:
    from django.utils.text import slugify
    from django_tasks_db.models import DBTaskResult

    from accounts.models import User
    from reports.models import ExportJob, ExportStatus

    failures = []
    tasks = list(DBTaskResult.objects.all())
    export_tasks = defaultdict(list)
    other_tasks = []
    for task in tasks:
        if task.task_path.endswith("build_export_task"):
            export_tasks[str(task.args_kwargs["args"][0])].append(task)
        else:
            other_tasks.append(task)
    if other_tasks:
        failures.append(f"{len(other_tasks)} task results that are not exports")
    started = [e for e in results.exports if e.job]
    for export in results.exports:
        if not export.job:
            failures.append(f"an export for {export.ods_code} did not start: status {export.status}")
    unexpected = set(export_tasks) - {e.job for e in started}
    if unexpected:
        failures.append(f"{len(unexpected)} export tasks for jobs nobody started")
    names = {str(u.pk): slugify(u.full_name) for u in User.objects.filter(
        pk__in={p for e in started for p in e.expected})}
    per_worker = Counter()
    details, completed, duplicates, reports = [], 0, 0, 0
    for export in started:
        job = ExportJob.objects.get(pk=export.job)
        mine = export_tasks.get(export.job, [])
        claims = [worker for task in mine for worker in task.worker_ids]
        problems = []
        if len(mine) != 1:
            problems.append(f"{len(mine)} task results")
        if len(claims) != 1:
            problems.append(f"claimed {len(claims)} times ({', '.join(claims)})")
        if set(claims) - set(worker_ids):
            problems.append(f"claimed by unknown workers {sorted(set(claims) - set(worker_ids))}")
        if any(task.status != "SUCCESSFUL" for task in mine):
            problems.append("task " + ", ".join(task.status for task in mine))
        if job.status != ExportStatus.DONE or export.final_status != "done":
            problems.append(f"job {job.status} (progress page said {export.final_status or 'nothing'})")
        if job.total != len(export.expected) or job.done != len(export.expected) or job.problems:
            problems.append(f"done {job.done} of {job.total}, {len(job.problems or [])} problems, "
                            f"expected {len(export.expected)}")
        # One file per job in storage: a second run of the job would have left
        # another (the storage never overwrites; it adds a suffix).
        files = [p for p in storage.rglob(f"*{export.job}*") if p.is_file()]
        in_zip = Counter()
        pdfs = 0
        if len(files) != 1:
            problems.append(f"{len(files)} files in storage")
        if job.file and (storage / job.file.name).exists():
            path = storage / job.file.name
            with zipfile.ZipFile(path) as archive:
                entries = archive.namelist()
                for name in entries:
                    if name.endswith(".pdf"):
                        pdfs += 1
                        if not archive.read(name)[:5] == b"%PDF-":
                            problems.append(f"{name} is not a PDF")
                if len(entries) != len(set(entries)):
                    problems.append("duplicate names in the ZIP")
                if "errors.txt" in entries:
                    problems.append("errors.txt in the ZIP")
                for person in export.expected:
                    in_zip[person] = sum(1 for name in entries if name.startswith(names.get(person, "?") + "-"))
            stored_sha = hashlib.sha256(path.read_bytes()).hexdigest()
            if export.downloaded_sha256 != stored_sha:
                problems.append("download through the servers differs from the stored ZIP"
                                if export.downloaded_sha256 else "not downloaded")
        else:
            problems.append("no ZIP")
        if pdfs != len(export.expected):
            problems.append(f"{pdfs} PDFs in the ZIP, expected {len(export.expected)}")
        twice = [p for p, n in in_zip.items() if n > 1]
        missing = [p for p, n in in_zip.items() if n == 0]
        if twice or missing:
            problems.append(f"{len(twice)} practitioners twice, {len(missing)} missing")
        duplicate = len(mine) > 1 or len(claims) > 1 or len(files) > 1 or bool(twice)
        duplicates += duplicate
        ok = not problems
        completed += ok
        reports += pdfs
        if claims:
            per_worker[claims[0]] += 1
        task = mine[0] if mine else None
        details.append({
            "organisation": export.ods_code, "expected_reports": len(export.expected),
            "reports_in_zip": pdfs, "zip_bytes": export.downloaded_bytes, "worker": claims[0] if claims else None,
            "attempts": len(claims),
            "started_via": f"server_{'ab'[export.started_on_server]}",
            "started_seconds_into_the_load": export.started_after_seconds,
            "downloaded_via": f"server_{'ab'[export.download_server]}" if export.download_server is not None else None,
            "queued_seconds": round((task.started_at - task.enqueued_at).total_seconds(), 1)
            if task and task.started_at else None,
            "build_seconds": round((task.finished_at - task.started_at).total_seconds(), 1)
            if task and task.finished_at and task.started_at else None,
            "seconds_until_progress_said_finished": export.seconds_to_finish,
            "progress_polls": export.progress_polls,
            "ok": ok, "problems": problems,
        })
        for problem in problems:
            failures.append(f"export {export.job} ({export.ods_code}): {problem}")
    left = [t for tasks_ in export_tasks.values() for t in tasks_ if t.status in ("READY", "RUNNING", "FAILED")]
    if left:
        failures.append(f"{len(left)} export tasks left waiting, running or failed")
    return {
        "started": len(started),
        "completed_exactly_once": completed,
        "duplicates": duplicates,
        "reports_expected": sum(len(e.expected) for e in started),
        "reports_in_zips": reports,
        "per_worker": {worker: per_worker.get(worker, 0) for worker in worker_ids},
        "both_workers_used": all(per_worker.get(worker) for worker in worker_ids),
        "task_results": len(tasks),
        "details": details,
    }, failures


# --- the run -----------------------------------------------------------------------

def run(arguments) -> dict:
    timings = {}
    clock = time.perf_counter()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        return {
            "benchmark": "scale-out: two app servers and two workers on one PostgreSQL",
            "failures": ["No PostgreSQL: scripts/with-test-postgres.sh found no server binaries (install "
                         "postgresql). Two servers and two workers on one SQLite file is not the deployment "
                         "this checks."],
            "passed": False,
        }
    # One key for both servers (app_environment makes one per call): a
    # session or CSRF token made by one must be accepted by the other.
    environment = app_environment(
        database_url, WORK, DJANGO_PRIVATE_STORAGE_ROOT=str(WORK / "shared-storage"), DJANGO_CACHE="database"
    )
    storage = WORK / "shared-storage"
    storage.mkdir()

    log("migrating and seeding a throwaway PostgreSQL")
    manage(environment, "migrate", "--noinput", "-v", "0")
    manage(environment, "createcachetable", "-v", "0")
    manage(environment, "load_framework", "-v", "0")
    manage(environment, "seed_demo", "--organisations", str(ORGANISATIONS),
           "--practitioners-per-org", str(PRACTITIONERS_PER_ORG),
           "--evidence-per-practitioner", str(EVIDENCE_PER_PRACTITIONER))
    manage(environment, "collectstatic", "--noinput", "-v", "0")
    timings["set_up"] = round(time.perf_counter() - clock, 1)

    # This process reads the database directly for the lookups and checks,
    # with the servers' settings.
    os.environ.update({k: v for k, v in environment.items() if k.startswith(("DJANGO_", "DATABASE_"))})
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    cache_backend = settings.CACHES["default"]["BACKEND"]
    found = lookup()
    connection.close()  # not held open through the load
    people = interleave(found["practitioners"])
    if len(people) < arguments.practitioners:
        raise RuntimeError(f"only {len(people)} practitioners for {arguments.practitioners} simulated ones")
    people = people[:arguments.practitioners]
    if arguments.writes is None:
        arguments.writes = 2 * len(found["pillars"])

    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    servers = [f"http://127.0.0.1:{port}" for port in ports]
    processes: dict[str, subprocess.Popen] = {}
    traffic = Traffic(servers)
    results = Results()
    cpu = {}
    try:
        clock = time.perf_counter()
        for index, port in enumerate(ports):
            processes[f"server_{'ab'[index]}"] = support.start_gunicorn(
                ROOT, environment, port, GUNICORN_WORKERS, WORK / f"server-{'ab'[index]}.log")
        for index, worker_id in enumerate(WORKER_IDS):
            processes[f"worker_{'ab'[index]}"] = support.start_db_worker(
                ROOT, environment, worker_id, WORK / f"worker-{'ab'[index]}.log")
        for index, base in enumerate(servers):
            wait_healthy(processes[f"server_{'ab'[index]}"], base, WORK / f"server-{'ab'[index]}.log")
        timings["processes_started"] = round(time.perf_counter() - clock, 1)
        log(f"servers on {', '.join(servers)}, workers {', '.join(WORKER_IDS)}; "
            f"{len(people)} practitioners and {len(found['admins'])} admins")

        postgres = database_server()
        cpu_before = {name: support.cpu_seconds(process) for name, process in processes.items()}
        cpu_before["postgresql"] = support.tree_cpu_seconds(postgres)
        cpu_before["this_client"] = support.own_cpu_seconds()
        busy_before = support.machine_busy()
        clock = results.load_started = time.perf_counter()
        results.unfinished_people = [person["email"] for person in people]
        actors = [Practitioner(traffic, results, person, number, found["pillars"], arguments.writes)
                  for number, person in enumerate(people)]
        actors += [Admin(traffic, results, admin, number) for number, admin in enumerate(found["admins"])]

        def guarded(actor):
            try:
                actor.run()
            except Exception as error:  # a bug in the bench or a page it did not expect
                traffic.problem(f"{actor.email}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=guarded, args=(actor,), daemon=True, name=actor.email)
                   for actor in actors]
        for thread in threads:
            thread.start()
        writers, admins = threads[:len(people)], threads[len(people):]
        deadline = time.monotonic() + LOAD_DEADLINE_SECONDS
        for thread in writers:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        timings["practitioners_load"] = round(time.perf_counter() - clock, 1)
        deadline = time.monotonic() + EXPORT_DEADLINE_SECONDS
        for thread in admins:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        timings["load_and_exports"] = round(time.perf_counter() - clock, 1)
        stuck = [thread.name for thread in threads if thread.is_alive()]
        cpu_after = {name: support.cpu_seconds(process) for name, process in processes.items()}
        cpu_after["postgresql"] = support.tree_cpu_seconds(postgres)
        cpu_after["this_client"] = support.own_cpu_seconds()
        wall = time.perf_counter() - clock
        for name in cpu_after:
            if cpu_before.get(name) is not None and cpu_after.get(name) is not None:
                cpu[name] = round((cpu_after[name] - cpu_before[name]) / wall, 2)
        cpu["machine_total"] = round((support.machine_busy() - busy_before) / wall, 2)
        cpu["everything_else"] = round(max(0.0, cpu["machine_total"] - sum(
            value for name, value in cpu.items() if name != "machine_total")), 2)
        memory = {name: support.peak_rss_mb(process) for name, process in processes.items()
                  if name.startswith("worker")}
        exited = {name: process.returncode for name, process in processes.items() if process.poll() is not None}
    finally:
        for process in processes.values():
            support.stop(process)
        logs = {name: tail(WORK / f"{name.replace('_', '-')}.log", 1500) for name in processes}

    clock = time.perf_counter()
    writes, failures = check_writes(results, storage)
    exports, export_failures = check_exports(results, storage, WORKER_IDS)
    failures += export_failures
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres_version = cursor.fetchone()[0].split(" on ")[0]
    connection.close()
    timings["checks"] = round(time.perf_counter() - clock, 1)
    log(f"{writes['acknowledged']} writes acknowledged, {writes['found']} found; {writes['conflicts']['total_409']} "
        f"refused as conflicts; {exports['completed_exactly_once']} of {exports['started']} exports done exactly "
        f"once ({exports['per_worker']}); {len(failures)} failures")

    per_server = traffic.summary()
    statuses = Counter()
    for server in per_server.values():
        statuses.update(server["by_status"])
    errors_5xx = sum(count for status, count in statuses.items() if status.isdigit() and int(status) >= 500)
    if errors_5xx:
        failures.append(f"{errors_5xx} responses with status 5xx")
    if statuses.get("no answer"):
        failures.append(f"{statuses['no answer']} requests got no answer")
    if traffic.problem_count:
        failures.append(f"{traffic.problem_count} unexpected answers (see http.unexpected_examples)")
    if results.sign_in_failures:
        failures.append(f"{results.sign_in_failures} sign-ins failed")
    if stuck:
        failures.append(f"still running at the deadline: {', '.join(stuck[:5])}")
    if results.unfinished_people:
        failures.append(f"{len(results.unfinished_people)} practitioners did not finish their writes")
    if exited:
        failures.append(f"processes ended during the run: {exited}")
    for name in processes:
        if name.startswith("server") and "Traceback" in logs[name]:
            failures.append(f"{name} logged a traceback")

    return {
        "benchmark": "scale-out: two app servers and two workers on one PostgreSQL, under concurrent writes and "
                     "exports",
        "data": {"organisations": ORGANISATIONS, "practitioners_per_org": PRACTITIONERS_PER_ORG,
                 "evidence_per_practitioner": EVIDENCE_PER_PRACTITIONER},
        "topology": {
            "servers": [f"gunicorn {GUNICORN_WORKERS} sync workers on {base}" for base in servers],
            "db_workers": list(WORKER_IDS),
            "shared": ["PostgreSQL (sessions, cache table, task queue, data)",
                       "one secret key", "one storage folder for files (stands in for object storage)"],
            "settings": {"DEBUG": False, "DJANGO_CONN_MAX_AGE": 60, "DJANGO_CACHE": "database"},
            "cache_backend_in_use": cache_backend,
        },
        "load": {
            "practitioners": len(people), "admins": len(found["admins"]),
            "pillar_saves_each": arguments.writes, "pillars": len(found["pillars"]), "racing_pairs_each": 1, "evidence_items_each": 1,
            "exports_each_admin": len(EXPORTS),
            "reports_each_export": [chosen.stop - chosen.start for chosen in EXPORTS],
            "seconds_between_exports": EXPORT_GAP_SECONDS,
            "client": "plain threads, urllib with a cookie jar per person; requests alternate between the servers",
        },
        "writes": writes,
        "exports": exports,
        "http": {
            "requests": sum(statuses.values()),
            "errors_5xx": errors_5xx,
            "no_answer": statuses.get("no answer", 0),
            "unexpected": traffic.problem_count,
            "unexpected_examples": traffic.problems,
            "per_server": per_server,
        },
        "sessions": {
            "signed_in": results.signed_in, "sign_in_failures": results.sign_in_failures,
            "answers_from_the_server_that_did_not_sign_the_person_in": results.cross_server_answers,
        },
        "durations_seconds": timings,
        "cpu_cores_busy_during_load": {**cpu, "unit": f"cores on average (machine has {os.cpu_count()})"},
        "db_worker_peak_memory_mb": memory,
        "machine": {
            "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "django": version("django"), "gunicorn": version("gunicorn"),
            "django_tasks_db": version("django-tasks-db"), "postgresql": postgres_version,
        },
        "notes": ([] if cache_backend.endswith("DatabaseCache") else [
            f"DJANGO_CACHE=database did not select the database cache ({cache_backend} is in use), so each "
            "process has a cache of its own. Nothing checked here goes through the cache (the rate limit on "
            "360-degree feedback links does, and is per process until the cache is shared)."
        ]) + ([
            f"The machine was busy with other work during the run ({cpu.get('everything_else')} cores on "
            "average outside this bench), so durations are longer than on a quiet machine; the checks do not "
            "depend on timing."
        ] if cpu.get("everything_else", 0) > 0.25 else []),
        "failures": failures[:50],
        "passed": not failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=30, help="simulated practitioners saving at once")
    parser.add_argument("--writes", type=int, default=None,
                        help="pillar saves per practitioner (at least 5; default twice the number of pillars)")
    arguments = parser.parse_args()
    if arguments.practitioners < 1 or (arguments.writes is not None and arguments.writes < 5):
        parser.error("--practitioners must be at least 1 and --writes at least 5")

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    die_with_parent()  # if the PostgreSQL wrapper goes, go too (and clean up)
    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="scale-out-bench-"))
    started = time.perf_counter()
    try:
        result = run(arguments)
    except Exception:
        # Still one JSON document, so `make bench` shows why.
        log(traceback.format_exc())
        result = {"benchmark": "scale-out", "failures": [traceback.format_exc(limit=3)[-3000:]], "passed": False}
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    result.setdefault("durations_seconds", {})["total"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
