"""`gongwu audit verify [--checkpoints FILE …]` and `gongwu audit checkpoint [--enqueue]` (README "Change log")."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongwu.core import audit, tasks
from gongwu.core.services import ChainReport, verify_change_log, write_checkpoint


def checkpoint_words(checkpoint: audit.Checkpoint) -> str:
    return _("the checkpoint of %(time)s (%(count)d entries, the last %(id)d)") % {
        "time": checkpoint.time,
        "count": checkpoint.count,
        "id": checkpoint.last_id,
    }


def failure(report: ChainReport) -> str:
    if report.reason in ("link", "content") or report.checkpoint is None:
        reason = _("its link to the previous entry") if report.reason == "link" else _("its content")
        return _(
            "Change log broken at entry %(id)d (%(reason)s does not match); %(count)d entries before it are intact."
        ) % {"id": report.broken_id, "reason": reason, "count": report.checked}
    what = checkpoint_words(report.checkpoint)
    if report.reason == "signature":
        return _("Change log not verified: %(checkpoint)s is not signed with the audit key.") % {"checkpoint": what}
    if report.reason == "missing":
        return _(
            "Change log broken: entry %(id)d, recorded by %(checkpoint)s, is missing (entries were removed); "
            "%(count)d entries before it are intact."
        ) % {"id": report.broken_id, "checkpoint": what, "count": report.checked}
    if report.reason == "count":
        return _(
            "Change log broken: %(checked)d entries up to entry %(id)d where %(checkpoint)s recorded "
            "%(expected)d (entries were removed or added)."
        ) % {"checked": report.checked, "id": report.broken_id, "checkpoint": what, "expected": report.checkpoint.count}
    return _("Change log broken at entry %(id)d: its hash is not the one %(checkpoint)s recorded.") % {
        "id": report.broken_id,
        "checkpoint": what,
    }


class Command(BaseCommand):
    help = (
        "Change-log integrity: `verify` walks the keyed hash chain and compares it with the signed checkpoints; "
        "`checkpoint` signs the chain's head and writes it outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--checkpoints",
            action="append",
            metavar="FILE",
            help="verify: compare with the checkpoints in this file (e.g. a copy of the syslog); "
            "default GONGWU_AUDIT_CHECKPOINT_FILE",
        )
        parser.add_argument("--enqueue", action="store_true", help="checkpoint: queue it for the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self.checkpoint(enqueue=options["enqueue"])
        else:
            self.verify(options["checkpoints"])

    def checkpoint(self, *, enqueue: bool) -> None:
        if enqueue:
            tasks.write_audit_checkpoint.enqueue()
            self.stdout.write(_("Checkpoint queued for the task worker."))
            return
        try:
            checkpoint, places = write_checkpoint()
        except OSError as exc:
            raise CommandError(_("The checkpoint could not be written: %(error)s") % {"error": exc}) from exc
        if not places:
            raise CommandError(
                _("No place to write checkpoints: set GONGWU_AUDIT_CHECKPOINT_FILE or GONGWU_AUDIT_CHECKPOINT_SYSLOG.")
            )
        self.stdout.write(
            _("Checkpoint written to %(places)s: %(count)d entries, the last %(id)d.")
            % {"places": ", ".join(places), "count": checkpoint.count, "id": checkpoint.last_id}
        )

    def verify(self, files: list[str] | None) -> None:
        files = files or [f for f in [settings.GONGWU_AUDIT_CHECKPOINT_FILE] if f]
        try:
            checkpoints = audit.read_checkpoints(files)
        except audit.CheckpointError as exc:
            raise CommandError(_("Not a checkpoint: %(line)s") % {"line": str(exc)[:200]}) from exc
        report = verify_change_log(checkpoints=checkpoints)
        if not report.ok:
            raise CommandError(failure(report))
        self.stdout.write(
            self.style.SUCCESS(_("Change log intact: %(count)d entries verified.") % {"count": report.checked})
        )
        if checkpoints:
            self.stdout.write(
                _("It agrees with %(count)d checkpoints, the latest %(checkpoint)s.")
                % {"count": report.checkpoints, "checkpoint": checkpoint_words(checkpoints[-1])}
            )
        else:
            self.stderr.write(
                _("No checkpoints to compare with: a removed tail would not show. Schedule `gongwu audit checkpoint`.")
            )
