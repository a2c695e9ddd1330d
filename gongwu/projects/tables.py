from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable
from gongwu.projects.models import (
    Approval,
    ApprovalKind,
    Award,
    Milestone,
    Participation,
    ProgressReport,
    Project,
    ProjectSettings,
    ProjectTag,
    Section,
    StageChange,
    TaskItem,
    TaskList,
)


class ProjectTable(ObjectTable):
    code = LinkColumn(verbose_name=_("project code"))
    name = LinkColumn(verbose_name=_("project name"))
    category = tables.Column(verbose_name=_("category"))
    stage = tables.Column(verbose_name=_("stage"))
    area = tables.Column(verbose_name=_("area (片区)"))
    director = tables.Column(verbose_name=_("project director"))
    approved_investment = MoneyColumn(verbose_name=_("approved investment"))
    progress = tables.Column(verbose_name=_("progress"), attrs={"td": {"class": "text-end"}})
    started_on = DayColumn(verbose_name=_("started on"))
    completed_on = DayColumn(verbose_name=_("completed on"))

    class Meta(ObjectTable.Meta):
        model = Project
        fields = (
            "code",
            "name",
            "category",
            "stage",
            "area",
            "director",
            "approved_investment",
            "progress",
            "started_on",
            "completed_on",
        )

    def render_progress(self, value):
        return f"{value:.0f}%"


class ProjectColumn(tables.Column):
    """A record's project, linked to its page and sorted by code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("project"))
        kwargs.setdefault("linkify", True)
        kwargs.setdefault("order_by", ("project__code",))
        super().__init__(*args, **kwargs)


class ProjectChildTable(ObjectTable):
    project = ProjectColumn()


class ApprovalTable(ProjectChildTable):
    kind = LinkColumn(verbose_name=_("approval kind"), order_by=("kind__order",))
    planned_date = DayColumn(verbose_name=_("planned date"))
    actual_date = DayColumn(verbose_name=_("actual date"))
    document_number = tables.Column(verbose_name=_("document number"))
    late = tables.Column(verbose_name=_("late"), accessor="is_late", orderable=False)

    class Meta(ObjectTable.Meta):
        model = Approval
        fields = ("kind", "project", "planned_date", "actual_date", "document_number", "late")

    def render_late(self, value):
        return format_html('<span class="badge bg-red-lt">{}</span>', _("Late")) if value else ""


class MilestoneTable(ProjectChildTable):
    kind = LinkColumn(verbose_name=_("milestone"), accessor="label", order_by=("kind",))
    planned_date = DayColumn(verbose_name=_("planned date"))
    actual_date = DayColumn(verbose_name=_("actual date"))
    overdue = tables.Column(verbose_name=_("overdue"), accessor="is_overdue", orderable=False)

    class Meta(ObjectTable.Meta):
        model = Milestone
        fields = ("kind", "project", "planned_date", "actual_date", "overdue")

    def render_overdue(self, value):
        return format_html('<span class="badge bg-red-lt">{}</span>', _("Overdue")) if value else ""


class ProgressReportTable(ProjectChildTable):
    month = tables.DateColumn(verbose_name=_("month"), format="Y-m", linkify=True)
    percent = tables.Column(verbose_name=_("physical progress (%)"), attrs={"td": {"class": "text-end"}})
    note = tables.Column(verbose_name=_("note"))

    class Meta(ObjectTable.Meta):
        model = ProgressReport
        fields = ("month", "project", "percent", "note")


class TaskListTable(ObjectTable):
    year = LinkColumn(verbose_name=_("year"))
    name = tables.Column(verbose_name=_("name"), accessor="__str__", orderable=False)
    agency = tables.Column(verbose_name=_("agency"))

    class Meta(ObjectTable.Meta):
        model = TaskList
        fields = ("year", "name", "agency")


class TaskItemTable(ProjectChildTable):
    kind = LinkColumn(verbose_name=_("task"))
    task_list = tables.Column(verbose_name=_("task list"), linkify=True)
    planned_date = DayColumn(verbose_name=_("planned date"))

    class Meta(ObjectTable.Meta):
        model = TaskItem
        fields = ("kind", "project", "task_list", "planned_date")


class AwardTable(ProjectChildTable):
    name = LinkColumn(verbose_name=_("award"))
    level = tables.Column(verbose_name=_("level"))
    year = tables.Column(verbose_name=_("year"))
    issuer = tables.Column(verbose_name=_("issuer"))

    class Meta(ObjectTable.Meta):
        model = Award
        fields = ("name", "level", "year", "project", "issuer")


class StageChangeTable(ObjectTable):
    entered_on = DayColumn(verbose_name=_("entered on"))
    stage = tables.Column(verbose_name=_("stage"))
    from_stage = tables.Column(verbose_name=_("from stage"))
    actor = tables.Column(verbose_name=_("by"))
    override_reason = tables.Column(verbose_name=_("override reason"))

    class Meta(ObjectTable.Meta):
        model = StageChange
        fields = ("entered_on", "stage", "from_stage", "actor", "override_reason")


class ProjectTagTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    agency = tables.Column(verbose_name=_("agency"))

    class Meta(ObjectTable.Meta):
        model = ProjectTag
        fields = ("name", "agency")


class ApprovalKindTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    order = tables.Column(verbose_name=_("order"))
    role = tables.Column(verbose_name=_("rule role"))
    agency = tables.Column(verbose_name=_("agency"), default=_("Built in"))
    is_active = tables.BooleanColumn(verbose_name=_("active"))

    class Meta(ObjectTable.Meta):
        model = ApprovalKind
        fields = ("name", "order", "role", "agency", "is_active")


class ProjectSettingsTable(ObjectTable):
    agency = LinkColumn(verbose_name=_("agency"))
    code_pattern = tables.Column(verbose_name=_("project code pattern"))
    lead_time_target = tables.Column(verbose_name=_("lead time target (days)"))
    lead_time_basis = tables.Column(verbose_name=_("lead time counted in"))

    class Meta(ObjectTable.Meta):
        model = ProjectSettings
        fields = ("agency", "code_pattern", "lead_time_target", "lead_time_basis")


class SectionTable(ProjectChildTable):
    name = LinkColumn(verbose_name=_("section"))
    contractor = tables.Column(verbose_name=_("contractor"))
    supervisor = tables.Column(verbose_name=_("supervisor (监理)"))

    class Meta(ObjectTable.Meta):
        model = Section
        fields = ("name", "project", "contractor", "supervisor")


class ParticipationTable(ProjectChildTable):
    organization = LinkColumn(verbose_name=_("organization"))
    role = tables.Column(verbose_name=_("role"))
    section = tables.Column(verbose_name=_("section"), accessor="section__name", default="—")
    started_on = DayColumn(verbose_name=_("started on"))
    ended_on = DayColumn(verbose_name=_("ended on"))
    source = tables.Column(verbose_name=_("source"))

    class Meta(ObjectTable.Meta):
        model = Participation
        fields = ("organization", "role", "project", "section", "started_on", "ended_on", "source")
