"""Excel ledgers of cost reviews (结算台账) and subcontract filings: an export that imports back unchanged, and
imports through the same forms and services as the pages (preview, row errors, all rows or none)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gongwu.contracts.forms_reviews import ReviewForm, SubcontractForm
from gongwu.contracts.models import Review, Subcontract
from gongwu.core.generic.ledger import Column, Ledger


class ReviewLedger(Ledger):
    model = Review
    form = ReviewForm
    sheet_title = gettext_lazy("Settlement ledger")
    keys = (("project", "kind", "name"),)
    export_only = ("status",)
    columns = (
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("kind", gettext_lazy("kind"), width=16),
        Column("name", gettext_lazy("subject"), width=30),
        Column("contract", gettext_lazy("contract number"), lookup="number", width=18, within="project"),
        Column("submitted_amount", gettext_lazy("submitted (送审, 元)"), width=18),
        Column("submitted_on", gettext_lazy("submitted on"), width=12),
        Column("approved_amount", gettext_lazy("approved (审定, 元)"), width=18),
        Column("approved_on", gettext_lazy("approved on"), width=12),
        Column("reviewer", gettext_lazy("reviewer"), lookup="name", width=24),
        Column("status", gettext_lazy("status"), width=10),
        Column("note", gettext_lazy("note"), width=24),
    )


class SubcontractLedger(Ledger):
    model = Subcontract
    form = SubcontractForm
    sheet_title = gettext_lazy("Subcontract ledger")
    keys = (("contract", "company", "scope"),)
    columns = (
        Column("contract", gettext_lazy("main contract number"), lookup="number", width=18),
        Column("kind", gettext_lazy("kind"), width=16),
        Column("company", gettext_lazy("subcontractor"), lookup="name", width=28),
        Column("scope", gettext_lazy("scope of work"), width=28),
        Column("amount", gettext_lazy("amount (元)"), width=18),
        Column("start_on", gettext_lazy("starts on"), width=12),
        Column("end_on", gettext_lazy("ends on"), width=12),
        Column("filed_on", gettext_lazy("filed on"), width=12),
        Column("note", gettext_lazy("note"), width=24),
    )
