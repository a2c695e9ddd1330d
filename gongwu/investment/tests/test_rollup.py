"""The dashboard reads the rollup (`PlanMonthFigures`, each plan's figures by month, and `AgencyMonthFigures`,
their sums by agency and month), kept by the investment services: after each kind of change, through each path
(services, page, API, import, admin, demo), the kept rows equal a rebuild from scratch, and every figure of the
dashboard at every month equals the same dashboard computed from the records (`live=True`). A project moved to
another agency or deleted (writes of the projects app, past these services) is noticed by the dashboard, which
heals the rollup before it shows anything."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import RequestFactory

from gongwu.core import services as core_services
from gongwu.core import testing
from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, UserFactory, api_client, english_client
from gongwu.investment import figures, rollup, services
from gongwu.investment.imports import AnnualPlanLedger, MonthlyActualLedger, PaymentLedger
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AgencyMonthFigures,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentRateBase,
    PlanAdjustment,
    PlanMonthFigures,
)
from gongwu.investment.testing import AnnualPlanFactory, ScheduleTemplateFactory, actual, payment
from gongwu.projects.testing import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
MONTHS = [(2025, 12), *((2026, m) for m in range(1, 13))]  # 2026's dashboards also read 2025 (the year before)
JSON = "application/json"


def kept_rows() -> list[tuple]:
    return list(
        PlanMonthFigures.objects.order_by("plan_id", "month").values_list(
            "plan_id",
            "agency_id",
            "year",
            "month",
            "scheduled",
            "status",
            "reported",
            "actual",
            "actual_to_date",
            "unconfirmed_to_date",
            "paid",
            "paid_to_date",
        )
    )


def kept_sums() -> list[tuple]:
    """The agencies' monthly sums that count something (a sum left at no plans must be all zero)."""
    empty = AgencyMonthFigures.objects.filter(plans=0)
    assert list(empty.values_list("reported", "scheduled", "actual_to_date", "paid_to_date").distinct()) in (
        [],
        [(0, 0, 0, 0)],
    )
    return list(
        AgencyMonthFigures.objects.filter(plans__gt=0)
        .order_by("agency_id", "year", "month", "status")
        .values_list(
            "agency_id", "year", "month", "status", "plans", "reported", "scheduled", "actual_to_date", "paid_to_date"
        )
    )


def assert_kept_equals_a_rebuild() -> None:
    rows, sums = kept_rows(), kept_sums()
    rollup.rebuild()
    assert kept_rows() == rows
    assert kept_sums() == sums
    assert len(rows) == 12 * AnnualPlan.objects.count()


def assert_rollup_is_live(*agency_ids: int, healed_by_the_dashboard: bool = False) -> None:
    """The rows kept by the writes equal the rows rebuilt from scratch (after the dashboard has looked, when the
    change was past the services), and every figure of the dashboard, at every month, from the rollup equals
    the live computation."""
    if not healed_by_the_dashboard:
        assert_kept_equals_a_rebuild()
    for year, month in MONTHS:
        kept = figures.dashboard(list(agency_ids), year, month)
        live = figures.dashboard(list(agency_ids), year, month, live=True)
        assert kept == live, (year, month)
    assert_kept_equals_a_rebuild()


@pytest.fixture
def w(agency: Any, staff: Any, leader: Any) -> SimpleNamespace:
    """Three projects with plans over two years, reports in every status, payments; another agency beside."""
    InvestmentSettings.objects.create(
        agency=agency, attention_below=85, supervision_below=70, payment_rate_base=PaymentRateBase.PLAN
    )
    school = ProjectFactory(agency=agency, code="GL-01", name="鼓楼一中教学楼")
    road = ProjectFactory(agency=agency, code="GL-02", name="东街道路")
    park = ProjectFactory(agency=agency, code="GL-03", name="西湖公园")
    school_2025 = AnnualPlanFactory(project=school, year=2025, amount=Decimal("90000000"))
    school_2026 = AnnualPlanFactory(project=school, year=2026, amount=Decimal("100000000"))
    road_2026 = AnnualPlanFactory(project=road, year=2026, amount=Decimal("60000000.33"))
    park_2026 = AnnualPlanFactory(project=park, year=2026, amount=Decimal("7777777.77"), schedule=[0] * 11 + [100])
    for month in range(1, 13):
        actual(school_2025, month, Decimal("6000000.10") + month)
    for month in range(1, 10):
        actual(school_2026, month, Decimal("7000000.07") * month % Decimal("9000000"))
    october = actual(school_2026, 10, "8000000", status=ActualStatus.SUBMITTED)
    november = actual(school_2026, 11, "3000000", status=ActualStatus.DRAFT)
    for month in range(1, 9):
        actual(road_2026, month, Decimal("2000000.5") * (month % 3))
    september = actual(road_2026, 9, "4100000", status=ActualStatus.RETURNED)
    payment(school_2025, D(2025, 11, 3), "12000000")
    payment(school_2026, D(2026, 1, 20), "10000000")
    payment(school_2026, D(2026, 6, 30), "22000000.01")
    road_pay = payment(road_2026, D(2026, 3, 15), "5000000")
    other = AgencyFactory(name="仓山区建设工务署")
    other_plan = AnnualPlanFactory(project=ProjectFactory(agency=other, code="CS-01"), year=2026)
    actual(other_plan, 2, "9000000")
    payment(other_plan, D(2026, 2, 2), "1000000")
    return SimpleNamespace(
        agency=agency,
        other=other,
        staff=staff,
        leader=leader,
        director=UserFactory(organization=agency, role=Role.DIRECTOR),
        school=school,
        road=road,
        park=park,
        school_2025=school_2025,
        school_2026=school_2026,
        road_2026=road_2026,
        park_2026=park_2026,
        october=october,
        november=november,
        september=september,
        road_pay=road_pay,
    )


def confirm(w: Any) -> None:
    services.confirm_actual(w.october, w.leader)


def return_report(w: Any) -> None:
    services.return_actual(w.october, w.leader, "与监理月报不符")


def submit_and_confirm_many(w: Any) -> None:
    services.submit_actual(w.november, w.director)
    services.confirm_many([w.october, w.november], w.staff)


def void(w: Any) -> None:
    march = MonthlyActual.objects.get(plan=w.school_2026, month=D(2026, 3, 1))
    services.void_monthly_actual(instance=march, actor=w.staff, reason="重复计入")


def void_and_report_again(w: Any) -> None:
    void(w)
    again = services.save_monthly_actual(
        instance=MonthlyActual(project=w.school, month=D(2026, 3, 1), amount=Decimal("1234567.89")), actor=w.staff
    )
    services.submit_actual(again, w.director)
    services.confirm_actual(again, w.leader)


def change_a_draft(w: Any) -> None:
    w.november.amount = Decimal("3500000.55")
    services.save_monthly_actual(instance=w.november, actor=w.staff)


def change_a_returned_report(w: Any) -> None:
    w.september.amount = Decimal("100")
    services.save_monthly_actual(instance=w.september, actor=w.staff)


def move_a_draft_to_another_project(w: Any) -> None:
    w.november.project = w.road
    services.save_monthly_actual(instance=w.november, actor=w.staff)


def delete_a_draft(w: Any) -> None:
    services.delete_monthly_actual(instance=w.november, actor=w.staff)


def adjust(direction: str, approve: bool) -> Callable[[Any], None]:
    def step(w: Any) -> None:
        adjustment = core_services.create_object(
            instance=PlanAdjustment(
                plan=w.road_2026,
                direction=direction,
                amount=Decimal("5000000.05"),
                reason="调整",
                requested_on=D(2026, 7, 1),
            ),
            actor=w.staff,
        )
        services.decide_adjustment(adjustment, w.leader, approve=approve, on=D(2026, 7, 9))

    return step


def pay(w: Any) -> None:
    services.save_payment(
        instance=Payment(project=w.road, paid_on=D(2026, 8, 8), amount=Decimal("3300000.03")), actor=w.staff
    )


def change_a_payment(w: Any) -> None:
    w.road_pay.amount = Decimal("5500000")
    services.save_payment(instance=w.road_pay, actor=w.staff)


def move_a_payment_to_another_month(w: Any) -> None:
    w.road_pay.paid_on = D(2026, 9, 1)
    services.save_payment(instance=w.road_pay, actor=w.staff)


def move_a_payment_to_another_year(w: Any) -> None:
    w.road_pay.paid_on = D(2025, 9, 1)
    services.save_payment(instance=w.road_pay, actor=w.staff)


def move_a_payment_to_another_project(w: Any) -> None:
    w.road_pay.project = w.park
    services.save_payment(instance=w.road_pay, actor=w.staff)


def delete_a_payment(w: Any) -> None:
    services.delete_payment(instance=w.road_pay, actor=w.staff)


def change_a_schedule(w: Any) -> None:
    services.set_schedule(w.road_2026, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 100])


def apply_a_template(w: Any) -> None:
    shares = ["0", "0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]
    template = ScheduleTemplateFactory(agency=w.agency, shares=shares)
    services.apply_template(template, [w.school_2026, w.park_2026], w.staff)


def change_a_plan_amount(w: Any) -> None:
    w.school_2026.amount = Decimal("123456789.01")
    services.save_annual_plan(instance=w.school_2026, actor=w.staff)


def change_a_plans_schedule_on_its_form(w: Any) -> None:
    schedule = [Decimal(s) for s in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "100")]
    services.save_annual_plan(instance=w.road_2026, actor=w.staff, data={"schedule": schedule})


def plan_a_project_already_paid(w: Any) -> None:
    later = ProjectFactory(agency=w.agency, code="GL-04")
    payment_row = Payment(project=later, paid_on=D(2026, 2, 2), amount=Decimal("800000"))
    services.save_payment(instance=payment_row, actor=w.staff)
    plan = AnnualPlan(project=later, year=2026, amount=Decimal("20000000"))
    services.save_annual_plan(instance=plan, actor=w.staff, data={"schedule": [0] * 5 + [50] * 6 + [100]})


def move_a_plan_to_another_year(w: Any) -> None:
    w.park_2026.year = 2025
    services.save_annual_plan(instance=w.park_2026, actor=w.staff)


def import_plans(w: Any) -> None:
    ledger = AnnualPlanLedger()
    rows = [
        {"project": "GL-02", "year": 2026, "amount": 70000000, "funding_source": "City fiscal funds"},
        {
            "project": "GL-03",
            "year": 2025,
            "amount": 5000000,
            "funding_source": "City fiscal funds",
            **{f"m{m}": 100 if m > 6 else 10 * m for m in range(1, 13)},
        },
    ]
    result = ledger.apply(ledger.read(testing.ledger_xlsx(AnnualPlanLedger, rows), "计划.xlsx"), w.staff)
    assert result.summary["error"] == 0, [r.errors for r in result.rows]


def delete_a_plan(w: Any) -> None:
    services.delete_annual_plan(instance=w.park_2026, actor=w.staff)


def delete_a_project(w: Any) -> None:
    w.park.delete()  # a project with no report yet (one with reports is protected); a projects write


def move_a_project_to_another_agency(w: Any) -> None:
    w.road.agency = w.other
    w.road.save()  # a projects write: the investment services do not see it


def change_thresholds(w: Any) -> None:
    InvestmentSettings.objects.filter(agency=w.agency).update(attention_below=95, supervision_below=90)


SCENARIOS: dict[str, Callable[[Any], None]] = {
    "nothing": lambda w: None,
    "confirm": confirm,
    "return": return_report,
    "submit and confirm many": submit_and_confirm_many,
    "void": void,
    "void and report again": void_and_report_again,
    "change a draft": change_a_draft,
    "change a returned report": change_a_returned_report,
    "move a draft to another project": move_a_draft_to_another_project,
    "delete a draft": delete_a_draft,
    "approve an increase": adjust(AdjustmentDirection.INCREASE, True),
    "approve a decrease": adjust(AdjustmentDirection.DECREASE, True),
    "reject an adjustment": adjust(AdjustmentDirection.INCREASE, False),
    "pay": pay,
    "change a payment": change_a_payment,
    "move a payment to another month": move_a_payment_to_another_month,
    "move a payment to another year": move_a_payment_to_another_year,
    "move a payment to another project": move_a_payment_to_another_project,
    "delete a payment": delete_a_payment,
    "change a schedule": change_a_schedule,
    "apply a template": apply_a_template,
    "change a plan's amount": change_a_plan_amount,
    "change a plan's schedule on its form": change_a_plans_schedule_on_its_form,
    "plan a project already paid": plan_a_project_already_paid,
    "move a plan to another year": move_a_plan_to_another_year,
    "import plans": import_plans,
    "delete a plan": delete_a_plan,
    "delete a project": delete_a_project,
    "move a project to another agency": move_a_project_to_another_agency,
    "change the thresholds": change_thresholds,
}
PAST_THE_SERVICES = {"delete a project", "move a project to another agency"}


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_the_dashboard_from_the_rollup_equals_the_live_computation(w, scenario):
    def shown() -> list[Any]:
        return [figures.dashboard([w.agency.pk], year, m, live=True) for year, m in MONTHS]

    before = shown()
    SCENARIOS[scenario](w)
    if scenario not in ("nothing", "reject an adjustment"):
        assert shown() != before  # the scenario changed what the dashboard shows: the equality is not vacuous
    assert_rollup_is_live(w.agency.pk, w.other.pk, healed_by_the_dashboard=scenario in PAST_THE_SERVICES)


def test_a_voided_figure_leaves_the_kept_figures(w):
    assert figures.dashboard([w.agency.pk], 2026, 10).totals.actual > 0
    before = PlanMonthFigures.objects.get(plan=w.school_2026, month=3)
    void(w)
    after = PlanMonthFigures.objects.get(plan=w.school_2026, month=3)
    assert (before.status, after.status, after.actual) == (ActualStatus.CONFIRMED, "", Decimal("0.00"))
    assert after.actual_to_date == before.actual_to_date - before.actual


def test_a_random_run_of_writes_keeps_the_rollup_equal_to_the_live_figures(w):
    rng = random.Random(20261207)  # noqa: S311 — a reproducible order of writes
    steps = [s for name, s in SCENARIOS.items() if not name.startswith("delete") and name not in PAST_THE_SERVICES]
    for _round in range(3):
        for step in rng.sample(steps, 6):
            try:
                step(w)
            except Exception:  # noqa: S112 — a step may no longer apply (already confirmed, …)
                continue
            for name in ("october", "november", "september", "road_pay"):
                obj = getattr(w, name)
                setattr(w, name, type(obj).objects.filter(pk=obj.pk).first() or obj)
        assert_rollup_is_live(w.agency.pk, w.other.pk)


@pytest.mark.parametrize("scenario", sorted(PAST_THE_SERVICES))
def test_the_dashboard_of_one_agency_notices_a_project_moved_or_deleted_past_the_services(w, scenario):
    """Looking at one agency alone (not both together), each side of a move is noticed by its own count."""
    live_before = figures.dashboard([w.other.pk], 2026, 10, live=True)
    SCENARIOS[scenario](w)
    for agency in (w.agency, w.other):
        assert figures.dashboard([agency.pk], 2026, 10) == figures.dashboard([agency.pk], 2026, 10, live=True)
    if scenario == "move a project to another agency":
        assert figures.dashboard([w.other.pk], 2026, 10).totals.projects == live_before.totals.projects + 1
        assert figures.dashboard([w.other.pk], 2025, 10).totals.actual == 0  # the road had no 2025 plan
    assert_kept_equals_a_rebuild()


def test_a_block_that_fails_after_its_writes_still_refreshes_what_it_wrote(w):
    """Outside a transaction (or when the caller catches the error) the writes stay, so their figures follow."""
    with pytest.raises(ValueError), rollup.deferred():
        services.set_schedule(w.road_2026, [5] * 11 + [100])
        raise ValueError
    assert PlanMonthFigures.objects.get(plan=w.road_2026, month=1).scheduled == Decimal("3000000.02")
    assert_rollup_is_live(w.agency.pk)


# ---- each write path keeps it -------------------------------------------------------------------


def test_the_review_and_voiding_pages_keep_the_rollup(w):
    director = english_client(w.director)
    staff = english_client(w.staff)
    director.post(f"/investment/actuals/{w.november.pk}/submit/")
    assert staff.post(f"/investment/actuals/{w.november.pk}/confirm/").status_code in (200, 302)
    assert PlanMonthFigures.objects.get(plan=w.school_2026, month=11).status == ActualStatus.CONFIRMED
    march = MonthlyActual.objects.get(plan=w.school_2026, month=D(2026, 3, 1))
    assert staff.post(f"/investment/actuals/{march.pk}/void/", {"reason": "录错"}).status_code == 302
    assert PlanMonthFigures.objects.get(plan=w.school_2026, month=3).actual == 0
    assert_rollup_is_live(w.agency.pk)


def test_the_generic_pages_keep_the_rollup(w):
    client = english_client(w.staff)
    response = client.post(
        f"/investment/payments/{w.road_pay.pk}/edit/",
        {"project": w.road.pk, "paid_on": "2026-04-01", "amount": "6000000", "kind": "progress"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert PlanMonthFigures.objects.get(plan=w.road_2026, month=4).paid == Decimal("6000000.00")
    assert_rollup_is_live(w.agency.pk)


def test_the_api_keeps_the_rollup(w):
    client = api_client(w.staff)
    created = client.post(
        "/api/payments/",
        {"project_id": w.park.pk, "paid_on": "2026-05-05", "amount": "700000.00", "kind": "progress"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert PlanMonthFigures.objects.get(plan=w.park_2026, month=5).paid_to_date == Decimal("700000.00")
    march = MonthlyActual.objects.get(plan=w.road_2026, month=D(2026, 3, 1))
    assert client.post(f"/api/monthly-actuals/{march.pk}/void/", {"reason": "重复"}, JSON).status_code == 200
    assert (
        api_client(w.leader).post(f"/api/monthly-actuals/{w.october.pk}/confirm/", content_type=JSON).status_code == 200
    )
    patched = client.patch(f"/api/investment-plans/{w.road_2026.pk}/", {"m6": "50"}, content_type=JSON)
    assert patched.status_code == 200, patched.content
    assert_rollup_is_live(w.agency.pk)


def test_imports_keep_the_rollup_and_an_unchanged_import_changes_nothing(w):
    ledger = PaymentLedger()
    content = testing.ledger_xlsx(
        PaymentLedger,
        [{"project": "GL-03", "paid_on": D(2026, 7, 1), "amount": 450000, "kind": "Progress payment (进度款)"}],
    )
    ledger.apply(ledger.read(content, "台账.xlsx"), w.staff)
    assert PlanMonthFigures.objects.get(plan=w.park_2026, month=7).paid == Decimal("450000.00")
    actuals = MonthlyActualLedger()
    content = testing.ledger_xlsx(MonthlyActualLedger, [{"project": "GL-03", "month": "2026-04", "amount": 99000}])
    actuals.apply(actuals.read(content, "台账.xlsx"), w.staff)
    assert PlanMonthFigures.objects.get(plan=w.park_2026, month=4).unconfirmed_to_date == Decimal("99000.00")
    assert_rollup_is_live(w.agency.pk)
    kept = kept_rows()
    client = english_client(w.staff)
    for url in ("/investment/payments/", "/investment/actuals/", "/investment/plans/"):
        exported = client.get(f"{url}export/").content
        response = testing.upload_ledger(client, f"{url}import/", exported, "台账.xlsx")
        assert testing.preview_counts(response.content)["error"] == 0
    assert kept_rows() == kept


def test_the_admin_keeps_the_rollup(w):
    request = RequestFactory().post("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    site._registry[Payment].delete_queryset(request, Payment.objects.filter(pk=w.road_pay.pk))
    assert PlanMonthFigures.objects.get(plan=w.road_2026, month=12).paid_to_date == 0
    assert_rollup_is_live(w.agency.pk)


def test_the_rebuild_command_restores_rows_written_past_the_services(w):
    Payment.objects.bulk_create([Payment(project=w.school, paid_on=D(2026, 9, 9), amount=Decimal("1"))])
    PlanMonthFigures.objects.filter(plan=w.road_2026).delete()
    with pytest.raises(AssertionError):
        assert figures.dashboard([w.agency.pk], 2026, 10) == figures.dashboard([w.agency.pk], 2026, 10, live=True)
    out = io.StringIO()
    call_command("rebuild_investment_rollup", stdout=out)
    assert out.getvalue().strip() == "rollup rebuilt for 5 plans"
    assert_rollup_is_live(w.agency.pk, w.other.pk)
