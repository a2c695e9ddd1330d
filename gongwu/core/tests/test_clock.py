"""The suite never reads the real date: it runs at GONGWU_TEST_NOW (gongwu/conftest.py), and tests travel on."""

import datetime

from django.utils import timezone

from gongwu.conftest import suite_now


def test_the_suite_runs_at_its_own_moment_not_the_real_date() -> None:
    moment = suite_now()
    # the clock ticks from the moment the run started at; no run takes an hour
    assert datetime.timedelta(0) <= timezone.now() - moment < datetime.timedelta(hours=1)


def test_travel_moves_the_clock_for_one_test(travel) -> None:
    travel(datetime.date(2027, 1, 4))
    assert timezone.localdate() == datetime.date(2027, 1, 4)
    assert timezone.localtime().hour == 10
