"""The dashboard's rollup: each plan's figures at the end of each month of its year (`PlanMonthFigures`).

Every investment service that changes a figure (a plan saved or deleted, its schedule, a monthly actual
reported, changed, submitted, confirmed, returned, voided or deleted, an adjustment approved, a payment) calls
`touch` with the plans it changed, in its own transaction; the generic pages, the API, the Excel ledgers and the
admin write through those services (the viewsets name them), so no signal is needed. A write past the services
(a `bulk_create` in the demo or the bench) calls `rebuild` itself. A plan's rows are always recomputed from its
records, never adjusted by a difference, so a refresh cannot drift; `rebuild` does the same for every plan (the
migration that added the table, the bench after its COPY, `gongwu rebuild_investment_rollup`).

Each refresh also adds what it changed to the agencies' monthly sums (`AgencyMonthFigures`, in fen): the
rows taken away are subtracted and the rows written added, keyed by agency, year, month and report status, in
one statement whose rows are locked in key order. A project moved to another agency or deleted is a write of
the projects app, which calls nothing here: the dashboard compares its count of plans with the kept sums and
calls `heal`, which refreshes the plans whose rows name another agency and recounts those agencies' sums.

`deferred()` gathers the plans touched inside a block (an import, a template applied to many plans, a
schedule's twelve months) and refreshes each once when the block ends, still inside the caller's transaction.
"""

from __future__ import annotations

import contextvars
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Round

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
CONFIRMED = "confirmed"
CHUNK = 2000

_pending: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("investment_rollup_pending", default=None)


def _models(apps: Any = None) -> tuple[Any, ...]:
    if apps is None:
        from gongwu.investment import models as m

        return m.AnnualPlan, m.ScheduleMonth, m.MonthlyActual, m.Payment, m.PlanMonthFigures
    names = ("AnnualPlan", "ScheduleMonth", "MonthlyActual", "Payment", "PlanMonthFigures")
    return tuple(apps.get_model("investment", name) for name in names)


def _agency_model(apps: Any = None) -> Any:
    """The agencies' sums; None in a migration before 0004 added them (0004 counts them from the plans' rows)."""
    if apps is None:
        from gongwu.investment.models import AgencyMonthFigures

        return AgencyMonthFigures
    try:
        return apps.get_model("investment", "AgencyMonthFigures")
    except LookupError:
        return None


def scheduled_amount(plan_amount: Decimal, share: Decimal | None) -> Decimal:
    """The plan times the cumulative share, rounded half up to the fen (as `figures.scheduled_amount`)."""
    return (Decimal(plan_amount) * Decimal(share or 0) / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def compute(plan_ids: Iterable[int], apps: Any = None) -> list[Any]:
    """The twelve rows of each plan, computed from its schedule, its counted actuals and its project's payments."""
    AnnualPlan, ScheduleMonth, MonthlyActual, Payment, PlanMonthFigures = _models(apps)
    plans = list(
        AnnualPlan.objects.filter(pk__in=list(plan_ids)).values_list(
            "pk", "project_id", "year", "adjusted_amount", "project__agency_id"
        )
    )
    if not plans:
        return []
    ids = [p[0] for p in plans]
    shares: dict[tuple[int, int], Decimal] = {
        (plan_id, month): share
        for plan_id, month, share in ScheduleMonth.objects.filter(plan__in=ids).values_list("plan_id", "month", "share")
    }
    year_of = {p[0]: p[2] for p in plans}
    reports: dict[tuple[int, int], tuple[str, Decimal]] = {}
    for plan_id, month, status, amount in MonthlyActual.objects.filter(
        plan__in=ids, voided_at__isnull=True
    ).values_list("plan_id", "month", "status", "amount"):
        if month.year == year_of[plan_id]:
            reports[plan_id, month.month] = (status, amount)
    years = {p[2] for p in plans}
    paid: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for project_id, day, amount in Payment.objects.filter(
        project__in={p[1] for p in plans},
        paid_on__gte=datetime.date(min(years), 1, 1),
        paid_on__lte=datetime.date(max(years), 12, 31),
    ).values_list("project_id", "paid_on", "amount"):
        paid[project_id, day.year, day.month] += amount
    rows = []
    for plan_id, project_id, year, adjusted, agency_id in plans:
        actual_to_date = unconfirmed_to_date = paid_to_date = ZERO
        for month in range(1, 13):
            status, reported = reports.get((plan_id, month), ("", ZERO))
            actual = reported if status == CONFIRMED else ZERO
            actual_to_date += actual
            if status and status != CONFIRMED:
                unconfirmed_to_date += reported
            paid_month = paid.get((project_id, year, month), ZERO)
            paid_to_date += paid_month
            rows.append(
                PlanMonthFigures(
                    plan_id=plan_id,
                    agency_id=agency_id,
                    year=year,
                    month=month,
                    scheduled=scheduled_amount(adjusted or ZERO, shares.get((plan_id, month))),
                    status=status,
                    reported=reported,
                    actual=actual,
                    actual_to_date=actual_to_date,
                    unconfirmed_to_date=unconfirmed_to_date,
                    paid=paid_month,
                    paid_to_date=paid_to_date,
                )
            )
    return rows


def fen(amount: Decimal | float | int | None) -> int:
    """An amount in 元 as whole fen (what the agencies' sums hold)."""
    return int((Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount or 0)).quantize(FEN) * 100)


Key = tuple[int, int, int, str]  # agency, year, month, status
SUMMED = ("reported", "scheduled", "actual_to_date", "paid_to_date")


def _add(sums: dict[Key, list[int]], rows: Iterable[tuple[Any, ...]], sign: int) -> None:
    """Add (sign 1) or take away (-1) rows of (agency, year, month, status, *SUMMED) to the sums by key."""
    for agency_id, year, month, status, *amounts in rows:
        entry = sums.setdefault((agency_id, year, month, status), [0] * (1 + len(SUMMED)))
        entry[0] += sign
        for index, amount in enumerate(amounts, start=1):
            entry[index] += sign * fen(amount)


def refresh(plan_ids: Iterable[int], apps: Any = None) -> None:
    """Recompute the rows of these plans from their records and add what changed to their agencies' sums
    (inside the caller's transaction). A plan that no longer exists loses its rows."""
    ids = sorted(set(plan_ids))
    AnnualPlan, PlanMonthFigures = _models(apps)[0], _models(apps)[-1]
    changes: dict[Key, list[int]] = {}
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # Two writes on one plan at once (a payment and a confirmation) refresh it one after the other: the
            # second waits here, then reads what the first committed (else both insert and one breaks the key).
            list(AnnualPlan.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
            kept = PlanMonthFigures.objects.filter(plan__in=chunk)
            _add(changes, kept.values_list("agency_id", "year", "month", "status", *SUMMED), -1)
            kept.delete()
            rows = compute(chunk, apps)
            PlanMonthFigures.objects.bulk_create(rows, batch_size=5000)
            _add(changes, ((r.agency_id, r.year, r.month, r.status, *(getattr(r, f) for f in SUMMED)) for r in rows), 1)
        add_to_agencies(changes, apps)


def add_to_agencies(changes: dict[Key, list[int]], apps: Any = None) -> None:
    """Add these differences to the agencies' sums in one statement, rows in key order (so two writes lock
    them in the same order and wait for each other instead of deadlocking)."""
    changed = sorted((key, values) for key, values in changes.items() if any(values))
    model = _agency_model(apps)
    if not changed or model is None:
        return
    table = model._meta.db_table
    columns = ("plans", *SUMMED)
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(changed))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    # the table and column names are the model's; every value is a parameter
    names = ", ".join(("agency_id", "year", "month", "status", *columns))
    sql = f"INSERT INTO {table} ({names}) VALUES {placeholders} ON CONFLICT (agency_id, year, month, status) "  # noqa: S608
    sql += f"DO UPDATE SET {updates}"
    params = [value for key, values in changed for value in (*key, *values)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def recount(agency_ids: Iterable[int] | None = None, years: Iterable[int] | None = None, apps: Any = None) -> None:
    """Recompute the agencies' sums of these years (every agency and year by default) from the plans' rows."""
    PlanMonthFigures, AgencyMonthFigures = _models(apps)[-1], _agency_model(apps)
    if AgencyMonthFigures is None:
        return
    rows, sums = PlanMonthFigures.objects.all(), AgencyMonthFigures.objects.all()
    if agency_ids is not None:
        rows, sums = rows.filter(agency__in=list(agency_ids)), sums.filter(agency__in=list(agency_ids))
    if years is not None:
        rows, sums = rows.filter(year__in=list(years)), sums.filter(year__in=list(years))
    with transaction.atomic():
        sums.delete()
        # summed in fen in SQL: exact on PostgreSQL's numeric and on SQLite's floats (whole numbers below 2**53)
        wide = models.DecimalField(max_digits=30, decimal_places=2)
        in_fen = {f"s_{f}": models.Sum(Round(models.F(f) * 100), output_field=wide) for f in SUMMED}
        grouped = (
            rows.values("agency_id", "year", "month", "status").annotate(n=models.Count("pk"), **in_fen).order_by()
        )
        AgencyMonthFigures.objects.bulk_create(
            [
                AgencyMonthFigures(
                    agency_id=g["agency_id"],
                    year=g["year"],
                    month=g["month"],
                    status=g["status"],
                    plans=g["n"],
                    **{f: round(g[f"s_{f}"] or 0) for f in SUMMED},
                )
                for g in grouped
            ],
            batch_size=5000,
        )


# The same rows as `compute`, for every plan in one statement (PostgreSQL: a million records in seconds).
# numeric is exact there, and ROUND(…, 2) rounds half away from zero, which is half up for amounts ≥ 0.
REBUILD_SQL = """
INSERT INTO investment_planmonthfigures
    (plan_id, agency_id, year, month, scheduled, status, reported, actual, actual_to_date, unconfirmed_to_date, paid,
     paid_to_date)
WITH grid AS (
    SELECT p.id AS plan_id, j.agency_id, p.project_id, p.year, COALESCE(p.adjusted_amount, 0) AS adjusted, m.month
    FROM investment_annualplan p JOIN projects_project j ON j.id = p.project_id
    CROSS JOIN generate_series(1, 12) AS m(month)
), reports AS (
    SELECT a.plan_id, EXTRACT(MONTH FROM a.month)::int AS month, a.status, a.amount
    FROM investment_monthlyactual a JOIN investment_annualplan p ON p.id = a.plan_id
    WHERE a.voided_at IS NULL AND EXTRACT(YEAR FROM a.month)::int = p.year
), payments AS (
    SELECT project_id, EXTRACT(YEAR FROM paid_on)::int AS year, EXTRACT(MONTH FROM paid_on)::int AS month,
           SUM(amount) AS paid
    FROM investment_payment GROUP BY 1, 2, 3
), months AS (
    SELECT g.plan_id, g.agency_id, g.year, g.month,
           ROUND(g.adjusted * COALESCE(s.share, 0) / 100, 2) AS scheduled,
           COALESCE(r.status, '') AS status,
           COALESCE(r.amount, 0) AS reported,
           CASE WHEN r.status = 'confirmed' THEN r.amount ELSE 0 END AS actual,
           CASE WHEN r.status <> 'confirmed' THEN r.amount ELSE 0 END AS unconfirmed,
           COALESCE(pay.paid, 0) AS paid
    FROM grid g
    LEFT JOIN investment_schedulemonth s ON s.plan_id = g.plan_id AND s.month = g.month
    LEFT JOIN reports r ON r.plan_id = g.plan_id AND r.month = g.month
    LEFT JOIN payments pay ON pay.project_id = g.project_id AND pay.year = g.year AND pay.month = g.month
)
SELECT plan_id, agency_id, year, month, scheduled, status, reported, actual, SUM(actual) OVER running,
       SUM(unconfirmed) OVER running, paid, SUM(paid) OVER running
FROM months
WINDOW running AS (PARTITION BY plan_id ORDER BY month)
"""


def rebuild(plan_ids: Iterable[int] | None = None, apps: Any = None) -> int:
    """Recompute the rollup of every plan (or of `plan_ids`) from scratch; the number of plans."""
    AnnualPlan, PlanMonthFigures = _models(apps)[0], _models(apps)[-1]
    if plan_ids is None and connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOCK TABLE investment_planmonthfigures IN SHARE ROW EXCLUSIVE MODE")
            if _agency_model(apps) is not None:
                cursor.execute(f"LOCK TABLE {_agency_model(apps)._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("DELETE FROM investment_planmonthfigures")
            cursor.execute(REBUILD_SQL)
            recount(apps=apps)
        return AnnualPlan.objects.count()
    ids = list(AnnualPlan.objects.values_list("pk", flat=True)) if plan_ids is None else list(plan_ids)
    with transaction.atomic():
        if plan_ids is None:
            PlanMonthFigures.objects.all().delete()
            if _agency_model(apps) is not None:
                _agency_model(apps).objects.all().delete()
        refresh(ids, apps)
    return len(set(ids))


def touch(plan_ids: Iterable[int | None]) -> None:
    """These plans' figures changed: refresh them now, or at the end of the enclosing `deferred()` block."""
    ids = {pk for pk in plan_ids if pk is not None}
    if not ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending.update(ids)
    else:
        refresh(ids)


@contextmanager
def deferred() -> Iterator[None]:
    """Refresh each plan touched inside the block once, when the block ends without an error."""
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    except BaseException:
        _pending.reset(token)
        if not connection.needs_rollback:  # what was written stays unless the caller's transaction rolls back
            with suppress(DatabaseError):  # the transaction failed with the error below: it is the one to report
                refresh(pending)
        raise
    _pending.reset(token)
    refresh(pending)


def plans_of_project_year(project_id: int | None, year: int | None) -> list[int]:
    from gongwu.investment.models import AnnualPlan

    if project_id is None or year is None:
        return []
    return list(AnnualPlan.objects.filter(project_id=project_id, year=year).values_list("pk", flat=True))


def forget(plan_ids: Iterable[int]) -> None:
    """These plans are about to be deleted: their rows go now, and leave their agencies' sums (inside the
    caller's transaction)."""
    from gongwu.investment.models import PlanMonthFigures

    kept = PlanMonthFigures.objects.filter(plan__in=list(plan_ids))
    changes: dict[Key, list[int]] = {}
    _add(changes, kept.values_list("agency_id", "year", "month", "status", *SUMMED), -1)
    kept.delete()
    add_to_agencies(changes)


def heal(agency_ids: Iterable[int], years: Iterable[int]) -> None:
    """The agencies' sums of these years no longer match their plans (a project moved to another agency or
    deleted, past the investment services): refresh the plans whose rows are missing or name another agency
    than their project's, then recount the agencies' sums from the rows."""
    from django.db.models import Exists, F, OuterRef, Q

    from gongwu.investment.models import AnnualPlan, PlanMonthFigures

    agencies, years = sorted(set(agency_ids)), sorted(set(years))
    with transaction.atomic():
        strays = set(
            PlanMonthFigures.objects.filter(year__in=years, month=1)
            .filter(Q(agency__in=agencies) | Q(plan__project__agency__in=agencies))
            .exclude(agency=F("plan__project__agency"))
            .values_list("plan_id", flat=True)
        )
        missing = AnnualPlan.objects.filter(year__in=years, project__agency__in=agencies).exclude(
            Exists(PlanMonthFigures.objects.filter(plan=OuterRef("pk")))
        )
        strays.update(missing.values_list("pk", flat=True))
        moved_to = set(AnnualPlan.objects.filter(pk__in=strays).values_list("project__agency_id", flat=True))
        refresh(strays)
        recount(sorted(set(agencies) | moved_to), years)
