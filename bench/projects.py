"""Benchmark: the project list and the portfolio summary over 100,000 projects on PostgreSQL.

Prints figures, not pass/fail. See bench/README.md ("Projects"). In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench_projects`), migrates it, and loads
   by COPY 100,000 projects (one agency of 10,000, the other 90,000 over 9 more agencies) with about 3
   approvals and 3 milestones each (`bench/projects_data.py`), then `VACUUM ANALYZE`.
2. Checks that the page's figures (`figures.summary_figures`, holding `portfolio_summary`) and one
   hand-written SQL statement (the limit, every figure the page shows) agree for that agency and 2023, and
   prints any difference.
3. Times, in-process with django.test.Client as a signed-in staff user of that agency: the filtered,
   searched list page `/projects/list/?q=大道&stage=construction&category=road` (25 per page), the plain
   first list page, and the summary page `/projects/summary/?year=2023`; and, interleaved in the same loop,
   the page's figures, the service call alone, the SQL limit and the old limit (before issue 11's figures).
   Median and p95 wall time, SQL time and queries.
4. Prints each summary query's time, EXPLAIN ANALYZE of the slowest ones with `--explain`, and drops the
   database.

Goals (from the issue): list page p95 under 100 ms; summary within 2 x the SQL limit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import list_api  # same directory: environment, database and timing helpers
import projects_data

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench_projects"
YEAR = 2023
SEARCH_URL = "/projects/list/?q=大道&stage=construction&category=road"
PLAIN_URL = "/projects/list/"
SORTED_URL = "/projects/list/?sort=-approved_investment"
DIRECTOR_SORTED_URL = "/projects/list/?sort=director&page=3"
SUMMARY_URL = f"/projects/summary/?year={YEAR}"
OUTCOMES = ("school_places", "hospital_beds", "parking_spaces", "road_length_km", "floor_area")

# The limit: every figure of the portfolio summary page for one agency and one period, in ONE statement.
# The projects part is one pass over the agency's projects grouped by (category, stage, stage at the period's
# end); Python only adds the groups up. The rest are scalar subqueries of the same statement.
TOP = "p.parent_id IS NULL"
NOW = "p.completed_on BETWEEN %(start)s AND %(end)s"
BEFORE = "p.completed_on BETWEEN %(prev_start)s AND %(prev_end)s"
OUTCOME_SUMS = ", ".join(
    [f"sum(p.{o}) FILTER (WHERE {TOP} AND {NOW}) AS {o}" for o in OUTCOMES]
    + [f"sum(p.{o}) FILTER (WHERE {TOP} AND {BEFORE}) AS {o}_previous" for o in OUTCOMES]
)
# how many completed projects each outcome comes from (the page's "from N completed projects"): few rows, read
# apart by the (agency, completed_on) index
OUTCOME_PROJECTS = ", ".join(
    [f"'{o}_projects', count(*) FILTER (WHERE {NOW} AND p.{o} > 0)" for o in OUTCOMES]
    + [f"'{o}_projects_previous', count(*) FILTER (WHERE {BEFORE} AND p.{o} > 0)" for o in OUTCOMES]
)
RECEIVED = "p.received_on BETWEEN %(start)s AND %(end)s"
RECEIVED_BEFORE = "p.received_on BETWEEN %(prev_start)s AND %(prev_end)s"
PROJECT_MEASURES = f"""
     count(*) FILTER (WHERE {TOP}) AS total,
     count(*) FILTER (WHERE {TOP} AND p.started_on BETWEEN %(start)s AND %(end)s) AS started,
     count(*) FILTER (WHERE {TOP} AND {NOW}) AS completed,
     count(*) FILTER (WHERE {TOP} AND p.started_on < %(start)s
                      AND (p.completed_on IS NULL OR p.completed_on > %(end)s)) AS advancing,
     count(*) FILTER (WHERE {TOP} AND p.started_on BETWEEN %(prev_start)s AND %(prev_end)s) AS started_previous,
     count(*) FILTER (WHERE {TOP} AND {BEFORE}) AS completed_previous,
     {OUTCOME_SUMS},
     count(*) FILTER (WHERE {TOP} AND {RECEIVED}) AS received,
     sum(p.approved_investment) FILTER (WHERE {TOP} AND {RECEIVED}) AS received_investment,
     count(*) FILTER (WHERE {TOP} AND {RECEIVED_BEFORE}) AS received_previous,
     count(*) FILTER (WHERE {TOP} AND p.uses_bim) AS bim,
     count(*) FILTER (WHERE {TOP} AND p.is_green) AS green,
     count(*) FILTER (WHERE {TOP} AND p.is_near_zero_carbon) AS near_zero_carbon,
     count(*) FILTER (WHERE {TOP} AND p.is_prefabricated) AS prefabricated,
     sum(p.prefabricated_area) FILTER (WHERE {TOP}) AS prefabricated_area,
     sum(p.approved_investment) FILTER (WHERE {TOP}) AS investment,
     count(*) FILTER (WHERE {TOP} AND (
       EXISTS (SELECT 1 FROM projects_milestone m
               WHERE m.project_id = p.id AND m.actual_date IS NULL AND m.planned_date < %(today)s)
       OR EXISTS (SELECT 1 FROM projects_approval a
                  WHERE a.project_id = p.id AND a.actual_date IS NULL AND a.planned_date < %(today)s))) AS overdue"""  # noqa: S608
RECORD_SUBQUERIES = f"""
 (SELECT json_build_object(
     'sub_projects', count(*) FILTER (WHERE par.parent_id IS NULL))
   FROM projects_project p JOIN projects_project par ON par.id = p.parent_id
   WHERE p.agency_id = %(agency)s AND p.parent_id IS NOT NULL) AS children,
 (SELECT json_object_agg(kind, n) FROM (
   SELECT m.kind, count(*) AS n FROM projects_milestone m JOIN projects_project p ON p.id = m.project_id
   WHERE p.agency_id = %(agency)s AND m.actual_date BETWEEN %(start)s AND %(end)s GROUP BY m.kind) t) AS milestones,
 (SELECT count(*) FROM projects_milestone m JOIN projects_project p ON p.id = m.project_id
   WHERE p.agency_id = %(agency)s AND {TOP} AND p.category = 'hospital' AND m.kind = 'topping_out'
     AND m.actual_date BETWEEN %(start)s AND %(end)s) AS topped_out_hospitals,
 (SELECT json_object_agg(level, n) FROM (
   SELECT w.level, count(*) AS n FROM projects_award w JOIN projects_project p ON p.id = w.project_id
   WHERE p.agency_id = %(agency)s AND w.year BETWEEN %(start_year)s AND %(end_year)s GROUP BY w.level) t) AS awards,
 (SELECT json_object_agg(name, n) FROM (
   SELECT k.name, count(*) AS n FROM projects_approval a JOIN projects_project p ON p.id = a.project_id
   JOIN projects_approvalkind k ON k.id = a.kind_id
   WHERE p.agency_id = %(agency)s AND a.actual_date BETWEEN %(start)s AND %(end)s GROUP BY k.name) t) AS approvals"""  # noqa: S608

# The limit before issue 11 (7 December 2026): the figures the summary showed then, stages "as entered"
# (no stage history), no lead times, no plan categories. Timed as an extra row so earlier rows compare.
OLD_LIMIT_SQL = f"""
SELECT
 (SELECT json_agg(t) FROM (
   SELECT p.category, p.stage,
     count(*) FILTER (WHERE {TOP} AND (p.stage_entered_on IS NULL OR p.stage_entered_on <= %(end)s)) AS staged,
     {PROJECT_MEASURES}
   FROM projects_project p
   WHERE p.agency_id = %(agency)s
   GROUP BY p.category, p.stage) t) AS projects,
 {RECORD_SUBQUERIES}
"""  # noqa: S608  (built from constants only)

# The limit now: every figure the page shows. Besides the old limit's:
# - the stage at the period's end from the stage history (the last step entered on or before the day; a
#   project with no history in its current stage once it entered it): a second, narrow pass grouped by it
#   (as a third grouping key of the main pass it cost more than the pass it saves);
# - the outcomes' contributing projects and the received projects' investment a year earlier;
# - the lead time 立项 → 施工许可 of the period and the year before: per project whose permit came in either,
#   its first permit in each period less its first 立项 (by kind order); count, average and median. In
#   calendar days, the default lead-time basis, which the bench's agencies keep;
# - the year's annual plans: projects per plan category.
LIMIT_SQL = f"""
WITH history AS (
  SELECT sc.project_id,
    (array_agg(sc.stage ORDER BY sc.entered_on DESC, sc.id DESC) FILTER (WHERE sc.entered_on <= %(stage_day)s))[1]
      AS stage_then
  FROM projects_stagechange sc JOIN projects_project p ON p.id = sc.project_id
  WHERE p.agency_id = %(agency)s
  GROUP BY sc.project_id)
SELECT
 (SELECT json_agg(t) FROM (
   SELECT p.category, p.stage,
     {PROJECT_MEASURES},
     sum(p.approved_investment) FILTER (WHERE {TOP} AND {RECEIVED_BEFORE}) AS received_previous_investment
   FROM projects_project p
   WHERE p.agency_id = %(agency)s
   GROUP BY p.category, p.stage) t) AS projects,
 (SELECT json_object_agg(coalesce(stage_then, ''), n) FROM (
   SELECT CASE WHEN %(stage_today)s THEN p.stage
            WHEN h.project_id IS NOT NULL THEN h.stage_then
            WHEN p.stage_entered_on IS NULL OR p.stage_entered_on <= %(stage_day)s THEN p.stage END AS stage_then,
     count(*) AS n
   FROM projects_project p LEFT JOIN history h ON h.project_id = p.id
   WHERE p.agency_id = %(agency)s AND {TOP}
   GROUP BY 1) t) AS stages,
 {RECORD_SUBQUERIES},
 (SELECT json_build_object({OUTCOME_PROJECTS})
   FROM projects_project p
   WHERE p.agency_id = %(agency)s AND {TOP} AND ({NOW} OR {BEFORE})) AS outcome_projects,
 (SELECT json_build_object(
     'count', count(now_days), 'average', avg(now_days),
     'median', percentile_cont(0.5) WITHIN GROUP (ORDER BY now_days),
     'previous_count', count(previous_days), 'previous_average', avg(previous_days),
     'previous_median', percentile_cont(0.5) WITHIN GROUP (ORDER BY previous_days))
   FROM (
     SELECT min(a.actual_date) FILTER (WHERE a.actual_date BETWEEN %(start)s AND %(end)s) - l.approved AS now_days,
       min(a.actual_date) FILTER (WHERE a.actual_date BETWEEN %(prev_start)s AND %(prev_end)s) - l.approved
         AS previous_days
     FROM projects_approval a
     JOIN projects_project p ON p.id = a.project_id
     CROSS JOIN LATERAL (
       SELECT la.actual_date AS approved FROM projects_approval la
       JOIN projects_approvalkind lk ON lk.id = la.kind_id
       WHERE la.project_id = p.id AND lk.role = 'project_approval' AND la.actual_date IS NOT NULL
       ORDER BY lk."order", la.id LIMIT 1) l
     WHERE p.agency_id = %(agency)s AND {TOP}
       -- the kinds' ids first, so the (kind, actual_date) index is used with the right estimate
       AND a.kind_id = ANY(ARRAY(SELECT id FROM projects_approvalkind WHERE role = 'construction_permit'))
       AND (a.actual_date BETWEEN %(start)s AND %(end)s OR a.actual_date BETWEEN %(prev_start)s AND %(prev_end)s)
     GROUP BY p.id, l.approved) t) AS lead_times,
 (SELECT json_object_agg(plan_category, n) FROM (
   SELECT ap.plan_category, count(DISTINCT ap.project_id) AS n
   FROM investment_annualplan ap JOIN projects_project p ON p.id = ap.project_id
   WHERE p.agency_id = %(agency)s AND ap.year = %(year)s AND %(one_year)s
   GROUP BY ap.plan_category) t) AS plan
"""  # noqa: S608  (built from constants only)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agency-size", type=int, default=10_000, help="projects of the measured agency")
    parser.add_argument("--others", type=int, default=90_000, help="projects of the 9 other agencies together")
    parser.add_argument("--requests", type=int, default=100, help="timed repetitions per measurement")
    parser.add_argument("--budget", type=float, default=30, help="seconds per measurement before stopping early")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest summary queries")
    parser.add_argument(
        "--compare-indexes",
        action="store_true",
        help="also time the summary without the indexes of migration projects 0003 (migrates back, then forward)",
    )
    parser.add_argument(
        "--lists-only", action="store_true", help="time the list pages only (no summary, no cross-check)"
    )
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="time the summary only (no list pages): for runs paired with another checkout's summary phase",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database as it is (no reload)")
    return parser.parse_args()


# --- data ---------------------------------------------------------------------------------------------


def make_agencies(args: argparse.Namespace) -> tuple[Any, list[projects_data.Agency]]:
    """The measured agency (departments, directors, the staff user) and 9 others, all under one regulator
    (with a regulator user, who sees every project); returns (user, agencies)."""
    from gongwu.core.models import Organization, User

    regulator = Organization.objects.create(name="示范市住房和建设局", kind="regulator", short_name="住建局")
    watcher = User.objects.create_user(username="regulator", password="bench-not-secret")  # noqa: S106
    watcher.organization = regulator
    watcher.role = "regulator"
    watcher.save()
    agencies = []
    user = None
    sizes = [args.agency_size] + [args.others // 9 + (1 if i < args.others % 9 else 0) for i in range(9)]
    for index, size in enumerate(sizes):
        district = projects_data.DISTRICTS[index % len(projects_data.DISTRICTS)]
        agency = Organization.objects.create(
            name=f"{district}区建筑工务署", kind="agency", short_name=district, parent=regulator
        )
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
        agencies.append(projects_data.Agency(agency.pk, size, district, departments, [d.pk for d in directors]))
        if index == 0:
            user = User.objects.create_user(username="bench", password="bench-not-secret")  # noqa: S106
            user.organization = agency
            user.role = "staff"
            user.save()
    return user, agencies


def load_projects(agencies: list[projects_data.Agency], today: datetime.date) -> dict[str, int]:
    from django.db import connection, transaction

    from gongwu.projects.models import ApprovalKind

    kinds = dict(ApprovalKind.objects.filter(agency=None).values_list("name", "pk"))
    tables = {
        "project": ("projects_project", projects_data.PROJECT_COLUMNS),
        "approval": ("projects_approval", projects_data.APPROVAL_COLUMNS),
        "milestone": ("projects_milestone", projects_data.MILESTONE_COLUMNS),
        "award": ("projects_award", projects_data.AWARD_COLUMNS),
        "annualplan": ("investment_annualplan", projects_data.ANNUAL_PLAN_COLUMNS),
    }
    rows: dict[str, list[tuple]] = {name: [] for name in tables}
    for table, row in projects_data.generate(agencies, kinds, today, annual_plans=True):
        rows[table].append(row)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, table_rows in rows.items():
            name, columns = tables[table]
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in table_rows:
                    copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('projects_project', 'id'), max(id)) FROM projects_project")
    with connection.cursor() as cursor:
        for table in rows:
            cursor.execute(f"VACUUM ANALYZE {tables[table][0]}")
        cursor.execute("VACUUM ANALYZE core_organization")
        cursor.execute("VACUUM ANALYZE core_user")
    return {table: len(table_rows) for table, table_rows in rows.items()}


# --- the same figures twice: service and SQL limit ------------------------------------------------------


def limit_params(agency_id: int, period: Any, today: datetime.date) -> dict[str, Any]:
    previous = period.previous_year()
    stage_day = min(period.end, today)  # as `figures.stage_day`
    return {
        "agency": agency_id,
        "start": period.start,
        "end": period.end,
        "prev_start": previous.start,
        "prev_end": previous.end,
        "year": period.start.year,
        "one_year": period.start.year == period.end.year,
        "start_year": period.start.year,
        "end_year": period.end.year,
        "today": today,
        "stage_day": stage_day,
        "stage_today": stage_day >= today,
    }


def summary_by_sql(params: dict[str, Any], sql: str = LIMIT_SQL) -> dict[str, Any]:
    """Run a limit statement and shape its result like `comparable(summary_figures(...))` (the old limit's
    result lacks the figures added since: lead times, plan categories, outcome projects)."""
    from django.db import connection

    from gongwu.projects.models import CATEGORY_GROUPS

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = dict(zip([c.name for c in cursor.description], cursor.fetchone(), strict=True))
    loads = lambda value: value if not isinstance(value, str) else json.loads(value)  # noqa: E731
    projects = loads(found["projects"]) or []
    children = loads(found["children"])
    group_of = {c: g for g, cats in CATEGORY_GROUPS.items() for c in cats}
    figures: dict[str, Any] = {
        "by_stage": {},
        "by_group": {},
        "sub_projects": children["sub_projects"],
        "milestones": loads(found["milestones"]) or {},
        "topped_out_hospitals": found["topped_out_hospitals"],
        "awards": loads(found["awards"]) or {},
        "approvals": loads(found["approvals"]) or {},
    }
    if "plan" in found:
        plan = loads(found["plan"]) or {}
        figures["plan"] = {**plan, "total": sum(plan.values())} if params["one_year"] else None
    if "lead_times" in found:
        lead = loads(found["lead_times"])
        for when in ("", "previous_"):
            average = lead[f"{when}average"]
            median = lead[f"{when}median"]
            # rounded as the service rounds (Decimal.quantize, half to even), not by SQL's round()
            figures[f"lead_time_{when}count"] = lead[f"{when}count"]
            figures[f"lead_time_{when}average"] = (
                None if average is None else Decimal(str(average)).quantize(Decimal("0.1"))
            )
            figures[f"lead_time_{when}median"] = (
                None if median is None else Decimal(str(median)).quantize(Decimal("0.1"))
            )
    for what in ("started", "completed", "advancing"):
        figures[what] = {}
    sums: dict[str, Any] = {}
    keys = [
        "total",
        "started_previous",
        "completed_previous",
        "bim",
        "green",
        "near_zero_carbon",
        "prefabricated",
        "prefabricated_area",
        "investment",
        "overdue",
        "received",
        "received_investment",
        "received_previous",
        *OUTCOMES,
        *(f"{o}_previous" for o in OUTCOMES),
    ]
    if "outcome_projects" in found:
        keys.append("received_previous_investment")
        figures.update(loads(found["outcome_projects"]))
    if "stages" in found:
        figures["by_stage"] = {s: n for s, n in (loads(found["stages"]) or {}).items() if s}
    for row in projects:
        category = row["category"]
        if row.get("staged"):
            # the old limit: stages as entered, no history
            figures["by_stage"][row["stage"]] = figures["by_stage"].get(row["stage"], 0) + row["staged"]
        if row["total"]:
            group = group_of.get(category, "other")
            figures["by_group"][group] = figures["by_group"].get(group, 0) + row["total"]
        for what in ("started", "completed", "advancing"):
            if row[what]:
                figures[what][category] = figures[what].get(category, 0) + row[what]
        for key in keys:
            sums[key] = sums.get(key, 0) + Decimal(str(row[key] or 0))
    figures.update(sums)
    return figures


def comparable(page: dict[str, Any]) -> dict[str, Any]:
    """The figures of the summary page (`figures.summary_figures`, with `portfolio_summary` in its "figures")
    in the shape `summary_by_sql` gives."""
    summary = page["figures"]
    flags = summary["flags"]
    figures: dict[str, Any] = {
        "by_stage": {s: n for s, _label, n in summary["by_stage"] if n},
        "by_group": {g: n for g, _label, n in summary["by_group"] if n},
        "received": summary["received"]["count"],
        "received_investment": summary["received"]["investment"],
        "received_previous": summary["received"]["previous"],
        "received_previous_investment": summary["received"]["previous_investment"],
        "milestones": {k: n for k, _label, n in summary["milestones"] if n},
        "topped_out_hospitals": summary["topped_out_hospitals"],
        "awards": {lvl: n for lvl, _label, n in summary["awards"] if n},
        "approvals": dict(summary["approvals"]),
        "started": summary["started"]["categories"],
        "completed": summary["completed"]["categories"],
        "advancing": summary["advancing"]["categories"],
        "total": summary["total"],
        "started_previous": summary["started_previous"],
        "completed_previous": summary["completed_previous"],
        "investment": summary["investment"],
    }
    for key in ("bim", "green", "near_zero_carbon", "prefabricated", "prefabricated_area", "sub_projects", "overdue"):
        figures[key] = flags[key] or 0
    for outcome in summary["outcomes"]:
        figures[outcome["field"]] = outcome["value"]
        figures[f"{outcome['field']}_previous"] = outcome["previous"]
    for row in page["outcomes"]:
        figures[f"{row['field']}_projects"] = row["projects"]
        figures[f"{row['field']}_projects_previous"] = int(row["previous"].note)
    lead = summary["lead_time"]
    for when, times in (("", lead.now), ("previous_", lead.previous)):
        figures[f"lead_time_{when}count"] = times.count
        figures[f"lead_time_{when}average"] = times.average
        figures[f"lead_time_{when}median"] = times.median
    plan = page["plan"]
    figures["plan"] = None if plan is None else {**{c.key: c.value for c in plan.children}, "total": plan.value}
    return figures


def lead_time_basis_note(page: dict[str, Any]) -> str:
    """The limit counts calendar days; say so if the service counted otherwise."""
    basis = page["figures"]["lead_time"].basis
    return "" if basis == "calendar" else f"the service counted lead times in {basis} days, the limit in calendar days"


def differences(service: dict[str, Any], sql: dict[str, Any]) -> list[str]:
    found = []
    for key in sorted(set(service) | set(sql)):
        a, b = service.get(key), sql.get(key)
        if (a is None) != (b is None) and (key == "plan" or key.startswith("lead_time")):
            same = False  # no plan figure, no permit: None is not 0
        elif isinstance(a, dict) or isinstance(b, dict):
            a, b = {k: v for k, v in (a or {}).items() if v}, {k: v for k, v in (b or {}).items() if v}
            same = a == b
        elif key.startswith("lead_time"):
            same = a == b
        else:
            same = Decimal(str(a or 0)) == Decimal(str(b or 0))
        if not same:
            found.append(f"{key}: service {a} / SQL {b}")
    return found


# --- timing ---------------------------------------------------------------------------------------------


def time_calls(calls: dict[str, Callable[[], Any]], n: int, budget: float) -> dict[str, dict[str, Any]]:
    """Time the calls interleaved (A B C, then C B A, …) so drift hits them alike; like list_api.time_endpoint.
    At least list_api.MIN_ROUNDS rounds, then up to `n` while within `budget` seconds."""
    from django.db import connection

    for call in calls.values():  # warm-up
        call()
        call()
    queries: list[tuple[float, str, Any]] = []

    def record(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - t0) * 1000, sql, params))

    results = {name: {"times": [], "sql_times": [], "last": []} for name in calls}
    names = list(calls)
    started = time.perf_counter()
    with connection.execute_wrapper(record):
        for round_ in range(max(n, list_api.MIN_ROUNDS)):
            if round_ >= list_api.MIN_ROUNDS and time.perf_counter() - started > budget:
                break
            for name in names if round_ % 2 == 0 else reversed(names):
                queries.clear()
                t0 = time.perf_counter()
                calls[name]()
                results[name]["times"].append((time.perf_counter() - t0) * 1000)
                results[name]["sql_times"].append(sum(ms for ms, _sql, _p in queries))
                results[name]["last"] = list(queries)
    return {
        name: {
            **list_api.spread(r["times"]),
            "sql": statistics.median(r["sql_times"]),
            "queries": len(r["last"]),
            "last": r["last"],
        }
        for name, r in results.items()
    }


def page_call(client: Any, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return call


def try_page(client: Any, url: str) -> str | None:
    """None when the page renders; otherwise why not (e.g. its template is not written yet)."""
    try:
        response = client.get(url)
    except Exception as exc:  # (the template may be missing or broken while it is being written)
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return None


def explain(sql: str, params: Any) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [line for (line,) in cursor.fetchall()]


# --- main -------------------------------------------------------------------------------------------------


def set_jit(enabled: bool | None) -> None:
    """Turn PostgreSQL's JIT compiler on or off for this session; None restores the server's setting."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("RESET jit" if enabled is None else f"SET jit = {'on' if enabled else 'off'}")


def time_summary(calls: dict[str, Callable[[], Any]], args: argparse.Namespace, label: str) -> dict[str, Any]:
    print(f"timing the summary ({label}): {', '.join(calls)} interleaved …", flush=True)
    return time_calls(calls, args.requests, args.budget)


def main() -> None:
    args = parse_args()
    url = list_api.configure_environment(DEFAULT_URL, "GONGWU_BENCH_PROJECTS_DATABASE_URL")
    name = list_api.database_name(url)
    print(f"database: {name}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    if not args.reuse_db:
        list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        list_api.admin_sql(url, f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from gongwu.core.figures import Selection
    from gongwu.core.models import User
    from gongwu.core.periods import Period
    from gongwu.projects import figures as project_figures
    from gongwu.projects.models import Project
    from gongwu.projects.pages import summary_projects

    today = timezone.localdate()
    results: dict[str, Any] = {"summary": {}}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if args.reuse_db:
            user = User.objects.get(username="bench")
            results["loaded"] = {"project": Project.objects.count()}
        else:
            t0 = time.perf_counter()
            user, agencies = make_agencies(args)
            results["loaded"] = load_projects(agencies, today)
            print(
                "loaded "
                + ", ".join(f"{n:,} {table}s" for table, n in results["loaded"].items())
                + f" in {time.perf_counter() - t0:.1f} s (COPY, then VACUUM ANALYZE)",
                flush=True,
            )
        scoped = Project.objects.for_user(user)
        period = Period.year(YEAR)
        params = limit_params(user.organization_id, period, today)
        results["agency_projects"] = scoped.count()
        results["search_hits"] = scoped.filter(
            Q(name__icontains="大道") | Q(code__icontains="大道"), stage="construction", category="road"
        ).count()

        def page_figures() -> dict[str, Any]:
            """What the summary page computes (its view, without the template), as the view does it."""
            selection = Selection.from_query(user, {"year": str(YEAR)})
            return project_figures.summary_figures(selection, summary_projects(selection, user), user)

        if not args.lists_only:
            shown = page_figures()
            results["mismatches"] = differences(comparable(shown), summary_by_sql(params))
            results["basis_note"] = lead_time_basis_note(shown)
            results["shown"] = {
                "lead": shown["figures"]["lead_time"],
                "plan": shown["plan"],
                "by_stage": shown["figures"]["by_stage"],
                "stage_day": shown["figures"]["stage_day"],
            }

        client = Client()
        client.force_login(user)
        watcher = Client()
        watcher.force_login(User.objects.get(username="regulator"))
        print(f"load average before the list pages: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        print("timing the list pages …", flush=True)
        results["lists"] = (
            {}
            if args.summary_only
            else {
                "search": list_api.time_endpoint(client, SEARCH_URL, args.requests, args.budget),
                "plain": list_api.time_endpoint(client, PLAIN_URL, args.requests, args.budget),
                "sorted": list_api.time_endpoint(client, SORTED_URL, args.requests, args.budget),
                "regulator plain": list_api.time_endpoint(watcher, PLAIN_URL, args.requests, args.budget),
                "regulator sorted": list_api.time_endpoint(watcher, SORTED_URL, args.requests, args.budget),
                "regulator director": list_api.time_endpoint(watcher, DIRECTOR_SORTED_URL, args.requests, args.budget),
            }
        )
        results["lists_load"] = os.getloadavg()
        print(f"load average before the summary: {' '.join(f'{x:.2f}' for x in results['lists_load'])}", flush=True)
        if args.lists_only:
            return report_lists(results)
        page_problem = try_page(client, SUMMARY_URL)
        print(f"summary page: {'renders' if page_problem is None else 'cannot render yet: ' + page_problem}")
        calls: dict[str, Callable[[], Any]] = {
            "service": lambda: project_figures.portfolio_summary(Project.objects.for_user(user), period),
            "figures": page_figures,
            "limit": lambda: summary_by_sql(params),
            "old limit": lambda: summary_by_sql(params, OLD_LIMIT_SQL),
        }
        if args.compare_indexes:
            call_command("migrate", "projects", "0002", verbosity=0, interactive=False)
            results["summary"]["without 0003 indexes"] = time_summary(calls, args, "without the 0003 indexes")
            call_command("migrate", "projects", verbosity=0, interactive=False)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE projects_milestone")
                cursor.execute("ANALYZE projects_approval")
        if page_problem is None:
            calls["page"] = page_call(client, SUMMARY_URL)
        results["summary"]["server config"] = time_summary(calls, args, "PostgreSQL as configured")
        if page_problem is not None:  # another helper may have written the template meanwhile: retry
            page_problem = try_page(client, SUMMARY_URL)
            if page_problem is None:
                results["summary"]["server config"].update(
                    time_summary({"page": page_call(client, SUMMARY_URL)}, args, "the page, rendering now")
                )
        set_jit(False)
        results["summary"]["jit off"] = time_summary(calls, args, "session SET jit = off")
        set_jit(None)
        results["page_problem"] = page_problem
        results["plans"] = []
        if args.explain:
            slowest = sorted(results["summary"]["server config"]["service"]["last"], key=lambda q: -q[0])[:3]
            results["plans"] = [(ms, sql, explain(sql, p)) for ms, sql, p in slowest]
            results["plans"].append((0.0, "the SQL limit", explain(LIMIT_SQL, params)))
    finally:
        connection.close()
        if not args.keep_db:
            list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not args.lists_only:
        report(results)


def list_lines(results: dict[str, Any], line: Callable[[str, dict | None, str], None]) -> None:
    lists = results["lists"]
    if not lists:
        return
    total = results["loaded"]["project"]
    line("list page, searched + filtered", lists["search"], f"{results['search_hits']} rows match: {SEARCH_URL}")
    line("list page, no filter", lists["plain"], f"{results['agency_projects']:,} rows, 25 per page: {PLAIN_URL}")
    line("list page, sorted", lists["sorted"], f"{results['agency_projects']:,} rows: {SORTED_URL}")
    line("regulator list page, no filter", lists["regulator plain"], f"{total:,} rows: {PLAIN_URL}")
    line("regulator list page, sorted", lists["regulator sorted"], f"{total:,} rows: {SORTED_URL}")
    line("regulator list page, by director", lists["regulator director"], f"{total:,} rows: {DIRECTOR_SORTED_URL}")


def list_queries(lists: dict[str, Any]) -> None:
    if not lists:
        return
    for name in ("search", "regulator sorted"):
        print(f"SQL of one list page [{name}] (ms, statement):")
        for ms, sql in lists[name]["last"]:
            print(f"  {ms:7.2f}  {sql[:150]}")


def report_lists(results: dict[str, Any]) -> None:
    print()
    print(
        f"{results['loaded']['project']:,} projects; the staff user's agency has {results['agency_projects']:,}."
        " PostgreSQL, in-process django.test.Client, ms per request"
    )
    print(f"{'measurement':<52} {'p50':>7} {'p95':>7} {'sql':>7} {'q':>3} {'n':>4} {'kB':>5}  note")

    def line(label: str, t: dict | None, note: str) -> None:
        assert t is not None
        print(
            f"{label:<52} {t['median']:7.1f} {t['p95']:7.1f} {t['sql']:7.1f} {t['queries']:>3} {t['n']:>4}"
            f" {t['bytes'] / 1024:5.0f}  {note}"
        )

    list_lines(results, line)
    for name, t in results["lists"].items():
        verdict = "meets" if t["p95"] < 100 else "MISSES"
        print(f"{name}: p95 = {t['p95']:.1f} ms (goal < 100 ms: {verdict})")
    print(f"load average (1/5/15 min) after the list pages: {' '.join(f'{x:.2f}' for x in results['lists_load'])}")
    print()
    list_queries(results["lists"])


def report(results: dict[str, Any]) -> None:
    lists, summaries = results["lists"], results["summary"]
    print()
    print(
        f"{results['loaded']['project']:,} projects; the staff user's agency has {results['agency_projects']:,}."
        " PostgreSQL, in-process django.test.Client, ms per request or call"
    )
    print(f"{'measurement':<52} {'p50':>7} {'p95':>7} {'min–max':>17} {'sql':>7} {'q':>3} {'n':>4}  note")

    def line(label: str, t: dict | None, note: str) -> None:
        if t is None:
            print(f"{label:<52} {'n/a':>7} {'':>7} {'':>17} {'':>7} {'':>3} {'':>4}  {note}")
        else:
            print(
                f"{label:<52} {t['median']:7.1f} {t['p95']:7.1f} {list_api.min_max(t)} {t['sql']:7.1f}"
                f" {t['queries']:>3} {t['n']:>4}  {note}"
            )

    list_lines(results, line)
    for config, timings in summaries.items():
        if "page" in timings or config == "server config":
            line(f"summary page [{config}]", timings.get("page"), results["page_problem"] or SUMMARY_URL)
        if "figures" in timings:
            line(f"summary figures summary_figures() [{config}]", timings["figures"], "the view without the template")
        line(f"summary service portfolio_summary() [{config}]", timings["service"], "no view, no template")
        line(f"SQL limit, one statement [{config}]", timings["limit"], "every figure the page shows")
        if "old limit" in timings:
            line(f"old SQL limit (before issue 11) [{config}]", timings["old limit"], "the figures of before the move")
    print()
    if lists:
        p95 = lists["search"]["p95"]
        print(f"searched list page p95 = {p95:.1f} ms  (goal < 100 ms: {'meets' if p95 < 100 else 'MISSES'})")
    for config, timings in summaries.items():
        for limit_key in ("limit", "old limit"):
            if limit_key not in timings:
                continue
            limit = timings[limit_key]["median"]
            for key in ("page", "figures", "service"):
                if key in timings:
                    ratio = timings[key]["median"] / limit
                    verdict = "meets" if ratio <= 2 else "MISSES"
                    print(f"[{config}] summary {key} / {limit_key} (medians) = {ratio:.2f}  (goal <= 2: {verdict})")
    config = summaries["server config"]
    if "page" in config:
        print(
            f"summary page minus service (view, template, middleware) = {config['page']['median'] - config['service']['median']:.1f} ms"
        )
    if results["mismatches"]:
        print(f"FIGURES DIFFER between the service and the SQL limit ({len(results['mismatches'])}):")
        for difference in results["mismatches"]:
            print(f"  {difference}")
    else:
        print("figures: the page's figures and the SQL limit agree on every count and sum")
    if results.get("basis_note"):
        print(f"note: {results['basis_note']}")
    shown = results.get("shown")
    if shown:
        lead, plan = shown["lead"], shown["plan"]
        print(
            f"lead time 立项→施工许可 {YEAR}: {lead.now.count} permits, average {lead.now.average},"
            f" median {lead.now.median}; a year earlier {lead.previous.count}, average {lead.previous.average};"
            f" plan {YEAR}: {'none' if plan is None else plan.value} projects"
            f" ({', '.join(f'{c.key or chr(8212)} {c.value}' for c in plan.children) if plan else ''});"
            f" stages at {shown['stage_day']}: " + ", ".join(f"{s} {n}" for s, _label, n in shown["by_stage"])
        )
    print(f"load average (1/5/15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("SQL of one summary service call, PostgreSQL as configured (ms, statement):")
    for ms, sql, _params in config["service"]["last"]:
        print(f"  {ms:7.2f}  {sql[:150]}")
    print()
    list_queries(lists)
    for ms, sql, plan in results["plans"]:
        print()
        print(f"EXPLAIN ANALYZE ({ms:.1f} ms in the run): {sql[:200]}")
        for plan_line in plan:
            print(f"  {plan_line}")


if __name__ == "__main__":
    main()
