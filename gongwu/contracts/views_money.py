"""The generic pages of changes, approval bands, spot checks and payment claims, and their menu entries; the
workflow steps are in pages_money.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import changes, claims, filters_money, forms_money, pages_money, tables_money
from gongwu.contracts.imports_money import ChangeLedger, ClaimLedger
from gongwu.contracts.models import Change, ChangeBand, Claim, SpotCheck
from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet


class ChangeBandViews(ObjectViewSet):
    model = ChangeBand
    table = tables_money.ChangeBandTable
    filterset = filters_money.ChangeBandFilterSet
    form = forms_money.ChangeBandForm
    select_related = ("agency",)
    money_fields = ("max_amount",)
    icon = "ti-stairs-up"


class ChangeViews(ObjectViewSet):
    model = Change
    table = tables_money.ChangeTable
    filterset = filters_money.ChangeFilterSet
    form = forms_money.ChangeForm
    ledger = ChangeLedger
    select_related = ("contract", "contract__agency")
    detail_fields = ("number", "kind", "title", "amount")
    money_fields = ("amount",)
    icon = "ti-git-pull-request"
    detail_template = "contracts/change_detail.html"
    create_service = changes.save_change
    update_service = changes.save_change
    delete_service = changes.delete_change
    void_service = changes.void_change

    @classmethod
    def extra_detail_context(cls, obj: Change, request: HttpRequest) -> dict[str, Any]:
        return pages_money.change_context(obj, request)


class SpotCheckViews(ObjectViewSet):
    model = SpotCheck
    table = tables_money.SpotCheckTable
    filterset = filters_money.SpotCheckFilterSet
    form = forms_money.SpotCheckForm
    select_related = ("agency",)
    detail_fields = ("name", "period_from", "period_to", "size")
    icon = "ti-zoom-check"
    detail_template = "contracts/spotcheck_detail.html"
    create_service = changes.save_spot_check
    update_service = changes.save_spot_check
    delete_service = changes.delete_spot_check

    @classmethod
    def extra_detail_context(cls, obj: SpotCheck, request: HttpRequest) -> dict[str, Any]:
        return pages_money.spotcheck_context(obj, request)


class ClaimViews(ObjectViewSet):
    model = Claim
    table = tables_money.ClaimTable
    filterset = filters_money.ClaimFilterSet
    form = forms_money.ClaimForm
    ledger = ClaimLedger
    select_related = ("contract", "contract__agency")
    detail_fields = ("kind", "period_end", "claimed_amount")
    money_fields = ("claimed_amount",)
    icon = "ti-receipt"
    detail_template = "contracts/claim_detail.html"
    create_service = claims.save_claim
    update_service = claims.save_claim
    delete_service = claims.delete_claim
    void_service = claims.void_claim

    @classmethod
    def extra_detail_context(cls, obj: Claim, request: HttpRequest) -> dict[str, Any]:
        return pages_money.claim_context(obj, request)


def register() -> None:
    """The menu entries of changes and claims, in the contracts section."""
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("contracts", _("Contracts"), "ti-file-certificate", 20),
        MenuItem(_("Changes (变更台账)"), "contracts:change_list", Change, "ti-git-pull-request"),
        MenuItem(_("Change spot checks"), "contracts:spotcheck_list", SpotCheck, "ti-zoom-check"),
        MenuItem(_("Payment claims (支付台账)"), "contracts:claim_list", Claim, "ti-receipt"),
        MenuItem(_("Change approval bands"), "contracts:change_bands", ChangeBand, "ti-stairs-up"),
    )
    search.register(ChangeViews)
    search.register(ClaimViews)
