from django.urls import path

from gongwu.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
    path("figures/", views.figures_page, name="figures"),
    path("autocomplete/<str:label>/", views.autocomplete, name="autocomplete"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
    path("attachments/upload/<str:target>/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    *views.OrganizationViews.urls("organizations"),
    *views.UserViews.urls("users"),
    *views.ChangeLogViews.urls("changelog"),
    *views.CalendarDayViews.urls("calendar"),
]
