"""`gongwu rebuild_investment_rollup`: recompute the dashboard's rollup of every plan (and the agencies' sums) from the records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from gongwu.investment import rollup


class Command(BaseCommand):
    help = (
        "Recompute the investment dashboard's per-plan, per-month figures from plans, actuals and payments, and the "
        "agencies' monthly sums of them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = rollup.rebuild()
        self.stdout.write(f"rollup rebuilt for {count} plans")
