"""The suite's clock: every test runs at one fixed moment, never at the real date.

`GONGWU_TEST_NOW` (an ISO date-time with its offset) sets the moment; the default is a Wednesday in an
ordinary working week. `make test` runs the suite again at a Monday after a holiday across the year
boundary, a Saturday and the eve of a holiday, so a test that only passes on some days fails every time.
The clock ticks from that moment (timeouts and timings still work); module-level constants such as
`TODAY = timezone.localdate()` see it too, because the travel starts before any test module is imported.
Tests about a particular day travel further with the `travel` fixture.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterator

import pytest
import time_machine

DEFAULT_NOW = "2026-12-02T10:00:00+08:00"


def suite_now() -> datetime.datetime:
    value = os.environ.get("GONGWU_TEST_NOW") or DEFAULT_NOW
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"GONGWU_TEST_NOW needs a UTC offset, e.g. {DEFAULT_NOW}; got {value!r}")
    return moment


def pytest_configure(config: pytest.Config) -> None:
    traveller = time_machine.travel(suite_now(), tick=True)
    traveller.start()
    config.stash[CLOCK] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"gongwu clock: {suite_now().isoformat()} (GONGWU_TEST_NOW)"


CLOCK = pytest.StashKey[time_machine.travel]()


@pytest.fixture
def travel() -> Iterator[Callable[..., None]]:
    """`travel(date_or_datetime)` moves the clock for the rest of the test (a date means 10:00 in Shanghai)."""
    travellers: list[time_machine.travel] = []

    def go(moment: datetime.date | datetime.datetime) -> None:
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime.combine(moment, datetime.time(10), tzinfo=_SHANGHAI)
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


_SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _fresh_holiday_calendar() -> Iterator[None]:
    """What one test entered in the holiday calendar was rolled back; the next one must not see it cached."""
    from gongwu.core.calendar import forget_entered

    forget_entered()
    yield
    forget_entered()


BUILTIN_ROWS = (
    ("gongwu.projects.migrations.0002_builtin_approval_kinds", "add_kinds"),
    ("gongwu.inspections.migrations.0002_builtin_checklists", "add_checklists"),
)


@pytest.fixture(autouse=True)
def _builtin_rows_after_a_flush(request: pytest.FixtureRequest, django_db_blocker: object) -> Iterator[None]:
    """A test on a live server or on two connections empties every table when it ends; the rows the
    migrations build in (approval kinds, JGJ 59 checklists) are put back for the tests after it."""
    yield
    if "transactional_db" in request.fixturenames:
        import importlib

        from django.apps import apps

        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            for module, function in BUILTIN_ROWS:
                getattr(importlib.import_module(module), function)(apps, None)
