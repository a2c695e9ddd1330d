from django.urls import path

from gongwu.inspections import pages, reports, views

app_name = "inspections"

urlpatterns = [
    path("", reports.figures_page, name="figures"),
    path("summary/<str:period>/", reports.summary, name="summary"),
    path("summary/<str:period>/docx/", reports.summary_docx, name="summary_docx"),
    path("inspections/start/", pages.start_inspection, name="start"),
    path("inspections/<int:pk>/sheets/add/", pages.add_sheet, name="add_sheet"),
    path("sheets/<int:pk>/", pages.walk_sheet, name="scoresheet_detail"),
    path("inspections/<int:pk>/findings/add/", pages.add_finding, name="add_finding"),
    path("inspections/<int:pk>/notice/", pages.issue_notice, name="issue_notice"),
    path("inspections/<int:pk>/complete/", pages.complete, name="complete"),
    path("notices/<int:pk>/answer/", pages.answer_notice, name="answer_notice"),
    path("notices/<int:pk>/reinspect/", pages.reinspect, name="reinspect"),
    path("notices/<int:pk>/docx/", reports.notice_docx, name="notice_docx"),
    *views.InspectionViews.urls("inspections"),
    *views.FindingViews.urls("findings"),
    *views.RectificationNoticeViews.urls("notices"),
    *views.HazardousWorkViews.urls("hazardous-works"),
    *views.AccidentViews.urls("accidents"),
    *views.ChecklistTemplateViews.urls("checklists"),
    *views.CheckItemViews.urls("check-items"),
]
