"""The dashboard's rollup: each plan's figures at the end of each month of its year (`PlanMonthFigures`).

Every write that changes a figure refreshes the plan's twelve rows in its own transaction: the model signals
below catch every save and delete of a plan, a schedule month, a monthly actual or a payment, whatever the
path (services, generic pages, API, import, admin); a write that bypasses `save()` (an `update()` or a
`bulk_create`) calls `touch` or `rebuild` itself. A plan's rows are always recomputed from its records, never
adjusted by a difference, so a refresh cannot drift; `rebuild` does the same for every plan (the migration
that added the table, the bench after its COPY, `gongwu rebuild_investment_rollup`).

`deferred()` gathers the plans touched inside a block (an import, a template applied to many plans, a
schedule's twelve months) and refreshes each once when the block ends, still inside the caller's transaction.
"""

from __future__ import annotations

import contextvars
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save, pre_save

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


def scheduled_amount(plan_amount: Decimal, share: Decimal | None) -> Decimal:
    """The plan times the cumulative share, rounded half up to the fen (as `services.scheduled_amount`)."""
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


def refresh(plan_ids: Iterable[int], apps: Any = None) -> None:
    """Recompute the rows of these plans from their records (inside the caller's transaction)."""
    ids = sorted(set(plan_ids))
    AnnualPlan, PlanMonthFigures = _models(apps)[0], _models(apps)[-1]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            # Two writes on one plan at once (a payment and a confirmation) refresh it one after the other: the
            # second waits here, then reads what the first committed (else both insert and one breaks the key).
            list(AnnualPlan.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
            PlanMonthFigures.objects.filter(plan__in=chunk).delete()
            PlanMonthFigures.objects.bulk_create(compute(chunk, apps), batch_size=5000)


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
            cursor.execute("DELETE FROM investment_planmonthfigures")
            cursor.execute(REBUILD_SQL)
        return AnnualPlan.objects.count()
    ids = list(AnnualPlan.objects.values_list("pk", flat=True)) if plan_ids is None else list(plan_ids)
    if plan_ids is None:
        PlanMonthFigures.objects.exclude(plan__in=AnnualPlan.objects.all()).delete()
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
            refresh(pending)
        raise
    _pending.reset(token)
    refresh(pending)


def plans_of_project_year(project_id: int | None, year: int | None) -> list[int]:
    from gongwu.investment.models import AnnualPlan

    if project_id is None or year is None:
        return []
    return list(AnnualPlan.objects.filter(project_id=project_id, year=year).values_list("pk", flat=True))


# ---- the signals that keep it -------------------------------------------------------------------


def _stored(sender: type[models.Model], instance: models.Model, *fields: str) -> tuple[Any, ...] | None:
    if instance.pk is None:
        return None
    return sender.objects.filter(pk=instance.pk).values_list(*fields).first()


def _deleted_on_its_own(sender: type[models.Model], origin: Any) -> bool:
    """A row deleted by a cascade from its plan, project or agency needs no refresh: the plan's rows go too."""
    model = origin.model if isinstance(origin, models.QuerySet) else type(origin)
    return model is sender


def _plan_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        touch([instance.pk])


def _schedule_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or ("origin" in kwargs and not _deleted_on_its_own(sender, kwargs["origin"])):
        return
    touch([instance.plan_id])


def _actual_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    stored = None if kwargs.get("raw") else _stored(sender, instance, "plan_id")
    instance._rollup_before = [stored[0]] if stored else []


def _actual_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or ("origin" in kwargs and not _deleted_on_its_own(sender, kwargs["origin"])):
        return
    touch([instance.plan_id, *getattr(instance, "_rollup_before", [])])


def _payment_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    stored = None if kwargs.get("raw") else _stored(sender, instance, "project_id", "paid_on")
    instance._rollup_before = plans_of_project_year(stored[0], stored[1].year) if stored else []


def _payment_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or ("origin" in kwargs and not _deleted_on_its_own(sender, kwargs["origin"])):
        return
    year = instance.paid_on.year if instance.paid_on else None
    touch([*plans_of_project_year(instance.project_id, year), *getattr(instance, "_rollup_before", [])])


def _project_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    stored = None if kwargs.get("raw") else _stored(sender, instance, "agency_id")
    instance._rollup_agency = stored[0] if stored else None


def _project_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A project moved to another agency takes its plans' rows with it."""
    if kwargs.get("raw") or kwargs.get("created") or getattr(instance, "_rollup_agency", None) == instance.agency_id:
        return
    from gongwu.investment.models import AnnualPlan

    touch(AnnualPlan.objects.filter(project_id=instance.pk).values_list("pk", flat=True))


def connect() -> None:
    from gongwu.investment.models import AnnualPlan, MonthlyActual, Payment, ScheduleMonth
    from gongwu.projects.models import Project

    pre_save.connect(_project_before, sender=Project, dispatch_uid="rollup_project_before")
    post_save.connect(_project_saved, sender=Project, dispatch_uid="rollup_project_saved")

    post_save.connect(_plan_saved, sender=AnnualPlan, dispatch_uid="rollup_plan_saved")
    post_save.connect(_schedule_changed, sender=ScheduleMonth, dispatch_uid="rollup_schedule_saved")
    post_delete.connect(_schedule_changed, sender=ScheduleMonth, dispatch_uid="rollup_schedule_deleted")
    pre_save.connect(_actual_before, sender=MonthlyActual, dispatch_uid="rollup_actual_before")
    post_save.connect(_actual_changed, sender=MonthlyActual, dispatch_uid="rollup_actual_saved")
    post_delete.connect(_actual_changed, sender=MonthlyActual, dispatch_uid="rollup_actual_deleted")
    pre_save.connect(_payment_before, sender=Payment, dispatch_uid="rollup_payment_before")
    post_save.connect(_payment_changed, sender=Payment, dispatch_uid="rollup_payment_saved")
    post_delete.connect(_payment_changed, sender=Payment, dispatch_uid="rollup_payment_deleted")
