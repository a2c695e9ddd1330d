"""The review figures against hand-computed values: reviews approved in the period (voided, pending and other
periods' left out), the 合计 of budget and settlement reviews approved, final accounts, the 双算 backlog; each
figure links to the list of exactly its records; and the alert rules fire and clear."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from gongwu.alerts import services as alerts
from gongwu.alerts.models import Case
from gongwu.alerts.rules import RULES
from gongwu.contracts import reviews
from gongwu.contracts.models import Review, ReviewKind, ReviewStatus, Subcontract, SubcontractKind
from gongwu.contracts.testing import ContractFactory, ReviewFactory
from gongwu.core.figures import Selection, compute, registered_figures
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, english_client
from gongwu.projects.testing import ProjectFactory, started_project

D = datetime.date
TODAY = D(2026, 12, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(travel):
    travel(D(2026, 12, 2))


@pytest.fixture
def agency():
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency):
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


def review(agency: Any, kind: str, submitted: str, approved: str | None, on: datetime.date | None) -> Review:
    return ReviewFactory(
        project=ProjectFactory(agency=agency),
        kind=kind,
        submitted_amount=Decimal(submitted),
        approved_amount=Decimal(approved) if approved else None,
        approved_on=on,
        status=ReviewStatus.APPROVED if approved else ReviewStatus.SUBMITTED,
    )


@pytest.fixture
def reviewed(agency, staff):
    """Approved in 2026: budget 1,000 万 → 950 万 and 500 万 → 480 万; settlement 2,000 万 → 1,800 万,
    300 万 → 310 万 (审增) and 1 亿 → 8,500 万. Left out: a 2025 settlement, a voided one, one under review and
    another agency's."""
    review(agency, ReviewKind.BUDGET, "10000000", "9500000", D(2026, 3, 1))
    review(agency, ReviewKind.BUDGET, "5000000", "4800000", D(2026, 11, 30))
    review(agency, ReviewKind.SETTLEMENT, "20000000", "18000000", D(2026, 1, 1))
    review(agency, ReviewKind.SETTLEMENT, "3000000", "3100000", D(2026, 6, 30))
    review(agency, ReviewKind.SETTLEMENT, "100000000", "85000000", D(2026, 12, 1))
    review(agency, ReviewKind.SETTLEMENT, "7000000", "6000000", D(2025, 12, 31))
    voided = review(agency, ReviewKind.SETTLEMENT, "9000000", "1000000", D(2026, 5, 5))
    reviews.void_review(instance=voided, actor=staff, reason="重复录入")
    review(agency, ReviewKind.SETTLEMENT, "4000000", None, None)
    review(AgencyFactory(), ReviewKind.SETTLEMENT, "4000000", "3000000", D(2026, 5, 5))
    review(agency, ReviewKind.FINAL, "150000000", "140000000", D(2026, 9, 9))


def figure(staff: Any, key: str, **query: Any) -> Any:
    selection = Selection.from_query(staff, {"year": 2026, "agency": staff.organization_id, **query})
    return compute(key, selection)


def test_the_figures_are_registered():
    keys = {spec.key for spec in registered_figures("contracts")}
    assert {
        "contracts.budget_reviews",
        "contracts.budget_reviews_reduction_rate",
        "contracts.settlement_reviews",
        "contracts.settlement_reviews_approved",
        "contracts.cost_reviews_approved",
        "contracts.final_accounts",
        "contracts.settlement_backlog",
        "contracts.final_accounts_backlog",
    } <= keys


@pytest.mark.usefixtures("reviewed")
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("contracts.budget_reviews", 2),
        ("contracts.budget_reviews_submitted", Decimal("15000000")),
        ("contracts.budget_reviews_approved", Decimal("14300000")),
        ("contracts.budget_reviews_reduction", Decimal("700000")),
        ("contracts.budget_reviews_reduction_rate", Decimal("4.66")),  # 70 of 1,500: 4.666…, cut
        ("contracts.settlement_reviews", 3),
        ("contracts.settlement_reviews_submitted", Decimal("123000000")),
        ("contracts.settlement_reviews_approved", Decimal("106100000")),
        ("contracts.settlement_reviews_reduction", Decimal("16900000")),
        ("contracts.settlement_reviews_reduction_rate", Decimal("13.73")),  # 1,690 of 12,300: 13.739…, cut
        ("contracts.cost_reviews_approved", Decimal("120400000")),  # 1,430 + 10,610 = 12,040 万
        ("contracts.final_accounts", 1),
        ("contracts.final_accounts_approved", Decimal("140000000")),
    ],
)
def test_review_figures_are_the_hand_computed_values(staff, key, value):
    assert figure(staff, key).value == value


@pytest.mark.usefixtures("reviewed")
def test_the_year_before_is_compared_and_a_period_narrows_the_reviews(staff):
    settlements = figure(staff, "contracts.settlement_reviews")
    assert (settlements.value, settlements.previous) == (3, 1)
    first_half = figure(staff, "contracts.settlement_reviews_approved", **{"from": "2026-01-01", "to": "2026-06-30"})
    assert first_half.value == Decimal("21100000")


@pytest.mark.usefixtures("reviewed")
def test_a_figure_links_to_the_list_of_exactly_its_reviews(staff):
    found = figure(staff, "contracts.settlement_reviews")
    url = urlparse(found.url)
    assert url.path == "/contracts/reviews/"
    assert parse_qs(url.query) == {
        "agency": [str(staff.organization_id)],
        "kind": ["settlement"],
        "status": ["approved"],
        "approved_from": ["2026-01-01"],
        "approved_to": ["2026-12-31"],
        "voided": ["live"],
    }
    content = english_client(staff).get(found.url).content.decode()
    assert "Total of 3 approved" in content
    assert 'data-total="approved">1.06 hundred-million yuan' in content
    both = figure(staff, "contracts.cost_reviews_approved")
    content = english_client(staff).get(both.url).content.decode()
    assert "Total of 5 approved" in content  # budget and settlement, not the final accounts
    assert 'data-total="approved">1.20 hundred-million yuan' in content


def test_backlog_figures_count_the_projects_overdue(agency, staff):
    started_project(D(2024, 3, 1), D(2026, 6, 4), agency=agency)  # settlement 1 day overdue
    started_project(D(2023, 3, 1), D(2025, 12, 1), agency=agency)  # both overdue
    started_project(D(2024, 3, 1), D(2026, 6, 5), agency=agency)  # due today
    assert figure(staff, "contracts.settlement_backlog").value == 2
    assert figure(staff, "contracts.final_accounts_backlog").value == 1
    # at the end of 2025: the one completed 2025-12-01 was not yet overdue
    assert figure(staff, "contracts.settlement_backlog", year=2025).value == 0
    assert figure(staff, "contracts.settlement_backlog").url == (
        f"/contracts/settlement-backlog/?agency={agency.pk}&missing=settlement"
    )


def test_a_company_is_not_given_the_review_figures(staff):
    company_user = UserFactory(organization=CompanyFactory(), role=Role.COMPANY)
    assert Selection.from_query(company_user, {"year": 2026}).agencies == ()


# ---- the rules --------------------------------------------------------------------------------------------


def scan(agency: Any, code: str, today: datetime.date = TODAY) -> alerts.ScanReport:
    return alerts.scan(today=today, agency_ids=[agency.pk], codes=[code])


def cases(agency: Any, code: str) -> list[Case]:
    return list(Case.objects.filter(agency=agency, rule_code=code).order_by("id"))


def test_the_rules_are_registered():
    assert {
        "contracts.settlement_overdue",
        "contracts.final_accounts_overdue",
        "contracts.subcontracting_over_limit",
        "contracts.subcontract_filed_late",
    } <= set(RULES)


def test_settlement_overdue_opens_a_case_and_the_approved_review_clears_it(agency, staff):
    project = started_project(D(2024, 3, 1), D(2026, 6, 4), agency=agency, name="光明中学")
    started_project(D(2024, 3, 1), D(2026, 6, 5), agency=agency, name="刚到期")
    report = scan(agency, "contracts.settlement_overdue")
    assert (report.opened, report.cleared) == (1, 0)
    [case] = cases(agency, "contracts.settlement_overdue")
    assert case.subject == project
    assert case.trigger["days_late"] == 1
    assert "光明中学" in case.title
    ReviewFactory(
        project=project,
        status=ReviewStatus.APPROVED,
        approved_amount=Decimal("9000000"),
        approved_on=D(2026, 12, 2),
    )
    report = scan(agency, "contracts.settlement_overdue")
    assert (report.opened, report.cleared) == (0, 1)


def test_subcontracting_over_the_limit_and_late_filing_open_cases(agency, staff):
    contract = ContractFactory(agency=agency, amount=Decimal("100000000"))
    company = CompanyFactory()
    at_limit = Subcontract.objects.create(
        contract=contract,
        kind=SubcontractKind.SPECIALIST,
        company=company,
        scope="幕墙",
        amount=Decimal("30000000"),
        start_on=D(2026, 11, 1),
        filed_on=D(2026, 11, 8),  # 7 days: in time
    )
    assert scan(agency, "contracts.subcontracting_over_limit").opened == 0
    assert scan(agency, "contracts.subcontract_filed_late").opened == 0
    late = Subcontract.objects.create(
        contract=contract,
        kind=SubcontractKind.LABOUR,
        company=company,
        scope="劳务",
        amount=Decimal("0.01"),
        start_on=D(2026, 11, 1),
        filed_on=D(2026, 11, 9),  # 8 days: one late
    )
    assert scan(agency, "contracts.subcontracting_over_limit").opened == 1
    assert cases(agency, "contracts.subcontracting_over_limit")[0].subject == contract
    assert scan(agency, "contracts.subcontract_filed_late").opened == 1
    [case] = cases(agency, "contracts.subcontract_filed_late")
    assert (case.subject, case.trigger["days_late"]) == (late, 1)
    reviews.void_subcontract(instance=late, actor=staff, reason="撤回")
    assert scan(agency, "contracts.subcontracting_over_limit").cleared == 1
    assert scan(agency, "contracts.subcontract_filed_late").cleared == 1
    assert not at_limit.is_voided
