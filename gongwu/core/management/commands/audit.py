from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongwu.core.services import verify_change_log


class Command(BaseCommand):
    help = "Change-log integrity: `gongwu audit verify` walks the hash chain and reports the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_change_log()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(_("Change log intact: %(count)d entries verified.") % {"count": report.checked})
            )
            return
        reason = _("its link to the previous entry") if report.reason == "link" else _("its content")
        raise CommandError(
            _("Change log broken at entry %(id)d (%(reason)s does not match); %(count)d entries before it are intact.")
            % {"id": report.broken_id, "reason": reason, "count": report.checked}
        )
