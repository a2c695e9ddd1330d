"""The read side of contracts: figures for any agency and period, registered for the reports and
`GET /api/figures/`, each with the address of the contract list that shows what it counts. Each area has its
section."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy

from gongwu.contracts.filters import day_start, in_force_q
from gongwu.contracts.models import Contract, ContractStatus, Countersign, CountersignStatus
from gongwu.core.figures import Figure, Selection, Unit, reading, register_figure
from gongwu.tenders.models import SubjectKind

TENTH = Decimal("0.1")
SECONDS_A_DAY = Decimal(86400)
# Statuses of a contract that has been signed (whatever happened to it since).
SIGNED_STATUSES = (
    ContractStatus.SIGNED,
    ContractStatus.PERFORMING,
    ContractStatus.COMPLETED,
    ContractStatus.SETTLED,
    ContractStatus.CLOSED,
)


def contracts_of(selection: Selection) -> QuerySet[Contract]:
    """The selection's agencies' contracts that count (not voided)."""
    return Contract.objects.filter(agency_id__in=selection.agency_ids, voided_at__isnull=True)


def list_url(selection: Selection, **params: Any) -> str:
    return selection.url("contracts:contract_list", {"voided": "live", **params})


# ---- contracts signed and in force -----------------------------------------------------------------------


def signed_in(selection: Selection) -> QuerySet[Contract]:
    period = selection.period
    return contracts_of(selection).filter(
        status__in=SIGNED_STATUSES, signed_on__gte=period.start, signed_on__lte=period.end
    )


def signed_url(selection: Selection, kind: str = "") -> str:
    period = selection.period
    return list_url(selection, signed_from=period.start, signed_to=period.end, status=list(SIGNED_STATUSES), kind=kind)


def signed_by_kind(selection: Selection) -> dict[str, tuple[int, Decimal]]:
    """(count, amount) of the contracts signed in the period, by kind."""

    def compute() -> dict[str, tuple[int, Decimal]]:
        rows = signed_in(selection).values("kind").annotate(n=Count("pk"), amount=Sum("amount")).order_by("kind")
        return {row["kind"]: (row["n"], row["amount"] or Decimal(0)) for row in rows}

    return selection.memo("contracts.signed_by_kind", compute)


@register_figure(
    "contracts.signed",
    gettext_lazy("Contracts signed"),
    unit=Unit.COUNT,
    model=Contract,
    description=gettext_lazy("Contracts signed in the period (by their signing date), voided ones left out."),
)
def signed(selection: Selection) -> Figure:
    by_kind = signed_by_kind(selection)
    children = tuple(
        Figure(
            key=f"contracts.signed.{kind}",
            label=str(SubjectKind(kind).label),
            value=count,
            url=signed_url(selection, kind),
        )
        for kind, (count, _amount) in by_kind.items()
    )
    return reading(sum(n for n, _a in by_kind.values()), url=signed_url(selection), children=children)


@register_figure(
    "contracts.signed_amount",
    gettext_lazy("Amount of the contracts signed"),
    unit=Unit.YUAN,
    model=Contract,
    description=gettext_lazy("The contract prices (签约合同价) of the contracts signed in the period."),
)
def signed_amount(selection: Selection) -> Figure:
    by_kind = signed_by_kind(selection)
    children = tuple(
        Figure(
            key=f"contracts.signed_amount.{kind}",
            label=str(SubjectKind(kind).label),
            value=amount,
            unit=Unit.YUAN,
            url=signed_url(selection, kind),
        )
        for kind, (_count, amount) in by_kind.items()
    )
    total = sum((a for _n, a in by_kind.values()), Decimal(0))
    return reading(total, url=signed_url(selection), children=children)


@register_figure(
    "contracts.in_force",
    gettext_lazy("Contracts in force"),
    unit=Unit.COUNT,
    model=Contract,
    compared=False,
    description=gettext_lazy("Contracts signed by the period's end and not settled before it, nor closed or voided."),
)
def in_force(selection: Selection) -> Figure:
    day = selection.period.end
    return reading(contract_totals(selection)["in_force"], url=list_url(selection, in_force_on=day))


AUDIT_PERCENT = Decimal("10")  # STANDARDS.md §6: a cumulative change of 10 % or more is audited


def contract_totals(selection: Selection) -> dict[str, Any]:
    """One read of the selection's live contracts for the figures of their state at the period's end: in force,
    changed by the audit line or more, paid and approved claims to date."""
    from gongwu.contracts.filters_money import changes_over_q

    def compute() -> dict[str, Any]:
        return contracts_of(selection).aggregate(
            in_force=Count("pk", filter=in_force_q(selection.period.end)),
            over_line=Count("pk", filter=Q(amount__gt=0) & changes_over_q(AUDIT_PERCENT)),
            paid=Sum("paid_amount"),
            claimed=Sum("claimed_amount"),
        )

    return selection.memo("contracts.contract_totals", compute)


# ---- countersign duration --------------------------------------------------------------------------------


def approved_rounds(selection: Selection) -> QuerySet[Countersign]:
    """Countersign rounds approved in the period (by the moment they finished) on the selection's contracts."""
    period = selection.period
    return Countersign.objects.filter(
        contract__agency_id__in=selection.agency_ids,
        contract__voided_at__isnull=True,
        status=CountersignStatus.APPROVED,
        finished_at__gte=day_start(period.start),
        finished_at__lt=day_start(period.end + datetime.timedelta(days=1)),
    )


def round_stats(rounds: QuerySet[Countersign]) -> tuple[int, Decimal | None]:
    """How many rounds, and their average duration in days to one place (None without rounds), in one query."""
    row = rounds.aggregate(
        n=Count("pk"), total=Sum(ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField()))
    )
    if not row["n"]:
        return 0, None
    seconds = Decimal(str(row["total"].total_seconds()))
    return row["n"], (seconds / row["n"] / SECONDS_A_DAY).quantize(TENTH, rounding=ROUND_HALF_UP)


def rounds_of(selection: Selection) -> tuple[int, Decimal | None]:
    return selection.memo("contracts.rounds", lambda: round_stats(approved_rounds(selection)))


@register_figure(
    "contracts.countersign_days",
    gettext_lazy("Average countersign time"),
    unit=Unit.DAYS,
    model=Contract,
    description=gettext_lazy(
        "From sending a contract to countersign to its last signature, in calendar days, averaged over the rounds "
        "approved in the period (a returned round is not counted; its resubmission starts a new round)."
    ),
)
def countersign_days(selection: Selection) -> Figure:
    period = selection.period
    return reading(
        rounds_of(selection)[1],
        url=list_url(selection, countersigned_from=period.start, countersigned_to=period.end),
    )


@register_figure(
    "contracts.countersigned",
    gettext_lazy("Countersign rounds approved"),
    unit=Unit.COUNT,
    model=Contract,
    description=gettext_lazy("Countersign rounds approved in the period (the rounds the average time is taken over)."),
)
def countersigned(selection: Selection) -> Figure:
    period = selection.period
    return reading(
        rounds_of(selection)[0],
        url=list_url(selection, countersigned_from=period.start, countersigned_to=period.end),
    )


FIGURE_KEYS = (
    "contracts.countersign_days",
    "contracts.countersigned",
    "contracts.signed",
    "contracts.signed_amount",
    "contracts.in_force",
)


def register() -> None:
    """Nothing to do: importing this module registered the figures (called so the import is explicit)."""
