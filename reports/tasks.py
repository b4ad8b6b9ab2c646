"""Background tasks, run by `python manage.py db_worker` (django-tasks with
the django-tasks-db backend; see TASKS in config/settings.py)."""

try:  # Django 6 has the tasks framework built in.
    from django.tasks import task
except ImportError:  # Django 5.2: the django-tasks backport.
    from django_tasks import task


@task()
def build_export_task(job_id: str) -> None:
    """Build the ZIP of an ExportJob (reports.bulk)."""
    from reports.bulk import run_export_job

    run_export_job(job_id)


@task()
def build_report_task(job_id: str) -> None:
    """Make the PDF of a ReportJob: a pack or a large report (reports.report_jobs)."""
    from reports.report_jobs import run_report_job

    run_report_job(job_id)
