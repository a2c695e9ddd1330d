from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from gongwu.api import api
from gongwu.core.views import healthz

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("projects/", include("gongwu.projects.urls")),
    path("alerts/", include("gongwu.alerts.urls")),
    path("investment/", include("gongwu.investment.urls")),
    path("inspections/", include("gongwu.inspections.urls")),
    path("tenders/", include("gongwu.tenders.urls")),
    path("contracts/", include("gongwu.contracts.urls")),
    path("", include("gongwu.core.urls")),
]

handler404 = "gongwu.core.views.page_not_found"
