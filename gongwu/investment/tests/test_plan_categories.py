"""A project's plan category in a year is its annual plan's: the projects summary shows the year's plan categories
from the annual plans (through the figure registry), and migration 0004 moved the projects' own field into them."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from gongwu.core import figures as read
from gongwu.core import testing
from gongwu.core.figures import Selection
from gongwu.core.models import Role
from gongwu.investment.models import AnnualPlan
from gongwu.investment.testing import AnnualPlanFactory
from gongwu.projects.models import Participation, PartyRole, PlanCategory
from gongwu.projects.testing import ProjectFactory
from gongwu.projects.tests.test_pages import Figures, listed


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
def plans(agency):
    """2024: three continuing, two new starts, one unplanned addition, one plan without a category; 2023: one new
    start (the same project as a 2024 continuing one); another agency's 2024 plan."""
    categories = [PlanCategory.CONTINUING] * 3 + [PlanCategory.NEW_START] * 2 + [PlanCategory.UNPLANNED, ""]
    projects = [ProjectFactory(agency=agency) for _category in categories]
    for project, category in zip(projects, categories, strict=True):
        AnnualPlanFactory(project=project, year=2024, plan_category=category, amount=Decimal("1000000"))
    AnnualPlanFactory(project=projects[0], year=2023, plan_category=PlanCategory.NEW_START, amount=Decimal("1000000"))
    AnnualPlanFactory(project=ProjectFactory(), year=2024, plan_category=PlanCategory.NEW_START)


def test_the_2024_plan_categories_on_the_summary_are_the_2024_annual_plans(staff, plans):
    client = testing.english_client(staff)
    page = Figures(client.get(reverse("projects:summary") + "?year=2024").content.decode())
    shown = {key: page.value(key) for key in page.figures if key.startswith("plan")}
    assert shown == {
        "plan": "7",
        "plan-continuing": "3",
        "plan-new_start": "2",
        "plan-unplanned": "1",
        "plan-reserve": "0",
        "plan-": "1",
    }
    for key, value in shown.items():
        assert listed(client, page.url(key)) == int(value), key
        assert parse_qs(urlsplit(page.url(key)).query)["year"] == ["2024"]
    assert AnnualPlan.objects.filter(project__agency=staff.organization, year=2024).count() == 7


def test_the_plan_figure_comes_through_the_registry_with_the_year_before(staff, plans):
    figure = read.compute("investment.projects_by_plan_category", Selection.from_query(staff, {"year": "2024"}))
    assert (figure.value, figure.previous) == (7, 1)
    assert {f.key: f.value for f in figure.children} == {
        PlanCategory.CONTINUING: 3,
        PlanCategory.NEW_START: 2,
        PlanCategory.UNPLANNED: 1,
        PlanCategory.RESERVE: 0,
        "": 1,
    }
    body = testing.api_client(staff).get("/api/projects/summary/", {"year": 2024}).json()
    assert body["plan"] == {
        "year": 2024,
        "total": 7,
        "counts": {"continuing": 3, "new_start": 2, "unplanned": 1, "reserve": 0, "": 1},
    }


def test_a_period_across_two_years_has_no_plan_card(staff, plans):
    client = testing.english_client(staff)
    body = client.get(reverse("projects:summary") + "?from=2023-07-01&to=2024-06-30").content.decode()
    assert 'id="plan"' not in body
    api = testing.api_client(staff).get("/api/projects/summary/", {"from": "2023-07-01", "to": "2024-06-30"})
    assert api.json()["plan"] is None


def test_a_company_sees_the_summary_of_its_projects_without_the_plan_card(agency, plans):
    company = testing.CompanyFactory()
    project = AnnualPlan.objects.filter(year=2024, project__agency=agency).first().project
    Participation.objects.create(project=project, organization=company, role=PartyRole.GENERAL_CONTRACTOR)
    representative = testing.UserFactory(organization=company, role=Role.COMPANY)
    response = testing.english_client(representative).get(reverse("projects:summary") + "?year=2024")
    assert response.status_code == 200
    page = Figures(response.content.decode())
    assert page.value("total") == "1"
    assert not any(key.startswith("plan") for key in page.figures)


# ---- migration 0004 ----------------------------------------------------------------------------------

BEFORE = [("projects", "0007_project_intake"), ("investment", "0003_plan_month_figures_rollup")]


@pytest.mark.django_db(transaction=True)
def test_migration_0004_moves_the_projects_plan_categories_into_the_annual_plans_and_creates_none():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Organization = old.get_model("core", "Organization")
    Project = old.get_model("projects", "Project")
    Plan = old.get_model("investment", "AnnualPlan")
    agency = Organization.objects.create(name="旧数据工务署", kind="agency")

    def project(code, year, category):
        return Project.objects.create(
            agency=agency, code=code, name=code, category="school", plan_year=year, plan_category=category
        )

    def plan(of, year, category=""):
        return Plan.objects.create(project=of, year=year, plan_category=category, amount=1, adjusted_amount=1)

    moved = plan(project("A", 2024, "new_start"), 2024)
    agreed = plan(project("B", 2024, "continuing"), 2024, "continuing")
    differed = plan(project("C", 2024, "unplanned"), 2024, "new_start")
    other_year = plan(project("D", 2023, "reserve"), 2024)  # no 2023 plan: dropped
    project("E", 2024, "new_start")  # no plan at all: dropped
    project("F", None, "")  # nothing to move

    out = io.StringIO()
    with redirect_stdout(out):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    categories = dict(AnnualPlan.objects.values_list("pk", "plan_category"))
    assert categories == {moved.pk: "new_start", agreed.pk: "continuing", differed.pk: "new_start", other_year.pk: ""}
    assert AnnualPlan.objects.count() == 4
    assert (
        "Plan categories of projects: 1 copied into the annual plan of their year, 1 the same as it already, "
        "1 different from it (the annual plan's kept), 2 without an annual plan of their year (dropped, none "
        "created): D (2023), E (2024)"
    ) in out.getvalue()
