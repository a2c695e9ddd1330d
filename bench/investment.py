"""Benchmark: the investment dispatch dashboard (固投看板) and the monthly .xlsx report on PostgreSQL.

Prints figures, not pass/fail. See bench/README.md ("Investment"). In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench_investment`) and migrates it.
2. Loads by COPY one agency of 10,000 projects and a second agency of 2,000 (so scoping matters), each with
   three years of annual plans, monthly schedules, monthly actuals (the latest month only partly reported),
   adjustments and payments (`bench/investment_data.py`), then `VACUUM ANALYZE`.
3. Checks that `figures.dashboard([agency], year, month)` (gongwu/investment/figures.py) and one hand-written SQL statement (the limit)
   give the same figures (totals, schedule, actual, paid, lag classes, every breakdown, previous-year actual,
   monthly curves, adjustments, unconfirmed months, the lagging lists); any difference is printed under
   FIGURES DIFFER and the run exits with status 1.
4. Times, interleaved (A B C, C B A, …): the page `/investment/?agency=..&year=..&month=..` as a signed-in staff
   user of the agency, the service call alone and the SQL limit alone. Median and p95, SQL time, queries.
   Profiles one service call (queries and Python functions).
5. Times the monthly report: `figures.plan_rows` + `imports.write_monthly_report` for the agency, and the
   whole job `tasks.build_monthly_report` on a Job row.
6. Drops the database unless `--keep-db`.

Goals (from the issue): dashboard under 300 ms and within 2 x the SQL limit; export under 10 s.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alerts  # same directory: the query recorder and the interleaved timing loop
import investment_data
import list_api
import projects_data

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench_investment"
TOP_LAGGING = 50  # the dashboard page lists at most this many lagging projects per class


def group_case() -> str:
    from gongwu.projects.models import GROUP_OF_CATEGORY

    whens = " ".join(f"WHEN '{c}' THEN '{g}'" for c, g in GROUP_OF_CATEGORY.items())
    return f"CASE pr.category {whens} ELSE 'other' END"


# The limit: every figure of the dashboard for the agencies, the year and the month, in ONE statement. The
# year's plans of the agencies are read once with their project; their schedule, actuals and payments are
# each read once through the plan (or project) and grouped; the per-plan figures are classified and grouped by
# GROUPING SETS into the totals and the six breakdowns; the curves, the unconfirmed months and the lagging lists
# come from the same CTEs.
def limit_sql() -> str:
    return f"""
WITH plans AS (
  SELECT ap.id, ap.project_id, pr.code, {group_case()} AS grp, coalesce(pr.area, '') AS area,
         pr.department_id, pr.director_id, ap.funding_source, ap.plan_category, ap.adjusted_amount AS plan,
         coalesce(ap.funds_available, ap.adjusted_amount) AS funds,
         coalesce(st.attention_below, 90) AS attention_below, coalesce(st.supervision_below, 75) AS supervision_below
  FROM investment_annualplan ap
  JOIN projects_project pr ON pr.id = ap.project_id
  LEFT JOIN investment_investmentsettings st ON st.agency_id = pr.agency_id
  WHERE pr.agency_id = ANY(%(agencies)s) AND ap.year = %(year)s),
sched AS (
  SELECT s.plan_id, s.month, round(p.plan * s.share / 100, 2) AS amount
  FROM investment_schedulemonth s JOIN plans p ON p.id = s.plan_id),
actuals AS (
  SELECT a.plan_id, extract(month FROM a.month)::int AS month, a.status, a.amount
  FROM investment_monthlyactual a JOIN plans p ON p.id = a.plan_id),
paid AS (
  SELECT y.project_id, extract(month FROM y.paid_on)::int AS month, sum(y.amount) AS amount
  FROM investment_payment y JOIN plans p ON p.project_id = y.project_id
  WHERE y.paid_on BETWEEN %(first)s AND %(year_end)s GROUP BY 1, 2),
figures AS (
  SELECT p.*, coalesce(sc.amount, 0) AS scheduled, coalesce(ac.actual, 0) AS actual,
         coalesce(ac.actual_month, 0) AS actual_month, coalesce(ac.unconfirmed, 0) AS unconfirmed,
         coalesce(py.paid, 0) AS paid
  FROM plans p
  LEFT JOIN sched sc ON sc.plan_id = p.id AND sc.month = %(month)s
  LEFT JOIN (
    SELECT plan_id, sum(amount) FILTER (WHERE status = 'confirmed') AS actual,
           sum(amount) FILTER (WHERE status = 'confirmed' AND month = %(month)s) AS actual_month,
           sum(amount) FILTER (WHERE status <> 'confirmed') AS unconfirmed
    FROM actuals WHERE month <= %(month)s GROUP BY plan_id) ac ON ac.plan_id = p.id
  LEFT JOIN (SELECT project_id, sum(amount) AS paid FROM paid WHERE month <= %(month)s GROUP BY project_id) py
    ON py.project_id = p.project_id),
classified AS (
  SELECT f.*, greatest(f.scheduled - f.actual, 0) AS gap,
    CASE WHEN f.scheduled <= 0 THEN 'on_schedule'
         WHEN f.actual * 100 < f.supervision_below * f.scheduled THEN 'supervision'
         WHEN f.actual * 100 < f.attention_below * f.scheduled THEN 'attention'
         ELSE 'on_schedule' END AS lag
  FROM figures f),
groups AS (
  SELECT CASE WHEN grouping(grp) = 0 THEN 'category' WHEN grouping(area) = 0 THEN 'area'
              WHEN grouping(department_id) = 0 THEN 'department' WHEN grouping(funding_source) = 0 THEN 'funding'
              WHEN grouping(director_id) = 0 THEN 'director' WHEN grouping(plan_category) = 0 THEN 'plan_category'
              ELSE 'total' END AS dim,
         coalesce(grp, area, department_id::text, funding_source, director_id::text, plan_category) AS key,
         count(*) AS projects, sum(plan) AS plan, sum(funds) AS funds, sum(scheduled) AS scheduled,
         sum(actual) AS actual, sum(actual_month) AS actual_month, sum(unconfirmed) AS unconfirmed, sum(paid) AS paid,
         count(*) FILTER (WHERE lag = 'attention') AS attention, count(*) FILTER (WHERE lag = 'supervision') AS supervision
  FROM classified
  GROUP BY GROUPING SETS ((), (grp), (area), (department_id), (funding_source), (director_id), (plan_category))),
lagging AS (
  SELECT lag, code, gap FROM (
    SELECT lag, code, gap, row_number() OVER (PARTITION BY lag ORDER BY gap DESC, code) AS n
    FROM classified WHERE lag <> 'on_schedule') t
  WHERE n <= {TOP_LAGGING})
SELECT
  (SELECT json_agg(groups) FROM groups),
  (SELECT json_agg(lagging) FROM lagging),
  (SELECT json_object_agg(month, t) FROM (SELECT month, sum(amount) AS t FROM sched GROUP BY month) s),
  (SELECT json_object_agg(month, t) FROM (
     SELECT month, sum(amount) AS t FROM actuals WHERE status = 'confirmed' GROUP BY month) s),
  (SELECT json_object_agg(month, t) FROM (SELECT month, sum(amount) AS t FROM paid GROUP BY month) s),
  (SELECT json_agg(t) FROM (
     SELECT month, status, count(*) AS n, sum(amount) AS amount FROM actuals WHERE month <= %(month)s
     GROUP BY month, status) t),
  (SELECT sum(a.amount) FROM investment_monthlyactual a JOIN projects_project pr ON pr.id = a.project_id
   WHERE pr.agency_id = ANY(%(agencies)s) AND a.status = 'confirmed'
     AND a.month BETWEEN %(previous_first)s AND %(previous_month)s),
  (SELECT json_agg(t) FROM (
     SELECT j.direction, sum(j.amount) AS amount, count(DISTINCT p.project_id) AS projects
     FROM investment_planadjustment j JOIN plans p ON p.id = j.plan_id
     WHERE j.status = 'approved' AND j.decided_on BETWEEN %(first)s AND %(month_end)s GROUP BY j.direction) t)
"""  # noqa: S608  (built from constants only)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agency-size", type=int, default=10_000, help="projects of the measured agency")
    parser.add_argument("--others", type=int, default=2_000, help="projects of the second agency")
    parser.add_argument("--payments", type=int, default=200_000, help="payments of the measured agency")
    parser.add_argument("--adjustments", type=int, default=3_000, help="adjustments of the measured agency")
    parser.add_argument("--companies", type=int, default=400, help="payee companies")
    parser.add_argument("--requests", type=int, default=15, help="interleaved rounds (at least 9 unless budget)")
    parser.add_argument("--budget", type=float, default=120, help="seconds of dashboard timing before stopping")
    parser.add_argument(
        "--exports", type=int, default=3, help="timed runs of the monthly report (0: none, the dashboard only)"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest service queries")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database as it is (no reload)")
    return parser.parse_args()


# --- data ---------------------------------------------------------------------------------------------


def make_agencies(args: argparse.Namespace) -> tuple[Any, list[projects_data.Agency], dict[int, tuple[int, int]]]:
    """Two agencies with departments and directors, the staff user of the first, payees; returns
    (user, agencies, {agency id: (reporter id, reviewer id)})."""
    from gongwu.core.models import Organization, User
    from gongwu.investment.models import InvestmentSettings

    agencies, people, user = [], {}, None
    for index, size in enumerate((args.agency_size, args.others)):
        district = projects_data.DISTRICTS[index]
        agency = Organization.objects.create(name=f"{district}区建筑工务署", kind="agency", short_name=district)
        departments = [
            Organization.objects.create(name=f"{district}{n}", kind="department", parent=agency).pk
            for n in ("前期部", "工程一部", "工程二部", "工程三部", "市政工程部", "安全质量部")
        ]
        directors = User.objects.bulk_create(
            [
                User(username=f"director{index}_{n}", display_name=f"项目主任{n}", organization=agency, role="director")
                for n in range(40)
            ]
        )
        staff = User.objects.create_user(username=f"bench{index}" if index else "bench", password="bench-not-secret")  # noqa: S106
        staff.organization, staff.role = agency, "staff"
        staff.save()
        if index == 0:
            user = staff
        agencies.append(projects_data.Agency(agency.pk, size, district, departments, [d.pk for d in directors]))
        people[agency.pk] = (directors[0].pk, staff.pk)
        # The measured agency keeps the default thresholds (as a row); the other has its own, so scoping shows.
        InvestmentSettings.objects.create(
            agency=agency,
            attention_below=90 if index == 0 else 85,
            supervision_below=75 if index == 0 else 70,
            payment_rate_base="funds" if index == 0 else "plan",
        )
    list_api.add_companies(0, args.companies)
    return user, agencies, people


def copy_rows(table: str, columns: str, rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(args: argparse.Namespace, today: datetime.date, years: list[int], latest: datetime.date) -> tuple[Any, dict]:
    from django.db import connection, transaction

    from gongwu.core.models import Organization

    user, agencies, people = make_agencies(args)
    projects: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    project_rows = []
    for table, row in projects_data.generate(
        agencies, {"立项": 0, "施工许可证": 0, "竣工验收": 0, "可研批复": 0}, today
    ):
        if table == "project":
            project_rows.append(row)
            projects[row[1]].append((row[0], row[14]))
    companies = list(Organization.objects.filter(credit_code__startswith="9111").values_list("pk", flat=True))
    scale = args.others / max(args.agency_size, 1)
    specs = [
        investment_data.Agency(
            a.id,
            projects[a.id],
            args.payments if i == 0 else round(args.payments * scale),
            args.adjustments if i == 0 else round(args.adjustments * scale),
            *people[a.id],
        )
        for i, a in enumerate(agencies)
    ]
    rows: dict[str, list[tuple]] = defaultdict(list)
    for table, row in investment_data.generate(specs, years, latest, today, companies):
        rows[table].append(row)
    adjusted = dict(rows.pop("adjusted"))
    rows["plan"] = [(*r[:6], adjusted[r[0]], *r[7:]) for r in rows["plan"]]
    tables = {
        "plan": ("investment_annualplan", investment_data.PLAN_COLUMNS),
        "schedule": ("investment_schedulemonth", investment_data.SCHEDULE_COLUMNS),
        "actual": ("investment_monthlyactual", investment_data.ACTUAL_COLUMNS),
        "adjustment": ("investment_planadjustment", investment_data.ADJUSTMENT_COLUMNS),
        "payment": ("investment_payment", investment_data.PAYMENT_COLUMNS),
    }
    with transaction.atomic():
        copy_rows("projects_project", projects_data.PROJECT_COLUMNS, project_rows)
        for key, (table, columns) in tables.items():
            copy_rows(table, columns, rows[key])
        with connection.cursor() as cursor:
            for table in ("projects_project", "investment_annualplan"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")  # noqa: S608
    from gongwu.investment import rollup

    t0 = time.perf_counter()
    with transaction.atomic():
        rollup.rebuild()  # what the COPY bypassed: the dashboard's per-plan, per-month figures
    rebuild_seconds = time.perf_counter() - t0
    print(f"rollup rebuilt in {rebuild_seconds:.1f} s", flush=True)
    with connection.cursor() as cursor:
        tables_kept = (*(t for t, _c in tables.values()), "investment_planmonthfigures")
        for table in ("projects_project", "core_organization", "core_user", *tables_kept):
            cursor.execute(f"VACUUM ANALYZE {table}")
    counts = {"project": len(project_rows), **{key: len(rows[key]) for key in tables}}
    counts["rollup row"] = services_rollup_rows()
    return user, counts, rebuild_seconds


def services_rollup_rows() -> int:
    from gongwu.investment.models import PlanMonthFigures

    return PlanMonthFigures.objects.count()


def data_sizes(agency_id: int, year: int) -> dict[str, int]:
    from gongwu.investment.models import AnnualPlan, MonthlyActual, Payment, PlanAdjustment, ScheduleMonth

    mine = {"project__agency": agency_id}
    return {
        "plans": AnnualPlan.objects.filter(**mine).count(),
        "plans this year": AnnualPlan.objects.filter(**mine, year=year).count(),
        "schedule months": ScheduleMonth.objects.filter(plan__project__agency=agency_id).count(),
        "actuals": MonthlyActual.objects.filter(**mine).count(),
        "payments": Payment.objects.filter(**mine).count(),
        "adjustments": PlanAdjustment.objects.filter(plan__project__agency=agency_id).count(),
    }


# --- the same figures twice: service and SQL limit ------------------------------------------------------


def limit_params(agency_ids: list[int], year: int, month: int) -> dict[str, Any]:
    from gongwu.investment.models import month_end

    return {
        "agencies": agency_ids,
        "year": year,
        "month": month,
        "first": datetime.date(year, 1, 1),
        "year_end": datetime.date(year, 12, 31),
        "month_end": month_end(year, month),
        "previous_first": datetime.date(year - 1, 1, 1),
        "previous_month": datetime.date(year - 1, month, 1),
    }


def D(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def figures_by_sql(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """Run the limit statement; its figures in the shape `comparable(dashboard)` gives."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups, lagging, schedule, actual, paid, statuses, previous, adjustments = cursor.fetchone()
    loads = lambda value: json.loads(value) if isinstance(value, str) else value  # noqa: E731
    figures: dict[str, Any] = {"groups": defaultdict(dict)}
    for g in loads(groups) or []:
        key = "" if g["key"] is None else str(g["key"])
        figures["groups"][g["dim"]][key] = (
            g["projects"],
            *(D(g[n]) for n in ("plan", "funds", "scheduled", "actual", "actual_month", "unconfirmed", "paid")),
            g["attention"],
            g["supervision"],
        )
    figures["totals"] = figures["groups"].pop("total", {}).get("", None)
    figures["groups"] = dict(figures["groups"])
    figures["lagging"] = {"attention": [], "supervision": []}
    for row in sorted(loads(lagging) or [], key=lambda r: (-Decimal(str(r["gap"])), r["code"])):
        figures["lagging"][row["lag"]].append((row["code"], D(row["gap"])))
    schedule, actual, paid = (loads(x) or {} for x in (schedule, actual, paid))
    running_actual = running_paid = Decimal(0)
    curves: dict[str, list[Decimal]] = {"schedule": [], "actual": [], "paid": []}
    for m in range(1, 13):
        running_actual += D(actual.get(str(m)))
        running_paid += D(paid.get(str(m)))
        curves["schedule"].append(D(schedule.get(str(m))))
        curves["actual"].append(running_actual)
        curves["paid"].append(running_paid)
    figures["curves"] = curves
    planned = figures["totals"][0] if figures["totals"] else 0
    months: dict[int, dict[str, Any]] = {}
    for row in loads(statuses) or []:
        entry = months.setdefault(row["month"], {"reported": 0, "by_status": {}, "amount": Decimal(0)})
        entry["reported"] += row["n"]
        if row["status"] != "confirmed":
            entry["by_status"][row["status"]] = row["n"]
            entry["amount"] += D(row["amount"])
    figures["unconfirmed"] = {}
    for m in range(1, params["month"] + 1):
        entry = months.get(m, {"reported": 0, "by_status": {}, "amount": Decimal(0)})
        missing = max(planned - entry["reported"], 0)
        if entry["by_status"] or missing:
            figures["unconfirmed"][m] = (entry["reported"], entry["by_status"], D(entry["amount"]), missing)
    figures["previous_actual"] = D(previous)
    adjustments = {row["direction"]: (D(row["amount"]), row["projects"]) for row in loads(adjustments) or []}
    figures["adjustments"] = (
        *adjustments.get("increase", (D(0), 0)),
        *adjustments.get("decrease", (D(0), 0)),
    )
    return figures


def comparable(dashboard: Any) -> dict[str, Any]:
    """The figures of `figures.dashboard(...)` in the shape `figures_by_sql` gives."""

    def totals(t: Any) -> tuple:
        return (
            t.projects,
            *(
                D(getattr(t, n))
                for n in ("plan", "funds", "scheduled", "actual", "actual_month", "unconfirmed", "paid")
            ),
            t.lags["attention"],
            t.lags["supervision"],
        )

    def keyed(groups: dict[Any, Any]) -> dict[str, tuple]:
        return {
            ("" if (k[0] if isinstance(k, tuple) else k) is None else str(k[0] if isinstance(k, tuple) else k)): totals(
                t
            )
            for k, t in groups.items()
        }

    return {
        "totals": totals(dashboard.totals),
        "groups": {
            "category": keyed(dashboard.by_category),
            "area": keyed(dashboard.by_area),
            "department": keyed(dashboard.by_department),
            "funding": keyed(dashboard.by_funding),
            "director": keyed(dashboard.by_director),
            "plan_category": keyed(dashboard.by_plan_category),
        },
        "lagging": {
            lag: [(r.code, D(r.gap)) for r in dashboard.lagging(lag)[:TOP_LAGGING]]
            for lag in ("attention", "supervision")
        },
        "curves": {k: [D(v) for v in dashboard.curves[k]] for k in ("schedule", "actual", "paid")},
        "unconfirmed": {
            e["month"].month: (e["reported"], dict(e["by_status"]), D(e["amount"]), e["missing"])
            for e in dashboard.unconfirmed
        },
        "previous_actual": D(dashboard.previous_actual),
        "adjustments": (
            D(dashboard.adjustments.increased),
            dashboard.adjustments.increased_projects,
            D(dashboard.adjustments.decreased),
            dashboard.adjustments.decreased_projects,
        ),
    }


def differences(service: dict[str, Any], sql: dict[str, Any], path: str = "") -> list[str]:
    found = []
    if isinstance(service, dict) and isinstance(sql, dict):
        for key in sorted(set(service) | set(sql), key=str):
            found += differences(service.get(key), sql.get(key), f"{path}.{key}" if path else str(key))
    elif service != sql:
        found.append(f"{path}: service {service!r} / SQL {sql!r}")
    return found


# --- profiling and the export -----------------------------------------------------------------------------


def profile(call: Callable[[], Any]) -> tuple[list[tuple[str, int, float]], str, float]:
    """Queries by shape of one call, and the Python functions that took its time (cProfile, cumulative)."""
    from django.db import connection

    recorder = alerts.Recorder()
    profiler = cProfile.Profile()
    with connection.execute_wrapper(recorder):
        profiler.enable()
        call()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(14)
    total = stats.total_tt  # type: ignore[attr-defined]
    return recorder.top(20), out.getvalue(), total


def time_export(agency_id: int, year: int, month: int, runs: int) -> dict[str, Any]:
    from gongwu.investment import figures as dashboard_figures
    from gongwu.investment import imports

    timings: dict[str, list[float]] = defaultdict(list)
    size = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = dashboard_figures.plan_rows(
            dashboard_figures.AnnualPlan.objects.filter(project__agency__in=[agency_id]), year, month
        )
        t1 = time.perf_counter()
        curves = dashboard_figures.monthly_curves([agency_id], year)
        t2 = time.perf_counter()
        stream = io.BytesIO()
        imports.write_monthly_report(
            rows,
            title=imports.report_title(["光明区建筑工务署"], year, month),
            year=year,
            month=month,
            base=dashboard_figures.payment_base_of([agency_id]),
            curves=curves,
            stream=stream,
        )
        t3 = time.perf_counter()
        size = len(stream.getvalue())
        timings["plan_rows"].append(t1 - t0)
        timings["monthly_curves"].append(t2 - t1)
        timings["write_monthly_report"].append(t3 - t2)
        timings["total"].append(t3 - t0)
    return {
        "median": {k: statistics.median(v) for k, v in timings.items()},
        "max": max(timings["total"]),
        "bytes": size,
        "rows": len(rows),
        "n": runs,
    }


def time_job(user: Any, agency_id: int, year: int, month: int) -> dict[str, Any]:
    from gongwu.core.models import Job, JobStatus
    from gongwu.investment.tasks import build_monthly_report

    job = Job.objects.create(
        kind="investment_report",
        title=f"bench {year}-{month:02d}",
        status=JobStatus.QUEUED,
        params={"agency_ids": [agency_id], "year": year, "month": month},
        user=user,
        agency_id=agency_id,
    )
    t0 = time.perf_counter()
    build_monthly_report.call(job_id=job.pk, language="zh-hans")
    seconds = time.perf_counter() - t0
    job.refresh_from_db()
    return {"seconds": seconds, "status": job.status, "message": job.message, "bytes": job.file.size if job.file else 0}


# --- main -------------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = list_api.configure_environment(DEFAULT_URL, "GONGWU_BENCH_INVESTMENT_DATABASE_URL")
    media = tempfile.TemporaryDirectory(prefix="gongwu-bench-media-")
    os.environ["GONGWU_MEDIA_ROOT"] = media.name
    name = list_api.database_name(url)
    load_start = os.getloadavg()
    print(f"database: {name}; load average {' '.join(f'{x:.2f}' for x in load_start)} on {os.cpu_count()} CPUs")
    if not args.reuse_db:
        list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        list_api.admin_sql(url, f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gongwu.core.models import User
    from gongwu.investment import figures as dashboard_figures

    today = timezone.localdate()
    year, month = dashboard_figures.default_month(today)
    latest = datetime.date(year, month, 1)
    years = [year - 2, year - 1, year]
    results: dict[str, Any] = {"load_start": load_start, "year": year, "month": month}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if args.reuse_db:
            user = User.objects.get(username="bench")
        else:
            t0 = time.perf_counter()
            user, counts, results["rebuild_seconds"] = load(args, today, years, latest)
            results["load_seconds"] = time.perf_counter() - t0
            results["loaded"] = counts
            print(
                "loaded "
                + ", ".join(f"{n:,} {t}s" for t, n in counts.items())
                + f" in {results['load_seconds']:.1f} s (generate + COPY + VACUUM ANALYZE)",
                flush=True,
            )
        agency_id = user.organization_id
        results["sizes"] = data_sizes(agency_id, year)
        params = limit_params([agency_id], year, month)
        sql = limit_sql()
        service = lambda: dashboard_figures.dashboard([agency_id], year, month)  # noqa: E731
        live = lambda: dashboard_figures.dashboard([agency_id], year, month, live=True)  # noqa: E731
        limit = lambda: figures_by_sql(params, sql)  # noqa: E731
        from_rollup = service()
        figures = comparable(from_rollup)
        results["figures"] = figures
        results["mismatches"] = differences(figures, limit())
        if from_rollup != live():
            results["mismatches"].append("figures.dashboard from the rollup differs from live=True")

        client = Client()
        client.force_login(user)
        page_url = f"/investment/?agency={agency_id}&year={year}&month={month}"
        response = client.get(page_url)
        results["page_status"] = response.status_code
        results["page_kb"] = len(response.content) / 1024
        calls: dict[str, Callable[[], Any]] = {
            "page": alerts_page(client, page_url),
            "service": service,
            "live": live,
            "limit": limit,
        }
        print("timing the dashboard: " + ", ".join(calls) + " interleaved …", flush=True)
        results["dashboard"] = alerts.time_calls(calls, max(args.requests, 9), args.budget)
        results["load_after_timing"] = os.getloadavg()
        results["page_url"] = page_url
        results["profile"] = profile(service)
        if args.explain:
            from django.db import connection as conn

            with conn.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                results["plan"] = [line for (line,) in cursor.fetchall()]
        if args.exports:  # --exports 0: the dashboard only
            print("timing the monthly report …", flush=True)
            results["export"] = time_export(agency_id, year, month, args.exports)
            results["job"] = time_job(user, agency_id, year, month)
    finally:
        connection.close()
        if not args.keep_db:
            list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        media.cleanup()
    report(results)
    if results["mismatches"]:
        sys.exit(1)


def alerts_page(client: Any, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return call


def report(results: dict[str, Any]) -> None:
    print()
    sizes = results["sizes"]
    year, month = results["year"], results["month"]
    if "loaded" in results:
        print(
            "loaded (both agencies): "
            + ", ".join(f"{n:,} {t}s" for t, n in results["loaded"].items())
            + f" in {results['load_seconds']:.1f} s (of which the rollup's rebuild {results['rebuild_seconds']:.1f} s)"
        )
    print("the measured agency: " + ", ".join(f"{n:,} {k}" for k, n in sizes.items()))
    print(f"THE DASHBOARD for {year}-{month:02d} ({results['page_url']}, {results['page_kb']:.0f} kB); ms, interleaved")
    print(f"  {'measurement':<44} {'p50':>8} {'p95':>8} {'min–max':>17} {'sql':>8} {'q':>3} {'n':>4}")
    timings = results["dashboard"]
    labels = {
        "page": "page (staff user, django.test.Client)",
        "service": "figures.dashboard() (from the rollup)",
        "live": "figures.dashboard(live=True) (records)",
        "limit": "SQL limit (one statement)",
    }
    for key, label in labels.items():
        if key in timings:
            t = timings[key]
            print(
                f"  {label:<44} {t['median']:8.1f} {t['p95']:8.1f} {list_api.min_max(t)} {t['sql']:8.1f}"
                f" {t['queries']:>3} {t['n']:>4}"
            )
    limit = timings["limit"]["median"]
    for key in ("page", "service", "live"):
        if key in timings:
            t = timings[key]
            ratio = t["median"] / limit
            verdict = "meets" if ratio <= 2 and t["median"] < 300 else "MISSES"
            print(f"  {key}: p50 {t['median']:.0f} ms (goal < 300), {ratio:.2f} x the limit (goal <= 2): {verdict}")
    f = results["figures"]
    t = f["totals"]
    print(
        f"  figures: {t[0]:,} plans, plan {t[1]:,} 元, scheduled {t[3]:,}, actual {t[4]:,}, paid {t[7]:,};"
        f" 提请关注 {t[8]}, 督办滞后 {t[9]}; previous-year actual {f['previous_actual']:,}; adjustments {f['adjustments']}"
    )
    if results["mismatches"]:
        print(f"  FIGURES DIFFER between the service and the SQL limit ({len(results['mismatches'])}):")
        for d in results["mismatches"][:40]:
            print(f"    {d}")
    else:
        print(
            "  figures: the service (from the rollup), the service with live=True and the SQL limit agree on every"
            " figure (totals, breakdowns, curves, lists)"
        )
    for key in ("profile",):
        if key not in results:
            continue
        queries, functions, total = results[key]
        print(f"  {key}: queries of one call (count, ms):")
        for shape, count, seconds in queries:
            print(f"    {count:>3} {seconds * 1000:8.1f}  {shape[:140]}")
        print(f"  {key}: Python functions by own time (cProfile, {total:.2f} s in all, profiler overhead included):")
        for line in functions.strip().splitlines()[-16:]:
            print(f"    {line[:150]}")
    for line in results.get("plan", []):
        print(f"    {line}")
    e = results.get("export")
    if e is None:
        print(
            f"load average (1/5/15 min) at the start: {' '.join(f'{x:.2f}' for x in results['load_start'])},"
            f" after the dashboard's timing: {' '.join(f'{x:.2f}' for x in results['load_after_timing'])}"
        )
        return
    m = e["median"]
    print(
        f"THE MONTHLY REPORT ({e['rows']:,} rows, {e['bytes'] / 1024:.0f} kB .xlsx), medians of {e['n']} runs:"
        f" plan_rows {m['plan_rows']:.2f} s + monthly_curves {m['monthly_curves']:.2f} s"
        f" + write_monthly_report {m['write_monthly_report']:.2f} s = {m['total']:.2f} s (max {e['max']:.2f} s;"
        f" goal < 10 s: {'meets' if m['total'] < 10 else 'MISSES'})"
    )
    j = results["job"]
    print(
        f"  tasks.build_monthly_report on a Job row: {j['seconds']:.2f} s, status {j['status']}, {j['bytes'] / 1024:.0f} kB"
        f" ({j['message'][:80]})"
    )
    print(
        f"load average (1/5/15 min) at the start: {' '.join(f'{x:.2f}' for x in results['load_start'])},"
        f" after the dashboard's timing: {' '.join(f'{x:.2f}' for x in results['load_after_timing'])},"
        f" at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
