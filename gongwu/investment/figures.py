"""The investment app's figures (the read side): rates and rounding, the lag classification
(`classify_investment_lag`), each plan's figures at a month (`plan_rows`), the dispatch dashboard (`dashboard`)
and the figures registered for the reports and `GET /api/figures/` (`investment.planned`, …).

How figures are rounded. Amounts are Decimal 元 with two places; a scheduled amount is the plan times the
cumulative share, rounded half up to the fen. Percentages are cut, not rounded, at two places (89.6 ÷ 84.15
= 106.4765…% → 106.47%, over-completion 6.47%, as the agencies' reports give it), so a rate never shows a
target as reached when it is not (99.996% shows 99.99%, not 100.00%). Where a table shows rows and their
total in 万元 or 亿元, the total is rounded half up and the rows by the largest-remainder method
(`round_to_total`), so the displayed rows always add up to the displayed total.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.figures import Figure, PeriodKind, Selection, Unit, reading, register_figure
from gongwu.core.money import format_money
from gongwu.investment import rollup
from gongwu.investment.models import (
    MONTHS,
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AgencyMonthFigures,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentRateBase,
    PlanAdjustment,
    PlanMonthFigures,
    ScheduleMonth,
    month_end,
)
from gongwu.projects.models import GROUP_OF_CATEGORY, CategoryGroup, PlanCategory, Project, ProjectTag

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


# ---- rounding and rates -------------------------------------------------------------------------


def rate(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """`part` as a percentage of `whole`, cut at two places (106.4765… → 106.47); None without a whole."""
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(FEN, rounding=ROUND_DOWN)


def over_completion(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """How far `actual` is above (+) or below (−) `target`, in % of the target: 84.15 → 89.6 is +6.47."""
    if actual is None or not target:
        return None
    return rate(Decimal(actual) - Decimal(target), target)


def scheduled_amount(plan_amount: Decimal, share: Decimal | None) -> Decimal:
    return (Decimal(plan_amount) * Decimal(share or 0) / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def round_to_total(values: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """Round each value to `quantum` so that they add up to their total rounded half up (largest remainder)."""
    if not values:
        return []
    total = sum(values, Decimal(0)).quantize(quantum, rounding=ROUND_HALF_UP)
    floors = [v.quantize(quantum, rounding=ROUND_FLOOR) for v in values]
    steps = int(((total - sum(floors, Decimal(0))) / quantum).to_integral_value())
    order = sorted(range(len(values)), key=lambda i: (values[i] - floors[i], -i), reverse=True)
    for i in order[: max(steps, 0)]:
        floors[i] += quantum
    return floors


# ---- adjustments --------------------------------------------------------------------------------


@dataclass
class AdjustmentTotals:
    increased: Decimal = ZERO
    increased_projects: int = 0
    decreased: Decimal = ZERO
    decreased_projects: int = 0

    @property
    def net(self) -> Decimal:
        return self.increased - self.decreased


def adjustment_totals(adjustments: QuerySet, start: datetime.date, end: datetime.date) -> AdjustmentTotals:
    """Approved increases and decreases decided in the period, and the number of projects each."""
    rows = (
        adjustments.filter(status=AdjustmentStatus.APPROVED, decided_on__range=(start, end))
        .values("direction")
        .annotate(total=Sum("amount"), projects=Count("plan__project", distinct=True))
    )
    totals = AdjustmentTotals()
    for row in rows:
        amount = Decimal(row["total"] or 0).quantize(FEN)
        if row["direction"] == AdjustmentDirection.INCREASE:
            totals.increased, totals.increased_projects = amount, row["projects"]
        else:
            totals.decreased, totals.decreased_projects = amount, row["projects"]
    return totals


# ---- lag classification -------------------------------------------------------------------------


class Lag(models.TextChoices):
    ON_SCHEDULE = "on_schedule", gettext_lazy("On schedule (按期推进)")
    ATTENTION = "attention", gettext_lazy("Behind (提请关注)")
    SUPERVISION = "supervision", gettext_lazy("Seriously behind (督办滞后)")


LAG_VALUES = tuple(Lag.values)
LAG_COLOUR = {Lag.ON_SCHEDULE: "green", Lag.ATTENTION: "orange", Lag.SUPERVISION: "red"}


def classify_investment_lag(
    actual: Decimal, scheduled: Decimal, attention_below: int = 90, supervision_below: int = 75
) -> str:
    """按期推进 / 提请关注 / 督办滞后: the actual to date against the schedule to date.

    Behind means strictly below the threshold: exactly 90% of the schedule is on schedule, exactly 75% is
    提请关注. Nothing scheduled yet is on schedule."""
    if scheduled <= 0:
        return Lag.ON_SCHEDULE
    share = Decimal(actual) * 100 / Decimal(scheduled)
    if share < supervision_below:
        return Lag.SUPERVISION
    if share < attention_below:
        return Lag.ATTENTION
    return Lag.ON_SCHEDULE


# ---- the figures of each plan at a month --------------------------------------------------------


def _sum_subquery(queryset: QuerySet, group: str, amount: str = "amount") -> Coalesce:
    summed = queryset.order_by().values(group).annotate(total=Sum(amount)).values("total")
    return Coalesce(Subquery(summed[:1], output_field=models.DecimalField(max_digits=18, decimal_places=2)), ZERO)


def with_figures(plans: QuerySet, month: int) -> QuerySet:
    """Plans annotated with their figures at the end of `month` of each plan's own year: the cumulative
    share scheduled, the confirmed actual to date and in the month, the unconfirmed figures to date and
    the payments to date."""
    counted = MonthlyActual.objects.filter(voided_at__isnull=True)  # a voided figure counts nowhere
    confirmed = counted.filter(plan=OuterRef("pk"), status=ActualStatus.CONFIRMED)
    return plans.annotate(
        scheduled_share=Subquery(
            ScheduleMonth.objects.filter(plan=OuterRef("pk"), month=month).values("share")[:1],
            output_field=models.DecimalField(max_digits=5, decimal_places=2),
        ),
        actual_to_date=_sum_subquery(confirmed.filter(month__month__lte=month), "plan"),
        actual_month=_sum_subquery(confirmed.filter(month__month=month), "plan"),
        unconfirmed_to_date=_sum_subquery(
            counted.filter(plan=OuterRef("pk"), month__month__lte=month).exclude(status=ActualStatus.CONFIRMED),
            "plan",
        ),
        paid_to_date=_sum_subquery(
            Payment.objects.filter(
                project=OuterRef("project_id"), paid_on__year=OuterRef("year"), paid_on__month__lte=month
            ),
            "project",
        ),
    )


PLAN_ROW_FIELDS = (
    "pk",
    "year",
    "project_id",
    "project__code",
    "project__name",
    "project__agency_id",
    "project__agency__short_name",
    "project__agency__name",
    "project__category",
    "project__area",
    "project__department_id",
    "project__department__name",
    "project__director_id",
    "project__director__display_name",
    "funding_source",
    "plan_category",
    "adjusted_amount",
    "funds_available",
    "scheduled_share",
    "actual_to_date",
    "actual_month",
    "unconfirmed_to_date",
    "paid_to_date",
)


@dataclass
class PlanRow:
    """One plan's figures at a month, as the dashboard, the plan list and the monthly report use them."""

    pk: int
    project_id: int
    code: str
    name: str
    agency_id: int
    agency: str
    category: str
    category_group: str
    area: str
    department_id: int | None
    department: str
    director_id: int | None
    director: str
    funding_source: str
    plan_category: str
    plan: Decimal
    funds: Decimal
    scheduled: Decimal
    actual: Decimal
    actual_month: Decimal
    unconfirmed: Decimal
    paid: Decimal
    lag: str

    @property
    def gap(self) -> Decimal:
        """How much the actual to date falls short of the schedule to date (0 when ahead)."""
        return max(self.scheduled - self.actual, ZERO)

    @property
    def percent_of_plan(self) -> Decimal | None:
        return rate(self.actual, self.plan)

    @property
    def percent_of_schedule(self) -> Decimal | None:
        return rate(self.actual, self.scheduled)


def thresholds(agency_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    found = {
        s.agency_id: (s.attention_below, s.supervision_below)
        for s in InvestmentSettings.objects.filter(agency_id__in=list(agency_ids))
    }
    return defaultdict(lambda: (90, 75), found)


def plan_rows(plans: QuerySet, year: int, month: int, *, live: bool = False) -> list[PlanRow]:
    """Every plan of `year` among `plans` with its figures at the end of `month` and its lag class.

    One query: the plans with their projects and their row of the rollup at the month (`PlanMonthFigures`,
    kept by `gongwu.investment.rollup`). `live=True` computes the same from the records (`live_plan_rows`)."""
    if live:
        return live_plan_rows(plans, year, month)
    figures = ("scheduled", "actual_to_date", "actual", "unconfirmed_to_date", "paid_to_date")
    values = list(
        plans.filter(year=year)
        .annotate(at_month=FilteredRelation("month_figures", condition=Q(month_figures__month=month)))
        .values(*PLAN_ROW_FIELDS[:-5], *(f"at_month__{name}" for name in figures))
    )
    limits = thresholds({v["project__agency_id"] for v in values})
    return [
        plan_row(
            v,
            limits,
            scheduled=v["at_month__scheduled"],
            actual=v["at_month__actual_to_date"],
            actual_month=v["at_month__actual"],
            unconfirmed=v["at_month__unconfirmed_to_date"],
            paid=v["at_month__paid_to_date"],
        )
        for v in values
    ]


def plan_row(
    v: dict[str, Any],
    limits: dict[int, tuple[int, int]],
    *,
    scheduled: Decimal | None,
    actual: Decimal | None,
    actual_month: Decimal | None,
    unconfirmed: Decimal | None,
    paid: Decimal | None,
) -> PlanRow:
    plan = v["adjusted_amount"] or ZERO
    scheduled = Decimal(scheduled or 0).quantize(FEN)
    actual = Decimal(actual or 0).quantize(FEN)
    attention, supervision = limits[v["project__agency_id"]]
    return PlanRow(
        pk=v["pk"],
        project_id=v["project_id"],
        code=v["project__code"],
        name=v["project__name"],
        agency_id=v["project__agency_id"],
        agency=v["project__agency__short_name"] or v["project__agency__name"],
        category=v["project__category"],
        category_group=GROUP_OF_CATEGORY.get(v["project__category"], CategoryGroup.OTHER),
        area=v["project__area"] or "",
        department_id=v["project__department_id"],
        department=v["project__department__name"] or "",
        director_id=v["project__director_id"],
        director=v["project__director__display_name"] or "",
        funding_source=v["funding_source"],
        plan_category=v["plan_category"],
        plan=plan,
        funds=v["funds_available"] if v["funds_available"] is not None else plan,
        scheduled=scheduled,
        actual=actual,
        actual_month=Decimal(actual_month or 0).quantize(FEN),
        unconfirmed=Decimal(unconfirmed or 0).quantize(FEN),
        paid=Decimal(paid or 0).quantize(FEN),
        lag=classify_investment_lag(actual, scheduled, attention, supervision),
    )


def live_plan_rows(plans: QuerySet, year: int, month: int) -> list[PlanRow]:
    """`plan_rows` computed from the records rather than the rollup: what the rollup must always equal.

    Four queries whatever the number of plans: the plans, their schedule share at the month, their actuals
    and their payments, each grouped in SQL (bench/investment.py measured this against correlated subqueries).
    """
    chosen = plans.filter(year=year)
    values = list(chosen.values(*PLAN_ROW_FIELDS[:-5]))
    ids = chosen.values("pk")
    first, last = datetime.date(year, month, 1), month_end(year, month)
    shares = dict(ScheduleMonth.objects.filter(plan__in=ids, month=month).values_list("plan_id", "share"))
    confirmed = Q(status=ActualStatus.CONFIRMED)
    actuals = {
        row["plan_id"]: row
        for row in MonthlyActual.objects.filter(
            plan__in=ids, month__range=(datetime.date(year, 1, 1), first), voided_at__isnull=True
        )
        .values("plan_id")
        .annotate(
            to_date=Sum("amount", filter=confirmed),
            in_month=Sum("amount", filter=confirmed & Q(month=first)),
            unconfirmed=Sum("amount", filter=~confirmed),
        )
    }
    paid = dict(
        Payment.objects.filter(project__plans__in=ids, paid_on__range=(datetime.date(year, 1, 1), last))
        .values("project_id")
        .annotate(total=Sum("amount"))
        .values_list("project_id", "total")
    )
    limits = thresholds({v["project__agency_id"] for v in values})
    nothing: dict[str, Any] = {}
    rows = []
    for v in values:
        reported = actuals.get(v["pk"], nothing)
        rows.append(
            plan_row(
                v,
                limits,
                scheduled=scheduled_amount(v["adjusted_amount"] or ZERO, shares.get(v["pk"])),
                actual=reported.get("to_date"),
                actual_month=reported.get("in_month"),
                unconfirmed=reported.get("unconfirmed"),
                paid=paid.get(v["project_id"]),
            )
        )
    return rows


# ---- the dispatch dashboard ---------------------------------------------------------------------


@dataclass
class Totals:
    """Sums over a group of plan rows, and the rates the dashboard shows for them."""

    projects: int = 0
    plan: Decimal = ZERO
    funds: Decimal = ZERO
    scheduled: Decimal = ZERO
    actual: Decimal = ZERO
    actual_month: Decimal = ZERO
    unconfirmed: Decimal = ZERO
    paid: Decimal = ZERO
    lags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Lag.values, 0))
    base: str = PaymentRateBase.FUNDS

    @classmethod
    def of(cls, rows: list[PlanRow], base: str) -> Totals:
        """The sums of `rows`, each column summed in one pass in C (the dashboard sums 10,000 rows 8 ways)."""
        lags = dict.fromkeys(Lag.values, 0)
        lags.update(Counter(map(attrgetter("lag"), rows)))
        return cls(
            projects=len(rows),
            **{name: sum(map(attrgetter(name), rows), ZERO) for name in SUMMED},
            lags=lags,
            base=base,
        )

    def merge(self, other: Totals) -> None:
        """Add another group's sums to these (categories into their group, groups into a table's total)."""
        self.projects += other.projects
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for lag, n in other.lags.items():
            self.lags[lag] += n

    def add(self, row: PlanRow) -> None:
        self.projects += 1
        self.plan += row.plan
        self.funds += row.funds
        self.scheduled += row.scheduled
        self.actual += row.actual
        self.actual_month += row.actual_month
        self.unconfirmed += row.unconfirmed
        self.paid += row.paid
        self.lags[row.lag] += 1

    @property
    def percent_of_plan(self) -> Decimal | None:
        return rate(self.actual, self.plan)

    @property
    def percent_of_schedule(self) -> Decimal | None:
        return rate(self.actual, self.scheduled)

    @property
    def over_schedule(self) -> Decimal | None:
        """Over-completion (+) or shortfall (−) against the schedule to date, in %."""
        return over_completion(self.actual, self.scheduled)

    @property
    def over_plan(self) -> Decimal | None:
        return over_completion(self.actual, self.plan)

    @property
    def payment_base(self) -> Decimal:
        return {PaymentRateBase.PLAN: self.plan, PaymentRateBase.ACTUAL: self.actual}.get(self.base, self.funds)

    @property
    def payment_rate(self) -> Decimal | None:
        return rate(self.paid, self.payment_base)

    @property
    def lagging(self) -> int:
        return self.lags[Lag.ATTENTION] + self.lags[Lag.SUPERVISION]


SUMMED = ("plan", "funds", "scheduled", "actual", "actual_month", "unconfirmed", "paid")


# By this day of a month, last month's figures are in and reviewed (the alert rule's default too).
REPORT_DAY = 10


def last_month(today: datetime.date | None = None) -> tuple[int, int]:
    """The month a project team reports now: last month (December of last year in January)."""
    today = today or timezone.localdate()
    if today.month == 1:
        return today.year - 1, 12
    return today.year, today.month - 1


def default_month(today: datetime.date | None = None, report_day: int = REPORT_DAY) -> tuple[int, int]:
    """The latest month whose figures are due confirmed: last month from `report_day` on, the month before
    until then (on 2 December, October; on 10 December, November)."""
    today = today or timezone.localdate()
    year, month = last_month(today)
    if today.day < report_day:
        year, month = last_month(datetime.date(year, month, 1))
    return year, month


def default_month_date(today: datetime.date | None = None) -> datetime.date:
    """The month a new report is for, by default (last month)."""
    year, month = last_month(today)
    return datetime.date(year, month, 1)


def plans_of(agency_ids: Iterable[int], tag: str = "") -> QuerySet:
    """The plans the dashboard counts: those of the agencies' projects; with `tag`, only of projects tagged so
    (by the tag's name, which each agency defines for itself: 市投市建)."""
    plans = AnnualPlan.objects.filter(project__agency__in=list(agency_ids))
    if tag:
        plans = plans.filter(project__in=Project.objects.filter(tags__name=tag).values("pk"))
    return plans


# ---- the dashboard's figures summed in SQL from the rollup --------------------------------------


def _yuan(fen: Any) -> Decimal:
    """A sum of whole fen as the database returns it (numeric on PostgreSQL, an integer on SQLite) in 元."""
    return (Decimal(fen or 0) / 100).quantize(FEN)


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _plan_figures_sql(agency_ids: list[int], year: int, month: int, tag: str) -> tuple[str, list[Any]]:
    """A CTE `figures`: each plan of `year` of the agencies (of projects tagged `tag`) with its project's groups
    and its row of the rollup at `month` kept under the project's agency (PostgreSQL reads those rows from a
    covering index, migration 0004), amounts in whole fen, classified by lag on its agency's thresholds.

    In fen the sums are integer sums (the cheapest on PostgreSQL, exact on SQLite, whose decimals are floats)
    and the class an exact comparison (actual < threshold % of schedule ⇔ actual × 100 < threshold × schedule,
    as `classify_investment_lag`). `kept` is 0 for a plan whose row is missing or kept under another agency
    (its project moved past the services): the dashboard then heals the rollup."""
    from gongwu.core.models import Organization, User

    # The table names are the models' and the agencies one placeholder each: every value is a parameter.
    agencies = ", ".join(["%s"] * len(agency_ids)) or "NULL"
    tagged = ""
    params: list[Any] = [month, year, *agency_ids, *agency_ids, year]
    if tag:
        through = Project.tags.through
        tags = f"{_table(through)} pt JOIN {_table(ProjectTag)} t ON t.id = pt.projecttag_id"
        tagged = f"AND p.project_id IN (SELECT pt.project_id FROM {tags} WHERE t.name = %s)"  # noqa: S608
        params.append(tag)

    def fen(amount: str) -> str:
        return f"CAST(ROUND(COALESCE({amount}, 0) * 100) AS BIGINT)"

    sql = f"""
WITH plan_figures AS (
  SELECT p.id AS plan_id, j.agency_id, j.code, j.category, COALESCE(j.area, '') AS area,
         j.department_id, COALESCE(d.name, '') AS department, j.director_id, COALESCE(u.display_name, '') AS director,
         p.funding_source, p.plan_category, {fen("p.adjusted_amount")} AS plan,
         {fen("COALESCE(p.funds_available, p.adjusted_amount)")} AS funds,
         {fen("f.scheduled")} AS scheduled, {fen("f.actual_to_date")} AS actual, {fen("f.actual")} AS actual_month,
         {fen("f.unconfirmed_to_date")} AS unconfirmed, {fen("f.paid_to_date")} AS paid,
         CASE WHEN f.agency_id = j.agency_id THEN 1 ELSE 0 END AS kept,
         COALESCE(s.attention_below, 90) AS attention_below, COALESCE(s.supervision_below, 75) AS supervision_below
  FROM {_table(AnnualPlan)} p
  JOIN {_table(Project)} j ON j.id = p.project_id
  LEFT JOIN {_table(Organization)} d ON d.id = j.department_id
  LEFT JOIN {_table(User)} u ON u.id = j.director_id
  LEFT JOIN {_table(PlanMonthFigures)} f ON f.plan_id = p.id AND f.month = %s AND f.year = %s
       AND f.agency_id = j.agency_id AND f.agency_id IN ({agencies})
  LEFT JOIN {_table(InvestmentSettings)} s ON s.agency_id = j.agency_id
  WHERE j.agency_id IN ({agencies}) AND p.year = %s {tagged}
), figures AS (
  SELECT plan_figures.*, scheduled - actual AS gap,
         CASE WHEN scheduled <= 0 THEN 'on_schedule'
              WHEN actual * 100 < scheduled * supervision_below THEN 'supervision'
              WHEN actual * 100 < scheduled * attention_below THEN 'attention'
              ELSE 'on_schedule' END AS lag
  FROM plan_figures
)"""  # noqa: S608
    return sql, params


# The groups of the breakdowns, each a GROUP BY over the same CTE (UNION ALL: no GROUPING SETS on SQLite; the
# totals are the agencies' added up); (name, first key, second key or NULL).
GROUPINGS = (
    ("by_agency", "agency_id", "NULL"),
    ("category", "category", "NULL"),
    ("by_area", "area", "NULL"),
    ("by_department", "department_id", "department"),
    ("by_funding", "funding_source", "NULL"),
    ("by_director", "director_id", "director"),
    ("by_plan_category", "plan_category", "NULL"),
)
SUMS = (
    "COUNT(*), SUM(plan), SUM(funds), SUM(scheduled), SUM(actual), SUM(actual_month), SUM(unconfirmed), SUM(paid), "
    "SUM(CASE WHEN lag = 'attention' THEN 1 ELSE 0 END), SUM(CASE WHEN lag = 'supervision' THEN 1 ELSE 0 END), "
    "SUM(kept)"
)


@dataclass
class GroupedFigures:
    """The totals and the breakdowns of a dashboard; how many of each agency's plans have their rollup row kept
    under that agency (`kept`: fewer than its plans when a project moved past the services); and the plans
    behind schedule, ranked by gap (plan id and lag class)."""

    totals: Totals
    groups: dict[str, dict[Any, Totals]]
    kept: dict[int, int]
    lagging: list[tuple[int, str]]


def grouped_figures(
    agency_ids: list[int],
    year: int,
    month: int,
    base: str,
    *,
    tag: str = "",
    groupings: Iterable[str] | None = None,
    lagging_limit: int | None = 0,
) -> GroupedFigures:
    """The totals and breakdowns of the agencies' plans of `year` at the end of `month`, summed by the database
    from the rollup, and the ids of at most `lagging_limit` plans of each class behind schedule (all with None),
    the largest gap first, then by project code and plan: one statement, a few hundred rows back."""
    cte, params = _plan_figures_sql(agency_ids, year, month, tag)
    # each agency's are always summed: they add up to the totals, and the dashboard checks the rollup with them
    chosen = [g for g in GROUPINGS if groupings is None or g[0] in (*groupings, "by_agency")]
    selects = []
    for name, first, second in chosen:
        keys = [k for k in (first, second) if k != "NULL"]
        group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
        keyed = f"'{name}', CAST({first} AS TEXT), CAST({second} AS TEXT)"  # the names and columns of GROUPINGS
        selects.append(f"SELECT {keyed}, {SUMS} FROM figures{group_by}")  # noqa: S608
    if lagging_limit != 0:
        # codes compare by code point, as Python sorts them, whatever the database's collation
        code = 'code COLLATE "C"' if connection.vendor == "postgresql" else "code"
        order = f"ORDER BY gap DESC, {code}, plan_id"
        cte += f", ranked AS (SELECT plan_id, lag, ROW_NUMBER() OVER (PARTITION BY lag {order}) AS n FROM figures "  # noqa: S608
        cte += "WHERE lag IN ('attention', 'supervision'))"
        nulls = ", ".join(["NULL"] * 10)
        selects.append(
            f"SELECT 'lagging', CAST(plan_id AS TEXT), lag, n, {nulls} FROM ranked"  # noqa: S608
            + (" WHERE n <= %s" if lagging_limit is not None else "")
        )
        if lagging_limit is not None:
            params.append(lagging_limit)
    with connection.cursor() as cursor:
        cursor.execute(cte + "\n" + "\nUNION ALL\n".join(selects), params)
        result = cursor.fetchall()
    totals = Totals(base=base)
    groups: dict[str, dict[Any, Totals]] = {g[0]: {} for g in chosen}
    kept: dict[int, int] = {}
    lagging: list[tuple[int, int, str]] = []
    for name, first, second, count, *amounts, attention, supervision, kept_rows in result:
        if name == "lagging":
            lagging.append((count, int(first), second))
            continue
        if not count:
            continue
        figures = Totals(
            projects=count,
            **{field_name: _yuan(v) for field_name, v in zip(SUMMED, amounts, strict=True)},
            lags={
                Lag.ON_SCHEDULE: count - attention - supervision,
                Lag.ATTENTION: attention,
                Lag.SUPERVISION: supervision,
            },
            base=base,
        )
        if name == "by_agency":
            groups[name][int(first)] = figures
            kept[int(first)] = kept_rows
            totals.merge(figures)
        elif name in ("by_department", "by_director"):
            groups[name][(int(first) if first is not None else None, second or "")] = figures
        else:
            groups[name][first or ""] = figures
    if "category" in groups:
        by_group: dict[str, Totals] = {}
        for category, figures in groups.pop("category").items():
            by_group.setdefault(GROUP_OF_CATEGORY.get(category, CategoryGroup.OTHER), Totals(base=base)).merge(figures)
        groups["by_category"] = by_group
    return GroupedFigures(totals, groups, kept, [(pk, lag) for _n, pk, lag in sorted(lagging)])


def lagging_rows(ranked: list[tuple[int, str]], year: int, month: int) -> dict[str, list[PlanRow]]:
    """The lagging plans `grouped_figures` ranked, as `plan_rows` gives them, in their order per class."""
    rows = {r.pk: r for r in plan_rows(AnnualPlan.objects.filter(pk__in=[pk for pk, _lag in ranked]), year, month)}
    result: dict[str, list[PlanRow]] = {Lag.SUPERVISION: [], Lag.ATTENTION: []}
    for pk, lag in ranked:
        result[lag].append(rows[pk])
    return result


# ---- the monthly sums: the curves, the months not confirmed, last year ----------------------------


def agency_months(agency_ids: list[int], years: Iterable[int]) -> list[dict[str, Any]]:
    """The agencies' kept monthly sums (`AgencyMonthFigures`) of these years, by agency, month and status,
    amounts back in 元."""
    rows = AgencyMonthFigures.objects.filter(agency__in=agency_ids, year__in=list(years), plans__gt=0).values(
        "agency_id", "year", "month", "status", "plans", "reported", "scheduled", "actual_to_date", "paid_to_date"
    )
    return [
        {
            "agency_id": r["agency_id"],
            "year": r["year"],
            "month": r["month"],
            "status": r["status"],
            "n": r["plans"],
            "t": Decimal(r["reported"]) / 100,
            "scheduled": Decimal(r["scheduled"]) / 100,
            "actual": Decimal(r["actual_to_date"]) / 100,
            "paid": Decimal(r["paid_to_date"]) / 100,
        }
        for r in rows
    ]


def plan_months(plans: QuerySet, years: Iterable[int]) -> list[dict[str, Any]]:
    """The same sums as `agency_months` from the plans' own rows (for a selection the agencies' sums do not
    cover: the plans of a tag)."""
    return [
        {**r, "agency_id": None}
        for r in PlanMonthFigures.objects.filter(plan__in=plans.values("pk"), year__in=list(years))
        .values("year", "month", "status")
        .annotate(
            n=Count("pk"),
            t=Sum("reported"),
            scheduled=Sum("scheduled"),
            actual=Sum("actual_to_date"),
            paid=Sum("paid_to_date"),
        )
        .order_by()
    ]


def reported_from_rollup(months: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """`reported_months` read off the monthly sums: reports by month and status, months as dates."""
    counts: dict[tuple[int, str], dict[str, Any]] = {}
    for r in months:
        if r["year"] != year or not r["status"]:
            continue
        entry = counts.setdefault((r["month"], r["status"]), {"n": 0, "t": ZERO})
        entry["n"] += r["n"]
        entry["t"] += Decimal(r["t"] or 0)
    return [
        {"month": datetime.date(year, month, 1), "status": status, "n": e["n"], "t": e["t"]}
        for (month, status), e in sorted(counts.items())
    ]


def curves_from_rollup(months: list[dict[str, Any]], year: int, plan_total: Decimal) -> dict[str, list[Decimal]]:
    sums = {name: dict.fromkeys(MONTHS, ZERO) for name in ("scheduled", "actual", "paid")}
    for row in months:
        if row["year"] == year:
            for name, by_month in sums.items():
                by_month[row["month"]] += Decimal(row[name] or 0)
    return {
        "plan": [plan_total] * 12,
        "schedule": [sums["scheduled"][m].quantize(FEN) for m in MONTHS],
        "actual": [sums["actual"][m].quantize(FEN) for m in MONTHS],
        "paid": [sums["paid"][m].quantize(FEN) for m in MONTHS],
    }


def monthly_curves(
    agency_ids: list[int],
    year: int,
    reported: list[dict[str, Any]] | None = None,
    *,
    live: bool = False,
    tag: str = "",
) -> dict[str, list[Decimal]]:
    """Cumulative plan, schedule, confirmed actual and payments at the end of each month of `year`, from the
    kept monthly sums, or from the records with `live=True`."""
    plans = plans_of(agency_ids, tag).filter(year=year)
    plan_total = Decimal(plans.aggregate(t=Sum("adjusted_amount"))["t"] or 0).quantize(FEN)
    if not live:
        months = plan_months(plans, [year]) if tag else agency_months(agency_ids, [year])
        return curves_from_rollup(months, year, plan_total)
    schedule = ScheduleMonth.objects.filter(plan__in=plans.values("pk"))
    by_month: dict[int, Decimal] = defaultdict(Decimal)
    if connection.vendor == "postgresql":
        # numeric arithmetic is exact there: each plan's share rounded to the fen as `scheduled_amount` does
        amount = Round(F("plan__adjusted_amount") * F("share") / 100, 2)
        for month, total in schedule.values("month").annotate(t=Sum(amount)).values_list("month", "t"):
            by_month[month] = Decimal(total or 0)
    else:
        for plan_amount, month, share in schedule.values_list("plan__adjusted_amount", "month", "share"):
            by_month[month] += scheduled_amount(plan_amount, share)
    actual_by_month: dict[int, Decimal] = defaultdict(Decimal)
    for row in reported if reported is not None else reported_months(plans, year):
        if row["status"] == ActualStatus.CONFIRMED:
            actual_by_month[row["month"].month] += Decimal(row["t"] or 0)
    paid_by_month: dict[int, Decimal] = defaultdict(Decimal)
    payments = Payment.objects.filter(
        project__plans__in=plans.values("pk"), paid_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    )
    for day, total in payments.values("paid_on").annotate(t=Sum("amount")).values_list("paid_on", "t"):
        paid_by_month[day.month] += Decimal(total or 0)
    cumulative_actual, cumulative_paid = [], []
    running_actual = running_paid = ZERO
    for month in MONTHS:
        running_actual += actual_by_month.get(month, ZERO)
        running_paid += paid_by_month.get(month, ZERO)
        cumulative_actual.append(running_actual.quantize(FEN))
        cumulative_paid.append(running_paid.quantize(FEN))
    return {
        "plan": [plan_total] * 12,
        "schedule": [by_month.get(m, ZERO).quantize(FEN) for m in MONTHS],
        "actual": cumulative_actual,
        "paid": cumulative_paid,
    }


def previous_year_actual(agency_ids: list[int], year: int, month: int, *, live: bool = False, tag: str = "") -> Decimal:
    """Confirmed investment of the same plans' projects from January to the same month of the year before."""
    if not live:
        if tag:
            months = plan_months(plans_of(agency_ids, tag).filter(year=year - 1), [year - 1])
        else:
            months = agency_months(agency_ids, [year - 1])
        return sum((Decimal(r["actual"]) for r in months if r["month"] == month), ZERO).quantize(FEN)
    total = MonthlyActual.objects.filter(
        plan__in=plans_of(agency_ids, tag).filter(year=year - 1).values("pk"),
        status=ActualStatus.CONFIRMED,
        voided_at__isnull=True,
        month__range=(datetime.date(year - 1, 1, 1), datetime.date(year - 1, month, 1)),
    ).aggregate(t=Sum("amount"))["t"]
    return Decimal(total or 0).quantize(FEN)


def reported_months(plans: QuerySet, year: int) -> list[dict[str, Any]]:
    """The monthly actuals of `year` of `plans` counted and summed by month and status (the curves and the
    notice of unconfirmed months both read them)."""
    rows = (
        MonthlyActual.objects.filter(
            plan__in=plans.filter(year=year).values("pk"),
            voided_at__isnull=True,
            month__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 1)),
        )
        .values("month", "status")
        .annotate(n=Count("pk"), t=Sum("amount"))
        .order_by("month", "status")
    )
    return [{**r, "t": Decimal(r["t"] or 0).quantize(FEN)} for r in rows]


def unconfirmed_months(
    agency_ids: list[int],
    year: int,
    month: int,
    planned: int,
    reported: list[dict[str, Any]] | None = None,
    *,
    tag: str = "",
) -> list[dict[str, Any]]:
    """Months up to `month` whose figures are not all confirmed: reports awaiting review, returned or in
    draft, and plans with no report at all (of the `planned` plans)."""
    counts: dict[datetime.date, dict[str, Any]] = {}
    last = datetime.date(year, month, 1)
    for row in reported if reported is not None else reported_months(plans_of(agency_ids, tag), year):
        if row["month"] > last:
            continue
        entry = counts.setdefault(row["month"], {"month": row["month"], "reported": 0, "by_status": {}, "amount": ZERO})
        entry["reported"] += row["n"]
        if row["status"] != ActualStatus.CONFIRMED:
            entry["by_status"][row["status"]] = row["n"]
            entry["amount"] += Decimal(row["t"] or 0)
    result = []
    for m in range(1, month + 1):
        day = datetime.date(year, m, 1)
        entry = counts.get(day, {"month": day, "reported": 0, "by_status": {}, "amount": ZERO})
        entry["missing"] = max(planned - entry["reported"], 0)
        if entry["by_status"] or entry["missing"]:
            result.append(entry)
    return result


@dataclass
class Dashboard:
    year: int
    month: int
    base: str
    totals: Totals
    lagging_rows: dict[str, list[PlanRow]]
    previous_actual: Decimal
    curves: dict[str, list[Decimal]]
    adjustments: AdjustmentTotals
    unconfirmed: list[dict[str, Any]]
    by_agency: dict[int, Totals]
    by_category: dict[str, Totals]
    by_area: dict[str, Totals]
    by_department: dict[tuple[int | None, str], Totals]
    by_funding: dict[str, Totals]
    by_director: dict[tuple[int | None, str], Totals]
    by_plan_category: dict[str, Totals]

    @property
    def year_on_year(self) -> Decimal | None:
        return over_completion(self.totals.actual, self.previous_actual)

    def lagging(self, lag: str) -> list[PlanRow]:
        """The plans of a lag class behind schedule, the largest gap first (as many as the dashboard asked for)."""
        return self.lagging_rows.get(lag, [])


def payment_base_of(agency_ids: list[int]) -> str:
    """The payment-rate base the agencies report against; funds available when they differ."""
    chosen = dict(
        InvestmentSettings.objects.filter(agency_id__in=agency_ids).values_list("agency_id", "payment_rate_base")
    )
    bases = {chosen.get(agency_id, PaymentRateBase.FUNDS) for agency_id in set(agency_ids)}
    return bases.pop() if len(bases) == 1 else PaymentRateBase.FUNDS


BREAKDOWNS: dict[str, Callable[[PlanRow], Any]] = {
    "by_agency": lambda r: r.agency_id,
    "by_category": lambda r: r.category_group,
    "by_area": lambda r: r.area,
    "by_department": lambda r: (r.department_id, r.department),
    "by_funding": lambda r: r.funding_source,
    "by_director": lambda r: (r.director_id, r.director),
    "by_plan_category": lambda r: r.plan_category,
}

# The page lists this many lagging plans of each class (the API all of them).
LAGGING_SHOWN = 50


def lagging_order(row: PlanRow) -> tuple[Decimal, str, int]:
    return (-row.gap, row.code, row.pk)


def live_dashboard(
    agency_ids: list[int], year: int, month: int, *, tag: str = "", lagging_limit: int | None = LAGGING_SHOWN
) -> Dashboard:
    """The dashboard computed from the records, plan by plan in Python: what the rollup must always equal."""
    plans = plans_of(agency_ids, tag)
    rows = live_plan_rows(plans, year, month)
    base = payment_base_of(agency_ids)
    reported = reported_months(plans, year)
    groups: dict[str, dict[Any, Totals]] = {}
    for name, key in BREAKDOWNS.items():
        members: dict[Any, list[PlanRow]] = defaultdict(list)
        for row in rows:
            members[key(row)].append(row)
        groups[name] = {value: Totals.of(group, base) for value, group in members.items()}
    lagging = {
        lag: sorted((r for r in rows if r.lag == lag), key=lagging_order)[:lagging_limit]
        for lag in (Lag.SUPERVISION, Lag.ATTENTION)
    }
    return Dashboard(
        year=year,
        month=month,
        base=base,
        totals=Totals.of(rows, base),
        lagging_rows=lagging,
        previous_actual=previous_year_actual(agency_ids, year, month, live=True, tag=tag),
        curves=monthly_curves(agency_ids, year, reported, live=True, tag=tag),
        adjustments=adjustment_totals(
            PlanAdjustment.objects.filter(plan__in=plans.filter(year=year).values("pk")),
            datetime.date(year, 1, 1),
            month_end(year, month),
        ),
        unconfirmed=unconfirmed_months(agency_ids, year, month, len(rows), reported),
        **groups,
    )


def stale_agencies(
    agency_ids: list[int], year: int, month: int, grouped: GroupedFigures, months: list[dict[str, Any]]
) -> list[int]:
    """The agencies whose kept sums do not count the plans they have (a project moved to another agency or
    deleted past the services): this year's plans against the sums at the month and the rows kept under the
    agency, last year's plans against last year's sums."""
    kept_plans: dict[tuple[int, int], int] = defaultdict(int)
    for r in months:
        if r["month"] == month:
            kept_plans[r["agency_id"], r["year"]] += r["n"]
    last_year = dict(
        AnnualPlan.objects.filter(project__agency__in=agency_ids, year=year - 1)
        .values("project__agency")
        .annotate(n=Count("pk"))
        .values_list("project__agency", "n")
    )
    stale = []
    for agency_id in agency_ids:
        group = grouped.groups["by_agency"].get(agency_id)
        plans = group.projects if group is not None else 0
        if (
            plans != grouped.kept.get(agency_id, 0)
            or plans != kept_plans[agency_id, year]
            or last_year.get(agency_id, 0) != kept_plans[agency_id, year - 1]
        ):
            stale.append(agency_id)
    return stale


def checked_figures(
    agency_ids: list[int],
    year: int,
    month: int,
    base: str,
    *,
    tag: str = "",
    groupings: Iterable[str] | None = None,
    lagging_limit: int | None = 0,
) -> tuple[GroupedFigures, list[dict[str, Any]]]:
    """`grouped_figures` and the monthly sums of this year and the last, after healing the rollup of the
    agencies whose sums no longer count their plans (a project moved or deleted past the services)."""
    for attempt in range(2):
        grouped = grouped_figures(
            agency_ids, year, month, base, tag=tag, groupings=groupings, lagging_limit=lagging_limit
        )
        if tag:
            months = plan_months(plans_of(agency_ids, tag), [year - 1, year])
            stale = [a for a, g in grouped.groups["by_agency"].items() if g.projects != grouped.kept.get(a, 0)]
        else:
            months = agency_months(agency_ids, [year - 1, year])
            stale = stale_agencies(agency_ids, year, month, grouped, months)
        if not stale or attempt:
            break
        rollup.heal(stale, [year - 1, year])
    return grouped, months


def dashboard(
    agency_ids: list[int],
    year: int,
    month: int,
    *,
    live: bool = False,
    tag: str = "",
    lagging_limit: int | None = LAGGING_SHOWN,
) -> Dashboard:
    """The dispatch dashboard (固投看板) of `agency_ids` for `year`, figures to the end of `month`; with `tag`,
    of the plans of projects with that tag only.

    From the rollup: the totals and breakdowns summed by the database over each plan's row at the month
    (`grouped_figures`), the lagging plans ranked in the same statement, the curves, the unconfirmed months
    and last year's figure from the agencies' monthly sums (`AgencyMonthFigures`; a tag's from its plans'
    rows). `live=True` computes every figure from the records instead (`live_dashboard`), which the rollup must
    always equal (tests/test_rollup.py)."""
    if live:
        return live_dashboard(agency_ids, year, month, tag=tag, lagging_limit=lagging_limit)
    base = payment_base_of(agency_ids)
    grouped, months = checked_figures(agency_ids, year, month, base, tag=tag, lagging_limit=lagging_limit)
    totals = grouped.totals
    reported = reported_from_rollup(months, year)
    return Dashboard(
        year=year,
        month=month,
        base=base,
        totals=totals,
        lagging_rows=lagging_rows(grouped.lagging, year, month),
        previous_actual=sum(
            (r["actual"] for r in months if (r["year"], r["month"]) == (year - 1, month)), ZERO
        ).quantize(FEN),
        curves=curves_from_rollup(months, year, totals.plan),
        adjustments=adjustment_totals(
            PlanAdjustment.objects.filter(plan__in=plans_of(agency_ids, tag).filter(year=year).values("pk")),
            datetime.date(year, 1, 1),
            month_end(year, month),
        ),
        unconfirmed=unconfirmed_months(agency_ids, year, month, totals.projects, reported),
        by_agency=grouped.groups["by_agency"],
        by_category=grouped.groups["by_category"],
        by_area=grouped.groups["by_area"],
        by_department=grouped.groups["by_department"],
        by_funding=grouped.groups["by_funding"],
        by_director=grouped.groups["by_director"],
        by_plan_category=grouped.groups["by_plan_category"],
    )


def agency_totals(agency_ids: list[int], year: int, month: int, *, tag: str = "") -> dict[int, Totals]:
    """Each agency's totals (the dashboard's side-by-side table), from the rollup."""
    grouped, _months = checked_figures(agency_ids, year, month, payment_base_of(agency_ids), tag=tag, groupings=[])
    return grouped.groups["by_agency"]


def lag_q(rows: list[PlanRow], lag: str) -> Q:
    return Q(pk__in=[r.pk for r in rows if r.lag == lag])


# ---- the figures registered for the reports and GET /api/figures/ ---------------------------------
#
# Each is the dashboard's own number for the selection's agencies, a year to the end of the selection's last
# month (a whole year: to December), and links to the list of exactly the records it counts.

IN_A_YEAR = (PeriodKind.YEAR, PeriodKind.YEAR_TO_MONTH)


def selection_totals(selection: Selection) -> Totals:
    """The dashboard's totals for a selection (healed as the dashboard heals them), once for all its figures."""
    return selection.memo("investment.totals", lambda: _totals(selection))


def _totals(selection: Selection) -> Totals:
    agency_ids = selection.agency_ids
    grouped, _months = checked_figures(
        agency_ids, selection.year, selection.month, payment_base_of(agency_ids), groupings=[]
    )
    return grouped.totals


def plans_url(selection: Selection) -> str:
    return selection.url("investment:annualplan_list", {"year": selection.year, "as_of": selection.month})


def payments_url(selection: Selection) -> str:
    year, month = selection.year, selection.month
    return selection.url(
        "investment:payment_list",
        {"paid_from": datetime.date(year, 1, 1), "paid_to": month_end(year, month), "planned_in": year},
    )


@register_figure(
    "investment.projects",
    gettext_lazy("Projects with an investment plan"),
    unit=Unit.COUNT,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy("Projects with an annual investment plan for the year."),
)
def projects_with_a_plan(selection: Selection) -> Figure:
    return reading(selection_totals(selection).projects, url=plans_url(selection))


@register_figure(
    "investment.planned",
    gettext_lazy("Annual plan"),
    unit=Unit.YUAN,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy("The year's annual investment plans, as adjusted by approved increases and decreases."),
)
def planned(selection: Selection) -> Figure:
    return reading(selection_totals(selection).plan, url=plans_url(selection))


@register_figure(
    "investment.completed",
    gettext_lazy("Completed to date"),
    unit=Unit.YUAN,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy("Investment completed from January to the end of the month, confirmed figures only."),
)
def completed(selection: Selection) -> Figure:
    year, month = selection.year, selection.month
    url = selection.url(
        "investment:monthlyactual_list",
        {
            "month_from": datetime.date(year, 1, 1),
            "month_to": datetime.date(year, month, 1),
            "status": ActualStatus.CONFIRMED,
            "voided": "live",
        },
    )
    return reading(selection_totals(selection).actual, url=url)


@register_figure(
    "investment.completion_rate",
    gettext_lazy("Completion rate"),
    unit=Unit.PERCENT,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy("Confirmed investment to date as a share of the annual plan (完成率), cut at two places."),
)
def completion_rate(selection: Selection) -> Figure:
    return reading(selection_totals(selection).percent_of_plan, url=plans_url(selection))


@register_figure(
    "investment.paid",
    gettext_lazy("Paid to date"),
    unit=Unit.YUAN,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy("Payments from January to the end of the month on the projects with a plan for the year."),
)
def paid(selection: Selection) -> Figure:
    return reading(selection_totals(selection).paid, url=payments_url(selection))


@register_figure(
    "investment.payment_rate",
    gettext_lazy("Payment rate"),
    unit=Unit.PERCENT,
    periods=IN_A_YEAR,
    model=AnnualPlan,
    description=gettext_lazy(
        "Payments to date as a share of the funds available for the year (支付率), or of the plan or the investment "
        "completed where the agencies' settings say so; cut at two places."
    ),
)
def payment_rate(selection: Selection) -> Figure:
    totals = selection_totals(selection)
    note = _("against %(base)s %(amount)s") % {
        "base": PaymentRateBase(totals.base).label,
        "amount": format_money(totals.payment_base),
    }
    return reading(totals.payment_rate, url=payments_url(selection), note=note)


# ---- projects by plan category (the projects summary shows it) --------------------------------------


def plan_categories(agency_ids: list[int], year: int) -> dict[str, int]:
    """Projects per plan category in `year`'s annual plans of the agencies; "" counts the plans without one."""
    rows = (
        AnnualPlan.objects.filter(project__agency__in=agency_ids, year=year)
        .values("plan_category")
        .annotate(n=Count("project", distinct=True))
        .order_by()
    )
    return {row["plan_category"]: row["n"] for row in rows}


def plan_category_url(selection: Selection, year: int, **params: Any) -> str:
    """The annual plans behind a count (`AnnualPlanFilterSet`; plan_category "-" lists those without one)."""
    return selection.url("investment:annualplan_list", {"year": year, **params})


@register_figure(
    "investment.projects_by_plan_category",
    gettext_lazy("Projects in the year's plan"),
    model=AnnualPlan,
    description=gettext_lazy(
        "Projects with an annual plan in the period's year, split by plan category (none for a period across years)."
    ),
)
def projects_by_plan_category(selection: Selection) -> Figure:
    """Projects with an annual plan in the selection's year, with one child figure per plan category (and one
    for the plans without a category, when there are any). None for a period that spans two years."""
    period = selection.period
    key, label = "investment.projects_by_plan_category", _("Projects in the year's plan")
    if period.start.year != period.end.year:
        return Figure(key=key, label=label, value=None)
    year = period.start.year
    counts = plan_categories(selection.agency_ids, year)
    children = [
        Figure(
            key=value,
            label=str(name),
            value=counts.get(value, 0),
            url=plan_category_url(selection, year, plan_category=value),
        )
        for value, name in PlanCategory.choices
    ]
    if counts.get(""):
        children.append(
            Figure(
                key="", label=_("Not set"), value=counts[""], url=plan_category_url(selection, year, plan_category="-")
            )
        )
    return Figure(
        key=key,
        label=label,
        value=sum(counts.values()),
        url=plan_category_url(selection, year),
        children=tuple(children),
    )


@register_figure(
    "investment.paid_against_contracts",
    gettext_lazy("Paid against contracts"),
    unit=Unit.YUAN,
    model=Payment,
    description=gettext_lazy("Payments in the period that name the contract they pay (and mostly its approved claim)."),
)
def paid_against_contracts(selection: Selection) -> Figure:
    period = selection.period
    total = Payment.objects.filter(
        project__agency__in=selection.agency_ids,
        contract__isnull=False,
        paid_on__gte=period.start,
        paid_on__lte=period.end,
    ).aggregate(t=Sum("amount"))["t"]
    url = selection.url("investment:payment_list", {"paid_from": period.start, "paid_to": period.end, "linked": "true"})
    return reading(total or ZERO, url=url)


def register() -> None:
    """Nothing to do: importing this module registered the figures (called so the import is explicit)."""
