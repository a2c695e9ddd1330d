"""Bad input on projects and what hangs on them: a clear message on the right field, and nothing saved or logged.

Every write goes through `gongwu.core.services` (create_object / update_object / delete_object), the path
that pages, the API and imports share.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from gongwu.core import services, testing
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.projects.models import (
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    ProjectSettings,
)
from gongwu.projects.testing import ProjectFactory, approval_kind, record_approval

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="深圳市建筑工务署", short_name="深工务")


@pytest.fixture
def other_agency(db):
    return testing.AgencyFactory(name="广州市建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def leader(agency):
    return testing.UserFactory(organization=agency, role=Role.LEADER)


@pytest.fixture
def project(agency):
    return ProjectFactory(agency=agency, name="前海学校")


def refused(instance, actor, *, update: bool = False) -> dict[str, list[str]]:
    """Save through the services, expect a refusal; return its messages and check nothing was logged."""
    log_count = ChangeLogEntry.objects.count()
    saver = services.update_object if update else services.create_object
    with pytest.raises(ValidationError) as caught:
        saver(instance=instance, actor=actor)
    assert ChangeLogEntry.objects.count() == log_count
    return caught.value.message_dict


def new_project(agency, **fields) -> Project:
    values = {"agency": agency, "name": "新建项目", "category": Category.SCHOOL}
    values.update(fields)
    return Project(**values)


# ---- projects -----------------------------------------------------------------------------------


def test_a_sub_project_under_another_agencys_project_is_refused(agency, other_agency, staff) -> None:
    parent = ProjectFactory(agency=other_agency)
    count = Project.objects.count()
    errors = refused(new_project(agency, parent=parent), staff)
    assert errors == {"parent": ["The parent project belongs to another agency."]}
    assert Project.objects.count() == count


def test_a_sub_project_of_a_sub_project_is_refused(agency, staff, project) -> None:
    child = ProjectFactory(agency=agency, parent=project)
    count = Project.objects.count()
    errors = refused(new_project(agency, parent=child), staff)
    assert errors == {"parent": ["A sub-project cannot have sub-projects of its own."]}
    assert Project.objects.count() == count


def test_a_project_with_sub_projects_cannot_become_a_sub_project(agency, staff, project) -> None:
    ProjectFactory(agency=agency, parent=project)
    other = ProjectFactory(agency=agency)
    changed = Project.objects.get(pk=project.pk)
    changed.parent = other
    errors = refused(changed, staff, update=True)
    assert errors == {"parent": ["This project has sub-projects, so it cannot become a sub-project."]}
    assert Project.objects.get(pk=project.pk).parent_id is None


def test_a_project_cannot_be_its_own_parent(staff, project) -> None:
    changed = Project.objects.get(pk=project.pk)
    changed.parent = changed
    assert refused(changed, staff, update=True) == {"parent": ["A project cannot be its own parent."]}


def test_a_department_of_another_agency_is_refused(agency, other_agency, staff) -> None:
    department = testing.DepartmentFactory(parent=other_agency)
    count = Project.objects.count()
    errors = refused(new_project(agency, department=department), staff)
    assert errors == {"department": ["The department must belong to the owner agency."]}
    assert Project.objects.count() == count


def test_a_department_of_the_owner_agency_is_accepted(agency, staff) -> None:
    department = testing.DepartmentFactory(parent=agency)
    saved = services.create_object(instance=new_project(agency, department=department), actor=staff)
    assert Project.objects.get(pk=saved.pk).department == department


def test_where_a_project_was_received_from_needs_the_day_it_was_received(agency, staff) -> None:
    errors = refused(new_project(agency, received_source="agency", received_from="东城区建筑工务署"), staff)
    assert errors == {"received_on": ["Give the day the project was received."]}


def test_a_project_cannot_be_received_in_the_future(agency, staff) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = refused(new_project(agency, received_on=tomorrow), staff)
    assert errors == {"received_on": ["The date cannot be in the future."]}


def test_latitude_without_longitude_is_refused(agency, staff) -> None:
    errors = refused(new_project(agency, latitude=Decimal("22.543")), staff)
    assert errors == {"longitude": ["Give both latitude and longitude, or neither."]}


# ---- project codes ------------------------------------------------------------------------------


def test_the_code_follows_the_agencys_pattern_and_runs_on(agency, staff) -> None:
    ProjectSettings.objects.create(agency=agency, code_pattern="{agency}-{year}-{seq:03d}", agency_code="SZGW")
    first = services.create_object(instance=new_project(agency, received_on=datetime.date(2024, 5, 6)), actor=staff)
    second = services.create_object(instance=new_project(agency, received_on=datetime.date(2024, 5, 6)), actor=staff)
    next_year = services.create_object(instance=new_project(agency, received_on=datetime.date(2025, 1, 2)), actor=staff)
    assert [first.code, second.code, next_year.code] == ["SZGW-2024-001", "SZGW-2024-002", "SZGW-2025-001"]
    assert set(Project.objects.values_list("code", flat=True)) == {"SZGW-2024-001", "SZGW-2024-002", "SZGW-2025-001"}


def test_without_an_agency_code_the_short_name_stands_in(agency, staff) -> None:
    ProjectSettings.objects.create(agency=agency, code_pattern="{agency}{year}{category}{seq:02d}")
    saved = services.create_object(instance=new_project(agency, received_on=datetime.date(2024, 5, 6)), actor=staff)
    assert saved.code == "深工务2024school01"


def test_without_an_intake_date_the_code_takes_the_current_year(agency, staff) -> None:
    saved = services.create_object(instance=new_project(agency), actor=staff)
    assert saved.code == f"{timezone.localdate().year}-0001"


def test_a_code_typed_in_is_kept(agency, staff) -> None:
    saved = services.create_object(instance=new_project(agency, code="SZ-特-01"), actor=staff)
    assert Project.objects.get(pk=saved.pk).code == "SZ-特-01"


def test_generation_skips_a_code_already_taken(agency, staff) -> None:
    ProjectSettings.objects.create(agency=agency, code_pattern="{agency}-{year}-{seq:03d}", agency_code="SZGW")
    ProjectFactory(agency=agency, code="SZGW-2024-001")
    ProjectFactory(agency=agency, code="SZGW-2024-003")
    first = services.create_object(instance=new_project(agency, received_on=datetime.date(2024, 5, 6)), actor=staff)
    second = services.create_object(instance=new_project(agency, received_on=datetime.date(2024, 5, 6)), actor=staff)
    # the running number starts after the count of codes taken and steps over any in use
    assert [first.code, second.code] == ["SZGW-2024-004", "SZGW-2024-005"]


def test_the_same_code_is_fine_in_another_agency_but_refused_in_the_same(agency, other_agency, staff) -> None:
    ProjectFactory(agency=agency, code="2024-0001")
    elsewhere = testing.UserFactory(organization=other_agency, role=Role.STAFF)
    saved = services.create_object(instance=new_project(other_agency, code="2024-0001"), actor=elsewhere)
    assert saved.code == "2024-0001"
    count = Project.objects.count()
    errors = refused(new_project(agency, code="2024-0001"), staff)
    assert errors == {"__all__": ["Project with this Owner agency and Project code already exists."]}
    assert Project.objects.count() == count


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{year}-{category}", "The pattern must contain {seq}, the running number."),
        ("SZ-0001", "The pattern must contain {seq}, the running number."),
        ("{year}-{district}-{seq}", "Unknown placeholders: district. Use {year}, {seq}, {category} and {agency}."),
        ("{seq:q}", "The pattern cannot be used: Unknown format code 'q' for object of type 'int'"),
    ],
)
def test_an_unusable_code_pattern_is_refused(agency, leader, pattern, message) -> None:
    errors = refused(ProjectSettings(agency=agency, code_pattern=pattern), leader)
    assert errors == {"code_pattern": [message]}
    assert ProjectSettings.objects.count() == 0


# ---- milestones and derived key dates -----------------------------------------------------------


def milestone(project, kind, actual=None, **fields) -> Milestone:
    return Milestone(project=project, kind=kind, actual_date=actual, **fields)


def test_completion_before_the_start_is_refused(staff, project) -> None:
    services.create_object(instance=milestone(project, MilestoneKind.START, D(2024, 5, 1)), actor=staff)
    errors = refused(milestone(project, MilestoneKind.COMPLETION_ACCEPTANCE, D(2024, 4, 1)), staff)
    assert errors == {"actual_date": ["Completion acceptance cannot come before Construction start (2024-05-01)."]}
    assert Milestone.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).completed_on is None


def test_a_start_after_the_recorded_completion_is_refused(staff, project) -> None:
    services.create_object(instance=milestone(project, MilestoneKind.COMPLETION_ACCEPTANCE, D(2024, 4, 1)), actor=staff)
    errors = refused(milestone(project, MilestoneKind.START, D(2024, 5, 1)), staff)
    assert errors == {"actual_date": ["Construction start cannot come after Completion acceptance (2024-04-01)."]}
    assert Project.objects.get(pk=project.pk).started_on is None


def test_moving_the_start_past_the_completion_is_refused(staff, project) -> None:
    start = services.create_object(instance=milestone(project, MilestoneKind.START, D(2024, 1, 10)), actor=staff)
    services.create_object(instance=milestone(project, MilestoneKind.COMPLETION_ACCEPTANCE, D(2024, 4, 1)), actor=staff)
    start.actual_date = D(2024, 4, 2)
    assert refused(start, staff, update=True) == {
        "actual_date": ["Construction start cannot come after Completion acceptance (2024-04-01)."]
    }
    assert Milestone.objects.get(pk=start.pk).actual_date == D(2024, 1, 10)
    assert Project.objects.get(pk=project.pk).started_on == D(2024, 1, 10)


def test_a_milestone_reached_in_the_future_is_refused(staff, project) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = refused(milestone(project, MilestoneKind.START, tomorrow), staff)
    assert errors == {"actual_date": ["The actual date cannot be in the future."]}
    assert Milestone.objects.count() == 0


def test_a_second_start_milestone_is_refused(staff, project) -> None:
    services.create_object(instance=milestone(project, MilestoneKind.START, D(2024, 5, 1)), actor=staff)
    errors = refused(milestone(project, MilestoneKind.START, D(2024, 6, 1)), staff)
    assert list(errors) == ["__all__"]
    assert Project.objects.get(pk=project.pk).started_on == D(2024, 5, 1)


def test_a_custom_milestone_needs_a_name(staff, project) -> None:
    assert refused(milestone(project, MilestoneKind.CUSTOM, D(2024, 6, 1)), staff) == {"name": ["Name the milestone."]}


def test_start_and_completion_dates_follow_the_milestones_as_they_are_added_changed_and_deleted(staff, project) -> None:
    def key_dates():
        stored = Project.objects.get(pk=project.pk)
        return stored.started_on, stored.completed_on

    start = services.create_object(instance=milestone(project, MilestoneKind.START, D(2024, 3, 1)), actor=staff)
    assert key_dates() == (D(2024, 3, 1), None)
    completion = services.create_object(
        instance=milestone(project, MilestoneKind.COMPLETION_ACCEPTANCE, D(2025, 6, 30)), actor=staff
    )
    assert key_dates() == (D(2024, 3, 1), D(2025, 6, 30))

    start.actual_date = D(2024, 2, 15)
    services.update_object(instance=start, actor=staff)
    assert key_dates() == (D(2024, 2, 15), D(2025, 6, 30))

    completion.actual_date = None
    completion.planned_date = D(2025, 12, 31)
    services.update_object(instance=completion, actor=staff)
    assert key_dates() == (D(2024, 2, 15), None)

    services.delete_object(instance=start, actor=staff)
    assert key_dates() == (None, None)


def test_a_custom_or_topping_out_milestone_does_not_set_key_dates(staff, project) -> None:
    services.create_object(instance=milestone(project, MilestoneKind.TOPPING_OUT, D(2024, 9, 1)), actor=staff)
    services.create_object(
        instance=milestone(project, MilestoneKind.CUSTOM, D(2024, 10, 1), name="桩基完成"), actor=staff
    )
    stored = Project.objects.get(pk=project.pk)
    assert (stored.started_on, stored.completed_on) == (None, None)


# ---- progress reports ---------------------------------------------------------------------------


def report(project, month, percent) -> ProgressReport:
    return ProgressReport(project=project, month=month, percent=Decimal(percent))


def test_progress_follows_the_latest_month_as_reports_are_added_changed_and_deleted(staff, project) -> None:
    def progress():
        return Project.objects.get(pk=project.pk).progress

    march = services.create_object(instance=report(project, D(2025, 3, 31), "20"), actor=staff)
    assert march.month == D(2025, 3, 1)
    assert progress() == Decimal("20")
    april = services.create_object(instance=report(project, D(2025, 4, 15), "35.5"), actor=staff)
    assert progress() == Decimal("35.5")
    april.percent = Decimal("40")
    services.update_object(instance=april, actor=staff)
    assert progress() == Decimal("40")
    services.delete_object(instance=april, actor=staff)
    assert progress() == Decimal("20")
    services.delete_object(instance=march, actor=staff)
    assert progress() is None


def test_progress_cannot_fall_below_an_earlier_month(staff, project) -> None:
    services.create_object(instance=report(project, D(2025, 3, 1), "40"), actor=staff)
    errors = refused(report(project, D(2025, 4, 1), "35"), staff)
    # SQLite gives the maximum back as 40, PostgreSQL as 40.00
    assert errors["percent"][0] == "Progress cannot fall below an earlier month's 40%."
    assert list(errors) == ["percent"]
    assert ProgressReport.objects.count() == 1
    assert Project.objects.get(pk=project.pk).progress == Decimal("40")


def test_progress_for_an_earlier_month_cannot_exceed_a_later_month(staff, project) -> None:
    services.create_object(instance=report(project, D(2025, 4, 1), "35"), actor=staff)
    errors = refused(report(project, D(2025, 3, 1), "40"), staff)
    assert list(errors) == ["percent"]
    assert ProgressReport.objects.count() == 1


def test_progress_cannot_be_reported_for_a_month_that_has_not_begun(staff, project) -> None:
    today = timezone.localdate()
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    errors = refused(report(project, next_month, "10"), staff)
    assert errors == {"month": ["Progress cannot be reported for a month that has not begun."]}
    assert ProgressReport.objects.count() == 0
    # the current month has begun, even late in it
    services.create_object(instance=report(project, today, "10"), actor=staff)
    assert ProgressReport.objects.get().month == today.replace(day=1)


def test_progress_above_100_percent_is_refused(staff, project) -> None:
    errors = refused(report(project, D(2025, 3, 1), "100.5"), staff)
    assert list(errors) == ["percent"]


# ---- approvals ----------------------------------------------------------------------------------


def approval(project, role, actual) -> Approval:
    return Approval(project=project, kind=approval_kind(role), actual_date=actual)


def test_a_construction_permit_before_the_project_approval_is_refused(staff, project) -> None:
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2024, 5, 1))
    errors = refused(approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 4, 1)), staff)
    assert errors == {"actual_date": ["The construction permit cannot come before the project approval."]}
    assert Approval.objects.filter(project=project).count() == 1


def test_a_project_approval_after_the_construction_permit_is_refused(staff, project) -> None:
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 4, 1))
    errors = refused(approval(project, ApprovalRole.PROJECT_APPROVAL, D(2024, 5, 1)), staff)
    assert errors == {"actual_date": ["The project approval cannot come after the construction permit."]}
    assert Approval.objects.filter(project=project).count() == 1


def test_permit_on_the_day_of_the_project_approval_is_accepted(staff, project) -> None:
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2024, 5, 1))
    services.create_object(instance=approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 5, 1)), actor=staff)
    assert Approval.objects.filter(project=project).count() == 2


def test_an_approval_obtained_in_the_future_is_refused(staff, project) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = refused(approval(project, ApprovalRole.PROJECT_APPROVAL, tomorrow), staff)
    assert errors == {"actual_date": ["The actual date cannot be in the future."]}
    assert Approval.objects.count() == 0


def test_an_approval_kind_of_another_agency_is_refused(staff, project, other_agency) -> None:
    foreign = services.create_object(
        instance=ApprovalKind(agency=other_agency, name="水土保持方案批复"),
        actor=testing.UserFactory(organization=other_agency, role=Role.STAFF),
    )
    errors = refused(Approval(project=project, kind=foreign, actual_date=D(2024, 5, 1)), staff)
    assert errors == {"kind": ["This approval kind belongs to another agency."]}


def test_an_approval_is_late_when_obtained_after_its_planned_date_or_still_missing_after_it(project) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    on_time = Approval(project=project, planned_date=D(2024, 5, 1), actual_date=D(2024, 5, 1))
    late = Approval(project=project, planned_date=D(2024, 5, 1), actual_date=D(2024, 5, 2))
    missing = Approval(project=project, planned_date=yesterday)
    not_yet_due = Approval(project=project, planned_date=timezone.localdate())
    unplanned = Approval(project=project, actual_date=D(2024, 5, 2))
    assert [a.is_late for a in (on_time, late, missing, not_yet_due, unplanned)] == [False, True, True, False, False]


def test_a_milestone_is_overdue_only_while_unreached_past_its_planned_date(project) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert Milestone(project=project, kind=MilestoneKind.START, planned_date=yesterday).is_overdue is True
    assert Milestone(project=project, kind=MilestoneKind.START, planned_date=timezone.localdate()).is_overdue is False
    reached = Milestone(project=project, kind=MilestoneKind.START, planned_date=yesterday, actual_date=yesterday)
    assert reached.is_overdue is False


def test_an_award_from_a_future_year_is_refused(staff, project) -> None:
    next_year = timezone.localdate().year + 1
    errors = refused(Award(project=project, name="鲁班奖", level=AwardLevel.NATIONAL, year=next_year), staff)
    assert errors == {"year": ["An award cannot be from a future year."]}
    assert Award.objects.count() == 0


def test_a_lead_time_target_of_zero_days_is_refused(agency, leader) -> None:
    errors = refused(ProjectSettings(agency=agency, lead_time_target=0), leader)
    assert list(errors) == ["lead_time_target"]
    assert ProjectSettings.objects.count() == 0
