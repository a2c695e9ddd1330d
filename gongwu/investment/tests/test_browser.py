"""Chromium walks the dispatch dashboard at desk and phone widths, then a month's report from the project
team to its confirmation: the month selector, a lag class's list, a plan's page, the month picker of the
report form, submit, and a second staff member's confirmation, after which the dashboard counts the figure.

Fails on a server error, a console error or an uncaught page error, on a page wider than the phone, and on
a chart that did not draw.
"""

import datetime
import os
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser  # noqa: F401 (the Chromium fixture)
from gongwu.investment import figures
from gongwu.investment.models import ActualStatus, MonthlyActual
from gongwu.investment.testing import AnnualPlanFactory, actual, payment
from gongwu.projects.models import Category
from gongwu.projects.testing import ProjectFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def agency(transactional_db):
    """This year's plans, figures confirmed to the month before the latest due; the latest month is open."""
    year, month = figures.default_month()
    city = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    Organization.objects.create(
        name="测试市东区工务署", short_name="东区工务署", kind=OrganizationKind.AGENCY, parent=city
    )
    department = Organization.objects.create(name="计划处", kind=OrganizationKind.DEPARTMENT, parent=city)
    for username, name in (("tester", "李工程师"), ("checker", "王工程师")):
        user = User(username=username, display_name=name, role=Role.STAFF, organization=department)
        user.set_password(PASSWORD)
        user.save()
    plans = []
    for n, (pace, category) in enumerate(
        ((Decimal("1.05"), Category.SCHOOL), (Decimal("0.8"), Category.ROAD), (Decimal("0.5"), Category.HOSPITAL))
    ):
        project = ProjectFactory(
            agency=city, name=f"测试市第{n + 1}号重点工程（含配套道路及地下综合管廊）", category=category
        )
        plan = AnnualPlanFactory(project=project, year=year, amount=Decimal(100_000_000) * (n + 1))
        shares = plan.share_values()
        done = Decimal(0)
        for m in range(1, month):
            target = figures.scheduled_amount(plan.amount, shares[m - 1]) * pace
            actual(plan, m, (target - done).quantize(Decimal("0.01")))
            done = target.quantize(Decimal("0.01"))
        payment(plan, datetime.date(year, 1, 10), 1_000_000)
        plans.append(plan)
    return {"year": year, "month": month, "plans": plans}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def figure(page, key: str) -> str:
    return page.locator(f"#key-figures a[data-figure={key}] .gw-number").inner_text().strip()


def record_count(page) -> int:
    text = page.locator("#results .card-header .text-secondary").first.inner_text()
    return int(re.findall(r"\d+", text)[0])


def test_dashboard_at_desk_and_phone_widths(browser, live_server, agency):  # noqa: F811
    base = live_server.url
    failures = []
    for width_name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch = Watch(page)
        log_in(page, base, "tester")
        response = page.goto(f"{base}/investment/", wait_until="networkidle")
        assert response is not None and response.status == 200
        assert figure(page, "plan").startswith("6.00"), f"{width_name}: plan {figure(page, 'plan')}"
        assert page.locator("#key-figures a[data-figure]").count() == 4
        page.wait_for_function("document.querySelector('#curves .gw-chart canvas') !== null")
        drawn = page.evaluate(
            "(() => { const k = document.querySelector('#curves .gw-chart canvas');"
            " return k.width > 100 && k.height > 100; })()"
        )
        if not drawn:
            failures.append(f"{width_name}: the curves did not draw")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        if overflow > viewport["width"]:
            failures.append(f"{width_name}: the dashboard is {overflow}px wide on a {viewport['width']}px screen")
        if page.locator("#side-by-side").count() != 1:
            failures.append(f"{width_name}: the district is not beside the city agency")
        failures += [f"{width_name} dashboard: {p}" for p in watch.take()]

        # The lag class opens the plans in it, as many as the card says.
        supervision = int(page.locator("a[data-figure=lag-supervision] .gw-number").inner_text())
        assert supervision >= 1
        with page.expect_navigation():
            page.locator("a[data-figure=lag-supervision]").click()
        assert "lag=supervision" in page.url
        assert record_count(page) == supervision
        failures += [f"{width_name} lag list: {p}" for p in watch.take()]
        context.close()
    assert not failures, "\n".join(failures)


def test_a_month_is_reported_submitted_confirmed_and_counted(browser, live_server, agency):  # noqa: F811
    base = live_server.url
    year, month = agency["year"], agency["month"]
    plan = agency["plans"][0]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    log_in(page, base, "tester")
    page.goto(f"{base}/investment/", wait_until="networkidle")
    before = figure(page, "actual")

    if month > 1:  # the month selector reloads the figures to the end of the month chosen
        with page.expect_navigation():
            page.select_option("#id_month", str(month - 1))
        assert f"month={month - 1}" in page.url
        assert page.locator("#id_month").input_value() == str(month - 1)

    # The plan's page: the month is open; its Report link opens the form with the month picker filled in.
    page.goto(base + plan.get_absolute_url(), wait_until="networkidle")
    row = page.locator(f'#schedule tr[data-month="{month}"]')
    with page.expect_navigation():
        row.get_by_role("link").first.click()
    picker = page.locator("input[name=month]")
    assert picker.get_attribute("type") == "month"
    assert picker.input_value() == f"{year}-{month:02d}"
    picker.fill(f"{year}-{month:02d}")
    page.fill("input[name=amount]", "12345678")
    with page.expect_navigation():
        page.locator("form.gw-form-card button[type=submit]").click()
    assert page.locator("#status").get_attribute("data-status") == ActualStatus.DRAFT
    with page.expect_navigation():
        page.click("#submit-actual")
    assert page.locator("#status").get_attribute("data-status") == ActualStatus.SUBMITTED
    assert page.locator("#confirm-actual").count() == 0  # not by the one who submitted it
    report = MonthlyActual.objects.get(project=plan.project, month=datetime.date(year, month, 1))
    assert report.amount == Decimal("12345678")
    failures = [f"report: {p}" for p in watch.take()]
    context.close()

    # Another member of the planning department confirms it; the dashboard now counts it.
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    log_in(page, base, "checker")
    page.goto(base + report.get_absolute_url(), wait_until="networkidle")
    with page.expect_navigation():
        page.click("#confirm-actual")
    assert page.locator("#status").get_attribute("data-status") == ActualStatus.CONFIRMED
    page.goto(f"{base}/investment/", wait_until="networkidle")
    after = figure(page, "actual")
    confirmed = sum(
        MonthlyActual.objects.filter(month__year=year, month__month__lte=month, status=ActualStatus.CONFIRMED)
        .exclude(project__agency__parent__isnull=False)
        .values_list("amount", flat=True),
        Decimal(0),
    )
    expected = (confirmed / 100_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert after != before and after.startswith(f"{expected}"), f"{before} → {after}, expected {expected}"
    failures += [f"confirm: {p}" for p in watch.take()]
    context.close()
    assert not failures, "\n".join(failures)
