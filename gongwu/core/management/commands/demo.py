from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongwu.core.demo import DEMO_PASSWORD, USERS, DemoBuilder


class Command(BaseCommand):
    help = "Load the demo agency (only with GONGWU_DEMO=1 or GONGWU_DEBUG=1: it sets known passwords)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG or settings.TESTING):
            raise CommandError(_("The demo sets known passwords; run it only with GONGWU_DEMO=1."))
        DemoBuilder().build()
        self.stdout.write(self.style.SUCCESS(_("Demo agency ready. Sign in at http://127.0.0.1:8000/ with:")))
        for username, name, role, _org, _su in USERS:
            self.stdout.write(f"  {username:<10} {DEMO_PASSWORD}   {name} ({role.label})")
