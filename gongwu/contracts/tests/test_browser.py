"""Chromium walks the money chain's pages at desk and phone widths (the contract ledger, a contract with its money
panel, claims, changes, reviews, the backlog, tenders and the figures page), then sends a draft contract to
countersign and approves its step from the contract page, after which the contract is signed.

Fails on a server error, a console error or an uncaught page error, and on a page wider than the phone.
"""

import datetime
import os
from decimal import Decimal

import pytest

from gongwu.contracts.models import ContractStatus, CountersignRoute, CountersignRouteStep
from gongwu.contracts.testing import ClaimFactory, ContractFactory
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser  # noqa: F401 (the Chromium fixture)
from gongwu.tenders.testing import BidFactory, TenderFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def site(transactional_db):
    city = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    department = Organization.objects.create(name="合同管理处", kind=OrganizationKind.DEPARTMENT, parent=city)
    user = User(username="tester", display_name="李工程师", role=Role.STAFF, organization=department)
    user.set_password(PASSWORD)
    user.save()
    signed = ContractFactory(agency=city, name="测试市第一中学新建工程施工总承包合同（含配套道路及地下综合管廊）")
    ClaimFactory(contract=signed, claimed_amount=Decimal("12000000"))
    draft = ContractFactory(
        agency=city, number="", name="测试市第二中学监理合同", status=ContractStatus.DRAFT, signed_on=None
    )
    route = CountersignRoute.objects.create(agency=city, name="监理合同会签")
    CountersignRouteStep.objects.create(route=route, order=1, label="合同管理处", department=department)
    tender = TenderFactory(plan__agency=city, plan__project=signed.project, notice_on=datetime.date(2026, 3, 2))
    BidFactory(tender=tender)
    return {"signed": signed, "draft": draft, "tender": tender}


def test_the_money_chain_pages_at_desk_and_phone_widths(browser, live_server, site):  # noqa: F811
    base = live_server.url
    pages = {
        "contract ledger": "/contracts/contracts/",
        "contract": site["signed"].get_absolute_url(),
        "claims": "/contracts/claims/",
        "changes": "/contracts/changes/",
        "reviews": "/contracts/reviews/",
        "backlog": "/contracts/settlement-backlog/",
        "countersign tasks": "/contracts/my-tasks/",
        "tender plans": "/tenders/plans/",
        "tender": site["tender"].get_absolute_url(),
        "figures": "/figures/?of=contracts&of=tenders",
    }
    failures = []
    for width_name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = Watch(page)
        page.goto(f"{base}/login/")
        page.fill("#id_username", "tester")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        for name, path in pages.items():
            response = page.goto(base + path, wait_until="networkidle")
            if response is None or response.status >= 400:
                failures.append(f"{width_name} {name}: HTTP {response and response.status} for {path}")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > viewport["width"] + 1:
                failures.append(f"{width_name} {name}: {overflow}px wide on a {viewport['width']}px screen")
            failures += [f"{width_name} {name}: {p}" for p in watch.take()]
        context.close()
    assert not failures, "\n".join(failures)


def test_a_draft_contract_is_countersigned_from_its_page(browser, live_server, site):  # noqa: F811
    draft = site["draft"]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "tester")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    page.goto(live_server.url + draft.get_absolute_url())
    with page.expect_navigation():
        page.click("#start-countersign")
    with page.expect_navigation():
        page.click("[data-approve]")
    assert page.locator("[data-round-status='approved']").count() == 1
    draft.refresh_from_db()
    assert draft.status == ContractStatus.SIGNED
    assert not watch.take()
    context.close()
