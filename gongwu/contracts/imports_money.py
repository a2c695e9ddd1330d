"""Excel ledgers: 变更台账 (changes) and 支付台账 (payment claims). An export re-imports unchanged; an import goes
through the same forms and services as the pages (new rows are drafts; the workflow is on the pages and the
API), and the workflow's columns (status, levels, reviewed amounts) are written on export only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from gongwu.contracts.forms_money import ChangeForm, ClaimForm
from gongwu.contracts.models import Change, Claim
from gongwu.core.generic.ledger import Column, Ledger


class ChangeLedger(Ledger):
    model = Change
    form = ChangeForm
    sheet_title = gettext_lazy("Changes (变更台账)")
    keys = (("contract", "number"),)
    export_only = ("status", "level_required", "cumulative_percent", "approved_on")
    columns = (
        Column("contract", gettext_lazy("contract number"), lookup="number", width=18),
        Column("number", gettext_lazy("change number"), width=10),
        Column("kind", gettext_lazy("kind"), width=14),
        Column("title", gettext_lazy("title"), width=28),
        Column("reason", gettext_lazy("reason"), width=32),
        Column("amount", gettext_lazy("amount (元, negative reduces the price)"), width=16),
        Column("status", gettext_lazy("status"), width=10),
        Column("level_required", gettext_lazy("approval required"), width=14),
        Column("cumulative_percent", gettext_lazy("cumulative change with it (%)"), width=10),
        Column("approved_on", gettext_lazy("approved on"), width=12),
    )


class ClaimLedger(Ledger):
    model = Claim
    form = ClaimForm
    sheet_title = gettext_lazy("Payment claims (支付台账)")
    keys = (("contract", "number"),)
    export_only = (
        "status",
        "supervisor_amount",
        "consultant_amount",
        "approved_amount",
        "retention_withheld",
        "advance_recovered",
        "payable",
        "cumulative_percent",
        "approved_on",
    )
    columns = (
        Column("contract", gettext_lazy("contract number"), lookup="number", width=18),
        Column("number", gettext_lazy("claim number"), width=8),
        Column("kind", gettext_lazy("kind"), width=14),
        Column("period_end", gettext_lazy("period ending"), width=12),
        Column("claimed_amount", gettext_lazy("claimed (元)"), width=16),
        Column("note", gettext_lazy("note"), width=20),
        Column("status", gettext_lazy("status"), width=12),
        Column("supervisor_amount", gettext_lazy("reviewed by the supervisor (元)"), width=16),
        Column("consultant_amount", gettext_lazy("reviewed by the cost consultant (元)"), width=16),
        Column("approved_amount", gettext_lazy("approved (元)"), width=16),
        Column("retention_withheld", gettext_lazy("retention withheld (元)"), width=14),
        Column("advance_recovered", gettext_lazy("advance recovered (元)"), width=14),
        Column("payable", gettext_lazy("payable (元)"), width=16),
        Column("cumulative_percent", gettext_lazy("approved to date (% of the contract with changes)"), width=10),
        Column("approved_on", gettext_lazy("approved on"), width=12),
    )

    def export_value(self, obj: Any, column: Column) -> Any:
        if column.field == "payable":
            return obj.payable if obj.payable is not None else ""
        return super().export_value(obj, column)
