from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "gongwu.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.contracts import (
            figures,
            figures_money,
            figures_reviews,
            pages_money,
            pages_reviews,
            rules,
            rules_money,
            rules_reviews,
            views,
            views_money,
            views_reviews,
        )
        from gongwu.contracts.models import Contract
        from gongwu.core.demo import register_demo
        from gongwu.core.generic.panels import register_panel
        from gongwu.projects.models import Project

        views.register()
        views_money.register()
        views_reviews.register()
        figures.register()
        figures_money.register()
        figures_reviews.register()
        register_rules(
            rules.past_completion,
            rules_money.change_over_band,
            rules_money.payment_ahead_of_claims,
            *rules_reviews.RULES,
        )
        register_panel(Project, pages_reviews.project_reviews_panel)
        register_panel(Contract, pages_money.contract_money_panel)
        register_panel(Contract, pages_reviews.contract_subcontracts_panel)
        register_panel(Contract, pages_reviews.contract_reviews_panel)
        register_demo("gongwu.contracts.demo")
