"""The inspections app's generic pages per model, menu and search; the inspection walk on a phone, notices,
figures and summaries are in pages.py and reports.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet
from gongwu.inspections import filters, forms, pages, services, tables
from gongwu.inspections.imports import FindingLedger, InspectionLedger
from gongwu.inspections.models import (
    Accident,
    CheckItem,
    ChecklistTemplate,
    Finding,
    HazardousWork,
    Inspection,
    RectificationNotice,
)


class InspectionViews(ObjectViewSet):
    model = Inspection
    table = tables.InspectionTable
    filterset = filters.InspectionFilterSet
    form = forms.InspectionForm
    ledger = InspectionLedger
    select_related = ("project", "lead", "inspecting_org")
    icon = "ti-clipboard-check"
    detail_template = "inspections/inspection_detail.html"
    void_service = services.void_inspection

    @classmethod
    def extra_detail_context(cls, obj: Inspection, request: HttpRequest) -> dict[str, Any]:
        return pages.inspection_context(obj, request)


class FindingViews(ObjectViewSet):
    model = Finding
    table = tables.FindingTable
    filterset = filters.FindingFilterSet
    form = forms.FindingForm
    ledger = FindingLedger
    select_related = ("project", "responsible_org", "inspection")
    icon = "ti-alert-octagon"
    detail_template = "inspections/finding_detail.html"
    create_service = services.save_finding
    update_service = services.save_finding

    @classmethod
    def extra_detail_context(cls, obj: Finding, request: HttpRequest) -> dict[str, Any]:
        return pages.finding_context(obj, request)


class RectificationNoticeViews(ObjectViewSet):
    model = RectificationNotice
    table = tables.RectificationNoticeTable
    filterset = filters.RectificationNoticeFilterSet
    form = forms.NoticeForm
    select_related = ("project", "company", "case")
    icon = "ti-file-alert"
    detail_template = "inspections/notice_detail.html"
    void_service = services.void_notice
    read_only = True  # issued from an inspection's findings (pages.issue_notice); its loop is its case's

    @classmethod
    def extra_detail_context(cls, obj: RectificationNotice, request: HttpRequest) -> dict[str, Any]:
        return pages.notice_context(obj, request)


class HazardousWorkViews(ObjectViewSet):
    model = HazardousWork
    table = tables.HazardousWorkTable
    filterset = filters.HazardousWorkFilterSet
    form = forms.HazardousWorkForm
    select_related = ("project",)
    icon = "ti-barrier-block"
    detail_template = "inspections/hazardouswork_detail.html"

    @classmethod
    def extra_detail_context(cls, obj: HazardousWork, request: HttpRequest) -> dict[str, Any]:
        return pages.hazardous_work_context(obj, request)


class AccidentViews(ObjectViewSet):
    model = Accident
    table = tables.AccidentTable
    filterset = filters.AccidentFilterSet
    form = forms.AccidentForm
    select_related = ("project",)
    icon = "ti-first-aid-kit"


class ChecklistTemplateViews(ObjectViewSet):
    model = ChecklistTemplate
    table = tables.ChecklistTemplateTable
    filterset = filters.ChecklistTemplateFilterSet
    form = forms.ChecklistTemplateForm
    select_related = ("agency",)
    icon = "ti-list-check"
    related = ((_("Check items"), lambda obj, user: obj.items.all(), tables.CheckItemTable),)


class CheckItemViews(ObjectViewSet):
    model = CheckItem
    table = tables.CheckItemTable
    filterset = filters.CheckItemFilterSet
    form = forms.CheckItemForm
    select_related = ("template",)
    icon = "ti-checkbox"


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("inspections", _("Quality and safety"), "ti-shield-check", 20),
        MenuItem(_("Inspection figures"), "inspections:figures", Inspection, "ti-chart-bar"),
        MenuItem(_("Inspections"), "inspections:inspection_list", Inspection, "ti-clipboard-check"),
        MenuItem(_("Findings"), "inspections:finding_list", Finding, "ti-alert-octagon"),
        MenuItem(
            _("Rectification notices"), "inspections:rectificationnotice_list", RectificationNotice, "ti-file-alert"
        ),
        MenuItem(_("Hazardous works"), "inspections:hazardouswork_list", HazardousWork, "ti-barrier-block"),
        MenuItem(_("Accidents"), "inspections:accident_list", Accident, "ti-first-aid-kit"),
        MenuItem(_("Checklists"), "inspections:checklisttemplate_list", ChecklistTemplate, "ti-list-check"),
    )
    search.register(FindingViews)
    search.register(RectificationNoticeViews)
