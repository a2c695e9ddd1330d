"""Background work. Tasks take ids, are idempotent, and record progress on a Job row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from gongwu.core import context
from gongwu.core.generic.ledger import LedgerFileError
from gongwu.core.models import Job, JobStatus


def _claim(job_id: int, step: str | None = None) -> Job | None:
    """Atomically move a queued job to running; None if another worker has it, it is done, or it waits
    for another step (an import is checked, then written)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("user").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        if step is not None and job.params.get("step", "write") != step:
            return None
        job.status = JobStatus.RUNNING
        job.save(update_fields=["status"])
    return job


PREVIEW_ROWS = 1000  # rows of a preview kept for its page: every row with an error first, then the others


def _row(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "action": row.action,
        "label": row.label,
        "errors": row.errors,
        "changes": [[label, _shown(old), _shown(new)] for label, old, new in row.changes],
    }


def _shown(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


@task()
def check_import(job_id: int, language: str = "zh-hans") -> None:
    """The preview of an uploaded ledger: read the file (streamed, up to the row limit) and check every row
    with the same forms as the pages, writing nothing. A job that passes waits for the person's confirmation."""
    job = _claim(job_id, "check")
    if job is None:
        return
    viewset = import_string(job.params["viewset"])
    ledger = viewset.ledger()

    def progress(done: int) -> None:
        if done % 200 == 0 or done == job.total:
            Job.objects.filter(pk=job.pk).update(progress=done)

    with translation.override(language):
        try:
            with job.file.open("rb") as handle:
                rows = ledger.read(handle.read(), job.params.get("filename", job.file.name))
            job.total = len(rows)
            Job.objects.filter(pk=job.pk).update(total=job.total)
            result = ledger.preview(rows, job.user, progress=progress)
        except LedgerFileError as exc:
            job.status, job.message = JobStatus.FAILED, str(exc)
        except Exception as exc:  # the job must end visibly, whatever went wrong
            job.status, job.message = JobStatus.FAILED, str(exc)[:2000]
        else:
            shown = [r for r in result.rows if r.action == "error"][:PREVIEW_ROWS]
            shown += [r for r in result.rows if r.action != "error"][: PREVIEW_ROWS - len(shown)]
            job.result = {
                "preview": True,
                "summary": result.summary,
                "rows": [_row(r) for r in sorted(shown, key=lambda r: r.number)],
                "shown": len(shown),
            }
            job.progress = job.total
            if not result.ok:
                job.status = JobStatus.FAILED
                job.message = _(
                    "Nothing will be imported until every row is correct. Fix the rows below in your file and "
                    "upload it again."
                )
            elif result.count("create") or result.count("update"):
                job.status = JobStatus.PREVIEW
                job.params = {**job.params, "step": "write"}
                job.message = _("Every row passed. Nothing has been saved yet.")
            else:
                job.status = JobStatus.DONE
                job.message = _("Every row matches what is already stored; there is nothing to import.")
    job.finished = timezone.now() if job.status != JobStatus.PREVIEW else None
    job.save(update_fields=["status", "message", "result", "progress", "total", "finished", "params"])


@task()
def run_import(job_id: int, language: str = "zh-hans") -> None:
    job = _claim(job_id, "write")
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
