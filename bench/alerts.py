"""Benchmark: the daily alert scan over 100,000 projects and the leader's board over 1,000,000 cases, on PostgreSQL.

Prints figures, not pass/fail. See bench/README.md ("Alerts"). In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench_alerts`) and migrates it.
2. The scan: loads by COPY 100,000 projects over 10 agencies with ~3 approvals and ~3 milestones each
   (`bench/projects_data.py`) re-planned so that a realistic share is late (`bench/alerts_data.py`), plus this
   year's annual task lists; then times `gongwu.alerts.services.scan()` with the four project rules twice: the
   first scan opens the cases, the second (same day, same data) should open nothing. Prints durations, queries,
   rows examined per second and where the time goes (queries by shape).
3. The board: COPYs 1,000,000 cases of one more agency (realistic status, level, source, kind, dates,
   departments, responsible organizations); checks that `figures.board` and ONE hand-written SQL statement
   (the limit) give the same figures; then times, interleaved, the service, the limit and the page
   `/alerts/board/` as a signed-in leader of that agency: median and p95.
4. Drops the database unless `--keep-db`.

(The batched opening of new cases and the two-query board, measured here as experiments on 28 November
2026, are now the services' own code; bench/README.md keeps the before/after figures.)

Goals (from the issue): the scan under 60 s; the board within 2 x the SQL limit.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alerts_data  # same directory
import list_api
import projects
import projects_data

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench_alerts"
BOARD_URL = "/alerts/board/"
OPEN = "('open', 'assigned', 'in_progress', 'submitted')"
DONE = "('closed', 'archived')"

# The limit: every figure of the leader's board for one agency and one period, in ONE statement. One pass over
# the agency's cases grouped by source gives the period's totals, the live totals and "opened by source"; the
# live cases (a few percent) are read once more through the (agency, status, deadline) index and grouped by
# GROUPING SETS; the top subjects and the 督办 / 提请关注 subject counts come from the same live rows.
LIMIT_SQL = f"""
WITH per_source AS (
  SELECT source,
    count(*) FILTER (WHERE opened_on BETWEEN %(start)s AND %(end)s) AS opened,
    count(*) FILTER (WHERE opened_on BETWEEN %(start)s AND %(end)s AND status IN {DONE}) AS closed,
    count(*) FILTER (WHERE opened_on BETWEEN %(start)s AND %(end)s AND status IN {DONE}
                     AND (deadline IS NULL OR closed_on <= deadline)) AS closed_on_time,
    count(*) FILTER (WHERE closed_on BETWEEN %(start)s AND %(end)s) AS closed_in_period,
    sum(closed_on - opened_on) FILTER (WHERE closed_on BETWEEN %(start)s AND %(end)s) AS days_to_close,
    count(*) FILTER (WHERE status IN {OPEN}) AS open,
    count(*) FILTER (WHERE status IN {OPEN} AND deadline < %(today)s) AS overdue
  FROM alerts_case WHERE agency_id = %(agency)s GROUP BY source),
live AS (
  SELECT c.level, c.source, c.kind, d.name AS department, r.name AS responsible, c.subject_label,
         c.subject_type_id, c.subject_id, c.deadline < %(today)s AS overdue
  FROM alerts_case c
  LEFT JOIN core_organization d ON d.id = c.department_id
  LEFT JOIN core_organization r ON r.id = c.responsible_org_id
  WHERE c.agency_id = %(agency)s AND c.status IN {OPEN}),
groups AS (
  SELECT CASE WHEN GROUPING(level) = 0 THEN 'level' WHEN GROUPING(source) = 0 THEN 'source'
              WHEN GROUPING(kind) = 0 THEN 'kind' WHEN GROUPING(department) = 0 THEN 'department'
              ELSE 'responsible' END AS dim,
         coalesce(level, source, kind, department, responsible) AS key,
         count(*) AS n, count(*) FILTER (WHERE overdue) AS overdue
  FROM live GROUP BY GROUPING SETS ((level), (source), (kind), (department), (responsible))),
labels AS (
  SELECT subject_label AS key, count(*) AS n, count(*) FILTER (WHERE overdue) AS overdue
  FROM live WHERE subject_label <> '' GROUP BY subject_label ORDER BY overdue DESC, n DESC LIMIT 20)
SELECT
  (SELECT json_agg(per_source) FROM per_source),
  (SELECT json_agg(groups) FROM groups),
  (SELECT json_agg(labels) FROM labels),
  (SELECT count(*) FROM (SELECT DISTINCT subject_type_id, subject_id FROM live WHERE kind = 'supervision') t),
  (SELECT count(*) FROM (SELECT DISTINCT subject_type_id, subject_id FROM live WHERE kind = 'attention'
     AND subject_id NOT IN (SELECT subject_id FROM live WHERE kind = 'supervision')) t)
"""  # noqa: S608  (constants only)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000, help="projects over the scanned agencies")
    parser.add_argument("--agencies", type=int, default=10, help="agencies the projects are spread over")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases of the board's agency")
    parser.add_argument("--companies", type=int, default=2_000, help="companies that can be responsible")
    parser.add_argument("--requests", type=int, default=30, help="timed repetitions per board measurement")
    parser.add_argument("--budget", type=float, default=60, help="seconds per board measurement before stopping")
    parser.add_argument("--skip-scan", action="store_true", help="only the board")
    parser.add_argument("--skip-board", action="store_true", help="only the scan")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest board queries")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database (no reload)")
    return parser.parse_args()


# --- query recording --------------------------------------------------------------------------------------


class Recorder:
    """A connection.execute_wrapper that counts queries and SQL time, grouped by the statement's shape."""

    NUMBERS = re.compile(r"\b\d+\b")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.shapes: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self.slowest: list[tuple[float, str, Any]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - t0
            self.count += 1
            self.seconds += elapsed
            shape = self.shapes[self.NUMBERS.sub("N", sql[:160])]
            shape[0] += 1
            shape[1] += elapsed

    def top(self, n: int = 12) -> list[tuple[str, int, float]]:
        return sorted(((s, int(c), t) for s, (c, t) in self.shapes.items()), key=lambda x: -x[2])[:n]


# --- the scan ---------------------------------------------------------------------------------------------


def load_portfolio(args: argparse.Namespace, today: datetime.date) -> tuple[list[int], dict[str, int]]:
    """Agencies, users and the re-planned portfolio with task lists, by COPY; returns (agency ids, counts)."""
    from django.db import connection, transaction

    from gongwu.projects.models import ApprovalKind, TaskList

    sizes = argparse.Namespace(
        agency_size=args.projects // args.agencies, others=args.projects - args.projects // args.agencies
    )
    _user, agencies = projects.make_agencies(sizes)
    task_lists = {
        a.id: TaskList.objects.create(agency_id=a.id, year=today.year, name=f"{today.year}年度建设任务").pk
        for a in agencies
    }
    kinds = dict(ApprovalKind.objects.filter(agency=None).values_list("name", "pk"))
    columns = {
        "project": projects_data.PROJECT_COLUMNS,
        "approval": projects_data.APPROVAL_COLUMNS,
        "milestone": projects_data.MILESTONE_COLUMNS,
        "award": projects_data.AWARD_COLUMNS,
        "taskitem": alerts_data.TASK_ITEM_COLUMNS,
    }
    rows: dict[str, list[tuple]] = {table: [] for table in columns}
    for table, row in alerts_data.late_portfolio(agencies, kinds, task_lists, today):
        rows[table].append(row)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, table_rows in rows.items():
            with cursor.cursor.copy(f"COPY projects_{table} ({columns[table]}) FROM STDIN") as copy:
                for row in table_rows:
                    copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('projects_project', 'id'), max(id)) FROM projects_project")
    with connection.cursor() as cursor:
        for table in rows:
            cursor.execute(f"VACUUM ANALYZE projects_{table}")
        for table in ("core_organization", "core_user", "projects_tasklist"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return [a.id for a in agencies], {table: len(table_rows) for table, table_rows in rows.items()}


def scan_inputs(agency_ids: list[int]) -> dict[str, int]:
    """The rows the four rules read: the agencies' projects, approvals, milestones and task items."""
    from gongwu.projects.models import Approval, Milestone, Project, TaskItem

    return {
        "projects": Project.objects.filter(agency_id__in=agency_ids).count(),
        "approvals": Approval.objects.filter(project__agency_id__in=agency_ids).count(),
        "milestones": Milestone.objects.filter(project__agency_id__in=agency_ids).count(),
        "task items": TaskItem.objects.filter(task_list__agency_id__in=agency_ids).count(),
    }


def forget_scan(agency_ids: list[int]) -> None:
    """Delete the rule cases of the scanned agencies (a kept database measured again: the first scan opens)."""
    from django.db import connection

    with connection.cursor() as cursor:
        where = "c.source = 'rule' AND c.agency_id = ANY(%s)"
        for table, alias in (("alerts_notification", "n"), ("alerts_caseevent", "e")):
            using = f"DELETE FROM {table} {alias} USING alerts_case c WHERE {alias}.case_id = c.id AND "  # noqa: S608  (constants)
            cursor.execute(using + where, [agency_ids])
        cursor.execute("DELETE FROM alerts_case c WHERE " + where, [agency_ids])  # noqa: S608
        cursor.execute("VACUUM ANALYZE alerts_case")


def timed_scan(today: datetime.date, agency_ids: list[int]) -> dict[str, Any]:
    from django.db import connection

    from gongwu.alerts import services

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        t0 = time.perf_counter()
        report = services.scan(today=today, agency_ids=agency_ids)
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "report": report,
        "queries": recorder.count,
        "sql": recorder.seconds,
        "top": recorder.top(),
    }


def run_scan(args: argparse.Namespace, today: datetime.date, results: dict[str, Any]) -> None:
    from django.db import connection
    from django.db.models import Count

    import gongwu.projects.rules  # noqa: F401  (registers the four rules)
    from gongwu.alerts.models import Case
    from gongwu.core.models import Organization

    if args.reuse_db:
        agency_ids = list(
            Organization.objects.filter(kind="agency", name__endswith="区建筑工务署").values_list("pk", flat=True)
        )
        forget_scan(agency_ids)
    else:
        t0 = time.perf_counter()
        agency_ids, loaded = load_portfolio(args, today)
        print(
            "loaded " + ", ".join(f"{n:,} {t}s" for t, n in loaded.items()) + f" in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    results["scan_inputs"] = scan_inputs(agency_ids)
    print(f"scanning {len(agency_ids)} agencies: first scan (opens the cases) …", flush=True)
    results["scan1"] = timed_scan(today, agency_ids)
    print(f"  {results['scan1']['seconds']:.1f} s, {results['scan1']['report']}", flush=True)
    print("second scan (should open nothing) …", flush=True)
    results["scan2"] = timed_scan(today, agency_ids)
    print(f"  {results['scan2']['seconds']:.1f} s, {results['scan2']['report']}", flush=True)
    live = Case.objects.filter(agency_id__in=agency_ids, source="rule")
    results["scan_cases"] = {
        "by_rule": dict(live.values_list("rule_code").annotate(n=Count("pk"))),
        "by_level": dict(live.values_list("level").annotate(n=Count("pk"))),
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE alerts_case")


# --- the board --------------------------------------------------------------------------------------------


def make_board_agency(args: argparse.Namespace) -> tuple[Any, alerts_data.BoardOrgs]:
    """The board's agency: 6 departments with 5 staff each, a leader, and `--companies` companies."""
    from django.contrib.contenttypes.models import ContentType

    from gongwu.core.models import Organization, User
    from gongwu.projects.models import Approval, Milestone, Project

    agency = Organization.objects.create(name="示范市建筑工务署", kind="agency", short_name="示范")
    departments = [
        Organization.objects.create(name=f"示范{n}", kind="department", parent=agency).pk
        for n in ("前期部", "工程一部", "工程二部", "工程三部", "市政工程部", "安全质量部")
    ]
    people = {
        d: [
            u.pk
            for u in User.objects.bulk_create(
                [
                    User(username=f"staff{d}_{i}", display_name=f"工程师{i}", organization_id=d, role="staff")
                    for i in range(5)
                ]
            )
        ]
        for d in departments
    }
    kinds = ("contractor", "supervisor", "designer", "consultant", "agent")
    companies = [
        o.pk
        for o in Organization.objects.bulk_create(
            [
                Organization(
                    name=f"示范建设{i:04d}有限公司",
                    kind=kinds[i % len(kinds)],
                    credit_code=list_api.credit_code(i + 500_000),
                )
                for i in range(args.companies)
            ]
        )
    ]
    leader = User.objects.create_user(username="leader", password="bench-not-secret")  # noqa: S106
    leader.organization = agency
    leader.role = "leader"
    leader.save()
    import random

    rng = random.Random(7)
    names = [
        (
            9_000_000 + i,
            projects_data.project_name(rng, projects_data.weighted(rng, projects_data.CATEGORY_WEIGHTS), "示范"),
        )
        for i in range(8_000)
    ]
    types = {m.__name__.lower(): ContentType.objects.get_for_model(m).pk for m in (Project, Approval, Milestone)}
    return leader, alerts_data.BoardOrgs(agency.pk, departments, companies, people, types, names)


def load_cases(orgs: alerts_data.BoardOrgs, n: int, today: datetime.date) -> None:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM alerts_case")
        first = cursor.fetchone()[0] + 1
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY alerts_case ({alerts_data.CASE_COLUMNS}) FROM STDIN") as copy:
            for row in alerts_data.cases(orgs, n, today, first):
                copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('alerts_case', 'id'), max(id)) FROM alerts_case")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE alerts_case")
        cursor.execute("VACUUM ANALYZE core_organization")
        cursor.execute("VACUUM ANALYZE core_user")


def board_by_sql(params: dict[str, Any]) -> dict[str, Any]:
    """Run the limit and shape its result like `comparable(figures.board(...))`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL, params)
        per_source, groups, labels, supervision, attention = cursor.fetchone()
    loads = lambda value: json.loads(value) if isinstance(value, str) else (value or [])  # noqa: E731
    per_source, groups, labels = loads(per_source), loads(groups), loads(labels)
    total = lambda key: sum(row[key] or 0 for row in per_source)  # noqa: E731
    closed_in_period = total("closed_in_period")
    figures = {
        "opened": total("opened"),
        "closed": total("closed"),
        "closed_on_time": total("closed_on_time"),
        "closed_in_period": closed_in_period,
        "average_days_to_close": (Decimal(total("days_to_close")) / closed_in_period).quantize(Decimal("0.1"))
        if closed_in_period
        else None,
        "open": total("open"),
        "overdue": total("overdue"),
        "opened_by_source": {r["source"]: (r["opened"], r["closed"]) for r in per_source if r["opened"]},
        "subjects": {"supervision": supervision, "attention": attention},
        "by_subject": sorted((r["overdue"], r["n"]) for r in labels),
    }
    for dim in ("level", "source", "kind", "department", "responsible"):
        figures[f"by_{dim}"] = {r["key"]: (r["n"], r["overdue"]) for r in groups if r["dim"] == dim}
    return figures


def comparable(board: dict[str, Any]) -> dict[str, Any]:
    """The figures of `figures.board` in the shape `board_by_sql` gives."""
    figures = {
        key: board[key]
        for key in (
            "opened",
            "closed",
            "closed_on_time",
            "closed_in_period",
            "average_days_to_close",
            "open",
            "overdue",
        )
    }
    figures["opened_by_source"] = {r["source"]: (r["n"], r["closed"]) for r in board["opened_by_source"]}
    figures["subjects"] = dict(board["subjects"])
    figures["by_subject"] = sorted((r["overdue"], r["n"]) for r in board["by_subject"])
    fields = {"level": "level", "source": "source", "kind": "kind", "department": "department__name"}
    fields["responsible"] = "responsible_org__name"
    for dim, field in fields.items():
        figures[f"by_{dim}"] = {r[field]: (r["n"], r["overdue"]) for r in board[f"by_{dim}"]}
    return figures


def differences(service: dict[str, Any], sql: dict[str, Any]) -> list[str]:
    return [
        f"{key}: service {str(service.get(key))[:300]} / SQL {str(sql.get(key))[:300]}"
        for key in sorted(set(service) | set(sql))
        if service.get(key) != sql.get(key)
    ]


def time_calls(calls: dict[str, Callable[[], Any]], n: int, budget: float) -> dict[str, dict[str, Any]]:
    """Interleaved (A B C, C B A, …) like projects.time_calls, with a per-call query recorder: at least
    list_api.MIN_ROUNDS rounds, then up to `n` while within `budget` seconds."""
    from django.db import connection

    for call in calls.values():  # warm-up
        call()
    results = {name: {"times": [], "sql": [], "queries": 0, "recorder": None} for name in calls}
    names = list(calls)
    started = time.perf_counter()
    for round_ in range(max(n, list_api.MIN_ROUNDS)):
        if round_ >= list_api.MIN_ROUNDS and time.perf_counter() - started > budget:
            break
        for name in names if round_ % 2 == 0 else reversed(names):
            recorder = Recorder()
            with connection.execute_wrapper(recorder):
                t0 = time.perf_counter()
                calls[name]()
                results[name]["times"].append((time.perf_counter() - t0) * 1000)
            results[name]["sql"].append(recorder.seconds * 1000)
            results[name]["recorder"] = recorder
    return {
        name: {
            **list_api.spread(r["times"]),
            "sql": statistics.median(r["sql"]),
            "queries": r["recorder"].count,
            "top": r["recorder"].top(20),
        }
        for name, r in results.items()
    }


class Rollback(Exception):
    pass


def rolled_back(call: Callable[[], Any]) -> Callable[[], Any]:
    """`call` in a transaction that is rolled back, so every round starts from the same state."""
    from django.db import transaction

    def run() -> Any:
        try:
            with transaction.atomic():
                call()
                raise Rollback
        except Rollback:
            pass

    return run


def time_numbering(leader: Any, agency_id: int, today: datetime.date, n: int, budget: float) -> dict[str, Any]:
    """What a new case of the board's agency pays for its number: the counter (`reserve_numbers`, after the
    migration's `initialise_counters` has counted the loaded cases) against reading and sorting the year's
    numbers as `next_number` did before the counter (`last_number_in`, now only a counter's first use);
    and a whole new case through `open_case` as the system opens one. Interleaved, each rolled back."""
    import importlib

    from django.apps import apps

    from gongwu.alerts import services
    from gongwu.alerts.models import Case

    t0 = time.perf_counter()
    importlib.import_module("gongwu.alerts.migrations.0002_case_counter").initialise_counters(apps, None)
    initialised = (time.perf_counter() - t0) * 1000

    def new_case() -> None:
        services.open_case(Case(agency_id=agency_id, title="基准测试事项", opened_on=today), None, notify_people=False)

    calls = {
        "counter": rolled_back(lambda: services.reserve_numbers(agency_id, today.year)),
        "read and sort": rolled_back(lambda: services.last_number_in(agency_id, today.year)),
        "open_case": rolled_back(new_case),
    }
    return {"initialise_ms": initialised, "timings": time_calls(calls, n, budget)}


def run_board(args: argparse.Namespace, today: datetime.date, results: dict[str, Any]) -> None:
    from django.test import Client

    from gongwu.alerts import figures
    from gongwu.alerts.models import OPEN_STATUSES, Case
    from gongwu.core.figures import Selection
    from gongwu.core.models import User
    from gongwu.core.periods import Period

    if args.reuse_db:
        leader = User.objects.get(username="leader")
    else:
        t0 = time.perf_counter()
        leader, orgs = make_board_agency(args)
        load_cases(orgs, args.cases, today)
        print(f"loaded {args.cases:,} cases in {time.perf_counter() - t0:.1f} s (COPY, VACUUM ANALYZE)", flush=True)
    agency_id = leader.organization_id
    period = Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    params = {"agency": agency_id, "start": period.start, "end": period.end, "today": today}
    results["board_cases"] = Case.objects.filter(agency_id=agency_id).count()
    results["board_live"] = Case.objects.filter(agency_id=agency_id, status__in=OPEN_STATUSES).count()
    results["numbering"] = time_numbering(leader, agency_id, today, args.requests, args.budget)
    cases = figures.board_cases(leader, Selection.from_query(leader, {}))  # the leader's agency, as the page
    service = lambda: figures.board(cases, period, today)  # noqa: E731
    results["board_mismatches"] = differences(comparable(service()), board_by_sql(params))
    results["board_figures"] = service()

    client = Client()
    client.force_login(leader)
    problem = projects.try_page(client, BOARD_URL)
    print(f"board page: {'renders' if problem is None else 'cannot render yet: ' + problem}", flush=True)
    calls: dict[str, Callable[[], Any]] = {"service": service, "limit": lambda: board_by_sql(params)}
    if problem is None:
        calls["page"] = projects.page_call(client, BOARD_URL)
    print("timing the board: " + ", ".join(calls) + " interleaved …", flush=True)
    results["board"] = {"as configured": time_calls(calls, args.requests, args.budget)}
    if problem is not None:  # the template may have been written meanwhile
        problem = projects.try_page(client, BOARD_URL)
        if problem is None:
            print("board page renders now: timing it with the service and the limit …", flush=True)
            calls["page"] = projects.page_call(client, BOARD_URL)
            results["board"]["as configured"] = time_calls(calls, args.requests, args.budget)
    results["board_page_problem"] = problem
    if args.explain:
        from django.db import connection

        results["plans"] = []
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + LIMIT_SQL, params)
            results["plans"].append(("the SQL limit", [line for (line,) in cursor.fetchall()]))


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = list_api.configure_environment(DEFAULT_URL, "GONGWU_BENCH_ALERTS_DATABASE_URL")
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
    from django.utils import timezone

    today = timezone.localdate()
    results: dict[str, Any] = {"load_start": load_start}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if not args.skip_scan:
            run_scan(args, today, results)
        if not args.skip_board:
            run_board(args, today, results)
    finally:
        connection.close()
        if not args.keep_db:
            list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(results)


def print_numbering(numbering: dict[str, Any]) -> None:
    timings = numbering["timings"]
    print(
        "  case numbers for this agency (each new case pays one), ms per call, interleaved, rolled back;"
        f" counters initialised from the cases in {numbering['initialise_ms']:.0f} ms:"
    )
    for key, label in (
        ("counter", "counter: services.reserve_numbers()"),
        ("read and sort", "before: the year's numbers read and sorted"),
        ("open_case", "a whole new case: services.open_case()"),
    ):
        t = timings[key]
        print(
            f"    {label:<42} {t['median']:8.2f} {t['p95']:8.2f} {list_api.min_max(t, digits=2)} {t['sql']:8.2f}"
            f" {t['queries']:>3} {t['n']:>4}"
        )
    ratio = timings["read and sort"]["median"] / timings["counter"]["median"]
    print(f"    read and sort / counter (medians) = {ratio:.1f}")


def report(results: dict[str, Any]) -> None:
    print()
    if "scan_inputs" in results:
        inputs = results["scan_inputs"]
        rows = sum(inputs.values())
        print("THE DAILY SCAN (services.scan, the four project rules, PostgreSQL, in-process)")
        print("  input: " + ", ".join(f"{n:,} {k}" for k, n in inputs.items()) + f" = {rows:,} rows")
        for key, label in (("scan1", "first scan (opens the cases)"), ("scan2", "second scan (same day, same data)")):
            if key not in results:
                continue
            s = results[key]
            r = s["report"]
            print(
                f"  {label:<36} {s['seconds']:7.1f} s  opened {r.opened:,} raised {r.raised:,} cleared {r.cleared:,}"
                f" matches {r.examined:,}; {s['queries']:,} queries, {s['sql']:.1f} s in SQL;"
                f" {rows / s['seconds']:,.0f} input rows/s, {r.examined / s['seconds']:,.0f} matches/s"
            )
        for key in ("scan1",):
            if key in results:
                first = results[key]["seconds"]
                print(f"  {key}: first scan {first:.1f} s (goal < 60 s: {'meets' if first < 60 else 'MISSES'})")
        if "scan_cases" in results:
            print(f"  cases by rule: {results['scan_cases']['by_rule']}")
            print(f"  cases by level: {results['scan_cases']['by_level']}")
        for key in ("scan1", "scan2"):
            if key not in results:
                continue
            print(f"  where the time goes, {key} (queries by shape: count, total s):")
            for shape, count, seconds in results[key]["top"]:
                print(f"    {count:>8,} {seconds:8.2f}  {shape[:140]}")
        print()
    if "board" in results:
        print(
            f"THE LEADER'S BOARD over {results['board_cases']:,} cases of one agency ({results['board_live']:,} live),"
            " current year; ms per call, interleaved"
        )
        print(f"  {'measurement':<44} {'p50':>8} {'p95':>8} {'min–max':>17} {'sql':>8} {'q':>3} {'n':>4}")
        for config, timings in results["board"].items():
            for key, label in (
                ("page", "page /alerts/board/ (leader)"),
                ("service", "figures.board()"),
                ("limit", "SQL limit (one statement)"),
            ):
                t = timings.get(key)
                if t is None:
                    print(f"  {label + ' [' + config + ']':<44} {'n/a':>8}  {results['board_page_problem'] or ''}")
                    continue
                print(
                    f"  {label + ' [' + config + ']':<44} {t['median']:8.1f} {t['p95']:8.1f} {list_api.min_max(t)}"
                    f" {t['sql']:8.1f} {t['queries']:>3} {t['n']:>4}"
                )
            limit = timings["limit"]["median"]
            for key in ("page", "service"):
                if key in timings:
                    ratio = timings[key]["median"] / limit
                    print(
                        f"  [{config}] board {key} / SQL limit (medians) = {ratio:.2f}  (goal <= 2: {'meets' if ratio <= 2 else 'MISSES'})"
                    )
        f = results["board_figures"]
        print(
            f"  figures: opened {f['opened']:,}, closed {f['closed']:,} ({f['closure_rate']} %), on time {f['closed_on_time']:,},"
            f" closed in period {f['closed_in_period']:,} avg {f['average_days_to_close']} days, open {f['open']:,},"
            f" overdue {f['overdue']:,}, subjects {f['subjects']}"
        )
        if results["board_mismatches"]:
            print(f"  FIGURES DIFFER between the service and the SQL limit ({len(results['board_mismatches'])}):")
            for d in results["board_mismatches"]:
                print(f"    {d}")
        else:
            print("  figures: the service and the SQL limit agree on every count")
        print_numbering(results["numbering"])
        timings = results["board"]["as configured"]
        print("  queries of one figures.board() call (count, total ms):")
        for shape, count, seconds in timings["service"]["top"]:
            print(f"    {count:>3} {seconds * 1000:8.1f}  {shape[:140]}")
        for label, plan in results.get("plans", []):
            print(f"  EXPLAIN ANALYZE {label}:")
            for line in plan:
                print(f"    {line}")
    print(
        f"load average (1/5/15 min) at the start: {' '.join(f'{x:.2f}' for x in results['load_start'])}, at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
