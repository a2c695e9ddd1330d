from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "gongwu.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.contracts import figures, rules, views
        from gongwu.core.demo import register_demo

        views.register()
        figures.register()
        register_rules(rules.past_completion)
        register_demo("gongwu.contracts.demo")
