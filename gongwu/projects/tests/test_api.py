"""The projects API as a client sees it: CRUD per endpoint, scoping, the stage action, lead time, task-list
results and the portfolio summary. (The generic API suite for projects, approvals, milestones and awards
is in test_generic_pages.py; the rules behind these endpoints are tested without HTTP in test_services.py.)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import chinese_calendar
import pytest
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import ChangeAction, ChangeLogEntry, Organization, Role
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    LeadTimeBasis,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    ProjectSettings,
    ProjectTag,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
    TaskList,
)
from gongwu.projects.testing import (
    AwardFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskItemFactory,
    TaskListFactory,
    approval_kind,
    record_approval,
    started_project,
)

D = datetime.date
JSON = "application/json"


@dataclass
class World:
    agency: Organization
    other_agency: Organization
    staff: Any
    admin: Any
    outsider: Any  # staff of the other agency
    regulator: Any  # reads the agency's records from above


@pytest.fixture
def world(db: Any) -> World:
    regulator_org = testing.RegulatorFactory(name="福州市住房和城乡建设局")
    agency = testing.AgencyFactory(name="鼓楼区建设工务署", parent=regulator_org)
    other_agency = testing.AgencyFactory(name="仓山区建设工务署")
    return World(
        agency=agency,
        other_agency=other_agency,
        staff=testing.UserFactory(organization=agency, role=Role.STAFF),
        admin=testing.UserFactory(organization=agency, role=Role.ADMIN),
        outsider=testing.UserFactory(organization=other_agency, role=Role.STAFF),
        regulator=testing.UserFactory(organization=regulator_org, role=Role.REGULATOR),
    )


# ---- CRUD on every endpoint ---------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    prefix: str
    model: type
    make: Callable[[Organization], Any]  # an existing record of the agency
    payload: Callable[[Organization], dict[str, Any]]  # a new one, as a client sends it
    patch: dict[str, Any]


ENDPOINTS = {
    "projects": Endpoint(
        "/api/projects/",
        Project,
        lambda a: ProjectFactory(agency=a),
        lambda a: {"code": "GL-2025-001", "name": "鼓楼区第五中学", "category": "school", "school_places": 1800},
        {"name": "鼓楼区第五中学（新校区）"},
    ),
    "approvals": Endpoint(
        "/api/approvals/",
        Approval,
        lambda a: record_approval(ProjectFactory(agency=a), ApprovalRole.PROJECT_APPROVAL, D(2024, 1, 8)),
        lambda a: {
            "project_id": ProjectFactory(agency=a).pk,
            "kind_id": approval_kind(ApprovalRole.PROJECT_APPROVAL).pk,
            "actual_date": "2024-02-01",
            "document_number": "鼓发改〔2024〕12号",
        },
        {"document_number": "鼓发改〔2024〕13号"},
    ),
    "milestones": Endpoint(
        "/api/milestones/",
        Milestone,
        lambda a: MilestoneFactory(
            project=ProjectFactory(agency=a), kind=MilestoneKind.START, planned_date=D(2024, 3, 1)
        ),
        lambda a: {"project_id": ProjectFactory(agency=a).pk, "kind": "topping_out", "planned_date": "2025-06-30"},
        {"planned_date": "2025-07-31"},
    ),
    "progress reports": Endpoint(
        "/api/progress-reports/",
        ProgressReport,
        lambda a: ProgressReport.objects.create(project=ProjectFactory(agency=a), month=D(2024, 5, 1), percent=30),
        lambda a: {"project_id": ProjectFactory(agency=a).pk, "month": "2024-06-18", "percent": "42.5"},
        {"note": "监理已复核"},
    ),
    "task lists": Endpoint(
        "/api/task-lists/",
        TaskList,
        lambda a: TaskListFactory(agency=a, year=2024),
        lambda a: {"year": 2025, "name": "2025年度重点项目任务"},
        {"name": "2024年度重点项目任务（调整）"},
    ),
    "task list items": Endpoint(
        "/api/task-items/",
        TaskItem,
        lambda a: TaskItemFactory(task_list=TaskListFactory(agency=a, year=2023)),
        lambda a: {
            "task_list_id": TaskListFactory(agency=a, year=2024).pk,
            "project_id": ProjectFactory(agency=a).pk,
            "kind": "complete",
            "planned_date": "2024-11-30",
        },
        {"planned_date": "2024-12-20"},
    ),
    "awards": Endpoint(
        "/api/awards/",
        Award,
        lambda a: AwardFactory(project=ProjectFactory(agency=a)),
        lambda a: {"project_id": ProjectFactory(agency=a).pk, "name": "闽江杯", "level": "provincial", "year": 2024},
        {"level": "national"},
    ),
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_client_creates_reads_lists_changes_and_deletes_through_each_endpoint(world: World, name: str) -> None:
    endpoint = ENDPOINTS[name]
    client = testing.api_client(world.staff)
    created = client.post(endpoint.prefix, endpoint.payload(world.agency), content_type=JSON)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    obj = endpoint.model.objects.get(pk=pk)
    assert client.get(f"{endpoint.prefix}{pk}/").json() == created.json()
    assert pk in [r["id"] for r in client.get(endpoint.prefix, {"limit": 1000}).json()["results"]]

    patched = client.patch(f"{endpoint.prefix}{pk}/", endpoint.patch, content_type=JSON)
    assert patched.status_code == 200, patched.content
    assert {k: patched.json()[k] for k in endpoint.patch} == endpoint.patch
    log = ChangeLogEntry.objects.filter(content_type__model=endpoint.model._meta.model_name, object_id=str(pk))
    assert [(e.action, e.actor) for e in log.order_by("id")] == [
        (ChangeAction.CREATE, world.staff),
        (ChangeAction.UPDATE, world.staff),
    ]

    assert client.delete(f"{endpoint.prefix}{pk}/").status_code == 204
    assert testing.stored(obj) is None


def test_a_progress_report_is_stored_for_its_month_and_becomes_the_projects_progress(world: World) -> None:
    project = ProjectFactory(agency=world.agency)
    client = testing.api_client(world.staff)
    response = client.post(
        "/api/progress-reports/", {"project_id": project.pk, "month": "2024-06-18", "percent": 42.5}, content_type=JSON
    )
    assert (response.status_code, response.json()["month"], response.json()["percent"]) == (201, "2024-06-01", "42.50")
    assert client.get(f"/api/projects/{project.pk}/").json()["progress"] == "42.50"


def test_a_task_list_made_through_the_api_belongs_to_the_users_agency(world: World) -> None:
    response = testing.api_client(world.staff).post("/api/task-lists/", {"year": 2025}, content_type=JSON)
    assert response.status_code == 201
    assert response.json()["agency_id"] == world.agency.pk


def test_a_task_cannot_list_another_agencys_project(world: World) -> None:
    task_list = TaskListFactory(agency=world.agency, year=2024)
    foreign = ProjectFactory(agency=world.other_agency)
    response = testing.api_client(world.staff).post(
        "/api/task-items/",
        {"task_list_id": task_list.pk, "project_id": foreign.pk, "kind": "start"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["project"]
    assert not TaskItem.objects.exists()


def test_approval_kinds_and_tags_are_read_only_lists(world: World) -> None:
    ProjectTag.objects.create(agency=world.agency, name="重点")
    ProjectTag.objects.create(agency=world.other_agency, name="民生")
    client = testing.api_client(world.staff)
    kinds = client.get("/api/approval-kinds/", {"limit": 100}).json()["results"]
    roles = {k["role"] for k in kinds}
    assert {"project_approval", "construction_permit", "completion_acceptance"} <= roles
    assert [t["name"] for t in client.get("/api/project-tags/").json()["results"]] == ["重点"]
    assert client.post("/api/project-tags/", {"name": "新增"}, content_type=JSON).status_code == 405
    assert client.post("/api/approval-kinds/", {"name": "新增"}, content_type=JSON).status_code == 405
    assert ProjectTag.objects.count() == 2


# ---- project key dates through the API ----------------------------------------------------------


def test_a_project_created_under_construction_with_its_key_dates_derives_its_start(world: World) -> None:
    client = testing.api_client(world.staff)
    response = client.post(
        "/api/projects/",
        {
            "name": "东街片区道路工程",
            "category": "road",
            "stage": "construction",
            "permit_date": "2024-03-01",
            "start_date": "2024-03-18",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["agency_id"], body["stage"], body["permit_date"], body["started_on"], body["completed_on"]) == (
        world.agency.pk,
        "construction",
        "2024-03-01",
        "2024-03-18",
        None,
    )
    pk = body["id"]
    renamed = client.patch(f"/api/projects/{pk}/", {"name": "东街片区道路改造工程"}, content_type=JSON).json()
    assert (renamed["permit_date"], renamed["started_on"]) == ("2024-03-01", "2024-03-18")
    completed = client.patch(
        f"/api/projects/{pk}/", {"stage": "completed", "completion_date": "2025-01-20"}, content_type=JSON
    ).json()
    assert (completed["stage"], completed["completed_on"]) == ("completed", "2025-01-20")


def test_a_project_created_under_construction_without_a_permit_is_refused(world: World) -> None:
    response = testing.api_client(world.staff).post(
        "/api/projects/", {"name": "无证工程", "category": "road", "stage": "construction"}, content_type=JSON
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "stage"]
    assert "only with its construction permit recorded" in error["msg"]
    assert not Project.objects.exists()


def test_the_project_list_filters_and_shows_tag_ids_and_permit_dates_in_constant_queries(world: World) -> None:
    tag = ProjectTag.objects.create(agency=world.agency, name="重点")

    def school() -> Project:
        project = ProjectFactory(agency=world.agency, category=Category.SCHOOL)
        project.tags.add(tag)
        record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 3, 1))
        return project

    first = school()
    ProjectFactory(agency=world.agency, category=Category.ROAD)
    client = testing.api_client(world.staff)
    response = client.get("/api/projects/", {"category": "school"})
    assert [(r["id"], r["tags"], r["permit_date"]) for r in response.json()["results"]] == [
        (first.pk, [tag.pk], "2024-03-01")
    ]
    with_one = testing.count_queries(client, "/api/projects/?category=school")
    for _ in range(5):
        school()
    assert testing.count_queries(client, "/api/projects/?category=school") == with_one


# ---- scoping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_agencys_user_gets_404_and_nothing_changes(world: World, name: str) -> None:
    endpoint = ENDPOINTS[name]
    obj = endpoint.make(world.agency)
    before, count = testing.stored(obj), endpoint.model.objects.count()
    client = testing.api_client(world.outsider)
    assert obj.pk not in [r["id"] for r in client.get(endpoint.prefix, {"limit": 1000}).json()["results"]]
    assert client.get(f"{endpoint.prefix}{obj.pk}/").status_code == 404
    assert client.patch(f"{endpoint.prefix}{obj.pk}/", endpoint.patch, content_type=JSON).status_code == 404
    assert client.delete(f"{endpoint.prefix}{obj.pk}/").status_code == 404
    assert (testing.stored(obj), endpoint.model.objects.count()) == (before, count)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_regulator_reads_but_cannot_write(world: World, name: str) -> None:
    endpoint = ENDPOINTS[name]
    obj = endpoint.make(world.agency)
    before, count = testing.stored(obj), endpoint.model.objects.count()
    client = testing.api_client(world.regulator)
    assert obj.pk in [r["id"] for r in client.get(endpoint.prefix, {"limit": 1000}).json()["results"]]
    assert client.get(f"{endpoint.prefix}{obj.pk}/").status_code == 200
    assert client.post(endpoint.prefix, endpoint.payload(world.agency), content_type=JSON).status_code == 403
    assert client.patch(f"{endpoint.prefix}{obj.pk}/", endpoint.patch, content_type=JSON).status_code == 403
    assert client.delete(f"{endpoint.prefix}{obj.pk}/").status_code == 403
    assert endpoint.model.objects.count() == count
    assert testing.stored(obj) == before


def test_project_actions_of_another_agency_answer_404(world: World) -> None:
    project = ProjectFactory(agency=world.agency)
    task_list = TaskListFactory(agency=world.agency)
    client = testing.api_client(world.outsider)
    stage = client.post(f"/api/projects/{project.pk}/stage/", {"stage": "reserve"}, content_type=JSON)
    assert stage.status_code == 404
    assert client.get(f"/api/projects/{project.pk}/stage/").status_code == 404
    assert client.get(f"/api/projects/{project.pk}/lead-time/").status_code == 404
    assert client.get(f"/api/task-lists/{task_list.pk}/results/").status_code == 404
    assert client.get("/api/projects/summary/", {"agency": world.agency.pk}).status_code == 404
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION
    assert not StageChange.objects.exists()


# ---- the stage action ---------------------------------------------------------------------------


def stage(client: Any, project: Project, **body: Any) -> Any:
    return client.post(f"/api/projects/{project.pk}/stage/", body, content_type=JSON)


def test_a_stage_change_without_the_permit_answers_422_with_the_gate_and_changes_nothing(world: World) -> None:
    project = ProjectFactory(agency=world.agency, stage=Stage.PREPARATION)
    response = stage(testing.api_client(world.staff), project, stage="construction")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "stage"],
            "msg": "A project enters “Under construction” only with its construction permit recorded (actual date).",
        }
    ]
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION
    assert not StageChange.objects.exists()


def test_a_stage_change_with_the_permit_recorded_moves_the_project(world: World) -> None:
    project = ProjectFactory(agency=world.agency, stage=Stage.PREPARATION)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 3, 1))
    client = testing.api_client(world.staff)
    response = stage(client, project, stage="construction", entered_on="2024-03-05")
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("from_stage", "stage", "entered_on", "override_reason", "actor_id")} == {
        "from_stage": "preparation",
        "stage": "construction",
        "entered_on": "2024-03-05",
        "override_reason": "",
        "actor_id": world.staff.pk,
    }
    assert client.get(f"/api/projects/{project.pk}/").json()["stage"] == "construction"
    assert [c["stage"] for c in client.get(f"/api/projects/{project.pk}/stage/").json()] == ["construction"]


def test_only_an_administrator_may_override_a_gate_and_the_reason_is_logged(world: World) -> None:
    project = ProjectFactory(agency=world.agency, stage=Stage.PREPARATION)
    reason = "施工许可证已核发，系统数据待补录"
    refused = stage(testing.api_client(world.staff), project, stage="construction", override_reason=reason)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only an administrator may override a stage gate."
    assert (Project.objects.get(pk=project.pk).stage, StageChange.objects.count()) == (Stage.PREPARATION, 0)

    response = stage(testing.api_client(world.admin), project, stage="construction", override_reason=reason)
    assert response.status_code == 201
    assert response.json()["override_reason"] == reason
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    entry = ChangeLogEntry.objects.filter(object_id=str(project.pk), action=ChangeAction.UPDATE).get()
    assert (entry.actor, entry.after["stage"], entry.after["override_reason"]) == (world.admin, "construction", reason)


def test_a_regulator_cannot_change_a_stage(world: World) -> None:
    project = ProjectFactory(agency=world.agency, stage=Stage.PREPARATION)
    response = stage(testing.api_client(world.regulator), project, stage="reserve", override_reason="退回储备")
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION


def test_an_unknown_stage_is_refused_by_the_schema(world: World) -> None:
    project = ProjectFactory(agency=world.agency)
    response = stage(testing.api_client(world.admin), project, stage="demolished")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "stage"


# ---- approval lead time -------------------------------------------------------------------------


@pytest.fixture
def over_spring_festival(world: World) -> Project:
    """立项 on Friday 13 February 2026, 施工许可 on Monday 2 March 2026, across the Spring Festival."""
    project = ProjectFactory(agency=world.agency)
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, D(2026, 2, 13))
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2026, 3, 2))
    return project


def test_lead_time_counts_working_days_across_the_2026_spring_festival(world: World, over_spring_festival) -> None:
    # The statutory calendar: 15–23 February off, Saturdays 14 and 28 February worked (调休).
    assert all(chinese_calendar.is_holiday(D(2026, 2, day)) for day in range(15, 24))
    assert chinese_calendar.is_workday(D(2026, 2, 14)) and chinese_calendar.is_workday(D(2026, 2, 28))
    response = testing.api_client(world.staff).get(f"/api/projects/{over_spring_festival.pk}/lead-time/")
    assert response.status_code == 200
    # Working days after 13 Feb up to 2 Mar: 14, 24, 25, 26, 27, 28 Feb and 2 Mar (Mon–Fri alone would give 11).
    assert response.json() == {
        "project_id": over_spring_festival.pk,
        "approval_date": "2026-02-13",
        "permit_date": "2026-03-02",
        "running": False,
        "calendar_days": 17,
        "working_days": 7,
        "basis": "calendar",
        "days": 17,
        "target": 90,
        "over_target": False,
    }


@pytest.mark.parametrize(("target", "over"), [(7, False), (6, True)])
def test_lead_time_against_a_working_day_target(world: World, over_spring_festival, target: int, over: bool) -> None:
    ProjectSettings.objects.create(agency=world.agency, lead_time_target=target, lead_time_basis=LeadTimeBasis.WORKING)
    body = testing.api_client(world.staff).get(f"/api/projects/{over_spring_festival.pk}/lead-time/").json()
    assert (body["basis"], body["days"], body["target"], body["over_target"]) == ("working", 7, target, over)


def test_lead_time_without_a_permit_runs_to_today(world: World) -> None:
    project = ProjectFactory(agency=world.agency)
    start = timezone.localdate() - datetime.timedelta(days=120)
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, start)
    body = testing.api_client(world.staff).get(f"/api/projects/{project.pk}/lead-time/").json()
    assert (body["running"], body["permit_date"], body["calendar_days"], body["over_target"]) == (True, None, 120, True)


# ---- task-list results --------------------------------------------------------------------------


def test_task_list_results_give_plan_against_actual_with_the_projects_behind_them(world: World) -> None:
    task_list = TaskListFactory(agency=world.agency, year=2024)
    on_time = started_project(D(2024, 3, 1), agency=world.agency, code="A1")
    late = started_project(D(2024, 8, 1), agency=world.agency, code="A2")
    advancing = started_project(D(2023, 5, 1), agency=world.agency, code="A3")
    unfinished = started_project(D(2023, 2, 1), agency=world.agency, code="A4")
    items = [
        TaskItemFactory(task_list=task_list, project=on_time, kind=TaskKind.START, planned_date=D(2024, 6, 30)),
        TaskItemFactory(task_list=task_list, project=late, kind=TaskKind.START, planned_date=D(2024, 6, 30)),
        TaskItemFactory(task_list=task_list, project=advancing, kind=TaskKind.ADVANCE),
        TaskItemFactory(task_list=task_list, project=unfinished, kind=TaskKind.COMPLETE, planned_date=D(2024, 10, 31)),
    ]
    response = testing.api_client(world.regulator).get(f"/api/task-lists/{task_list.pk}/results/")
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["planned"], body["achieved"]) == (2024, 4, 3)
    summary = [(g["kind"], g["planned"], g["achieved"], g["behind"], g["rate"]) for g in body["groups"]]
    assert summary == [("start", 2, 2, 0, 100.0), ("advance", 1, 1, 0, 100.0), ("complete", 1, 0, 1, 0.0)]
    rows = [(r["item_id"], r["project_id"], r["actual_date"], r["status"]) for g in body["groups"] for r in g["rows"]]
    assert rows == [
        (items[0].pk, on_time.pk, "2024-03-01", "done"),
        (items[1].pk, late.pk, "2024-08-01", "done_late"),
        (items[2].pk, advancing.pk, "2023-05-01", "done"),
        (items[3].pk, unfinished.pk, None, "missed"),
    ]


# ---- the portfolio summary ----------------------------------------------------------------------


@pytest.fixture
def portfolio(world: World) -> dict[str, Project]:
    """Five top-level projects and two sub-projects of the agency, one project of another agency.

    2024: started road1 (sections not counted); completed school1 (1800 places) and road2 (1.2 km);
    advancing hospital (started 2023, topped out 2024). 2023: started school1, road2, hospital;
    completed school2 (1500 places).
    """
    a = world.agency
    school1 = started_project(D(2023, 3, 1), D(2024, 6, 30), agency=a, category=Category.SCHOOL, school_places=1800)
    school1.approved_investment = Decimal("100000000.00")
    school1.save(update_fields=["approved_investment"])
    school2 = started_project(D(2022, 9, 1), D(2023, 8, 31), agency=a, category=Category.SCHOOL, school_places=1500)
    road1 = started_project(D(2024, 2, 1), agency=a, category=Category.ROAD, approved_investment=Decimal("50000000"))
    for month in (3, 4):
        started_project(D(2024, month, 1), agency=a, category=Category.ROAD, parent=road1)
    road2 = started_project(
        D(2023, 5, 1), D(2024, 12, 1), agency=a, category=Category.ROAD, road_length_km=Decimal("1.2")
    )
    hospital = started_project(D(2023, 1, 10), agency=a, category=Category.HOSPITAL)
    MilestoneFactory(project=hospital, kind=MilestoneKind.TOPPING_OUT, actual_date=D(2024, 5, 1))
    AwardFactory(project=school1, level=AwardLevel.NATIONAL, year=2024)
    AwardFactory(project=school2, level=AwardLevel.CITY, year=2023)
    started_project(D(2024, 6, 1), agency=world.other_agency, category=Category.ROAD)
    return {"school1": school1, "school2": school2, "road1": road1, "road2": road2, "hospital": hospital}


def test_summary_figures_for_a_year_match_the_hand_count(world: World, portfolio) -> None:
    response = testing.api_client(world.staff).get("/api/projects/summary/", {"year": 2024})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert body["previous_period"] == {"start": "2023-01-01", "end": "2023-12-31"}
    assert (body["agency_id"], body["total"], body["sub_projects"], body["investment"]) == (None, 5, 2, 150000000.0)
    assert [(s["key"], s["count"]) for s in body["by_stage"] if s["count"]] == [("construction", 2), ("completed", 3)]
    assert [(g["key"], g["count"]) for g in body["by_group"] if g["count"]] == [("building", 3), ("municipal", 2)]

    started, completed, advancing = body["started"], body["completed"], body["advancing"]
    assert (started["total"], started["previous"], started["groups"]["road"]) == (1, 3, 1)
    assert (completed["total"], completed["previous"]) == (2, 1)
    assert completed["groups"] == {
        "road": 1,
        "school": 1,
        "hospital": 0,
        "other_building": 0,
        "building": 1,
        "municipal": 1,
    }
    assert (advancing["total"], advancing["previous"], advancing["categories"]["hospital"]) == (1, None, 1)
    assert len(advancing["categories"]) == len(Category.values)

    outcomes = {o["field"]: (o["value"], o["previous"], o["change"]) for o in body["outcomes"]}
    assert outcomes["school_places"] == (1800, 1500, 20.0)
    assert outcomes["road_length_km"] == (1.2, 0, None)
    assert body["topped_out_hospitals"] == 1
    assert (body["awards"]["total"], [a["count"] for a in body["awards"]["by_level"]]) == (1, [1, 0, 0, 0])
    milestones = {m["key"]: m["count"] for m in body["milestones"]}
    assert (milestones["start"], milestones["completion_acceptance"], milestones["topping_out"]) == (3, 2, 1)


def test_summary_for_a_period_within_the_year(world: World, portfolio) -> None:
    body = (
        testing.api_client(world.staff).get("/api/projects/summary/", {"from": "2024-01-01", "to": "2024-06-30"}).json()
    )
    assert body["period"] == {"start": "2024-01-01", "end": "2024-06-30"}
    assert (body["started"]["total"], body["completed"]["total"], body["completed"]["previous"]) == (1, 1, 0)


def test_a_regulator_sums_every_agency_below_it_or_one_of_them(world: World, portfolio) -> None:
    other_regulated = testing.AgencyFactory(parent=world.regulator.organization)
    started_project(D(2024, 7, 1), agency=other_regulated, category=Category.ROAD)
    client = testing.api_client(world.regulator)
    assert client.get("/api/projects/summary/", {"year": 2024}).json()["started"]["total"] == 2
    one = client.get("/api/projects/summary/", {"year": 2024, "agency": world.agency.pk}).json()
    assert (one["agency_id"], one["started"]["total"], one["total"]) == (world.agency.pk, 1, 5)


@pytest.mark.parametrize(
    ("query", "where"),
    [({"from": "2024-06-30", "to": "2024-01-01"}, "to"), ({"from": "2024-02-30"}, "from"), ({"year": 1800}, "year")],
)
def test_a_bad_summary_period_answers_422(world: World, query: dict, where: str) -> None:
    response = testing.api_client(world.staff).get("/api/projects/summary/", query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == where
