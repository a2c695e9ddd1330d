from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    name = "gongwu.investment"
    label = "investment"
    verbose_name = _("Investment")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.core.demo import register_demo
        from gongwu.core.generic.panels import register_panel
        from gongwu.investment import figures, panels, rules, views
        from gongwu.projects.models import Project

        views.register()
        register_rules(rules.behind_schedule)
        register_panel(Project, panels.project_investment_panel)
        register_demo("gongwu.investment.demo")
        figures.register()
