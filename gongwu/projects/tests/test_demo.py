"""The demo portfolio: the 2023 summary shows the work summary's figures because the data says so."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongwu.core.management.commands.demo import app_demo_modules, quiet
from gongwu.core.models import ChangeLogEntry, Organization, User
from gongwu.core.periods import Period
from gongwu.core.testing import english_client
from gongwu.projects import demo as projects_demo
from gongwu.projects import figures, services
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    Award,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
    TaskList,
)

YEAR_2023 = Period.year(2023)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> Iterator[Organization]:
    """The whole demo (core, then every app's demo module), built once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", verbosity=0)
        yield Organization.objects.get(name="示范市建筑工务署")
        transaction.set_rollback(True)


@pytest.fixture
def summary(city: Organization, db) -> dict:
    return figures.portfolio_summary(Project.objects.filter(agency=city), YEAR_2023)


def outcome(figures: dict, name: str) -> dict:
    return next(o for o in figures["outcomes"] if o["field"] == name)


def test_the_demo_command_finds_the_projects_demo_without_core_importing_it():
    assert projects_demo in list(app_demo_modules())


def test_the_demo_plan_is_the_same_on_every_run():
    def plan() -> list[tuple]:
        specs = projects_demo.plan_portfolio(random.Random(projects_demo.SEED))  # noqa: S311 — not for secrets
        return [(s.name, s.category, s.start, s.completion, s.stages, sorted(s.tasks.items())) for s in specs]

    assert plan() == plan()


def test_57_projects_completed_in_2023_are_30_roads_14_schools_and_13_other_buildings(summary):
    completed = summary["completed"]
    assert completed["total"] == 57
    assert completed["groups"]["road"] == 30
    assert completed["groups"]["school"] == 14
    assert completed["groups"]["other_building"] == 13
    assert completed["groups"]["hospital"] == 0


def test_the_roads_completed_in_2023_total_about_17_km(summary):
    assert Decimal("16.5") <= outcome(summary, "road_length_km")["value"] <= Decimal("17.5")


def test_school_places_completed_in_2023_are_18600_against_13980_the_year_before(summary):
    places = outcome(summary, "school_places")
    assert (places["value"], places["previous"], places["change"]) == (18600, 13980, Decimal("33.0"))


def test_72_started_in_2023_are_42_roads_and_30_buildings(summary):
    assert summary["started"]["total"] == 72
    assert summary["started"]["groups"]["road"] == 42
    assert summary["started"]["groups"]["building"] == 30


def test_80_advanced_through_2023_and_three_hospitals_topped_out(summary):
    assert summary["advancing"]["total"] == 80
    assert summary["advancing"]["groups"]["hospital"] == 3
    assert summary["topped_out_hospitals"] == 3


def test_38_awards_in_2023_of_which_4_national(summary):
    assert summary["awards_total"] == 38
    assert {level: n for level, _label, n in summary["awards"]}["national"] == 4


def test_the_sub_projects_of_a_2023_new_project_are_counted_apart(city, summary):
    parent = Project.objects.get(agency=city, name="示范市科学城体育中心新建工程")
    children = Project.objects.filter(parent=parent)
    assert children.count() == 5
    assert all(child.started_on.year in (2023, 2024) for child in children)
    assert summary["flags"]["sub_projects"] == 5


def test_the_leaders_summary_page_and_the_regulators_show_the_same_2023_figures(city, db):
    url = reverse("projects:summary") + "?year=2023"
    for username in ("leader", "regulator"):
        response = english_client(User.objects.get(username=username)).get(url)
        assert response.status_code == 200
        figures = response.context["figures"]
        assert (figures["completed"]["total"], figures["started"]["total"], figures["advancing"]["total"]) == (
            57,
            72,
            80,
        )
        assert outcome(figures, "school_places")["value"] == 18600
        assert figures["awards_total"] == 38


def test_the_2024_task_list_has_122_projects_and_its_results_come_from_the_milestones(city, db):
    task_list = TaskList.objects.get(agency=city, year=2024)
    groups = {group.kind: group for group in services.task_list_results(task_list)}
    statuses = {kind: sorted(row.status for row in group.rows) for kind, group in groups.items()}
    assert task_list.items.count() == 122
    assert {kind: group.planned for kind, group in groups.items()} == {"start": 30, "complete": 54, "advance": 38}
    assert statuses["start"].count("done") == 21
    assert statuses["start"].count("done_late") == 6
    assert statuses["start"].count("missed") == 3
    assert statuses["complete"].count("done") == 41
    assert statuses["complete"].count("done_late") == 8
    assert statuses["complete"].count("missed") == 5
    assert statuses["advance"].count("missed") == 2
    assert all(item.planned_date.year == 2024 for item in task_list.items.exclude(kind=TaskKind.ADVANCE))


def test_the_2026_task_list_has_tasks_still_pending_and_some_behind(city, db):
    groups = services.task_list_results(TaskList.objects.get(agency=city, year=2026), today=datetime.date(2026, 11, 28))
    statuses = [row.status for group in groups for row in group.rows]
    assert statuses.count("pending") >= 3
    assert statuses.count("behind") >= 3
    assert TaskList.objects.filter(agency=city, year=2025).exists()


def test_every_project_passes_the_gates_of_its_stage(city, db):
    errors = {project.code: services.stage_gate_errors(project, project.stage) for project in Project.objects.all()}
    assert {code: found for code, found in errors.items() if found} == {}
    assert set(Project.objects.filter(agency=city).values_list("stage", flat=True)) == set(Stage.values)


def test_key_dates_are_in_order_and_none_lies_in_the_future(city, db):
    today = timezone.localdate()
    permits = dict(
        Approval.objects.filter(kind__role=ApprovalRole.CONSTRUCTION_PERMIT)
        .exclude(actual_date=None)
        .values_list("project_id", "actual_date")
    )
    approvals = dict(
        Approval.objects.filter(kind__role=ApprovalRole.PROJECT_APPROVAL)
        .exclude(actual_date=None)
        .values_list("project_id", "actual_date")
    )
    reached: dict[int, dict[str, datetime.date]] = {}
    for project_id, kind, day in Milestone.objects.exclude(actual_date=None).values_list(
        "project_id", "kind", "actual_date"
    ):
        reached.setdefault(project_id, {})[kind] = day
    out_of_order = []
    for project in Project.objects.all():
        dates = reached.get(project.pk, {})
        sequence = [approvals.get(project.pk), permits.get(project.pk)]
        sequence += [dates.get(kind) for kind in (MilestoneKind.START, MilestoneKind.TOPPING_OUT)]
        sequence += [dates.get(kind) for kind in (MilestoneKind.COMPLETION_ACCEPTANCE, MilestoneKind.DELIVERY)]
        sequence = [day for day in sequence if day is not None] + [today]
        derived = (project.started_on, project.completed_on)
        if sequence != sorted(sequence) or derived != (dates.get("start"), dates.get("completion_acceptance")):
            out_of_order.append(project.code)
    assert out_of_order == []
    assert not Approval.objects.filter(actual_date__gt=today).exists()
    assert not StageChange.objects.filter(entered_on__gt=today).exists()


def test_projects_under_construction_have_a_rising_monthly_progress_curve(city, db):
    building = Project.objects.filter(agency=city, stage=Stage.CONSTRUCTION)
    assert building.count() >= 20
    for project in building:
        percents = list(
            ProgressReport.objects.filter(project=project).order_by("month").values_list("percent", flat=True)
        )
        assert len(percents) >= 2 and percents == sorted(percents) and project.progress == percents[-1]
    done = Project.objects.filter(agency=city, completed_on__isnull=False)
    assert set(
        ProgressReport.objects.filter(project__in=done)
        .order_by("project", "-month")
        .distinct()
        .values_list("project", flat=True)
    ) == set(done.values_list("pk", flat=True))


def test_each_project_has_its_stage_history_ending_in_its_current_stage(city, db):
    last = {}
    for project_id, stage, day in StageChange.objects.order_by("project", "entered_on", "id").values_list(
        "project_id", "stage", "entered_on"
    ):
        last[project_id] = (stage, day)
    assert {p.pk: (p.stage, p.stage_entered_on) for p in Project.objects.all()} == last


def test_some_approval_lead_times_exceed_the_90_day_target_but_most_meet_it(city, db):
    recent = Project.objects.filter(agency=city, started_on__year__gte=2023, parent=None)
    lead_times = [services.lead_time(project) for project in recent[:60]]
    over = sum(1 for lead in lead_times if lead.over_target)
    assert all(lead.days is not None and lead.target == 90 for lead in lead_times)
    assert 0 < over < len(lead_times) / 3


def test_demo_projects_and_task_items_pass_model_validation(db, city):
    # The database enforces references and uniqueness; these are the model's own rules (clean and field validators).
    references = ["agency", "parent", "department", "director", "user_unit", "tags"]
    for project in Project.objects.select_related("parent", "department", "agency"):
        project.full_clean(exclude=references, validate_unique=False, validate_constraints=False)
    for item in TaskItem.objects.select_related("project", "task_list"):
        item.full_clean(exclude=["project", "task_list"], validate_unique=False, validate_constraints=False)


def test_running_the_demo_twice_changes_nothing(city, db):
    models = (Project, Approval, Milestone, ProgressReport, StageChange, TaskList, TaskItem, Award, ChangeLogEntry)
    before = {model.__name__: model.objects.count() for model in models}
    first = Project.objects.order_by("pk").values_list("code", "stage", "progress").first()
    call_command("demo", verbosity=0)
    projects_demo.build(orgs={"city": city}, actor=User.objects.get(username="admin"), progress=quiet)
    assert {model.__name__: model.objects.count() for model in models} == before
    assert Project.objects.order_by("pk").values_list("code", "stage", "progress").first() == first


def test_today_the_stage_history_gives_every_project_its_current_stage(city, db):
    projects = Project.objects.all()
    today = timezone.localdate()
    assert figures.stages_on(projects, today) == figures.stages_now(projects)
    assert figures.stages_on(projects, datetime.date(2024, 12, 31)) != figures.stages_now(projects)


def test_the_2024_plan_categories_on_the_summary_are_the_2024_annual_plans(city, db):
    from gongwu.core import figures as read
    from gongwu.core.figures import Selection
    from gongwu.investment.models import AnnualPlan

    leader = User.objects.get(username="leader")
    figure = read.compute("investment.projects_by_plan_category", Selection.from_query(leader, {"year": "2024"}))
    plans = AnnualPlan.objects.filter(project__agency=city, year=2024)
    assert figure.value == plans.count() == 238
    assert {f.key: f.value for f in figure.children if f.value} == {
        category: plans.filter(plan_category=category).count()
        for category in ("continuing", "new_start", "unplanned", "reserve")
    }


def test_most_projects_since_2022_were_received_and_the_unplanned_additions_in_their_year(city, db):
    from gongwu.investment.models import AnnualPlan

    top = Project.objects.filter(agency=city, parent__isnull=True)
    received = top.exclude(received_on=None)
    assert received.filter(received_on__lt=datetime.date(2022, 1, 1)).count() == 0
    assert received.count() > top.count() / 2
    assert set(received.values_list("received_source", flat=True)) == {
        "plan",
        "user_unit",
        "preliminary",
        "agency",
        "other",
    }
    unplanned = AnnualPlan.objects.filter(project__agency=city, plan_category="unplanned").select_related("project")
    assert unplanned.count() == 4
    assert all(p.project.received_on.year == p.year == p.project.started_on.year for p in unplanned)
    assert {p.project.received_source for p in unplanned} <= {"agency", "user_unit"}
