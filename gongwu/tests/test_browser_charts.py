"""Chromium: a project named like an HTML tag shows as text in every chart's tooltip, never as an element.

Each chart page is opened with such a project in its figures; every chart is asked to show the tooltip of each
of its series, and the page must hold no element the name would have made (and no server or console error).
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from django.utils import timezone

from gongwu.alerts.testing import opened_case
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser  # noqa: F401 (the Chromium fixture)
from gongwu.inspections.testing import InspectionFactory
from gongwu.investment.testing import AnnualPlanFactory
from gongwu.projects.models import Category
from gongwu.projects.testing import ProjectFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__injected=1">第一中学'
YEAR = 2026
CHART_PAGES = [
    f"/inspections/?year={YEAR}",
    f"/investment/?year={YEAR}&month=6",
    f"/projects/summary/?year={YEAR}",
    "/alerts/board/",
]

# Every chart on the page shows the tooltip of each series' first point; what ECharts wrote is then in the DOM.
SHOW_EVERY_TOOLTIP = """() => {
  const shown = [];
  document.querySelectorAll("[data-gw-chart], [data-gw-curves]").forEach((element) => {
    const chart = window.echarts && window.echarts.getInstanceByDom(element);
    if (!chart) return;
    (chart.getOption().series || []).forEach((series, index) => {
      chart.dispatchAction({ type: "showTip", seriesIndex: index, dataIndex: 0 });
      shown.push(element.innerText);
    });
  });
  return shown;
}"""


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def hostile_site(transactional_db):
    agency = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    user = User(username="leader", display_name="张署长", role=Role.LEADER, organization=agency)
    user.set_password(PASSWORD)
    user.save()
    project = ProjectFactory(agency=agency, name=HOSTILE, category=Category.SCHOOL)
    InspectionFactory(project=project, started_at=at(datetime.date(YEAR, 3, 11)), score=82, grade="good")
    InspectionFactory(project=project, started_at=at(datetime.date(YEAR, 5, 12)), score=68, grade="fail")
    AnnualPlanFactory(project=project, year=YEAR, amount=Decimal("120000000"))
    opened_case(user, title=HOSTILE)
    return project


def test_a_hostile_project_name_shows_as_text_in_every_chart(browser, live_server, hostile_site):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    failures: list[str] = []
    tooltips: dict[str, list[str]] = {}
    for url in CHART_PAGES:
        page.goto(f"{live_server.url}{url}", wait_until="networkidle")
        page.wait_for_function("() => window.echarts !== undefined")
        tooltips[url] = page.evaluate(SHOW_EVERY_TOOLTIP)
        if not tooltips[url]:
            failures.append(f"{url}: no chart drawn")
        injected = page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length")
        if injected or page.evaluate("() => window.__injected === 1"):
            failures.append(f"{url}: the project's name became an element")
        failures.extend(f"{url}: {problem}" for problem in watch.take())
    context.close()
    assert failures == []
    assert any(HOSTILE in text for text in tooltips[CHART_PAGES[0]]), tooltips[CHART_PAGES[0]]
