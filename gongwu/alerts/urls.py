from django.urls import path

from gongwu.alerts import pages, views

app_name = "alerts"

urlpatterns = [
    path("", pages.inbox, name="inbox"),
    path("board/", pages.board, name="board"),
    path("rules/", pages.rules, name="rules"),
    path("notifications/", pages.notifications, name="notifications"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    path("cases/<int:pk>/<str:name>/", pages.case_action, name="case_action"),
    *views.CaseViews.urls("cases"),
    *views.MeetingViews.urls("meetings"),
    *views.RuleSettingViews.urls("rule-settings"),
    *views.EscalationStepViews.urls("escalation"),
]
