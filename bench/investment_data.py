"""Data for bench/investment.py: three years of investment plans, schedules, actuals, adjustments and payments.

Deterministic (one seeded `random.Random`). For every project of each agency and each of the three years:
- an annual plan (funding source, plan category, amount below the project's approved investment, funds
  available for 85 % of them) whose `adjusted_amount` is its amount plus its approved increases minus its
  approved decreases, as `services.decide_adjustment` keeps it;
- a monthly schedule of 12 cumulative shares (an agency template with a per-plan jitter, ending at 100);
- one monthly actual per month up to the latest due month (`latest`): the scheduled monthly amount times the
  project's pace (most on schedule, about 1 in 9 behind, 1 in 25 seriously behind, a few ahead); every month
  before the latest is confirmed (a handful of returned or draft reports stay in earlier months of this year),
  the latest month is only partly reported: 55 % confirmed, 25 % submitted, 5 % returned, 5 % draft, 10 % not
  reported;
- payments to companies (预付款 early in the year, 进度款, 结算款, 质保金 late), about 80 % of the actual;
- plan adjustments (调增 70 %, 调减 30 %; 80 % approved, 10 % pending, 10 % rejected), decided within the year.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

FEN = Decimal("0.01")
TEMPLATE = (3, 6, 10, 17, 26, 45, 54, 63, 72, 82, 91, 100)  # cumulative %, the agency's standard schedule
FUNDING = (("city_fiscal", 45), ("district_fiscal", 25), ("special_bond", 20), ("other", 10))
PLAN_CATEGORIES = (("continuing", 55), ("new_start", 30), ("unplanned", 10), ("reserve", 5))
# (pace, weight): the project's actual as a share of its schedule.
PACE = ((0.97, 0.08, 76), (1.10, 0.05, 9), (0.84, 0.03, 11), (0.62, 0.08, 4))
LATEST_STATUS = (("confirmed", 55), ("submitted", 25), ("returned", 5), ("draft", 5), (None, 10))

PLAN_COLUMNS = (
    "id, project_id, year, plan_category, funding_source, amount, adjusted_amount, funds_available, over_approved,"
    " note, created, updated"
)
SCHEDULE_COLUMNS = "plan_id, month, share"
ACTUAL_COLUMNS = (
    "project_id, plan_id, month, amount, over_approved, note, status, submitted_by_id, submitted_at,"
    " reviewed_by_id, reviewed_at, return_reason, void_reason"
)
ADJUSTMENT_COLUMNS = (
    "plan_id, direction, amount, reason, requested_on, document_number, status, decided_on, decided_by_id"
)
PAYMENT_COLUMNS = "project_id, paid_on, amount, kind, payee_id, contract_number, voucher_number, over_approved, note"


@dataclass
class Agency:
    id: int
    projects: list[tuple[int, Decimal]]  # (project id, approved investment)
    payments: int
    adjustments: int
    reporter: int  # the user who submits (a project director)
    reviewer: int  # the user who confirms (planning department staff)


def _pick(rng: random.Random, table: tuple) -> str:
    return rng.choices([row[0] for row in table], weights=[row[-1] for row in table])[0]


def _shares(rng: random.Random) -> list[Decimal]:
    shares, previous = [], Decimal(0)
    for month, base in enumerate(TEMPLATE, start=1):
        value = Decimal(100) if month == 12 else Decimal(str(max(0.0, base + rng.uniform(-2.5, 2.5)))).quantize(FEN)
        value = max(value, previous)
        shares.append(value)
        previous = value
    return shares


def _money(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.0), 2))).quantize(FEN)


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)


def generate(
    agencies: list[Agency],
    years: list[int],
    latest: datetime.date,
    today: datetime.date,
    companies: list[int],
    seed: int = 5,
) -> Iterator[tuple[str, tuple]]:
    """Yield (table, row) for plans, schedule months, actuals, adjustments and payments; plan ids from 1."""
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    plan_id = 0
    for agency in agencies:
        plans: list[tuple[int, int, int, Decimal, float]] = []  # (plan id, project, year, amount, actual share)
        for project, approved in agency.projects:
            mean, spread, _w = rng.choices(PACE, weights=[p[2] for p in PACE])[0]
            plan_category = _pick(rng, PLAN_CATEGORIES)
            funding = _pick(rng, FUNDING)
            for year in years:
                plan_id += 1
                amount = min(_money(rng.lognormvariate(16.9, 0.9)), (approved * Decimal("0.6")).quantize(FEN))
                amount = max(amount, Decimal("100000.00"))
                plans.append((plan_id, project, year, amount, 0.0))
                funds = _money(float(amount) * rng.uniform(0.7, 1.0)) if rng.random() < 0.85 else None
                shares = _shares(rng)
                yield (
                    "plan",
                    (plan_id, project, year, plan_category, funding, amount, amount, funds, False, "", now, now),
                )
                for month, share in enumerate(shares, start=1):
                    yield ("schedule", (plan_id, month, share))
                pace = max(0.2, rng.gauss(mean, spread))
                previous_share = Decimal(0)
                actual_total = 0.0
                for month, share in enumerate(shares, start=1):
                    day = datetime.date(year, month, 1)
                    if day > latest:
                        break
                    monthly = float(amount * (share - previous_share) / 100) * pace * rng.uniform(0.85, 1.15)
                    previous_share = share
                    if day == latest:
                        status = _pick(rng, LATEST_STATUS)
                        if status is None:
                            continue
                    elif year == latest.year and rng.random() < 0.002:
                        status = rng.choice(("returned", "draft"))
                    else:
                        status = "confirmed"
                    value = _money(monthly)
                    actual_total += float(value)
                    submitted = status != "draft"
                    reviewed = status in ("confirmed", "returned")
                    report_day = min(day + datetime.timedelta(days=35), today)
                    yield (
                        "actual",
                        (
                            project,
                            plan_id,
                            day,
                            value,
                            False,
                            "",
                            status,
                            agency.reporter if submitted else None,
                            _at(report_day) if submitted else None,
                            agency.reviewer if reviewed else None,
                            _at(report_day) if reviewed else None,
                            "请补充形象进度照片" if status == "returned" else "",
                            "",  # none voided
                        ),
                    )
                plans[-1] = (plan_id, project, year, amount, actual_total)
        # Adjustments: the approved ones change the plan's adjusted amount (a plan row re-yielded as "adjusted").
        adjusted = {p[0]: p[3] for p in plans}
        for _n in range(agency.adjustments):
            pid, _project, year, _amount, _actual = rng.choice(plans)
            last_day = min(datetime.date(year, 12, 31), today)
            requested = datetime.date(year, 1, 1) + datetime.timedelta(
                days=rng.randint(0, (last_day - datetime.date(year, 1, 1)).days)
            )
            increase = rng.random() < 0.7
            amount = _money(float(adjusted[pid]) * rng.uniform(0.05, 0.3)) or Decimal("10000.00")
            status = _pick(rng, (("approved", 80), ("pending", 10), ("rejected", 10)))
            decided = (
                min(requested + datetime.timedelta(days=rng.randint(5, 30)), last_day) if status != "pending" else None
            )
            if status == "approved":
                adjusted[pid] += amount if increase else -amount
            yield (
                "adjustment",
                (
                    pid,
                    "increase" if increase else "decrease",
                    amount,
                    "根据项目实施进度调整年度投资计划" if increase else "征拆滞后，调减年度投资计划",
                    requested,
                    f"调〔{year}〕{pid % 997}号" if status != "pending" else "",
                    status,
                    decided,
                    agency.reviewer if decided else None,
                ),
            )
        for pid, amount in adjusted.items():
            yield ("adjusted", (pid, amount))
        # Payments: about 80 % of each plan's actual, spread over its year up to today.
        for _n in range(agency.payments):
            pid, project, year, _amount, actual = rng.choice(plans)
            last_day = min(datetime.date(year, 12, 31), today)
            span = (last_day - datetime.date(year, 1, 1)).days
            paid_on = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, span))
            share_of_year = paid_on.timetuple().tm_yday / 366
            kind = (
                "advance"
                if share_of_year < 0.15 and rng.random() < 0.6
                else "retention"
                if share_of_year > 0.85 and rng.random() < 0.2
                else "settlement"
                if share_of_year > 0.7 and rng.random() < 0.3
                else "progress"
            )
            value = _money(max(1000.0, 0.8 * actual * len(plans) / agency.payments * rng.uniform(0.3, 1.7)))
            yield (
                "payment",
                (
                    project,
                    paid_on,
                    value,
                    kind,
                    rng.choice(companies),
                    f"HT-{project}-{year}",
                    f"PZ{rng.randrange(10**8):08d}",
                    False,
                    "",
                ),
            )
