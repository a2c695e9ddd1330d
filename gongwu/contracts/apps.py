from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "gongwu.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.contracts import figures_reviews, pages_reviews, rules_reviews, views_reviews
        from gongwu.contracts.models import Contract
        from gongwu.core.generic.panels import register_panel
        from gongwu.projects.models import Project

        views_reviews.register()
        figures_reviews.register()
        register_rules(*rules_reviews.RULES)
        register_panel(Project, pages_reviews.project_reviews_panel)
        register_panel(Contract, pages_reviews.contract_subcontracts_panel)
        register_panel(Contract, pages_reviews.contract_reviews_panel)
