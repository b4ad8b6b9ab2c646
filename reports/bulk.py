"""Bulk export: a ZIP of portfolio reports (or packs), one PDF per
practitioner, of each one's latest assessment in the organisation.

The ZIP is written to a temporary file one report at a time, and only then
saved to the private storage, so memory holds one report at most however
many people are in it. A report that cannot be made is recorded (in the job
and in the ZIP as errors.txt) and the export carries on with the next
person.

Used by the background task (reports.tasks.build_export_task, run by
`manage.py db_worker`) and by `manage.py export_reports`, which does the
same thing at once on the command line.
"""

import logging
import math
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from portfolios.models import Assessment
from reports.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# The ZIP is deleted this many days after it is ready.
EXPORT_VALID_DAYS = 7
EXPORT_STALLED_MINUTES = 15
STALLED_MESSAGE = (
    "The export stopped before it finished, perhaps because the server making it was restarted. "
    "Start a new export."
)
ERRORS_FILE = "errors.txt"
NO_ASSESSMENT = "has not started an assessment in this organisation, so there is no report"
NOT_MADE = "the report could not be made"


@dataclass
class Problem:
    name: str
    email: str
    reason: str

    def line(self) -> str:
        return f"{self.name} ({self.email}): {self.reason}"


def latest_assessments(organisation, people: Iterable) -> dict:
    """Each person's latest assessment in the organisation (by end of period,
    as on the dashboard), in one query."""
    latest = {}
    for assessment in Assessment.objects.filter(
        organisation=organisation, practitioner_id__in=[person.pk for person in people]
    ).order_by("practitioner_id", "-period_end", "-created_at"):
        latest.setdefault(assessment.practitioner_id, assessment)
    return latest


def report_name(person, assessment, *, pack: bool, taken: set[str]) -> str:
    """aisha-khan-self-assessment-2026-27.pdf, made unique within the ZIP.
    Built from slugs, so no name a person typed can climb out of the folder."""
    name = slugify(person.full_name) or slugify(person.email.split("@")[0]) or "practitioner"
    title = slugify(assessment.title)[:60] or "assessment"
    stem = f"{name}-{title}{'-pack' if pack else ''}"
    candidate, number = f"{stem}.pdf", 2
    while candidate in taken:
        candidate, number = f"{stem}-{number}.pdf", number + 1
    taken.add(candidate)
    return candidate


def errors_text(problems: list[Problem]) -> str:
    lines = [
        "Reports that are not in this export",
        "",
        *(problem.line() for problem in problems),
        "",
    ]
    return "\n".join(lines)


def write_reports_zip(
    fileobj,
    organisation,
    people: list,
    *,
    include_packs: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> list[Problem]:
    """Write the ZIP to ``fileobj`` (an open binary file or a path): one PDF
    per person, in the order given, then errors.txt if any report could not
    be made. ``on_progress`` is called with the number done after each
    person. Returns the problems."""
    from reports.portfolio import render_portfolio_pdf

    latest = latest_assessments(organisation, people)
    problems: list[Problem] = []
    taken: set[str] = set()
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, person in enumerate(people, start=1):
            who = person.full_name or person.email
            assessment = latest.get(person.pk)
            if assessment is None:
                problems.append(Problem(who, person.email, NO_ASSESSMENT))
            else:
                try:
                    pdf = render_portfolio_pdf(assessment, pack=include_packs)
                except Exception as error:  # one report must not stop the rest
                    logger.exception("Report for assessment %s could not be made", assessment.pk)
                    problems.append(Problem(who, person.email, f"{NOT_MADE} ({type(error).__name__})"))
                else:
                    # PDFs are compressed already: store them as they are.
                    name = report_name(person, assessment, pack=include_packs, taken=taken)
                    archive.writestr(name, pdf, compress_type=zipfile.ZIP_STORED)
                    del pdf
            if on_progress is not None:
                on_progress(done)
        if problems:
            archive.writestr(ERRORS_FILE, errors_text(problems))
    return problems


def run_export_job(job_id) -> None:
    """Build the job's ZIP. Runs once: a job that is not waiting (already
    taken by another worker, or finished) is left alone."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now, progressed_at=now, done=0
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("organisation").get(pk=job_id)
    people = list(job.practitioners.order_by("full_name", "email", "pk"))
    ExportJob.objects.filter(pk=job.pk).update(total=len(people))

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, progressed_at=timezone.now())

    try:
        with tempfile.NamedTemporaryFile(prefix="export-", suffix=".zip") as temporary:
            problems = write_reports_zip(
                temporary, job.organisation, people, include_packs=job.include_packs, on_progress=progress
            )
            temporary.flush()
            temporary.seek(0)
            job.file.save(f"{job.pk}.zip", File(temporary), save=False)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        if job.file:
            job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED,
            error="The export could not be made. Try again later.",
            finished_at=timezone.now(),
            file="",
        )
        return
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        file=job.file.name,
        done=len(people),
        problems=[asdict(problem) for problem in problems],
        finished_at=finished,
        expires_at=finished + timedelta(days=EXPORT_VALID_DAYS),
    )


def expire(job: ExportJob) -> None:
    """Delete the job's file and mark it expired."""
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:  # already gone; the record still changes
            logger.warning("Export file %s could not be deleted", job.file.name)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")
    job.status, job.file = ExportStatus.EXPIRED, None


def expire_if_due(job: ExportJob, now=None) -> bool:
    """Expire the job if its time is up; whether it has expired."""
    if job.status == ExportStatus.EXPIRED:
        return True
    if job.has_expired(now):
        expire(job)
        return True
    return False


def expire_due(now=None) -> int:
    """Expire every job whose time is up; how many were expired."""
    now = now or timezone.now()
    due = ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportStatus.EXPIRED)
    count = 0
    for job in due.iterator():
        expire(job)
        count += 1
    return count


def fail_abandoned(now=None) -> int:
    """Mark as failed the jobs still waiting or running EXPORT_VALID_DAYS
    after they were started (their worker stopped, or none ever ran), so
    their pages stop waiting; how many there were."""
    cutoff = (now or timezone.now()) - timedelta(days=EXPORT_VALID_DAYS)
    return ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lte=cutoff
    ).update(
        status=ExportStatus.FAILED,
        error="The export did not finish. Start a new export.",
        finished_at=now or timezone.now(),
    )


def _stalled(now) -> Q:
    # No report made for EXPORT_STALLED_MINUTES: one takes seconds (a pack
    # with large files, a minute or two), so the worker has gone.
    cutoff = now - timedelta(minutes=EXPORT_STALLED_MINUTES)
    return Q(status=ExportStatus.RUNNING) & (
        Q(progressed_at__lte=cutoff) | Q(progressed_at__isnull=True, started_at__lte=cutoff)
    )


def fail_if_stalled(job: ExportJob, now=None) -> bool:
    """Mark the job failed if it is running but its worker has stopped (a
    restart, a deploy, out of memory), so its page stops waiting and says to
    start again; whether it did. Nothing requeues it: a new export is one
    click, and two workers must never build the same one."""
    now = now or timezone.now()
    failed = ExportJob.objects.filter(_stalled(now), pk=job.pk).update(
        status=ExportStatus.FAILED, error=STALLED_MESSAGE, finished_at=now
    )
    if failed:
        job.status, job.error, job.finished_at = ExportStatus.FAILED, STALLED_MESSAGE, now
    return bool(failed)


def fail_stalled(now=None) -> int:
    """fail_if_stalled for every job; how many failed."""
    now = now or timezone.now()
    return ExportJob.objects.filter(_stalled(now)).update(
        status=ExportStatus.FAILED, error=STALLED_MESSAGE, finished_at=now
    )


def seconds_left(job: ExportJob, now=None) -> int | None:
    """A guess at the seconds left, from the time per report so far."""
    if job.status != ExportStatus.RUNNING or not job.done or not job.started_at or job.done >= job.total:
        return None
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    return max(1, math.ceil(elapsed / job.done * (job.total - job.done)))


def time_left_label(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return "Less than a minute left"
    minutes = max(1, math.floor(seconds / 60 + 0.5))
    if minutes < 90:
        return f"About {minutes} minute{'' if minutes == 1 else 's'} left"
    hours = round(minutes / 60)
    return f"About {hours} hour{'' if hours == 1 else 's'} left"


def progress_data(job: ExportJob, now=None) -> dict:
    """What the progress page and its JSON endpoint say about the job."""
    seconds = seconds_left(job, now)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "seconds_left": seconds,
        "time_left": time_left_label(seconds),
        "finished": not job.is_active,
    }

