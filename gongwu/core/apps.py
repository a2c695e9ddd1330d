from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongwu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gongwu.core import navigation, views
        from gongwu.core.generic.tables import install_signature_cache

        install_signature_cache()
        navigation.register_core_sections()
        views.register_search()
