"""The projects app's generic pages (list, detail, edit, import, export) per model, menu and search.

The project page, the portfolio summary, the task-list results and the stage change live in pages.py.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet
from gongwu.projects import filters, forms, pages, services, tables
from gongwu.projects.imports import ParticipationLedger, ProjectLedger
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
    TaskItem,
    TaskList,
)


class ProjectViews(ObjectViewSet):
    model = Project
    table = tables.ProjectTable
    filterset = filters.ProjectFilterSet
    form = forms.ProjectForm
    ledger = ProjectLedger
    create_service = services.create_project
    update_service = services.update_project
    select_related = ("agency", "department", "director", "parent", "user_unit")
    money_fields = ("approved_investment", "budget_estimate")
    icon = "ti-building-skyscraper"
    detail_template = "projects/project_detail.html"

    @classmethod
    def extra_detail_context(cls, obj: Project, request: HttpRequest) -> dict[str, Any]:
        return pages.project_context(obj, request)


class ApprovalViews(ObjectViewSet):
    model = Approval
    table = tables.ApprovalTable
    filterset = filters.ApprovalFilterSet
    form = forms.ApprovalForm
    select_related = ("project", "kind")
    icon = "ti-file-certificate"


class MilestoneViews(ObjectViewSet):
    model = Milestone
    table = tables.MilestoneTable
    filterset = filters.MilestoneFilterSet
    form = forms.MilestoneForm
    select_related = ("project",)
    icon = "ti-flag"


class ProgressReportViews(ObjectViewSet):
    model = ProgressReport
    table = tables.ProgressReportTable
    filterset = filters.ProgressReportFilterSet
    form = forms.ProgressReportForm
    select_related = ("project",)
    icon = "ti-chart-line"


class SectionViews(ObjectViewSet):
    model = Section
    table = tables.SectionTable
    filterset = filters.SectionFilterSet
    form = forms.SectionForm
    select_related = ("project", "contractor", "supervisor")
    icon = "ti-layout-columns"
    create_service = services.create_section
    update_service = services.update_section
    delete_service = services.delete_section


class ParticipationViews(ObjectViewSet):
    model = Participation
    table = tables.ParticipationTable
    filterset = filters.ParticipationFilterSet
    form = forms.ParticipationForm
    ledger = ParticipationLedger
    select_related = ("project", "section", "organization")
    icon = "ti-users-group"


class TaskListViews(ObjectViewSet):
    model = TaskList
    table = tables.TaskListTable
    filterset = filters.TaskListFilterSet
    form = forms.TaskListForm
    select_related = ("agency",)
    icon = "ti-list-check"
    detail_template = "projects/tasklist_detail.html"

    @classmethod
    def extra_detail_context(cls, obj: TaskList, request: HttpRequest) -> dict[str, Any]:
        return pages.task_list_context(obj, request)


class TaskItemViews(ObjectViewSet):
    model = TaskItem
    table = tables.TaskItemTable
    filterset = filters.TaskItemFilterSet
    form = forms.TaskItemForm
    select_related = ("project", "task_list")
    icon = "ti-list-check"


class AwardViews(ObjectViewSet):
    model = Award
    table = tables.AwardTable
    filterset = filters.AwardFilterSet
    form = forms.AwardForm
    select_related = ("project",)
    icon = "ti-award"


class ProjectTagViews(ObjectViewSet):
    model = ProjectTag
    table = tables.ProjectTagTable
    filterset = filters.ProjectTagFilterSet
    form = forms.ProjectTagForm
    select_related = ("agency",)
    icon = "ti-tag"


class ApprovalKindViews(ObjectViewSet):
    model = ApprovalKind
    table = tables.ApprovalKindTable
    filterset = filters.ApprovalKindFilterSet
    form = forms.ApprovalKindForm
    select_related = ("agency",)
    icon = "ti-list-details"


class ProjectSettingsViews(ObjectViewSet):
    model = ProjectSettings
    table = tables.ProjectSettingsTable
    filterset = filters.ProjectSettingsFilterSet
    form = forms.ProjectSettingsForm
    select_related = ("agency",)
    icon = "ti-settings"


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("projects", _("Projects"), "ti-building-skyscraper", 10),
        MenuItem(_("Portfolio summary"), "projects:summary", Project, "ti-chart-bar"),
        MenuItem(_("Projects"), "projects:project_list", Project, "ti-building-skyscraper"),
        MenuItem(_("Annual task lists"), "projects:tasklist_list", TaskList, "ti-list-check"),
        MenuItem(_("Approvals"), "projects:approval_list", Approval, "ti-file-certificate"),
        MenuItem(_("Milestones"), "projects:milestone_list", Milestone, "ti-flag"),
        MenuItem(_("Progress reports"), "projects:progressreport_list", ProgressReport, "ti-chart-line"),
        MenuItem(_("Sections"), "projects:section_list", Section, "ti-layout-columns"),
        MenuItem(_("Participations"), "projects:participation_list", Participation, "ti-users-group"),
        MenuItem(_("Awards"), "projects:award_list", Award, "ti-award"),
        MenuItem(_("Project tags"), "projects:projecttag_list", ProjectTag, "ti-tag"),
        MenuItem(_("Approval kinds"), "projects:approvalkind_list", ApprovalKind, "ti-list-details"),
        MenuItem(_("Project settings"), "projects:projectsettings_list", ProjectSettings, "ti-settings"),
    )
    search.register(ProjectViews)
    search.register(AwardViews)
