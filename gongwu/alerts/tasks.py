"""The alerts' background work: the daily scan of the rules and the escalation of overdue cases.

`django.tasks` has no scheduler: a timer (systemd or cron, see README "Scheduled jobs") runs
`gongwu alerts daily --enqueue` once a day, which records a `Job` and queues `daily_scan` for the worker.
Both steps are idempotent (see services.scan and services.escalate), so a job run twice, or a second
timer firing on the same day, changes nothing the second time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from gongwu.alerts import services
from gongwu.core import context
from gongwu.core.jobs import claim, working
from gongwu.core.models import Job, Organization, User

STEPS = {"scan": ("scan",), "escalate": ("escalate",), "daily": ("scan", "escalate")}
TITLES = {
    "scan": gettext_lazy("Alert rules scan"),
    "escalate": gettext_lazy("Escalation of overdue cases"),
    "daily": gettext_lazy("Daily alerts scan and escalation"),
}


def create_job(
    *, user: User, which: str = "daily", agency: Organization | None = None, day: datetime.date | None = None
) -> Job:
    """A queued job for `which` of STEPS, as of `day` (fixed now, so a job the worker runs late still
    scans the day it was meant for), for one agency or all."""
    if which not in STEPS:
        raise ValueError(f"unknown alerts job {which!r}")
    day = day or timezone.localdate()
    title = f"{TITLES[which]} {day.isoformat()}"
    if agency is not None:
        title = f"{title} · {agency.short_name or agency.name}"
    return Job.objects.create(
        kind=f"alerts.{which}",
        title=title[:200],
        user=user,
        agency=agency,
        total=len(STEPS[which]),
        params={"steps": list(STEPS[which]), "date": day.isoformat(), "agency": agency.pk if agency else None},
    )


def enqueue(job: Job) -> None:
    """Queue `job` for the worker once the transaction that created it has committed."""
    transaction.on_commit(lambda: daily_scan.enqueue(job.pk))


def summary(result: dict[str, Any]) -> str:
    return _("%(opened)d opened, %(raised)d raised, %(cleared)d cleared, %(escalated)d escalation steps taken.") % {
        key: result.get(key, 0) for key in ("opened", "raised", "cleared", "escalated")
    }


def run(job: Job) -> Job:
    """Take the job's steps now and record the figures and the summary on it."""
    day = datetime.date.fromisoformat(job.params["date"])
    agency_ids = [job.params["agency"]] if job.params.get("agency") else None
    result: dict[str, Any] = {"date": day.isoformat(), "opened": 0, "raised": 0, "cleared": 0, "escalated": 0}
    job.result = result
    with context.change_source("task", f"job{job.pk}"), working(job) as work:
        for done, step in enumerate(job.params["steps"], start=1):
            if step == "scan":
                report = services.scan(today=day, agency_ids=agency_ids)
                result |= {
                    "opened": report.opened,
                    "raised": report.raised,
                    "cleared": report.cleared,
                    "examined": report.examined,
                }
            else:
                result["escalated"] = services.escalate(today=day, agency_ids=agency_ids)
            work.progress(done, every=1)
        work.done(summary(result), result=result)
    return job


def run_job(job_id: int) -> Job | None:
    """Claim a queued alerts job and run it; None when another worker has it or it is done."""
    job = claim(job_id)
    return run(job) if job is not None else None


@task()
def daily_scan(job_id: int) -> None:
    """The worker's side of `enqueue`: run the queued alerts job (scan, escalate or both)."""
    run_job(job_id)
