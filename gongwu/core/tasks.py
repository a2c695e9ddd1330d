"""Background work. Tasks take ids, are idempotent, and record progress on a Job row."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from gongwu.core import context
from gongwu.core.generic.ledger import LedgerFileError
from gongwu.core.jobs import claim, working

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
    job = claim(job_id, "check")
    if job is None:
        return
    ledger = import_string(job.params["viewset"]).ledger()
    with translation.override(language), working(job) as work:
        try:
            with job.file.open("rb") as handle:
                rows = ledger.read(handle.read(), job.params.get("filename", job.file.name))
        except LedgerFileError as exc:
            work.fail(str(exc))
            return
        work.set_total(len(rows))
        result = ledger.preview(rows, job.user, progress=work.progress)
        shown = [r for r in result.rows if r.action == "error"][:PREVIEW_ROWS]
        shown += [r for r in result.rows if r.action != "error"][: PREVIEW_ROWS - len(shown)]
        preview = {
            "preview": True,
            "summary": result.summary,
            "rows": [_row(r) for r in sorted(shown, key=lambda r: r.number)],
            "shown": len(shown),
        }
        work.progress(job.total, every=1)
        if not result.ok:
            work.fail(
                _(
                    "Nothing will be imported until every row is correct. Fix the rows below in your file and "
                    "upload it again."
                ),
                result=preview,
            )
        elif result.count("create") or result.count("update"):
            work.wait(
                _("Every row passed. Nothing has been saved yet."),
                result=preview,
                params={**job.params, "step": "write"},
            )
        else:
            work.done(_("Every row matches what is already stored; there is nothing to import."), result=preview)


@task()
def run_import(job_id: int, language: str = "zh-hans") -> None:
    job = claim(job_id, "write")
    if job is None:
        return
    ledger = import_string(job.params["viewset"]).ledger()
    with translation.override(language), context.change_source("task", f"job{job.pk}"), working(job) as work:
        with job.file.open("rb") as handle:
            rows = ledger.read(handle.read(), job.params.get("filename", job.file.name))
        result = ledger.apply(rows, job.user, progress=work.progress)
        outcome = {
            "summary": result.summary,
            "errors": [{"row": r.number, "errors": r.errors} for r in result.rows if r.errors][:200],
        }
        if result.ok:
            work.done(
                _("%(create)d created, %(update)d updated, %(unchanged)d unchanged.") % result.summary, result=outcome
            )
        else:
            work.fail(
                _("Nothing was imported: %(count)d rows have errors.") % {"count": result.count("error")},
                result=outcome,
            )


@task()
def write_audit_checkpoint() -> None:
    """Sign the change log's head and count and write them outside the database (README "Scheduled jobs")."""
    from gongwu.core import services

    services.write_checkpoint()
