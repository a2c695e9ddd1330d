from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "gongwu.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from gongwu.projects import figures, rules, views  # noqa: F401 — figures registers its figures

        views.register()
        rules.register()
