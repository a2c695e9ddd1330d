"""Figures of changes and claims for any agency and period, each linked to the list of the records it counts:
changes approved (count and amount, by kind), contracts whose cumulative change reached the audit line,
claims approved, and the payment rate (支付率) of the contracts: paid over approved claims. The payments made
against contracts are the investment app's figure (`investment.paid_against_contracts`)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.contracts.figures import AUDIT_PERCENT, contract_totals
from gongwu.contracts.models import Change, ChangeKind, ChangeStatus, Claim, ClaimStatus
from gongwu.core.figures import Figure, Selection, Unit, reading, register_figure
from gongwu.core.money import format_money


def rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """A share in %, cut (not rounded) at two places, as the investment figures cut theirs; None without a base."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / whole).quantize(Decimal("0.01"), rounding="ROUND_DOWN")


def approved_changes(selection: Selection) -> object:
    return Change.objects.filter(
        contract__agency__in=selection.agency_ids,
        status=ChangeStatus.APPROVED,
        voided_at__isnull=True,
        approved_on__gte=selection.period.start,
        approved_on__lte=selection.period.end,
    )


def changes_url(selection: Selection, **params: object) -> str:
    return selection.url(
        "contracts:change_list",
        {
            "status": ChangeStatus.APPROVED,
            "approved_from": selection.period.start,
            "approved_to": selection.period.end,
            "voided": "live",
            **params,
        },
    )


def changes_by_kind(selection: Selection) -> dict[str, tuple[int, Decimal]]:
    def compute() -> dict[str, tuple[int, Decimal]]:
        rows = approved_changes(selection).values("kind").annotate(n=Count("id"), t=Sum("amount"))
        return {row["kind"]: (row["n"], row["t"] or Decimal(0)) for row in rows}

    return selection.memo("contracts.changes_by_kind", compute)


@register_figure(
    "contracts.changes_approved",
    gettext_lazy("Changes approved"),
    unit=Unit.COUNT,
    model=Change,
    description=gettext_lazy("Changes (变更/签证) approved in the period, by kind."),
)
def changes_approved(selection: Selection) -> Figure:
    found = changes_by_kind(selection)
    children = tuple(
        Figure(
            key=f"contracts.changes_approved.{kind}",
            label=str(label),
            value=found.get(kind, (0, 0))[0],
            url=changes_url(selection, kind=kind),
        )
        for kind, label in ChangeKind.choices
    )
    return reading(sum(n for n, _t in found.values()), url=changes_url(selection), children=children)


@register_figure(
    "contracts.changes_approved_amount",
    gettext_lazy("Amount of the changes approved"),
    unit=Unit.YUAN,
    model=Change,
    description=gettext_lazy("The net amount of the changes approved in the period (reductions count negative)."),
)
def changes_approved_amount(selection: Selection) -> Figure:
    found = changes_by_kind(selection)
    children = tuple(
        Figure(
            key=f"contracts.changes_approved_amount.{kind}",
            label=str(label),
            value=found.get(kind, (0, Decimal(0)))[1],
            unit=Unit.YUAN,
            url=changes_url(selection, kind=kind),
        )
        for kind, label in ChangeKind.choices
    )
    return reading(sum((t for _n, t in found.values()), Decimal(0)), url=changes_url(selection), children=children)


@register_figure(
    "contracts.changes_over_audit_line",
    gettext_lazy("Contracts changed by ten percent or more"),
    unit=Unit.COUNT,
    model=Change,
    compared=False,
    description=gettext_lazy(
        "Contracts in force whose approved changes now reach ten percent of their price, up or down (the audit line)."
    ),
)
def changes_over_audit_line(selection: Selection) -> Figure:
    count = contract_totals(selection)["over_line"]
    url = selection.url("contracts:change_list", {"contract_over": AUDIT_PERCENT, "voided": "live"})
    return reading(count, url=url)


def approved_claims(selection: Selection) -> object:
    return Claim.objects.filter(
        contract__agency__in=selection.agency_ids,
        status=ClaimStatus.APPROVED,
        voided_at__isnull=True,
        approved_on__gte=selection.period.start,
        approved_on__lte=selection.period.end,
    )


@register_figure(
    "contracts.claims_approved",
    gettext_lazy("Payment claims approved"),
    unit=Unit.YUAN,
    model=Claim,
    description=gettext_lazy("The amounts approved of the payment claims (计量支付) approved in the period."),
)
def claims_approved(selection: Selection) -> Figure:
    total = approved_claims(selection).aggregate(t=Sum("approved_amount"))["t"] or Decimal(0)
    url = selection.url(
        "contracts:claim_list",
        {
            "status": ClaimStatus.APPROVED,
            "approved_from": selection.period.start,
            "approved_to": selection.period.end,
            "voided": "live",
        },
    )
    return reading(total, url=url)


@register_figure(
    "contracts.payment_rate",
    gettext_lazy("Payment rate of the contracts"),
    unit=Unit.PERCENT,
    model=Claim,
    compared=False,
    description=gettext_lazy(
        "Paid to date over the approved claims to date of the agency's contracts (支付率 by contract, summed); "
        "cut at two places."
    ),
)
def contracts_payment_rate(selection: Selection) -> Figure:
    totals = contract_totals(selection)
    note = _("paid %(paid)s of %(claimed)s approved") % {
        "paid": format_money(totals["paid"] or 0),
        "claimed": format_money(totals["claimed"] or 0),
    }
    url = selection.url("contracts:claim_list", {"status": ClaimStatus.APPROVED, "voided": "live"})
    return reading(rate(totals["paid"], totals["claimed"]), url=url, note=note)


def register() -> None:
    """Nothing to do: importing this module registered the figures (called so the import is explicit)."""
