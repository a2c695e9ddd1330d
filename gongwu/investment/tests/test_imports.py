"""The investment ledgers (年度计划, 月度完成, 资金支付) in Excel: bad rows named in the preview with nothing
written, clean files creating rows (actuals as drafts), months written as people write them, and
exports that import back unchanged in both UI languages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils.html import escape

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Job, JobStatus
from gongwu.investment.imports import AnnualPlanLedger, MonthlyActualLedger, PaymentLedger
from gongwu.investment.models import (
    ActualStatus,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    Payment,
    PaymentKind,
    ScheduleMonth,
)
from gongwu.investment.testing import TEMPLATE_SHARES, AnnualPlanFactory, actual, payment
from gongwu.projects.models import PlanCategory
from gongwu.projects.testing import ProjectFactory

YEAR = 2025  # a past year: no month of it is in the future
PLANS_URL, ACTUALS_URL, PAYMENTS_URL = "/investment/plans/", "/investment/actuals/", "/investment/payments/"
EXCEL_DATE = datetime.datetime(YEAR, 5, 20)  # noqa: DTZ001 — a date cell (any day of the month), naive as Excel's
LEDGER_URL = {AnnualPlanLedger: PLANS_URL, MonthlyActualLedger: ACTUALS_URL, PaymentLedger: PAYMENTS_URL}

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def payee(db: Any) -> Any:
    return testing.CompanyFactory(name="闽江建设工程有限公司")


@pytest.fixture
def projects(agency: Any) -> dict[str, Any]:
    """Three projects of the agency: two with a 2025 plan, one without any plan."""
    school = ProjectFactory(
        agency=agency, code="GL-2025-001", name="鼓楼区第二实验小学", approved_investment=Decimal("300000000")
    )
    road = ProjectFactory(
        agency=agency, code="GL-2025-002", name="东街片区道路工程", approved_investment=Decimal("200000000")
    )
    unplanned = ProjectFactory(agency=agency, code="GL-2025-003", name="西湖公园提升工程")
    return {"school": school, "road": road, "unplanned": unplanned}


@pytest.fixture
def plans(projects: dict[str, Any]) -> dict[str, AnnualPlan]:
    return {
        "school": AnnualPlanFactory(project=projects["school"], year=YEAR, amount=Decimal("120000000.00")),
        "road": AnnualPlanFactory(
            project=projects["road"],
            year=YEAR,
            amount=Decimal("80000000.00"),
            funding_source=FundingSource.SPECIAL_BOND,
        ),
    }


def upload(client: Any, url: str, content: bytes) -> Any:
    return testing.upload_ledger(client, f"{url}import/", content, "台账.xlsx")


def database_state() -> tuple[int, ...]:
    return (
        AnnualPlan.objects.count(),
        ScheduleMonth.objects.count(),
        MonthlyActual.objects.count(),
        Payment.objects.count(),
        ChangeLogEntry.objects.count(),
    )


def shares(values: list[Decimal] | None = None) -> dict[str, float]:
    return {f"m{m}": float(v) for m, v in enumerate(values or TEMPLATE_SHARES, start=1)}


def plan_row(code: str, **cells: Any) -> dict[str, Any]:
    return {
        "project": code,
        "year": YEAR,
        "plan_category": "New start",
        "funding_source": "District fiscal funds",
        "amount": 60000000,
        "funds_available": 50000000,
        "over_approved": "否",
        "note": "",
        **shares(),
        **cells,
    }


def actual_row(code: str, month: Any, amount: Any = 5000000, **cells: Any) -> dict[str, Any]:
    return {"project": code, "month": month, "amount": amount, "note": "", **cells}


def payment_row(code: str, voucher: str, company: Any, **cells: Any) -> dict[str, Any]:
    return {
        "project": code,
        "paid_on": datetime.date(YEAR, 6, 30),
        "amount": 3500000,
        "kind": "Progress payment (进度款)",
        "payee": company.name,
        "voucher_number": voucher,
        **cells,
    }


def check_bad_row(staff: Any, ledger: type, rows: list[dict[str, Any]], message: str) -> None:
    """The preview names the bad (second) row's error, and neither preview nor apply writes anything."""
    content = testing.ledger_xlsx(ledger, rows)
    before = database_state()
    response = upload(testing.english_client(staff), LEDGER_URL[ledger], content)
    assert response.status_code == 200
    counts = testing.preview_counts(response.content)
    assert counts["error"] == 1
    assert counts["create"] + counts["update"] + counts["unchanged"] == len(rows) - 1
    assert escape(message) in response.content.decode()
    assert not testing.awaits_confirmation()

    result = ledger().apply(ledger().read(content, "台账.xlsx"), staff)
    [error] = [r for r in result.rows if r.action == "error"]
    assert error.number == 3  # the header is row 1
    assert any(message in e for e in error.errors), error.errors
    assert database_state() == before


# ---- annual plans -------------------------------------------------------------------------------


def test_a_clean_plan_file_creates_the_plans_with_their_monthly_schedule(staff: Any, projects: dict) -> None:
    ledger = AnnualPlanLedger()
    front_loaded = [Decimal(v) for v in ("5", "10", "20", "30", "40", "50", "60", "70", "80", "90", "95", "100")]
    content = testing.ledger_xlsx(
        AnnualPlanLedger,
        [
            plan_row("GL-2025-001", amount=120000000, note="续建"),
            plan_row("GL-2025-002", amount=80000000, funding_source="Special-purpose bonds", **shares(front_loaded)),
        ],
    )
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]

    school = AnnualPlan.objects.get(project=projects["school"])
    assert (school.year, school.amount, school.adjusted_amount, school.funds_available) == (
        YEAR,
        Decimal("120000000.00"),
        Decimal("120000000.00"),
        Decimal("50000000.00"),
    )
    assert (school.plan_category, school.funding_source, school.note) == (
        PlanCategory.NEW_START,
        FundingSource.DISTRICT_FISCAL,
        "续建",
    )
    assert school.share_values() == TEMPLATE_SHARES
    road = AnnualPlan.objects.get(project=projects["road"])
    assert road.share_values() == front_loaded
    # The two plans and their twelve months each.
    logged = ChangeLogEntry.objects.filter(source="import", actor=staff)
    assert logged.filter(content_type__model="annualplan").count() == 2
    assert logged.filter(content_type__model="schedulemonth").count() == 24

    again = ledger.preview(ledger.read(content, "台账.xlsx"), staff)
    assert again.summary == {"create": 0, "update": 0, "unchanged": 2, "error": 0}


def test_a_plan_file_changes_the_schedule_of_an_existing_plan(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    later = [Decimal(v) for v in ("0", "0", "5", "10", "20", "30", "45", "60", "70", "80", "90", "100")]
    ledger = AnnualPlanLedger()
    content = testing.ledger_xlsx(
        AnnualPlanLedger,
        [
            plan_row(
                "GL-2025-001",
                amount=120000000,
                funds_available="",
                funding_source="City fiscal funds",
                plan_category="",
                **shares(later),
            )
        ],
    )
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 1, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    plan = plans["school"]
    plan.refresh_from_db()
    assert plan.share_values() == later
    assert plan.amount == Decimal("120000000.00")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"project": "GL-9999-404"}, "project code: no “GL-9999-404” found."),
        ({"amount": -60000000}, "The amount cannot be negative."),
        ({"amount": 400000000}, "is more than the project's approved total investment"),
        ({**shares([*TEMPLATE_SHARES[:4], Decimal("12"), *TEMPLATE_SHARES[5:]])}, "Month 5: the cumulative share"),
        ({**shares([*TEMPLATE_SHARES[:11], Decimal("95")])}, "By December the cumulative share must reach 100%."),
        ({"m7": ""}, "Give the cumulative share of every month, or none to use a template."),
        ({"funding_source": "外资"}, "funding source: “外资” is not one of the choices."),
        ({"year": 1999}, "year:"),
    ],
    ids=[
        "unknown project code",
        "negative amount",
        "above the approved investment",
        "schedule that decreases",
        "schedule short of 100%",
        "a month missing",
        "unknown funding source",
        "year out of range",
    ],
)
def test_a_bad_plan_row_is_named_in_the_preview_and_nothing_is_written(
    staff: Any, projects: dict, cells: dict, message: str
) -> None:
    rows = [plan_row("GL-2025-001"), plan_row("GL-2025-002", **cells), plan_row("GL-2025-003")]
    check_bad_row(staff, AnnualPlanLedger, rows, message)


def test_a_plan_row_of_a_project_the_user_may_not_see_is_unknown(staff: Any, projects: dict) -> None:
    ProjectFactory(agency=testing.AgencyFactory(name="仓山区建设工务署"), code="CS-2025-001")
    rows = [plan_row("GL-2025-001"), plan_row("CS-2025-001"), plan_row("GL-2025-002")]
    check_bad_row(staff, AnnualPlanLedger, rows, "project code: no “CS-2025-001” found.")


# ---- monthly actuals ----------------------------------------------------------------------------


def test_months_written_as_text_chinese_or_as_excel_dates_are_read(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    ledger = MonthlyActualLedger()
    content = testing.ledger_xlsx(
        MonthlyActualLedger,
        [
            actual_row("GL-2025-001", f"{YEAR}-03", 4000000),
            actual_row("GL-2025-001", f"{YEAR}年4月", 6000000),
            actual_row("GL-2025-001", EXCEL_DATE, 7000000),
            actual_row("GL-2025-002", f"{YEAR}/6", 2500000.5),
            actual_row("GL-2025-002", f"{YEAR}.07", 1000000),
        ],
    )
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 5, "update": 0, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    stored = list(
        MonthlyActual.objects.order_by("project__code", "month").values_list(
            "project__code", "month", "amount", "status"
        )
    )
    assert stored == [
        ("GL-2025-001", datetime.date(YEAR, 3, 1), Decimal("4000000.00"), ActualStatus.DRAFT),
        ("GL-2025-001", datetime.date(YEAR, 4, 1), Decimal("6000000.00"), ActualStatus.DRAFT),
        ("GL-2025-001", datetime.date(YEAR, 5, 1), Decimal("7000000.00"), ActualStatus.DRAFT),
        ("GL-2025-002", datetime.date(YEAR, 6, 1), Decimal("2500000.50"), ActualStatus.DRAFT),
        ("GL-2025-002", datetime.date(YEAR, 7, 1), Decimal("1000000.00"), ActualStatus.DRAFT),
    ]
    assert set(MonthlyActual.objects.values_list("plan__year", flat=True)) == {YEAR}


def test_imported_actuals_count_nowhere_until_confirmed(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    from gongwu.investment import figures

    ledger = MonthlyActualLedger()
    content = testing.ledger_xlsx(MonthlyActualLedger, [actual_row("GL-2025-001", f"{YEAR}-03", 9000000)])
    ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    [row] = [r for r in figures.plan_rows(AnnualPlan.objects.all(), YEAR, 3) if r.code == "GL-2025-001"]
    assert (row.actual, row.unconfirmed) == (Decimal("0.00"), Decimal("9000000.00"))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (actual_row("GL-9999-404", f"{YEAR}-03"), "project code: no “GL-9999-404” found."),
        (actual_row("GL-2025-002", f"{YEAR}-03", -5000000), "The amount cannot be negative."),
        (actual_row("GL-2025-001", f"{YEAR}-02"), "This month's figure is confirmed and can no longer change."),
        (actual_row("GL-2025-002", f"{YEAR - 1}-12"), f"The project has no investment plan for {YEAR - 1}"),
        (actual_row("GL-2025-003", f"{YEAR}-03"), f"The project has no investment plan for {YEAR}"),
        (actual_row("GL-2025-002", f"{YEAR}-13"), "is not a month; write it as 2026-03"),
        (actual_row("GL-2025-002", "三月"), "is not a month; write it as 2026-03"),
        (actual_row("GL-2025-002", f"{YEAR + 5}-03"), "a month that has not begun"),
        (actual_row("GL-2025-002", f"{YEAR}-03", 900000000000), "is not a plausible amount"),
    ],
    ids=[
        "unknown project code",
        "negative amount",
        "month already confirmed",
        "month outside any plan year",
        "project without a plan",
        "month 13",
        "not a month",
        "future month",
        "absurd amount",
    ],
)
def test_a_bad_actual_row_is_named_in_the_preview_and_nothing_is_written(
    staff: Any, plans: dict[str, AnnualPlan], bad: dict, message: str
) -> None:
    confirmed = actual(plans["school"], 2, "3000000")
    before = testing.stored(confirmed)
    rows = [actual_row("GL-2025-001", f"{YEAR}-03"), bad, actual_row("GL-2025-002", f"{YEAR}-04")]
    check_bad_row(staff, MonthlyActualLedger, rows, message)
    assert testing.stored(confirmed) == before


def test_a_confirmed_month_cannot_be_overwritten_from_a_file(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    confirmed = actual(plans["school"], 2, "3000000")
    before = testing.stored(confirmed)
    ledger = MonthlyActualLedger()
    content = testing.ledger_xlsx(MonthlyActualLedger, [actual_row("GL-2025-001", f"{YEAR}-02", 3500000)])
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary["error"] == 1
    assert "This month's figure is confirmed and can no longer change." in " ".join(result.rows[0].errors)
    assert testing.stored(confirmed) == before


def test_a_draft_month_is_updated_from_a_file(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    draft = actual(plans["school"], 3, "3000000", status=ActualStatus.DRAFT)
    ledger = MonthlyActualLedger()
    content = testing.ledger_xlsx(MonthlyActualLedger, [actual_row("GL-2025-001", f"{YEAR}年3月", 3500000)])
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 1, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    draft.refresh_from_db()
    assert (draft.amount, draft.status) == (Decimal("3500000.00"), ActualStatus.DRAFT)


def test_the_same_month_twice_in_a_file_is_an_error(staff: Any, plans: dict[str, AnnualPlan]) -> None:
    rows = [
        actual_row("GL-2025-002", f"{YEAR}-03"),
        actual_row("GL-2025-001", f"{YEAR}年3月"),
        actual_row("GL-2025-001", f"{YEAR}-03", 1000),
    ]
    content = testing.ledger_xlsx(MonthlyActualLedger, rows)
    before = database_state()
    response = upload(testing.english_client(staff), ACTUALS_URL, content)
    assert response.status_code == 200
    assert testing.preview_counts(response.content) == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert "Same record as row 3." in response.content.decode()
    assert database_state() == before


# ---- payments -----------------------------------------------------------------------------------


def test_a_clean_payment_file_creates_the_payments(staff: Any, plans: dict[str, AnnualPlan], payee: Any) -> None:
    ledger = PaymentLedger()
    content = testing.ledger_xlsx(
        PaymentLedger,
        [
            payment_row("GL-2025-001", "记-0601", payee, kind="Advance payment (预付款)", paid_on="2025年3月5日"),
            payment_row("GL-2025-002", "记-0602", payee, payee="", kind="Settlement payment (结算款)"),
        ],
    )
    result = ledger.apply(ledger.read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    stored = list(
        Payment.objects.order_by("voucher_number").values_list("project__code", "paid_on", "amount", "kind", "payee")
    )
    assert stored == [
        ("GL-2025-001", datetime.date(YEAR, 3, 5), Decimal("3500000.00"), PaymentKind.ADVANCE, payee.pk),
        ("GL-2025-002", datetime.date(YEAR, 6, 30), Decimal("3500000.00"), PaymentKind.SETTLEMENT, None),
    ]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"project": "GL-9999-404"}, "project code: no “GL-9999-404” found."),
        ({"amount": -3500000}, "The amount cannot be negative."),
        ({"amount": 0}, "A payment is more than zero."),
        ({"payee": "不存在的公司"}, "payee: no “不存在的公司” found."),
        ({"kind": "回扣"}, "kind: “回扣” is not one of the choices."),
        ({"paid_on": datetime.date(2100, 1, 1)}, "A payment cannot be dated in the future."),
    ],
    ids=["unknown project code", "negative amount", "zero", "unknown payee", "unknown kind", "future date"],
)
def test_a_bad_payment_row_is_named_in_the_preview_and_nothing_is_written(
    staff: Any, plans: dict[str, AnnualPlan], payee: Any, cells: dict, message: str
) -> None:
    rows = [
        payment_row("GL-2025-001", "记-0001", payee),
        payment_row("GL-2025-002", "记-0002", payee, **cells),
        payment_row("GL-2025-002", "记-0003", payee),
    ]
    check_bad_row(staff, PaymentLedger, rows, message)


# ---- the whole flow through the pages -----------------------------------------------------------


def test_a_confirmed_actual_import_runs_as_a_job_and_creates_drafts(
    staff: Any, plans: dict[str, AnnualPlan], django_capture_on_commit_callbacks: Any
) -> None:
    client = testing.english_client(staff)
    content = testing.ledger_xlsx(
        MonthlyActualLedger,
        [actual_row("GL-2025-001", f"{YEAR}-03", 4000000), actual_row("GL-2025-002", f"{YEAR}年3月", 2000000)],
    )
    preview = upload(client, ACTUALS_URL, content)
    assert preview.status_code == 200
    assert testing.preview_counts(preview.content) == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not MonthlyActual.objects.exists()
    job = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert sorted(MonthlyActual.objects.values_list("amount", "status")) == [
        (Decimal("2000000.00"), ActualStatus.DRAFT),
        (Decimal("4000000.00"), ActualStatus.DRAFT),
    ]


# ---- export and re-import -----------------------------------------------------------------------


@pytest.fixture
def ledgers(plans: dict[str, AnnualPlan], payee: Any) -> None:
    """Every ledger's kinds of values: fractions of a share, empty and filled optional cells, each status
    confirmed included, each payment kind, a payment without a payee."""
    school, road = plans["school"], plans["road"]
    AnnualPlan.objects.filter(pk=school.pk).update(
        funds_available=Decimal("100000000.00"), plan_category=PlanCategory.CONTINUING, note="市重点"
    )
    from gongwu.investment import services

    services.set_schedule(
        road, [Decimal(v) for v in ("0", "2.5", "8", "15", "30", "45", "55", "65", "75", "85", "93.33", "100")]
    )
    actual(school, 1, "1234567.89", status=ActualStatus.DRAFT)
    actual(school, 2, "2000000", status=ActualStatus.SUBMITTED)
    actual(road, 3, "0.01", status=ActualStatus.RETURNED)
    for n, kind in enumerate(PaymentKind.values, start=1):
        payment(school, datetime.date(YEAR, n, 10), f"{n}00000.5{n}", kind=kind, payee=payee, voucher_number=f"记-{n}")
    payment(road, datetime.date(YEAR, 8, 31), "7654321", voucher_number="记-9", note="直接支付")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("url", [PLANS_URL, ACTUALS_URL, PAYMENTS_URL], ids=["plans", "actuals", "payments"])
def test_an_exported_ledger_imports_back_with_every_row_unchanged(
    staff: Any, ledgers: None, url: str, language: str
) -> None:
    client = testing.english_client(staff)
    client.cookies["django_language"] = language
    exported = client.get(f"{url}export/")
    assert exported.status_code == 200
    data_rows = len(testing.xlsx_rows(exported.content)) - 1
    assert data_rows >= 2
    before = database_state()
    response = upload(client, url, exported.content)
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert testing.preview_counts(response.content) == {
        "create": 0,
        "update": 0,
        "unchanged": data_rows,
        "error": 0,
    }
    assert database_state() == before


def test_the_exported_month_is_written_as_a_month(staff: Any, ledgers: None) -> None:
    rows = testing.xlsx_rows(testing.english_client(staff).get(f"{ACTUALS_URL}export/").content)
    assert rows[0][:3] == ["project code", "month", "completed this month (元)"]
    assert sorted(r[1] for r in rows[1:]) == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-03"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_exported_ledger_with_confirmed_months_imports_back_unchanged(
    staff: Any, plans: dict[str, AnnualPlan], language: str
) -> None:
    actual(plans["school"], 1, "1000000")
    actual(plans["road"], 1, "500000", status=ActualStatus.DRAFT)
    client = testing.english_client(staff)
    client.cookies["django_language"] = language
    exported = client.get(f"{ACTUALS_URL}export/")
    response = upload(client, ACTUALS_URL, exported.content)
    assert testing.preview_counts(response.content) == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
