"""The generic pages of cost reviews (结算台账) and subcontract filings, their menu entries and search; the
双算 backlog and the panels on project and contract pages are in pages_reviews.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import filters_reviews, forms_reviews, pages_reviews, reviews, tables_reviews
from gongwu.contracts.imports_reviews import ReviewLedger, SubcontractLedger
from gongwu.contracts.models import ContractSettings, Review, Subcontract
from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet


class ReviewViews(ObjectViewSet):
    model = Review
    table = tables_reviews.ReviewTable
    filterset = filters_reviews.ReviewFilterSet
    form = forms_reviews.ReviewForm
    ledger = ReviewLedger
    select_related = ("project", "project__agency", "contract", "reviewer")
    # kind, status and the amounts head the page with the reduction (review_detail.html)
    detail_fields = ("project", "name", "submitted_on", "approved_on", "reviewer", "note")
    money_fields = ("submitted_amount", "approved_amount")
    icon = "ti-calculator"
    detail_template = "contracts/review_detail.html"
    create_service = reviews.save_review
    update_service = reviews.save_review
    delete_service = reviews.delete_review
    void_service = reviews.void_review

    @classmethod
    def extra_detail_context(cls, obj: Review, request: HttpRequest) -> dict[str, Any]:
        return pages_reviews.review_context(obj, request)


class SubcontractViews(ObjectViewSet):
    model = Subcontract
    table = tables_reviews.SubcontractTable
    filterset = filters_reviews.SubcontractFilterSet
    form = forms_reviews.SubcontractForm
    ledger = SubcontractLedger
    select_related = ("contract", "contract__project", "company")
    detail_fields = ("kind", "company", "scope", "amount", "start_on", "end_on", "filed_on", "note")
    money_fields = ("amount",)
    icon = "ti-hierarchy-2"
    detail_template = "contracts/subcontract_detail.html"
    create_service = reviews.save_subcontract
    update_service = reviews.save_subcontract
    delete_service = reviews.delete_subcontract
    void_service = reviews.void_subcontract

    @classmethod
    def extra_detail_context(cls, obj: Subcontract, request: HttpRequest) -> dict[str, Any]:
        return pages_reviews.subcontract_context(obj, request)


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("contracts", _("Contracts"), "ti-file-certificate", 20),
        MenuItem(_("Cost reviews"), "contracts:review_list", Review, "ti-calculator"),
        MenuItem(_("Settlement backlog (双算)"), "contracts:settlement_backlog", ContractSettings, "ti-hourglass"),
        MenuItem(_("Subcontract filings"), "contracts:subcontract_list", Subcontract, "ti-hierarchy-2"),
    )
    search.register(ReviewViews)
    search.register(SubcontractViews)
