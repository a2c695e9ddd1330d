from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "gongwu.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.contracts import figures_money, rules_money, views_money

        views_money.register()
        figures_money.register()
        register_rules(rules_money.change_over_band, rules_money.payment_ahead_of_claims)
