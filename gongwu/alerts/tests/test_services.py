"""The loop's domain rules without HTTP: the status machine, who may act, escalation, the board, the inbox."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import chinese_calendar
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from gongwu.alerts import services, sources
from gongwu.alerts.figures import board
from gongwu.alerts.models import (
    Case,
    CaseEvent,
    EscalationAction,
    EscalationStep,
    EventAction,
    Kind,
    Level,
    Notification,
    Status,
)
from gongwu.alerts.services import TRANSITIONS
from gongwu.alerts.testing import CaseFactory, EscalationStepFactory, opened_case, staff_of
from gongwu.core.models import Attachment, ChangeLogEntry, Organization, Role, User
from gongwu.core.periods import Period
from gongwu.core.testing import AgencyFactory, CompanyFactory, DepartmentFactory, UserFactory, stored

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@dataclass
class Loop:
    agency: Organization
    department: Organization
    company: Organization
    owner: User  # agency staff: opens, assigns, verifies, sends back, archives
    leader: User
    doer: User  # department staff, the responsible person
    company_user: User  # works for `company`
    other_company_user: User
    outsider: User  # staff of another agency


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def loop() -> Loop:
    agency = AgencyFactory()
    department = DepartmentFactory(parent=agency)
    company = CompanyFactory()
    return Loop(
        agency=agency,
        department=department,
        company=company,
        owner=staff_of(agency),
        leader=staff_of(agency, Role.LEADER),
        doer=staff_of(department),
        company_user=staff_of(company, Role.COMPANY),
        other_company_user=staff_of(CompanyFactory(), Role.COMPANY),
        outsider=staff_of(AgencyFactory()),
    )


def case_log(case: Case) -> list[ChangeLogEntry]:
    return list(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
        ).order_by("id")
    )


def state(case: Case) -> dict[str, Any]:
    """All a user could notice about a case: its row, its timeline, its change log, notifications about it."""
    return {
        "row": stored(case),
        "events": list(CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status", "text")),
        "log": [entry.pk for entry in case_log(case)],
        "notifications": list(Notification.objects.filter(case=case).values_list("user", "text")),
    }


def evidence_file(name: str = "整改照片.jpg") -> Attachment:
    content = b"\xff\xd8\xff\xe0 fake jpeg"
    return Attachment(file=SimpleUploadedFile(name, content), name=name, size=len(content), mime_type="image/jpeg")


def responsible_case(loop: Loop, status: str, via: str, **fields: Any) -> tuple[Case, User]:
    """A case in `status`, and the user responsible for it: a company's user, or a named person."""
    if via == "company":
        case = CaseFactory(
            agency=loop.agency, status=status, responsible_org=loop.company, created_by=loop.owner, **fields
        )
        return case, loop.company_user
    case = CaseFactory(
        agency=loop.agency,
        status=status,
        responsible_org=loop.department,
        responsible_person=loop.doer,
        created_by=loop.owner,
        **fields,
    )
    return case, loop.doer


def step_kwargs(name: str, loop: Loop) -> dict[str, Any]:
    if name == "assign":
        # Giving an assigned case to someone else, or moving its deadline, needs the reason.
        return {
            "responsible_org": loop.company,
            "deadline": TODAY + datetime.timedelta(days=10),
            "text": "改由施工单位整改",
        }
    return {"text": "已按要求整改完毕" if name == "respond" else "意见"}


# ---- the status machine -------------------------------------------------------------------------


def test_the_status_machine_is_the_one_agencies_run():
    """open → assigned → in progress → response submitted → closed (or sent back) → archived."""
    assert TRANSITIONS == {
        "assign": ((Status.OPEN, Status.ASSIGNED), Status.ASSIGNED, "owner"),
        "start": ((Status.ASSIGNED,), Status.IN_PROGRESS, "responsible"),
        "respond": ((Status.ASSIGNED, Status.IN_PROGRESS), Status.SUBMITTED, "responsible"),
        "close": ((Status.SUBMITTED,), Status.CLOSED, "owner"),
        "send_back": ((Status.SUBMITTED,), Status.IN_PROGRESS, "owner"),
        "archive": ((Status.CLOSED,), Status.ARCHIVED, "owner"),
    }


@pytest.mark.parametrize("via", ["company", "person"])
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_is_taken_from_its_statuses_only(loop, name, status, via):
    from_statuses, target, who = TRANSITIONS[name]
    case, responsible = responsible_case(loop, status, via)
    actor = loop.owner if who == "owner" else responsible
    before = state(case)

    if status not in from_statuses:
        with pytest.raises(ValidationError) as refused:
            services.transition(case, name, actor, **step_kwargs(name, loop))
        assert f"A case that is “{Status(status).label}” cannot be" in refused.value.messages[0]
        assert state(case) == before
        return

    moved = services.transition(case, name, actor, version=1, **step_kwargs(name, loop))

    assert stored(case)["status"] == target == moved.status
    assert stored(case)["version"] == 2
    events = list(CaseEvent.objects.filter(case=case))
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in events] == [
        (services.EVENT_OF[name], status, target, actor)
    ]
    log = case_log(case)
    assert len(log) == 1
    assert (log[0].action, log[0].actor, log[0].before["status"], log[0].after["status"]) == (
        "update",
        actor,
        status,
        target,
    )


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_the_wrong_actor_is_refused_and_nothing_changes(loop, name):
    from_statuses, _target, who = TRANSITIONS[name]
    case, responsible = responsible_case(loop, from_statuses[0], "company")
    if who == "owner":
        # The responsible company, a regulator of the agency and a department's director are not its staff.
        regulator = staff_of(Organization.objects.create(name="测试住建局", kind="regulator"), Role.REGULATOR)
        loop.agency.parent = regulator.organization
        loop.agency.save()
        wrong = [(responsible, "Only the agency's staff may do this."), (regulator, "Only the agency's staff")]
    else:
        wrong = [
            (loop.owner, "Only the responsible organization may do this."),
            (loop.leader, "Only the responsible organization may do this."),
        ]
    wrong.append((loop.other_company_user, "You may not act on this case."))
    wrong.append((loop.outsider, "You may not act on this case."))
    before = state(case)
    for actor, message in wrong:
        with pytest.raises(PermissionDenied, match=message):
            services.transition(case, name, actor, **step_kwargs(name, loop))
        assert state(case) == before, actor


@pytest.mark.parametrize("status", Status.values)
def test_the_buttons_shown_are_the_transitions_allowed(loop, status):
    case, company_user = responsible_case(loop, status, "company")
    owner_steps = [n for n, (s, _t, who) in TRANSITIONS.items() if status in s and who == "owner"]
    responsible_steps = [n for n, (s, _t, who) in TRANSITIONS.items() if status in s and who == "responsible"]
    assert services.allowed_transitions(case, loop.owner) == owner_steps
    assert services.allowed_transitions(case, company_user) == responsible_steps
    assert services.allowed_transitions(case, loop.other_company_user) == []
    assert services.allowed_transitions(case, loop.outsider) == []


def test_a_response_needs_text(loop):
    case, company_user = responsible_case(loop, Status.IN_PROGRESS, "company")
    before = state(case)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, "respond", company_user, text="   ")
    assert refused.value.message_dict == {"text": ["Say what was done."]}
    assert state(case) == before


def test_a_response_needs_evidence_when_evidence_is_required(loop):
    case, company_user = responsible_case(loop, Status.IN_PROGRESS, "company", evidence_required=True)
    before = state(case)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, "respond", company_user, text="已整改")
    assert refused.value.message_dict == {"evidence": ["This case needs evidence: attach photos or documents."]}
    assert state(case) == before

    services.transition(case, "respond", company_user, text="已整改", evidence=[evidence_file()])

    case.refresh_from_db()
    assert (case.status, case.response, case.responded_on) == (Status.SUBMITTED, "已整改", TODAY)
    attachment = Attachment.objects.get()
    assert (attachment.parent, attachment.agency, attachment.name) == (case, loop.agency, "整改照片.jpg")
    assert attachment.description == "Evidence: Response submitted"
    # The one who opened the case is told there is a response to verify.
    assert list(Notification.objects.values_list("user", "case")) == [(loop.owner.pk, case.pk)]


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("send_back", Status.SUBMITTED, "Give the reason it is sent back."),
        ("archive", Status.CLOSED, "Write the feedback the case is archived with."),
    ],
)
def test_sending_back_and_archiving_need_text(loop, name, status, message):
    case, _user = responsible_case(loop, status, "company")
    before = state(case)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, name, loop.owner, text="")
    assert refused.value.message_dict == {"text": [message]}
    assert state(case) == before


def test_assigning_needs_someone_responsible(loop):
    case = CaseFactory(agency=loop.agency)
    before = state(case)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, "assign", loop.owner)
    assert refused.value.message_dict == {"responsible_org": ["Choose who is responsible."]}
    assert state(case) == before


def test_a_person_of_another_organization_is_refused(loop):
    case = CaseFactory(agency=loop.agency)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, "assign", loop.owner, responsible_org=loop.company, responsible_person=loop.doer)
    assert refused.value.message_dict == {
        "responsible_person": ["The responsible person works for another organization."]
    }
    assert stored(case)["status"] == Status.OPEN


def test_the_whole_loop_step_by_step(loop):
    case = opened_case(loop.owner, agency=loop.agency, kind=Kind.RECTIFICATION, measures="补齐安全网")
    assert (case.status, case.number) == (Status.OPEN, f"{TODAY.year}-0001")
    services.transition(case, "assign", loop.owner, responsible_person=loop.doer, version=1)
    services.transition(case, "start", loop.doer, version=2)
    services.transition(case, "respond", loop.doer, text="已补齐", version=3)
    services.transition(case, "send_back", loop.owner, text="照片不清楚", version=4)
    services.transition(case, "respond", loop.doer, text="已补拍照片", version=5)
    services.transition(case, "close", loop.owner, text="核查属实", version=6)
    services.transition(case, "archive", loop.owner, text="整改到位", version=7)

    case.refresh_from_db()
    assert (case.status, case.version, case.responsible_org, case.closed_on) == (
        Status.ARCHIVED,
        8,
        loop.department,
        TODAY,
    )
    assert (case.response, case.resolution, case.feedback) == ("已补拍照片", "核查属实", "整改到位")
    assert list(case.events.values_list("action", "from_status", "to_status", "text")) == [
        (EventAction.OPENED, "", Status.OPEN, ""),
        (EventAction.ASSIGNED, Status.OPEN, Status.ASSIGNED, ""),
        (EventAction.STARTED, Status.ASSIGNED, Status.IN_PROGRESS, ""),
        (EventAction.RESPONDED, Status.IN_PROGRESS, Status.SUBMITTED, "已补齐"),
        (EventAction.SENT_BACK, Status.SUBMITTED, Status.IN_PROGRESS, "照片不清楚"),
        (EventAction.RESPONDED, Status.IN_PROGRESS, Status.SUBMITTED, "已补拍照片"),
        (EventAction.CLOSED, Status.SUBMITTED, Status.CLOSED, "核查属实"),
        (EventAction.ARCHIVED, Status.CLOSED, Status.ARCHIVED, "整改到位"),
    ]
    assert [e.action for e in case_log(case)] == ["create"] + ["update"] * 7
    # The responsible person heard of the assignment and the sending back; the owner of both responses.
    assert sorted(Notification.objects.values_list("user__username", "text")) == sorted(
        [
            (loop.doer.username, f"Assigned: {case}"),
            (loop.doer.username, f"Sent back: {case}"),
            (loop.owner.username, f"Response to verify: {case}"),
            (loop.owner.username, f"Response to verify: {case}"),
        ]
    )


def test_a_stale_version_is_refused_with_a_message(loop):
    case, company_user = responsible_case(loop, Status.ASSIGNED, "company")
    services.transition(case, "start", company_user, version=1)
    before = state(case)
    with pytest.raises(ValidationError) as refused:
        services.transition(case, "respond", company_user, text="已整改", version=1)
    assert refused.value.messages == [
        "Someone else changed this case meanwhile (it is now “In progress”); reload it and try again."
    ]
    assert state(case) == before


def test_an_unknown_action_is_refused(loop):
    case, _user = responsible_case(loop, Status.ASSIGNED, "company")
    with pytest.raises(ValidationError, match="Unknown action “reopen”"):
        services.transition(case, "reopen", loop.owner)


# ---- opening a case and its deadline ------------------------------------------------------------


def test_opening_a_case_for_someone_assigns_it_and_numbers_it_in_order(loop):
    first = opened_case(loop.owner, responsible_person=loop.doer, opened_on=datetime.date(2026, 3, 2))
    second = opened_case(loop.owner, responsible_org=loop.company, opened_on=datetime.date(2026, 3, 3))
    assert (first.number, second.number) == ("2026-0001", "2026-0002")
    assert (first.agency, first.responsible_org, first.status, first.created_by) == (
        loop.agency,
        loop.department,
        Status.ASSIGNED,
        loop.owner,
    )
    assert list(first.events.values_list("action", "from_status", "to_status")) == [
        (EventAction.OPENED, "", Status.ASSIGNED),
        (EventAction.ASSIGNED, Status.OPEN, Status.ASSIGNED),
    ]
    assert [e.action for e in case_log(first)] == ["create"]


def test_a_deadline_before_the_open_date_is_refused(loop):
    with pytest.raises(ValidationError) as refused:
        opened_case(loop.owner, opened_on=datetime.date(2026, 5, 10), deadline=datetime.date(2026, 5, 9))
    assert refused.value.message_dict["deadline"] == ["The deadline cannot be before the day the case is opened."]
    assert not Case.objects.exists()
    assert not ChangeLogEntry.objects.exists()

    opened = opened_case(loop.owner, opened_on=datetime.date(2026, 5, 10))
    before = state(opened)
    with pytest.raises(ValidationError, match=re.escape("The deadline cannot be before the day the case is opened.")):
        services.transition(
            opened, "assign", loop.owner, responsible_org=loop.company, deadline=datetime.date(2026, 5, 1)
        )
    assert state(opened) == before


def test_a_deadline_in_working_days_follows_the_statutory_calendar(loop):
    # Opened the day before National Day: 1–7 October are holidays, Saturday 10 October is a make-up day.
    opened_on = datetime.date(2026, 9, 30)
    holidays = [opened_on + datetime.timedelta(days=n) for n in range(1, 8)]
    assert not any(chinese_calendar.is_workday(day) for day in holidays)
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 10))

    case = opened_case(loop.owner, opened_on=opened_on, deadline_working_days=5)

    working = [
        d for d in (opened_on + datetime.timedelta(days=n) for n in range(1, 20)) if chinese_calendar.is_workday(d)
    ]
    assert working[:5] == [datetime.date(2026, 10, d) for d in (8, 9, 10, 12, 13)]
    assert Case.objects.get(pk=case.pk).deadline == datetime.date(2026, 10, 13)


# ---- escalation ---------------------------------------------------------------------------------


def everything() -> dict[str, Any]:
    return {
        "cases": [stored(c) for c in Case.objects.order_by("pk")],
        "events": list(CaseEvent.objects.order_by("pk").values_list("pk", "case", "action", "text", "data")),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "user", "case", "text")),
        "log": ChangeLogEntry.objects.count(),
    }


def overdue_case(loop: Loop, days_overdue: int, **fields: Any) -> Case:
    fields = {
        "agency": loop.agency,
        "kind": Kind.ATTENTION,
        "level": Level.YELLOW,
        "status": Status.IN_PROGRESS,
        "responsible_org": loop.department,
        "responsible_person": loop.doer,
        "created_by": loop.owner,
        "opened_on": TODAY - datetime.timedelta(days=days_overdue + 20),
        "deadline": TODAY - datetime.timedelta(days=days_overdue),
        **fields,
    }
    return CaseFactory(**fields)


def test_an_overdue_case_takes_the_due_steps_in_order_each_once(loop):
    case = overdue_case(loop, days_overdue=12)

    assert services.escalate(TODAY) == 3

    case.refresh_from_db()
    assert (case.level, case.kind, case.escalation_step, case.version, case.status) == (
        Level.ORANGE,
        Kind.SUPERVISION,
        3,
        2,
        Status.IN_PROGRESS,
    )
    assert list(case.events.values_list("action", "data", "text")) == [
        (EventAction.ESCALATED, {"step": 1}, "Overdue: level raised from Yellow to Orange."),
        (EventAction.ESCALATED, {"step": 2}, f"Overdue: {loop.leader} notified."),
        (EventAction.ESCALATED, {"step": 3}, "Overdue: turned into a supervision order (督办)."),
    ]
    assert list(Notification.objects.values_list("user", "case", "text")) == [
        (loop.leader.pk, case.pk, f"Overdue case of your team: {case}")
    ]
    assert [(e.actor, e.action) for e in case_log(case)] == [(None, "update")]

    snapshot = everything()
    assert services.escalate(TODAY) == 0
    assert everything() == snapshot


def test_steps_are_taken_as_the_case_grows_later(loop):
    case = overdue_case(loop, days_overdue=1)
    deadline = case.deadline
    taken = []
    for days in (1, 1, 4, 5, 6, 9, 10, 30):
        taken.append(services.escalate(deadline + datetime.timedelta(days=days)))
    assert taken == [1, 0, 0, 1, 0, 0, 1, 0]
    case.refresh_from_db()
    assert (case.level, case.kind, case.escalation_step) == (Level.ORANGE, Kind.SUPERVISION, 3)
    assert Notification.objects.count() == 1


def test_a_red_case_stays_red_and_a_supervision_order_stays_one(loop):
    case = overdue_case(loop, days_overdue=20, level=Level.RED, kind=Kind.SUPERVISION)
    services.escalate(TODAY)
    case.refresh_from_db()
    assert (case.level, case.kind) == (Level.RED, Kind.SUPERVISION)
    assert case.events.last().text == "Overdue: already under supervision."


def test_the_agency_steps_replace_the_defaults(loop):
    EscalationStepFactory(agency=loop.agency, order=1, days_overdue=3, action=EscalationAction.SUPERVISE)
    EscalationStepFactory(agency=loop.agency, order=2, days_overdue=7, action=EscalationAction.NOTIFY_SUPERIOR)
    case = overdue_case(loop, days_overdue=2)
    other_agency_case = overdue_case(loop, days_overdue=2, agency=AgencyFactory(), responsible_org=None)

    assert services.escalate(TODAY) == 1  # the other agency's case: the default first step
    case.refresh_from_db()
    assert (case.level, case.kind, case.escalation_step) == (Level.YELLOW, Kind.ATTENTION, 0)
    assert stored(other_agency_case)["level"] == Level.ORANGE

    assert services.escalate(TODAY + datetime.timedelta(days=1)) == 1
    case.refresh_from_db()
    assert (case.level, case.kind, case.escalation_step) == (Level.YELLOW, Kind.SUPERVISION, 1)
    assert not Notification.objects.filter(case=case).exists()

    services.escalate(TODAY + datetime.timedelta(days=5))
    assert list(Notification.objects.filter(case=case).values_list("user", flat=True)) == [loop.leader.pk]


def test_steps_that_would_come_due_out_of_order_are_refused(loop):
    """Steps are taken in order, so a later step that came due earlier would skip the one before it."""
    EscalationStepFactory(agency=loop.agency, order=1, days_overdue=10, action=EscalationAction.NOTIFY_SUPERIOR)
    step = EscalationStep(agency=loop.agency, order=2, days_overdue=3, action=EscalationAction.RAISE_LEVEL)
    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert refused.value.message_dict["days_overdue"] == [
        "Step 1 comes due after 10 days overdue; steps must come due in order."
    ]
    step.days_overdue = 10
    step.full_clean()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.ARCHIVED])
def test_a_closed_case_is_not_escalated(loop, status):
    case = overdue_case(loop, days_overdue=30, status=status)
    snapshot = everything()
    assert services.escalate(TODAY) == 0
    assert everything() == snapshot
    assert stored(case)["level"] == Level.YELLOW


def test_a_case_on_time_is_not_escalated(loop):
    overdue_case(loop, days_overdue=0)  # due today: not yet overdue
    snapshot = everything()
    assert services.escalate(TODAY) == 0
    assert everything() == snapshot


def test_without_a_superior_the_timeline_says_so(loop):
    loop.leader.delete()
    case = overdue_case(loop, days_overdue=6)
    services.escalate(TODAY)
    assert list(case.events.values_list("text", flat=True))[1] == "Overdue: no superior to notify."
    assert not Notification.objects.exists()


def test_escalation_makes_an_actor_holding_the_old_version_reload(loop):
    case = overdue_case(loop, days_overdue=1)
    services.escalate(TODAY)
    with pytest.raises(ValidationError, match="Someone else changed this case meanwhile"):
        services.transition(case, "respond", loop.doer, text="已整改", version=1)


# ---- the board ----------------------------------------------------------------------------------

Y = 2025
PERIOD = Period(datetime.date(Y, 1, 1), datetime.date(Y, 12, 31))


def test_closure_rate_33_opened_32_closed(loop):
    for n in range(32):
        opened = datetime.date(Y, 3, 1) + datetime.timedelta(days=n)
        CaseFactory(
            agency=loop.agency,
            opened_on=opened,
            deadline=opened + datetime.timedelta(days=10),
            closed_on=opened + datetime.timedelta(days=n % 4 * 5),  # 0, 5, 10, 15 days: 24 of 32 on time
            status=Status.ARCHIVED if n % 2 else Status.CLOSED,
        )
    CaseFactory(agency=loop.agency, opened_on=datetime.date(Y, 6, 1), status=Status.IN_PROGRESS)

    figures = board(Case.objects.all(), PERIOD, today=datetime.date(Y, 6, 2))

    assert (figures["opened"], figures["closed"], figures["closure_rate"]) == (33, 32, Decimal("97.0"))
    assert figures["closed_on_time"] == 24
    assert figures["closed_in_period"] == 32
    assert figures["average_days_to_close"] == Decimal("7.5")  # (0 + 5 + 10 + 15) / 4
    assert (figures["open"], figures["overdue"]) == (1, 0)


def test_board_period_edges_and_groupings(loop):
    other_department = DepartmentFactory(parent=loop.agency, name="测试造价处")
    day_before, first, last, day_after = (
        datetime.date(Y - 1, 12, 31),
        PERIOD.start,
        PERIOD.end,
        datetime.date(Y + 1, 1, 1),
    )
    today = datetime.date(Y + 1, 1, 10)
    late = today - datetime.timedelta(days=3)
    # Opened the day before the period, closed on its first day after 1 day: counts for time to close only.
    CaseFactory(agency=loop.agency, opened_on=day_before, closed_on=first, status=Status.CLOSED, deadline=first)
    # Opened on the first day, closed on the last, 2 days past its deadline.
    CaseFactory(
        agency=loop.agency,
        opened_on=first,
        closed_on=last,
        status=Status.CLOSED,
        deadline=last - datetime.timedelta(days=2),
        source=sources.RULE,
    )
    # Opened on the last day, still open and overdue.
    CaseFactory(
        agency=loop.agency,
        opened_on=last,
        deadline=late,
        status=Status.IN_PROGRESS,
        level=Level.RED,
        department=loop.department,
        responsible_org=loop.company,
        subject_label="一号楼",
        kind=Kind.SUPERVISION,
    )
    # Opened after the period, open, not yet due.
    CaseFactory(
        agency=loop.agency,
        opened_on=day_after,
        deadline=today,
        level=Level.YELLOW,
        department=other_department,
        subject_label="一号楼",
        kind=Kind.ATTENTION,
        source=sources.TOUR,
    )
    CaseFactory(agency=loop.agency, opened_on=day_after, level=Level.YELLOW, department=loop.department)

    figures = board(Case.objects.all(), PERIOD, today=today)

    assert (figures["opened"], figures["closed"], figures["closure_rate"], figures["closed_on_time"]) == (
        2,
        1,
        Decimal("50.0"),
        0,
    )
    assert figures["closed_in_period"] == 2
    assert figures["average_days_to_close"] == Decimal(1 + (last - first).days) / 2
    assert (figures["open"], figures["overdue"]) == (3, 1)
    assert [(g["level"], g["n"], g["overdue"]) for g in figures["by_level"]] == [
        (Level.RED, 1, 1),
        (Level.YELLOW, 2, 0),
    ]
    assert [(g["department__name"], g["n"], g["overdue"]) for g in figures["by_department"]] == [
        (loop.department.name, 2, 1),
        (other_department.name, 1, 0),
    ]
    assert [(g["responsible_org__name"], g["n"]) for g in figures["by_responsible"]] == [
        (loop.company.name, 1),
        (None, 2),
    ]
    assert [(g["subject_label"], g["n"], g["overdue"]) for g in figures["by_subject"]] == [("一号楼", 2, 1)]
    assert sorted((g["source"], g["n"], g["closed"]) for g in figures["opened_by_source"]) == [
        (sources.MANUAL, 1, 0),
        (sources.RULE, 1, 1),
    ]


def test_an_empty_period_has_no_rate(loop):
    figures = board(Case.objects.all(), PERIOD, today=TODAY)
    assert (figures["opened"], figures["closure_rate"], figures["average_days_to_close"]) == (0, None, None)


def test_the_board_counts_subjects_under_supervision_and_attention(loop):
    live = {"agency": loop.agency, "status": Status.IN_PROGRESS}
    CaseFactory(**live, kind=Kind.SUPERVISION, subject_id="1", subject_label="一号楼")
    CaseFactory(**live, kind=Kind.SUPERVISION, subject_id="1", subject_label="一号楼")
    CaseFactory(**live, kind=Kind.ATTENTION, subject_id="1", subject_label="一号楼")  # under supervision already
    CaseFactory(**live, kind=Kind.ATTENTION, subject_id="2", subject_label="二号楼")
    CaseFactory(agency=loop.agency, status=Status.CLOSED, kind=Kind.SUPERVISION, subject_id="3")
    figures = board(Case.objects.all(), PERIOD, today=TODAY)
    assert figures["subjects"] == {"supervision": 1, "attention": 1}


# ---- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_what_each_user_has_to_do_and_to_verify(loop):
    mine = CaseFactory(
        agency=loop.agency,
        status=Status.ASSIGNED,
        responsible_org=loop.department,
        responsible_person=loop.doer,
        deadline=TODAY + datetime.timedelta(days=9),
    )
    my_department = CaseFactory(
        agency=loop.agency,
        status=Status.IN_PROGRESS,
        responsible_org=loop.department,
        deadline=TODAY + datetime.timedelta(days=2),
    )
    opened_by_leader = CaseFactory(
        agency=loop.agency, status=Status.SUBMITTED, responsible_org=loop.department, created_by=loop.leader
    )
    CaseFactory(agency=loop.agency, status=Status.CLOSED, responsible_org=loop.department)
    company_case = CaseFactory(agency=loop.agency, status=Status.ASSIGNED, responsible_org=loop.company)
    submitted_by_company = CaseFactory(
        agency=loop.agency,
        status=Status.SUBMITTED,
        responsible_org=loop.company,
        created_by=loop.owner,
        responded_on=TODAY,
    )
    rule_case = CaseFactory(
        agency=loop.agency,
        status=Status.SUBMITTED,
        responsible_org=loop.company,
        source=sources.RULE,
        responded_on=TODAY - datetime.timedelta(days=1),
    )
    someone_elses = CaseFactory(
        agency=loop.agency, status=Status.SUBMITTED, responsible_org=loop.company, created_by=loop.leader
    )
    elsewhere = CaseFactory(agency=AgencyFactory(), status=Status.ASSIGNED, responsible_org=loop.company)

    doer = services.inbox(loop.doer)
    assert list(doer["to_do"]) == [my_department, mine]  # soonest deadline first
    owner = services.inbox(loop.owner)
    assert list(owner["to_do"]) == []
    assert list(owner["to_verify"]) == [rule_case, submitted_by_company]
    assert set(services.inbox(loop.leader)["to_verify"]) == {someone_elses, opened_by_leader, rule_case}
    company = services.inbox(loop.company_user)
    assert set(company["to_do"]) == {company_case, elsewhere}  # a company works for several agencies
    assert list(company["to_verify"]) == []


def test_unread_count(loop):
    case = CaseFactory(agency=loop.agency)
    services.notify(loop.doer, case, "有新的事项")
    services.notify(loop.doer, None, "系统通知")
    services.notify(loop.owner, case, "别人的")
    Notification.objects.filter(user=loop.doer, case=None).update(read_at=timezone.now())
    assert services.unread_count(loop.doer) == 1
    assert services.unread_count(loop.owner) == 1


def test_an_inactive_user_is_not_notified(loop):
    loop.doer.is_active = False
    loop.doer.save()
    assert services.notify(loop.doer, None, "x") is None
    assert not Notification.objects.exists()


def test_a_notification_is_emailed(loop, mailoutbox):
    services.notify(loop.doer, None, "有新的事项")
    assert [(m.subject, m.to) for m in mailoutbox] == [("有新的事项", [loop.doer.email])]


def test_a_responsible_organization_without_a_person_is_notified_as_a_whole(loop):
    colleague = UserFactory(organization=loop.company, role=Role.COMPANY)
    case = CaseFactory(agency=loop.agency)
    services.transition(case, "assign", loop.owner, responsible_org=loop.company)
    assert sorted(Notification.objects.values_list("user", flat=True)) == sorted([loop.company_user.pk, colleague.pk])


def test_numbers_go_on_past_9999_in_a_year(loop):
    CaseFactory(agency=loop.agency, number="2026-9999", opened_on=datetime.date(2026, 3, 1))
    assert services.next_number(loop.agency.pk, 2026) == "2026-10000"
    spring = datetime.date(2026, 3, 2)
    assert opened_case(None, agency=loop.agency, opened_on=spring).number == "2026-10000"
    assert opened_case(None, agency=loop.agency, opened_on=spring).number == "2026-10001"
    assert services.next_number(loop.agency.pk, 2027) == "2027-0001"
