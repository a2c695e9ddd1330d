"""The figures of cost reviews for any agency and period: budget and settlement reviews approved in the period
(count, submitted, approved, reduction, reduction rate), both approved together (the reports' "合计"), final
accounts approved, and the 双算 backlog at the period's end (or today while it runs). Each links to its list.

Only live (not voided) approved reviews count, by the day they were approved; the reduction rate is the
reduction over the submitted amount of the same reviews, cut (not rounded) at two places.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from gongwu.contracts import reviews
from gongwu.contracts.models import Review, ReviewKind, ReviewStatus
from gongwu.core.figures import Figure, Selection, Unit, reading, register_figure


def approved_reviews(selection: Selection, kinds: tuple[str, ...]) -> Any:
    return Review.objects.filter(
        project__agency_id__in=selection.agency_ids,
        kind__in=kinds,
        status=ReviewStatus.APPROVED,
        voided_at__isnull=True,
        approved_on__gte=selection.period.start,
        approved_on__lte=selection.period.end,
    )


def totals(selection: Selection, *kinds: str) -> reviews.ReviewTotals:
    """The approved reviews of `kinds` in the period, added up from one read of every kind's totals."""
    by_kind = selection.memo(
        "contracts.reviews_by_kind",
        lambda: reviews.review_totals_by_kind(approved_reviews(selection, tuple(ReviewKind.values))),
    )
    found = [by_kind[kind] for kind in kinds if kind in by_kind]
    return reviews.ReviewTotals(
        count=sum(t.count for t in found),
        submitted=sum((t.submitted for t in found), reviews.ZERO),
        approved=sum((t.approved for t in found), reviews.ZERO),
    )


def reviews_url(selection: Selection, kind: str | None = None) -> str:
    return selection.url(
        "contracts:review_list",
        {
            "kind": kind,
            "status": ReviewStatus.APPROVED,
            "approved_from": selection.period.start.isoformat(),
            "approved_to": selection.period.end.isoformat(),
            "voided": "live",
        },
    )


def backlog_day(selection: Selection) -> Any:
    return min(selection.period.end, timezone.localdate())


def backlog_counts(selection: Selection) -> dict[str, int]:
    return selection.memo(
        "contracts.backlog_counts", lambda: reviews.backlog_counts(selection.agency_ids, backlog_day(selection))
    )


def backlog_url(selection: Selection, kind: str) -> str:
    return selection.url("contracts:settlement_backlog", {"missing": kind})


def register_kind(kind: str, name: str, label: Any) -> None:
    """The five figures of one kind of review approved in the period."""

    def count(selection: Selection) -> Figure:
        return reading(totals(selection, kind).count, url=reviews_url(selection, kind))

    def submitted(selection: Selection) -> Figure:
        return reading(totals(selection, kind).submitted, url=reviews_url(selection, kind))

    def approved(selection: Selection) -> Figure:
        return reading(totals(selection, kind).approved, url=reviews_url(selection, kind))

    def reduction(selection: Selection) -> Figure:
        return reading(totals(selection, kind).reduction, url=reviews_url(selection, kind))

    def reduction_rate(selection: Selection) -> Figure:
        return reading(totals(selection, kind).reduction_rate, url=reviews_url(selection, kind))

    for suffix, unit, what, function in (
        ("", Unit.COUNT, gettext_lazy("number approved"), count),
        ("_submitted", Unit.YUAN, gettext_lazy("submitted (送审)"), submitted),
        ("_approved", Unit.YUAN, gettext_lazy("approved (审定)"), approved),
        ("_reduction", Unit.YUAN, gettext_lazy("reduction (审减)"), reduction),
        ("_reduction_rate", Unit.PERCENT, gettext_lazy("reduction rate (审减率)"), reduction_rate),
    ):
        register_figure(
            f"contracts.{name}{suffix}",
            format_lazy("{}: {}", label, what),
            unit=unit,
            model=Review,
            description=gettext_lazy("Live reviews approved in the period, by the day they were approved."),
        )(function)


register_kind(ReviewKind.BUDGET, "budget_reviews", gettext_lazy("Budget reviews (预算审核)"))
register_kind(ReviewKind.SETTLEMENT, "settlement_reviews", gettext_lazy("Settlement reviews (结算审核)"))


@register_figure(
    "contracts.cost_reviews_approved",
    gettext_lazy("Budget and settlement reviews: approved together"),
    unit=Unit.YUAN,
    model=Review,
    description=gettext_lazy(
        "The approved amounts of the budget and settlement reviews approved in the period (合计)."
    ),
)
def cost_reviews_approved(selection: Selection) -> Figure:
    both = totals(selection, ReviewKind.BUDGET, ReviewKind.SETTLEMENT)
    url = selection.url(
        "contracts:review_list",
        {
            "kind": [ReviewKind.BUDGET, ReviewKind.SETTLEMENT],
            "status": ReviewStatus.APPROVED,
            "approved_from": selection.period.start.isoformat(),
            "approved_to": selection.period.end.isoformat(),
            "voided": "live",
        },
    )
    return reading(both.approved, url=url)


@register_figure(
    "contracts.final_accounts",
    gettext_lazy("Final accounts approved (决算)"),
    unit=Unit.COUNT,
    model=Review,
    description=gettext_lazy("Projects' final accounts approved in the period."),
)
def final_accounts(selection: Selection) -> Figure:
    return reading(totals(selection, ReviewKind.FINAL).count, url=reviews_url(selection, ReviewKind.FINAL))


@register_figure(
    "contracts.final_accounts_approved",
    gettext_lazy("Final accounts: approved amount"),
    unit=Unit.YUAN,
    model=Review,
    description=gettext_lazy("The approved amounts of the final accounts approved in the period."),
)
def final_accounts_approved(selection: Selection) -> Figure:
    return reading(totals(selection, ReviewKind.FINAL).approved, url=reviews_url(selection, ReviewKind.FINAL))


@register_figure(
    "contracts.settlement_backlog",
    gettext_lazy("Settlement reviews overdue (双算 backlog)"),
    unit=Unit.COUNT,
    model=Review,
    compared=False,
    description=gettext_lazy(
        "Projects completed longer ago than the agency's allowance without an approved settlement review, at the "
        "period's end (today while the period runs)."
    ),
)
def settlement_backlog(selection: Selection) -> Figure:
    count = backlog_counts(selection)[ReviewKind.SETTLEMENT]
    return reading(count, url=backlog_url(selection, ReviewKind.SETTLEMENT))


@register_figure(
    "contracts.final_accounts_backlog",
    gettext_lazy("Final accounts overdue (双算 backlog)"),
    unit=Unit.COUNT,
    model=Review,
    compared=False,
    description=gettext_lazy(
        "Projects completed longer ago than the agency's allowance without approved final accounts, at the "
        "period's end (today while the period runs)."
    ),
)
def final_accounts_backlog(selection: Selection) -> Figure:
    count = backlog_counts(selection)[ReviewKind.FINAL]
    return reading(count, url=backlog_url(selection, ReviewKind.FINAL))


def register() -> None:
    """Nothing to do: importing this module registered the figures (called so the import is explicit)."""
