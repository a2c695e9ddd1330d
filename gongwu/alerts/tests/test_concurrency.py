"""Two people acting on one case at once: neither action is lost, the loser is told why.

The threaded tests need real row locks, so they run on PostgreSQL only; the optimistic-version path
(an actor holding an old version) runs on both databases.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from gongwu.alerts import services, sources
from gongwu.alerts.models import Case, CaseEvent, EventAction, Level, Status
from gongwu.alerts.rules import RULES
from gongwu.alerts.testing import CaseFactory, staff_of
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.core.testing import (
    AgencyFactory,
    CompanyFactory,
    Worker,
    postgresql_only,
    stored,
    waiting_for_a_lock,
)
from gongwu.projects.testing import MilestoneFactory, ProjectFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def log_of(case: Case) -> list[ChangeLogEntry]:
    ct = ContentType.objects.get_for_model(Case)
    return list(ChangeLogEntry.objects.filter(content_type=ct, object_id=str(case.pk)).order_by("id"))


def timeline(case: Case) -> list[tuple[str, str, str]]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", "from_status", "to_status"))


@pytest.fixture
def people(transactional_db) -> dict[str, Any]:
    agency = AgencyFactory()
    company = CompanyFactory()
    return {
        "agency": agency,
        "company": company,
        "owner": staff_of(agency),
        "colleague": staff_of(agency),
        "company_user": staff_of(company, Role.COMPANY),
    }


# ---- both databases: the optimistic version ------------------------------------------------------


@pytest.mark.django_db
def test_an_actor_holding_an_old_version_is_refused_and_nothing_changes():
    agency, company = AgencyFactory(), CompanyFactory()
    owner, colleague = staff_of(agency), staff_of(agency)
    case = CaseFactory(agency=agency, status=Status.SUBMITTED, responsible_org=company, created_by=owner)
    seen = case.version  # both have the case page open

    services.transition(case, "send_back", owner, text="照片不清楚", version=seen)
    after_first = (stored(case), timeline(case), [e.pk for e in log_of(case)])

    with pytest.raises(ValidationError) as refused:
        services.transition(case, "close", colleague, text="核查属实", version=seen)
    assert refused.value.messages == [
        "Someone else changed this case meanwhile (it is now “In progress”); reload it and try again."
    ]
    assert (stored(case), timeline(case), [e.pk for e in log_of(case)]) == after_first
    assert stored(case)["version"] == 2


# ---- PostgreSQL: two connections at once ----------------------------------------------------------


def held(step: Callable[[], Any], acted: threading.Event, release: threading.Event) -> Callable[[], Any]:
    """`step` inside a transaction that stays open (holding its locks) until `release` is set."""

    def run() -> Any:
        with transaction.atomic():
            result = step()
            acted.set()
            assert release.wait(10), "never released"
        return result

    return run


def one_after_the_other(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Worker, Worker]:
    """Start `second` while `first` holds the case's lock; check it waits; then let `first` commit."""
    acted, release = threading.Event(), threading.Event()
    a = Worker(held(first, acted, release))
    a.start()
    assert acted.wait(10), a.error
    b = Worker(second)
    b.start()
    assert waiting_for_a_lock(b), "the second actor did not wait for the first one's lock"
    release.set()
    a.join(10)
    b.join(10)
    assert not a.is_alive() and not b.is_alive()
    return a, b


@postgresql_only
def test_two_owners_closing_at_once_close_it_once(people):
    case = CaseFactory(
        agency=people["agency"], status=Status.SUBMITTED, responsible_org=people["company"], response="已整改"
    )
    start = threading.Barrier(2)

    def close(actor: Any, text: str) -> Callable[[], Any]:
        def step() -> Any:
            start.wait(5)
            return services.transition(case, "close", actor, text=text)

        return step

    workers = [Worker(close(people["owner"], "甲核查属实")), Worker(close(people["colleague"], "乙核查属实"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)

    won = [w for w in workers if w.error is None]
    lost = [w for w in workers if w.error is not None]
    assert len(won) == 1 and len(lost) == 1, [w.error for w in workers]
    assert isinstance(lost[0].error, ValidationError)
    assert lost[0].error.messages == ["A case that is “Closed” cannot be verified and closed."]
    case.refresh_from_db()
    assert (case.status, case.version, case.resolution) == (Status.CLOSED, 2, won[0].result.resolution)
    assert timeline(case) == [(EventAction.CLOSED, Status.SUBMITTED, Status.CLOSED)]
    assert CaseEvent.objects.get(case=case).text == case.resolution
    assert [e.after["status"] for e in log_of(case)] == [Status.CLOSED]


@postgresql_only
def test_closing_while_another_sends_back_keeps_exactly_one(people):
    case = CaseFactory(agency=people["agency"], status=Status.SUBMITTED, responsible_org=people["company"])

    a, b = one_after_the_other(
        lambda: services.transition(case, "send_back", people["owner"], text="照片不清楚"),
        lambda: services.transition(case, "close", people["colleague"], text="核查属实"),
    )

    assert a.error is None
    assert isinstance(b.error, ValidationError)
    assert b.error.messages == ["A case that is “In progress” cannot be verified and closed."]
    case.refresh_from_db()
    assert (case.status, case.version, case.closed_on, case.resolution) == (Status.IN_PROGRESS, 2, None, "")
    assert timeline(case) == [(EventAction.SENT_BACK, Status.SUBMITTED, Status.IN_PROGRESS)]
    assert len(log_of(case)) == 1


@postgresql_only
def test_a_response_while_the_owner_reassigns_keeps_both_in_order(people):
    case = CaseFactory(
        agency=people["agency"],
        status=Status.ASSIGNED,
        responsible_org=people["company"],
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    later = timezone.localdate() + datetime.timedelta(days=20)

    a, b = one_after_the_other(
        lambda: services.transition(
            case, "assign", people["owner"], responsible_org=people["company"], deadline=later, text="工期顺延"
        ),
        lambda: services.transition(case, "respond", people["company_user"], text="已整改完毕"),
    )

    assert (a.error, b.error) == (None, None)
    case.refresh_from_db()
    # Both happened, the second on top of the first: the new deadline and the response.
    assert (case.status, case.deadline, case.response, case.version) == (Status.SUBMITTED, later, "已整改完毕", 3)
    assert timeline(case) == [
        (EventAction.ASSIGNED, Status.ASSIGNED, Status.ASSIGNED),
        (EventAction.RESPONDED, Status.ASSIGNED, Status.SUBMITTED),
    ]
    log = log_of(case)
    assert [(e.before["status"], e.after["status"], e.after["version"]) for e in log] == [
        (Status.ASSIGNED, Status.ASSIGNED, 2),
        (Status.ASSIGNED, Status.SUBMITTED, 3),
    ]
    assert log[1].before["deadline"] == later.isoformat()  # the second saw the first's change


@postgresql_only
def test_a_response_on_the_version_before_a_reassignment_is_refused(people):
    case = CaseFactory(agency=people["agency"], status=Status.ASSIGNED, responsible_org=people["company"])
    later = timezone.localdate() + datetime.timedelta(days=20)

    a, b = one_after_the_other(
        lambda: services.transition(case, "assign", people["owner"], responsible_org=people["company"], deadline=later),
        lambda: services.transition(case, "respond", people["company_user"], text="已整改完毕", version=1),
    )

    assert a.error is None
    assert isinstance(b.error, ValidationError)
    assert "Someone else changed this case meanwhile" in b.error.messages[0]
    case.refresh_from_db()
    assert (case.status, case.response, case.version) == (Status.ASSIGNED, "", 2)
    assert timeline(case) == [(EventAction.ASSIGNED, Status.ASSIGNED, Status.ASSIGNED)]


@postgresql_only
def test_escalation_and_an_owner_acting_at_once_are_both_kept(people):
    today = timezone.localdate()
    case = CaseFactory(
        agency=people["agency"],
        status=Status.SUBMITTED,
        responsible_org=people["company"],
        level=Level.YELLOW,
        opened_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=1),
    )

    a, b = one_after_the_other(
        lambda: services.transition(case, "send_back", people["owner"], text="不合格"),
        lambda: services.escalate(today),
    )

    assert (a.error, b.error, b.result) == (None, None, 1)
    case.refresh_from_db()
    assert (case.status, case.level, case.escalation_step, case.version) == (Status.IN_PROGRESS, Level.ORANGE, 1, 3)
    assert [t[0] for t in timeline(case)] == [EventAction.SENT_BACK, EventAction.ESCALATED]
    assert len(log_of(case)) == 2


@postgresql_only
def test_two_scans_at_once_open_one_case_per_subject(people):
    milestone = MilestoneFactory(
        project=ProjectFactory(agency=people["agency"]), planned_date=timezone.localdate() - datetime.timedelta(days=4)
    )
    code = "projects.milestone_overdue"

    a, b = one_after_the_other(
        lambda: services.scan(agency_ids=[people["agency"].pk], codes=[code]),
        lambda: services.scan(agency_ids=[people["agency"].pk], codes=[code]),
    )

    assert (a.error, b.error) == (None, None)
    assert (a.result.opened, b.result.opened) == (1, 0)
    case = Case.objects.get()
    assert (case.source, case.rule_code, case.subject) == (sources.RULE, code, milestone)
    assert [t[0] for t in timeline(case)] == [EventAction.OPENED]
    assert RULES[code].code == code
