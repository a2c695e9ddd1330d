from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "gongwu.inspections"
    label = "inspections"
    verbose_name = _("Quality and safety")

    def ready(self) -> None:
        import gongwu.inspections.figures  # noqa: F401  (registers the figures the reports ask for)
        from gongwu.alerts.owners import register_subject_owner
        from gongwu.alerts.sources import register_case_source
        from gongwu.core.demo import register_demo
        from gongwu.core.generic.panels import register_panel
        from gongwu.inspections import panels, views
        from gongwu.inspections.models import CASE_SOURCE, Finding, RectificationNotice
        from gongwu.projects.models import Project

        views.register()
        # The cases of rectification notices and of 重大 findings.
        register_case_source(CASE_SOURCE, _("Inspection notice"), app_label=self.label)
        # A notice's case is answered finding by finding with photos, re-inspected and closed on the notice;
        # a 重大 finding's own case closes when its notice is closed (销项).
        register_subject_owner(
            RectificationNotice, url=lambda notice: notice.get_absolute_url(), where=_("its rectification notice")
        )
        register_subject_owner(
            Finding,
            url=lambda finding: (finding.notice or finding).get_absolute_url(),
            where=_("the rectification notice of its finding"),
        )
        register_panel(Project, panels.project_inspections_panel)
        register_demo("gongwu.inspections.demo")
