from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "gongwu.inspections"
    label = "inspections"
    verbose_name = _("Quality and safety")

    def ready(self) -> None:
        from gongwu.core.generic.views import DETAIL_PANELS
        from gongwu.inspections import panels, views

        views.register()
        if panels.project_inspections_panel not in DETAIL_PANELS:
            DETAIL_PANELS.append(panels.project_inspections_panel)
