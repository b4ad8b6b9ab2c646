"""Packs and large reports made by the worker: asked for, followed, made
once, downloaded only by the person who asked while they may still see the
assessment, deleted when their time is up, and failed with a reason when
they cannot be made."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AppraiserAssignment
from portfolios.demo import minimal_pdf
from reports import report_jobs
from reports.models import ExportStatus, ReportJob
from tests.conftest import signed_in
from tests.factories import AssessmentFactory
from tests.reports.test_reports_pdf import add_evidence, attach, reader

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def queued_tasks(settings):
    """Tasks wait in the database queue, as with a real worker; tests run the
    worker's function themselves."""
    settings.TASKS = DATABASE_QUEUE


@pytest.fixture
def assessment(framework, practitioner):
    assessment = AssessmentFactory(practitioner=practitioner)
    first, second = add_evidence(assessment, 2)
    attach(first, "audit.pdf", minimal_pdf("Audit of falls"), "application/pdf")
    attach(second, "minutes.pdf", minimal_pdf("Minutes of the network"), "application/pdf")
    return assessment


def make_url(assessment):
    return reverse("reports:make_report", kwargs={"pk": assessment.pk})


def job_url(job, name="report_job"):
    return reverse(f"reports:{name}", kwargs={"pk": job.assessment_id, "job_id": job.pk})


def ask_for_pack(client, assessment) -> ReportJob:
    response = client.post(make_url(assessment), {"kind": "pack"})
    job = ReportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert response["Location"] == job_url(job)
    return job


def test_the_pack_is_asked_for_on_a_page_made_by_the_worker_and_downloaded_when_ready(practitioner, assessment):
    from django_tasks_db.models import DBTaskResult

    client = signed_in(Client(), practitioner)
    page = client.get(make_url(assessment)).content.decode()
    assert "<h1>Get the portfolio pack</h1>" in page
    assert "Make the portfolio pack</button>" in page and 'name="kind" value="pack"' in page

    job = ask_for_pack(client, assessment)
    assert job.status == ExportStatus.QUEUED and job.include_pack and job.requested_by == practitioner
    task = DBTaskResult.objects.get()
    assert task.task_path == "reports.tasks.build_report_task" and task.args_kwargs["args"] == [str(job.pk)]
    waiting = client.get(job_url(job)).content.decode()
    assert "Your portfolio pack is being made" in waiting and "Waiting to start" in waiting
    assert f'data-progress-url="{job_url(job, "report_job_progress")}"' in waiting
    # Not ready: the download goes back to the page that says so.
    assert client.get(job_url(job, "report_job_download"))["Location"] == job_url(job)

    report_jobs.run_report_job(job.pk)
    job.refresh_from_db()
    # Three files looked at (two PDFs and a note, which is listed, not added), then the report.
    assert (job.status, job.total, job.done) == (ExportStatus.DONE, 4, 4)
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=24)
    ready = client.get(job_url(job)).content.decode()
    assert "Your portfolio pack is ready" in ready and "Download the portfolio pack (PDF)" in ready
    response = client.get(job_url(job, "report_job_download"))
    pdf = b"".join(response.streaming_content)
    pages = [page.extract_text() for page in reader(pdf).pages]
    # Each file follows a divider page that names its evidence item.
    first, second = assessment.evidence.order_by("number")
    assert pages[-4].startswith("Evidence file 1 of 2") and first.reference in pages[-4] and first.title in pages[-4]
    assert "Audit of falls" in pages[-3]
    assert pages[-2].startswith("Evidence file 2 of 2") and second.reference in pages[-2] and second.title in pages[-2]
    assert "Minutes of the network" in pages[-1]
    assert 'filename="capability-portfolio-pack-' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # The asking page now offers the one made.
    assert "Download that portfolio pack" in client.get(make_url(assessment)).content.decode()


def test_a_double_click_or_a_second_tab_gets_the_pack_already_being_made(practitioner, assessment):
    client = signed_in(Client(), practitioner)
    first = ask_for_pack(client, assessment)
    second = ask_for_pack(client, assessment)
    assert first == second and ReportJob.objects.count() == 1
    page = client.get(make_url(assessment)).content.decode()
    assert "Your portfolio pack is being made" in page and "Make the portfolio pack</button>" not in page
    report_jobs.run_report_job(first.pk)
    report_jobs.run_report_job(first.pk)  # a second worker taking it does nothing
    assert ask_for_pack(client, assessment) != first  # once made, a new one includes later changes


def test_progress_counts_the_evidence_files_checked(practitioner, assessment, monkeypatch):
    client = signed_in(Client(), practitioner)
    job = ask_for_pack(client, assessment)
    seen = []
    from reports import jobs

    real = jobs.report_progress

    def watch(running_job, done):
        real(running_job, done)
        seen.append(json.loads(client.get(job_url(job, "report_job_progress")).content))

    monkeypatch.setattr(jobs, "report_progress", watch)
    report_jobs.run_report_job(job.pk)
    assert [(p["summary"], p["finished"]) for p in seen] == [
        ("1 of 3 evidence files checked", False), ("2 of 3 evidence files checked", False),
        ("Making the PDF", False),
    ]
    done = json.loads(client.get(job_url(job, "report_job_progress")).content)
    assert done["status"] == "done" and done["finished"] is True


def test_only_the_person_who_asked_may_open_the_file_and_only_while_they_may_see_the_assessment(
    practitioner, appraiser, org_admin, other_user, assessment, organisation
):
    appraiser_client = signed_in(Client(), appraiser)
    job = ask_for_pack(appraiser_client, assessment)
    report_jobs.run_report_job(job.pk)
    urls = [job_url(job, name) for name in ("report_job", "report_job_progress", "report_job_download")]
    for person in (practitioner, org_admin, other_user):
        client = signed_in(Client(), person)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
    assert appraiser_client.get(urls[2]).status_code == 200

    # The assignment ends: the appraiser no longer sees the assessment, nor the file made from it.
    AppraiserAssignment.objects.filter(appraiser=appraiser).delete()
    for url in urls:
        assert appraiser_client.get(url).status_code == 404
    assert appraiser_client.get(make_url(assessment)).status_code == 404


def test_a_stranger_cannot_ask_for_a_pack(other_user, assessment):
    client = signed_in(Client(), other_user)
    assert client.post(make_url(assessment), {"kind": "pack"}).status_code == 404
    assert not ReportJob.objects.exists()


def test_the_file_is_deleted_when_its_time_is_up(practitioner, assessment):
    client = signed_in(Client(), practitioner)
    job = ask_for_pack(client, assessment)
    report_jobs.run_report_job(job.pk)
    job.refresh_from_db()
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    ReportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get(job_url(job, "report_job_download"))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This file has been deleted" in html and f'href="{make_url(assessment)}">Make the portfolio pack again' in html
    assert not storage.exists(name)


def test_the_daily_job_deletes_expired_packs_and_fails_those_whose_worker_stopped(practitioner, assessment):
    from io import StringIO

    client = signed_in(Client(), practitioner)
    done = ask_for_pack(client, assessment)
    report_jobs.run_report_job(done.pk)
    done.refresh_from_db()
    name = done.file.name
    ReportJob.objects.filter(pk=done.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    stalled = ReportJob.objects.create(assessment=assessment, requested_by=practitioner, status=ExportStatus.RUNNING,
                                       started_at=timezone.now() - datetime.timedelta(hours=1),
                                       progressed_at=timezone.now() - datetime.timedelta(minutes=20))
    out = StringIO()
    call_command("expire_exports", stdout=out)
    done.refresh_from_db()
    stalled.refresh_from_db()
    assert done.status == ExportStatus.EXPIRED and not done.file.storage.exists(name)
    assert stalled.status == ExportStatus.FAILED and "stopped before it finished" in stalled.error
    assert "Expired 1 pack and large report" in out.getvalue()
    assert "Marked 1 unfinished pack as failed" in out.getvalue()
    page = client.get(job_url(stalled)).content.decode()
    assert "Your portfolio pack could not be made" in page and "stopped before it finished" in page


def test_a_pack_that_cannot_be_made_says_so_and_keeps_no_file(practitioner, assessment, monkeypatch):
    client = signed_in(Client(), practitioner)
    job = ask_for_pack(client, assessment)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("reports.report_jobs.write_report", broken)
    report_jobs.run_report_job(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    page = client.get(job_url(job)).content.decode()
    assert "Your portfolio pack could not be made" in page and "Try again later" in page
    assert f'href="{make_url(assessment)}">Try again' in page


def test_a_large_report_is_made_by_the_worker_and_a_small_one_at_once(practitioner, assessment, settings):
    client = signed_in(Client(), practitioner)
    url = reverse("reports:assessment_report", kwargs={"pk": assessment.pk})
    settings.REPORT_IN_REQUEST_MAX_EVIDENCE = 2
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")

    settings.REPORT_IN_REQUEST_MAX_EVIDENCE = 1
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == make_url(assessment) + "?kind=report"
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Get the portfolio report</h1>" in page and 'name="kind" value="report"' in page
    job = ReportJob.objects.get(pk=client.post(make_url(assessment), {"kind": "report"})["Location"].split("/")[-2])
    assert not job.include_pack
    report_jobs.run_report_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.total) == (ExportStatus.DONE, 1)
    response = client.get(job_url(job, "report_job_download"))
    assert 'filename="capability-portfolio-' in response["Content-Disposition"]
    assert "pack" not in response["Content-Disposition"]


def test_a_job_that_cannot_be_queued_fails_with_a_reason(practitioner, assessment, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr("reports.tasks.build_report_task.__class__.enqueue", refuse)
    client = signed_in(Client(), practitioner)
    job = ask_for_pack(client, assessment)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "could not be started" in client.get(job_url(job)).content.decode()
