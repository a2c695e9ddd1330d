"""One way for every background task to run a Job: claim it, count progress, and end it done or failed.

    job = claim(job_id)
    if job is None:
        return                      # another worker has it, or it is finished
    with working(job) as work:
        work.set_total(len(rows))
        ...; work.progress(done)
        work.done(_("%(count)d rows."), result={...})

An exception inside `working` fails the job with its message (the job must end visibly, whatever went wrong)
and is not raised further; leaving the block without `done`, `wait` or `fail` counts as done. The job row is
saved once at the end with its finishing time; progress is written as it goes, without touching the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongwu.core.models import Job, JobStatus

PROGRESS_EVERY = 200  # rows between two progress writes


def claim(job_id: int, step: str | None = None) -> Job | None:
    """Atomically move a queued job to running; None if another worker has it, it is finished, or it waits
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


class Work:
    """What a running task tells its job."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.ended = False

    def set_total(self, total: int) -> None:
        self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(total=total)

    def progress(self, done: int, *, every: int = PROGRESS_EVERY) -> None:
        """Record `done` of the total (every `every` steps and at the end, so a long job writes little)."""
        if every <= 1 or done % every == 0 or done == self.job.total:
            self.job.progress = done
            Job.objects.filter(pk=self.job.pk).update(progress=done)

    def done(self, message: str = "", *, result: dict[str, Any] | None = None) -> None:
        self._end(JobStatus.DONE, message, result)
        self.job.progress = self.job.total

    def wait(self, message: str, *, result: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> None:
        """The job waits for a person (an import checked, to be confirmed): not finished."""
        self._end(JobStatus.PREVIEW, message, result)
        if params is not None:
            self.job.params = params

    def fail(self, message: str, *, result: dict[str, Any] | None = None) -> None:
        self._end(JobStatus.FAILED, message, result)

    def _end(self, status: str, message: str, result: dict[str, Any] | None) -> None:
        self.job.status, self.job.message, self.ended = status, message, True
        if result is not None:
            self.job.result = result


@contextmanager
def working(job: Job) -> Iterator[Work]:
    work = Work(job)
    try:
        yield work
    except Exception as exc:  # the job must end visibly, whatever went wrong
        work.fail(str(exc)[:2000])
    if not work.ended:
        work.done(job.message)
    job.finished = timezone.now() if job.status != JobStatus.PREVIEW else None
    job.save(update_fields=["status", "message", "result", "progress", "total", "finished", "params", "file"])
