"""`gongwu demo`: the core demo (agencies, companies, users), then each app's demo data.

Core imports no domain app: an app takes part by registering its `demo` module from its `ready()`
(`gongwu.core.demo.register_demo`), a module with

    def build(*, orgs: dict[str, Organization], actor: User, progress: Callable[[int, int, str], None]) -> None

where `orgs` is what `DemoBuilder.build()` returns, `actor` the demo administrator and `progress` a
progress reporter (done, total, label). They run in the order registered (INSTALLED_APPS order), so an
app's demo can use the data of the apps it depends on. Each build must be deterministic and safe to run twice.
"""

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongwu.core import services
from gongwu.core.demo import DEMO_PASSWORD, DEMOS, USERS, DemoBuilder, progress_bar


def app_demo_modules() -> Iterator[ModuleType]:
    """The demo modules the apps registered, in the order they registered them."""
    for module in DEMOS:
        yield importlib.import_module(module)


def quiet(done: int, total: int, label: str) -> None:
    """A progress reporter that reports nothing (verbosity 0)."""


class Command(BaseCommand):
    help = "Load the demo agency (only with GONGWU_DEMO=1 or GONGWU_DEBUG=1: it sets known passwords)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG or settings.TESTING):
            raise CommandError(_("The demo sets known passwords; run it only with GONGWU_DEMO=1."))
        progress = quiet if options["verbosity"] == 0 else progress_bar
        builder = DemoBuilder(progress=progress)
        orgs = builder.build()
        for module in app_demo_modules():
            module.build(orgs=orgs, actor=builder.actor, progress=progress)
        services.write_checkpoint()  # so that `gongwu audit verify` has the demo's head to compare with
        if options["verbosity"] == 0:
            return
        self.stdout.write(self.style.SUCCESS(_("Demo agency ready. Sign in at http://127.0.0.1:8000/ with:")))
        for username, name, role, _org, _su in USERS:
            self.stdout.write(f"  {username:<10} {DEMO_PASSWORD}   {name} ({role.label})")
