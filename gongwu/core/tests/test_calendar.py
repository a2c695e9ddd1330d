"""Working days under the statutory holiday schedule, with make-up working days (调休)."""

import datetime

import pytest

from gongwu.core.calendar import (
    add_working_days,
    is_working_day,
    unknown_years_noted,
    working_days_between,
    year_known,
)
from gongwu.core.imports import CalendarDayLedger
from gongwu.core.models import CalendarDay, ChangeLogEntry, DayKind, Job, Role
from gongwu.core.testing import (
    AgencyFactory,
    UserFactory,
    api_client,
    english_client,
    ledger_xlsx,
    preview_counts,
    upload_ledger,
)

D = datetime.date

pytestmark = pytest.mark.django_db


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


# ---- a year the package does not know: entered by an administrator -------------------------------------

# The 2027 Spring Festival as an administrator would type it from the State Council's notice. The dates are
# the test's own (the notice decides the real ones): nine days off around 正月初一 (Saturday 6 February) and
# two weekend days worked in exchange.
SPRING_FESTIVAL_2027 = [
    *[(D(2027, 2, 5) + datetime.timedelta(days=n), DayKind.HOLIDAY) for n in range(9)],
    (D(2027, 1, 31), DayKind.WORKDAY),  # Sunday
    (D(2027, 2, 20), DayKind.WORKDAY),  # Saturday
]


def enter(days: list[tuple[datetime.date, str]], name: str = "春节") -> None:
    for day, kind in days:
        CalendarDay.objects.create(date=day, kind=kind, name=name, notice="国办发明电〔2026〕X号")


@pytest.fixture
def administrator():
    return UserFactory(organization=AgencyFactory(), role=Role.ADMIN)


def test_2027_unknown_to_the_package_counts_monday_to_friday_and_says_so() -> None:
    with unknown_years_noted() as years:
        # Wednesday 3 February + 3 working days: Thursday, Friday, Monday — through the Spring Festival
        assert add_working_days(D(2027, 2, 3), 3) == D(2027, 2, 8)
    assert years == {2027}
    assert year_known(2027) is False
    with unknown_years_noted() as years:
        add_working_days(D(2026, 12, 28), 3)  # 12-29, 12-30, 12-31: the package knows 2026
    assert years == set()


def test_2027_spring_festival_entered_by_hand_moves_deadlines_past_it() -> None:
    enter(SPRING_FESTIVAL_2027)

    with unknown_years_noted() as years:
        # 2-4 (Thu); the holiday 2-5…2-13; 2-15 (Mon) …
        assert add_working_days(D(2027, 2, 3), 3) == D(2027, 2, 16)
        assert working_days_between(D(2027, 2, 3), D(2027, 2, 16)) == 3
        assert is_working_day(D(2027, 1, 31)) is True  # a Sunday worked in exchange
        assert is_working_day(D(2027, 2, 20)) is True
        assert is_working_day(D(2027, 2, 21)) is False  # an ordinary Sunday
        assert is_working_day(D(2027, 10, 1)) is True  # National Day not entered yet: an ordinary Friday
    assert years == set()
    assert year_known(2027) is True


def test_an_entered_day_wins_over_the_package() -> None:
    assert is_working_day(D(2026, 12, 31)) is True
    enter([(D(2026, 12, 31), DayKind.HOLIDAY)], name="测试假日")
    assert is_working_day(D(2026, 12, 31)) is False


def test_deadlines_across_the_new_year_use_both_years() -> None:
    enter(SPRING_FESTIVAL_2027)
    enter([(D(2027, 1, 1), DayKind.HOLIDAY)], name="元旦")
    # Thursday 2026-12-31, then Friday 1 January 2027 off: Monday the 4th is the first working day
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2


def test_administrator_enters_a_day_on_the_page_and_it_is_logged(administrator) -> None:
    client = english_client(administrator)
    response = client.post(
        "/calendar/add/", {"date": "2027-02-20", "kind": DayKind.WORKDAY, "name": "春节", "notice": "国办发明电"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=D(2027, 2, 20))
    assert ChangeLogEntry.objects.filter(object_id=str(day.pk), action="create").exists()
    page = client.get("/calendar/?year=2027").content.decode()
    assert "2027-02-20" in page and "Saturday" in page


def test_a_make_up_working_day_on_a_weekday_is_refused(administrator) -> None:
    response = english_client(administrator).post(
        "/calendar/add/", {"date": "2027-02-17", "kind": DayKind.WORKDAY, "name": "春节"}
    )
    assert response.status_code == 422
    assert "A make-up working day falls on a Saturday or Sunday; 2027-02-17 is a weekday." in (
        response.content.decode()
    )
    assert not CalendarDay.objects.exists()


def test_only_administrators_change_the_calendar_and_everyone_reads_it(administrator) -> None:
    enter(SPRING_FESTIVAL_2027[:1])
    staff = UserFactory(organization=administrator.organization, role=Role.STAFF)
    company_user = UserFactory(role=Role.COMPANY)
    assert english_client(staff).post(
        "/calendar/add/", {"date": "2027-02-20", "kind": DayKind.WORKDAY}
    ).status_code in (
        403,
        404,
    )
    assert CalendarDay.objects.count() == 1
    for reader in (staff, company_user):
        assert "2027-02-05" in english_client(reader).get("/calendar/").content.decode()


def test_a_year_is_imported_from_excel(administrator, django_capture_on_commit_callbacks) -> None:
    rows = [
        {"date": day, "kind": "Holiday (休)" if kind == DayKind.HOLIDAY else "Make-up working day (班)", "name": "春节"}
        for day, kind in SPRING_FESTIVAL_2027
    ]
    client = english_client(administrator)
    response = upload_ledger(client, "/calendar/import/", ledger_xlsx(CalendarDayLedger, rows), name="2027.xlsx")
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert preview_counts(response.content)["create"] == len(SPRING_FESTIVAL_2027)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{Job.objects.get().pk}/confirm/")
    assert CalendarDay.objects.filter(date__year=2027).count() == len(SPRING_FESTIVAL_2027)
    assert add_working_days(D(2027, 2, 3), 3) == D(2027, 2, 16)


def test_the_api_enters_a_day_and_refuses_a_weekday_worked(administrator) -> None:
    client = api_client(administrator)
    created = client.post(
        "/api/calendar-days/",
        {"date": "2027-02-20", "kind": "workday", "name": "春节", "notice": ""},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = client.post(
        "/api/calendar-days/",
        {"date": "2027-02-17", "kind": "workday", "name": "春节", "notice": ""},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "weekday" in refused.content.decode()
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 2, 20)]
