"""Benchmark: the contract ledger (合同台账) and the contract figures on PostgreSQL.

Prints figures, not pass/fail. See bench/README.md ("Contracts"). In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench_contracts`) and migrates it.
2. Makes the measured agency (2,000 projects) and a second agency, companies of every kind, and loads by COPY
   contracts with their changes, claims and payments (`bench/contracts_data.py`) in steps, so that the measured
   agency holds 1,000, then 10,000, then 100,000 contracts (about 10 claims and payments a contract: a million
   rows at the last step); `VACUUM ANALYZE` after each step.
3. At each step times, interleaved, the ledger pages a staff user of the agency opens: the first page, a
   filtered page (施工 contracts in performance) and a sorted one (by contract price, largest first).
4. At the last step checks that the figures page's figures (`/figures/?of=contracts&of=tenders`, the registered
   figures of the contracts app for the agency and the year) equal one hand-written SQL statement's (the limit),
   and times the page, the figures alone (the registry's computations, no template) and the limit, interleaved.
5. Drops the database unless `--keep-db`.

Goals (from the issue): the ledger flat within 1.5 x from 1k to 100k contracts; the figures within 2 x the
SQL limit.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alerts  # same directory: the query recorder and the interleaved timing loop
import contracts_data
import list_api
import projects_data

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench_contracts"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="the agency's contracts at each step")
    parser.add_argument("--projects", type=int, default=2_000, help="projects of the measured agency")
    parser.add_argument("--others", type=int, default=5_000, help="contracts of the second agency")
    parser.add_argument("--companies", type=int, default=1_200, help="companies of every kind")
    parser.add_argument("--requests", type=int, default=15, help="interleaved rounds (at least 9 unless budget)")
    parser.add_argument("--budget", type=float, default=60, help="seconds of timing per step before stopping")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    return parser.parse_args()


# --- data ---------------------------------------------------------------------------------------------


def copy_rows(table: str, columns: str, rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def make_agencies(args: argparse.Namespace, today: datetime.date) -> tuple[Any, list[contracts_data.Agency]]:
    """Two agencies with projects (by COPY), the staff user of the first; companies of every kind."""
    from django.db import transaction

    from gongwu.core.models import Organization, User

    agencies, user, project_rows = [], None, []
    specs = []
    for index, size in enumerate((args.projects, max(args.projects // 4, 10))):
        district = projects_data.DISTRICTS[index]
        agency = Organization.objects.create(name=f"{district}区建筑工务署", kind="agency", short_name=district)
        department = Organization.objects.create(name=f"{district}工程部", kind="department", parent=agency)
        director = User.objects.create(username=f"director{index}", organization=agency, role="director")
        staff = User.objects.create_user(username=f"bench{index}" if index else "bench", password="bench-not-secret")  # noqa: S106
        staff.organization, staff.role = agency, "staff"
        staff.save()
        user = user or staff
        specs.append(projects_data.Agency(agency.pk, size, district, [department.pk], [director.pk]))
    for table, row in projects_data.generate(specs, {"立项": 0, "施工许可证": 0, "竣工验收": 0, "可研批复": 0}, today):
        if table == "project":
            project_rows.append(row)
    by_agency: dict[int, list[int]] = defaultdict(list)
    for row in project_rows:
        by_agency[row[1]].append(row[0])
    with transaction.atomic():
        copy_rows("projects_project", projects_data.PROJECT_COLUMNS, project_rows)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('projects_project', 'id'), max(id)) FROM projects_project"
            )
    for spec in specs:
        agencies.append(contracts_data.Agency(spec.id, spec.district, by_agency[spec.id]))
    list_api.add_companies(0, args.companies)
    return user, agencies


def companies_by_kind() -> dict[str, list[int]]:
    from gongwu.core.models import Organization

    found: dict[str, list[int]] = defaultdict(list)
    for pk, kind in Organization.objects.filter(credit_code__startswith="9111").values_list("pk", "kind"):
        found[kind].append(pk)
    return found


TABLES = {
    "contract": ("contracts_contract", contracts_data.CONTRACT_COLUMNS),
    "change": ("contracts_change", contracts_data.CHANGE_COLUMNS),
    "claim": ("contracts_claim", contracts_data.CLAIM_COLUMNS),
    "payment": ("investment_payment", contracts_data.PAYMENT_COLUMNS),
}


def load_contracts(
    agency: contracts_data.Agency, count: int, companies: dict[str, list[int]], today: datetime.date, ids: dict
) -> dict[str, int]:
    from django.db import connection, transaction

    rows: dict[str, list[tuple]] = defaultdict(list)
    for table, row in contracts_data.generate(agency, count, companies, today, ids["contract"], ids["claim"]):
        rows[table].append(row)
    ids["contract"] += count
    ids["claim"] += len(rows["claim"])
    with transaction.atomic():
        for key, (table, columns) in TABLES.items():
            copy_rows(table, columns, rows[key])
        with connection.cursor() as cursor:
            for table in ("contracts_contract", "contracts_claim"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        for table, _columns in TABLES.values():
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {key: len(value) for key, value in rows.items()}


def table_sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        sizes = {}
        for key, (table, _c) in TABLES.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            sizes[key] = cursor.fetchone()[0]
    return sizes


# --- timing ---------------------------------------------------------------------------------------------


def page(client: Any, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return call


def ledger_urls() -> dict[str, str]:
    from django.urls import reverse

    base = reverse("contracts:contract_list")
    return {
        "ledger first page": base,
        "ledger filtered (施工, performing)": f"{base}?kind=works&status=performing",
        "ledger sorted (price, largest first)": f"{base}?sort=-amount",
    }


def D(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- the figures page and its limit ---------------------------------------------------------------------

# Every figure of the contracts app for one agency, the year and the year before (for the compared ones), in ONE
# statement: the agency's contracts read once (signed, in force, over the audit line, paid over approved claims),
# its approved changes and claims once through their contract, countersign rounds, cost reviews through the
# project, and the backlog from each completed project's completion day.
LIMIT_SQL = """
WITH c AS (
  SELECT * FROM contracts_contract WHERE agency_id = %(agency)s),
contract_figures AS (
  SELECT
    count(*) FILTER (WHERE live AND signed AND signed_on BETWEEN %(start)s AND %(end)s) AS signed,
    coalesce(sum(amount) FILTER (WHERE live AND signed AND signed_on BETWEEN %(start)s AND %(end)s), 0) AS signed_amount,
    count(*) FILTER (WHERE live AND signed AND signed_on BETWEEN %(pstart)s AND %(pend)s) AS p_signed,
    coalesce(sum(amount) FILTER (WHERE live AND signed AND signed_on BETWEEN %(pstart)s AND %(pend)s), 0)
      AS p_signed_amount,
    count(*) FILTER (WHERE live AND status IN ('signed', 'performing', 'completed', 'settled')
                     AND signed_on <= %(end)s AND (settled_on IS NULL OR settled_on >= %(end)s)) AS in_force,
    count(*) FILTER (WHERE live AND amount > 0
                     AND (changes_amount >= amount * 10 / 100 OR changes_amount <= -(amount * 10 / 100))) AS over_line,
    coalesce(sum(paid_amount) FILTER (WHERE live), 0) AS paid,
    coalesce(sum(claimed_amount) FILTER (WHERE live), 0) AS claimed
  FROM (SELECT *, voided_at IS NULL AS live,
               status IN ('signed', 'performing', 'completed', 'settled', 'closed') AS signed FROM c) cc),
change_figures AS (
  SELECT count(*) FILTER (WHERE ch.approved_on BETWEEN %(start)s AND %(end)s) AS n,
         coalesce(sum(ch.amount) FILTER (WHERE ch.approved_on BETWEEN %(start)s AND %(end)s), 0) AS amount,
         count(*) FILTER (WHERE ch.approved_on BETWEEN %(pstart)s AND %(pend)s) AS p_n,
         coalesce(sum(ch.amount) FILTER (WHERE ch.approved_on BETWEEN %(pstart)s AND %(pend)s), 0) AS p_amount
  FROM contracts_change ch JOIN c ON c.id = ch.contract_id
  WHERE ch.status = 'approved' AND ch.voided_at IS NULL AND ch.approved_on BETWEEN %(pstart)s AND %(end)s),
claim_figures AS (
  SELECT coalesce(sum(cl.approved_amount) FILTER (WHERE cl.approved_on BETWEEN %(start)s AND %(end)s), 0) AS amount,
         coalesce(sum(cl.approved_amount) FILTER (WHERE cl.approved_on BETWEEN %(pstart)s AND %(pend)s), 0) AS p_amount
  FROM contracts_claim cl JOIN c ON c.id = cl.contract_id
  WHERE cl.status = 'approved' AND cl.voided_at IS NULL AND cl.approved_on BETWEEN %(pstart)s AND %(end)s),
round_figures AS (
  SELECT count(*) FILTER (WHERE r.finished_at >= %(from_moment)s AND r.finished_at < %(to_moment)s) AS n,
         round((avg(extract(epoch FROM r.finished_at - r.started_at))
                FILTER (WHERE r.finished_at >= %(from_moment)s AND r.finished_at < %(to_moment)s) / 86400)::numeric, 1)
           AS days,
         count(*) FILTER (WHERE r.finished_at >= %(pfrom_moment)s AND r.finished_at < %(pto_moment)s) AS p_n,
         round((avg(extract(epoch FROM r.finished_at - r.started_at))
                FILTER (WHERE r.finished_at >= %(pfrom_moment)s AND r.finished_at < %(pto_moment)s) / 86400)::numeric, 1)
           AS p_days
  FROM contracts_countersign r JOIN c ON c.id = r.contract_id
  WHERE c.voided_at IS NULL AND r.status = 'approved'),
review_figures AS (
  SELECT rv.kind, rv.approved_on BETWEEN %(start)s AND %(end)s AS this_year, count(*) AS n,
         sum(rv.submitted_amount) AS submitted, sum(rv.approved_amount) AS approved
  FROM contracts_review rv JOIN projects_project p ON p.id = rv.project_id
  WHERE p.agency_id = %(agency)s AND rv.status = 'approved' AND rv.voided_at IS NULL
    AND rv.approved_on BETWEEN %(pstart)s AND %(end)s
  GROUP BY 1, 2),
completed AS (
  SELECT p.id, coalesce(
      p.completed_on,
      (SELECT a.actual_date FROM projects_approval a JOIN projects_approvalkind k ON k.id = a.kind_id
       WHERE a.project_id = p.id AND k.role = 'completion_acceptance' AND a.actual_date IS NOT NULL LIMIT 1),
      (SELECT s.entered_on FROM projects_stagechange s
       WHERE s.project_id = p.id AND s.stage IN ('completed', 'settlement', 'final_accounts', 'handover', 'warranty')
       ORDER BY s.entered_on, s.id LIMIT 1)) AS day
  FROM projects_project p WHERE p.agency_id = %(agency)s),
backlog AS (
  SELECT
    count(*) FILTER (WHERE day < %(day)s::date - coalesce(st.settlement_due_days, 180) AND NOT EXISTS (
      SELECT 1 FROM contracts_review rv WHERE rv.project_id = completed.id AND rv.kind = 'settlement'
        AND rv.status = 'approved' AND rv.voided_at IS NULL AND rv.approved_on <= %(day)s)) AS settlement,
    count(*) FILTER (WHERE day < %(day)s::date - coalesce(st.final_accounts_due_days, 365) AND NOT EXISTS (
      SELECT 1 FROM contracts_review rv WHERE rv.project_id = completed.id AND rv.kind = 'final'
        AND rv.status = 'approved' AND rv.voided_at IS NULL AND rv.approved_on <= %(day)s)) AS final
  FROM completed LEFT JOIN contracts_contractsettings st ON st.agency_id = %(agency)s
  WHERE day IS NOT NULL)
SELECT row_to_json(cf), row_to_json(chf), row_to_json(clf), row_to_json(rf), row_to_json(b),
       (SELECT json_agg(row_to_json(rv)) FROM review_figures rv)
FROM contract_figures cf, change_figures chf, claim_figures clf, round_figures rf, backlog b
"""


def cut_rate(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding="ROUND_DOWN")


def limit_params(agency_id: int, year: int, today: datetime.date) -> dict[str, Any]:
    from django.utils import timezone

    def moment(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    pstart, pend = datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)
    return {
        "agency": agency_id,
        "start": start,
        "end": end,
        "pstart": pstart,
        "pend": pend,
        "day": min(end, today),
        "from_moment": moment(start),
        "to_moment": moment(end + datetime.timedelta(days=1)),
        "pfrom_moment": moment(pstart),
        "pto_moment": moment(pend + datetime.timedelta(days=1)),
    }


def figures_by_sql(params: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{figure key: (value, the value a year earlier or None)} from the limit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL, params)
        cf, chf, clf, rf, backlog, reviews = cursor.fetchone()
    if isinstance(cf, str):  # psycopg returns json as Python objects; be safe with text
        import json

        cf, chf, clf, rf, backlog = (json.loads(x) for x in (cf, chf, clf, rf, backlog))
    by = {(r["kind"], r["this_year"]): r for r in (reviews or [])}

    def review(kind: str, this: bool) -> tuple[int, Decimal, Decimal]:
        row = by.get((kind, this))
        return (row["n"], D(row["submitted"]), D(row["approved"])) if row else (0, D(0), D(0))

    found: dict[str, tuple[Any, Any]] = {
        "contracts.signed": (cf["signed"], cf["p_signed"]),
        "contracts.signed_amount": (D(cf["signed_amount"]), D(cf["p_signed_amount"])),
        "contracts.in_force": (cf["in_force"], None),
        "contracts.changes_over_audit_line": (cf["over_line"], None),
        "contracts.payment_rate": (cut_rate(D(cf["paid"]), D(cf["claimed"])), None),
        "contracts.changes_approved": (chf["n"], chf["p_n"]),
        "contracts.changes_approved_amount": (D(chf["amount"]), D(chf["p_amount"])),
        "contracts.claims_approved": (D(clf["amount"]), D(clf["p_amount"])),
        "contracts.countersigned": (rf["n"], rf["p_n"]),
        "contracts.countersign_days": (
            None if rf["days"] is None else Decimal(str(rf["days"])),
            None if rf["p_days"] is None else Decimal(str(rf["p_days"])),
        ),
        "contracts.settlement_backlog": (backlog["settlement"], None),
        "contracts.final_accounts_backlog": (backlog["final"], None),
    }
    for kind in ("budget", "settlement"):
        now, before = review(kind, True), review(kind, False)
        found[f"contracts.{kind}_reviews"] = (now[0], before[0])
        found[f"contracts.{kind}_reviews_submitted"] = (now[1], before[1])
        found[f"contracts.{kind}_reviews_approved"] = (now[2], before[2])
        found[f"contracts.{kind}_reviews_reduction"] = (now[1] - now[2], before[1] - before[2])
        found[f"contracts.{kind}_reviews_reduction_rate"] = (
            cut_rate(now[1] - now[2], now[1]),
            cut_rate(before[1] - before[2], before[1]),
        )
    both = [review(k, t) for k in ("budget", "settlement") for t in (True, False)]
    found["contracts.cost_reviews_approved"] = (both[0][2] + both[2][2], both[1][2] + both[3][2])
    final_now, final_before = review("final", True), review("final", False)
    found["contracts.final_accounts"] = (final_now[0], final_before[0])
    found["contracts.final_accounts_approved"] = (final_now[2], final_before[2])
    return found


def figures_by_registry(user: Any, agency_id: int, year: int) -> dict[str, tuple[Any, Any]]:
    """What the figures page shows for the contracts app: each registered figure with its year-earlier value."""
    from gongwu.core.figures import Selection, compute, registered_figures

    sel = Selection.from_query(user, {"year": str(year), "agency": str(agency_id)})
    found = {}
    for spec in registered_figures("contracts"):
        if spec.visible_to(user) and spec.supports(sel):
            figure = compute(spec.key, sel)
            found[spec.key] = (figure.value, figure.previous)
    return found


def comparable(value: Any) -> Any:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def time_figures(client: Any, user: Any, agency_id: int, year: int, args: argparse.Namespace) -> dict[str, Any]:
    from django.utils import timezone

    params = limit_params(agency_id, year, timezone.localdate())
    page_values = figures_by_registry(user, agency_id, year)
    limit_values = figures_by_sql(params)
    mismatches = []
    for key in sorted(set(page_values) | set(limit_values)):
        ours, theirs = page_values.get(key), limit_values.get(key)
        if ours is None or theirs is None or tuple(map(comparable, ours)) != tuple(map(comparable, theirs)):
            mismatches.append(f"{key}: page {ours}, limit {theirs}")
    url = f"/figures/?of=contracts&year={year}&agency={agency_id}"
    calls = {
        "page": page(client, url),
        "figures": lambda: figures_by_registry(user, agency_id, year),
        "limit": lambda: figures_by_sql(params),
    }
    print("timing the figures page, the figures alone and the limit, interleaved …", flush=True)
    timing = alerts.time_calls(calls, max(args.requests, 9), args.budget)
    return {"timing": timing, "values": page_values, "mismatches": mismatches, "url": url}


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = list_api.configure_environment(DEFAULT_URL, "GONGWU_BENCH_CONTRACTS_DATABASE_URL")
    name = list_api.database_name(url)
    load_start = os.getloadavg()
    print(f"database: {name}; load average {' '.join(f'{x:.2f}' for x in load_start)} on {os.cpu_count()} CPUs")
    list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    list_api.admin_sql(url, f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    today = timezone.localdate()
    results: dict[str, Any] = {"load_start": load_start, "steps": []}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        user, agencies = make_agencies(args, today)
        companies = companies_by_kind()
        ids = {"contract": 1, "claim": 1}
        load_contracts(agencies[1], args.others, companies, today, ids)
        client = Client()
        client.force_login(user)
        loaded = 0
        for size in sizes:
            t0 = time.perf_counter()
            load_contracts(agencies[0], size - loaded, companies, today, ids)
            loaded = size
            print(f"loaded the agency's contracts to {size:,} in {time.perf_counter() - t0:.1f} s", flush=True)
            calls = {label: page(client, path) for label, path in ledger_urls().items()}
            timing = alerts.time_calls(calls, max(args.requests, 9), args.budget)
            results["steps"].append({"size": size, "tables": table_sizes(), "timing": timing, "load": os.getloadavg()})
            print(f"  timed the ledger at {size:,}: load {os.getloadavg()[0]:.2f}", flush=True)
        year = today.year - 1
        results["year"] = year
        results["figures"] = time_figures(client, user, agencies[0].id, year, args)
    finally:
        connection.close()
        if not args.keep_db:
            list_api.admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(results)
    if results["figures"].get("mismatches"):
        sys.exit(1)


def report(results: dict[str, Any]) -> None:
    print()
    print("== the contract ledger (ms; p50 / p95, sql p50, queries) ==")
    labels = list(results["steps"][0]["timing"]) if results["steps"] else []
    print(f"{'contracts':>10} {'claims':>10} {'payments':>10}  " + "  ".join(f"{label:>38}" for label in labels))
    for step in results["steps"]:
        cells = []
        for label in labels:
            t = step["timing"][label]
            cells.append(f"{t['median']:8.1f} / {t['p95']:8.1f}  sql {t['sql']:6.1f}  q {t['queries']:3d}".rjust(38))
        tables = step["tables"]
        print(f"{step['size']:>10,} {tables['claim']:>10,} {tables['payment']:>10,}  " + "  ".join(cells))
    if len(results["steps"]) > 1:
        first, last = results["steps"][0], results["steps"][-1]
        print()
        print(f"goal: flat within 1.5 x from {first['size']:,} to {last['size']:,} contracts (p95 ratio)")
        for label in labels:
            ratio = last["timing"][label]["p95"] / first["timing"][label]["p95"]
            print(f"  {label:<40} {ratio:5.2f} x  {'met' if ratio <= 1.5 else 'NOT met'}")
    loads = ", ".join(f"{step['load'][0]:.2f}" for step in results["steps"])
    print(f"load average at each step: {loads}")
    figures = results.get("figures") or {}
    if figures:
        print()
        print(f"== the figures page for the agency and {results['year']} (ms) ==")
        for label, t in figures["timing"].items():
            print(
                f"  {label:<28} p50 {t['median']:8.1f}  p95 {t['p95']:8.1f}  sql {t['sql']:6.1f}  q {t['queries']:3d}"
            )
        limit = figures["timing"]["limit"]["median"]
        for label in ("page", "figures"):
            ratio = figures["timing"][label]["median"] / limit
            print(f"  {label} ÷ limit (p50): {ratio:.2f}  goal ≤ 2: {'met' if ratio <= 2 else 'NOT met'}")
        if figures.get("mismatches"):
            print("FIGURES DIFFER:")
            for line in figures["mismatches"]:
                print("  " + line)
        else:
            print(f"  the page's {len(figures['values'])} figures equal the limit's")


if __name__ == "__main__":
    main()
