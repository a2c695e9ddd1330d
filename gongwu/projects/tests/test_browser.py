"""Chromium walks the project list, a project page, the stage change, a task list and the portfolio summary
at desk and phone widths, against a live server.

Fails on a server error, a console error or an uncaught page error (a broken chart script or a CSP
violation shows up here), on a page wider than the phone, and on a chart that did not draw.
"""

import datetime
import os
import re
import time
from decimal import Decimal

import pytest

from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser  # noqa: F401 (the Chromium fixture)
from gongwu.projects.models import AwardLevel, Category, Milestone, MilestoneKind, ProgressReport, Stage, TaskKind
from gongwu.projects.testing import (
    AwardFactory,
    ProjectFactory,
    TaskItemFactory,
    TaskListFactory,
    ensure_builtin_approval_kinds,
    record_approval,
    started_project,
)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
D = datetime.date


@pytest.fixture
def portfolio(transactional_db):
    ensure_builtin_approval_kinds()  # an earlier transactional test's flush removed them
    agency = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    department = Organization.objects.create(name="工程管理处", kind=OrganizationKind.DEPARTMENT, parent=agency)
    staff = User(username="tester", display_name="测试员", role=Role.STAFF, organization=department)
    staff.set_password(PASSWORD)
    staff.save()
    hospital = started_project(
        D(2023, 3, 1),
        agency=agency,
        department=department,
        name="测试市儿童医院扩建工程（住院楼、门诊医技楼及地下车库）",
        category=Category.HOSPITAL,
        approved_investment=Decimal("3860000000"),
        hospital_beds=1200,
        uses_bim=True,
    )
    record_approval(hospital, "project_approval", D(2022, 11, 1), document_number="测发改〔2022〕118号")
    Milestone.objects.create(project=hospital, kind=MilestoneKind.TOPPING_OUT, planned_date=D(2024, 6, 30))
    for month, percent in enumerate((5, 12, 20, 31, 45, 52), start=4):
        ProgressReport.objects.create(project=hospital, month=D(2023, month, 1), percent=percent)
    ProjectFactory(agency=agency, parent=hospital, name="住院楼", category=Category.HOSPITAL, stage=Stage.CONSTRUCTION)
    AwardFactory(project=hospital, name="省级安全文明施工样板工地", level=AwardLevel.PROVINCIAL, year=2023)
    for n in range(4):
        started_project(
            D(2021, 9, 1),
            D(2023, 3 + n, 10),
            agency=agency,
            name=f"测试市第{n + 1}中学新建工程",
            category=Category.SCHOOL,
            school_places=1200,
        )
        started_project(D(2023, 2 + n, 1), agency=agency, name=f"测试大道{n + 1}标段", category=Category.ROAD)
    started_project(D(2020, 9, 1), D(2022, 8, 1), agency=agency, category=Category.SCHOOL, school_places=900)
    task_list = TaskListFactory(agency=agency, year=2023)
    TaskItemFactory(task_list=task_list, project=hospital, kind=TaskKind.START, planned_date=D(2023, 2, 28))
    return {"hospital": hospital, "task_list": task_list}


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "tester")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def test_project_pages_at_desk_and_phone_widths(browser, live_server, portfolio):  # noqa: F811
    started = time.monotonic()
    base = live_server.url
    hospital = portfolio["hospital"]
    pages = {
        "project list": ("/projects/list/", 0),
        "project page": (hospital.get_absolute_url(), 1),
        "stage change": (f"/projects/{hospital.pk}/stage/", 0),
        "task list": (portfolio["task_list"].get_absolute_url(), 0),
        "summary": ("/projects/summary/?year=2023", 3),
    }
    failures = []
    for width_name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch = Watch(page)
        log_in(page, base)
        for name, (path, charts) in pages.items():
            response = page.goto(base + path, wait_until="networkidle")
            assert response is not None
            if response.status >= 400:
                failures.append(f"{width_name} {name}: HTTP {response.status} for {path}")
            if charts:
                page.wait_for_function(f"document.querySelectorAll('.gw-chart canvas').length >= {charts}")
                drawn = page.evaluate(
                    "[...document.querySelectorAll('.gw-chart')].filter(c => {"
                    " const k = c.querySelector('canvas'); return k && k.width > 100 && k.height > 100; }).length"
                )
                if drawn != charts:
                    failures.append(f"{width_name} {name}: {drawn} of {charts} charts drawn")
                wide = page.evaluate(
                    "Math.max(...[...document.querySelectorAll('.gw-chart')].map(c => c.getBoundingClientRect().right))"
                )
                if wide > viewport["width"]:
                    failures.append(f"{width_name} {name}: a chart reaches {wide}px on a {viewport['width']}px screen")
            failures += [f"{width_name} {name}: {p}" for p in watch.take()]
            assert page.locator("h2.page-title").count() == 1, f"{width_name} {name}: no page title"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                failures.append(f"{width_name} {name}: page is {overflow}px wider than the screen")

        # The project page at a glance: stage, lead time, the progress curve.
        page.goto(base + hospital.get_absolute_url(), wait_until="networkidle")
        assert page.locator("#stage-badge").inner_text().strip()
        assert page.locator("#lead-time-calendar").inner_text() == str((D(2023, 3, 1) - D(2022, 11, 1)).days)
        assert page.locator(".step-item.active").count() == 1

        # A summary figure opens the list of the projects behind it, with the same count.
        page.goto(base + "/projects/summary/?year=2023", wait_until="networkidle")
        completed = page.locator("a[data-figure=completed] .gw-number").inner_text()
        assert completed == "4"
        with page.expect_navigation():
            page.locator("a[data-figure=completed]").click()
        assert "happened=completed" in page.url
        count = page.locator("#results .card-header .text-secondary").first.inner_text()
        assert re.findall(r"\d+", count) == ["4"], f"{width_name}: the list behind “completed 4” says {count!r}"
        failures += [f"{width_name} summary link: {p}" for p in watch.take()]
        context.close()
    assert not failures, "\n".join(failures)
    assert time.monotonic() - started < 90
