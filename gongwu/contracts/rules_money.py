"""Alert rules of changes and payments (see gongwu/alerts/rules.py).

- `contracts.change_over_band`: a contract in force whose approved changes reach the audit line (10 % of its
  price by default, up or down; STANDARDS.md §6). Every such contract is flagged — the audit is due whatever
  level approved the changes — and red when none of its approved changes went to the leadership meeting
  (署务会), the level the default bands ask at that line (the bands were edited, or the changes split).
- `contracts.payment_ahead_of_claims`: a contract paid more than its approved claims make payable (the
  payable amounts: approved less retention and advance recovered) — a payment ahead of measured progress.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Kind, Level
from gongwu.alerts.rules import Match, Param, rule
from gongwu.contracts.claims import payable_due_by_contract
from gongwu.contracts.filters_money import changes_over_q
from gongwu.contracts.models import HUNDRED, IN_FORCE, ApprovalLevel, ChangeStatus, Contract
from gongwu.core.money import format_money


def in_force(agency_id: int) -> object:
    return Contract.objects.filter(agency_id=agency_id, status__in=IN_FORCE, voided_at__isnull=True)


@rule(
    "contracts.change_over_band",
    title=gettext_lazy("Cumulative change at the audit line"),
    description=gettext_lazy(
        "A contract's approved changes reach the given share of its price (ten percent by default, up or down): the "
        "change is audited; red when no approved change of it went to the leadership meeting."
    ),
    params=[Param("percent", gettext_lazy("cumulative change (% of the price)"), default=10, minimum=1, maximum=100)],
    level=Level.ORANGE,
    kind=Kind.WARNING,
)
def change_over_band(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    contracts = in_force(agency_id).filter(amount__gt=0).filter(changes_over_q(Decimal(params["percent"])))
    met = set(
        contracts.filter(
            changes__status=ChangeStatus.APPROVED,
            changes__voided_at__isnull=True,
            changes__level_approved__gte=ApprovalLevel.MEETING,
        ).values_list("pk", flat=True)
    )
    for contract in contracts.select_related("project").order_by("pk"):
        percent = (contract.changes_amount * HUNDRED / contract.amount).quantize(Decimal("0.01"))
        yield Match(
            subject=contract,
            title=_("%(contract)s: approved changes are %(percent)s%% of the contract price")
            % {"contract": contract.number or contract.name, "percent": percent},
            data={
                "contract": contract.number,
                "amount": str(contract.amount),
                "changes_amount": str(contract.changes_amount),
                "percent": str(percent),
                "meeting_approved": contract.pk in met,
            },
            level=None if contract.pk in met else Level.RED,
            severity=int(abs(percent)),
        )


@rule(
    "contracts.payment_ahead_of_claims",
    title=gettext_lazy("Payment ahead of approved claims"),
    description=gettext_lazy(
        "A contract is paid more than its approved payment claims make payable (approved less retention and "
        "advance recovered)."
    ),
    level=Level.RED,
    kind=Kind.WARNING,
)
def payment_ahead_of_claims(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    paid = in_force(agency_id).filter(paid_amount__gt=0)
    due = payable_due_by_contract(paid)
    for contract in paid.order_by("pk"):
        owed = due.get(contract.pk, Decimal("0.00"))
        if contract.paid_amount <= owed:
            continue
        yield Match(
            subject=contract,
            title=_("%(contract)s: paid %(paid)s, %(ahead)s more than its approved claims make payable")
            % {
                "contract": contract.number or contract.name,
                "paid": format_money(contract.paid_amount),
                "ahead": format_money(contract.paid_amount - owed),
            },
            data={
                "contract": contract.number,
                "paid": str(contract.paid_amount),
                "payable": str(owed),
                "approved_claims": str(contract.claimed_amount),
            },
            severity=int((contract.paid_amount - owed) / 10000),
        )
