"""The daily scan with the projects app's four rules: open, raise, clear, converge, settings."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from gongwu.alerts import services, sources
from gongwu.alerts.models import Case, CaseEvent, EventAction, Kind, Level, RuleSetting, Status
from gongwu.alerts.rules import RULES
from gongwu.alerts.testing import CaseFactory, RuleSettingFactory, staff_of
from gongwu.core.calendar import add_working_days
from gongwu.core.models import Organization, Role
from gongwu.core.testing import AgencyFactory, DepartmentFactory
from gongwu.projects.models import ApprovalRole, MilestoneKind, ProjectSettings, Stage, TaskKind
from gongwu.projects.testing import MilestoneFactory, ProjectFactory, TaskItemFactory, TaskListFactory, record_approval

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
CODES = [
    "projects.approval_late",
    "projects.milestone_overdue",
    "projects.task_behind",
    "projects.lead_time_over_target",
]


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def live_cases(agency: Organization | None = None) -> list[Case]:
    cases = Case.objects.filter(source=sources.RULE).exclude(status__in=[Status.CLOSED, Status.ARCHIVED])
    if agency is not None:
        cases = cases.filter(agency=agency)
    return list(cases.order_by("rule_code", "subject_label"))


def signature(agency: Organization) -> list[tuple[Any, ...]]:
    """What a user sees of an agency's rule cases, independent of ids."""
    return sorted(
        (c.rule_code, c.subject_label, c.level, c.status, c.kind, c.events.count())
        for c in Case.objects.filter(agency=agency)
    )


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency() -> Organization:
    return AgencyFactory()


def test_the_four_rules_are_registered():
    assert set(CODES) <= set(RULES)


def test_a_late_approval_opens_a_case_with_what_triggered_it(agency):
    director = staff_of(DepartmentFactory(parent=agency), Role.DIRECTOR)
    project = ProjectFactory(agency=agency, director=director, department=director.organization, name="第一中学")
    approval = record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=days_ago(12))
    record_approval(ProjectFactory(agency=agency), ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=TODAY)
    record_approval(
        ProjectFactory(agency=agency), ApprovalRole.CONSTRUCTION_PERMIT, days_ago(1), planned_date=days_ago(9)
    )

    report = services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.approval_late"])

    assert (report.opened, report.examined) == (1, 1)
    case = Case.objects.get()
    assert case.subject == approval
    assert (case.source, case.rule_code, case.level, case.kind) == (
        sources.RULE,
        "projects.approval_late",
        Level.YELLOW,
        Kind.WARNING,
    )
    assert case.title.startswith("第一中学: ") and case.title.endswith(" 12 days past its planned date")
    assert case.trigger == {
        "project": project.code,
        "approval": approval.kind.name,
        "planned_date": "2026-06-03",
        "days_late": 12,
        "severity": 12,
    }
    # The project's director is responsible; the deadline is the rule's 10 working days.
    assert (case.responsible_person, case.responsible_org, case.department, case.status) == (
        director,
        director.organization,
        director.organization,
        Status.ASSIGNED,
    )
    assert (case.opened_on, case.deadline) == (TODAY, add_working_days(TODAY, 10))
    assert list(case.events.values_list("action", "data")) == [
        (EventAction.OPENED, {"trigger": case.trigger}),
        (EventAction.ASSIGNED, {}),
    ]
    assert case.number == "2026-0001"


def test_an_overdue_milestone_opens_a_case(agency):
    project = ProjectFactory(agency=agency, name="第二医院")
    milestone = MilestoneFactory(project=project, kind=MilestoneKind.TOPPING_OUT, planned_date=days_ago(40))
    MilestoneFactory(project=project, kind=MilestoneKind.START, planned_date=days_ago(60), actual_date=days_ago(58))

    services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.milestone_overdue"])

    case = Case.objects.get()
    assert case.subject == milestone
    assert case.title == "第二医院: Main structure topped out 40 days overdue"
    assert case.level == Level.ORANGE  # 40 days late: past the 30 days of orange_after
    assert case.trigger == {
        "project": project.code,
        "milestone": "Main structure topped out",
        "planned_date": days_ago(40).isoformat(),
        "days_late": 40,
        "severity": 40,
    }
    assert case.status == Status.OPEN  # nobody to assign it to: the project has no director


def test_a_task_behind_plan_opens_an_attention_case(agency):
    task_list = TaskListFactory(agency=agency, year=TODAY.year)
    behind = TaskItemFactory(task_list=task_list, kind=TaskKind.START, planned_date=days_ago(5))
    TaskItemFactory(task_list=task_list, kind=TaskKind.START, planned_date=TODAY + datetime.timedelta(days=5))
    started = TaskItemFactory(task_list=task_list, kind=TaskKind.START, planned_date=days_ago(5))
    MilestoneFactory(project=started.project, kind=MilestoneKind.START, actual_date=days_ago(7))
    started.project.refresh_key_dates()

    services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.task_behind"])

    case = Case.objects.get()
    assert case.subject == behind
    assert (case.kind, case.level) == (Kind.ATTENTION, Level.ORANGE)
    assert case.trigger == {
        "project": behind.project.code,
        "task": "Projects to start",
        "planned_date": days_ago(5).isoformat(),
        "days_late": 5,
        "severity": 5,
    }


def test_a_lead_time_over_target_opens_a_case(agency):
    ProjectSettings.objects.create(agency=agency, lead_time_target=60)
    waiting = ProjectFactory(agency=agency, stage=Stage.PREPARATION, name="第三小学")
    record_approval(waiting, ApprovalRole.PROJECT_APPROVAL, days_ago(70))
    on_time = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    record_approval(on_time, ApprovalRole.PROJECT_APPROVAL, days_ago(60))
    permitted = ProjectFactory(agency=agency, stage=Stage.PREPARATION)
    record_approval(permitted, ApprovalRole.PROJECT_APPROVAL, days_ago(200))
    record_approval(permitted, ApprovalRole.CONSTRUCTION_PERMIT, days_ago(100))
    very_late = ProjectFactory(agency=agency, stage=Stage.RESERVE)
    record_approval(very_late, ApprovalRole.PROJECT_APPROVAL, days_ago(121))

    services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.lead_time_over_target"])

    cases = {c.subject: c for c in Case.objects.all()}
    assert set(cases) == {waiting, very_late}
    case = cases[waiting]
    assert case.level == Level.ORANGE
    assert case.title == "第三小学: 70 days since project approval without a construction permit (target 60)"
    assert case.trigger == {
        "project": waiting.code,
        "approved_on": days_ago(70).isoformat(),
        "days": 70,
        "basis": "Calendar days",
        "target": 60,
        "severity": 70,
    }
    assert cases[very_late].level == Level.RED  # more than twice the target


# ---- scanning again: idempotent, worsening, clearing --------------------------------------------


def portfolio(agency: Organization) -> None:
    """Late approvals, milestones and tasks in one agency (12 matches in all)."""
    task_list = TaskListFactory(agency=agency, year=TODAY.year)
    for n in range(4):
        project = ProjectFactory(agency=agency, name=f"组合项目{agency.pk}-{n}")
        record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=days_ago(3 + n * 40))
        MilestoneFactory(project=project, kind=MilestoneKind.START, planned_date=days_ago(1 + n))
        TaskItemFactory(task_list=task_list, project=project, kind=TaskKind.START, planned_date=days_ago(2))


def test_scanning_twice_opens_nothing_new(agency):
    portfolio(agency)
    first = services.scan(TODAY, agency_ids=[agency.pk], codes=CODES)
    assert (first.opened, first.examined) == (12, 12)
    before = signature(agency)

    again = services.scan(TODAY, agency_ids=[agency.pk], codes=CODES)

    assert (again.opened, again.raised, again.cleared, again.examined) == (0, 0, 0, 12)
    assert signature(agency) == before
    assert CaseEvent.objects.count() == 12


def test_a_worsening_condition_raises_the_level(agency):
    milestone = MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    case = Case.objects.get()
    assert case.level == Level.YELLOW

    later = TODAY + datetime.timedelta(days=27)  # 30 days late: orange_after
    report = services.scan(later, codes=["projects.milestone_overdue"])

    case.refresh_from_db()
    assert (report.raised, report.opened, case.level, case.version) == (1, 0, Level.ORANGE, 2)
    assert case.trigger["days_late"] == 30
    assert case.title.endswith(" 30 days overdue")
    event = case.events.last()
    assert (event.action, event.text) == (
        EventAction.LEVEL_CHANGED,
        "The condition worsened (level Yellow → Orange).",
    )
    assert event.data == {"trigger": case.trigger}

    assert services.scan(later + datetime.timedelta(days=1), codes=["projects.milestone_overdue"]).raised == 0
    services.scan(milestone.planned_date + datetime.timedelta(days=90), codes=["projects.milestone_overdue"])
    case.refresh_from_db()
    assert case.level == Level.RED
    assert list(case.events.values_list("action", flat=True)) == [
        EventAction.OPENED,
        EventAction.LEVEL_CHANGED,
        EventAction.LEVEL_CHANGED,
    ]
    assert Case.objects.count() == 1


def test_thresholds_follow_the_agency_settings(agency):
    RuleSettingFactory(agency=agency, code="projects.milestone_overdue", params={"orange_after": 5, "red_after": 8})
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(6))
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(9))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    assert sorted(Case.objects.values_list("trigger__days_late", "level")) == [(6, Level.ORANGE), (9, Level.RED)]


def test_the_agency_level_applies_below_the_thresholds(agency):
    RuleSettingFactory(agency=agency, code="projects.milestone_overdue", level=Level.BLUE)
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(6))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    assert Case.objects.get().level == Level.BLUE


def test_a_cleared_condition_closes_the_case(agency):
    milestone = MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    case = Case.objects.get()

    milestone.actual_date = days_ago(1)
    milestone.save()
    report = services.scan(TODAY, codes=["projects.milestone_overdue"])

    case.refresh_from_db()
    assert (report.cleared, case.status, case.closed_on is not None) == (1, Status.CLOSED, True)
    assert case.resolution == "Condition cleared: the rule no longer matches (checked by the daily scan)."
    event = case.events.last()
    assert (event.action, event.from_status, event.to_status, event.text) == (
        EventAction.CLEARED,
        Status.OPEN,
        Status.CLOSED,
        case.resolution,
    )
    # Scanning again does not reopen or clear it twice.
    assert services.scan(TODAY, codes=["projects.milestone_overdue"]) == services.ScanReport()


def test_a_cleared_case_is_closed_on_the_day_of_the_scan(agency):
    milestone = MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    milestone.actual_date = days_ago(1)
    milestone.save()
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    assert (Case.objects.get().closed_on, Case.objects.get().days_to_close) == (TODAY, 0)


def test_a_condition_back_after_closing_opens_a_new_case(agency):
    milestone = MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    Case.objects.update(status=Status.CLOSED)
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    assert sorted(Case.objects.values_list("status", flat=True)) == [Status.CLOSED, Status.OPEN]
    assert {c.subject for c in Case.objects.all()} == {milestone}


# ---- settings -----------------------------------------------------------------------------------


def test_a_disabled_rule_opens_nothing(agency):
    portfolio(agency)
    RuleSettingFactory(agency=agency, code="projects.milestone_overdue", enabled=False)
    services.scan(TODAY, agency_ids=[agency.pk], codes=CODES)
    assert "projects.milestone_overdue" not in {c.rule_code for c in Case.objects.all()}
    assert Case.objects.count() == 8


def test_the_scan_records_when_an_agency_rule_last_ran(agency):
    setting = RuleSettingFactory(agency=agency, code="projects.milestone_overdue")
    services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.milestone_overdue"])
    setting.refresh_from_db()
    assert setting.last_scan is not None


def test_other_agencies_are_left_alone(agency):
    other = AgencyFactory()
    MilestoneFactory(project=ProjectFactory(agency=other), planned_date=days_ago(3))
    services.scan(TODAY, agency_ids=[agency.pk], codes=CODES)
    assert not Case.objects.exists()
    services.scan(TODAY, codes=CODES)
    assert list(Case.objects.values_list("agency", flat=True)) == [other.pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"grace_days": 91}, "grace days before a case opens must be between 0 and 90."),
        ({"orange_after": 0}, "orange after (days late) must be between 1 and 365."),
        ({"red_after": "soon"}, "red after (days late): write a whole number."),
        ({"days": 3}, "Unknown parameters: days."),
    ],
)
def test_parameters_out_of_range_are_refused_clearly(agency, params, message):
    setting = RuleSetting(agency=agency, code="projects.milestone_overdue", params=params)
    with pytest.raises(ValidationError) as refused:
        setting.full_clean()
    assert refused.value.message_dict == {"params": [message]}


def test_valid_parameters_are_completed_with_defaults(agency):
    setting = RuleSetting(agency=agency, code="projects.milestone_overdue", params={"grace_days": "7"})
    setting.full_clean()
    assert setting.params == {"grace_days": 7, "orange_after": 30, "red_after": 90}


def test_an_unknown_rule_is_refused(agency):
    with pytest.raises(ValidationError) as refused:
        RuleSetting(agency=agency, code="projects.nonsense").full_clean()
    assert refused.value.message_dict == {"code": ["Unknown rule “projects.nonsense”."]}


def test_grace_days_delay_the_case(agency):
    RuleSettingFactory(agency=agency, code="projects.milestone_overdue", params={"grace_days": 5})
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(5))
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(6))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    assert list(Case.objects.values_list("trigger__days_late", flat=True)) == [6]


# ---- convergence and the constraint -------------------------------------------------------------


def interrupted_after(rule_code: str, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rule = RULES[rule_code]
    find = rule.find

    def failing(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Any]:
        for count, match in enumerate(find(agency_id, params, today)):
            if count == n:
                raise ConnectionError("the database went away")
            yield match

    monkeypatch.setattr(rule, "find", failing)


def test_an_interrupted_scan_run_again_converges_on_the_same_cases(monkeypatch):
    whole, broken = AgencyFactory(), AgencyFactory()
    portfolio(whole)
    portfolio(broken)
    services.scan(TODAY, agency_ids=[whole.pk], codes=CODES)

    with monkeypatch.context() as patch:
        # The third rule fails midway: the first two rules' cases are in, the third's chunk is not.
        interrupted_after("projects.task_behind", 2, patch)
        with pytest.raises(ConnectionError):
            services.scan(TODAY, agency_ids=[broken.pk], codes=CODES)
    halfway = Case.objects.filter(agency=broken).count()
    assert 0 < halfway < 12
    services.scan(TODAY, agency_ids=[broken.pk], codes=CODES)

    keys = [(c.rule_code, c.subject_type_id, c.subject_id) for c in live_cases(broken)]
    assert len(keys) == len(set(keys)) == 12
    expected = {
        code: sorted(m.subject.pk for m in RULES[code].find(broken.pk, RULES[code].defaults(), TODAY)) for code in CODES
    }
    for code in CODES:
        assert sorted(c.subject.pk for c in live_cases(broken) if c.rule_code == code) == expected[code], code
    # Same cases, levels and timelines as the uninterrupted scan of an identical portfolio.
    assert [s[0] for s in signature(broken)] == [s[0] for s in signature(whole)]
    assert [s[2:] for s in signature(broken)] == [s[2:] for s in signature(whole)]


def test_a_scan_of_half_the_subjects_then_all_opens_each_case_once(agency):
    portfolio(agency)
    rule = RULES["projects.approval_late"]
    matches = list(rule.find(agency.pk, rule.defaults(), TODAY))
    half = type(rule)(**{**rule.__dict__, "find": lambda *args: iter(matches[:2])})
    services.scan_rule(half, agency.pk, rule.defaults(), Level.YELLOW, TODAY, services.ScanReport())
    assert Case.objects.count() == 2

    report = services.scan(TODAY, agency_ids=[agency.pk], codes=["projects.approval_late"])

    assert (report.opened, report.examined) == (2, 4)
    assert sorted(c.subject.pk for c in live_cases(agency)) == sorted(m.subject.pk for m in matches)


def test_the_database_refuses_a_second_live_case_for_a_rule_and_subject(agency):
    milestone = MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    services.scan(TODAY, codes=["projects.milestone_overdue"])
    first = Case.objects.get()
    twin = {
        "agency": agency,
        "source": sources.RULE,
        "rule_code": first.rule_code,
        "subject_type": first.subject_type,
        "subject_id": first.subject_id,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(**twin)
    # A closed one, a manual one, another rule's or another agency's may exist beside it.
    CaseFactory(**twin, status=Status.CLOSED)
    CaseFactory(**{**twin, "source": sources.MANUAL})
    CaseFactory(**{**twin, "rule_code": "projects.approval_late"})
    CaseFactory(**{**twin, "agency": AgencyFactory()})
    assert Case.objects.filter(subject_id=str(milestone.pk)).count() == 5


def test_a_case_opened_meanwhile_by_another_scan_is_not_opened_twice(agency):
    """`open_rule_case` when the live case appeared after the scan listed the live ones (a parallel scan)."""
    MilestoneFactory(project=ProjectFactory(agency=agency), planned_date=days_ago(3))
    rule = RULES["projects.milestone_overdue"]
    services.scan(TODAY, codes=[rule.code])
    match = next(iter(rule.find(agency.pk, rule.defaults(), TODAY)))
    report = services.ScanReport()

    services.open_rule_case(rule, agency.pk, match, Level.YELLOW, TODAY, report)

    assert (report.opened, Case.objects.count()) == (0, 1)
