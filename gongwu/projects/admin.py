"""Admin for superusers: the same forms (and so the same rules) as the pages, saved through the services."""

from django.contrib import admin

from gongwu.core.admin import FormAdmin, ReadOnlyAdmin
from gongwu.projects import forms
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
    StageChange,
    TaskItem,
    TaskList,
)


@admin.register(Project)
class ProjectAdmin(FormAdmin):
    form = forms.ProjectForm
    list_display = ("code", "name", "agency", "category", "stage", "started_on", "completed_on")
    list_filter = ("stage", "category", "delivery_method")
    search_fields = ("code", "name")
    raw_id_fields = ("agency", "parent", "department", "director", "user_unit")


@admin.register(Approval)
class ApprovalAdmin(FormAdmin):
    form = forms.ApprovalForm
    list_display = ("project", "kind", "planned_date", "actual_date", "document_number")
    raw_id_fields = ("project",)


@admin.register(Milestone)
class MilestoneAdmin(FormAdmin):
    form = forms.MilestoneForm
    list_display = ("project", "kind", "name", "planned_date", "actual_date")
    raw_id_fields = ("project",)


@admin.register(Participation)
class ParticipationAdmin(FormAdmin):
    form = forms.ParticipationForm
    list_display = ("organization", "role", "project", "section", "started_on", "ended_on", "source")
    list_filter = ("role", "source")
    raw_id_fields = ("project", "section", "organization")


@admin.register(ProgressReport)
class ProgressReportAdmin(FormAdmin):
    form = forms.ProgressReportForm
    list_display = ("project", "month", "percent")
    raw_id_fields = ("project",)


@admin.register(TaskList)
class TaskListAdmin(FormAdmin):
    form = forms.TaskListForm
    list_display = ("agency", "year", "name")


@admin.register(TaskItem)
class TaskItemAdmin(FormAdmin):
    form = forms.TaskItemForm
    list_display = ("task_list", "project", "kind", "planned_date")
    raw_id_fields = ("project",)


@admin.register(Award)
class AwardAdmin(FormAdmin):
    form = forms.AwardForm
    list_display = ("name", "level", "year", "project")
    raw_id_fields = ("project",)


@admin.register(ProjectTag)
class ProjectTagAdmin(FormAdmin):
    form = forms.ProjectTagForm
    list_display = ("name", "agency")


@admin.register(ApprovalKind)
class ApprovalKindAdmin(FormAdmin):
    form = forms.ApprovalKindForm
    list_display = ("name", "order", "role", "agency", "is_active")


@admin.register(ProjectSettings)
class ProjectSettingsAdmin(FormAdmin):
    form = forms.ProjectSettingsForm
    list_display = ("agency", "code_pattern", "lead_time_target", "lead_time_basis")


admin.site.register(StageChange, ReadOnlyAdmin)
