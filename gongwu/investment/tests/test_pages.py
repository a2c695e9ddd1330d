"""The investment pages as a user reads them: the dispatch dashboard's figures and the lists behind them, the
review of monthly actuals on its page and in the queue, adjustment decisions, and bad query input.

The hand-made agency (2025, figures to the end of June, the template's 45% scheduled by June):

    plan  adjusted  funds   scheduled  confirmed   % of schedule  class
    P1     1.00亿   0.90亿   0.45亿     0.50亿       111.11%      on schedule (and 0.05亿 submitted in June)
    P2     2.00亿   —        0.90亿     0.72亿        80.00%      提请关注, gap 0.18亿
    P3     1.00亿   —        0.45亿     0.30亿        66.66%      督办滞后, gap 0.15亿
    P5     1.00亿   —        0.45亿     0.40亿        88.88%      提请关注, gap 0.05亿
    total  5.00亿   4.90亿   2.25亿     1.92亿        85.33%      (38.40% of the plan, 14.66% behind)

P1 was adopted at 0.80亿 and increased by an approved 0.20亿; paid 0.30亿 by June (6.12% of the 4.90亿 of
funds), 0.10亿 more in July. 2024 to June: 1.20亿 confirmed (+60.00% year on year). The district below the
city agency has P4: 0.50亿 planned, 0.225亿 confirmed.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.models import Role
from gongwu.investment import services
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    PlanAdjustment,
)
from gongwu.investment.testing import AnnualPlanFactory, actual, payment
from gongwu.projects.models import Category
from gongwu.projects.testing import ProjectFactory

D = datetime.date
YI = Decimal(100_000_000)
DASHBOARD = reverse("investment:dashboard")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Every element with a `data-figure` of a page: its key, link, text and the ids and `data-key`s around it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self._stack: list[tuple[str, dict, dict | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        record = None
        if "data-figure" in attributes:
            around = [a.get("id") or a.get("data-key") for _t, a, _r in self._stack]
            record = {
                "key": attributes["data-figure"],
                "href": attributes.get("href"),
                "text": [],
                "around": [a for a in around if a],
            }
            self.figures.append(record)
        if tag not in VOID:
            self._stack.append((tag, attributes, record))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, _attributes, _record = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _tag, _attributes, record in self._stack:
            if record is not None:
                record["text"].append(data)

    def find(self, key: str, within: str | None = None) -> list[dict]:
        return [
            {**f, "text": " ".join(" ".join(f["text"]).split())}
            for f in self.figures
            if f["key"] == key and (within is None or within in f["around"])
        ]

    def one(self, key: str, within: str | None = None) -> dict:
        found = self.find(key, within)
        assert len(found) == 1, f"{key} in {within}: {len(found)} figures"
        return found[0]

    def text(self, key: str, within: str | None = None) -> str:
        return self.one(key, within)["text"]

    def number(self, key: str, within: str | None = None) -> Decimal:
        return number(self.text(key, within))


def number(text: str) -> Decimal:
    found = re.search(r"[+-]?[\d,]+(?:\.\d+)?", text)
    assert found, f"no number in {text!r}"
    return Decimal(found.group(0).replace(",", ""))


def listed(client, url: str) -> int:
    """How many records the list page at `url` says it shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(r"(\d+) records?\b", response.content.decode())
    assert found, f"no record count on {url}"
    return int(found.group(1))


def dashboard(client, **query) -> tuple:
    response = client.get(DASHBOARD, query)
    return response, Page(response.content.decode())


# ---- the hand-made agency -----------------------------------------------------------------------


@pytest.fixture
def world(db):
    city = testing.AgencyFactory(name="测试市建筑工务署", short_name="测试工务署")
    district = testing.AgencyFactory(name="测试市东区工务署", short_name="东区工务署", parent=city)
    department = testing.DepartmentFactory(name="工程管理处", parent=city)
    staff = testing.UserFactory(organization=department, role=Role.STAFF)
    reviewer = testing.UserFactory(organization=department, role=Role.STAFF)
    director = testing.UserFactory(organization=department, role=Role.DIRECTOR)
    admin = testing.UserFactory(organization=city, role=Role.ADMIN, is_superuser=True)

    def project(**fields):
        defaults = {"agency": city, "department": department, "director": director, "area": "东片"}
        return ProjectFactory(**{**defaults, **fields})

    p1 = AnnualPlanFactory(project=project(), year=2025, amount=80 * 10**6, funds_available=90 * 10**6)
    p2 = AnnualPlanFactory(
        project=project(category=Category.ROAD, area="西片"),
        year=2025,
        amount=200 * 10**6,
        funding_source=FundingSource.SPECIAL_BOND,
    )
    p3 = AnnualPlanFactory(project=project(department=None, director=None), year=2025, amount=100 * 10**6)
    p5 = AnnualPlanFactory(project=project(), year=2025, amount=100 * 10**6)
    p4 = AnnualPlanFactory(project=ProjectFactory(agency=district), year=2025, amount=50 * 10**6)
    increase = PlanAdjustment.objects.create(
        plan=p1,
        direction=AdjustmentDirection.INCREASE,
        amount=20 * 10**6,
        reason="增加建安费",
        requested_on=D(2025, 2, 1),
    )
    services.decide_adjustment(increase, admin, approve=True, on=D(2025, 3, 1))
    PlanAdjustment.objects.create(
        plan=p3, direction=AdjustmentDirection.DECREASE, amount=5 * 10**6, reason="征拆滞后", requested_on=D(2025, 5, 1)
    )
    for month, amount in ((1, 10), (3, 15), (5, 25)):
        actual(p1, month, amount * 10**6)
    june = actual(p1, 6, 5 * 10**6, ActualStatus.SUBMITTED)
    actual(p2, 2, 36 * 10**6)
    actual(p2, 4, 36 * 10**6)
    actual(p3, 6, 30 * 10**6)
    actual(p5, 6, 40 * 10**6)
    actual(p4, 4, Decimal("22500000"))
    last_year = AnnualPlanFactory(project=p1.project, year=2024, amount=200 * 10**6)
    actual(last_year, 3, 120 * 10**6)
    payment(p1, D(2025, 5, 10), 30 * 10**6)
    payment(p2, D(2025, 7, 1), 10 * 10**6)
    return {
        "city": city,
        "district": district,
        "staff": staff,
        "reviewer": reviewer,
        "director": director,
        "plans": {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5},
        "june": june,
    }


def city_dashboard(world, **query):
    client = testing.english_client(world["staff"])
    response, page = dashboard(client, **{"year": 2025, "month": 6, **query})
    assert response.status_code == 200
    return client, response, page


# ---- the dashboard's figures --------------------------------------------------------------------


def test_dashboard_shows_the_hand_computed_figures(world):
    _client, _response, page = city_dashboard(world)
    assert page.number("plan", "key-figures") == Decimal("5.00")
    assert page.number("actual", "key-figures") == Decimal("1.92")
    assert page.number("scheduled", "key-figures") == Decimal("2.25")
    assert page.number("paid", "key-figures") == Decimal("0.30")
    assert page.text("percent-of-plan", "key-figures") == "38.40%"
    assert page.text("percent-of-schedule", "key-figures") == "85.33%"
    assert page.text("over-schedule", "key-figures") == "behind by 14.66%"
    assert not page.find("over-plan", "key-figures")
    assert page.text("payment-rate", "key-figures") == "6.12%"
    base = page.text("payment-base", "key-figures")
    assert "funds available for the year" in base and number(base) == Decimal("4.90")
    assert page.text("year-on-year") == "+60.00%"
    assert number(page.text("previous").split(":")[1]) == Decimal("1.20")
    lags = {key: page.number(f"lag-{key}") for key in ("on_schedule", "attention", "supervision")}
    assert lags == {"on_schedule": 1, "attention": 2, "supervision": 1}


def test_over_completion_reads_like_the_seed_sentence(db):
    """全年计划完成投资 84.15 亿元，实际完成 89.6 亿元，超额完成 6.47%."""
    agency = testing.AgencyFactory()
    plan = AnnualPlanFactory(project=ProjectFactory(agency=agency), year=2025, amount=Decimal("8415000000"))
    actual(plan, 12, Decimal("8960000000"))
    client = testing.english_client(testing.UserFactory(organization=agency, role=Role.LEADER))
    _response, page = dashboard(client, year=2025, month=12)
    assert page.number("plan", "key-figures") == Decimal("84.15")
    assert page.number("actual", "key-figures") == Decimal("89.60")
    assert page.text("percent-of-plan", "key-figures") == "106.47%"
    assert page.text("over-plan", "key-figures") == "exceeded by 6.47%"
    assert page.text("over-schedule", "key-figures") == "ahead by 6.47%"


def test_the_month_selector_gives_the_figures_to_the_end_of_that_month(world):
    _client, response, page = city_dashboard(world, month=3)
    # March: P1 0.10 + 0.15, P2 0.36; the template schedules 8% by March
    assert page.number("actual", "key-figures") == Decimal("0.61")
    assert page.number("scheduled", "key-figures") == Decimal("0.40")
    assert 'id="period-label"' in response.content.decode()
    assert "January–3" in response.content.decode()


def test_every_breakdown_adds_up_to_its_total_row(world):
    _client, _response, page = city_dashboard(world)
    tables = {f["around"][-2] for f in page.figures if f["around"] and f["around"][-1] == "total"}
    assert {"breakdown-category", "breakdown-area", "breakdown-director", "side-by-side"} <= tables
    for table in tables:
        for column in ("plan", "scheduled", "actual", "paid"):
            rows = [number(f["text"]) for f in page.find(column, table) if "total" not in f["around"]]
            total = [number(f["text"]) for f in page.find(column, table) if "total" in f["around"]]
            assert len(total) == 1 and rows, (table, column)
            assert sum(rows) == total[0], f"{table} {column}: rows {rows} do not add up to {total[0]}"
    city_total = next(f for f in page.find("plan", "breakdown-category") if "total" in f["around"])
    assert number(city_total["text"]) == Decimal("50000.00")  # 万元


def test_the_district_sits_beside_the_city_agency(world):
    _client, _response, page = city_dashboard(world)
    agencies = {f["around"][-1]: number(f["text"]) for f in page.find("plan", "side-by-side")}
    assert agencies == {
        str(world["city"].pk): Decimal("50000.00"),
        str(world["district"].pk): Decimal("5000.00"),
        "total": Decimal("55000.00"),
    }


def test_every_figure_lists_exactly_the_plans_behind_it(world):
    client, _response, page = city_dashboard(world)
    checked = 0
    for key in ("lag-on_schedule", "lag-attention", "lag-supervision", "lagging-attention", "lagging-supervision"):
        figure = page.one(key)
        assert listed(client, figure["href"]) == number(figure["text"]), key
        checked += 1
    for key in ("count", "attention", "supervision"):
        for figure in page.find(key):
            if figure["href"] is None:
                continue  # the total row's badges are not links
            assert listed(client, figure["href"]) == number(figure["text"]), (key, figure["around"])
            checked += 1
    assert checked >= 25
    plans = page.one("plan", "key-figures")["href"]
    assert listed(client, plans) == 4
    assert parse_qs(urlsplit(plans).query)["agency"] == [str(world["city"].pk)]
    assert listed(client, page.one("paid", "key-figures")["href"]) == 1  # the July payment is after the month
    assert listed(client, page.one("increased")["href"]) == 1
    assert listed(client, page.one("decreased")["href"]) == 0


def test_the_rows_without_a_director_department_or_plan_category_list_their_plans(world):
    client, _response, page = city_dashboard(world)
    for table in ("breakdown-director", "breakdown-department", "breakdown-plan_category"):
        for figure in page.find("count", table):
            if figure["href"]:
                assert listed(client, figure["href"]) == number(figure["text"]), (table, figure["around"])


def test_lagging_projects_are_sorted_by_gap(world):
    _client, response, _page = city_dashboard(world)
    html = response.content.decode()
    section = html[html.index('id="lagging-attention"') :]
    gaps = [Decimal(g) for g in re.findall(r'data-gap="([\d.]+)"', section[: section.index("</table>")])]
    assert gaps == [Decimal("18000000.00"), Decimal("5000000.00")]
    plans = re.findall(r'data-plan="(\d+)"', section[: section.index("</table>")])
    assert plans == [str(world["plans"]["p2"].pk), str(world["plans"]["p5"].pk)]


def test_adjustment_totals_count_only_approved_changes(world):
    _client, _response, page = city_dashboard(world)
    assert page.number("increased") == Decimal("0.20")
    assert "1 project" in page.text("increased")
    assert page.number("decreased") == Decimal("0.00")


def test_the_unconfirmed_notice_names_the_month_and_the_statuses(world):
    _client, response, _page = city_dashboard(world)
    html = response.content.decode()
    notice = html[html.index('id="unconfirmed"') : html.index('id="key-figures"')]
    june = re.search(r'<li data-month="2025-06">(.*?)</li>', notice, re.S).group(1)
    assert "2025-06" in june
    assert re.search(r'data-status="submitted">Submitted 1<', june)
    assert "1 project has not reported" in june  # P2 reported nothing in June
    confirmed_june = MonthlyActual.objects.filter(month=D(2025, 6, 1), status=ActualStatus.CONFIRMED).count()
    assert confirmed_june == 2


def test_a_city_agency_user_chooses_all_agencies_it_oversees(world):
    client, _response, page = city_dashboard(world, agency="all")
    assert page.number("plan", "key-figures") == Decimal("5.50")
    _response, own = dashboard(client, year=2025, month=6)
    html = _response.content.decode()
    assert 'value="all"' in html and f'value="{world["district"].pk}"' in html
    assert own.number("plan", "key-figures") == Decimal("5.00")


def test_a_regulator_sees_every_agency_below_it_side_by_side(world):
    regulator_org = testing.RegulatorFactory()
    world["city"].parent = regulator_org
    world["city"].save()
    regulator = testing.UserFactory(organization=regulator_org, role=Role.REGULATOR)
    client = testing.english_client(regulator)
    response, page = dashboard(client, year=2025, month=6)
    assert response.status_code == 200
    assert "All agencies I oversee" in response.content.decode()
    assert page.number("plan", "key-figures") == Decimal("5.50")
    assert len(page.find("count", "side-by-side")) == 3  # two agencies and the total
    figure = page.one("lag-supervision")
    assert listed(client, figure["href"]) == 1


def test_a_year_without_plans_says_so(world):
    _client, response, page = city_dashboard(world, year=2021)
    assert 'id="dashboard-empty"' in response.content.decode()
    assert "No investment plan for 2021" in response.content.decode()
    assert not page.find("plan")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "13"}, "The month must be a number from 1 to 12."),
        ({"year": "abc", "month": "6"}, "The year must be a number between 1990 and 2100."),
        ({"year": "1989", "month": "6"}, "The year must be a number between 1990 and 2100."),
    ],
)
def test_bad_query_input_is_refused_with_a_message(world, query, message):
    client = testing.english_client(world["staff"])
    response = client.get(DASHBOARD, {"year": 2025, **query})
    assert response.status_code == 422
    assert message in response.content.decode()


def test_another_citys_agency_is_refused_and_the_users_own_figures_shown(world):
    stranger = testing.AgencyFactory(name="他市建筑工务署")
    AnnualPlanFactory(project=ProjectFactory(agency=stranger), year=2025, amount=900 * 10**6)
    client = testing.english_client(world["staff"])
    response, page = dashboard(client, year=2025, month=6, agency=stranger.pk)
    assert response.status_code == 422
    assert "You may not see that agency&#x27;s figures; showing what you may see." in response.content.decode()
    assert page.number("plan", "key-figures") == Decimal("5.00")


def test_a_company_user_may_not_open_the_dashboard(world):
    company = testing.UserFactory(organization=testing.CompanyFactory(), role=Role.COMPANY)
    response = testing.english_client(company).get(DASHBOARD)
    assert response.status_code == 403


# ---- the review of monthly actuals --------------------------------------------------------------


def buttons(client, actual_pk: int) -> set[str]:
    response = client.get(reverse("investment:monthlyactual_detail", args=[actual_pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return {b for b in ("submit-actual", "confirm-actual", "return-actual") if f'id="{b}"' in html}


def test_the_actual_page_offers_each_role_its_step(world):
    draft = actual(world["plans"]["p2"], 6, 1_000_000, ActualStatus.DRAFT)
    director = testing.english_client(world["director"])
    staff = testing.english_client(world["staff"])
    assert buttons(director, draft.pk) == {"submit-actual"}
    response = director.post(reverse("investment:actual_step", args=[draft.pk, "submit"]), follow=True)
    assert "Submitted for review." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ActualStatus.SUBMITTED and draft.submitted_by == world["director"]
    assert buttons(director, draft.pk) == set()  # a director does not review
    assert buttons(staff, draft.pk) == {"confirm-actual", "return-actual"}
    staff.post(reverse("investment:actual_step", args=[draft.pk, "confirm"]))
    draft.refresh_from_db()
    assert draft.status == ActualStatus.CONFIRMED and draft.reviewed_by == world["staff"]
    assert buttons(staff, draft.pk) == set()
    assert "Edit" not in staff.get(draft.get_absolute_url()).content.decode()


def test_the_submitter_cannot_confirm_their_own_report(world):
    own = actual(world["plans"]["p2"], 6, 1_000_000, ActualStatus.DRAFT)
    staff = testing.english_client(world["staff"])
    staff.post(reverse("investment:actual_step", args=[own.pk, "submit"]))
    assert buttons(staff, own.pk) == set()
    html = staff.get(own.get_absolute_url()).content.decode()
    assert "another member of the planning department confirms it" in html
    response = staff.post(reverse("investment:actual_step", args=[own.pk, "confirm"]), follow=True)
    assert "not the person who submitted it" in response.content.decode()
    own.refresh_from_db()
    assert own.status == ActualStatus.SUBMITTED
    assert buttons(testing.english_client(world["reviewer"]), own.pk) == {"confirm-actual", "return-actual"}


def test_a_return_needs_a_reason_which_the_page_then_shows(world):
    june = world["june"]
    staff = testing.english_client(world["staff"])
    response = staff.post(reverse("investment:actual_step", args=[june.pk, "return"]), {"reason": " "}, follow=True)
    assert "Say why the report is returned." in response.content.decode()
    june.refresh_from_db()
    assert june.status == ActualStatus.SUBMITTED
    staff.post(reverse("investment:actual_step", args=[june.pk, "return"]), {"reason": "与监理月报不符"})
    html = staff.get(june.get_absolute_url()).content.decode()
    assert re.search(r'id="return-reason">.*与监理月报不符', html, re.S)
    assert buttons(testing.english_client(world["director"]), june.pk) == {"submit-actual"}


def test_a_company_user_cannot_open_an_actual_or_act_on_it(world):
    company = testing.english_client(testing.UserFactory(organization=testing.CompanyFactory(), role=Role.COMPANY))
    assert company.get(world["june"].get_absolute_url()).status_code == 403  # the role reads no actuals at all
    assert company.post(reverse("investment:actual_step", args=[world["june"].pk, "confirm"])).status_code == 404
    assert MonthlyActual.objects.get(pk=world["june"].pk).status == ActualStatus.SUBMITTED


def test_the_review_queue_confirms_the_chosen_reports_and_skips_the_users_own(world):
    p2, p3 = world["plans"]["p2"], world["plans"]["p3"]
    others = MonthlyActual.objects.filter(pk=world["june"].pk)
    mine = actual(p2, 6, 2_000_000, ActualStatus.SUBMITTED)
    MonthlyActual.objects.filter(pk=mine.pk).update(submitted_by=world["staff"])
    untouched = actual(p3, 5, 3_000_000, ActualStatus.SUBMITTED)
    client = testing.english_client(world["staff"])
    html = client.get(reverse("investment:review")).content.decode()
    assert re.search(rf'value="{mine.pk}"[^>]*disabled', html)
    response = client.post(reverse("investment:review"), {"actual": [str(world["june"].pk), str(mine.pk)]}, follow=True)
    text = response.content.decode()
    assert "1 reports confirmed." in text
    assert "1 of the chosen reports are yours" in text
    assert others.get().status == ActualStatus.CONFIRMED
    mine.refresh_from_db()
    untouched.refresh_from_db()
    assert (mine.status, untouched.status) == (ActualStatus.SUBMITTED, ActualStatus.SUBMITTED)


def test_a_director_sees_the_queue_but_cannot_confirm_from_it(world):
    client = testing.english_client(world["director"])
    html = client.get(reverse("investment:review")).content.decode()
    assert 'id="confirm-selected"' not in html
    assert client.post(reverse("investment:review"), {"actual": [world["june"].pk]}).status_code == 403
    assert MonthlyActual.objects.get(pk=world["june"].pk).status == ActualStatus.SUBMITTED


# ---- adjustments --------------------------------------------------------------------------------


@pytest.fixture
def pending(world):
    """A pending increase of this year's plan (a decision is dated today, in the plan's year)."""
    year = timezone.localdate().year
    plan = AnnualPlanFactory(project=ProjectFactory(agency=world["city"]), year=year, amount=100 * 10**6)
    return PlanAdjustment.objects.create(
        plan=plan,
        direction=AdjustmentDirection.INCREASE,
        amount=10 * 10**6,
        reason="增加配套",
        requested_on=D(year, 1, 1),
    )


def test_an_adjustment_is_approved_on_its_page(world, pending):
    client = testing.english_client(world["staff"])
    html = client.get(pending.get_absolute_url()).content.decode()
    assert 'id="approve"' in html and 'id="reject"' in html
    assert re.search(r'data-figure="after">1\.10', html)
    response = client.post(
        reverse("investment:decide_adjustment", args=[pending.pk]), {"decision": "approve"}, follow=True
    )
    assert "Adjustment approved." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == AdjustmentStatus.APPROVED and pending.decided_by == world["staff"]
    assert AnnualPlan.objects.get(pk=pending.plan_id).adjusted_amount == 110 * 10**6
    html = client.get(pending.get_absolute_url()).content.decode()
    assert 'id="approve"' not in html and "Edit" not in html


def test_an_adjustment_is_rejected_on_its_page_and_the_plan_stays(world, pending):
    client = testing.english_client(world["staff"])
    client.post(reverse("investment:decide_adjustment", args=[pending.pk]), {"decision": "reject"})
    pending.refresh_from_db()
    assert pending.status == AdjustmentStatus.REJECTED
    assert AnnualPlan.objects.get(pk=pending.plan_id).adjusted_amount == 100 * 10**6


def test_a_director_cannot_decide_an_adjustment(world, pending):
    client = testing.english_client(world["director"])
    assert 'id="approve"' not in client.get(pending.get_absolute_url()).content.decode()
    response = client.post(
        reverse("investment:decide_adjustment", args=[pending.pk]), {"decision": "approve"}, follow=True
    )
    assert "The planning department decides on adjustments." in response.content.decode()
    assert PlanAdjustment.objects.get(pk=pending.pk).status == AdjustmentStatus.PENDING


# ---- the plan page and form ---------------------------------------------------------------------


def test_the_plan_page_gives_the_schedule_against_the_actual_month_by_month(world):
    p2 = world["plans"]["p2"]
    html = testing.english_client(world["staff"]).get(p2.get_absolute_url()).content.decode()
    june = re.search(r'<tr data-month="6">(.*?)</tr>', html, re.S).group(1)
    assert "45.00" in june  # cumulative share by June
    assert "9,000.00" in june  # schedule to date, 万元
    assert "7,200.00" in june and "80.00%" in june  # confirmed to date and its share of the schedule
    assert 'data-lag="attention"' in june


def test_the_plan_form_lays_the_twelve_months_out_as_a_grid(world):
    html = testing.english_client(world["staff"]).get(reverse("investment:annualplan_add")).content.decode()
    assert 'id="schedule-fields"' in html
    assert html.count('class="col gw-field" data-month=') == 12
