from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    name = "gongwu.investment"
    label = "investment"
    verbose_name = _("Investment")

    def ready(self) -> None:
        from gongwu.investment import figures, rules, views

        views.register()
        rules.register()
        figures.register()
