from django.urls import path

from gongwu.projects import pages, views

app_name = "projects"

urlpatterns = [
    path("summary/", pages.summary, name="summary"),
    path("<int:pk>/stage/", pages.stage_change, name="stage_change"),
    *views.ProjectViews.urls("list"),
    *views.ApprovalViews.urls("approvals"),
    *views.MilestoneViews.urls("milestones"),
    *views.ProgressReportViews.urls("progress"),
    *views.TaskListViews.urls("tasks"),
    *views.TaskItemViews.urls("task-items"),
    *views.SectionViews.urls("sections"),
    *views.ParticipationViews.urls("participations"),
    *views.AwardViews.urls("awards"),
    *views.ProjectTagViews.urls("tags"),
    *views.ApprovalKindViews.urls("approval-kinds"),
    *views.ProjectSettingsViews.urls("settings"),
]
