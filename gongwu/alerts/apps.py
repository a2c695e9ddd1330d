from django.apps import AppConfig
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "gongwu.alerts"
    label = "alerts"
    verbose_name = _("Alerts and supervision")

    def ready(self) -> None:
        import gongwu.alerts.figures  # noqa: F401  (registers the figures the reports ask for)
        from gongwu.alerts import pages, sources, views
        from gongwu.alerts.models import Kind
        from gongwu.core.demo import register_demo
        from gongwu.core.generic.panels import register_panel

        views.register()
        # The cases alerts opens itself; every other app that opens cases registers its own sources.
        sources.register_case_source(sources.RULE, _("Rule"), app_label=self.label)
        sources.register_case_source(
            sources.MEETING, _("Meeting decision"), app_label=self.label, imported=True, kind=Kind.ACTION_ITEM
        )
        sources.register_case_source(
            sources.TOUR, _("Inspection tour finding"), app_label=self.label, imported=True, kind=Kind.RECTIFICATION
        )
        sources.register_case_source(sources.MANUAL, _("Manual"), app_label=self.label, imported=True)
        register_panel(models.Model, pages.subject_cases_panel)  # the cases about any record
        register_demo("gongwu.alerts.demo")
