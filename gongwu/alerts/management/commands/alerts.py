"""`gongwu alerts scan|escalate|daily [--agency ID] [--date YYYY-MM-DD] [--enqueue]`.

Runs the alert rules' scan, the escalation of overdue cases, or both (daily) now, or with `--enqueue`
queues them for the task worker (`gongwu db_worker`). Either way the run is recorded as a Job of the
first active superuser, with its figures. Schedule `gongwu alerts daily --enqueue` once a day (README
"Scheduled jobs"); running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from gongwu.alerts import tasks
from gongwu.core.models import JobStatus, Organization, OrganizationKind, User


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    help = "Scan the alert rules and/or escalate overdue cases, now or queued for the task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", choices=sorted(tasks.STEPS), help="scan, escalate, or daily (both)")
        parser.add_argument("--agency", type=int, help="only this agency (its id); default all agencies")
        parser.add_argument("--date", type=iso_date, help="as of this day (YYYY-MM-DD); default today")
        parser.add_argument("--enqueue", action="store_true", help="queue it for the task worker instead")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"] is not None:
            agency = Organization.objects.filter(pk=options["agency"], kind=OrganizationKind.AGENCY).first()
            if agency is None:
                raise CommandError(_("There is no agency with id %(id)s.") % {"id": options["agency"]})
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("The job needs an active superuser to be recorded under; create one first."))
        with transaction.atomic():
            job = tasks.create_job(user=user, which=options["which"], agency=agency, day=options["date"])
            if options["enqueue"]:
                tasks.enqueue(job)
        if options["enqueue"]:
            job.refresh_from_db()  # the immediate backend (tests) has run it already
            if job.status == JobStatus.QUEUED:
                self.stdout.write(_("Queued job %(id)s: %(title)s") % {"id": job.pk, "title": job.title})
                return
        else:
            job = tasks.run_job(job.pk) or job
        if job.status == JobStatus.FAILED:
            raise CommandError(_("Job %(id)s failed: %(message)s") % {"id": job.pk, "message": job.message})
        self.stdout.write(_("Job %(id)s: %(message)s") % {"id": job.pk, "message": job.message})
