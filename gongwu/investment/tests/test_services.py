"""Investment dispatch without HTTP: the formulas against the agencies' own report sentences, rounding,
the lag classification, schedules and templates, the review of monthly actuals, adjustments and the
dashboard's figures. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongwu.core.models import ChangeLogEntry, Role
from gongwu.core.money import WAN
from gongwu.core.testing import AgencyFactory, UserFactory
from gongwu.investment import figures, pages, services
from gongwu.investment.figures import Lag
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    PaymentRateBase,
    PlanAdjustment,
    ScheduleMonth,
)
from gongwu.investment.testing import TEMPLATE_SHARES, AnnualPlanFactory, ScheduleTemplateFactory, actual, payment
from gongwu.projects.testing import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
YI = Decimal(100_000_000)


def yi(value: str) -> Decimal:
    """亿元 as written in the reports → 元."""
    return (Decimal(value) * YI).quantize(Decimal("0.01"))


@pytest.fixture
def director(agency):
    return UserFactory(organization=agency, role=Role.DIRECTOR)


def plan_of(agency, amount: Decimal, year: int = 2018, **fields) -> AnnualPlan:
    return AnnualPlanFactory(project=ProjectFactory(agency=agency), year=year, amount=amount, **fields)


def log_entries(obj) -> list[ChangeLogEntry]:
    return list(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


# ---- formulas against the seed sentences ----------------------------------------------------------


def test_rate_and_over_completion_of_the_2018_annual_report():
    # 001: 计划完成投资 84.15 亿元，实际完成 89.6 亿元，超额完成 6.47%. 89.6 / 84.15 = 1.064765…
    assert figures.rate(Decimal("89.6"), Decimal("84.15")) == Decimal("106.47")
    assert figures.over_completion(Decimal("89.6"), Decimal("84.15")) == Decimal("6.47")
    assert figures.over_completion(yi("89.6"), yi("84.15")) == Decimal("6.47")
    # Below the target the sign is negative: 84.15 / 89.6 − 1 = −6.0825…% → cut to −6.08.
    assert figures.over_completion(Decimal("84.15"), Decimal("89.6")) == Decimal("-6.08")


def test_rates_are_cut_not_rounded_and_need_a_whole():
    assert figures.rate(Decimal("99.996"), 100) == Decimal("99.99")
    assert figures.rate(Decimal("2"), Decimal("3")) == Decimal("66.66")
    assert figures.rate(5, 0) is None
    assert figures.rate(None, 5) is None
    assert figures.over_completion(None, 5) is None
    assert figures.over_completion(5, 0) is None


def test_dashboard_over_plan_counts_confirmed_actuals_only(agency):
    # Two plans adding up to 84.15 亿; confirmed actuals adding up to 89.6 亿; a submitted and a returned
    # report would take it to 95.6 亿 if they counted.
    first = plan_of(agency, yi("50"))
    second = plan_of(agency, yi("34.15"))
    actual(first, 6, yi("30"))
    actual(first, 12, yi("25.5"))
    actual(second, 11, yi("34.1"))
    actual(second, 12, yi("5"), status=ActualStatus.SUBMITTED)
    actual(first, 11, yi("1"), status=ActualStatus.RETURNED)

    data = figures.dashboard([agency.pk], 2018, 12)

    assert data.totals.projects == 2
    assert data.totals.plan == yi("84.15")
    assert data.totals.actual == yi("89.6")
    assert data.totals.unconfirmed == yi("6")
    assert data.totals.percent_of_plan == Decimal("106.47")
    assert data.totals.over_plan == Decimal("6.47")


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        # 89.6 / 81.06 − 1 = 10.5354…% → cut to 10.53 (rounded half up it would be the report's 10.54).
        ("81.06", Decimal("10.53")),
        # 89.6 / 81.05 − 1 = 10.5490…% → cut to 10.54, the report's figure.
        ("81.05", Decimal("10.54")),
    ],
)
def test_year_on_year_against_the_previous_years_confirmed_actual(agency, previous, expected):
    this_year = plan_of(agency, yi("84.15"))
    actual(this_year, 12, yi("89.6"))
    last_year = plan_of(agency, yi("80"), year=2017)
    actual(last_year, 3, yi("40"))
    actual(last_year, 12, yi(previous) - yi("40"))
    actual(last_year, 11, yi("3"), status=ActualStatus.SUBMITTED)  # not confirmed: not counted

    data = figures.dashboard([agency.pk], 2018, 12)

    assert data.previous_actual == yi(previous)
    assert data.year_on_year == expected


def test_previous_year_actual_stops_at_the_same_month(agency):
    last_year = plan_of(agency, yi("80"), year=2017)
    actual(last_year, 6, yi("10"))
    actual(last_year, 7, yi("20"))
    assert figures.previous_year_actual([agency.pk], 2018, 6) == yi("10")
    assert figures.previous_year_actual([agency.pk], 2018, 7) == yi("30")


def payment_world(agency, funds: str) -> None:
    """84.15 亿 planned, 89.6 亿 completed, 87.97 亿 paid in the year against `funds` 亿 available."""
    first = plan_of(agency, yi("50"), funds_available=yi("60"))
    second = plan_of(agency, yi("34.15"), funds_available=yi(funds) - yi("60"))
    actual(first, 12, yi("50"))
    actual(second, 12, yi("39.6"))
    payment(first, D(2018, 3, 1), yi("40"))
    payment(first, D(2018, 12, 31), yi("7.97"))
    payment(second, D(2018, 9, 30), yi("40"))
    payment(second, D(2019, 1, 10), yi("9"))  # next year's payment: not in the 2018 rate
    payment(second, D(2017, 12, 31), yi("9"))  # last year's: not either


def test_payment_rate_against_funds_available(agency):
    # 支付 87.97 亿 (支付率 80.29%): 87.97 / 109.57 = 80.2865…% is cut to 80.28 …
    payment_world(agency, "109.57")

    totals = figures.dashboard([agency.pk], 2018, 12).totals

    assert totals.base == PaymentRateBase.FUNDS
    assert totals.paid == yi("87.97")
    assert totals.funds == yi("109.57")
    assert totals.payment_base == yi("109.57")
    assert totals.payment_rate == Decimal("80.28")


def test_payment_rate_of_the_report_reached_with_funds_of_109_56(agency):
    # … while 87.97 / 109.56 = 80.2938…% gives the report's 80.29 whether cut or rounded.
    payment_world(agency, "109.56")
    assert figures.dashboard([agency.pk], 2018, 12).totals.payment_rate == Decimal("80.29")


@pytest.mark.parametrize(
    ("base", "shown_base", "expected"),
    [
        (PaymentRateBase.FUNDS, "109.57", Decimal("80.28")),
        (PaymentRateBase.PLAN, "84.15", Decimal("104.53")),  # 87.97 / 84.15 = 104.539…%
        (PaymentRateBase.ACTUAL, "89.6", Decimal("98.18")),  # 87.97 / 89.6 = 98.180…%
    ],
)
def test_payment_rate_base_follows_the_agency_settings(agency, base, shown_base, expected):
    payment_world(agency, "109.57")
    InvestmentSettings.objects.create(agency=agency, payment_rate_base=base)

    data = figures.dashboard([agency.pk], 2018, 12)

    assert data.base == base
    assert data.totals.payment_base == yi(shown_base)
    assert data.totals.payment_rate == expected
    assert data.by_agency[agency.pk].payment_rate == expected


def test_plan_without_funds_available_is_measured_against_its_adjusted_plan(agency):
    plan = plan_of(agency, Decimal("1000000"))
    payment(plan, D(2018, 5, 1), Decimal("250000"))
    totals = figures.dashboard([agency.pk], 2018, 12).totals
    assert totals.funds == Decimal("1000000")
    assert totals.payment_rate == Decimal("25.00")


def test_payments_count_up_to_the_month_shown(agency):
    plan = plan_of(agency, Decimal("1000000"))
    payment(plan, D(2018, 5, 31), Decimal("100000"))
    payment(plan, D(2018, 6, 1), Decimal("200000"))
    assert figures.dashboard([agency.pk], 2018, 5).totals.paid == Decimal("100000")
    assert figures.dashboard([agency.pk], 2018, 6).totals.paid == Decimal("300000")


def request_adjustment(plan: AnnualPlan, direction: str, amount: Decimal, on: datetime.date) -> PlanAdjustment:
    return PlanAdjustment.objects.create(
        plan=plan, direction=direction, amount=amount, reason="年中调整", requested_on=on
    )


def test_adjustment_totals_of_2018(agency, staff):
    # 2018 年度投资计划调增 9.11 亿元，涉及项目 21 个；调减 3.61 亿元，涉及项目 7 个.
    up = [plan_of(agency, yi("1")) for _ in range(21)]
    down = [plan_of(agency, yi("1")) for _ in range(7)]
    on = D(2018, 7, 20)
    increases = [request_adjustment(p, AdjustmentDirection.INCREASE, Decimal("40000000"), on) for p in up[:20]]
    # The 21st project had two increases: 2 × 0.555 亿. 20 × 0.4 + 1.11 = 9.11 亿 over 21 projects.
    increases += [request_adjustment(up[20], AdjustmentDirection.INCREASE, Decimal("55500000"), on) for _ in "12"]
    # 6 × 0.5 + 0.61 = 3.61 亿 over 7 projects.
    decreases = [request_adjustment(p, AdjustmentDirection.DECREASE, Decimal("50000000"), on) for p in down[:6]]
    decreases.append(request_adjustment(down[6], AdjustmentDirection.DECREASE, Decimal("61000000"), on))
    for adjustment in increases + decreases:
        services.decide_adjustment(adjustment, staff, approve=True, on=D(2018, 8, 1))
    # Noise that must not count: pending, rejected, decided after the period, another year's plan.
    request_adjustment(up[0], AdjustmentDirection.INCREASE, yi("5"), on)
    rejected = request_adjustment(down[0], AdjustmentDirection.DECREASE, Decimal("1000000"), on)
    services.decide_adjustment(rejected, staff, approve=False, on=D(2018, 8, 1))
    late = request_adjustment(up[1], AdjustmentDirection.INCREASE, yi("2"), D(2018, 12, 1))
    services.decide_adjustment(late, staff, approve=True, on=D(2018, 12, 20))
    next_year = plan_of(agency, yi("1"), year=2019)
    other = request_adjustment(next_year, AdjustmentDirection.INCREASE, yi("3"), D(2019, 2, 1))
    services.decide_adjustment(other, staff, approve=True, on=D(2019, 2, 1))

    totals = figures.adjustment_totals(
        PlanAdjustment.objects.filter(plan__project__agency=agency), D(2018, 1, 1), D(2018, 11, 30)
    )
    assert (totals.increased, totals.increased_projects) == (yi("9.11"), 21)
    assert (totals.decreased, totals.decreased_projects) == (yi("3.61"), 7)
    assert totals.net == yi("5.50")

    # The dashboard to November reads the same; to December the late increase joins (11.11 亿, 21 projects).
    assert figures.dashboard([agency.pk], 2018, 11).adjustments == totals
    december = figures.dashboard([agency.pk], 2018, 12).adjustments
    assert (december.increased, december.increased_projects) == (yi("11.11"), 21)
    assert (december.decreased, december.decreased_projects) == (yi("3.61"), 7)


def test_first_half_ahead_of_the_schedule(agency):
    # 002: 年度 208.8 亿元的固投任务 … 上半年累计完成投资约 104.91 亿元，超额完成时序任务.
    # The schedule by June is 45%: 208.8 × 45% = 93.96 亿. 104.91 / 93.96 = 111.6538…% → +11.65%.
    plan = plan_of(agency, yi("208.8"), year=2022)
    assert plan.share_values()[5] == Decimal("45")
    for month, amount in enumerate(("10", "12", "15.5", "20", "22.41", "25"), start=1):
        actual(plan, month, yi(amount))
    actual(plan, 7, yi("30"))  # July: after the month shown

    data = figures.dashboard([agency.pk], 2022, 6)

    assert data.totals.scheduled == yi("93.96")
    assert data.totals.actual == yi("104.91")
    assert data.totals.actual_month == yi("25")
    assert data.totals.percent_of_schedule == Decimal("111.65")
    assert data.totals.over_schedule == Decimal("11.65")
    assert data.totals.over_schedule > 0
    assert data.totals.lags == {Lag.ON_SCHEDULE: 1, Lag.ATTENTION: 0, Lag.SUPERVISION: 0}


def test_scheduled_amount_rounds_half_up_to_the_fen():
    # 333.33 × 45.5% = 151.66515 → 151.67
    assert figures.scheduled_amount(Decimal("333.33"), Decimal("45.5")) == Decimal("151.67")
    assert figures.scheduled_amount(Decimal("100"), None) == Decimal("0.00")


# ---- rounding rows to their total ---------------------------------------------------------------

CENT = Decimal("0.01")


def test_three_thirds_add_up_to_one():
    third = Decimal(1) / 3
    assert figures.round_to_total([third] * 3, CENT) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    two_thirds = Decimal(2) / 3
    assert figures.round_to_total([two_thirds] * 3, CENT) == [Decimal("0.67"), Decimal("0.67"), Decimal("0.66")]


def test_many_small_values_add_up_to_their_rounded_total():
    # 1,000 × 0.004 = 4.00: each rounded alone would show 0.00 and a sum of 0.00.
    rounded = figures.round_to_total([Decimal("0.004")] * 1000, CENT)
    assert sum(rounded) == Decimal("4.00")
    assert rounded.count(CENT) == 400
    assert set(rounded) == {Decimal("0.00"), CENT}


def test_half_cents_round_the_total_half_up():
    # 3 × 0.005 = 0.015 → 0.02: two rows show 0.01.
    assert figures.round_to_total([Decimal("0.005")] * 3, CENT) == [CENT, CENT, Decimal("0.00")]
    assert figures.round_to_total([], CENT) == []


def test_rounded_rows_always_add_up_and_stay_within_a_quantum():
    generator = random.Random(5)  # noqa: S311 - reproducible test data
    for _ in range(300):
        values = [Decimal(generator.randint(0, 10**9)) / Decimal(10**6) for _ in range(generator.randint(1, 40))]
        rounded = figures.round_to_total(values, CENT)
        assert sum(rounded) == sum(values).quantize(CENT, rounding=ROUND_HALF_UP)
        assert all(abs(r - v) < CENT for r, v in zip(rounded, values, strict=True))


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_dashboard_breakdown_rows_add_up_to_the_displayed_total(agency):
    # Three areas of 33,333.33 元 each: 3.333333 万元 a row, 9.999999 → 10.00 万元 in total. Rounded one by one
    # the rows would show 3.33 three times (9.99).
    for area in ("光明区", "南山区", "福田区"):
        AnnualPlanFactory(project=ProjectFactory(agency=agency, area=area), year=2018, amount=Decimal("33333.33"))
    data = figures.dashboard([agency.pk], 2018, 12)
    sel = pages.selection(UserFactory(organization=agency, role=Role.STAFF), {"year": "2018", "month": "12"})

    table = pages.breakdown(data.by_area, sel, lambda k: k, lambda k, **f: "")

    shown = [number(row["plan"]) for row in table["rows"]]
    assert sorted(shown) == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert number(table["total_shown"]["plan"]) == Decimal("10.00")
    assert number(table["total_shown"]["plan"]) == (data.totals.plan / WAN).quantize(CENT, rounding=ROUND_HALF_UP)
    for column in ("plan", "scheduled", "actual", "paid"):
        assert sum(number(row[column]) for row in table["rows"]) == number(table["total_shown"][column])
    assert table["total"].plan == Decimal("99999.99")
    assert table["total"].projects == 3


def test_breakdown_of_many_small_groups_adds_up(agency):
    # Seven areas' plans of 1,234.56 元 (0.123456 万元): rows round to 0.12 or 0.13, total 0.86 万元.
    for area in "ABCDEFG":
        AnnualPlanFactory(project=ProjectFactory(agency=agency, area=area), year=2018, amount=Decimal("1234.56"))
    data = figures.dashboard([agency.pk], 2018, 6)
    sel = pages.selection(UserFactory(organization=agency, role=Role.STAFF), {"year": "2018", "month": "6"})

    table = pages.breakdown(data.by_area, sel, lambda k: k, lambda k, **f: "")

    assert number(table["total_shown"]["plan"]) == Decimal("0.86")
    assert sum(number(row["plan"]) for row in table["rows"]) == Decimal("0.86")
    # 45% of each: 555.552 元 → 555.55 元; 7 × 555.55 = 3,888.85 元 = 0.388885 万元 → 0.39.
    assert number(table["total_shown"]["scheduled"]) == Decimal("0.39")
    assert sum(number(row["scheduled"]) for row in table["rows"]) == Decimal("0.39")


# ---- lag classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual_amount", "scheduled", "expected"),
    [
        (Decimal("90"), Decimal("100"), Lag.ON_SCHEDULE),  # exactly 90%: on schedule
        (Decimal("89.99"), Decimal("100"), Lag.ATTENTION),
        (Decimal("75"), Decimal("100"), Lag.ATTENTION),  # exactly 75%: attention, not supervision
        (Decimal("74.99"), Decimal("100"), Lag.SUPERVISION),
        (Decimal("2.7"), Decimal("3"), Lag.ON_SCHEDULE),  # 90% of an amount that is not round
        (Decimal("8999999.99"), Decimal("10000000.00"), Lag.ATTENTION),  # one fen short of 90%
        (Decimal("120"), Decimal("100"), Lag.ON_SCHEDULE),
        (Decimal("0"), Decimal("100"), Lag.SUPERVISION),
        (Decimal("0"), Decimal("0"), Lag.ON_SCHEDULE),  # nothing scheduled yet
        (Decimal("5"), Decimal("0"), Lag.ON_SCHEDULE),
    ],
)
def test_classification_at_its_edges(actual_amount, scheduled, expected):
    assert figures.classify_investment_lag(actual_amount, scheduled) == expected


def test_classification_with_custom_thresholds():
    assert figures.classify_investment_lag(Decimal("94"), Decimal("100"), 95, 80) == Lag.ATTENTION
    assert figures.classify_investment_lag(Decimal("95"), Decimal("100"), 95, 80) == Lag.ON_SCHEDULE
    assert figures.classify_investment_lag(Decimal("79.99"), Decimal("100"), 95, 80) == Lag.SUPERVISION


def test_plan_rows_apply_each_agencys_thresholds(agency):
    other = AgencyFactory()
    InvestmentSettings.objects.create(agency=agency, attention_below=95, supervision_below=80)
    # June: 45% of 1 亿 = 4,500 万 scheduled. 4,200 万 = 93.33%; 3,500 万 = 77.78%.
    plans = {}
    for owner in (agency, other):
        for name, amount in (("near", "42000000"), ("far", "35000000")):
            plan = plan_of(owner, yi("1"), year=2026)
            actual(plan, 3, Decimal(amount))
            plans[(owner.pk, name)] = plan.pk

    rows = {r.pk: r for r in figures.plan_rows(AnnualPlan.objects.all(), 2026, 6)}

    assert rows[plans[(agency.pk, "near")]].lag == Lag.ATTENTION
    assert rows[plans[(agency.pk, "far")]].lag == Lag.SUPERVISION
    assert rows[plans[(other.pk, "near")]].lag == Lag.ON_SCHEDULE
    assert rows[plans[(other.pk, "far")]].lag == Lag.ATTENTION
    far = rows[plans[(agency.pk, "far")]]
    assert (far.scheduled, far.actual, far.gap, far.percent_of_schedule) == (
        Decimal("45000000.00"),
        Decimal("35000000.00"),
        Decimal("10000000.00"),
        Decimal("77.77"),
    )


# ---- schedules ----------------------------------------------------------------------------------


def test_set_schedule_replaces_the_rows(agency):
    plan = plan_of(agency, yi("1"), year=2026)
    new = [Decimal(v) for v in (0, 0, 10, 10, 20, 40, 50, 60, 70, 80, 90, 100)]

    services.set_schedule(plan, new)

    assert plan.share_values() == new
    assert ScheduleMonth.objects.filter(plan=plan).count() == 12
    rows = figures.plan_rows(AnnualPlan.objects.filter(pk=plan.pk), 2026, 6)
    assert rows[0].scheduled == Decimal("40000000.00")


def test_set_schedule_refuses_bad_shares_and_keeps_the_old_ones(agency):
    plan = plan_of(agency, yi("1"), year=2026)
    with pytest.raises(ValidationError):
        services.set_schedule(plan, [10] * 11)
    assert plan.share_values() == TEMPLATE_SHARES


def test_apply_template_logs_one_change_per_plan_and_skips_plans_already_on_it(agency, staff):
    shares = ["0", "0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]
    template = ScheduleTemplateFactory(agency=agency, name="学校类", shares=shares)
    plans = [plan_of(agency, yi("1"), year=2026) for _ in range(3)]
    services.set_schedule(plans[2], shares)

    changed = services.apply_template(template, plans, staff)

    assert changed == 2
    for plan in plans:
        assert plan.share_values() == [Decimal(s) for s in shares]
    for plan in plans[:2]:
        (entry,) = log_entries(plan)
        assert entry.actor == staff
        assert entry.after["template"] == "学校类"
        assert [Decimal(s) for s in entry.after["schedule"]] == [Decimal(s) for s in shares]
        assert [Decimal(s) for s in entry.before["schedule"]] == TEMPLATE_SHARES
    assert log_entries(plans[2]) == []
    # Applied again: nothing to do, nothing logged.
    assert services.apply_template(template, plans, staff) == 0
    assert ChangeLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(AnnualPlan)).count() == 2


def test_apply_template_to_another_agencys_plan_changes_nothing(agency, staff):
    template = ScheduleTemplateFactory(agency=agency, shares=["10"] * 11 + ["100"])
    mine = plan_of(agency, yi("1"), year=2026)
    theirs = plan_of(AgencyFactory(), yi("1"), year=2026)

    with pytest.raises(PermissionDenied):
        services.apply_template(template, [mine, theirs], staff)

    assert mine.share_values() == TEMPLATE_SHARES
    assert theirs.share_values() == TEMPLATE_SHARES
    assert log_entries(mine) == []


# ---- the review of monthly actuals --------------------------------------------------------------


@pytest.fixture
def plan_2025(agency):
    return plan_of(agency, yi("1"), year=2025)


def draft(plan: AnnualPlan, month: int, amount: str = "1000000") -> MonthlyActual:
    return actual(plan, month, Decimal(amount), status=ActualStatus.DRAFT)


def test_submit_then_confirm(plan_2025, director, staff):
    report = draft(plan_2025, 3)
    before = timezone.now()

    submitted = services.submit_actual(report, director)

    assert submitted.status == ActualStatus.SUBMITTED
    assert submitted.submitted_by == director
    assert submitted.submitted_at >= before
    assert (submitted.reviewed_by, submitted.reviewed_at) == (None, None)

    confirmed = services.confirm_actual(submitted, staff)

    confirmed.refresh_from_db()
    assert confirmed.status == ActualStatus.CONFIRMED
    assert confirmed.reviewed_by == staff
    assert confirmed.reviewed_at >= confirmed.submitted_at
    entries = log_entries(report)
    assert [(e.actor, e.before["status"], e.after["status"]) for e in entries] == [
        (director, ActualStatus.DRAFT, ActualStatus.SUBMITTED),
        (staff, ActualStatus.SUBMITTED, ActualStatus.CONFIRMED),
    ]
    assert entries[1].after["reviewed_by_id"] == staff.pk


def test_the_submitter_cannot_confirm_their_own_report(plan_2025, staff):
    report = services.submit_actual(draft(plan_2025, 3), staff)
    with pytest.raises(PermissionDenied):
        services.confirm_actual(report, staff)
    with pytest.raises(PermissionDenied):
        services.return_actual(report, staff, "数字有误")
    report.refresh_from_db()
    assert report.status == ActualStatus.SUBMITTED


def test_a_project_director_cannot_confirm(plan_2025, staff, director):
    report = services.submit_actual(draft(plan_2025, 3), staff)
    with pytest.raises(PermissionDenied):
        services.confirm_actual(report, director)
    report.refresh_from_db()
    assert report.status == ActualStatus.SUBMITTED
    assert report.reviewed_by is None


def test_a_reviewer_of_another_agency_cannot_confirm(plan_2025, director):
    report = services.submit_actual(draft(plan_2025, 3), director)
    stranger = UserFactory(organization=AgencyFactory(), role=Role.STAFF)
    with pytest.raises(PermissionDenied):
        services.confirm_actual(report, stranger)


def test_return_needs_a_reason_and_resubmission_clears_it(plan_2025, director, staff):
    report = services.submit_actual(draft(plan_2025, 3), director)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.return_actual(report, staff, reason)
        assert "Say why the report is returned." in error.value.messages
    report.refresh_from_db()
    assert report.status == ActualStatus.SUBMITTED

    returned = services.return_actual(report, staff, " 与月报不符 ")

    assert (returned.status, returned.return_reason, returned.reviewed_by) == (
        ActualStatus.RETURNED,
        "与月报不符",
        staff,
    )
    resubmitted = services.submit_actual(returned, director)
    assert (resubmitted.status, resubmitted.return_reason) == (ActualStatus.SUBMITTED, "")


def test_a_step_that_does_not_apply_is_refused(plan_2025, director, staff):
    report = draft(plan_2025, 3)
    with pytest.raises(ValidationError):
        services.confirm_actual(report, staff)
    confirmed = services.confirm_actual(services.submit_actual(report, director), staff)
    with pytest.raises(ValidationError):
        services.submit_actual(confirmed, director)
    with pytest.raises(ValidationError):
        services.confirm_actual(confirmed, staff)
    confirmed.refresh_from_db()
    assert confirmed.status == ActualStatus.CONFIRMED


def test_confirm_many_is_all_or_nothing(plan_2025, director, staff):
    first = services.submit_actual(draft(plan_2025, 1), director)
    second = draft(plan_2025, 2)
    with pytest.raises(ValidationError):
        services.confirm_many([first, second], staff)
    first.refresh_from_db()
    assert first.status == ActualStatus.SUBMITTED

    second = services.submit_actual(second, director)
    assert services.confirm_many([first, second], staff) == 2
    assert set(MonthlyActual.objects.values_list("status", flat=True)) == {ActualStatus.CONFIRMED}


def test_only_confirmed_actuals_count_in_plan_rows(plan_2025, director, staff):
    draft(plan_2025, 1, "100")
    services.submit_actual(draft(plan_2025, 2, "200"), director)
    services.return_actual(services.submit_actual(draft(plan_2025, 3, "400"), director), staff, "重报")
    services.confirm_actual(services.submit_actual(draft(plan_2025, 4, "800"), director), staff)

    (row,) = figures.plan_rows(AnnualPlan.objects.all(), 2025, 4)

    assert row.actual == Decimal("800.00")
    assert row.actual_month == Decimal("800.00")
    assert row.unconfirmed == Decimal("700.00")
    (row,) = figures.plan_rows(AnnualPlan.objects.all(), 2025, 3)
    assert (row.actual, row.actual_month, row.unconfirmed) == (Decimal("0.00"), Decimal("0.00"), Decimal("700.00"))


def test_unconfirmed_months_lists_what_is_not_confirmed_and_who_has_not_reported(agency):
    plans = [plan_of(agency, yi("1"), year=2025) for _ in range(3)]
    for plan in plans:
        actual(plan, 1, "100")  # January: all confirmed
    actual(plans[0], 2, "10", status=ActualStatus.SUBMITTED)
    actual(plans[1], 2, "20", status=ActualStatus.RETURNED)
    actual(plans[2], 2, "40", status=ActualStatus.DRAFT)
    actual(plans[0], 3, "100")
    actual(plans[1], 3, "5", status=ActualStatus.SUBMITTED)  # plans[2] has not reported March
    # April: nobody has reported.

    months = figures.unconfirmed_months([agency.pk], 2025, 4, planned=3)

    assert [m["month"] for m in months] == [D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)]
    february, march, april = months
    assert february["by_status"] == {
        ActualStatus.SUBMITTED: 1,
        ActualStatus.RETURNED: 1,
        ActualStatus.DRAFT: 1,
    }
    assert (february["missing"], february["amount"]) == (0, Decimal("70"))
    assert (march["by_status"], march["missing"], march["amount"]) == ({ActualStatus.SUBMITTED: 1}, 1, Decimal("5"))
    assert (april["by_status"], april["missing"], april["reported"]) == ({}, 3, 0)
    assert figures.dashboard([agency.pk], 2025, 4).unconfirmed == months


# ---- adjustments --------------------------------------------------------------------------------


def adjust(plan: AnnualPlan, direction: str, amount: str) -> PlanAdjustment:
    return request_adjustment(plan, direction, Decimal(amount), D(plan.year, 5, 1))


def adjusted(plan: AnnualPlan) -> Decimal:
    return AnnualPlan.objects.get(pk=plan.pk).adjusted_amount


def test_approved_increase_and_decrease_change_the_adjusted_plan(plan_2025, staff):
    increase = services.decide_adjustment(
        adjust(plan_2025, AdjustmentDirection.INCREASE, "20000000"), staff, approve=True, on=D(2025, 6, 1)
    )
    assert (increase.status, increase.decided_on, increase.decided_by) == (
        AdjustmentStatus.APPROVED,
        D(2025, 6, 1),
        staff,
    )
    assert adjusted(plan_2025) == Decimal("120000000.00")

    services.decide_adjustment(
        adjust(plan_2025, AdjustmentDirection.DECREASE, "30000000"), staff, approve=True, on=D(2025, 7, 1)
    )
    fresh = AnnualPlan.objects.get(pk=plan_2025.pk)
    assert (fresh.amount, fresh.adjusted_amount) == (Decimal("100000000.00"), Decimal("90000000.00"))
    (entry,) = [e for e in log_entries(plan_2025) if e.after["adjusted_amount"] == "90000000.00"]
    assert entry.before["adjusted_amount"] == "120000000.00"
    # The dashboard's plan is the adjusted plan.
    assert figures.dashboard([plan_2025.project.agency_id], 2025, 12).totals.plan == Decimal("90000000.00")


def test_a_decrease_larger_than_the_adjusted_plan_is_refused(plan_2025, staff):
    too_much = PlanAdjustment(
        plan=plan_2025, direction=AdjustmentDirection.DECREASE, amount=Decimal("100000000.01"), reason="取消"
    )
    too_much.requested_on = D(2025, 5, 1)
    with pytest.raises(ValidationError) as error:
        too_much.full_clean()
    assert "amount" in error.value.message_dict

    # Two decreases that each fit but not together: the second approval is refused.
    first = adjust(plan_2025, AdjustmentDirection.DECREASE, "60000000")
    second = adjust(plan_2025, AdjustmentDirection.DECREASE, "60000000")
    services.decide_adjustment(first, staff, approve=True, on=D(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.decide_adjustment(second, staff, approve=True, on=D(2025, 6, 1))
    assert adjusted(plan_2025) == Decimal("40000000.00")
    second.refresh_from_db()
    assert second.status == AdjustmentStatus.PENDING


def test_an_adjustment_is_decided_once(plan_2025, staff, leader):
    adjustment = adjust(plan_2025, AdjustmentDirection.INCREASE, "1000000")
    services.decide_adjustment(adjustment, staff, approve=True, on=D(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.decide_adjustment(adjustment, leader, approve=True, on=D(2025, 6, 2))
    with pytest.raises(ValidationError):
        services.decide_adjustment(adjustment, leader, approve=False, on=D(2025, 6, 2))
    assert adjusted(plan_2025) == Decimal("101000000.00")
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.decided_by) == (AdjustmentStatus.APPROVED, staff)


def test_a_rejected_adjustment_changes_nothing(plan_2025, staff):
    adjustment = adjust(plan_2025, AdjustmentDirection.INCREASE, "1000000")
    rejected = services.decide_adjustment(adjustment, staff, approve=False, on=D(2025, 6, 1))
    assert rejected.status == AdjustmentStatus.REJECTED
    assert adjusted(plan_2025) == Decimal("100000000.00")
    assert [e.after["status"] for e in log_entries(adjustment)] == [AdjustmentStatus.REJECTED]
    assert log_entries(plan_2025) == []


def test_an_adjustment_is_decided_in_its_plans_year_by_the_planning_department(plan_2025, staff, director):
    adjustment = adjust(plan_2025, AdjustmentDirection.INCREASE, "1000000")
    with pytest.raises(PermissionDenied):
        services.decide_adjustment(adjustment, director, approve=True, on=D(2025, 6, 1))
    with pytest.raises(ValidationError) as error:
        services.decide_adjustment(adjustment, staff, approve=True, on=D(2026, 1, 5))
    assert "decided_on" in error.value.message_dict
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PENDING
    assert adjusted(plan_2025) == Decimal("100000000.00")


def test_editing_the_plan_after_an_approved_adjustment_keeps_it(plan_2025, staff):
    services.decide_adjustment(
        adjust(plan_2025, AdjustmentDirection.INCREASE, "20000000"), staff, approve=True, on=D(2025, 6, 1)
    )
    plan = AnnualPlan.objects.get(pk=plan_2025.pk)
    plan.amount = Decimal("150000000")
    plan.full_clean()
    plan.save()
    fresh = AnnualPlan.objects.get(pk=plan.pk)
    assert (fresh.amount, fresh.adjusted_amount) == (Decimal("150000000.00"), Decimal("170000000.00"))


def test_lowering_the_plan_below_its_approved_decreases_is_refused(plan_2025, staff):
    services.decide_adjustment(
        adjust(plan_2025, AdjustmentDirection.DECREASE, "70000000"), staff, approve=True, on=D(2025, 6, 1)
    )
    plan = AnnualPlan.objects.get(pk=plan_2025.pk)
    plan.amount = Decimal("60000000")
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "amount" in error.value.message_dict
    plan.amount = Decimal("70000000")
    plan.full_clean()
    plan.save()
    assert adjusted(plan) == Decimal("0.00")


def test_the_submitter_cannot_confirm_through_a_stale_instance(plan_2025, staff):
    report = draft(plan_2025, 3)
    services.submit_actual(report, staff)  # `report` itself still reads as an unsubmitted draft
    with pytest.raises(PermissionDenied):
        services.confirm_actual(report, staff)


def test_agencies_with_the_same_base_keep_it_and_differing_ones_fall_back_to_funds(agency):
    other = AgencyFactory()
    for owner in (agency, other):
        InvestmentSettings.objects.create(agency=owner, payment_rate_base=PaymentRateBase.ACTUAL)
    assert figures.dashboard([agency.pk, other.pk], 2018, 12).base == PaymentRateBase.ACTUAL
    InvestmentSettings.objects.filter(agency=other).update(payment_rate_base=PaymentRateBase.PLAN)
    assert figures.dashboard([agency.pk, other.pk], 2018, 12).base == PaymentRateBase.FUNDS


def test_an_agency_without_settings_counts_as_reporting_against_funds(agency):
    other = AgencyFactory()
    InvestmentSettings.objects.create(agency=agency, payment_rate_base=PaymentRateBase.PLAN)
    assert figures.dashboard([agency.pk], 2018, 12).base == PaymentRateBase.PLAN
    assert figures.dashboard([agency.pk, other.pk], 2018, 12).base == PaymentRateBase.FUNDS
