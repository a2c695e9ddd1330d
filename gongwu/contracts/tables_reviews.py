"""Columns of the review list (结算台账, with its totals row) and the subcontract list."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import reviews
from gongwu.contracts.models import Review, ReviewStatus, Subcontract
from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable, VoidedColumn
from gongwu.core.money import format_money
from gongwu.projects.tables import ProjectColumn


def record_link(obj: Any) -> str:
    """A record linked to its page (its name alone where its app has no page for it yet)."""
    if obj is None:
        return "—"
    try:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj)
    except NoReverseMatch:
        return format_html("{}", obj)


def percent_text(value: Any) -> str:
    return "—" if value is None else f"{value}%"


class RecordColumn(tables.Column):
    def render(self, value: Any) -> str:
        return record_link(value)


STATUS_COLOUR = {ReviewStatus.SUBMITTED: "blue", ReviewStatus.APPROVED: "green"}


class ReviewTable(ObjectTable):
    name = LinkColumn(verbose_name=_("subject"))
    kind = tables.Column(verbose_name=_("kind"))
    project = ProjectColumn()
    contract = RecordColumn(verbose_name=_("contract"), order_by=("contract__number",))
    submitted_amount = MoneyColumn(verbose_name=_("submitted (送审)"))
    approved_amount = MoneyColumn(verbose_name=_("approved (审定)"))
    reduction = MoneyColumn(verbose_name=_("reduction (审减)"), accessor="reduction", orderable=False)
    reduction_rate = tables.Column(
        verbose_name=_("reduction rate (审减率)"),
        accessor="reduction_rate",
        orderable=False,
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
    )
    approved_on = DayColumn(verbose_name=_("approved on"))
    reviewer = tables.Column(verbose_name=_("reviewer"))
    status = tables.Column(verbose_name=_("status"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Review
        template_name = "contracts/review_table.html"
        fields = (
            "name",
            "kind",
            "project",
            "contract",
            "submitted_amount",
            "approved_amount",
            "reduction",
            "reduction_rate",
            "approved_on",
            "reviewer",
            "status",
            "voided",
        )

    def render_reduction_rate(self, record: Review) -> str:
        value = reviews.rate(record.reduction, record.submitted_amount) if record.reduction is not None else None
        return percent_text(value)

    def render_status(self, value: Any, record: Review) -> str:
        return format_html(
            '<span class="badge bg-{}-lt">{}</span>', STATUS_COLOUR.get(record.status, "secondary"), value
        )

    def totals(self) -> dict[str, str] | None:
        """The totals row of every review the list holds (all pages, voided ones left out)."""
        rows = getattr(self.data, "data", None)
        if not isinstance(rows, QuerySet):
            return None
        totals = reviews.review_totals(rows)
        return {
            "count": str(totals.count),
            "submitted": format_money(totals.submitted),
            "approved": format_money(totals.approved),
            "reduction": format_money(totals.reduction),
            "reduction_rate": percent_text(totals.reduction_rate),
            "pending": str(totals.pending),
            "pending_submitted": format_money(totals.pending_submitted),
        }


class SubcontractTable(ObjectTable):
    company = LinkColumn(verbose_name=_("subcontractor"), order_by=("company__name",))
    kind = tables.Column(verbose_name=_("kind"))
    contract = RecordColumn(verbose_name=_("main contract"), order_by=("contract__number",))
    scope = tables.Column(verbose_name=_("scope of work"))
    amount = MoneyColumn(verbose_name=_("amount"))
    start_on = DayColumn(verbose_name=_("starts on"))
    filed_on = DayColumn(verbose_name=_("filed on"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Subcontract
        fields = ("company", "kind", "contract", "scope", "amount", "start_on", "filed_on", "voided")
