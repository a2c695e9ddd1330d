"""Data for bench/contracts.py: contracts with their changes, claims and payments, loaded by COPY.

Deterministic (one seeded `random.Random`). Every contract is consistent with the platform's rules:
- its kind and contractor's kind agree (施工/EPC → contractor, 监理 → supervisor, 设计 → designer, …);
- signed ≤ start ≤ end; a completed contract has its completion date, a settled one its settlement date;
- its running totals are what the services keep: approved changes, approved claims, retention withheld,
  advance recovered and payments against it;
- claims are numbered 1.. per contract, monthly after signing, approved within the contract price with its
  changes; a payment pays an approved claim at most its payable amount (most are paid in full, some in part,
  the latest often not yet), dated after the claim's approval.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

FEN = Decimal("0.01")
HUNDRED = Decimal(100)

# (kind, company kind, weight %, log-normal mu of the amount in 元)
KINDS = (
    ("works", "contractor", 46, 17.6),
    ("epc", "contractor", 6, 18.6),
    ("supervision", "supervisor", 14, 14.6),
    ("design", "designer", 12, 15.2),
    ("survey", "surveyor", 5, 13.8),
    ("consulting", "consultant", 7, 15.0),
    ("goods", "supplier", 7, 14.9),
    ("services", "consultant", 3, 13.5),
)
# (status, weight %)
STATUSES = (("performing", 55), ("completed", 18), ("settled", 12), ("closed", 5), ("signed", 6), ("draft", 4))
CHANGE_KINDS = (("design", 45), ("site", 35), ("quantity", 15), ("price", 5))

CONTRACT_COLUMNS = (
    "id, agency_id, number, name, kind, project_id, contractor_id, amount, provisional_sum, advance_percent,"
    " retention_percent, payment_terms, signed_on, start_on, end_on, completed_on, settled_on, status, note,"
    " changes_amount, claimed_amount, retention_held, advance_recovered, paid_amount, created, void_reason"
)
CHANGE_COLUMNS = (
    "contract_id, number, kind, title, reason, amount, submitted_on, status, level_required, level_approved,"
    " cumulative_percent, needs_committee, committee_topic, flags_audit, approved_on, void_reason"
)
CLAIM_COLUMNS = (
    "id, contract_id, number, kind, period_end, claimed_amount, supervisor_amount, consultant_amount,"
    " approved_amount, retention_withheld, advance_recovered, status, submitted_on, approved_on,"
    " cumulative_percent, note, void_reason"
)
PAYMENT_COLUMNS = (
    "project_id, paid_on, amount, kind, payee_id, contract_number, voucher_number, over_approved, note,"
    " contract_id, claim_id"
)
CODES = {"works": "SG", "epc": "EPC", "supervision": "JL", "design": "SJ", "survey": "KC", "consulting": "ZX",
         "goods": "HW", "services": "FW"}  # fmt: skip


@dataclass
class Agency:
    id: int
    short: str
    projects: list[int]


def _pick(rng: random.Random, table: tuple) -> tuple:
    return rng.choices(table, weights=[row[-1] if len(row) == 2 else row[2] for row in table])[0]


def _money(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.0), 2))).quantize(FEN)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def generate(
    agency: Agency,
    count: int,
    companies: dict[str, list[int]],
    today: datetime.date,
    first_id: int,
    first_claim_id: int,
    seed: int = 13,
) -> Iterator[tuple[str, tuple]]:
    """Yield (table, row) for `count` contracts of `agency` with ids from `first_id`, their changes, claims
    (ids from `first_claim_id`) and payments; about 5 claims and 5 payments a contract."""
    rng = random.Random(seed * 1_000_003 + first_id)
    now = datetime.datetime.now(datetime.UTC)
    claim_id = first_claim_id - 1
    for contract_id in range(first_id, first_id + count):
        kind, company_kind, _w, mu = _pick(rng, KINDS)
        project = agency.projects[rng.randrange(len(agency.projects))]
        contractor = companies[company_kind][rng.randrange(len(companies[company_kind]))]
        amount = max(_money(rng.lognormvariate(mu, 0.8)), Decimal("50000.00"))
        signed = today - datetime.timedelta(days=rng.randint(20, 5 * 365))
        start = signed + datetime.timedelta(days=rng.randint(3, 40))
        end = start + datetime.timedelta(days=rng.randint(120, 1100))
        status = _pick(rng, STATUSES)[0]
        if status == "draft":
            signed_on = start_on = None
        else:
            signed_on, start_on = signed, start
        completed = (
            min(end, today - datetime.timedelta(days=1)) if status in ("completed", "settled", "closed") else None
        )
        settled = (
            completed + datetime.timedelta(days=rng.randint(30, 200)) if completed and status != "completed" else None
        )
        if settled and settled > today:
            settled = today
        advance = Decimal(rng.choice((0, 0, 10, 20))) if kind in ("works", "epc") else Decimal(0)
        retention = Decimal(3) if kind in ("works", "epc", "goods") else Decimal(0)
        changes_total = Decimal(0)
        change_rows = []
        if signed_on and rng.random() < 0.45:
            for n in range(1, rng.randint(1, 4) + 1):
                change_amount = _money(float(amount) * rng.uniform(-0.01, 0.05))
                day = min(start + datetime.timedelta(days=rng.randint(30, 600)), today)
                approved = rng.random() < 0.8
                if approved:
                    changes_total += change_amount
                cumulative = (changes_total * HUNDRED / amount).quantize(FEN) if approved else None
                change_rows.append(
                    (
                        contract_id, f"BG-{n:03d}", _pick(rng, CHANGE_KINDS)[0], f"变更{n}", "设计图纸调整",
                        change_amount, day, "approved" if approved else "submitted",
                        2, 2 if approved else None, cumulative, False, "", bool(cumulative and cumulative >= 10),
                        day + datetime.timedelta(days=rng.randint(3, 30)) if approved else None, "",
                    )
                )  # fmt: skip
        current = amount + changes_total
        claimed = retained = recovered = paid = Decimal(0)
        claim_rows, payment_rows = [], []
        if signed_on:
            periods = max(1, min(10, ((min(end, today) - start).days // 30)))
            share = rng.uniform(0.5, 0.98) / periods
            period_end = _month_end(start)
            for n in range(1, periods + 1):
                if period_end >= today:
                    break
                value = min(_money(float(current) * share * rng.uniform(0.7, 1.3)), current - claimed)
                if value <= 0:
                    break
                claim_id += 1
                latest = n == periods or _month_end(period_end + datetime.timedelta(days=1)) >= today
                approved_value = value if not (latest and rng.random() < 0.3) else None
                submitted = period_end + datetime.timedelta(days=rng.randint(1, 5))
                if approved_value is None:
                    claim_rows.append(
                        (claim_id, contract_id, n, "progress", period_end, value, value, None, None, 0, 0,
                         "supervised", submitted, None, None, "", "")
                    )  # fmt: skip
                    break
                withheld = (approved_value * retention / HUNDRED).quantize(FEN)
                advance_left = (amount * advance / HUNDRED) - recovered
                back = min((approved_value * advance / HUNDRED).quantize(FEN), max(advance_left, Decimal(0)))
                claimed += approved_value
                retained += withheld
                recovered += back
                approved_on = min(submitted + datetime.timedelta(days=rng.randint(5, 20)), today)
                claim_rows.append(
                    (claim_id, contract_id, n, "progress", period_end, value, value, value, approved_value, withheld,
                     back, "approved", submitted, approved_on, (claimed * HUNDRED / current).quantize(FEN), "", "")
                )  # fmt: skip
                payable = approved_value - withheld - back
                roll = rng.random()
                if roll < 0.85 or not latest:
                    pay = payable if roll < 0.9 else (payable * Decimal("0.6")).quantize(FEN)
                    paid_on = min(approved_on + datetime.timedelta(days=rng.randint(3, 25)), today)
                    if pay > 0:
                        paid += pay
                        payment_rows.append(
                            (project, paid_on, pay, "progress", contractor, f"{agency.short}-{CODES[kind]}-{contract_id:06d}",
                             f"付{paid_on.year}-{claim_id:07d}", False, "", contract_id, claim_id)
                        )  # fmt: skip
                period_end = _month_end(period_end + datetime.timedelta(days=1))
        yield (
            "contract",
            (
                contract_id, agency.id, f"{agency.short}-{CODES[kind]}-{contract_id:06d}",
                f"合同{contract_id:06d}", kind, project, contractor, amount, Decimal(0), advance, retention, "",
                signed_on, start_on, end, completed, settled, status, "", changes_total, claimed, retained,
                recovered, paid, now, "",
            ),
        )  # fmt: skip
        for row in change_rows:
            yield ("change", row)
        for row in claim_rows:
            yield ("claim", row)
        for row in payment_rows:
            yield ("payment", row)
