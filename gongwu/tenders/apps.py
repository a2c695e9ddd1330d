from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "gongwu.tenders"
    label = "tenders"
    verbose_name = _("Tenders")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.core.demo import register_demo
        from gongwu.tenders import figures, rules, views

        views.register()
        register_rules(rules.non_tender_award_above_threshold, rules.split_suspected)
        figures.register()
        register_demo("gongwu.tenders.demo")
