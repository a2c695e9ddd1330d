"""Candidate changes to `gongwu.alerts.services.board`, timed by bench/alerts.py --experiments.

Nothing in gongwu/ is edited. `board_v2` is `services.board` with three changes, each measured:

1. the period's totals, the average time to close and the live totals in ONE aggregate over the cases
   (`Count(..., filter=...)`, and `Sum(F("closed_on") - F("opened_on"))` instead of loading every case
   closed in the period into Python to average its days);
2. the top subjects sliced in the database (`[:20]` on the queryset, before `list`), not after fetching
   every live subject's group;
3. unchanged otherwise (same keys, same shapes, same figures: checked against the service).

Indexes are tried by SQL in the scratch database and dropped afterwards.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

INDEXES = {
    "bench_case_agency_closed": "CREATE INDEX bench_case_agency_closed ON alerts_case (agency_id, closed_on)",
    "bench_case_live": (
        "CREATE INDEX bench_case_live ON alerts_case (agency_id) INCLUDE (level, source, kind, department_id,"
        " responsible_org_id, deadline, subject_type_id, subject_id)"
        " WHERE status IN ('open', 'assigned', 'in_progress', 'submitted')"
    ),
}


def board_v2(cases, period, today=None) -> dict[str, Any]:
    from django.db.models import Count, F, Q, Sum
    from django.utils import timezone

    from gongwu.alerts import services
    from gongwu.alerts.models import DONE_STATUSES, OPEN_STATUSES, Kind

    today = today or timezone.localdate()
    in_period = Q(opened_on__gte=period.start, opened_on__lte=period.end)
    closed_in_period = Q(closed_on__gte=period.start, closed_on__lte=period.end)
    live_q = Q(status__in=OPEN_STATUSES)
    overdue_q = Q(status__in=OPEN_STATUSES, deadline__lt=today)
    done = Q(status__in=DONE_STATUSES)
    totals = cases.aggregate(
        opened=Count("pk", filter=in_period),
        closed=Count("pk", filter=in_period & done),
        closed_on_time=Count(
            "pk", filter=in_period & done & (Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline")))
        ),
        closed_in_period=Count("pk", filter=closed_in_period),
        time_to_close=Sum(F("closed_on") - F("opened_on"), filter=closed_in_period),
        open=Count("pk", filter=live_q),
        overdue=Count("pk", filter=overdue_q),
    )
    n_closed = totals["closed_in_period"]
    average = (Decimal(totals["time_to_close"].days) / n_closed).quantize(Decimal("0.1")) if n_closed else None
    opened = cases.filter(in_period)
    live = cases.filter(live_q)

    def grouped(queryset, field):
        return (
            queryset.values(field)
            .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue_q))
            .order_by("-overdue", "-n")
        )

    return {
        "period": period,
        "opened": totals["opened"],
        "closed": totals["closed"],
        "closed_on_time": totals["closed_on_time"],
        "closure_rate": services.rate(totals["closed"], totals["opened"]),
        "average_days_to_close": average,
        "closed_in_period": n_closed,
        "open": totals["open"],
        "overdue": totals["overdue"],
        "by_level": list(grouped(live, "level")),
        "by_source": list(grouped(live, "source")),
        "by_kind": list(grouped(live, "kind")),
        "by_department": list(grouped(live, "department__name")),
        "by_responsible": list(grouped(live, "responsible_org__name")),
        "by_subject": list(grouped(live.exclude(subject_label=""), "subject_label")[:20]),
        "opened_by_source": list(
            opened.values("source").annotate(n=Count("pk"), closed=Count("pk", filter=done)).order_by("-n")
        ),
        "subjects": {
            "supervision": live.filter(kind=Kind.SUPERVISION).values("subject_type", "subject_id").distinct().count(),
            "attention": live.filter(kind=Kind.ATTENTION)
            .exclude(subject_id__in=live.filter(kind=Kind.SUPERVISION).values("subject_id"))
            .values("subject_type", "subject_id")
            .distinct()
            .count(),
        },
    }


def board_v3(cases, period, today=None) -> dict[str, Any]:
    """Two queries: the period's figures and "opened by source" in one aggregate grouped by source (as the limit),
    and the live cases' few columns in one fetch, grouped in Python (a few tens of thousands of rows at most)."""
    from collections import Counter

    from django.db.models import Count, F, Q, Sum
    from django.utils import timezone

    from gongwu.alerts import services
    from gongwu.alerts.models import DONE_STATUSES, OPEN_STATUSES, Kind

    today = today or timezone.localdate()
    in_period = Q(opened_on__gte=period.start, opened_on__lte=period.end)
    closed_in_period = Q(closed_on__gte=period.start, closed_on__lte=period.end)
    done = Q(status__in=DONE_STATUSES)
    per_source = list(
        cases.order_by()
        .values("source")
        .annotate(
            opened=Count("pk", filter=in_period),
            closed=Count("pk", filter=in_period & done),
            closed_on_time=Count(
                "pk", filter=in_period & done & (Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline")))
            ),
            closed_in_period=Count("pk", filter=closed_in_period),
            time_to_close=Sum(F("closed_on") - F("opened_on"), filter=closed_in_period),
        )
    )
    total = lambda key: sum(r[key] for r in per_source)  # noqa: E731
    n_closed = total("closed_in_period")
    days = sum(r["time_to_close"].days for r in per_source if r["time_to_close"] is not None)
    fields = ("level", "source", "kind", "department__name", "responsible_org__name", "subject_label")
    live = list(
        cases.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list(*fields, "subject_type_id", "subject_id", "deadline")
    )
    counts = {f: Counter() for f in fields}
    overdue = {f: Counter() for f in fields}
    supervised, attention = set(), []
    n_overdue = 0
    for row in live:
        late = row[8] is not None and row[8] < today
        n_overdue += late
        for i, field in enumerate(fields):
            counts[field][row[i]] += 1
            overdue[field][row[i]] += late
        if row[2] == Kind.SUPERVISION:
            supervised.add((row[6], row[7]))
        elif row[2] == Kind.ATTENTION:
            attention.append((row[6], row[7]))
    supervised_ids = {subject_id for _type, subject_id in supervised}

    def grouped(field: str, top: int | None = None) -> list[dict[str, Any]]:
        keys = [k for k in counts[field] if field != "subject_label" or k != ""]
        keys.sort(key=lambda k: (-overdue[field][k], -counts[field][k]))
        return [{field: k, "n": counts[field][k], "overdue": overdue[field][k]} for k in keys[:top]]

    return {
        "period": period,
        "opened": total("opened"),
        "closed": total("closed"),
        "closed_on_time": total("closed_on_time"),
        "closure_rate": services.rate(total("closed"), total("opened")),
        "average_days_to_close": (Decimal(days) / n_closed).quantize(Decimal("0.1")) if n_closed else None,
        "closed_in_period": n_closed,
        "open": len(live),
        "overdue": n_overdue,
        "by_level": grouped("level"),
        "by_source": grouped("source"),
        "by_kind": grouped("kind"),
        "by_department": grouped("department__name"),
        "by_responsible": grouped("responsible_org__name"),
        "by_subject": grouped("subject_label", 20),
        "opened_by_source": sorted(
            ({"source": r["source"], "n": r["opened"], "closed": r["closed"]} for r in per_source if r["opened"]),
            key=lambda r: -r["n"],
        ),
        "subjects": {
            "supervision": len(supervised),
            "attention": len({s for s in attention if s[1] not in supervised_ids}),
        },
    }


def line(label: str, t: dict[str, Any], limit: float) -> str:
    return (
        f"{label:<52} p50 {t['median']:8.1f}  p95 {t['p95']:8.1f}  sql {t['sql']:8.1f}  q {t['queries']:>2}"
        f"  n {t['n']:>3}  ÷ limit {t['median'] / limit:5.2f}"
    )


def run(leader, period, today, params, args, time_calls, board_by_sql) -> dict[str, list[str]]:
    import alerts  # the bench module: comparable(), differences()
    from django.db import connection

    from gongwu.alerts import services
    from gongwu.alerts.models import Case

    out: dict[str, list[str]] = {}
    service = lambda: services.board(Case.objects.for_user(leader), period, today)  # noqa: E731
    v2 = lambda: board_v2(Case.objects.for_user(leader), period, today)  # noqa: E731
    limit = lambda: board_by_sql(params)  # noqa: E731
    v3 = lambda: board_v3(Case.objects.for_user(leader), period, today)  # noqa: E731
    reference = alerts.comparable(service())
    rows = []
    for name, call in (("board_v2", v2), ("board_v3", v3)):
        diff = alerts.differences(reference, alerts.comparable(call()))
        rows += [f"{name} gives the same figures as services.board: {diff or 'yes'}"]
    print("experiment: services.board vs board_v2 vs board_v3 vs the limit, interleaved …", flush=True)
    t = time_calls({"service": service, "v2": v2, "v3": v3, "limit": limit}, args.requests, args.budget)
    rows += [line("services.board() as is", t["service"], t["limit"]["median"])]
    rows += [line("board_v2 (one aggregate, SUM of days, top 20 in SQL)", t["v2"], t["limit"]["median"])]
    rows += [line("board_v3 (2 queries; live cases grouped in Python)", t["v3"], t["limit"]["median"])]
    rows += [line("SQL limit", t["limit"], t["limit"]["median"])]
    for name in ("v2", "v3"):
        rows += [f"board_{name} queries (count, total ms):"]
        rows += [f"  {c:>3} {s * 1000:8.1f}  {shape[:130]}" for shape, c, s in t[name]["top"]]
    out["board_v2 and board_v3 (second functions; services.board untouched)"] = rows
    for name, ddl in INDEXES.items():
        with connection.cursor() as cursor:
            cursor.execute(ddl)
            cursor.execute("ANALYZE alerts_case")
        print(f"experiment: index {name} …", flush=True)
        t = time_calls({"v2": v2, "v3": v3, "limit": limit}, args.requests, args.budget)
        out[f"with index {ddl}"] = [
            line("board_v2", t["v2"], t["limit"]["median"]),
            line("board_v3", t["v3"], t["limit"]["median"]),
            line("SQL limit", t["limit"], t["limit"]["median"]),
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {name}")
            cursor.execute("ANALYZE alerts_case")
    return out
