"""Reporting periods (a calendar year by default, or any from/to) and the percentages the reports give."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def previous_year(self) -> Period:
        def back(day: datetime.date) -> datetime.date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year - 1, day=28)

        return Period(back(self.start), back(self.end))

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def period_from_query(query: Mapping[str, str]) -> tuple[Period, list[str]]:
    """The period from `year` or `from`/`to` (YYYY-MM-DD) in a query string; this year by default.

    Bad input gives this year's period and the messages to show.
    """
    errors = []
    today = timezone.localdate()
    try:
        year = int(query.get("year") or today.year)
        if not 1990 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors.append(_("The year must be a number between 1990 and 2100."))
        year = today.year
    period = Period.year(year)
    start, end = query.get("from"), query.get("to")
    if start or end:
        try:
            period = Period(
                datetime.date.fromisoformat(start) if start else period.start,
                datetime.date.fromisoformat(end) if end else period.end,
            )
        except ValueError:
            errors.append(_("Dates are written YYYY-MM-DD."))
        if period.end < period.start:
            errors.append(_("The period ends before it starts."))
            period = Period.year(year)
    return period, errors


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, one decimal (32 of 33 → 97.0); None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def change_percent(current: int | Decimal | None, previous: int | Decimal | None) -> Decimal | None:
    """Year-on-year change in %, one decimal (18600 vs 13980 → 33.0)."""
    if not previous or current is None:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal("0.1"))


class ListLinks:
    """Addresses of the lists behind a page's figures for a period, narrowed to one agency when one is chosen."""

    def __init__(self, period: Period, agency: Any | None) -> None:
        self.period = period
        self.agency = agency

    def _url(self, name: str, query: dict[str, Any]) -> str:
        if self.agency is not None:
            query = {"agency": self.agency.pk, **query}
        clean = {k: v for k, v in query.items() if v not in (None, "", [], ())}
        return reverse(name) + "?" + urlencode(clean, doseq=True)
