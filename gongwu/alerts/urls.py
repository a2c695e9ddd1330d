from django.urls import path, re_path

from gongwu.alerts import pages, views

app_name = "alerts"

urlpatterns = [
    path("", pages.inbox, name="inbox"),
    path("board/", pages.board, name="board"),
    path("rules/", pages.rules, name="rules"),
    path("notifications/", pages.notifications, name="notifications"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    re_path(
        r"^cases/(?P<pk>\d+)/(?P<name>assign|start|respond|close|send_back|archive|reschedule|reassign)/$",
        pages.case_action,
        name="case_action",
    ),
    *views.CaseViews.urls("cases"),
    *views.MeetingViews.urls("meetings"),
    *views.RuleSettingViews.urls("rule-settings"),
    *views.EscalationStepViews.urls("escalation"),
]
