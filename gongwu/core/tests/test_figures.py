"""The read layer: a selection asked for in a page's or the API's query, figures and their registry."""

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from gongwu.core import figures as read
from gongwu.core.figures import Figure, PeriodKind, Selection, Unit
from gongwu.core.models import Role
from gongwu.core.periods import Period
from gongwu.core.testing import AgencyFactory, CompanyFactory, RegulatorFactory, UserFactory, api_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def city() -> tuple:
    regulator = RegulatorFactory(name="市住建局")
    city_agency = AgencyFactory(name="市建筑工务署", parent=regulator)
    district = AgencyFactory(name="区建设中心", parent=regulator)
    elsewhere = AgencyFactory(name="外市工务署")
    return regulator, city_agency, district, elsewhere


def test_a_regulator_chooses_among_the_agencies_below_it_and_sees_all_by_default(city: tuple, travel) -> None:
    travel(datetime.date(2026, 12, 2))  # "this year" is the default period
    regulator, city_agency, district, _elsewhere = city
    user = UserFactory(organization=regulator, role=Role.REGULATOR)
    sel = Selection.from_query(user, {})
    assert {a.name for a in sel.agencies} == {"市建筑工务署", "区建设中心"}
    assert sel.agency is None and sorted(sel.agency_ids) == sorted([city_agency.pk, district.pk])
    assert sel.period == Period.year(2026) and sel.whole_year and not sel.errors
    chosen = Selection.from_query(user, {"agency": str(district.pk), "year": "2025"})
    assert chosen.agency == district and chosen.agency_ids == [district.pk] and chosen.year == 2025


def test_an_agency_it_may_not_see_is_refused_with_a_message_and_not_shown(city: tuple) -> None:
    _regulator, city_agency, _district, elsewhere = city
    staff = UserFactory(organization=city_agency)
    sel = Selection.from_query(staff, {"agency": str(elsewhere.pk)})
    assert sel.agency == city_agency  # the only one on offer
    assert elsewhere.pk not in sel.agency_ids
    assert sel.errors == ("You may not see that agency's figures; showing what you may see.",)


def test_a_company_sees_no_agency_figures(city: tuple) -> None:
    company_user = UserFactory(organization=CompanyFactory(), role=Role.COMPANY)
    sel = Selection.from_query(company_user, {})
    assert sel.agencies == () and sel.agency_ids == []
    with pytest.raises(read.PermissionDenied):
        read.require_agencies(sel)


@pytest.mark.parametrize(
    ("query", "period", "error"),
    [
        ({"year": "2024"}, Period.year(2024), None),
        ({"year": "2024", "from": "2024-03-01"}, Period(datetime.date(2024, 3, 1), datetime.date(2024, 12, 31)), None),
        (
            {"from": "2025-12-01", "to": "2026-01-31"},
            Period(datetime.date(2025, 12, 1), datetime.date(2026, 1, 31)),
            None,
        ),
        ({"year": "公元二〇二四"}, Period.year(2026), "The year must be a number between 1990 and 2100."),
        ({"year": "1900"}, Period.year(2026), "The year must be a number between 1990 and 2100."),
        ({"from": "2026/03/01"}, Period.year(2026), "Dates are written YYYY-MM-DD."),
        ({"from": "2026-05-01", "to": "2026-04-30"}, Period.year(2026), "The period ends before it starts."),
    ],
)
def test_the_period_of_a_query(city: tuple, travel, query: dict, period: Period, error: str | None) -> None:
    travel(datetime.date(2026, 12, 2))  # bad input falls back to this year
    user = UserFactory(organization=city[1])
    sel = Selection.from_query(user, query)
    assert sel.period == period
    assert sel.errors == ((error,) if error else ())


def test_a_year_to_the_end_of_a_month(city: tuple) -> None:
    user = UserFactory(organization=city[1])
    sel = Selection.from_query(user, {"year": "2024", "month": "2"}, default_month=(2026, 10))
    assert sel.period == Period(datetime.date(2024, 1, 1), datetime.date(2024, 2, 29))  # a leap year
    assert (sel.year, sel.month) == (2024, 2) and sel.query() == {"year": 2024, "month": 2, "agency": city[1].pk}
    default = Selection.from_query(user, {}, default_month=(2026, 10))
    assert (default.year, default.month) == (2026, 10)
    past = Selection.from_query(user, {"year": "2025"}, default_month=(2026, 10))
    assert past.month == 12
    bad = Selection.from_query(user, {"month": "13"}, default_month=(2026, 10))
    assert bad.month == 10 and bad.errors == ("The month must be a number from 1 to 12.",)


def test_the_previous_period_crosses_a_leap_day() -> None:
    leap = Selection(Period(datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)), (), errors=("bad year",))
    previous = leap.previous()
    assert previous.period == Period(datetime.date(2023, 2, 1), datetime.date(2023, 2, 28))
    assert previous.errors == () and previous.kinds == {"month", "any"}


@pytest.mark.parametrize(
    ("start", "end", "kinds"),
    [
        ("2026-01-01", "2026-12-31", {"year", "year_to_month", "any"}),
        ("2026-01-01", "2026-03-31", {"quarter", "year_to_month", "any"}),
        ("2026-01-01", "2026-01-31", {"month", "year_to_month", "any"}),
        ("2026-10-01", "2026-12-31", {"quarter", "any"}),
        ("2026-02-01", "2026-02-28", {"month", "any"}),
        ("2025-12-01", "2026-01-31", {"any"}),
        ("2026-01-01", "2026-06-15", {"any"}),
    ],
)
def test_period_kinds(start: str, end: str, kinds: set[str]) -> None:
    period = Period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
    assert read.period_kinds(period) == kinds


def test_a_figure_is_shown_in_its_unit_with_its_change() -> None:
    money = Figure("x.paid", "Paid", Decimal("1234567890"), Unit.YUAN, previous=Decimal("987654321"))
    assert money.shown == "12.35 hundred-million yuan"
    assert money.change == Decimal("25.0") and money.change_shown == "+25.0%" and money.trend == "up"
    rate = Figure("x.rate", "Payment rate", Decimal("80.29"), Unit.PERCENT, previous=Decimal("85.00"))
    assert rate.shown == "80.29%" and rate.change_shown == "-4.7 points" and rate.trend == "down"
    empty = Figure("x.lead", "Lead time", None, Unit.DAYS, previous=120)
    assert empty.shown == "—" and empty.change is None and empty.change_shown == ""
    first_year = Figure("x.count", "Completed", 57, previous=0)
    assert first_year.change is None and first_year.previous_shown == "0"


@pytest.fixture
def registered() -> Iterator[None]:
    @read.register_figure("testapp.agencies", "Agencies counted", periods=[PeriodKind.YEAR])
    def agencies_counted(sel: Selection) -> int:
        return len(sel.agency_ids) * sel.period.start.year

    @read.register_figure("testapp.money", "Money", unit=Unit.YUAN, compared=False)
    def money(sel: Selection) -> Figure:
        return Figure("testapp.money", "Money", Decimal("123456"), Unit.YUAN, url=sel.url("core:home"))

    yield
    read.unregister_figure("testapp.agencies")
    read.unregister_figure("testapp.money")


def test_a_registered_figure_is_computed_with_the_previous_year(registered: None, city: tuple) -> None:
    user = UserFactory(organization=city[1])
    sel = Selection.from_query(user, {"year": "2025"})
    figure = read.compute("testapp.agencies", sel)
    assert (figure.value, figure.previous, figure.label) == (2025, 2024, "Agencies counted")
    with pytest.raises(read.UnsupportedPeriod):
        read.compute("testapp.agencies", Selection.from_query(user, {"from": "2025-01-01", "to": "2025-06-30"}))
    assert read.compute("testapp.money", sel).previous is None


def test_a_key_registered_twice_by_different_functions_is_refused(registered: None) -> None:
    with pytest.raises(ValueError, match="registered twice"):

        @read.register_figure("testapp.agencies", "Another")
        def other(sel: Selection) -> int:
            return 0


def test_the_api_gives_registered_figures_for_a_period_and_agency(registered: None, city: tuple) -> None:
    regulator, _city_agency, district, elsewhere = city
    client = api_client(UserFactory(organization=regulator, role=Role.REGULATOR))
    keys = {f["key"] for f in client.get("/api/figures/").json()}
    assert {"testapp.agencies", "testapp.money"} <= keys
    response = client.get(f"/api/figures/values/?key=testapp.agencies&key=testapp.money&year=2025&agency={district.pk}")
    assert response.status_code == 200, response.content
    agencies, money = response.json()
    assert (agencies["value"], agencies["previous"], agencies["change"]) == (2025, 2024, pytest.approx(0.0, abs=0.1))
    assert money["shown"] == "12.35 ten-thousand yuan" and money["url"] == f"/?agency={district.pk}"
    assert client.get(f"/api/figures/values/?key=testapp.money&agency={elsewhere.pk}").status_code == 404
    bad = client.get("/api/figures/values/?key=testapp.agencies&from=2025-02-01&to=2025-03-31")
    assert bad.status_code == 422 and "calendar year" in bad.json()["detail"][0]["msg"]
    assert client.get("/api/figures/values/?key=nope.nothing").status_code == 422
    backwards = client.get("/api/figures/values/?key=testapp.money&from=2025-05-01&to=2025-04-01")
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["msg"] == "The period ends before it starts."


def test_the_filter_include_offers_the_agencies_and_keeps_the_choice(city: tuple) -> None:
    regulator, _city_agency, district, _elsewhere = city
    user = UserFactory(organization=regulator, role=Role.REGULATOR)
    request = RequestFactory().get("/", {"agency": district.pk, "from": "2026-03-01", "to": "2026-05-31"})
    request.user = user
    sel = Selection.from_request(request)
    html = render_to_string("core/_selection.html", {"sel": sel, "form_id": "summary-filters"})
    assert 'id="summary-filters"' in html
    assert f'<option value="{district.pk}" selected>区建设中心</option>' in html
    assert 'value="2026-03-01"' in html and 'value="2026-05-31"' in html
    assert sel.querystring() == f"from=2026-03-01&to=2026-05-31&agency={district.pk}"


def test_a_reading_takes_its_name_from_the_registration_and_figures_share_their_totals(city: tuple) -> None:
    reads: list[int] = []

    def totals(sel: Selection) -> int:
        return sel.memo("testapp.totals", lambda: reads.append(sel.period.start.year) or 7)

    @read.register_figure("testapp.paid", "Paid to date", unit=Unit.YUAN)
    def paid(sel: Selection) -> Figure:
        return read.reading(totals(sel) * 10_000, url="/payments/")

    @read.register_figure("testapp.rate", "Payment rate", unit=Unit.PERCENT)
    def rate(sel: Selection) -> Figure:
        return read.reading(totals(sel) * 10)

    try:
        sel = Selection.from_query(UserFactory(organization=city[1]), {"year": "2025"})
        figure = read.compute("testapp.paid", sel)
        assert (figure.key, figure.label, figure.shown, figure.url) == (
            "testapp.paid",
            "Paid to date",
            "7.00 ten-thousand yuan",
            "/payments/",
        )
        assert read.compute("testapp.rate", sel).shown == "70%"
        assert reads == [2025, 2024]  # once for the year, once for the year before, whatever the figures
    finally:
        read.unregister_figure("testapp.paid")
        read.unregister_figure("testapp.rate")
