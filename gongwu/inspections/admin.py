"""Admin for superusers: the same forms (and so the same rules) as the pages, saved through the services."""

from django.contrib import admin

from gongwu.core.admin import FormAdmin, ReadOnlyAdmin
from gongwu.inspections import forms
from gongwu.inspections.models import (
    Accident,
    CheckItem,
    ChecklistTemplate,
    Finding,
    HazardousWork,
    Inspection,
    ItemResult,
    RectificationNotice,
    ScoreSheet,
)


@admin.register(Inspection)
class InspectionAdmin(FormAdmin):
    form = forms.InspectionForm
    list_display = ("project", "kind", "level", "started_at", "score", "grade", "status")
    list_filter = ("kind", "level", "status")
    raw_id_fields = ("project", "section", "hazardous_work", "lead", "inspecting_org")


@admin.register(Finding)
class FindingAdmin(FormAdmin):
    form = forms.FindingForm
    list_display = ("project", "category", "severity", "responsible_org", "status", "found_on")
    list_filter = ("severity", "status", "category")
    raw_id_fields = ("inspection", "item", "responsible_org")


@admin.register(HazardousWork)
class HazardousWorkAdmin(FormAdmin):
    form = forms.HazardousWorkForm
    list_display = ("project", "name", "kind", "over_scale", "status")
    raw_id_fields = ("project", "section")


@admin.register(Accident)
class AccidentAdmin(FormAdmin):
    form = forms.AccidentForm
    list_display = ("project", "occurred_on", "kind", "severity", "deaths")
    raw_id_fields = ("project",)


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(FormAdmin):
    form = forms.ChecklistTemplateForm
    list_display = ("name", "table_no", "kind", "agency", "is_active")


@admin.register(CheckItem)
class CheckItemAdmin(FormAdmin):
    form = forms.CheckItemForm
    list_display = ("template", "number", "text", "points", "guarantee")


admin.site.register(RectificationNotice, ReadOnlyAdmin)
admin.site.register(ScoreSheet, ReadOnlyAdmin)
admin.site.register(ItemResult, ReadOnlyAdmin)
