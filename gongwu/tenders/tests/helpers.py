"""Tenders built straight in the database for tests (factories, no services): a running tender with its bids."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from gongwu.core.models import OrganizationKind
from gongwu.core.testing import CompanyFactory
from gongwu.tenders.models import Method, PlanStatus, SubjectKind, TenderStatus
from gongwu.tenders.testing import BidFactory, TenderFactory, TenderPlanFactory

WAN = Decimal(10_000)


def wan(amount: str) -> Decimal:
    return Decimal(amount) * WAN


def running_tender(
    project: Any,
    *,
    bidders: list[Any] | None = None,
    prices: list[str] = ("4800", "4700", "4900"),
    method: str = Method.OPEN,
    kind: str = SubjectKind.WORKS,
) -> tuple[Any, list[Any]]:
    """An open works tender of `project`'s agency with bids opened on 2026-11-20 (one per price)."""
    plan = TenderPlanFactory(
        agency=project.agency, project=project, status=PlanStatus.TENDERING, method=method, subject_kind=kind
    )
    tender = TenderFactory(
        plan=plan,
        status=TenderStatus.OPENED,
        notice_on=datetime.date(2026, 10, 20),
        opening_on=datetime.date(2026, 11, 20),
    )
    bidders = bidders or [
        CompanyFactory(name=f"投标人{n}号建设有限公司", kind=OrganizationKind.CONTRACTOR) for n in range(len(prices))
    ]
    bids = [BidFactory(tender=tender, bidder=b, price=wan(p)) for b, p in zip(bidders, prices, strict=False)]
    return tender, bids
