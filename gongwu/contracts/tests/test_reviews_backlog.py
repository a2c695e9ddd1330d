"""The 双算 backlog: projects completed longer ago than their agency allows without an approved settlement review
or final accounts. Edges: exactly the allowance (due, not overdue) and a day more; a voided or unapproved review
does not count; each agency's own allowance; the page, its filters, its Excel export and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from gongwu.contracts import reviews
from gongwu.contracts.models import ContractSettings, Review, ReviewKind
from gongwu.contracts.testing import ReviewFactory
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client, english_client, xlsx_rows
from gongwu.projects.models import Project, Stage, StageChange
from gongwu.projects.testing import ProjectFactory, started_project

D = datetime.date
TODAY = D(2026, 12, 2)
# 2026-06-05 is exactly 180 days (the default settlement allowance) before TODAY; 2025-12-02 exactly 365.
DUE_TODAY = D(2026, 6, 5)
ONE_DAY_OVER = D(2026, 6, 4)
NOVEMBER_FIRST = D(2026, 11, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(travel):
    travel(TODAY)


@pytest.fixture
def agency():
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency):
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


def completed(agency: Any, day: datetime.date, **fields: Any) -> Project:
    return started_project(D(2024, 3, 1), day, agency=agency, **fields)


def approve(project: Project, kind: str = ReviewKind.SETTLEMENT, on: datetime.date = NOVEMBER_FIRST) -> Review:
    return ReviewFactory(
        project=project,
        kind=kind,
        status="approved",
        approved_amount=Decimal("9000000"),
        approved_on=on,
    )


def settlement_backlog(agency: Any) -> set[str]:
    rows = reviews.backlog_rows(Project.objects.filter(agency=agency), ReviewKind.SETTLEMENT)
    return {row.project.name for row in rows}


def test_exactly_the_allowance_is_due_and_a_day_more_is_overdue(agency):
    assert (TODAY - DUE_TODAY).days == 180
    completed(agency, DUE_TODAY, name="刚到期")
    completed(agency, ONE_DAY_OVER, name="逾期一天")
    ProjectFactory(agency=agency, name="在建", stage=Stage.CONSTRUCTION)
    [row] = reviews.backlog_rows(Project.objects.filter(agency=agency), ReviewKind.SETTLEMENT)
    assert (row.project.name, row.settlement_overdue, row.settlement_due) == ("逾期一天", 1, D(2026, 12, 1))
    assert reviews.backlog_count([agency.pk], ReviewKind.SETTLEMENT) == 1


def test_an_approved_settlement_review_takes_a_project_out_but_a_voided_or_pending_one_does_not(agency, staff):
    approve(completed(agency, ONE_DAY_OVER, name="已结算"))
    voided = approve(completed(agency, ONE_DAY_OVER, name="结算作废"))
    reviews.void_review(instance=voided, actor=staff, reason="审定金额录错")
    ReviewFactory(project=completed(agency, ONE_DAY_OVER, name="送审中"), kind=ReviewKind.SETTLEMENT)
    approve(completed(agency, ONE_DAY_OVER, name="只有预算"), kind=ReviewKind.BUDGET)
    assert settlement_backlog(agency) == {"结算作废", "送审中", "只有预算"}


def test_final_accounts_are_overdue_after_their_own_allowance(agency):
    assert (TODAY - D(2025, 12, 2)).days == 365
    due = completed(agency, D(2025, 12, 2), name="决算到期")
    over = completed(agency, D(2025, 12, 1), name="决算逾期")
    approve(due)
    approve(over)
    [row] = reviews.backlog_rows(Project.objects.filter(agency=agency), ReviewKind.FINAL)
    assert (row.project, row.final_overdue, row.settlement_overdue) == (over, 1, None)
    approve(over, kind=ReviewKind.FINAL)
    assert reviews.backlog_rows(Project.objects.filter(agency=agency), ReviewKind.FINAL) == []


def test_each_agency_has_its_own_allowance(agency):
    strict = AgencyFactory(name="仓山区建设工务署")
    ContractSettings.objects.create(agency=strict, settlement_due_days=90)
    completed(agency, D(2026, 8, 1), name="鼓楼")  # 123 days: within 180
    completed(strict, D(2026, 9, 3), name="仓山到期")  # 90 days: due
    completed(strict, D(2026, 9, 2), name="仓山逾期")  # 91 days
    both = Project.objects.filter(agency__in=[agency, strict])
    rows = reviews.backlog_rows(both, ReviewKind.SETTLEMENT)
    assert [(r.project.name, r.settlement_overdue) for r in rows] == [("仓山逾期", 1)]


def test_a_project_moved_to_a_completed_stage_without_its_acceptance_date_counts_from_that_day(agency):
    project = ProjectFactory(agency=agency, name="跳过验收", stage=Stage.SETTLEMENT)
    StageChange.objects.create(project=project, stage=Stage.COMPLETED, entered_on=D(2026, 5, 1))
    StageChange.objects.create(project=project, stage=Stage.SETTLEMENT, entered_on=D(2026, 7, 1))
    [row] = reviews.backlog_rows(Project.objects.filter(agency=agency), ReviewKind.SETTLEMENT)
    assert (row.completed_on, row.settlement_overdue) == (D(2026, 5, 1), 35)


def test_the_backlog_at_a_past_day_counts_reviews_approved_by_then(agency):
    project = completed(agency, ONE_DAY_OVER, name="迟到的结算")
    approve(project, on=D(2026, 12, 1))
    assert reviews.backlog_count([agency.pk], ReviewKind.SETTLEMENT, D(2026, 11, 30)) == 0  # not yet overdue
    assert reviews.backlog_count([agency.pk], ReviewKind.SETTLEMENT, D(2026, 12, 1)) == 0  # approved that day
    assert reviews.backlog_count([agency.pk], ReviewKind.SETTLEMENT) == 0


def test_the_page_lists_the_backlog_filters_by_director_and_exports_it(agency, staff):
    director = UserFactory(organization=agency, role=Role.DIRECTOR, display_name="王主任")
    completed(agency, ONE_DAY_OVER, name="王主任的项目", director=director)
    completed(agency, D(2026, 5, 5), name="别人的项目")
    completed(AgencyFactory(), D(2020, 1, 1), name="别的工务署")
    client = english_client(staff)
    content = client.get("/contracts/settlement-backlog/").content.decode()
    assert 'data-count="2"' in content
    assert "王主任的项目" in content and "别人的项目" in content and "别的工务署" not in content
    assert "31 days overdue" in content  # 2026-05-05 + 180 days = 2026-11-01
    content = client.get("/contracts/settlement-backlog/", {"director": director.pk}).content.decode()
    assert 'data-count="1"' in content and "别人的项目" not in content
    exported = client.get("/contracts/settlement-backlog/", {"format": "xlsx"})
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(exported.content)
    assert rows[0][:2] == ["project code", "project name"]
    assert [r[1] for r in rows[1:]] == ["别人的项目", "王主任的项目"]
    assert rows[1][7] == 31


def test_the_api_gives_the_backlog_and_a_company_gets_none(agency, staff):
    completed(agency, ONE_DAY_OVER, name="逾期一天")
    response = api_client(staff).get("/api/settlement-backlog/", {"missing": "settlement"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert (body["results"][0]["name"], body["results"][0]["settlement_overdue"]) == ("逾期一天", 1)
    company = UserFactory(role=Role.COMPANY, organization=CompanyFactory())
    assert api_client(company).get("/api/settlement-backlog/").status_code == 403
    assert english_client(company).get("/contracts/settlement-backlog/").status_code == 403
    bad = api_client(staff).get("/api/settlement-backlog/", {"missing": "nonsense"})
    assert bad.status_code == 422
