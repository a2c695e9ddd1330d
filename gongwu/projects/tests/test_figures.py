"""Figures that hold for any past period: stages at the period's end from the stage history, projects received
(接收) and their investment, the lead time 立项 → 施工许可 against a year earlier, and the registered figures."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from gongwu.core import figures as read
from gongwu.core import testing
from gongwu.core.figures import Selection
from gongwu.core.models import Role
from gongwu.core.periods import Period
from gongwu.projects import figures, services
from gongwu.projects.models import (
    ApprovalRole,
    Category,
    LeadTimeBasis,
    Project,
    ProjectSettings,
    Stage,
)
from gongwu.projects.testing import ProjectFactory, record_approval, started_project
from gongwu.projects.tests.test_pages import Figures, listed

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="测试市建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def admin(agency):
    return testing.UserFactory(organization=agency, role=Role.ADMIN)


def new_project(agency, staff, name: str, entered: datetime.date, stage: str = Stage.PREPARATION, **fields) -> Project:
    """A project written through the services, so its stage history starts on `entered`."""
    project = Project(agency=agency, name=name, category=Category.SCHOOL, stage=stage, stage_entered_on=entered)
    for key, value in fields.items():
        setattr(project, key, value)
    return services.create_project(instance=project, actor=staff)


def moved_to_construction(project: Project, day: datetime.date, actor) -> Project:
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, day)
    services.change_stage(project=project, stage=Stage.CONSTRUCTION, actor=actor, entered_on=day)
    return project


def summary_page(client, query: str) -> Figures:
    response = client.get(reverse("projects:summary") + query)
    assert response.status_code == 200
    return Figures(response.content.decode())


# ---- stages at the end of a period -------------------------------------------------------------------


@pytest.fixture
def timeline(agency, staff):
    """One project prepared since 2023 that started construction on 2025-03-01; one that started on the last day
    of 2024 and one on the first day of 2025; one taken on only in 2025."""
    late = moved_to_construction(new_project(agency, staff, "光明学校", D(2023, 5, 1)), D(2025, 3, 1), staff)
    eve = moved_to_construction(new_project(agency, staff, "凤凰学校", D(2023, 6, 1)), D(2024, 12, 31), staff)
    new_year = moved_to_construction(new_project(agency, staff, "玉塘学校", D(2023, 7, 1)), D(2025, 1, 1), staff)
    newcomer = new_project(agency, staff, "马田学校", D(2025, 2, 1))
    return {"late": late, "eve": eve, "new_year": new_year, "newcomer": newcomer}


def stage_counts(page: Figures) -> dict[str, int]:
    return {s: int(page.value(f"stage-{s}")) for s in (Stage.PREPARATION, Stage.CONSTRUCTION)}


def test_a_2024_summary_counts_the_stages_as_they_were_at_the_end_of_2024(staff, timeline):
    client = testing.english_client(staff)
    page = summary_page(client, "?year=2024")
    # 光明 started in 2025 and 玉塘 on 2025-01-01: both still in preparation at the end of 2024; 凤凰 started
    # on 2024-12-31; 马田 was not taken on yet.
    assert stage_counts(page) == {Stage.PREPARATION: 2, Stage.CONSTRUCTION: 1}
    body = client.get(reverse("projects:summary") + "?year=2024").content.decode()
    assert "At the end of 2024-12-31" in body
    assert listed(client, page.url("stage-preparation")) == 2
    assert listed(client, page.url("stage-construction")) == 1
    assert parse_qs(urlsplit(page.url("stage-preparation")).query)["stage_on"] == ["2024-12-31"]


def test_a_2025_summary_counts_the_same_projects_in_their_2025_stages(staff, timeline):
    client = testing.english_client(staff)
    page = summary_page(client, "?year=2025")
    assert stage_counts(page) == {Stage.PREPARATION: 1, Stage.CONSTRUCTION: 3}
    assert listed(client, page.url("stage-construction")) == 3


def test_the_current_year_counts_today_s_stages_which_the_history_agrees_with(staff, agency, timeline):
    client = testing.english_client(staff)
    page = summary_page(client, "")
    assert stage_counts(page) == {Stage.PREPARATION: 1, Stage.CONSTRUCTION: 3}
    assert "stage_on" not in page.url("stage-construction")
    projects = Project.objects.filter(agency=agency)
    today = datetime.date(2026, 12, 2)
    assert figures.stages_on(projects, today) == figures.stages_now(projects) == {"preparation": 1, "construction": 3}


def test_a_project_moved_back_by_an_administrator_counts_in_the_stage_it_was_in_then(agency, staff, admin):
    project = moved_to_construction(new_project(agency, staff, "东湖学校", D(2023, 1, 10)), D(2024, 3, 1), staff)
    services.change_stage(
        project=project, stage=Stage.PREPARATION, actor=admin, entered_on=D(2025, 5, 1), override_reason="图纸重审"
    )
    projects = Project.objects.filter(agency=agency)
    assert figures.stages_on(projects, D(2024, 12, 31)) == {Stage.CONSTRUCTION: 1}
    assert figures.stages_on(projects, D(2025, 12, 31)) == {Stage.PREPARATION: 1}
    assert figures.stages_on(projects, D(2022, 12, 31)) == {}


def test_a_project_without_a_stage_history_counts_in_its_stage_from_the_day_it_entered_it(agency):
    ProjectFactory(agency=agency, stage=Stage.CONSTRUCTION, stage_entered_on=D(2024, 6, 1))
    ProjectFactory(agency=agency, stage=Stage.RESERVE)  # no date: counted at any period's end
    projects = Project.objects.filter(agency=agency)
    assert figures.stages_on(projects, D(2024, 5, 31)) == {Stage.RESERVE: 1}
    assert figures.stages_on(projects, D(2024, 6, 1)) == {Stage.RESERVE: 1, Stage.CONSTRUCTION: 1}


def test_a_stage_chosen_on_the_form_cannot_start_before_the_current_one(agency, staff):
    project = new_project(agency, staff, "木墩学校", D(2024, 4, 1))
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 3, 1))
    data = {
        "agency": agency.pk,
        "code": project.code,
        "name": project.name,
        "category": Category.SCHOOL,
        "delivery_method": "epc",
        "stage": Stage.CONSTRUCTION,
        "stage_entered_on": "2024-03-15",
    }
    response = testing.english_client(staff).post(f"/projects/list/{project.pk}/edit/", data)
    assert response.status_code == 422
    assert "The project entered its current stage on 2024-04-01; the new stage cannot start earlier." in (
        response.content.decode()
    )
    project.refresh_from_db()
    assert project.stage == Stage.PREPARATION


# ---- projects received ----------------------------------------------------------------------------


@pytest.fixture
def received(agency):
    """Received in 2024: two projects (3 亿元 and 1.25 亿元), one of them on the last day; one on 2025-01-01; one
    in 2023; a sub-project received with its parent is not counted apart."""
    first = ProjectFactory(agency=agency, received_on=D(2024, 3, 5), received_source="plan")
    first.approved_investment = Decimal("300000000")
    first.save()
    ProjectFactory(
        agency=agency,
        received_on=D(2024, 12, 31),
        received_source="agency",
        received_from="东城区建筑工务署",
        approved_investment=Decimal("125000000"),
    )
    ProjectFactory(agency=agency, received_on=D(2025, 1, 1), approved_investment=Decimal("9000000"))
    ProjectFactory(agency=agency, received_on=D(2023, 8, 8), approved_investment=Decimal("50000000"))
    ProjectFactory(agency=agency, parent=first, received_on=D(2024, 3, 5), approved_investment=Decimal("1"))
    ProjectFactory(agency=testing.AgencyFactory(), received_on=D(2024, 6, 6))  # another agency's


def test_the_projects_received_in_2024_and_their_investment_link_to_exactly_those_projects(staff, received):
    client = testing.english_client(staff)
    page = summary_page(client, "?year=2024")
    assert page.value("received") == "2"
    assert page.value("received_investment") == "4.25 hundred-million yuan"
    assert page.value("received_previous") == "1"
    assert listed(client, page.url("received")) == 2
    assert listed(client, page.url("received_previous")) == 1
    query = parse_qs(urlsplit(page.url("received")).query)
    assert (query["happened"], query["period_from"], query["period_to"]) == (
        ["received"],
        ["2024-01-01"],
        ["2024-12-31"],
    )
    body = client.get(reverse("projects:summary") + "?year=2024").content.decode()
    assert "+100.0%" in re.search(r'id="intake".*?</div>\s*</div>\s*</div>', body, re.S).group(0)


def test_the_received_figure_in_the_api_and_the_registry(staff, agency, received):
    body = testing.api_client(staff).get("/api/projects/summary/", {"year": 2025}).json()
    assert body["received"] == {"count": 1, "investment": 9000000.0, "previous": 2, "previous_investment": 425000000.0}
    selection = Selection.from_query(staff, {"year": "2024"})
    figure = read.compute("projects.received_investment", selection)
    assert (figure.value, figure.previous, figure.shown) == (
        Decimal("425000000"),
        Decimal("50000000"),
        "4.25 hundred-million yuan",
    )
    assert read.compute("projects.received", selection).value == 2


def test_projects_received_filter_by_how_they_came(staff, received):
    client = testing.english_client(staff)
    assert listed(client, reverse("projects:project_list") + "?received_source=agency") == 1
    assert listed(client, reverse("projects:project_list") + "?received_source=plan&received_source=agency") == 2
    in_2024 = "?received_since=2024-01-01&received_until=2024-12-31&level=top"
    assert listed(client, reverse("projects:project_list") + in_2024) == 2


def test_the_project_page_shows_when_and_from_whom_it_was_received(staff, agency):
    project = ProjectFactory(
        agency=agency, received_on=D(2024, 12, 31), received_source="agency", received_from="东城区建筑工务署"
    )
    page = testing.english_client(staff).get(project.get_absolute_url()).content.decode()
    intake = re.search(r'id="intake".*?</div></div>', page, re.S).group(0)
    assert "2024-12-31" in intake
    assert "Transferred from another agency (移交)" in intake
    assert "东城区建筑工务署" in intake


# ---- lead time 立项 → 施工许可 ----------------------------------------------------------------------


def permitted(agency, approved: datetime.date, permit: datetime.date, **fields) -> Project:
    project = ProjectFactory(agency=agency, **fields)
    record_approval(project, ApprovalRole.PROJECT_APPROVAL, approved)
    record_approval(project, ApprovalRole.CONSTRUCTION_PERMIT, permit)
    return project


@pytest.fixture
def lead_times(agency):
    """2024 permits after 40, 60 and 110 days (the last on 2024-12-31); 2023 permits after 100 and 140 days; a
    permit on 2025-01-01; a 2024 permit without a recorded 立项 (not counted); a sub-project (not counted)."""
    permitted(agency, D(2024, 1, 10), D(2024, 2, 19))
    permitted(agency, D(2024, 3, 1), D(2024, 4, 30))
    parent = permitted(agency, D(2024, 9, 12), D(2024, 12, 31))
    permitted(agency, D(2023, 1, 1), D(2023, 4, 11))
    permitted(agency, D(2023, 5, 1), D(2023, 9, 18))
    permitted(agency, D(2024, 10, 1), D(2025, 1, 1))
    record_approval(ProjectFactory(agency=agency), ApprovalRole.CONSTRUCTION_PERMIT, D(2024, 5, 5))
    permitted(agency, D(2024, 1, 1), D(2024, 12, 1), parent=parent)


def test_the_2024_lead_time_averages_the_permits_of_2024_against_2023(agency, lead_times):
    figure = figures.lead_time_figure(Project.objects.filter(agency=agency, parent__isnull=True), Period.year(2024))
    assert (figure.now.count, figure.now.average, figure.now.median) == (3, Decimal("70.0"), Decimal("60.0"))
    assert (figure.previous.count, figure.previous.average) == (2, Decimal("120.0"))
    assert (figure.change_days, figure.change, figure.basis) == (Decimal("-50.0"), Decimal("-41.7"), "calendar")


def test_the_summary_shows_the_lead_time_its_change_and_the_projects_behind_it(staff, lead_times):
    client = testing.english_client(staff)
    response = client.get(reverse("projects:summary") + "?year=2024")
    page = Figures(response.content.decode())
    assert (page.value("lead_time"), page.value("lead_time_previous")) == ("70 days", "120 days")
    card = re.search(r'id="lead-time".*?</div>\s*</div>\s*</div>', response.content.decode(), re.S).group(0)
    assert "-50.0 (-41.7%)" in card
    assert "3 projects with their permit in the period" in card
    assert re.search(r'id="lead-time-median">60<', card)
    assert "Calendar days" in card
    assert listed(client, page.url("lead_time")) == 3
    assert listed(client, page.url("lead_time_previous")) == 2


def test_a_period_without_permits_shows_no_lead_time_and_does_not_fail(staff, lead_times):
    client = testing.english_client(staff)
    page = summary_page(client, "?year=2021")
    assert (page.value("lead_time"), page.value("lead_time_previous")) == ("—", "—")
    assert listed(client, page.url("lead_time")) == 0
    after_none = summary_page(client, "?year=2023")  # 2022 had none: no change to show
    assert (after_none.value("lead_time"), after_none.value("lead_time_previous")) == ("120 days", "—")
    body = testing.api_client(staff).get("/api/projects/summary/", {"year": 2021}).json()["lead_time"]
    assert body == {
        "basis": "calendar",
        "now": {"count": 0, "average": None, "median": None},
        "previous": {"count": 0, "average": None, "median": None},
        "change_days": None,
        "change": None,
    }


def test_the_lead_time_of_an_agency_counting_working_days_skips_the_spring_festival(agency):
    ProjectSettings.objects.create(agency=agency, lead_time_basis=LeadTimeBasis.WORKING)
    # 2024-01-26 → 2024-03-01: 35 calendar days, 22 working days (10–17 Feb off, 4 and 18 Feb worked)
    permitted(agency, D(2024, 1, 26), D(2024, 3, 1))
    times = figures.lead_times(Project.objects.filter(agency=agency), Period.year(2024))
    assert (times.days, times.basis) == ((22,), "working")


def test_the_lead_time_in_the_api_and_the_registry(staff, lead_times):
    body = testing.api_client(staff).get("/api/projects/summary/", {"year": 2024}).json()["lead_time"]
    assert body == {
        "basis": "calendar",
        "now": {"count": 3, "average": 70.0, "median": 60.0},
        "previous": {"count": 2, "average": 120.0, "median": 120.0},
        "change_days": -50.0,
        "change": -41.7,
    }
    figure = read.compute("projects.lead_time", Selection.from_query(staff, {"year": "2024"}))
    assert (figure.value, figure.previous, figure.change_shown) == (Decimal("70.0"), Decimal("120.0"), "-41.7%")


# ---- the registry ---------------------------------------------------------------------------------


def test_the_registered_stage_figure_agrees_with_the_summary_page(staff, timeline):
    selection = Selection.from_query(staff, {"year": "2024"})
    figure = read.compute("projects.stage_preparation", selection)
    assert (figure.value, figure.previous) == (2, 3)
    assert listed(testing.english_client(staff), figure.url) == 2
    values = testing.api_client(staff).get(
        "/api/figures/values/", {"key": ["projects.stage_construction", "projects.started"], "year": 2025}
    )
    assert values.status_code == 200
    assert [(f["key"], f["value"]) for f in values.json()] == [
        ("projects.stage_construction", 3),
        ("projects.started", 0),
    ]


def test_the_registered_counts_agree_with_the_summary_for_a_period(staff, agency):
    started_project(D(2024, 3, 1), D(2024, 11, 30), agency=agency, school_places=900)
    started_project(D(2023, 3, 1), agency=agency)
    selection = Selection.from_query(staff, {"year": "2024"})
    summary = figures.portfolio_summary(Project.objects.filter(agency=agency), selection.period)
    assert read.compute("projects.started", selection).value == summary["started"]["total"] == 1
    assert read.compute("projects.completed", selection).value == summary["completed"]["total"] == 1
    assert read.compute("projects.advancing", selection).value == summary["advancing"]["total"] == 1
    assert read.compute("projects.completed_school_places", selection).value == 900
