"""The scheduled jobs: the daily scan task and `gongwu alerts scan|escalate|daily`."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from gongwu.alerts import sources, tasks
from gongwu.alerts.models import Case, CaseEvent, EventAction, Kind, Level, Notification, Status
from gongwu.alerts.rules import RULES, Match, Rule
from gongwu.alerts.testing import CaseFactory
from gongwu.core.models import ChangeLogEntry, Job, JobStatus, Organization, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Job messages are asserted in English (the catalogue gives the Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def lagging() -> Iterator[set[int]]:
    """A rule that matches the companies whose ids are in the returned set (for whichever agency is scanned)."""
    flagged: set[int] = set()

    def find(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
        for company in Organization.objects.filter(pk__in=flagged, region=str(agency_id)).order_by("pk"):
            yield Match(subject=company, title=f"{company.name}履约滞后", data={"flag": 1}, severity=1)

    RULES["tests.lagging"] = Rule("tests.lagging", "lagging", "a company flagged by the test", find)
    yield flagged
    del RULES["tests.lagging"]


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def agency():
    return AgencyFactory()


def flag(lagging: set[int], agency: Organization) -> Organization:
    company = CompanyFactory(region=str(agency.pk))
    lagging.add(company.pk)
    return company


def overdue_case(agency: Organization) -> Case:
    """Assigned, 15 days past its deadline on DAY: all three default escalation steps are due."""
    return CaseFactory(
        agency=agency,
        source=sources.MANUAL,
        kind=Kind.ATTENTION,
        level=Level.YELLOW,
        status=Status.ASSIGNED,
        opened_on=DAY - datetime.timedelta(days=40),
        deadline=DAY - datetime.timedelta(days=15),
    )


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        ChangeLogEntry.objects.count(),
        Notification.objects.count(),
        *Case.objects.order_by("pk").values_list("version", flat=True),
    )


def test_the_daily_scan_task_records_a_job_with_the_figures(admin, agency, lagging):
    flag(lagging, agency)
    late = overdue_case(agency)
    job = tasks.create_job(user=admin, which="daily", day=DAY)

    tasks.daily_scan.enqueue(job.pk)  # the immediate backend in tests: runs now

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.kind == "alerts.daily"
    assert job.progress == job.total == 2
    assert job.message == "1 opened, 0 raised, 0 cleared, 3 escalation steps taken."
    assert job.result == {
        "date": "2026-06-15",
        "opened": 1,
        "raised": 0,
        "cleared": 0,
        "examined": 1,
        "escalated": 3,
    }
    assert job.finished is not None
    opened = Case.objects.get(source=sources.RULE)
    assert (opened.rule_code, opened.opened_on, opened.agency) == ("tests.lagging", DAY, agency)
    late.refresh_from_db()
    assert (late.level, late.kind, late.escalation_step) == (Level.ORANGE, Kind.SUPERVISION, 3)
    assert ChangeLogEntry.objects.filter(source="task", request_id=f"job{job.pk}").count() == 2


def test_running_the_daily_scan_twice_changes_nothing_the_second_time(admin, agency, lagging):
    flag(lagging, agency)
    overdue_case(agency)
    tasks.daily_scan.enqueue(tasks.create_job(user=admin, day=DAY).pk)
    before = written()

    second = tasks.create_job(user=admin, day=DAY)
    tasks.daily_scan.enqueue(second.pk)

    second.refresh_from_db()
    assert second.status == JobStatus.DONE
    assert second.message == "0 opened, 0 raised, 0 cleared, 0 escalation steps taken."
    assert written() == before


def test_a_job_already_done_is_not_run_again(admin, agency, lagging):
    job = tasks.create_job(user=admin, day=DAY)
    tasks.daily_scan.enqueue(job.pk)
    flag(lagging, agency)

    tasks.daily_scan.enqueue(job.pk)  # e.g. a worker retrying the same task

    assert not Case.objects.exists()


def test_a_scan_that_fails_ends_its_job_visibly(admin, agency, lagging):
    def broken(agency_id, params, today):
        raise RuntimeError("the projects table is locked")

    RULES["tests.broken"] = Rule("tests.broken", "broken", "always fails", broken)
    try:
        job = tasks.create_job(user=admin, which="scan", day=DAY)
        tasks.daily_scan.enqueue(job.pk)
    finally:
        del RULES["tests.broken"]

    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, "the projects table is locked")
    assert job.finished is not None


def test_the_command_runs_the_daily_job_now_and_prints_its_summary(admin, agency, lagging):
    flag(lagging, agency)
    overdue_case(agency)
    out = StringIO()

    call_command("alerts", "daily", "--date", "2026-06-15", stdout=out)

    job = Job.objects.get()
    assert out.getvalue() == f"Job {job.pk}: 1 opened, 0 raised, 0 cleared, 3 escalation steps taken.\n"
    assert (job.user, job.status, job.params["date"]) == (admin, JobStatus.DONE, "2026-06-15")


def test_the_command_run_twice_changes_nothing_the_second_time(admin, agency, lagging):
    flag(lagging, agency)
    overdue_case(agency)
    call_command("alerts", "daily", "--date", "2026-06-15", stdout=StringIO())
    before = written()
    out = StringIO()

    call_command("alerts", "daily", "--date", "2026-06-15", stdout=out)

    assert out.getvalue().endswith(": 0 opened, 0 raised, 0 cleared, 0 escalation steps taken.\n")
    assert written() == before


def test_the_command_scans_or_escalates_alone(admin, agency, lagging):
    flag(lagging, agency)
    late = overdue_case(agency)

    call_command("alerts", "scan", "--date", "2026-06-15", stdout=StringIO())
    late.refresh_from_db()
    assert Case.objects.filter(source=sources.RULE).count() == 1
    assert late.escalation_step == 0

    call_command("alerts", "escalate", "--date", "2026-06-15", stdout=StringIO())
    late.refresh_from_db()
    assert late.escalation_step == 3
    assert list(Job.objects.order_by("pk").values_list("kind", flat=True)) == ["alerts.scan", "alerts.escalate"]


def test_the_command_scans_only_the_agency_asked_for(admin, agency, lagging):
    other = AgencyFactory()
    flag(lagging, agency)
    flag(lagging, other)
    late_elsewhere = overdue_case(other)

    call_command("alerts", "daily", "--agency", str(agency.pk), "--date", "2026-06-15", stdout=StringIO())

    assert list(Case.objects.filter(source=sources.RULE).values_list("agency", flat=True)) == [agency.pk]
    late_elsewhere.refresh_from_db()
    assert late_elsewhere.escalation_step == 0
    assert Job.objects.get().agency == agency


@override_settings(TASKS=DATABASE_TASKS)
def test_the_command_enqueues_the_job_for_the_worker(admin, agency, lagging, django_capture_on_commit_callbacks):
    flag(lagging, agency)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "daily", "--enqueue", stdout=out)

    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    assert out.getvalue() == f"Queued job {job.pk}: {job.title}\n"
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "gongwu.alerts.tasks.daily_scan"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert not Case.objects.exists()  # nothing happens until the worker runs it


def test_the_command_refuses_an_agency_that_does_not_exist(admin, agency):
    company = CompanyFactory()
    for wrong in ("999999", str(company.pk)):
        with pytest.raises(CommandError, match=f"There is no agency with id {wrong}."):
            call_command("alerts", "daily", "--agency", wrong, stdout=StringIO())
    assert not Job.objects.exists()


def test_the_command_needs_a_superuser_to_record_the_job_under(agency):
    with pytest.raises(CommandError, match="needs an active superuser"):
        call_command("alerts", "daily", stdout=StringIO())
    assert not Job.objects.exists()


def test_escalation_by_the_job_leaves_the_cases_timeline(admin, agency):
    late = overdue_case(agency)

    call_command("alerts", "escalate", "--date", "2026-06-15", stdout=StringIO())

    steps = late.events.filter(action=EventAction.ESCALATED).order_by("id")
    assert [e.data["step"] for e in steps] == [1, 2, 3]
