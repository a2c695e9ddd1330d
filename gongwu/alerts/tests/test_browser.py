"""Chromium walks the inbox, a case (answering it with a photo from the phone) and the leader's board at
desk and phone widths, against a live server.

Fails on a server error, a console error or an uncaught page error (a broken chart script or a CSP
violation shows up here), on a page wider than the screen, and on a chart that did not draw.
"""

import datetime
import os

import pytest
from django.utils import timezone

from gongwu.alerts import services, sources
from gongwu.alerts.models import Case, Kind, Level, Status
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser, credit_code  # noqa: F401 (the Chromium fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def user(username: str, role: str, organization: Organization) -> User:
    person = User(username=username, display_name=f"{username}测试员", role=role, organization=organization)
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.fixture
def supervision(transactional_db):
    agency = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    department = Organization.objects.create(name="工程管理处", kind=OrganizationKind.DEPARTMENT, parent=agency)
    company = Organization.objects.create(
        name="华南建设工程有限公司", kind=OrganizationKind.CONTRACTOR, credit_code=credit_code(1)
    )
    staff = user("tester", Role.STAFF, department)
    contractor = user("contractor", Role.COMPANY, company)
    today = timezone.localdate()
    to_answer = []
    for n, width in enumerate(("desk", "phone")):
        case = Case(
            agency=agency,
            source=sources.TOUR,
            kind=Kind.RECTIFICATION,
            level=Level.ORANGE,
            title=f"巡察发现：测试市儿童医院扩建工程（住院楼、门诊医技楼及地下车库）施工现场临边防护缺失（{width}）",
            description="五层东侧临边防护栏杆缺失约 12 米，需立即整改并上传整改后照片。",
            department=department,
            responsible_org=company,
            opened_on=today - datetime.timedelta(days=12 + n),
            deadline=today + datetime.timedelta(days=5),
            evidence_required=True,
        )
        to_answer.append(services.open_case(case, staff, notify_people=True))
    for n, (level, source, kind) in enumerate(
        [
            (Level.RED, sources.RULE, Kind.SUPERVISION),
            (Level.YELLOW, sources.MEETING, Kind.ACTION_ITEM),
            (Level.BLUE, sources.MANUAL, Kind.WARNING),
            (Level.ORANGE, sources.RULE, Kind.ATTENTION),
        ]
    ):
        case = Case(
            agency=agency,
            source=source,
            kind=kind,
            level=level,
            title=f"测试事项{n + 1}：测试大道{n + 1}标段进度滞后",
            subject_label=f"测试大道{n + 1}标段",
            department=department,
            responsible_org=department if n % 2 else company,
            opened_on=today - datetime.timedelta(days=40),
            deadline=today - datetime.timedelta(days=n + 1) if n < 2 else today + datetime.timedelta(days=9),
        )
        services.open_case(case, staff, notify_people=False)
    closed = services.open_case(
        Case(agency=agency, title="已办结事项", responsible_org=company, deadline=today + datetime.timedelta(days=3)),
        staff,
        notify_people=False,
    )
    services.transition(closed, "respond", contractor, text="已整改")
    services.transition(Case.objects.get(pk=closed.pk), "close", staff)
    return {"to_answer": to_answer, "staff": staff}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def check_page(page, viewport, label: str) -> list[str]:
    failures = []
    assert page.locator("h2.page-title").count() == 1, f"{label}: no page title"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        failures.append(f"{label}: page is {overflow}px wider than the screen")
    return failures


def test_inbox_case_and_board_at_desk_and_phone_widths(browser, live_server, supervision, tmp_path):  # noqa: F811
    base = live_server.url
    photo = tmp_path / "整改后照片.png"
    photo.write_bytes(PNG)
    failures = []
    widths = (("desk", DESK), ("phone", PHONE))
    for answered, ((width_name, viewport), case) in enumerate(zip(widths, supervision["to_answer"], strict=True)):
        # The company answers its case from the inbox, with a photo.
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch = Watch(page)
        log_in(page, base, "contractor")
        page.goto(base + "/alerts/", wait_until="networkidle")
        failures += check_page(page, viewport, f"{width_name} company inbox")
        assert page.locator("#to-do [data-case]").count() == 4 - answered  # the desk run answered one
        assert page.locator("#notification-count").inner_text() == "2"
        with page.expect_navigation():
            page.locator(f'#to-do [data-case="{case.pk}"]').click()
        failures += check_page(page, viewport, f"{width_name} case page")
        assert page.locator("form[data-action]").evaluate_all("fs => fs.map(f => f.dataset.action)") == [
            "start",
            "respond",
        ]
        page.fill("#respond-text", "已恢复临边防护栏杆，经项目部自检合格。")
        page.set_input_files("#respond-evidence", str(photo))
        with page.expect_navigation():
            page.locator("#action-respond button[type=submit]").click()
        assert page.locator(".alert-success").count() == 1
        assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED
        assert page.locator("[data-event=responded] img.gw-thumb").count() == 1
        assert page.locator("form[data-action]").count() == 0
        failures += check_page(page, viewport, f"{width_name} answered case")
        failures += [f"{width_name} company: {p}" for p in watch.take()]
        context.close()

        # The agency's staff see the response waiting, and the board.
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch = Watch(page)
        log_in(page, base, "tester")
        page.goto(base + "/alerts/", wait_until="networkidle")
        failures += check_page(page, viewport, f"{width_name} staff inbox")
        assert page.locator(f'#to-verify [data-case="{case.pk}"]').count() == 1
        page.goto(base + case.get_absolute_url(), wait_until="networkidle")
        assert sorted(page.locator("form[data-action]").evaluate_all("fs => fs.map(f => f.dataset.action)")) == [
            "close",
            "reassign",
            "reschedule",
            "send_back",
        ]
        failures += check_page(page, viewport, f"{width_name} case to verify")
        page.goto(base + "/alerts/board/", wait_until="networkidle")
        page.wait_for_function("document.querySelectorAll('.gw-chart canvas').length >= 2")
        drawn = page.evaluate(
            "[...document.querySelectorAll('.gw-chart')].filter(c => {"
            " const k = c.querySelector('canvas'); return k && k.width > 100 && k.height > 100; }).length"
        )
        if drawn != 2:
            failures.append(f"{width_name} board: {drawn} of 2 charts drawn")
        failures += check_page(page, viewport, f"{width_name} board")
        assert page.locator("a[data-figure=overdue] .gw-number").inner_text() == "2"
        with page.expect_navigation():
            page.locator("a[data-figure=overdue]").click()
        assert "overdue=true" in page.url
        failures += [f"{width_name} staff: {p}" for p in watch.take()]
        context.close()
    assert not failures, "\n".join(failures)
