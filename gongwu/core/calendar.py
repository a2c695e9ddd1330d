"""Working days under China's statutory holidays and make-up working days (调休).

Which calendar decides a day, first that knows its year:
1. the year's schedule an administrator entered (`CalendarDay`, from the State Council's notice);
2. the chinese-calendar package (the years up to its release);
3. Monday to Friday. A deadline computed this way may be wrong by the whole Spring Festival, so every such
   year is noted: pages show a warning and API responses carry the `Gongwu-Calendar-Warning` header
   (`CalendarWarningMiddleware`), and background jobs log it.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import time

import chinese_calendar

logger = logging.getLogger(__name__)

ENTERED_TTL_SECONDS = 60.0  # how long a process trusts what it read of the entered years

# year -> {date: is working day} for the days entered that year ({} for none); with when it was read
_entered: dict[int, tuple[float, dict[datetime.date, bool]]] = {}
_unknown_years: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("unknown_years", default=None)
_logged_years: set[int] = set()


def forget_entered() -> None:
    """Drop what this process read of the entered years (after a change to them, and between tests)."""
    _entered.clear()


def entered_days(year: int) -> dict[datetime.date, bool]:
    cached = _entered.get(year)
    now = time.monotonic()
    if cached is not None and now - cached[0] < ENTERED_TTL_SECONDS:
        return cached[1]
    from gongwu.core.models import CalendarDay, DayKind

    days = {
        day: kind == DayKind.WORKDAY
        for day, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
    }
    _entered[year] = (now, days)
    return days


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def year_known(year: int) -> bool:
    """Whether a holiday schedule for `year` is entered or in the package."""
    return bool(entered_days(year)) or library_knows(year)


def is_working_day(day: datetime.date) -> bool:
    entered = entered_days(day.year)
    if entered:
        return entered.get(day, day.weekday() < 5)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _note_unknown(day.year)
        return day.weekday() < 5


def _note_unknown(year: int) -> None:
    years = _unknown_years.get()
    if years is not None:
        years.add(year)
    if year not in _logged_years:
        _logged_years.add(year)
        logger.warning("No holiday schedule for %s: working days counted Monday to Friday", year)


class unknown_years_noted:
    """Collect, within the block, the years a working-day count fell back to Monday–Friday for."""

    def __enter__(self) -> set[int]:
        self.years: set[int] = set()
        self._token = _unknown_years.set(self.years)
        return self.years

    def __exit__(self, *exc: object) -> None:
        _unknown_years.reset(self._token)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (before it, for a negative number); `start` itself not counted."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += datetime.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
