"""The lifecycle every file made by the worker shares (reports.models.
BackgroundJob): claimed once, progress reported, finished or failed, failed
when its worker stops, and its file deleted when its time is up.

Bulk exports (reports.bulk) and a person's pack or large report
(reports.packs) are the two kinds; each says how long its file is kept.
"""

import logging
import math
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from reports.models import ExportStatus

logger = logging.getLogger(__name__)

STALLED_MINUTES = 15
STALLED_MESSAGE = (
    "It stopped before it finished, perhaps because the server making it was restarted. Start again."
)


def claim(model, job_id) -> bool:
    """Take a waiting job for this worker: whether it was waiting. A job
    already taken by another worker, or finished, is left alone."""
    now = timezone.now()
    return bool(model.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now, progressed_at=now, done=0
    ))


def report_progress(job, done: int) -> None:
    type(job).objects.filter(pk=job.pk).update(done=done, progressed_at=timezone.now())


def fail(job, error: str) -> None:
    """Mark the job failed with a reason people can read, deleting any file."""
    if job.file:
        job.file.delete(save=False)
    type(job).objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now(), file=""
    )


def finish(job, *, valid_for: timedelta, **fields) -> None:
    """Mark the job done, its file kept for ``valid_for``."""
    finished = timezone.now()
    type(job).objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE, file=job.file.name, finished_at=finished, expires_at=finished + valid_for,
        **fields,
    )


def expire(job) -> None:
    """Delete the job's file and mark it expired."""
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:  # already gone; the record still changes
            logger.warning("File %s could not be deleted", job.file.name)
    type(job).objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")
    job.status, job.file = ExportStatus.EXPIRED, None


def expire_if_due(job, now=None) -> bool:
    """Expire the job if its time is up; whether it has expired."""
    if job.status == ExportStatus.EXPIRED:
        return True
    if job.has_expired(now):
        expire(job)
        return True
    return False


def expire_due(model, now=None) -> int:
    """Expire every job of the model whose time is up; how many."""
    now = now or timezone.now()
    count = 0
    for job in model.objects.filter(expires_at__lte=now).exclude(status=ExportStatus.EXPIRED).iterator():
        expire(job)
        count += 1
    return count


def fail_abandoned(model, *, older_than: timedelta, message: str, now=None) -> int:
    """Mark as failed the jobs still waiting or running ``older_than`` after
    they were asked for (their worker stopped, or none ever ran), so their
    pages stop waiting; how many there were."""
    now = now or timezone.now()
    return model.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lte=now - older_than
    ).update(status=ExportStatus.FAILED, error=message, finished_at=now)


def _stalled(now) -> Q:
    # No progress for STALLED_MINUTES: a step takes seconds (a large file or
    # a report, a minute or two), so the worker has gone.
    cutoff = now - timedelta(minutes=STALLED_MINUTES)
    return Q(status=ExportStatus.RUNNING) & (
        Q(progressed_at__lte=cutoff) | Q(progressed_at__isnull=True, started_at__lte=cutoff)
    )


def fail_if_stalled(job, now=None, message: str = STALLED_MESSAGE) -> bool:
    """Mark the job failed if it is running but its worker has stopped (a
    restart, a deploy, out of memory), so its page stops waiting and says to
    start again; whether it did. Nothing requeues it: starting again is one
    click, and two workers must never build the same file."""
    now = now or timezone.now()
    failed = type(job).objects.filter(_stalled(now), pk=job.pk).update(
        status=ExportStatus.FAILED, error=message, finished_at=now
    )
    if failed:
        job.status, job.error, job.finished_at = ExportStatus.FAILED, message, now
    return bool(failed)


def fail_stalled(model, now=None, message: str = STALLED_MESSAGE) -> int:
    """fail_if_stalled for every job of the model; how many failed."""
    now = now or timezone.now()
    return model.objects.filter(_stalled(now)).update(status=ExportStatus.FAILED, error=message, finished_at=now)


def seconds_left(job, now=None) -> int | None:
    """A guess at the seconds left, from the time per step so far."""
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


def progress_data(job, *, summary: str, now=None) -> dict:
    """What a progress page and its JSON endpoint say about the job;
    ``summary`` is the sentence for where it has got to."""
    seconds = seconds_left(job, now)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "summary": summary,
        "done": job.done,
        "total": job.total,
        "seconds_left": seconds,
        "time_left": time_left_label(seconds),
        "finished": not job.is_active,
    }
