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
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core.files import File
from django.utils import timezone
from django.utils.text import slugify

from portfolios.models import Assessment
from reports import jobs
from reports.jobs import expire_if_due, time_left_label  # noqa: F401  (the export pages' names)
from reports.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# The ZIP is deleted this many days after it is ready.
EXPORT_VALID_DAYS = 7
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


def split_problems(problems: list[dict]) -> tuple[list[dict], list[dict]]:
    """A finished job's problems as (reports that could not be made, people
    with no assessment yet): the second is not a failure, just nobody to
    report on."""
    problems = problems or []
    return ([p for p in problems if p.get("reason") != NO_ASSESSMENT],
            [p for p in problems if p.get("reason") == NO_ASSESSMENT])


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
    if not jobs.claim(ExportJob, job_id):
        return
    job = ExportJob.objects.select_related("organisation").get(pk=job_id)
    people = list(job.practitioners.order_by("full_name", "email", "pk"))
    ExportJob.objects.filter(pk=job.pk).update(total=len(people))
    try:
        with tempfile.NamedTemporaryFile(prefix="export-", suffix=".zip") as temporary:
            problems = write_reports_zip(
                temporary, job.organisation, people, include_packs=job.include_packs,
                on_progress=lambda done: jobs.report_progress(job, done),
            )
            temporary.flush()
            temporary.seek(0)
            job.file.save(f"{job.pk}.zip", File(temporary), save=False)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        jobs.fail(job, "The export could not be made. Try again later.")
        return
    jobs.finish(job, valid_for=timedelta(days=EXPORT_VALID_DAYS), done=len(people),
                problems=[asdict(problem) for problem in problems])


def expire_due(now=None) -> int:
    return jobs.expire_due(ExportJob, now)


def fail_abandoned(now=None) -> int:
    """Exports still waiting or running EXPORT_VALID_DAYS after they were
    asked for are marked failed."""
    return jobs.fail_abandoned(ExportJob, older_than=timedelta(days=EXPORT_VALID_DAYS),
                               message="The export did not finish. Start a new export.", now=now)


def fail_if_stalled(job: ExportJob, now=None) -> bool:
    return jobs.fail_if_stalled(job, now, STALLED_MESSAGE)


def fail_stalled(now=None) -> int:
    return jobs.fail_stalled(ExportJob, now, STALLED_MESSAGE)


def summary(job: ExportJob) -> str:
    if job.status == ExportStatus.QUEUED:
        return "Waiting to start"
    return f"{job.done} of {job.total} report{'' if job.total == 1 else 's'} made"


def progress_data(job: ExportJob, now=None) -> dict:
    return jobs.progress_data(job, summary=summary(job), now=now)
