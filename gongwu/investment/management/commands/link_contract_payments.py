"""`gongwu link_contract_payments`: link payments whose typed contract number is one of their agency's contracts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongwu.core import context
from gongwu.investment import services


class Command(BaseCommand):
    help = (
        "Link the payments that name no contract record to their agency's contract of the number typed on them "
        "(on the same project), after contracts are imported; every payment is kept and the contracts' paid "
        "totals follow. Logged in the change log as the system's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", type=int, action="append", help="Only this agency's payments (an id).")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.change_source("command"):
            linked, left = services.link_contract_payments(agency_ids=options.get("agency"))
        self.stdout.write(f"payments linked to their contract: {linked}; left with their number as typed: {left}")
