"""The tenders app's generic pages per model (list, detail, edit, import, export), menu and search; the plan and
tender pages' workflow (approve, cancel, candidates, award, failure) is in pages.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet
from gongwu.tenders import filters, forms, pages, services, tables
from gongwu.tenders.imports import TenderLedger, TenderPlanLedger
from gongwu.tenders.models import Bid, SchemeTemplate, Tender, TenderPlan


class SchemeTemplateViews(ObjectViewSet):
    model = SchemeTemplate
    table = tables.SchemeTemplateTable
    filterset = filters.SchemeTemplateFilterSet
    form = forms.SchemeTemplateForm
    select_related = ("agency",)
    icon = "ti-template"
    detail_template = "tenders/scheme_detail.html"
    create_service = services.save_scheme_template
    update_service = services.save_scheme_template
    delete_service = services.delete_scheme_template

    @classmethod
    def extra_detail_context(cls, obj: SchemeTemplate, request: HttpRequest) -> dict[str, Any]:
        return pages.scheme_context(obj, request)


class TenderPlanViews(ObjectViewSet):
    model = TenderPlan
    table = tables.TenderPlanTable
    filterset = filters.TenderPlanFilterSet
    form = forms.TenderPlanForm
    ledger = TenderPlanLedger
    select_related = ("project", "agency", "counterparty")
    money_fields = ("estimate",)
    icon = "ti-clipboard-list"
    detail_template = "tenders/plan_detail.html"
    create_service = services.save_tender_plan
    update_service = services.save_tender_plan
    delete_service = services.delete_tender_plan

    @classmethod
    def extra_detail_context(cls, obj: TenderPlan, request: HttpRequest) -> dict[str, Any]:
        return pages.plan_context(obj, request)


class TenderViews(ObjectViewSet):
    model = Tender
    table = tables.TenderTable
    filterset = filters.TenderFilterSet
    form = forms.TenderForm
    ledger = TenderLedger
    select_related = ("plan", "agency", "winner")
    money_fields = ("control_price", "award_price")
    icon = "ti-gavel"
    detail_fields = (
        "number",
        "name",
        "agency",
        "subject_kind",
        "method",
        "control_price",
        "notice_on",
        "opening_on",
        "evaluation_on",
        "note",
    )
    detail_template = "tenders/tender_detail.html"
    create_service = services.save_tender
    update_service = services.save_tender
    delete_service = services.delete_tender

    @classmethod
    def extra_detail_context(cls, obj: Tender, request: HttpRequest) -> dict[str, Any]:
        return pages.tender_context(obj, request)


class BidViews(ObjectViewSet):
    model = Bid
    table = tables.BidTable
    filterset = filters.BidFilterSet
    form = forms.BidForm
    select_related = ("tender", "bidder")
    money_fields = ("price", "bond_amount")
    icon = "ti-file-dollar"
    detail_fields = (
        "tender",
        "bidder",
        "price",
        "bond_amount",
        "bond_account_last4",
        "qualified",
        "disqualified_reason",
        "score",
        "recommended_rank",
        "submitted_at",
    )
    detail_template = "tenders/bid_detail.html"
    create_service = services.save_bid
    update_service = services.save_bid
    delete_service = services.delete_bid

    @classmethod
    def extra_detail_context(cls, obj: Bid, request: HttpRequest) -> dict[str, Any]:
        return pages.bid_context(obj, request)


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("tenders", _("Tendering and procurement"), "ti-gavel", 17),
        MenuItem(_("Tender plans"), "tenders:tenderplan_list", TenderPlan, "ti-clipboard-list"),
        MenuItem(_("Tenders"), "tenders:tender_list", Tender, "ti-gavel"),
        MenuItem(_("Bids"), "tenders:bid_list", Bid, "ti-file-dollar"),
        MenuItem(_("Scheme library"), "tenders:schemetemplate_list", SchemeTemplate, "ti-template"),
    )
    search.register(TenderViews)
    search.register(TenderPlanViews)
