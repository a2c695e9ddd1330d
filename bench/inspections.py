"""Benchmark: the inspection figures (检查统计) of one agency and year, and scoring a full JGJ 59 summary sheet.

Prints figures, not pass/fail. See bench/README.md ("Inspections"). In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench_inspections`) and migrates it.
2. Loads by COPY one agency of 2,000 projects with 200,000 inspections, 1,000,000 findings and 100,000
   rectification notices with their alerts cases over three years (`bench/inspections_data.py`), and a second
   agency a fifth its size (so scoping matters); ~500 companies; then `VACUUM ANALYZE`.
3. Checks that `figures.period_figures([agency], start, end)` for this year and one hand-written SQL statement (the
   limit) give the same figures (inspections by kind and level, notices issued/closed/overdue and by kind,
   findings by category and severity, closed, average days, recurring findings, companies, accidents); any
   difference is printed under FIGURES DIFFER and the run exits with status 1.
4. Times, interleaved (A B C D, D C B A, …): the page `/inspections/?agency=..&year=..` as a signed-in staff user
   of the agency, `figures.period_figures` alone, and the SQL limit alone, with PostgreSQL's default `work_mem` and with
   the 64 MB the service sets for its findings statement. Median and p95, SQL time, queries. Profiles one service
   call (queries and Python functions) and EXPLAIN ANALYZEs each of its queries.
5. Times scoring a full JGJ 59 summary sheet: a new inspection, `services.add_sheet` for each of the 19
   built-in sheets, `services.record_results` with deductions on each, `services.score_inspection`; and the pure
   `scoring.score_table` × 19 + `scoring.score_summary` on the same deductions (checked to give the same total).
6. Drops the database unless `--keep-db`.

Goals (from the issue): figures within 2 x the SQL limit and under 500 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import timeit
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alerts  # same directory: the query recorder and the interleaved timing loop
import inspections_data
import list_api
import projects_data

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench_inspections"
DONE = "('closed', 'archived')"
ANSWERED = "('closed', 'archived', 'submitted')"  # an answered notice (awaiting re-inspection) is not overdue

# The limit: every figure of figures.period_figures in ONE statement. The period's inspections, notices (with their
# case's status) and findings of the agencies are each read once; the findings are grouped once by GROUPING SETS
# into the totals, the categories, the severities, the (project, category) pairs and the companies (the
# statement figures.finding_figures now runs on PostgreSQL). The inspections are bounded by local-midnight
# timestamps, so the (project, started_at) index can be used.
LIMIT_SQL = f"""
WITH ins AS (
  SELECT i.kind, i.level FROM inspections_inspection i JOIN projects_project p ON p.id = i.project_id
  WHERE p.agency_id = ANY(%(agencies)s) AND i.started_at >= %(start_at)s AND i.started_at < %(end_at)s),
notices AS (
  SELECT n.kind, c.status, n.deadline FROM inspections_rectificationnotice n
  LEFT JOIN alerts_case c ON c.id = n.case_id
  WHERE n.agency_id = ANY(%(agencies)s) AND n.issued_on BETWEEN %(start)s AND %(end)s),
fg AS (
  SELECT grouping(f.category) AS g_cat, grouping(f.severity) AS g_sev, grouping(f.project_id) AS g_proj,
         grouping(f.responsible_org_id) AS g_org,
         f.category, f.severity, f.project_id, f.responsible_org_id, count(*) AS n,
         count(*) FILTER (WHERE f.status = 'closed') AS closed,
         count(*) FILTER (WHERE f.severity = 'serious') AS serious,
         avg(f.closed_on - f.found_on) FILTER (WHERE f.status = 'closed') AS days, max(f.found_on) AS last
  FROM inspections_finding f JOIN projects_project p ON p.id = f.project_id
  WHERE p.agency_id = ANY(%(agencies)s) AND f.found_on BETWEEN %(start)s AND %(end)s
  GROUP BY GROUPING SETS ((), (f.category), (f.severity), (f.project_id, f.category), (f.responsible_org_id)))
SELECT
  (SELECT json_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM ins GROUP BY kind) t),
  (SELECT json_object_agg(level, n) FROM (SELECT level, count(*) AS n FROM ins GROUP BY level) t),
  (SELECT json_build_object(
     'n', count(*), 'closed', count(*) FILTER (WHERE status IN {DONE}),
     'overdue', count(*) FILTER (WHERE (status IS NULL OR status NOT IN {ANSWERED}) AND deadline < %(today)s))
   FROM notices),
  (SELECT json_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM notices GROUP BY kind) t),
  (SELECT json_build_object('n', n, 'closed', closed, 'days', days) FROM fg
   WHERE g_cat = 1 AND g_sev = 1 AND g_proj = 1 AND g_org = 1),
  (SELECT json_object_agg(category, n) FROM fg WHERE g_cat = 0 AND g_proj = 1),
  (SELECT json_object_agg(severity, n) FROM fg WHERE g_sev = 0),
  (SELECT json_agg(t) FROM (
     SELECT fg.project_id, p.name, fg.category, fg.n, fg.last FROM fg JOIN projects_project p ON p.id = fg.project_id
     WHERE fg.g_proj = 0 AND fg.n >= 2 ORDER BY fg.n DESC, p.name, fg.category LIMIT 20) t),
  (SELECT json_agg(t) FROM (
     SELECT fg.responsible_org_id AS id, o.name, fg.n, fg.serious, fg.closed, fg.days
     FROM fg JOIN core_organization o ON o.id = fg.responsible_org_id
     WHERE fg.g_org = 0 ORDER BY fg.n DESC, o.name LIMIT 50) t),
  (SELECT json_build_object('n', count(*), 'deaths', coalesce(sum(a.deaths), 0))
   FROM inspections_accident a JOIN projects_project p ON p.id = a.project_id
   WHERE p.agency_id = ANY(%(agencies)s) AND a.occurred_on BETWEEN %(start)s AND %(end)s)
"""  # noqa: S608  (built from constants only)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=2_000, help="projects of the measured agency")
    parser.add_argument("--inspections", type=int, default=200_000, help="inspections of the measured agency")
    parser.add_argument("--findings", type=int, default=1_000_000, help="findings of the measured agency")
    parser.add_argument("--notices", type=int, default=100_000, help="notices (and cases) of the measured agency")
    parser.add_argument("--others", type=float, default=0.2, help="the second agency's size as a share of the first")
    parser.add_argument("--companies", type=int, default=500, help="companies the findings are addressed to")
    parser.add_argument("--years", type=int, default=3, help="years the rows are spread over (the last is measured)")
    parser.add_argument("--requests", type=int, default=15, help="interleaved rounds (at least 9 unless budget)")
    parser.add_argument("--budget", type=float, default=150, help="seconds of figures timing before stopping")
    parser.add_argument("--scorings", type=int, default=5, help="timed runs of scoring a full summary sheet")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the SQL limit")
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help="time the figures again with a covering index on the findings (found_on INCLUDE the grouped columns)",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database as it is (no reload)")
    return parser.parse_args()


# --- data ---------------------------------------------------------------------------------------------


def copy_rows(table: str, columns: str, rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(args: argparse.Namespace, today: datetime.date, years: list[int]) -> tuple[Any, dict[str, int]]:
    from django.db import connection, transaction

    from gongwu.core.models import Organization, User

    agencies, staff, user = [], [], None
    for index in range(2):
        district = projects_data.DISTRICTS[index]
        agency = Organization.objects.create(name=f"{district}区建筑工务署", kind="agency", short_name=district)
        department = Organization.objects.create(name=f"{district}安全质量部", kind="department", parent=agency)
        director = User.objects.create(
            username=f"director{index}", display_name="项目主任", organization=agency, role="director"
        )
        person = User.objects.create_user(username=f"bench{index}" if index else "bench", password="bench-not-secret")  # noqa: S106
        person.organization, person.role = agency, "staff"
        person.save()
        user = user or person
        staff.append(person.pk)
        size = args.projects if index == 0 else round(args.projects * args.others)
        agencies.append(projects_data.Agency(agency.pk, size, district, [department.pk], [director.pk]))
    list_api.add_companies(0, args.companies)
    companies = list(Organization.objects.filter(credit_code__startswith="9111").values_list("pk", flat=True))
    project_rows = [
        row for table, row in projects_data.generate(agencies, defaultdict(int), today) if table == "project"
    ]
    projects: dict[int, list[int]] = defaultdict(list)
    for row in project_rows:
        projects[row[1]].append(row[0])
    specs = []
    for index, (agency, person) in enumerate(zip(agencies, staff, strict=True)):
        share = 1 if index == 0 else args.others
        specs.append(
            inspections_data.Agency(
                agency.id,
                projects[agency.id],
                round(args.inspections * share),
                round(args.findings * share),
                round(args.notices * share),
                round(40 * share),
                person,
            )
        )
    rows: dict[str, list[tuple]] = defaultdict(list)
    for table, row in inspections_data.generate(specs, years, today, companies):
        rows[table].append(row)
    tables = {
        "inspection": ("inspections_inspection", inspections_data.INSPECTION_COLUMNS),
        "finding": ("inspections_finding", inspections_data.FINDING_COLUMNS),
        "case": ("alerts_case", inspections_data.CASE_COLUMNS),
        "notice": ("inspections_rectificationnotice", inspections_data.NOTICE_COLUMNS),
        "accident": ("inspections_accident", inspections_data.ACCIDENT_COLUMNS),
    }
    with transaction.atomic():
        copy_rows("projects_project", projects_data.PROJECT_COLUMNS, project_rows)
        for key, (table, columns) in tables.items():
            copy_rows(table, columns, rows[key])
        with connection.cursor() as cursor:
            for table in ("projects_project", "inspections_inspection", "alerts_case"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        for table in ("projects_project", "core_organization", "core_user", *(t for t, _c in tables.values())):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return user, {"project": len(project_rows), **{key: len(rows[key]) for key in tables}}


def data_sizes(agency_id: int, start: datetime.date, end: datetime.date) -> dict[str, int]:
    from gongwu.inspections.models import Finding, Inspection, RectificationNotice

    return {
        "inspections": Inspection.objects.filter(project__agency=agency_id).count(),
        "findings": Finding.objects.filter(project__agency=agency_id).count(),
        "notices": RectificationNotice.objects.filter(agency=agency_id).count(),
        "findings this year": Finding.objects.filter(project__agency=agency_id, found_on__range=(start, end)).count(),
    }


# --- the same figures two ways: service and SQL limit ---------------------------------------------


def limit_params(agency_ids: list[int], start: datetime.date, end: datetime.date) -> dict[str, Any]:
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    return {
        "agencies": agency_ids,
        "start": start,
        "end": end,
        "start_at": datetime.datetime.combine(start, datetime.time(0), zone),
        "end_at": datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0), zone),
        "today": timezone.localdate(),
    }


def days_of(value: Any) -> Decimal | None:
    """Average days as the service shows them (a timedelta or a number, to one decimal)."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return Decimal(value.total_seconds() / 86400).quantize(Decimal("0.1"))
    return Decimal(str(value)).quantize(Decimal("0.1"))


def figures_by_sql(params: dict[str, Any], work_mem: str | None = None) -> dict[str, Any]:
    """Run the limit statement (with `work_mem`, e.g. "64MB", set for it alone); its figures in the shape
    `comparable(figures)` gives."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if work_mem:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        cursor.execute(LIMIT_SQL, params)
        kinds, levels, notices, notice_kinds, findings, categories, severities, recurring, companies, accidents = (
            json.loads(v) if isinstance(v, str) else v for v in cursor.fetchone()
        )
    kinds, levels, findings = kinds or {}, levels or {}, findings or {"n": 0, "closed": 0, "days": None}
    return {
        "inspections": sum(kinds.values()),
        "by_kind": kinds,
        "by_level": levels,
        "notices": notices["n"],
        "notices_closed": notices["closed"],
        "notices_overdue": notices["overdue"],
        "notices_by_kind": notice_kinds or {},
        "findings": findings["n"],
        "closed": findings["closed"],
        "average_days": days_of(findings["days"]),
        "by_category": categories or {},
        "by_severity": severities or {},
        "recurring": [
            (r["project_id"], r["name"], r["category"], r["n"], datetime.date.fromisoformat(r["last"]))
            for r in recurring or []
        ],
        "companies": [
            (r["id"], r["name"], r["n"], r["serious"], r["closed"], days_of(r["days"])) for r in companies or []
        ],
        "accidents": accidents["n"],
        "deaths": accidents["deaths"],
    }


def comparable(figures: Any) -> dict[str, Any]:
    """The figures of `figures.period_figures(...)` in the shape `figures_by_sql` gives."""
    return {
        "inspections": figures.inspections,
        "by_kind": dict(figures.by_kind),
        "by_level": dict(figures.by_level),
        "notices": figures.notices,
        "notices_closed": figures.notices_closed,
        "notices_overdue": figures.notices_overdue,
        "notices_by_kind": dict(figures.notices_by_kind),
        "findings": figures.findings,
        "closed": figures.closed,
        "average_days": figures.average_days,
        "by_category": dict(figures.by_category),
        "by_severity": dict(figures.by_severity),
        "recurring": [
            (r["project_id"], r["project__name"], r["category"], r["n"], r["last"]) for r in figures.recurring
        ],
        "companies": [
            (c["responsible_org_id"], c["responsible_org__name"], c["n"], c["serious"], c["closed"], c["days"])
            for c in figures.companies
        ],
        "accidents": figures.accidents,
        "deaths": figures.deaths,
    }


def ranked(rows: list[tuple], count_at: int) -> tuple[list[int], list[tuple]]:
    """A top list compared fairly: its counts in order, and its rows above the last count (rows tied at the
    last count may be cut differently when names tie)."""
    counts = [r[count_at] for r in rows]
    cut = counts[-1] if counts else 0
    return counts, sorted((r for r in rows if r[count_at] > cut), key=repr)


def differences(service: dict[str, Any], sql: dict[str, Any]) -> list[str]:
    found = []
    for key in service.keys() | sql.keys():
        a, b = service.get(key), sql.get(key)
        if key == "recurring":
            a, b = ranked(a, 3), ranked(b, 3)
        elif key == "companies":
            a, b = ranked(a, 2), ranked(b, 2)
        if a != b:
            found.append(f"{key}: service {a!r:.300} / SQL {b!r:.300}")
    return sorted(found)


COVERING_INDEX = (
    "CREATE INDEX bench_finding_covering ON inspections_finding (found_on)"
    " INCLUDE (project_id, category, severity, status, responsible_org_id, closed_on)"
)


# --- profiling ---------------------------------------------------------------------------------------------


def profile(call: Callable[[], Any]) -> tuple[list[tuple[str, int, float]], str, float]:
    """Queries by shape of one call, and the Python functions that took its time (cProfile, own time)."""
    from django.db import connection

    recorder = alerts.Recorder()
    profiler = cProfile.Profile()
    with connection.execute_wrapper(recorder):
        profiler.enable()
        call()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(12)
    return recorder.top(20), out.getvalue(), stats.total_tt  # type: ignore[attr-defined]


def explain_service(agency_ids: list[int], start: datetime.date, end: datetime.date) -> list[str]:
    """EXPLAIN ANALYZE of the service's queries, first plan line and execution time of each."""
    from django.db import connection

    from gongwu.inspections.figures import period_figures

    statements: list[tuple[str, Any]] = []

    def grab(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        period_figures(agency_ids, start, end)
    lines = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE) " + sql, params)
            plan = [line for (line,) in cursor.fetchall()]
            lines.append(f"{plan[-1].strip():<28} {plan[0].strip()[:70]:<70} | {sql[:90]}")
    return lines


# --- scoring a full JGJ 59 summary sheet ----------------------------------------------------------------------


def deductions_for(templates: list[Any], rng: random.Random) -> dict[int, dict[int, Any]]:
    """Per template id, the entries an inspector records: 1–2 points off about a third of the items (at most
    the item's points, small on guarantee items), and one general item of some sheets marked 缺项."""
    from gongwu.inspections.services import ItemEntry

    entries: dict[int, dict[int, Any]] = {}
    for template in templates:
        items = list(template.items.order_by("number"))
        chosen: dict[int, Any] = {}
        for item in items:
            if rng.random() < 0.33:
                cap = min(item.points, Decimal(2) if item.guarantee else Decimal(4))
                chosen[item.pk] = ItemEntry(deduction=Decimal(rng.choice((1, 2))).min(cap))
        general = [i for i in items if not i.guarantee and i.pk not in chosen]
        if general and rng.random() < 0.4:
            chosen[general[-1].pk] = ItemEntry(not_applicable=True)
        entries[template.pk] = chosen
    return entries


def pure_inputs(templates: list[Any], entries: dict[int, dict[int, Any]]) -> list[tuple[Any, dict, list]]:
    from gongwu.inspections import jgj59
    from gongwu.inspections.models import CheckItem

    numbers = dict(CheckItem.objects.filter(template__in=templates).values_list("pk", "number"))
    inputs = []
    for template in templates:
        chosen = entries[template.pk]
        deductions = {str(numbers[k]): e.deduction for k, e in chosen.items() if not e.not_applicable}
        missing = [str(numbers[k]) for k, e in chosen.items() if e.not_applicable]
        inputs.append((jgj59.table(template.code), deductions, missing))
    return inputs


def time_scoring(user: Any, project_id: int, runs: int) -> dict[str, Any]:
    from django.db import connection

    from gongwu.inspections import scoring, services
    from gongwu.inspections.models import ChecklistTemplate, Inspection

    templates = list(ChecklistTemplate.objects.filter(agency=None, kind="safety", is_active=True).order_by("order"))
    entries = deductions_for(templates, random.Random(59))
    inputs = pure_inputs(templates, entries)
    phases: dict[str, list[float]] = defaultdict(list)
    queries: list[int] = []
    total = None
    for _run in range(runs + 1):  # the first is a warm-up
        recorder = alerts.Recorder()
        with connection.execute_wrapper(recorder):
            t0 = time.perf_counter()
            inspection = Inspection.objects.create(
                project_id=project_id, kind="safety_routine", level="supervision", lead=user
            )
            sheets = [services.add_sheet(inspection, template, user) for template in templates]
            t1 = time.perf_counter()
            for sheet, template in zip(sheets, templates, strict=True):
                services.record_results(sheet, entries[template.pk], user)
            t2 = time.perf_counter()
            summary = services.score_inspection(inspection)
            t3 = time.perf_counter()
        if _run:
            phases["add_sheet x19"].append(t1 - t0)
            phases["record_results x19"].append(t2 - t1)
            phases["score_inspection"].append(t3 - t2)
            phases["total"].append(t3 - t0)
            queries.append(recorder.count)
            shapes = recorder.top(8)
        total = summary.total if summary else None
    scores = [scoring.score_table(table, d, not_applicable=m) for table, d, m in inputs]
    pure = scoring.score_summary(scores)
    loops = 200
    per_summary = min(timeit.repeat(lambda: scoring.score_summary(scores), number=loops, repeat=5)) / loops
    per_sheet = min(
        timeit.repeat(
            lambda: scoring.score_summary([scoring.score_table(t, d, not_applicable=m) for t, d, m in inputs]),
            number=loops // 4,
            repeat=5,
        )
    ) / (loops // 4)
    return {
        "sheets": len(templates),
        "items": sum(t.items.count() for t in templates),
        "entries": sum(len(e) for e in entries.values()),
        "median": {k: statistics.median(v) for k, v in phases.items()},
        "max": max(phases["total"]),
        "queries": statistics.median(queries),
        "shapes": shapes,
        "n": runs,
        "service_total": total,
        "pure_total": pure.total,
        "grade": pure.grade.value,
        "pure_summary_us": per_summary * 1e6,
        "pure_all_us": per_sheet * 1e6,
    }


# --- main -------------------------------------------------------------------------------------------------


def page_call(client: Any, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return call


def main() -> None:
    args = parse_args()
    url = list_api.configure_environment(DEFAULT_URL, "GONGWU_BENCH_INSPECTIONS_DATABASE_URL")
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
    from gongwu.inspections.figures import period_figures
    from gongwu.inspections.models import Inspection

    today = timezone.localdate()
    year = today.year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    years = list(range(year - args.years + 1, year + 1))
    results: dict[str, Any] = {"load_start": load_start, "year": year}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if args.reuse_db:
            user = User.objects.get(username="bench")
        else:
            t0 = time.perf_counter()
            user, counts = load(args, today, years)
            results["load_seconds"] = time.perf_counter() - t0
            results["loaded"] = counts
            print(
                "loaded "
                + ", ".join(f"{n:,} {t}s" for t, n in counts.items())
                + f" in {results['load_seconds']:.1f} s (generate + COPY + VACUUM ANALYZE)",
                flush=True,
            )
        agency_id = user.organization_id
        results["sizes"] = data_sizes(agency_id, start, end)
        params = limit_params([agency_id], start, end)
        service = lambda: period_figures([agency_id], start, end)  # noqa: E731
        limit = lambda: figures_by_sql(params)  # noqa: E731
        limit_wm = lambda: figures_by_sql(params, work_mem="64MB")  # noqa: E731
        figures = comparable(service())
        results["figures"] = figures
        results["mismatches"] = differences(figures, limit())

        client = Client()
        client.force_login(user)
        page_url = f"/inspections/?agency={agency_id}&year={year}"
        response = client.get(page_url)
        results["page_status"] = response.status_code
        results["page_kb"] = len(response.content) / 1024
        results["page_url"] = page_url
        calls: dict[str, Callable[[], Any]] = {}
        if response.status_code == 200:
            calls["page"] = page_call(client, page_url)
        calls.update({"service": service, "limit": limit, "limit_wm": limit_wm})
        print("timing the figures: " + ", ".join(calls) + " interleaved …", flush=True)
        results["timings"] = alerts.time_calls(calls, max(args.requests, 9), args.budget)
        results["profile"] = profile(service)
        results["explain_service"] = explain_service([agency_id], start, end)
        if args.covering_index:
            print("timing the figures again with a covering index on the findings …", flush=True)
            with connection.cursor() as cursor:
                cursor.execute(COVERING_INDEX)
                cursor.execute("VACUUM ANALYZE inspections_finding")
            calls.pop("page", None)
            try:
                results["timings_index"] = alerts.time_calls(calls, max(args.requests, 9), args.budget)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("DROP INDEX bench_finding_covering")
        if args.explain:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + LIMIT_SQL, params)
                results["plan"] = [line for (line,) in cursor.fetchall()]
        print("timing the JGJ 59 summary sheet …", flush=True)
        project_id = Inspection.objects.filter(project__agency=agency_id).values_list("project_id", flat=True)[0]
        results["scoring"] = time_scoring(user, project_id, args.scorings)
    finally:
        connection.close()
        if not args.keep_db:
            list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        media.cleanup()
    report(results)
    if results["mismatches"]:
        sys.exit(1)


def print_timings(timings: dict[str, Any], labels: dict[str, str]) -> None:
    print(f"  {'measurement':<48} {'p50':>8} {'p95':>8} {'min–max':>17} {'sql':>8} {'q':>3} {'n':>4}")
    for key, label in labels.items():
        if key in timings:
            t = timings[key]
            print(
                f"  {label:<48} {t['median']:8.1f} {t['p95']:8.1f} {list_api.min_max(t)} {t['sql']:8.1f}"
                f" {t['queries']:>3} {t['n']:>4}"
            )
    limits = [k for k in ("limit", "limit_wm") if k in timings]
    for key in labels:
        if key in timings and key not in limits:
            t = timings[key]
            ratios = [t["median"] / timings[k]["median"] for k in limits]
            verdict = "meets" if max(ratios) <= 2 and t["median"] < 500 else "MISSES"
            shown = ", ".join(f"{r:.2f} x {k}" for r, k in zip(ratios, limits, strict=True))
            print(f"  {key}: p50 {t['median']:.0f} ms (goal < 500), {shown} (goal <= 2): {verdict}")


def report(results: dict[str, Any]) -> None:
    print()
    if "loaded" in results:
        print(
            "loaded (both agencies): "
            + ", ".join(f"{n:,} {t}s" for t, n in results["loaded"].items())
            + f" in {results['load_seconds']:.1f} s"
        )
    print("the measured agency: " + ", ".join(f"{n:,} {k}" for k, n in results["sizes"].items()))
    print(
        f"THE FIGURES for {results['year']} ({results['page_url']}: HTTP {results['page_status']},"
        f" {results['page_kb']:.0f} kB); ms, interleaved"
    )
    timings = results["timings"]
    labels = {
        "page": "page (staff user, django.test.Client)",
        "service": "figures.period_figures()",
        "limit": "SQL limit (one statement, default work_mem)",
        "limit_wm": "SQL limit (one statement, work_mem 64MB)",
    }
    print_timings(timings, labels)
    if "timings_index" in results:
        print("  again with a covering index on inspections_finding (found_on) INCLUDE (project_id, category, …):")
        print_timings(results["timings_index"], labels)
    f = results["figures"]
    print(
        f"  figures: {f['inspections']:,} inspections, {f['findings']:,} findings ({f['closed']:,} closed,"
        f" {f['average_days']} days on average), {f['notices']:,} notices ({f['notices_closed']:,} closed,"
        f" {f['notices_overdue']:,} overdue), {len(f['recurring'])} recurring, {len(f['companies'])} companies,"
        f" {f['accidents']} accidents"
    )
    if results["mismatches"]:
        print(f"  FIGURES DIFFER between the service and the SQL limit ({len(results['mismatches'])}):")
        for d in results["mismatches"][:20]:
            print(f"    {d}")
    else:
        print("  figures: the service and the SQL limit agree on every figure")
    if "page" in timings:
        print("  page: its slowest queries (count, ms in the last timed request):")
        for shape, count, seconds in timings["page"]["top"][:8]:
            print(f"    {count:>3} {seconds * 1000:8.1f}  {shape[:140]}")
    queries, functions, total = results["profile"]
    print("  service: queries of one call (count, ms):")
    for shape, count, seconds in queries:
        print(f"    {count:>3} {seconds * 1000:8.1f}  {shape[:140]}")
    print(f"  service: Python functions by own time (cProfile, {total:.2f} s in all, profiler overhead included):")
    for line in functions.strip().splitlines()[-12:]:
        print(f"    {line[:150]}")
    print("  service: EXPLAIN ANALYZE of each query (execution time, top plan node, statement):")
    for line in results["explain_service"]:
        print(f"    {line}")
    for line in results.get("plan", []):
        print(f"    {line}")
    s = results["scoring"]
    m = s["median"]
    print(
        f"SCORING A FULL JGJ 59 SUMMARY SHEET ({s['sheets']} sheets, {s['items']} items, {s['entries']} entries),"
        f" medians of {s['n']} runs: add_sheet x19 {m['add_sheet x19'] * 1000:.0f} ms"
        f" + record_results x19 {m['record_results x19'] * 1000:.0f} ms"
        f" + score_inspection {m['score_inspection'] * 1000:.0f} ms = {m['total'] * 1000:.0f} ms"
        f" (max {s['max'] * 1000:.0f} ms, {s['queries']:.0f} queries)"
    )
    print("  its queries by shape (count, ms, last run):")
    for shape, count, seconds in s["shapes"]:
        print(f"    {count:>4} {seconds * 1000:8.1f}  {shape[:130]}")
    agree = "agree" if s["service_total"] == s["pure_total"] else "DIFFER"
    print(
        f"  pure scoring: score_summary on the 19 table scores {s['pure_summary_us']:.0f} µs;"
        f" score_table x19 + score_summary {s['pure_all_us']:.0f} µs; total {s['pure_total']} ({s['grade']}),"
        f" service total {s['service_total']}: {agree}"
    )
    print(
        f"load average (1/5/15 min) at the start: {' '.join(f'{x:.2f}' for x in results['load_start'])},"
        f" at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
