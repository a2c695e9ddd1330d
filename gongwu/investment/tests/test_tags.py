"""The dashboard and the plan list counted by project tag (市投市建 apart): every figure, every link behind a
figure, the dashboard API, the monthly report and the registered filter count only the plans of projects
with the tag.

Three projects of one agency, 2026, figures to the end of October:

    project  tags          plan    confirmed        paid     adjustment
    T-1      市投市建       1.00亿   0.80亿 (on sch.)  0.10亿   —
    T-2      市投市建 民生   2.00亿   0.20亿 (督办)     —        +0.30亿 approved (in the 2.00亿)
    T-3      —             4.00亿   3.50亿 (on sch.)  0.50亿   −0.40亿 approved (in the 4.00亿)
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from gongwu.core import testing
from gongwu.core.models import Job, Role
from gongwu.investment import figures, services
from gongwu.investment.models import AdjustmentDirection, AnnualPlan, PlanAdjustment
from gongwu.investment.testing import AnnualPlanFactory, actual, payment
from gongwu.investment.tests.test_pages import dashboard, listed
from gongwu.projects.models import ProjectTag
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YI = 100_000_000
TAG = "市投市建"


@pytest.fixture
def w(db) -> dict[str, Any]:
    agency = testing.AgencyFactory(name="标签区建筑工务署", short_name="标签区")
    city_built = ProjectTag.objects.create(agency=agency, name=TAG)
    livelihood = ProjectTag.objects.create(agency=agency, name="民生")
    staff = testing.UserFactory(organization=agency, role=Role.STAFF)
    leader = testing.UserFactory(organization=agency, role=Role.LEADER)
    projects = {code: ProjectFactory(agency=agency, code=code) for code in ("T-1", "T-2", "T-3")}
    projects["T-1"].tags.add(city_built)
    projects["T-2"].tags.add(city_built, livelihood)
    plans = {
        "T-1": AnnualPlanFactory(project=projects["T-1"], year=2026, amount=1 * YI),
        "T-2": AnnualPlanFactory(project=projects["T-2"], year=2026, amount=Decimal("1.7") * YI),
        "T-3": AnnualPlanFactory(project=projects["T-3"], year=2026, amount=Decimal("4.4") * YI),
    }
    for code, direction, amount in (("T-2", AdjustmentDirection.INCREASE, "0.3"), ("T-3", "decrease", "0.4")):
        adjustment = PlanAdjustment.objects.create(
            plan=plans[code],
            direction=direction,
            amount=Decimal(amount) * YI,
            reason="调整",
            requested_on=D(2026, 6, 1),
        )
        services.decide_adjustment(adjustment, leader, approve=True, on=D(2026, 6, 10))
    actual(plans["T-1"], 5, Decimal("0.8") * YI)
    actual(plans["T-2"], 5, Decimal("0.2") * YI)
    actual(plans["T-3"], 6, Decimal("3.5") * YI)
    payment(plans["T-1"], D(2026, 7, 1), Decimal("0.1") * YI)
    payment(plans["T-3"], D(2026, 8, 1), Decimal("0.5") * YI)
    return {"agency": agency, "staff": staff, "leader": leader, "plans": plans}


def test_the_dashboard_of_a_tag_counts_only_its_projects_and_its_links_list_as_many(w):
    client = testing.english_client(w["staff"])
    response, page = dashboard(client, year=2026, month=10, tag=TAG)
    assert response.status_code == 200
    assert page.number("plan", "key-figures") == Decimal("3.00")
    assert page.number("actual", "key-figures") == Decimal("1.00")
    assert page.number("paid", "key-figures") == Decimal("0.10")
    lags = {key: page.number(f"lag-{key}") for key in ("on_schedule", "attention", "supervision")}
    assert lags == {"on_schedule": 1, "attention": 0, "supervision": 1}
    content = response.content.decode()
    assert "2 projects" in content.split('id="key-figures"', 1)[1].split("</a>", 1)[0]
    assert f'id="tag-shown">{TAG}<' in content
    assert f'<option value="{TAG}" selected>{TAG}</option>' in content

    # every link behind a figure lists exactly what the figure counts, and keeps the tag
    assert listed(client, page.one("plan", "key-figures")["href"]) == 2
    assert listed(client, page.one("paid", "key-figures")["href"]) == 1
    for lag, count in lags.items():
        href = page.one(f"lag-{lag}")["href"]
        assert parse_qs(urlsplit(href).query)["tag"] == [TAG]
        assert listed(client, href) == count, lag
    rows = [row for row in page.find("count", "breakdowns") if row["href"]]  # the totals row links nowhere
    assert len(rows) >= 6
    for row in rows:
        assert listed(client, row["href"]) == number_of(row["text"]), row["href"]
    assert listed(client, page.one("increased")["href"]) == 1
    assert listed(client, page.one("decreased")["href"]) == 0
    report_link = page_link(content, "report-link")
    assert parse_qs(urlsplit(report_link).query)["tag"] == [TAG]

    _response, everything = dashboard(client, year=2026, month=10)
    assert everything.number("plan", "key-figures") == Decimal("7.00")
    assert listed(client, everything.one("plan", "key-figures")["href"]) == 3
    assert listed(client, everything.one("decreased")["href"]) == 1


def number_of(text: str) -> int:
    return int(text.replace(",", ""))


def page_link(content: str, element_id: str) -> str:
    start = content.index(f'id="{element_id}"')
    tag_start = content.rindex("<a ", 0, start)
    href = content[tag_start:].split('href="', 1)[1].split('"', 1)[0]
    return href.replace("&amp;", "&")


def test_the_rollup_and_the_records_agree_for_a_tag(w):
    for month in (6, 10, 12):
        kept = figures.dashboard([w["agency"].pk], 2026, month, tag=TAG)
        assert kept == figures.dashboard([w["agency"].pk], 2026, month, tag=TAG, live=True)
        assert kept.totals.projects == 2
    assert figures.dashboard([w["agency"].pk], 2026, 10, tag="民生").totals.plan == Decimal("2.00") * YI


def test_an_unknown_tag_is_refused_and_every_project_counted(w):
    client = testing.english_client(w["staff"])
    response, page = dashboard(client, year=2026, month=10, tag="没有这个标签")
    assert response.status_code == 422
    assert "No project tag is named “没有这个标签”; counting every project." in response.content.decode()
    assert page.number("plan", "key-figures") == Decimal("7.00")


def test_the_dashboard_api_counts_a_tag_and_its_rows_filters_list_as_many(w):
    client = testing.api_client(w["staff"])
    body = client.get("/api/investment/dashboard/", {"year": 2026, "month": 10, "tag": TAG}).json()
    assert (body["tag"], body["totals"]["projects"], body["totals"]["plan"]) == (TAG, 2, "300000000.00")
    assert [row["code"] for row in body["lagging"]["supervision"]] == ["T-2"]
    for row in body["breakdowns"]["by_category_group"]:
        listed_plans = client.get("/api/investment-plans/", {**row["filters"], "count": "true"}).json()
        assert listed_plans["count"] == row["projects"], row["filters"]
    refused = client.get("/api/investment/dashboard/", {"year": 2026, "tag": "没有这个标签"})
    assert refused.status_code == 422


def test_the_plan_list_and_its_export_filter_by_tag(w):
    client = testing.english_client(w["staff"])
    url = reverse("investment:annualplan_list")
    assert listed(client, f"{url}?year=2026&tag={TAG}") == 2
    assert listed(client, f"{url}?year=2026&tag=民生") == 1
    response = client.get(f"{url}?year=2026")
    assert f'<option value="{TAG}">{TAG}</option>' in response.content.decode()
    exported = client.get(f"{url}export/?year=2026&tag={TAG}")
    assert exported.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    codes = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])
    assert codes == ["T-1", "T-2"]


def test_the_monthly_report_of_a_tag_has_its_projects_only(w, django_capture_on_commit_callbacks):
    client = testing.english_client(w["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/investment/report/", {"year": 2026, "month": 10, "tag": TAG})
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = Job.objects.get()
    assert job.params["tag"] == TAG
    assert job.message == "2 projects in the report."
    assert AnnualPlan.objects.count() == 3
