from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    name = "gongwu.investment"
    label = "investment"
    verbose_name = _("Investment")

    def ready(self) -> None:
        from gongwu.core.generic.panels import register_panel
        from gongwu.investment import panels, rollup, rules, views
        from gongwu.projects.models import Project

        rollup.connect()
        views.register()
        rules.register()
        register_panel(Project, panels.project_investment_panel)
