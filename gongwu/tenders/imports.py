"""Excel ledgers: the tender plan ledger (招标方案台账) and the tender ledger (招标台账). Each row goes through the
same form and services as the pages; an export re-imports unchanged. The award columns of the tender ledger
are written on export and ignored on import: an award is the award committee's decision, made on its page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gongwu.core.generic.ledger import Column, Ledger
from gongwu.tenders.forms import TenderForm, TenderPlanForm
from gongwu.tenders.models import Tender, TenderPlan


class TenderPlanLedger(Ledger):
    model = TenderPlan
    form = TenderPlanForm
    sheet_title = gettext_lazy("Tender plans")
    keys = (("project", "name"),)
    export_only = ("status", "split_suspected")
    columns = (
        Column("project", gettext_lazy("lead project code"), lookup="code", width=14),
        Column("name", gettext_lazy("plan name"), width=30),
        Column("projects", gettext_lazy("projects covered (codes)"), lookup="code", width=24),
        Column("subject_kind", gettext_lazy("subject kind"), width=16),
        Column("method", gettext_lazy("method"), width=16),
        Column("organisation", gettext_lazy("organisation"), width=12),
        Column("estimate", gettext_lazy("estimate (元)"), width=16),
        Column("counterparty", gettext_lazy("intended counterparty (credit code)"), lookup="credit_code", width=22),
        Column("exemption", gettext_lazy("legal ground"), width=20),
        Column("legal_ground", gettext_lazy("legal ground explained"), width=24),
        Column("planned_notice_on", gettext_lazy("planned notice"), width=12),
        Column("planned_award_on", gettext_lazy("planned award"), width=12),
        Column("note", gettext_lazy("note"), width=20),
        Column("status", gettext_lazy("status"), width=10),
        Column("split_suspected", gettext_lazy("suspected split (化整为零)"), width=10),
    )


class TenderLedger(Ledger):
    model = Tender
    form = TenderForm
    sheet_title = gettext_lazy("Tenders")
    keys = (("number",),)
    export_only = ("status", "decision_on", "award_notice_on", "winner", "award_price")
    columns = (
        Column("number", gettext_lazy("tender number"), width=16),
        Column("plan", gettext_lazy("tender plan (id)"), width=10),
        Column("name", gettext_lazy("name"), width=30),
        Column("subject_kind", gettext_lazy("subject kind"), width=16),
        Column("method", gettext_lazy("method"), width=16),
        Column("control_price", gettext_lazy("control price (元)"), width=16),
        Column("notice_on", gettext_lazy("notice (公告)"), width=12),
        Column("opening_on", gettext_lazy("bid opening (开标)"), width=12),
        Column("evaluation_on", gettext_lazy("evaluation (评标)"), width=12),
        Column("note", gettext_lazy("note"), width=20),
        Column("status", gettext_lazy("status"), width=10),
        Column("decision_on", gettext_lazy("award decision (定标)"), width=12),
        Column("award_notice_on", gettext_lazy("award notice (中标通知)"), width=12),
        Column("winner", gettext_lazy("winner"), lookup="name", width=24),
        Column("award_price", gettext_lazy("award price (元)"), width=16),
    )
