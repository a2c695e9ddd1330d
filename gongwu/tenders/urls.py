from django.urls import path, re_path

from gongwu.tenders import pages, views

app_name = "tenders"

urlpatterns = [
    re_path(r"^plans/(?P<pk>\d+)/(?P<step>approve|cancel)/$", pages.plan_step, name="plan_step"),
    path("list/<int:pk>/recommend/", pages.recommend, name="recommend"),
    path("list/<int:pk>/award/", pages.award, name="award"),
    path("list/<int:pk>/fail/", pages.fail, name="fail"),
    path("bids/<int:pk>/disqualify/", pages.disqualify, name="disqualify"),
    *views.TenderPlanViews.urls("plans"),
    *views.TenderViews.urls("list"),
    *views.BidViews.urls("bids"),
    *views.SchemeTemplateViews.urls("schemes"),
]
