from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.tables import DayColumn, LinkColumn, ObjectTable, VoidedColumn
from gongwu.inspections.models import (
    Accident,
    CheckItem,
    ChecklistTemplate,
    Finding,
    HazardousWork,
    Inspection,
    RectificationNotice,
)
from gongwu.projects.tables import ProjectColumn

SEVERITY_COLOUR = {"general": "yellow", "major": "orange", "serious": "red"}
STATE_COLOUR = {"open": "blue", "answered": "purple", "closed": "green", "overdue": "red", "voided": "secondary"}


class InspectionTable(ObjectTable):
    started_at = LinkColumn(verbose_name=_("date and time"))
    project = ProjectColumn()
    kind = tables.Column(verbose_name=_("kind"))
    level = tables.Column(verbose_name=_("level"))
    lead = tables.Column(verbose_name=_("lead inspector"))
    score = tables.Column(verbose_name=_("score"), attrs={"td": {"class": "text-end"}})
    grade = tables.Column(verbose_name=_("grade"))
    status = tables.Column(verbose_name=_("status"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Inspection
        fields = ("started_at", "project", "kind", "level", "lead", "score", "grade", "status", "voided")

    def render_started_at(self, value: Any, record: Inspection) -> str:
        return format_html(
            '<a href="{}">{}</a>', record.get_absolute_url(), f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
        )

    def render_grade(self, value: str) -> str:
        from gongwu.inspections.scoring import Grade

        return Grade(value).label if value else ""


class FindingTable(ObjectTable):
    description = LinkColumn(verbose_name=_("description"))
    project = ProjectColumn()
    category = tables.Column(verbose_name=_("category"))
    severity = tables.Column(verbose_name=_("severity"))
    responsible_org = tables.Column(verbose_name=_("responsible company"))
    found_on = DayColumn(verbose_name=_("found on"))
    deadline = DayColumn(verbose_name=_("deadline"))
    status = tables.Column(verbose_name=_("status"))

    class Meta(ObjectTable.Meta):
        model = Finding
        fields = ("description", "project", "category", "severity", "responsible_org", "found_on", "deadline", "status")

    def render_description(self, value: str, record: Finding) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value[:60])

    def render_severity(self, value: str, record: Finding) -> str:
        return format_html('<span class="badge bg-{}-lt">{}</span>', SEVERITY_COLOUR[record.severity], value)


class RectificationNoticeTable(ObjectTable):
    number = LinkColumn(verbose_name=_("number"))
    project = ProjectColumn()
    kind = tables.Column(verbose_name=_("kind"))
    company = tables.Column(verbose_name=_("addressed to"))
    issued_on = DayColumn(verbose_name=_("issued on"))
    deadline = DayColumn(verbose_name=_("deadline"))
    state = tables.Column(verbose_name=_("status"), accessor="pk", orderable=False)

    class Meta(ObjectTable.Meta):
        model = RectificationNotice
        fields = ("number", "project", "kind", "company", "issued_on", "deadline", "state")

    def render_state(self, record: RectificationNotice) -> str:
        from gongwu.inspections.filters import NOTICE_STATES
        from gongwu.inspections.services import notice_status

        state = notice_status(record)
        return format_html('<span class="badge bg-{}-lt">{}</span>', STATE_COLOUR[state], dict(NOTICE_STATES)[state])


class HazardousWorkTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    project = ProjectColumn()
    kind = tables.Column(verbose_name=_("kind"))
    over_scale = tables.BooleanColumn(verbose_name=_("exceeds the scale"))
    plan_approved_on = DayColumn(verbose_name=_("special plan approved on"))
    expert_review_on = DayColumn(verbose_name=_("expert review on"))
    status = tables.Column(verbose_name=_("status"))

    class Meta(ObjectTable.Meta):
        model = HazardousWork
        fields = ("name", "project", "kind", "over_scale", "plan_approved_on", "expert_review_on", "status")


class AccidentTable(ObjectTable):
    occurred_on = LinkColumn(verbose_name=_("occurred on"))
    project = ProjectColumn()
    kind = tables.Column(verbose_name=_("kind"))
    severity = tables.Column(verbose_name=_("severity"))
    deaths = tables.Column(verbose_name=_("deaths"))

    class Meta(ObjectTable.Meta):
        model = Accident
        fields = ("occurred_on", "project", "kind", "severity", "deaths")


class ChecklistTemplateTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"), order_by=("order", "name"))
    kind = tables.Column(verbose_name=_("kind"))
    summary_line = tables.Column(verbose_name=_("summary line"))
    agency = tables.Column(verbose_name=_("agency"), default="JGJ 59-2011")
    is_active = tables.BooleanColumn(verbose_name=_("active"))

    class Meta(ObjectTable.Meta):
        model = ChecklistTemplate
        fields = ("name", "kind", "summary_line", "agency", "is_active")


class CheckItemTable(ObjectTable):
    text = LinkColumn(verbose_name=_("check item"))
    template = tables.Column(verbose_name=_("checklist"))
    number = tables.Column(verbose_name=_("number"))
    group = tables.Column(verbose_name=_("group"))
    points = tables.Column(verbose_name=_("points"))
    guarantee = tables.BooleanColumn(verbose_name=_("guarantee item (保证项目)"))

    class Meta(ObjectTable.Meta):
        model = CheckItem
        fields = ("number", "text", "template", "group", "points", "guarantee")
