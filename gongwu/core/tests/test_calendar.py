"""Working days under the statutory holiday schedule, with make-up working days (调休)."""

import datetime

import pytest

from gongwu.core.calendar import add_working_days, is_working_day, working_days_between

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 27), False),  # Saturday
        (D(2025, 9, 28), True),  # Sunday, made up for National Day
        (D(2025, 10, 1), False),  # National Day
        (D(2025, 10, 6), False),  # Mid-Autumn Festival inside the holiday
        (D(2025, 10, 8), False),  # last day of the holiday
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # Saturday, made up
        (D(2026, 2, 14), True),  # Saturday, made up for Spring Festival
        (D(2026, 2, 17), False),  # Spring Festival
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, made up
    ],
)
def test_statutory_calendar_decides_working_days(day: datetime.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_one_working_day_after_september_30_2025_is_october_9() -> None:
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_one_working_day_after_friday_september_26_2025_is_sunday_the_28th() -> None:
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_five_working_days_from_september_29_2025_end_on_saturday_october_11() -> None:
    # 9-30, 10-09, 10-10, 10-11 (make-up Saturday) … the fifth is Monday 10-13; four end on the 11th
    assert add_working_days(D(2025, 9, 29), 4) == D(2025, 10, 11)
    assert add_working_days(D(2025, 9, 29), 5) == D(2025, 10, 13)


def test_counting_back_over_the_holiday() -> None:
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert add_working_days(D(2025, 10, 9), -2) == D(2025, 9, 29)


def test_ten_working_days_over_spring_festival_2026() -> None:
    # 2-13, 2-14 (make-up Sat), holiday 2-15…2-23, 2-24…2-27, 2-28 (make-up Sat), 3-2, 3-3, 3-4
    assert add_working_days(D(2026, 2, 12), 10) == D(2026, 3, 4)


def test_working_days_between_counts_the_end_not_the_start() -> None:
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 11)) == 3
    assert working_days_between(D(2025, 10, 11), D(2025, 9, 30)) == -3
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 1)) == 0


def test_zero_working_days_is_the_same_day() -> None:
    assert add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 3)


def test_a_year_the_calendar_does_not_know_counts_monday_to_friday() -> None:
    assert is_working_day(D(2099, 1, 1)) is True  # a Thursday
    assert add_working_days(D(2099, 1, 2), 1) == D(2099, 1, 5)
