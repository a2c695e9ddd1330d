from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongwu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from gongwu.core import navigation, views
        from gongwu.core.generic import token_cache
        from gongwu.core.generic.tables import install_signature_cache
        from gongwu.core.models import APIToken, Organization, User

        install_signature_cache()
        for signal in (post_save, post_delete):
            signal.connect(token_cache.token_changed, sender=APIToken, dispatch_uid=f"token_cache_token_{signal}")
            signal.connect(token_cache.user_changed, sender=User, dispatch_uid=f"token_cache_user_{signal}")
            signal.connect(
                token_cache.organization_changed, sender=Organization, dispatch_uid=f"token_cache_org_{signal}"
            )
        navigation.register_core_sections()
        views.register_search()
