"""Helpers the change and claim tests share (the fixtures are in `money`, loaded as a pytest plugin)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from gongwu.contracts.models import Change, ChangeKind, ChangeStatus, Contract

WAN = Decimal("10000")
YI = Decimal("100000000")


def approved_change(contract: Contract, amount: Decimal, on: datetime.date, **extra: Any) -> Change:
    """An approved change written straight (a fixture), counted in the contract's approved changes."""
    change = Change.objects.create(
        contract=contract,
        kind=extra.pop("kind", ChangeKind.DESIGN),
        title=extra.pop("title", "变更"),
        reason="图纸调整",
        amount=amount,
        status=ChangeStatus.APPROVED,
        approved_on=on,
        **extra,
    )
    Contract.objects.filter(pk=contract.pk).update(changes_amount=contract.changes_amount + amount)
    contract.refresh_from_db()
    return change
