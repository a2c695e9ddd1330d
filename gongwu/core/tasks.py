"""Background work. Tasks take ids, are idempotent, and record progress on a Job row."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from gongwu.core import context
from gongwu.core.models import Job, JobStatus


def _claim(job_id: int) -> Job | None:
    """Atomically move a queued job to running; None if another worker has it or it is done."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("user").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.save(update_fields=["status"])
    return job


@task()
def run_import(job_id: int, language: str = "zh-hans") -> None:
    job = _claim(job_id)
    if job is None:
        return
    viewset = import_string(job.params["viewset"])
    ledger = viewset.ledger()

    def progress(done: int) -> None:
        if done % 200 == 0 or done == job.total:
            Job.objects.filter(pk=job.pk).update(progress=done)

    with translation.override(language), context.change_source("task", f"job{job.pk}"):
        try:
            with job.file.open("rb") as handle:
                rows = ledger.read(handle.read(), job.params.get("filename", job.file.name))
            result = ledger.apply(rows, job.user, progress=progress)
        except Exception as exc:  # the job must end visibly, whatever went wrong
            job.status, job.message = JobStatus.FAILED, str(exc)[:2000]
        else:
            job.result = {
                "summary": result.summary,
                "errors": [{"row": r.number, "errors": r.errors} for r in result.rows if r.errors][:200],
            }
            if result.ok:
                job.status = JobStatus.DONE
                job.message = _("%(create)d created, %(update)d updated, %(unchanged)d unchanged.") % result.summary
            else:
                job.status = JobStatus.FAILED
                job.message = _("Nothing was imported: %(count)d rows have errors.") % {"count": result.count("error")}
    job.progress = job.total if job.status == JobStatus.DONE else job.progress
    job.finished = timezone.now()
    job.save(update_fields=["status", "message", "result", "progress", "finished"])


@task()
def write_audit_checkpoint() -> None:
    """Sign the change log's head and count and write them outside the database (README "Scheduled jobs")."""
    from gongwu.core import services

    services.write_checkpoint()
