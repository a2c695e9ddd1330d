from django.urls import path, re_path

from gongwu.contracts import pages, urls_money, urls_reviews, views

app_name = "contracts"

urlpatterns = [
    # ---- contracts ----
    path("figures/", pages.figures_page, name="figures"),
    path("contracts/<int:pk>/word/", pages.word, name="contract_word"),
    path("contracts/<int:pk>/transition/", pages.transition, name="contract_transition"),
    *views.ContractViews.urls("contracts"),
    # ---- countersign ----
    path("contracts/<int:pk>/countersign/", pages.start_countersign, name="start_countersign"),
    re_path(r"^countersign-steps/(?P<pk>\d+)/(?P<decision>approve|return)/$", pages.act_on_step, name="act_on_step"),
    path("my-tasks/", pages.my_tasks, name="my_tasks"),
    *views.CountersignRouteViews.urls("countersign-routes"),
    *views.CountersignRouteStepViews.urls("countersign-route-steps"),
    # ---- settings and the standard text library ----
    *views.ContractTemplateViews.urls("templates"),
    *views.ContractSettingsViews.urls("settings"),
    # ---- changes and claims; reviews and subcontracts ----
    *urls_money.urlpatterns,
    *urls_reviews.urlpatterns,
]
