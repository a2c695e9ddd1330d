"""Project rules without HTTP: stage gates, approval lead time, task-list plan vs actual, the portfolio summary."""

from __future__ import annotations

import datetime
from decimal import Decimal

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from gongwu.core import services as core_services
from gongwu.core import testing
from gongwu.core.generic.forms import save_form
from gongwu.core.models import ChangeAction, ChangeLogEntry, Role
from gongwu.core.periods import Period, change_percent
from gongwu.projects import figures, services
from gongwu.projects.forms import ProjectForm
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    AwardLevel,
    Category,
    LeadTimeBasis,
    Milestone,
    MilestoneKind,
    Project,
    ProjectSettings,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
)
from gongwu.projects.services import TaskStatus
from gongwu.projects.testing import (
    AwardFactory,
    ProjectFactory,
    TaskItemFactory,
    TaskListFactory,
    record_approval,
    started_project,
)

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="深圳市建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def admin(agency):
    return testing.UserFactory(organization=agency, role=Role.ADMIN)


def history(project: Project) -> list[tuple[str, str, datetime.date, str]]:
    return list(
        StageChange.objects.filter(project=project)
        .order_by("entered_on", "id")
        .values_list("from_stage", "stage", "entered_on", "override_reason")
    )


def stage_errors(caught: pytest.ExceptionInfo) -> list[str]:
    return caught.value.message_dict["stage"]


PERMIT_GATE = "A project enters “Under construction” only with its construction permit recorded (actual date)."
BACK_GATE = "Moving a project back to an earlier stage needs an administrator's override."


def completion_gate(stage_label: str) -> str:
    return f"A project enters “{stage_label}” only with its completion acceptance date recorded."


# ---- stage gates --------------------------------------------------------------------------------


@pytest.fixture
def preparing(agency):
    return ProjectFactory(agency=agency, stage=Stage.PREPARATION, stage_entered_on=D(2025, 1, 10))


@pytest.fixture
def building(agency):
    """Under construction since 2025-03-01, permit on 2025-02-20, started on 2025-03-01."""
    project = started_project(D(2025, 3, 1), agency=agency, stage_entered_on=D(2025, 3, 1))
    StageChange.objects.create(project=project, stage=Stage.CONSTRUCTION, entered_on=D(2025, 3, 1))
    return project


def test_project_cannot_enter_construction_without_a_permit_and_nothing_changes(preparing, staff) -> None:
    log_count = ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=preparing, stage=Stage.CONSTRUCTION, actor=staff, entered_on=D(2025, 3, 1))
    assert stage_errors(caught) == [PERMIT_GATE]
    assert Project.objects.get(pk=preparing.pk).stage == Stage.PREPARATION
    assert history(preparing) == []
    assert ChangeLogEntry.objects.count() == log_count


def test_a_permit_planned_but_not_issued_does_not_open_the_construction_gate(preparing, staff) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=D(2025, 2, 1))
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=preparing, stage=Stage.CONSTRUCTION, actor=staff, entered_on=D(2025, 3, 1))
    assert stage_errors(caught) == [PERMIT_GATE]


def test_with_its_permit_a_project_enters_construction_and_the_step_is_kept_and_logged(preparing, staff) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, D(2025, 2, 20))
    change = services.change_stage(project=preparing, stage=Stage.CONSTRUCTION, actor=staff, entered_on=D(2025, 3, 1))
    stored = Project.objects.get(pk=preparing.pk)
    assert (stored.stage, stored.stage_entered_on) == (Stage.CONSTRUCTION, D(2025, 3, 1))
    assert history(preparing) == [(Stage.PREPARATION, Stage.CONSTRUCTION, D(2025, 3, 1), "")]
    assert change.actor == staff
    entry = ChangeLogEntry.objects.order_by("-id").first()
    assert (entry.action, entry.actor, entry.object_id) == (ChangeAction.UPDATE, staff, str(preparing.pk))
    assert (entry.before["stage"], entry.after["stage"]) == (Stage.PREPARATION, Stage.CONSTRUCTION)
    assert (entry.before["stage_entered_on"], entry.after["stage_entered_on"]) == (
        "2025-01-10",
        "2025-03-01",
    )
    assert "override_reason" not in entry.after


def test_a_stage_entered_without_a_date_is_entered_today(preparing, staff) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, D(2025, 2, 20))
    services.change_stage(project=preparing, stage=Stage.CONSTRUCTION, actor=staff)
    assert Project.objects.get(pk=preparing.pk).stage_entered_on == timezone.localdate()


def test_project_cannot_enter_completed_without_a_completion_acceptance_date(building, staff) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=building, stage=Stage.COMPLETED, actor=staff, entered_on=D(2025, 12, 1))
    assert stage_errors(caught) == [completion_gate("Completed")]
    assert Project.objects.get(pk=building.pk).stage == Stage.CONSTRUCTION


def test_jumping_past_completed_to_settlement_also_needs_the_completion_date(building, staff) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=building, stage=Stage.SETTLEMENT, actor=staff, entered_on=D(2025, 12, 1))
    assert stage_errors(caught) == [completion_gate("Settlement")]
    assert Project.objects.get(pk=building.pk).stage == Stage.CONSTRUCTION


def test_jumping_from_preparation_to_settlement_names_both_missing_gates(preparing, staff) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=preparing, stage=Stage.SETTLEMENT, actor=staff, entered_on=D(2025, 12, 1))
    assert stage_errors(caught) == [
        "A project enters “Settlement” only with its construction permit recorded (actual date).",
        completion_gate("Settlement"),
    ]


def test_the_completion_acceptance_milestone_opens_the_completed_gate(building, staff) -> None:
    Milestone.objects.create(project=building, kind=MilestoneKind.COMPLETION_ACCEPTANCE, actual_date=D(2025, 11, 20))
    services.change_stage(project=building, stage=Stage.COMPLETED, actor=staff, entered_on=D(2025, 11, 25))
    assert Project.objects.get(pk=building.pk).stage == Stage.COMPLETED
    assert history(building)[-1] == (Stage.CONSTRUCTION, Stage.COMPLETED, D(2025, 11, 25), "")


def test_a_completion_acceptance_approval_also_opens_the_gate_even_for_settlement(building, staff) -> None:
    record_approval(building, ApprovalRole.COMPLETION_ACCEPTANCE, D(2025, 11, 20))
    services.change_stage(project=building, stage=Stage.SETTLEMENT, actor=staff, entered_on=D(2025, 11, 25))
    assert Project.objects.get(pk=building.pk).stage == Stage.SETTLEMENT


def test_moving_back_needs_an_override(building, staff) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=building, stage=Stage.PREPARATION, actor=staff, entered_on=D(2025, 4, 1))
    assert stage_errors(caught) == [BACK_GATE]
    assert Project.objects.get(pk=building.pk).stage == Stage.CONSTRUCTION


def test_an_administrator_without_a_reason_cannot_move_back_either(building, admin) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=building, stage=Stage.PREPARATION, actor=admin, entered_on=D(2025, 4, 1))
    assert stage_errors(caught) == [BACK_GATE]


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER, Role.DIRECTOR])
def test_a_non_administrator_override_is_refused_and_nothing_changes(preparing, agency, role) -> None:
    user = testing.UserFactory(organization=agency, role=role)
    before = testing.stored(preparing)
    log_count = ChangeLogEntry.objects.count()
    with pytest.raises(PermissionDenied) as caught:
        services.change_stage(
            project=preparing,
            stage=Stage.CONSTRUCTION,
            actor=user,
            entered_on=D(2025, 3, 1),
            override_reason="许可证正在补办",
        )
    assert str(caught.value) == "Only an administrator may override a stage gate."
    assert testing.stored(preparing) == before
    assert history(preparing) == []
    assert ChangeLogEntry.objects.count() == log_count


def test_a_non_administrator_cannot_move_back_with_a_reason(building, staff) -> None:
    with pytest.raises(PermissionDenied):
        services.change_stage(
            project=building, stage=Stage.PREPARATION, actor=staff, entered_on=D(2025, 4, 1), override_reason="退回"
        )
    assert Project.objects.get(pk=building.pk).stage == Stage.CONSTRUCTION
    assert len(history(building)) == 1


def test_an_administrator_overrides_the_permit_gate_with_a_reason_kept_in_history_and_log(preparing, admin) -> None:
    reason = "应急抢险工程，先行开工，许可证后补"
    services.change_stage(
        project=preparing, stage=Stage.CONSTRUCTION, actor=admin, entered_on=D(2025, 3, 1), override_reason=reason
    )
    assert Project.objects.get(pk=preparing.pk).stage == Stage.CONSTRUCTION
    assert history(preparing) == [(Stage.PREPARATION, Stage.CONSTRUCTION, D(2025, 3, 1), reason)]
    entry = ChangeLogEntry.objects.order_by("-id").first()
    assert entry.actor == admin
    assert entry.after["override_reason"] == reason
    assert entry.after["stage"] == Stage.CONSTRUCTION


def test_an_administrator_moves_a_project_back_with_a_reason(building, admin) -> None:
    services.change_stage(
        project=building, stage=Stage.PREPARATION, actor=admin, entered_on=D(2025, 4, 1), override_reason="许可证被撤销"
    )
    assert Project.objects.get(pk=building.pk).stage == Stage.PREPARATION
    assert history(building)[-1] == (Stage.CONSTRUCTION, Stage.PREPARATION, D(2025, 4, 1), "许可证被撤销")


def test_a_reason_given_where_no_gate_is_overridden_is_not_recorded(preparing, admin) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, D(2025, 2, 20))
    services.change_stage(
        project=preparing, stage=Stage.CONSTRUCTION, actor=admin, entered_on=D(2025, 3, 1), override_reason="无需"
    )
    assert history(preparing) == [(Stage.PREPARATION, Stage.CONSTRUCTION, D(2025, 3, 1), "")]


def test_a_stage_cannot_start_before_the_current_stage_was_entered(preparing, staff) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 12, 20))
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=preparing, stage=Stage.CONSTRUCTION, actor=staff, entered_on=D(2025, 1, 9))
    assert caught.value.message_dict["entered_on"] == [
        "The project entered its current stage on 2025-01-10; the new stage cannot start earlier."
    ]
    assert Project.objects.get(pk=preparing.pk).stage == Stage.PREPARATION
    assert history(preparing) == []


def test_a_stage_cannot_be_entered_in_the_future(preparing, admin) -> None:
    record_approval(preparing, ApprovalRole.CONSTRUCTION_PERMIT, D(2025, 2, 20))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.change_stage(
            project=preparing, stage=Stage.CONSTRUCTION, actor=admin, entered_on=tomorrow, override_reason="提前"
        )
    assert caught.value.message_dict["entered_on"] == ["The date a stage was entered cannot be in the future."]
    assert Project.objects.get(pk=preparing.pk).stage == Stage.PREPARATION


def test_changing_to_the_current_stage_is_refused(building, staff) -> None:
    with pytest.raises(ValidationError) as caught:
        services.change_stage(project=building, stage=Stage.CONSTRUCTION, actor=staff, entered_on=D(2025, 4, 1))
    assert stage_errors(caught) == ["The project is already in this stage."]


def form_data(**fields) -> dict:
    data = {"name": "光明区第二十中学新建工程", "category": Category.SCHOOL, "delivery_method": "epc"}
    data.update(fields)
    return data


def test_the_project_form_refuses_a_new_project_under_construction_without_a_permit_date(staff) -> None:
    form = ProjectForm(data=form_data(stage=Stage.CONSTRUCTION, stage_entered_on="2025-03-01"), user=staff)
    assert not form.is_valid()
    assert form.errors["stage"] == [PERMIT_GATE]
    assert Project.objects.count() == 0


def test_the_project_form_records_the_permit_date_as_an_approval_and_starts_the_history(staff, agency) -> None:
    form = ProjectForm(
        data=form_data(stage=Stage.CONSTRUCTION, stage_entered_on="2025-03-01", permit_date="2025-02-20"), user=staff
    )
    assert form.is_valid(), form.errors
    project = save_form(form, staff)
    assert project is not None, form.errors
    assert (project.agency, project.stage) == (agency, Stage.CONSTRUCTION)
    assert services.construction_permit_date(project) == D(2025, 2, 20)
    assert Approval.objects.get(project=project).kind.name == "施工许可证"
    assert history(project) == [("", Stage.CONSTRUCTION, D(2025, 3, 1), "")]


def test_the_project_form_needs_a_completion_date_for_a_completed_project(staff) -> None:
    form = ProjectForm(data=form_data(stage=Stage.COMPLETED, permit_date="2024-02-20"), user=staff)
    assert not form.is_valid()
    assert form.errors["stage"] == [completion_gate("Completed")]

    form = ProjectForm(
        data=form_data(
            stage=Stage.COMPLETED, permit_date="2024-02-20", start_date="2024-03-01", completion_date="2025-06-30"
        ),
        user=staff,
    )
    assert form.is_valid(), form.errors
    project = save_form(form, staff)
    project.refresh_from_db()
    assert (project.started_on, project.completed_on) == (D(2024, 3, 1), D(2025, 6, 30))


def test_the_project_form_cannot_move_an_existing_project_back(building, staff) -> None:
    form = ProjectForm(data=form_data(stage=Stage.PREPARATION, code=building.code), instance=building, user=staff)
    assert not form.is_valid()
    assert form.errors["stage"] == [BACK_GATE]


# ---- approval lead time -------------------------------------------------------------------------


def statutory_working_days(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to `end`, straight from chinese_calendar (weekdays where it knows no year)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        try:
            count += chinese_calendar.is_workday(day)
        except NotImplementedError:
            count += day.weekday() < 5
    return count


@pytest.fixture
def over_spring_festival(agency):
    """立项 on Monday 2026-02-02, permit on Friday 2026-03-06: across the 2026 Spring Festival."""
    project = ProjectFactory(agency=agency)
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2026, 2, 2))
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2026, 3, 6))
    return project


def test_lead_time_over_the_spring_festival_counts_holidays_out_and_make_up_saturdays_in(over_spring_festival) -> None:
    lead = services.lead_time(over_spring_festival)
    assert (lead.start, lead.end) == (D(2026, 2, 2), D(2026, 3, 6))
    assert lead.calendar_days == 32
    # By hand: 2-3…2-6 (4), 2-9…2-13 (5), Sat 2-14 made up (1), holiday 2-15…2-23, 2-24…2-27 (4),
    # Sat 2-28 made up (1), 3-2…3-6 (5) = 20; Monday to Friday alone would give 24.
    assert lead.working_days == 20
    assert lead.working_days == len(chinese_calendar.get_workdays(D(2026, 2, 3), D(2026, 3, 6)))
    assert lead.working_days == statutory_working_days(D(2026, 2, 2), D(2026, 3, 6))


def test_lead_time_defaults_to_a_90_calendar_day_target(over_spring_festival) -> None:
    lead = services.lead_time(over_spring_festival)
    assert (lead.target, lead.basis, lead.days, lead.over_target) == (90, LeadTimeBasis.CALENDAR, 32, False)


def test_lead_time_over_target_on_calendar_days_but_within_it_on_working_days(over_spring_festival, agency) -> None:
    settings = ProjectSettings.objects.create(agency=agency, lead_time_target=25, lead_time_basis="calendar")
    lead = services.lead_time(over_spring_festival)
    assert (lead.days, lead.target, lead.over_target) == (32, 25, True)

    settings.lead_time_basis = LeadTimeBasis.WORKING
    settings.save()
    lead = services.lead_time(over_spring_festival)
    assert (lead.days, lead.target, lead.over_target) == (20, 25, False)

    settings.lead_time_target = 19
    settings.save()
    assert services.lead_time(over_spring_festival).over_target is True
    settings.lead_time_target = 20
    settings.save()
    assert services.lead_time(over_spring_festival).over_target is False


def test_lead_time_of_a_permit_not_yet_issued_runs_to_today(agency) -> None:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=100)
    project = ProjectFactory(agency=agency)
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, start)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=today)
    lead = services.lead_time(project)
    assert (lead.start, lead.end) == (start, None)
    assert lead.calendar_days == 100
    assert lead.working_days == statutory_working_days(start, today)
    assert lead.over_target is True


def test_lead_time_is_unknown_without_a_project_approval(agency) -> None:
    project = ProjectFactory(agency=agency)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2025, 5, 1))
    lead = services.lead_time(project)
    assert (lead.calendar_days, lead.working_days, lead.days, lead.over_target) == (None, None, None, False)


# ---- annual task lists --------------------------------------------------------------------------


@pytest.fixture
def tasks_2024(agency):
    return TaskListFactory(agency=agency, year=2024)


def project_with(agency, start: datetime.date | None = None, completion: datetime.date | None = None) -> Project:
    if start is None:
        return ProjectFactory(agency=agency)
    return started_project(start, completion, agency=agency)


@pytest.mark.parametrize(
    ("kind", "planned", "start", "completion", "today", "status"),
    [
        # start: the start milestone against the planned date, within the year
        (TaskKind.START, D(2024, 3, 31), D(2024, 3, 20), None, D(2024, 6, 1), TaskStatus.DONE),
        (TaskKind.START, D(2024, 3, 31), D(2024, 3, 31), None, D(2024, 6, 1), TaskStatus.DONE),
        (TaskKind.START, D(2024, 3, 31), D(2024, 5, 10), None, D(2024, 6, 1), TaskStatus.DONE_LATE),
        (TaskKind.START, D(2024, 3, 31), None, None, D(2024, 3, 31), TaskStatus.PENDING),
        (TaskKind.START, D(2024, 3, 31), None, None, D(2024, 4, 1), TaskStatus.BEHIND),
        (TaskKind.START, D(2024, 3, 31), None, None, D(2024, 12, 31), TaskStatus.BEHIND),
        (TaskKind.START, D(2024, 3, 31), None, None, D(2025, 1, 1), TaskStatus.MISSED),
        (TaskKind.START, D(2024, 3, 31), D(2025, 2, 1), None, D(2025, 3, 1), TaskStatus.MISSED),
        (TaskKind.START, None, D(2024, 12, 31), None, D(2025, 3, 1), TaskStatus.DONE),
        (TaskKind.START, None, None, None, D(2024, 12, 31), TaskStatus.PENDING),
        # complete: the completion acceptance milestone
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), D(2024, 8, 1), D(2024, 9, 1), TaskStatus.DONE),
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), D(2024, 11, 1), D(2024, 12, 1), TaskStatus.DONE_LATE),
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), None, D(2024, 9, 1), TaskStatus.BEHIND),
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), None, D(2024, 8, 31), TaskStatus.PENDING),
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), None, D(2025, 1, 2), TaskStatus.MISSED),
        (TaskKind.COMPLETE, D(2024, 8, 31), D(2023, 1, 5), D(2025, 1, 1), D(2025, 1, 2), TaskStatus.MISSED),
        # advance: started (at any time) by the end of the year
        (TaskKind.ADVANCE, None, D(2022, 6, 1), None, D(2024, 6, 1), TaskStatus.DONE),
        (TaskKind.ADVANCE, None, D(2024, 12, 31), None, D(2025, 1, 5), TaskStatus.DONE),
        (TaskKind.ADVANCE, None, None, None, D(2024, 6, 1), TaskStatus.PENDING),
        (TaskKind.ADVANCE, None, None, None, D(2025, 1, 5), TaskStatus.MISSED),
        (TaskKind.ADVANCE, None, D(2025, 1, 1), None, D(2025, 1, 5), TaskStatus.MISSED),
    ],
)
def test_task_status_is_derived_from_the_milestones(
    tasks_2024, agency, kind, planned, start, completion, today, status
) -> None:
    item = TaskItemFactory(
        task_list=tasks_2024, project=project_with(agency, start, completion), kind=kind, planned_date=planned
    )
    assert services.task_status(item, today) == status


def test_task_status_follows_a_milestone_recorded_later(tasks_2024, agency) -> None:
    project = ProjectFactory(agency=agency)
    item = TaskItemFactory(task_list=tasks_2024, project=project, kind=TaskKind.START, planned_date=D(2024, 3, 31))
    assert services.task_status(item, D(2024, 5, 1)) == TaskStatus.BEHIND
    Milestone.objects.create(project=project, kind=MilestoneKind.START, actual_date=D(2024, 4, 15))
    item = TaskItem.objects.get(pk=item.pk)
    assert services.task_actual_date(item) == D(2024, 4, 15)
    assert services.task_status(item, D(2024, 5, 1)) == TaskStatus.DONE_LATE


@pytest.fixture
def task_list_with_results(tasks_2024, agency):
    def item(kind, planned, start=None, completion=None, name=""):
        project = project_with(agency, start, completion)
        if name:
            Project.objects.filter(pk=project.pk).update(name=name)
        return TaskItemFactory(task_list=tasks_2024, project=project, kind=kind, planned_date=planned)

    return {
        "on_time": item(TaskKind.START, D(2024, 3, 31), D(2024, 3, 1)),
        "late": item(TaskKind.START, D(2024, 3, 31), D(2024, 5, 1)),
        "not_started": item(TaskKind.START, D(2024, 6, 30)),
        "advancing": item(TaskKind.ADVANCE, None, D(2023, 5, 1)),
        "not_advancing": item(TaskKind.ADVANCE, None),
        "completed": item(TaskKind.COMPLETE, D(2024, 8, 31), D(2022, 5, 1), D(2024, 6, 30)),
        "not_completed": item(TaskKind.COMPLETE, D(2024, 12, 31), D(2022, 6, 1)),
    }


def test_task_list_results_count_plan_against_actual_per_list(tasks_2024, task_list_with_results) -> None:
    groups = services.task_list_results(tasks_2024, today=D(2024, 9, 1))
    assert [g.kind for g in groups] == [TaskKind.START, TaskKind.ADVANCE, TaskKind.COMPLETE]
    assert [(g.planned, g.achieved, g.behind, g.rate) for g in groups] == [
        (3, 2, 1, Decimal("66.7")),
        (2, 1, 0, Decimal("50.0")),
        (2, 1, 0, Decimal("50.0")),
    ]
    items = task_list_with_results
    start, advance, complete = groups
    assert [(r.item, r.actual, r.status) for r in start.rows] == [
        (items["on_time"], D(2024, 3, 1), TaskStatus.DONE),
        (items["late"], D(2024, 5, 1), TaskStatus.DONE_LATE),
        (items["not_started"], None, TaskStatus.BEHIND),
    ]
    assert {(r.item, r.status) for r in advance.rows} == {
        (items["advancing"], TaskStatus.DONE),
        (items["not_advancing"], TaskStatus.PENDING),
    }
    assert {(r.item, r.actual, r.status) for r in complete.rows} == {
        (items["completed"], D(2024, 6, 30), TaskStatus.DONE),
        (items["not_completed"], None, TaskStatus.PENDING),
    }


def test_after_the_year_what_was_not_achieved_is_missed(tasks_2024, task_list_with_results) -> None:
    groups = services.task_list_results(tasks_2024, today=D(2025, 1, 15))
    assert [(g.planned, g.achieved, g.behind) for g in groups] == [(3, 2, 1), (2, 1, 1), (2, 1, 1)]
    statuses = {r.item.pk: r.status for g in groups for r in g.rows}
    assert statuses[task_list_with_results["not_started"].pk] == TaskStatus.MISSED
    assert statuses[task_list_with_results["not_advancing"].pk] == TaskStatus.MISSED
    assert statuses[task_list_with_results["not_completed"].pk] == TaskStatus.MISSED


def test_an_empty_task_list_has_no_rate(tasks_2024) -> None:
    groups = services.task_list_results(tasks_2024, today=D(2024, 9, 1))
    assert [(g.planned, g.achieved, g.rate) for g in groups] == [(0, 0, None)] * 3


def test_a_task_list_refuses_another_agencys_project_and_saves_nothing(tasks_2024, staff) -> None:
    elsewhere = ProjectFactory(agency=testing.AgencyFactory(name="广州市建筑工务署"))
    item = TaskItem(task_list=tasks_2024, project=elsewhere, kind=TaskKind.START, planned_date=D(2024, 5, 1))
    with pytest.raises(ValidationError) as caught:
        core_services.create_object(instance=item, actor=staff)
    assert caught.value.message_dict["project"] == ["The project belongs to another agency."]
    assert TaskItem.objects.count() == 0


def test_a_task_planned_outside_the_lists_year_is_refused(tasks_2024, agency, staff) -> None:
    item = TaskItem(
        task_list=tasks_2024, project=ProjectFactory(agency=agency), kind=TaskKind.COMPLETE, planned_date=D(2025, 1, 10)
    )
    with pytest.raises(ValidationError) as caught:
        core_services.create_object(instance=item, actor=staff)
    assert caught.value.message_dict["planned_date"] == ["The planned date must fall in 2024."]
    assert TaskItem.objects.count() == 0


# ---- the portfolio summary ----------------------------------------------------------------------


@pytest.fixture
def portfolio(agency):
    """Ten top-level projects and two sub-projects, shaped to give hand-countable 2023 figures."""

    def make(name, category, start=None, completion=None, **fields):
        if start is None:
            return ProjectFactory(agency=agency, name=name, category=category, **fields)
        return started_project(start, completion, agency=agency, name=name, category=category, **fields)

    road_done = make("滨海大道", Category.ROAD, D(2023, 3, 1), D(2023, 12, 31), road_length_km=Decimal("5.5"))
    make(
        "科苑路",
        Category.ROAD,
        D(2023, 5, 1),
        road_length_km=Decimal("2"),
    )
    school_1 = make("第一中学", Category.SCHOOL, D(2022, 2, 1), D(2023, 8, 1), school_places=10000)
    school_2 = make("第二中学", Category.SCHOOL, D(2022, 3, 1), D(2023, 9, 1), school_places=8600)
    make("第三中学", Category.SCHOOL, D(2021, 3, 1), D(2022, 8, 1), school_places=13980)
    make("第四中学", Category.SCHOOL, D(2022, 5, 1), D(2024, 1, 1), school_places=999)
    hospital = make("人民医院", Category.HOSPITAL, D(2021, 6, 1), hospital_beds=1200)
    Milestone.objects.create(project=hospital, kind=MilestoneKind.TOPPING_OUT, actual_date=D(2023, 7, 1))
    make(
        "政务中心",
        Category.OFFICE,
        D(2023, 1, 1),
        uses_bim=True,
        approved_investment=Decimal("300000000"),
    )
    make("跨江大桥", Category.BRIDGE, D(2022, 12, 31), approved_investment=Decimal("100000000"))
    water = make(
        "水质净化厂",
        Category.WATER,
        uses_bim=True,
        approved_investment=Decimal("200000000"),
    )
    Milestone.objects.create(project=water, kind=MilestoneKind.START, planned_date=D(2024, 3, 1))
    # Two sub-projects of the water works: never counted as projects of their own.
    sub = make("水质净化厂一期", Category.SCHOOL, D(2023, 4, 1), D(2023, 10, 1), parent=water, school_places=500)
    make("水质净化厂二期", Category.WATER, parent=water, uses_bim=True)
    AwardFactory(project=road_done, level=AwardLevel.NATIONAL, year=2023)
    AwardFactory(project=school_1, level=AwardLevel.CITY, year=2023)
    AwardFactory(project=school_2, level=AwardLevel.CITY, year=2023)
    AwardFactory(project=school_1, level=AwardLevel.PROVINCIAL, year=2022)
    AwardFactory(project=sub, level=AwardLevel.DISTRICT, year=2023)
    return Project.objects.filter(agency=agency)


@pytest.fixture
def summary(portfolio):
    return figures.portfolio_summary(portfolio, Period.year(2023), today=D(2024, 6, 1))


def groups(figure: dict) -> dict[str, int]:
    return figure["groups"]


def test_summary_counts_projects_started_in_the_year_by_group(summary) -> None:
    assert summary["started"]["total"] == 3
    assert groups(summary["started"]) == {
        "road": 2,
        "school": 0,
        "hospital": 0,
        "other_building": 1,
        "building": 1,
        "municipal": 2,
    }
    assert summary["started_previous"] == 4


def test_summary_counts_projects_completed_in_the_year_by_group(summary) -> None:
    assert summary["completed"]["total"] == 3
    assert groups(summary["completed"]) == {
        "road": 1,
        "school": 2,
        "hospital": 0,
        "other_building": 0,
        "building": 2,
        "municipal": 1,
    }
    assert summary["completed"]["categories"] == {Category.ROAD: 1, Category.SCHOOL: 2}
    assert summary["completed_previous"] == 1


def test_summary_counts_projects_advancing_through_the_year(summary) -> None:
    # started before 2023 and not completed by its end: 第四中学 (completed 2024-01-01), 人民医院, 跨江大桥
    assert summary["advancing"]["total"] == 3
    assert summary["advancing"]["categories"] == {Category.SCHOOL: 1, Category.HOSPITAL: 1, Category.BRIDGE: 1}
    assert groups(summary["advancing"])["building"] == 2
    assert groups(summary["advancing"])["municipal"] == 1


def test_summary_outcomes_with_year_on_year_change(summary) -> None:
    outcomes = {o["field"]: (o["value"], o["previous"], o["change"]) for o in summary["outcomes"]}
    assert outcomes["school_places"] == (18600, 13980, Decimal("33.0"))
    assert outcomes["road_length_km"] == (Decimal("5.5"), 0, None)
    assert outcomes["hospital_beds"] == (0, 0, None)


def test_year_on_year_change_is_rounded_to_one_decimal() -> None:
    assert change_percent(18600, 13980) == Decimal("33.0")
    assert change_percent(90, 120) == Decimal("-25.0")
    assert change_percent(5, 0) is None
    assert change_percent(None, 10) is None


def test_summary_excludes_sub_projects_from_stages_and_groups(summary) -> None:
    assert {s: n for s, _label, n in summary["by_stage"]} == {
        Stage.RESERVE: 0,
        Stage.PREPARATION: 1,
        Stage.CONSTRUCTION: 4,
        Stage.COMPLETED: 5,
        Stage.SETTLEMENT: 0,
        Stage.FINAL_ACCOUNTS: 0,
        Stage.HANDOVER: 0,
        Stage.WARRANTY: 0,
    }
    assert {g: n for g, _label, n in summary["by_group"]} == {
        "building": 6,
        "municipal": 3,
        "water": 1,
        "landscape": 0,
        "other": 0,
    }


def test_summary_flag_counts_and_investment_count_each_top_level_project_once(summary) -> None:
    flags = summary["flags"]
    assert summary["total"] == 10
    assert (flags["total"], flags["sub_projects"], flags["bim"], flags["overdue"]) == (10, 2, 2, 1)
    assert summary["investment"] == Decimal("600000000")


def test_summary_awards_by_level_in_the_year(summary) -> None:
    # awards and milestones count every project's, sub-projects' included (the lists behind them are not
    # restricted to top-level projects)
    assert [(lvl, n) for lvl, _label, n in summary["awards"]] == [
        (AwardLevel.NATIONAL, 1),
        (AwardLevel.PROVINCIAL, 0),
        (AwardLevel.CITY, 2),
        (AwardLevel.DISTRICT, 1),
    ]
    assert summary["awards_total"] == 4


def test_summary_milestones_reached_in_the_year(summary) -> None:
    assert {k: n for k, _label, n in summary["milestones"]} == {
        MilestoneKind.START: 4,
        MilestoneKind.TOPPING_OUT: 1,
        MilestoneKind.COMPLETION_ACCEPTANCE: 4,
        MilestoneKind.DELIVERY: 0,
        MilestoneKind.CUSTOM: 0,
    }
    assert summary["topped_out_hospitals"] == 1


def test_summary_counts_a_project_overdue_when_a_planned_milestone_has_passed(portfolio) -> None:
    period = Period.year(2023)
    assert figures.portfolio_summary(portfolio, period, today=D(2024, 3, 1))["flags"]["overdue"] == 0
    assert figures.portfolio_summary(portfolio, period, today=D(2024, 3, 2))["flags"]["overdue"] == 1


def test_a_project_is_overdue_while_an_approval_planned_before_today_is_not_obtained(agency) -> None:
    project = ProjectFactory(agency=agency)
    permit = record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, None, planned_date=D(2024, 3, 1))
    projects = Project.objects.filter(agency=agency)
    period = Period.year(2024)
    assert figures.portfolio_summary(projects, period, today=D(2024, 3, 1))["flags"]["overdue"] == 0
    assert figures.portfolio_summary(projects, period, today=D(2024, 3, 2))["flags"]["overdue"] == 1
    assert list(projects.filter(figures.overdue_projects_q(D(2024, 3, 2)))) == [project]
    Approval.objects.filter(pk=permit.pk).update(actual_date=D(2024, 3, 5))
    assert figures.portfolio_summary(projects, period, today=D(2024, 6, 1))["flags"]["overdue"] == 0


def test_period_edges_a_completion_on_december_31_counts_and_one_on_january_1_does_not(agency) -> None:
    last_day = started_project(D(2023, 2, 1), D(2023, 12, 31), agency=agency, school_places=100)
    next_day = started_project(D(2023, 2, 1), D(2024, 1, 1), agency=agency, school_places=7)
    projects = Project.objects.filter(agency=agency)
    summary_2023 = figures.portfolio_summary(projects, Period.year(2023), today=D(2024, 6, 1))
    assert summary_2023["completed"]["total"] == 1
    assert summary_2023["outcomes"][0] == {"field": "school_places", "value": 100, "previous": 0, "change": None}
    assert list(projects.filter(figures.completed_q(Period.year(2023)))) == [last_day]
    summary_2024 = figures.portfolio_summary(projects, Period.year(2024), today=D(2024, 6, 1))
    assert summary_2024["completed"]["total"] == 1
    assert summary_2024["advancing"]["total"] == 0  # completed within 2024, so not carried through it
    assert list(projects.filter(figures.completed_q(Period.year(2024)))) == [next_day]
    assert summary_2024["outcomes"][0]["change"] == Decimal("-93.0")


def test_summary_only_counts_the_projects_it_is_given(portfolio, agency) -> None:
    started_project(D(2023, 6, 1), D(2023, 11, 1), agency=testing.AgencyFactory(), school_places=5000)
    summary = figures.portfolio_summary(Project.objects.filter(agency=agency), Period.year(2023), today=D(2024, 6, 1))
    assert summary["completed"]["total"] == 3
    assert summary["outcomes"][0]["value"] == 18600


def test_previous_year_of_a_period_ending_on_february_29() -> None:
    period = Period(D(2024, 1, 1), D(2024, 2, 29))
    assert period.previous_year() == Period(D(2023, 1, 1), D(2023, 2, 28))
