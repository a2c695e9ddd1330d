"""The alerts app's generic pages, menu and search; the inbox, the board and a case's actions are in pages.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongwu.alerts import filters, forms, pages, services, tables
from gongwu.alerts.imports import CaseLedger
from gongwu.alerts.models import Case, EscalationStep, Meeting, RuleSetting
from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet
from gongwu.core.http import SignedInRequest


class CaseViews(ObjectViewSet):
    model = Case
    table = tables.CaseTable
    filterset = filters.CaseFilterSet
    form = forms.CaseForm
    ledger = CaseLedger
    select_related = ("agency", "responsible_org", "responsible_person", "department", "subject_type")
    icon = "ti-alert-triangle"
    detail_template = "alerts/case_detail.html"
    void_service = services.void_case
    create_service = services.create_case

    @classmethod
    def extra_detail_context(cls, obj: Case, request: SignedInRequest) -> dict[str, Any]:
        return pages.case_context(obj, request)


class MeetingViews(ObjectViewSet):
    model = Meeting
    table = tables.MeetingTable
    filterset = filters.MeetingFilterSet
    form = forms.MeetingForm
    select_related = ("agency",)
    icon = "ti-users-group"
    detail_template = "alerts/meeting_detail.html"

    @classmethod
    def extra_detail_context(cls, obj: Meeting, request: SignedInRequest) -> dict[str, Any]:
        return pages.meeting_context(obj, request)


class RuleSettingViews(ObjectViewSet):
    model = RuleSetting
    table = tables.RuleSettingTable
    filterset = filters.RuleSettingFilterSet
    form = forms.RuleSettingForm
    select_related = ("agency",)
    icon = "ti-adjustments"


class EscalationStepViews(ObjectViewSet):
    model = EscalationStep
    table = tables.EscalationStepTable
    filterset = filters.EscalationStepFilterSet
    form = forms.EscalationStepForm
    select_related = ("agency",)
    icon = "ti-stairs-up"


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("alerts", _("Supervision"), "ti-alert-triangle", 20),
        MenuItem(_("My cases"), "alerts:inbox", Case, "ti-inbox"),
        MenuItem(_("Leader's board"), "alerts:board", Case, "ti-layout-dashboard"),
        MenuItem(_("All cases"), "alerts:case_list", Case, "ti-alert-triangle"),
        MenuItem(_("Meetings"), "alerts:meeting_list", Meeting, "ti-users-group"),
        MenuItem(_("Rules"), "alerts:rules", RuleSetting, "ti-adjustments"),
        MenuItem(_("Escalation steps"), "alerts:escalationstep_list", EscalationStep, "ti-stairs-up"),
    )
    search.register(CaseViews)
