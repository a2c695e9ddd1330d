"""Who sees and changes which projects, and everything hanging on them (approvals, milestones, awards, task lists)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongwu.core import services as core_services
from gongwu.core import testing
from gongwu.core.models import Action, ChangeLogEntry, Role, user_may
from gongwu.projects import services
from gongwu.projects.models import (
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    Category,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    ProjectSettings,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
    TaskList,
)
from gongwu.projects.testing import AwardFactory, ProjectFactory, TaskItemFactory, TaskListFactory, record_approval

D = datetime.date
BUILT_IN_KINDS = 11


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def city(db):
    """A city regulator over the 福田 agency; the 厦门 agency stands apart. Each has one project with its records."""
    regulator = testing.RegulatorFactory(name="深圳市住建局")
    futian = testing.AgencyFactory(name="福田区建筑工务署", parent=regulator)
    xiamen = testing.AgencyFactory(name="厦门市建筑工务署")
    world = {"regulator": regulator, "futian": futian, "xiamen": xiamen}
    for key, agency in (("futian", futian), ("xiamen", xiamen)):
        project = ProjectFactory(agency=agency, name=f"{agency.name}学校", stage=Stage.CONSTRUCTION)
        record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2024, 1, 5))
        Milestone.objects.create(project=project, kind=MilestoneKind.START, actual_date=D(2024, 3, 1))
        ProgressReport.objects.create(project=project, month=D(2024, 4, 1), percent=Decimal("12"))
        StageChange.objects.create(project=project, stage=Stage.CONSTRUCTION, entered_on=D(2024, 3, 1))
        award = AwardFactory(project=project, name=f"{agency.name}优质工程奖")
        task_list = TaskListFactory(agency=agency, year=2024)
        item = TaskItemFactory(task_list=task_list, project=project, kind=TaskKind.ADVANCE)
        kind = ApprovalKind.objects.create(agency=agency, name=f"{agency.name}水保批复", order=200)
        world[key] = {
            "agency": agency,
            "project": project,
            "award": award,
            "task_list": task_list,
            "item": item,
            "kind": kind,
        }
    world["futian"]["department"] = testing.DepartmentFactory(name="福田工程管理处", parent=futian)
    return world


def user(organization, role: str = Role.STAFF, **fields):
    return testing.UserFactory(organization=organization, role=role, **fields)


RECORDS = [
    (Project, "project"),
    (Approval, "project"),
    (Milestone, "project"),
    (ProgressReport, "project"),
    (StageChange, "project"),
    (Award, "project"),
    (TaskList, "agency"),
    (TaskItem, "project"),
]


def agencies_seen(model, viewer, action: str = Action.VIEW) -> set[str]:
    """The names of the agencies whose records of `model` the user reaches."""
    path = {Project: "agency__name", TaskList: "agency__name", TaskItem: "task_list__agency__name"}.get(
        model, "project__agency__name"
    )
    return set(model.objects.for_user(viewer, action).values_list(path, flat=True))


@pytest.mark.parametrize(("model", "_via"), RECORDS)
def test_agency_staff_see_only_their_own_agencys_records(city, model, _via) -> None:
    assert agencies_seen(model, user(city["futian"]["agency"])) == {"福田区建筑工务署"}
    assert agencies_seen(model, user(city["xiamen"]["agency"])) == {"厦门市建筑工务署"}


@pytest.mark.parametrize(("model", "_via"), RECORDS)
def test_department_staff_see_their_agencys_records(city, model, _via) -> None:
    assert agencies_seen(model, user(city["futian"]["department"])) == {"福田区建筑工务署"}


@pytest.mark.parametrize(("model", "_via"), RECORDS)
def test_a_regulator_sees_the_agencies_below_it_and_changes_nothing(city, model, _via) -> None:
    regulator = user(city["regulator"], Role.REGULATOR)
    assert agencies_seen(model, regulator) == {"福田区建筑工务署"}
    assert agencies_seen(model, regulator, Action.CHANGE) == set()
    assert agencies_seen(model, regulator, Action.DELETE) == set()


@pytest.mark.parametrize(("model", "_via"), RECORDS)
def test_a_company_user_sees_no_project_records(city, model, _via) -> None:
    company_user = user(testing.CompanyFactory(), Role.COMPANY)
    assert model.objects.for_user(company_user).count() == 0


def test_a_regulators_edit_is_refused_and_nothing_changes(city) -> None:
    regulator = user(city["regulator"], Role.REGULATOR)
    project = Project.objects.get(pk=city["futian"]["project"].pk)
    before = testing.stored(project)
    log_count = ChangeLogEntry.objects.count()
    project.name = "改名"
    with pytest.raises(PermissionDenied):
        core_services.update_object(instance=project, actor=regulator)
    with pytest.raises(PermissionDenied):
        services.change_stage(project=project, stage=Stage.PREPARATION, actor=regulator, override_reason="试试")
    assert testing.stored(project) == before
    assert ChangeLogEntry.objects.count() == log_count


def test_an_administrator_cannot_change_the_stage_of_another_agencys_project(city) -> None:
    admin = user(city["futian"]["agency"], Role.ADMIN)
    project = city["xiamen"]["project"]
    with pytest.raises(PermissionDenied) as caught:
        services.change_stage(project=project, stage=Stage.PREPARATION, actor=admin, override_reason="越权")
    assert str(caught.value) == "You may not change this project."
    assert Project.objects.get(pk=project.pk).stage == Stage.CONSTRUCTION


def test_staff_cannot_add_a_milestone_to_another_agencys_project(city) -> None:
    staff = user(city["futian"]["agency"])
    target = Milestone(project=city["xiamen"]["project"], kind=MilestoneKind.TOPPING_OUT, actual_date=D(2024, 9, 1))
    with pytest.raises(PermissionDenied):
        core_services.create_object(instance=target, actor=staff)
    assert Milestone.objects.filter(project=city["xiamen"]["project"]).count() == 1


def test_a_director_may_add_and_change_projects_but_not_delete_them(city) -> None:
    director = user(city["futian"]["agency"], Role.DIRECTOR)
    assert (user_may(director, Project, Action.ADD), user_may(director, Project, Action.CHANGE)) == (True, True)
    assert user_may(director, Project, Action.DELETE) is False
    created = core_services.create_object(
        instance=Project(agency=city["futian"]["agency"], name="福田新校", category=Category.SCHOOL), actor=director
    )
    created.name = "福田新校（一期）"
    core_services.update_object(instance=created, actor=director)
    assert Project.objects.get(pk=created.pk).name == "福田新校（一期）"
    with pytest.raises(PermissionDenied):
        core_services.delete_object(instance=created, actor=director)
    assert Project.objects.filter(pk=created.pk).exists()


def test_staff_may_delete_their_agencys_project(city) -> None:
    staff = user(city["futian"]["agency"])
    project = ProjectFactory(agency=city["futian"]["agency"])
    core_services.delete_object(instance=project, actor=staff)
    assert not Project.objects.filter(pk=project.pk).exists()


def test_nobody_edits_the_stage_history_by_hand(city) -> None:
    admin = user(city["futian"]["agency"], Role.ADMIN)
    superuser = user(city["futian"]["agency"], Role.ADMIN, is_superuser=True)
    for who, visible in ((admin, 1), (superuser, 2)):
        assert StageChange.objects.for_user(who).count() == visible
        assert StageChange.objects.for_user(who, Action.CHANGE).count() == 0
        assert StageChange.objects.for_user(who, Action.DELETE).count() == 0


def test_only_leaders_and_administrators_change_project_settings(city) -> None:
    agency = city["futian"]["agency"]
    assert user_may(user(agency, Role.STAFF), ProjectSettings, Action.CHANGE) is False
    assert user_may(user(agency, Role.DIRECTOR), ProjectSettings, Action.ADD) is False
    leader = user(agency, Role.LEADER)
    settings = core_services.create_object(instance=ProjectSettings(agency=agency, lead_time_target=60), actor=leader)
    assert ProjectSettings.for_agency(agency) == settings
    with pytest.raises(PermissionDenied):
        core_services.create_object(
            instance=ProjectSettings(agency=city["xiamen"]["agency"], lead_time_target=30), actor=leader
        )
    assert ProjectSettings.objects.count() == 1


# ---- approval kinds -----------------------------------------------------------------------------


def kind_names(viewer, action: str = Action.VIEW) -> set[str]:
    return set(ApprovalKind.objects.for_user(viewer, action).values_list("name", flat=True))


def test_built_in_approval_kinds_are_seen_by_everyone_and_an_agencys_own_only_by_it(city) -> None:
    built_in = set(ApprovalKind.objects.filter(agency=None).values_list("name", flat=True))
    assert len(built_in) == BUILT_IN_KINDS
    assert {"立项", "施工许可证", "竣工验收"} <= built_in
    futian, xiamen = "福田区建筑工务署水保批复", "厦门市建筑工务署水保批复"
    assert kind_names(user(city["futian"]["agency"])) == built_in | {futian}
    assert kind_names(user(city["futian"]["department"])) == built_in | {futian}
    assert kind_names(user(city["xiamen"]["agency"])) == built_in | {xiamen}
    assert kind_names(user(city["regulator"], Role.REGULATOR)) == built_in | {futian}
    assert kind_names(user(testing.CompanyFactory(), Role.COMPANY)) == built_in


def test_only_a_superuser_may_change_a_built_in_approval_kind(city) -> None:
    admin = user(city["futian"]["agency"], Role.ADMIN)
    superuser = user(city["futian"]["agency"], Role.ADMIN, is_superuser=True)
    assert kind_names(admin, Action.CHANGE) == {"福田区建筑工务署水保批复"}
    assert kind_names(admin, Action.DELETE) == {"福田区建筑工务署水保批复"}
    assert len(kind_names(superuser, Action.CHANGE)) == BUILT_IN_KINDS + 2

    permit = ApprovalKind.objects.get(agency=None, role=ApprovalRole.CONSTRUCTION_PERMIT)
    permit.name = "施工许可"
    with pytest.raises(PermissionDenied):
        core_services.update_object(instance=permit, actor=admin)
    assert ApprovalKind.objects.get(pk=permit.pk).name == "施工许可证"
    core_services.update_object(instance=permit, actor=superuser)
    assert ApprovalKind.objects.get(pk=permit.pk).name == "施工许可"


def test_an_agency_changes_its_own_approval_kind_but_not_another_agencys(city) -> None:
    staff = user(city["futian"]["agency"])
    own = ApprovalKind.objects.get(pk=city["futian"]["kind"].pk)
    own.order = 150
    core_services.update_object(instance=own, actor=staff)
    assert ApprovalKind.objects.get(pk=own.pk).order == 150
    foreign = ApprovalKind.objects.get(pk=city["xiamen"]["kind"].pk)
    foreign.order = 150
    with pytest.raises(PermissionDenied):
        core_services.update_object(instance=foreign, actor=staff)
    assert ApprovalKind.objects.get(pk=foreign.pk).order == 200


def test_an_agency_kind_cannot_take_a_rule_role_a_built_in_kind_plays(city) -> None:
    staff = user(city["futian"]["agency"])
    count = ApprovalKind.objects.count()
    kind = ApprovalKind(agency=city["futian"]["agency"], name="施工许可（本署）", role=ApprovalRole.CONSTRUCTION_PERMIT)
    with pytest.raises(ValidationError) as caught:
        core_services.create_object(instance=kind, actor=staff)
    assert caught.value.message_dict == {
        "role": ["Another approval kind already plays the role “Construction permit”."]
    }
    assert ApprovalKind.objects.count() == count
