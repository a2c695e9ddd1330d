from django.urls import path, re_path

from gongwu.investment import pages, views

app_name = "investment"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("review/", pages.review, name="review"),
    path("report/", pages.report, name="report"),
    re_path(r"^actuals/(?P<pk>\d+)/(?P<step>submit|confirm|return)/$", pages.actual_step, name="actual_step"),
    path("adjustments/<int:pk>/decide/", pages.decide_adjustment, name="decide_adjustment"),
    *views.AnnualPlanViews.urls("plans"),
    *views.MonthlyActualViews.urls("actuals"),
    *views.PlanAdjustmentViews.urls("adjustments"),
    *views.PaymentViews.urls("payments"),
    *views.ScheduleTemplateViews.urls("templates"),
    *views.InvestmentSettingsViews.urls("settings"),
]
