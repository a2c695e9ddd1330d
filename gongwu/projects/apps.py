from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "gongwu.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from gongwu.alerts.rules import register_rules
        from gongwu.core.demo import register_demo
        from gongwu.projects import rules, views

        views.register()
        register_rules(rules.approval_late, rules.milestone_overdue, rules.task_behind, rules.lead_time_over_target)
        register_demo("gongwu.projects.demo")
