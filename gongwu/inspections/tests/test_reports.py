"""The figures page, the weekly and quarterly summaries and the Word documents, as a user reads them."""

from __future__ import annotations

import datetime
import io
import json
import re
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.figures import Selection, Unit, compute, number
from gongwu.core.models import Role
from gongwu.inspections import services
from gongwu.inspections.models import (
    Accident,
    AccidentKind,
    Finding,
    FindingCategory,
    HazardKind,
    HazardousWork,
    HazardStatus,
    InspectionKind,
    Level,
    NoticeKind,
    Severity,
    Topic,
)
from gongwu.inspections.reports import quarter_of, week_of
from gongwu.inspections.testing import FindingFactory, InspectionFactory, SectionFactory, photo
from gongwu.projects.testing import ProjectFactory
from gongwu.projects.tests.test_pages import Figures, listed

D = datetime.date


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


@contextmanager
def on(day: datetime.date):
    """The services think today is `day` (noon)."""
    with (
        mock.patch("django.utils.timezone.localdate", return_value=day),
        mock.patch("django.utils.timezone.now", return_value=at(day, 12)),
    ):
        yield


@pytest.fixture
def agency(db):
    return testing.AgencyFactory(name="测试市建筑工务署")


@pytest.fixture
def staff(agency):
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.fixture
def world(agency, staff):
    """Week of Monday 2025-03-10: three inspections, three findings (one 重大), a closed notice and an overdue
    one; more inspections elsewhere in Q1 and in Q2; two companies; another agency's notice."""
    c1 = testing.CompanyFactory(name="甲建设公司")
    c2 = testing.CompanyFactory(name="乙建设公司")
    p1 = ProjectFactory(agency=agency, name="一号项目")
    p2 = ProjectFactory(agency=agency, name="二号项目")
    s1 = SectionFactory(project=p1, name="1标段", contractor=c1)
    i1 = InspectionFactory(project=p1, section=s1, kind=InspectionKind.SAFETY_ROUTINE, started_at=at(D(2025, 3, 10)))
    i2 = InspectionFactory(
        project=p1,
        section=s1,
        kind=InspectionKind.SPECIAL,
        topic=Topic.DEEP_EXCAVATION,
        level=Level.SPOT,
        started_at=at(D(2025, 3, 12)),
    )
    i3 = InspectionFactory(project=p2, kind=InspectionKind.QUALITY_PATROL, started_at=at(D(2025, 3, 16), 20))
    i4 = InspectionFactory(
        project=p2, kind=InspectionKind.SELF_CHECK, level=Level.SELF, started_at=at(D(2025, 3, 17), 8)
    )
    InspectionFactory(project=p1, kind=InspectionKind.SAFETY_ROUTINE, started_at=at(D(2025, 3, 9), 18))
    InspectionFactory(project=p1, kind=InspectionKind.QUALITY_ASSESSMENT, started_at=at(D(2025, 4, 1)))
    f1 = FindingFactory(inspection=i1, category=FindingCategory.SCAFFOLD, responsible_org=c1, location="2号楼")
    with on(D(2025, 3, 12)):
        f2 = services.record_finding(
            Finding(
                inspection=i2,
                category=FindingCategory.SCAFFOLD,
                severity=Severity.SERIOUS,
                description="基坑临边无防护栏杆",
                location="基坑北侧",
                regulation="JGJ 59-2011 表B.6",
                responsible_org=c1,
            ),
            staff,
        )
        closed = services.open_rectification_notice([f1, f2], staff, kind=NoticeKind.SAFETY, working_days=5)
    f3 = FindingFactory(
        inspection=i3, category=FindingCategory.QUALITY_STRUCTURE, severity=Severity.MAJOR, responsible_org=c2
    )
    FindingFactory(inspection=i4, category=FindingCategory.POWER, responsible_org=c2)
    with on(D(2025, 3, 16)):
        overdue = services.open_rectification_notice([f3], staff, kind=NoticeKind.QUALITY, working_days=3)
    company_user = testing.UserFactory(organization=c1, role=Role.COMPANY)
    with on(D(2025, 3, 14)):
        services.answer_notice(
            closed,
            {f.pk: services.Answer("已加设防护栏杆", [photo()]) for f in (f1, f2)},
            company_user,
        )
        services.reinspect(closed, staff, close=True, text="复查合格")
    HazardousWork.objects.create(
        project=p1,
        kind=HazardKind.DEEP_EXCAVATION,
        name="基坑",
        status=HazardStatus.UNDER_WAY,
        plan_approved_on=D(2025, 1, 5),
    )
    HazardousWork.objects.create(project=p2, kind=HazardKind.LIFTING, name="吊装")
    other = testing.AgencyFactory(name="另一个工务署")
    other_staff = testing.UserFactory(organization=other, role=Role.STAFF)
    other_finding = FindingFactory(
        inspection=InspectionFactory(project=ProjectFactory(agency=other), started_at=at(D(2025, 3, 11))),
        responsible_org=c2,
    )
    with on(D(2025, 3, 11)):
        foreign = services.open_rectification_notice([other_finding], other_staff)
    return {
        "c1": c1,
        "c2": c2,
        "p1": p1,
        "closed": closed,
        "overdue": overdue,
        "findings": (f1, f2, f3),
        "company_user": company_user,
        "foreign": foreign,
    }


# ---- the figures page ---------------------------------------------------------------------------


def figures_page(client, query: str) -> Figures:
    response = client.get(reverse("inspections:figures") + query)
    assert response.status_code == 200
    return Figures(response.content.decode())


def test_figures_of_a_week_match_the_hand_counted_values(staff, world):
    page = figures_page(testing.english_client(staff), "?from=2025-03-10&to=2025-03-16")
    values = {key: value for key, (value, _url) in page.figures.items()}
    assert values["inspections"] == "3"
    assert (values["safety"], values["quality"]) == ("2", "1")
    assert (
        values["kind-safety_routine"] == "1" and values["kind-special"] == "1" and values["kind-quality_patrol"] == "1"
    )
    assert (values["level-self"], values["level-spot"], values["level-supervision"]) == ("0", "1", "2")
    assert (values["notices"], values["notices-closed"], values["notices-overdue"]) == ("2", "1", "1")
    assert (values["notice-kind-safety"], values["notice-kind-quality"], values["notice-kind-rectification"]) == (
        "1",
        "1",
        "0",
    )
    assert (values["findings"], values["findings-closed"]) == ("3", "2")
    assert values["closure-rate"] == "66.7%"
    assert values["average-days"] == "3"  # f1 found 10 March, f2 on 12 March, both closed 14 March
    assert (values["severity-serious"], values["severity-major"], values["severity-general"]) == ("1", "1", "1")
    assert (values["category-scaffold"], values["category-quality_structure"]) == ("2", "1")
    p1 = world["p1"].pk
    assert values[f"recurring-{p1}-scaffold"] == "2"
    c1, c2 = world["c1"].pk, world["c2"].pk
    assert (values[f"company-{c1}"], values[f"company-{c1}-serious"], values[f"company-{c1}-closed"]) == ("2", "1", "2")
    assert (values[f"company-{c2}"], values[f"company-{c2}-closed"]) == ("1", "0")
    assert values["accidents"] == "0"
    assert values["under-way"] == "1"


def test_every_figure_links_to_a_list_of_exactly_that_many_records(staff, world):
    client = testing.english_client(staff)
    for query in ("?from=2025-03-10&to=2025-03-16", "?year=2025"):
        page = figures_page(client, query)
        for key, (value, url) in page.figures.items():
            if key in ("closure-rate", "average-days"):
                continue
            assert listed(client, url) == int(value.replace(",", "")), (key, url)


def test_a_year_counts_every_inspection_and_ranks_companies_by_findings_then_closure(staff, world):
    client = testing.english_client(staff)
    response = client.get(reverse("inspections:figures") + "?year=2025")
    page = Figures(response.content.decode())
    assert page.value("inspections") == "6"
    assert (page.value("safety"), page.value("quality")) == ("4", "2")
    body = response.content.decode()
    ranking = re.search(r'id="companies".*?</table>', body, re.S).group(0)
    # two findings each: the company that closed none ranks worse than the one that closed both
    assert ranking.index("乙建设公司") < ranking.index("甲建设公司")
    week = testing.english_client(staff).get(reverse("inspections:figures") + "?from=2025-03-10&to=2025-03-16")
    ranking = re.search(r'id="companies".*?</table>', week.content.decode(), re.S).group(0)
    assert ranking.index("甲建设公司") < ranking.index("乙建设公司")
    assert "No production-safety accident occurred." in body


def test_the_years_accidents_are_counted_and_said(staff, world):
    Accident.objects.create(
        project=world["p1"], occurred_on=D(2025, 5, 6), kind=AccidentKind.FALL, deaths=1, description="高处坠落"
    )
    client = testing.english_client(staff)
    response = client.get(reverse("inspections:figures") + "?year=2025")
    page = Figures(response.content.decode())
    assert page.value("accidents") == "1"
    assert listed(client, page.url("accidents")) == 1
    assert "1 deaths" in response.content.decode()


def test_figures_of_one_agency_chosen_by_a_regulator_link_to_that_agency(agency, world):
    regulator_org = testing.RegulatorFactory()
    agency.parent = regulator_org
    agency.save()
    world["foreign"].agency.parent = regulator_org
    world["foreign"].agency.save()
    regulator = testing.UserFactory(organization=regulator_org, role=Role.REGULATOR)
    client = testing.english_client(regulator)
    whole = figures_page(client, "?from=2025-03-10&to=2025-03-16")
    assert whole.value("notices") == "3"
    one = figures_page(client, f"?from=2025-03-10&to=2025-03-16&agency={agency.pk}")
    assert one.value("notices") == "2"
    assert f"agency={agency.pk}" in one.url("notices")
    assert listed(client, one.url("notices")) == 2


def test_the_trend_chart_carries_each_projects_scores(staff, world):
    InspectionFactory(project=world["p1"], started_at=at(D(2025, 3, 11)), score=82, grade="good")
    InspectionFactory(project=world["p1"], started_at=at(D(2025, 6, 11)), score=68, grade="fail")
    body = testing.english_client(staff).get(reverse("inspections:figures") + "?year=2025").content.decode()
    data = json.loads(
        re.search(r'<script id="chart-trend" type="application/json">(.*?)</script>', body, re.S).group(1)
    )
    (line,) = data["series"]
    assert line["name"] == "一号项目"
    assert line["points"] == [["2025-03-11", 82.0], ["2025-06-11", 68.0]]
    assert listed(testing.english_client(staff), line["url"]) == 6  # the project's inspections of 2025
    assert "gongwu/inspection_figures.js" in body


def test_a_company_may_not_see_the_figures(world):
    client = testing.english_client(world["company_user"])
    assert client.get(reverse("inspections:figures")).status_code == 403
    assert client.get(reverse("inspections:summary", args=["week"])).status_code == 403


def test_an_agency_the_user_may_not_see_is_refused_with_a_message(staff, world):
    response = testing.english_client(staff).get(
        reverse("inspections:figures"), {"year": "2025", "agency": world["foreign"].agency_id}
    )
    assert response.status_code == 422
    assert "You may not see that agency&#x27;s figures; showing what you may see." in response.content.decode()
    assert Figures(response.content.decode()).value("notices") == "2"  # the user's own agency's, not the other's


def test_a_malformed_period_says_so(staff, world):
    response = testing.english_client(staff).get(reverse("inspections:figures") + "?from=2025-13-01")
    assert response.status_code == 422
    assert "Dates are written YYYY-MM-DD." in response.content.decode()


# ---- the registered figures (what the reports ask for by key) -----------------------------------

# The registered figure and the figure page's number it equals.
PAGE_KEYS = {
    "inspections.count": "inspections",
    "inspections.safety": "safety",
    "inspections.quality": "quality",
    "inspections.findings": "findings",
    "inspections.findings_closed": "findings-closed",
    "inspections.closure_rate": "closure-rate",
    "inspections.average_days_to_rectify": "average-days",
    "inspections.notices": "notices",
    "inspections.notices_closed": "notices-closed",
    "inspections.safety_notices": "notice-kind-safety",
    "inspections.quality_notices": "notice-kind-quality",
    "inspections.accidents": "accidents",
}


@pytest.fixture
def regulator(agency, world):
    """A regulator over the agency and the other agency (whose notice of 11 March counts for it too)."""
    regulator_org = testing.RegulatorFactory(name="测试市住建局")
    for overseen in (agency, world["foreign"].agency):
        overseen.parent = regulator_org
        overseen.save()
    return testing.UserFactory(organization=regulator_org, role=Role.REGULATOR)


def test_the_registered_figures_are_the_pages_numbers_with_the_same_lists(agency, regulator, world):
    Accident.objects.create(
        project=world["p1"], occurred_on=D(2025, 3, 12), kind=AccidentKind.FALL, description="高处坠落"
    )
    client = testing.english_client(regulator)
    for query in (
        {"from": "2025-03-10", "to": "2025-03-16"},
        {"from": "2025-03-10", "to": "2025-03-16", "agency": str(agency.pk)},
        {"year": "2025", "agency": str(agency.pk)},
    ):
        page = figures_page(client, "?" + urlencode(query))
        sel = Selection.from_query(regulator, query)
        for key, page_key in PAGE_KEYS.items():
            figure = compute(key, sel)
            value, url = page.figures[page_key]
            shown = figure.shown if figure.unit == Unit.PERCENT else number(figure.value)
            assert (shown, figure.url) == (value, url), (key, query)
    week = Selection.from_query(regulator, {"from": "2025-03-10", "to": "2025-03-16"})
    assert compute("inspections.notices", week).value == 3  # the other agency's notice too
    one = Selection.from_query(regulator, {"from": "2025-03-10", "to": "2025-03-16", "agency": str(agency.pk)})
    assert [compute(k, one).value for k in ("inspections.notices", "inspections.accidents")] == [2, 1]
    assert compute("inspections.closure_rate", one).value == Decimal("66.7")


def test_the_average_jgj59_score_links_to_the_scored_inspections(staff, world):
    InspectionFactory(project=world["p1"], started_at=at(D(2025, 3, 11)), score=82, grade="good")
    InspectionFactory(project=world["p1"], started_at=at(D(2025, 6, 11)), score=68.5, grade="fail")
    InspectionFactory(project=world["p1"], started_at=at(D(2025, 6, 12)), score=90)  # an agency checklist's mean
    sel = Selection.from_query(staff, {"year": "2025"})
    figure = compute("inspections.average_score", sel)
    assert (figure.value, figure.shown, figure.previous) == (Decimal("75.25"), "75.25", None)
    assert listed(testing.english_client(staff), figure.url) == 2


def test_a_voided_inspections_findings_leave_the_figure_and_its_list(staff, world):
    inspection = InspectionFactory(project=world["p1"], started_at=at(D(2025, 3, 11)))
    FindingFactory(inspection=inspection, responsible_org=world["c1"])
    week = Selection.from_query(staff, {"from": "2025-03-10", "to": "2025-03-16"})
    client = testing.english_client(staff)
    assert compute("inspections.findings", week).value == 4
    services.void_inspection(instance=inspection, actor=staff, reason="重复录入")
    figure = compute("inspections.findings", week)
    assert figure.value == 3 and listed(client, figure.url) == 3
    assert figures_page(client, "?from=2025-03-10&to=2025-03-16").value("findings") == "3"


def test_the_figure_api_gives_what_the_inspection_figures_api_gives(staff, world):
    client = testing.api_client(staff)
    period = {"from": "2025-03-10", "to": "2025-03-16"}
    whole = client.get("/api/inspections/figures/", period).json()
    keys = ["inspections.count", "inspections.safety", "inspections.findings", "inspections.closure_rate"]
    keys += ["inspections.notices", "inspections.notices_closed", "inspections.accidents"]
    response = client.get("/api/figures/values/", {**period, "key": keys})
    assert response.status_code == 200, response.content
    values = {f["key"]: f["value"] for f in response.json()}
    assert values == {
        "inspections.count": whole["inspections"],
        "inspections.safety": whole["safety"],
        "inspections.findings": whole["findings"],
        "inspections.closure_rate": whole["closure_rate"],
        "inspections.notices": whole["notices"],
        "inspections.notices_closed": whole["notices_closed"],
        "inspections.accidents": whole["accidents"],
    }
    assert (values["inspections.count"], values["inspections.notices"], values["inspections.closure_rate"]) == (
        3,
        2,
        "66.7",
    )
    listed_keys = {f["key"] for f in client.get("/api/figures/").json()}
    assert set(PAGE_KEYS) | {"inspections.average_score"} <= listed_keys
    assert client.get("/api/figures/values/", {"key": "inspections.count", "agency": "all"}).status_code == 200
    company = testing.api_client(world["company_user"])
    assert company.get("/api/figures/values/", {"key": "inspections.count"}).status_code == 403


# ---- summaries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monday", "sunday"),
    [
        (D(2025, 3, 10), D(2025, 3, 10), D(2025, 3, 16)),
        (D(2025, 3, 16), D(2025, 3, 10), D(2025, 3, 16)),
        (D(2024, 12, 31), D(2024, 12, 30), D(2025, 1, 5)),
    ],
)
def test_a_week_runs_monday_to_sunday(day, monday, sunday):
    assert (week_of(day).start, week_of(day).end) == (monday, sunday)


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [(1, D(2024, 1, 1), D(2024, 3, 31)), (2, D(2024, 4, 1), D(2024, 6, 30)), (4, D(2024, 10, 1), D(2024, 12, 31))],
)
def test_quarter_boundaries(quarter, start, end):
    assert (quarter_of(2024, quarter).start, quarter_of(2024, quarter).end) == (start, end)


def test_the_weekly_report_writes_the_weeks_figures_as_sentences(staff, world):
    url = reverse("inspections:summary", args=["week"]) + "?date=2025-03-13"
    body = testing.english_client(staff).get(url).content.decode()
    assert "week 11 of 2025 (2025-03-10 – 2025-03-16)" in body
    assert (
        "This week 2 safety inspections and 1 quality inspections were carried out "
        "(0 self-checks, 1 spot checks, 2 supervisory inspections)." in body
    )
    assert (
        "3 findings were recorded (1 serious, 1 major, 1 general); 2 have been closed, a closure rate of 66.7%." in body
    )
    assert (
        "2 notices were issued (1 safety supervision notices, 1 quality supervision notices, 0 rectification "
        "notices); 1 have been closed and 1 are overdue." in body
    )
    assert "Closed findings took 3 days on average to rectify." in body
    assert "No production-safety accident occurred." in body
    still_open = re.search(r'id="open-notices".*?</table>', body, re.S).group(0)
    assert world["overdue"].number in still_open and world["closed"].number not in still_open
    assert world["foreign"].number not in still_open
    assert "一号项目" in re.search(r'id="recurring".*?</table>', body, re.S).group(0)
    assert "甲建设公司" in re.search(r'id="worst".*?</table>', body, re.S).group(0)


def test_the_quarterly_summary_counts_the_whole_quarter(staff, world):
    url = reverse("inspections:summary", args=["quarter"]) + "?year=2025&quarter=1"
    body = testing.english_client(staff).get(url).content.decode()
    assert "Q1 2025 (2025-01-01 – 2025-03-31)" in body
    assert "This quarter 4 safety inspections and 1 quality inspections were carried out (1 self-checks" in body
    assert (
        "4 findings were recorded (1 serious, 1 major, 2 general); 2 have been closed, a closure rate of 50.0%." in body
    )


def test_a_bad_quarter_or_period_is_refused_clearly(staff, world):
    client = testing.english_client(staff)
    response = client.get(reverse("inspections:summary", args=["quarter"]) + "?year=2025&quarter=5")
    assert response.status_code == 422
    assert "a quarter from 1 to 4" in response.content.decode()
    assert client.get(reverse("inspections:summary", args=["month"])).status_code == 404


# ---- Word documents -----------------------------------------------------------------------------


def document_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(response.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_weekly_report_as_a_word_document(staff, world):
    url = reverse("inspections:summary_docx", args=["week"]) + "?date=2025-03-13"
    text = document_text(testing.english_client(staff).get(url))
    assert "3 findings were recorded" in text
    assert world["overdue"].number in text
    assert "乙建设公司" in text


def test_the_notice_as_a_word_document_carries_its_number_company_and_findings(staff, world):
    notice = world["closed"]
    text = document_text(testing.english_client(staff).get(reverse("inspections:notice_docx", args=[notice.pk])))
    assert "安全督导通知书" in text
    assert notice.number == "安督〔2025〕1号" and notice.number in text
    assert "甲建设公司" in text
    assert "一号项目（1标段）" in text
    for finding in world["findings"][:2]:
        assert finding.description in text
    assert "基坑北侧" in text and "JGJ 59-2011 表B.6" in text
    assert "5 working days" in text
    assert "测试市建筑工务署" in text and "2025-03-12" in text


def test_a_company_gets_its_own_notice_document_and_no_other(world):
    client = testing.english_client(world["company_user"])
    assert "甲建设公司" in document_text(client.get(reverse("inspections:notice_docx", args=[world["closed"].pk])))
    assert client.get(reverse("inspections:notice_docx", args=[world["overdue"].pk])).status_code == 404


def test_another_agencys_notice_document_is_not_found(staff, world):
    response = testing.english_client(staff).get(reverse("inspections:notice_docx", args=[world["foreign"].pk]))
    assert response.status_code == 404


def test_the_quarterly_summary_as_a_word_document_keeps_the_chosen_agency(staff, agency, world):
    page = testing.english_client(staff).get(
        reverse("inspections:summary", args=["quarter"]) + f"?year=2025&quarter=1&agency={agency.pk}"
    )
    docx_url = re.search(r'href="([^"]*summary/quarter/docx/[^"]*)"', page.content.decode()).group(1)
    text = document_text(testing.english_client(staff).get(docx_url.replace("&amp;", "&")))
    assert "Q1 2025 (2025-01-01 – 2025-03-31)" in text
    assert "测试市建筑工务署" in text
    assert "4 findings were recorded" in text
