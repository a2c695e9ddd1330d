"""Excel ledgers of the contracts app (台账): each exports what re-imports unchanged, and imports through the same
forms and services as the pages. Each area has its section."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from gongwu.contracts.forms import ContractForm
from gongwu.contracts.models import Contract
from gongwu.core.generic.ledger import Column, Ledger

# ---- contracts (合同台账) -------------------------------------------------------------------------

PARTY_FIELDS = ("contractor", "third_party", "consortium")


class ContractLedger(Ledger):
    """合同台账. Parties are named by their name or their unified social credit code; the project by its code;
    sections by name within the project; the tender by its number. The status is written, not read: a contract
    changes status through countersign and its transitions."""

    model = Contract
    form = ContractForm
    sheet_title = gettext_lazy("Contract ledger")
    keys = (("number",),)
    export_only = ("status",)
    columns = (
        Column("number", gettext_lazy("contract number"), width=22),
        Column("name", gettext_lazy("contract name"), width=30),
        Column("kind", gettext_lazy("kind"), width=12),
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("sections", gettext_lazy("sections"), lookup="name", within="project", width=18),
        Column("contractor", gettext_lazy("contractor (乙方)"), lookup="name", width=28),
        Column("third_party", gettext_lazy("third party (丙方)"), lookup="name", width=20),
        Column("consortium", gettext_lazy("consortium members"), lookup="name", width=20),
        Column("tender", gettext_lazy("tender number"), lookup="number", width=16),
        Column("amount", gettext_lazy("contract price (签约合同价, 元)"), width=18),
        Column("provisional_sum", gettext_lazy("provisional sum (暂列金额, 元)"), width=16),
        Column("advance_percent", gettext_lazy("advance payment (%)"), width=10),
        Column("retention_percent", gettext_lazy("retention (%)"), width=10),
        Column("payment_terms", gettext_lazy("payment terms"), width=30),
        Column("signed_on", gettext_lazy("signed on"), width=12),
        Column("start_on", gettext_lazy("starts on"), width=12),
        Column("end_on", gettext_lazy("to be completed by"), width=12),
        Column("status", gettext_lazy("status"), width=10),
        Column("note", gettext_lazy("note"), width=20),
    )

    def _related_pk(
        self,
        column: Column,
        model_field: models.Field,
        name: str,
        data: dict[str, Any],
        user: Any,
        cache: dict,
        errors: list[str],
    ) -> Any:
        """A party is found by its name, else by its unified social credit code."""
        if column.field not in PARTY_FIELDS:
            return super()._related_pk(column, model_field, name, data, user, cache, errors)
        tried: list[str] = []
        found = super()._related_pk(column, model_field, name, data, user, cache, tried)
        if found is not None:
            return found
        by_code = replace(column, lookup="credit_code")
        found = super()._related_pk(by_code, model_field, name.upper(), data, user, cache.setdefault("by_code", {}), [])
        if found is None:
            errors.extend(tried)
        return found
