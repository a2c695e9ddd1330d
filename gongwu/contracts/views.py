"""The contracts app's generic pages per model, its menu and search. Hand-written pages (the contract's
countersign, my countersign tasks, the figures) are in pages.py. Each area has its section; `register()` is a
short list of each area's registration."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import documents, filters, forms, pages, services, tables
from gongwu.contracts.imports import ContractLedger
from gongwu.contracts.models import (
    Contract,
    ContractSettings,
    ContractTemplate,
    CountersignRoute,
    CountersignRouteStep,
)
from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet

# ---- contracts -----------------------------------------------------------------------------------


class ContractViews(ObjectViewSet):
    model = Contract
    table = tables.ContractTable
    filterset = filters.ContractFilterSet
    form = forms.ContractForm
    ledger = ContractLedger
    select_related = ("agency", "project", "contractor", "third_party", "tender", "text_template")
    prefetch_related = ("sections", "consortium")
    money_fields = ("amount", "provisional_sum")
    icon = "ti-file-text"
    detail_template = "contracts/contract_detail.html"
    create_service = services.create_contract
    update_service = services.update_contract
    delete_service = services.delete_contract
    void_service = services.void_contract

    @classmethod
    def extra_detail_context(cls, obj: Contract, request: HttpRequest) -> dict[str, Any]:
        return pages.contract_context(obj, request)


# ---- settings and the standard text library -----------------------------------------------------------


class ContractSettingsViews(ObjectViewSet):
    model = ContractSettings
    table = tables.ContractSettingsTable
    filterset = filters.ContractSettingsFilterSet
    form = forms.ContractSettingsForm
    select_related = ("agency",)
    icon = "ti-settings"


class ContractTemplateViews(ObjectViewSet):
    model = ContractTemplate
    table = tables.ContractTemplateTable
    filterset = filters.ContractTemplateFilterSet
    form = forms.ContractTemplateForm
    select_related = ("agency",)
    icon = "ti-file-type-docx"
    detail_template = "contracts/template_detail.html"
    create_service = services.save_template
    update_service = services.save_template

    @classmethod
    def extra_detail_context(cls, obj: ContractTemplate, request: HttpRequest) -> dict[str, Any]:
        return {"template_fields": documents.FIELDS}


# ---- countersign -------------------------------------------------------------------------------------


class CountersignRouteViews(ObjectViewSet):
    model = CountersignRoute
    table = tables.CountersignRouteTable
    filterset = filters.CountersignRouteFilterSet
    form = forms.CountersignRouteForm
    select_related = ("agency",)
    money_fields = ("min_amount", "max_amount")
    icon = "ti-route"
    related = (
        (
            _("Steps (the same order signs in parallel)"),
            lambda route, user: (
                CountersignRouteStep.objects.for_user(user).filter(route=route).select_related("department")
            ),
            tables.CountersignRouteStepTable,
        ),
    )


class CountersignRouteStepViews(ObjectViewSet):
    model = CountersignRouteStep
    table = tables.CountersignRouteStepTable
    filterset = filters.CountersignRouteStepFilterSet
    form = forms.CountersignRouteStepForm
    select_related = ("route", "department")
    icon = "ti-route"


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection, reads_figures

    navigation.register(
        MenuSection("contracts", _("Contracts"), "ti-file-text", 20),
        # ---- contracts ----
        MenuItem(_("Contracts"), "contracts:contract_list", Contract, "ti-file-text"),
        MenuItem(_("Contract figures"), "contracts:figures", Contract, "ti-chart-bar", visible=reads_figures),
        # ---- countersign ----
        MenuItem(_("My countersign tasks"), "contracts:my_tasks", Contract, "ti-writing-sign"),
        MenuItem(_("Countersign routes"), "contracts:countersignroute_list", CountersignRoute, "ti-route"),
        # ---- settings and the standard text library ----
        MenuItem(
            _("Standard contract texts"), "contracts:contracttemplate_list", ContractTemplate, "ti-file-type-docx"
        ),
        MenuItem(_("Contract settings"), "contracts:contractsettings_list", ContractSettings, "ti-settings"),
    )
    search.register(ContractViews)
