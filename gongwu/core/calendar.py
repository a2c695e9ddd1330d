"""Working days under China's statutory holidays and make-up working days (调休), via chinese-calendar.

For a year the package does not know yet (the State Council publishes each year's schedule in
November or December), Monday to Friday count as working days.
"""

import datetime

import chinese_calendar


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


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
