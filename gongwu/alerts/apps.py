from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "gongwu.alerts"
    label = "alerts"
    verbose_name = _("Alerts and supervision")

    def ready(self) -> None:
        import gongwu.alerts.figures  # noqa: F401  (registers the figures the reports ask for)
        from gongwu.alerts import views

        views.register()
