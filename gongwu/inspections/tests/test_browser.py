"""Chromium on a 375 px phone: an inspector starts an inspection on site, walks a JGJ 59 checklist, records a
finding with a photo from the item that lost points, and issues the notice.

Fails on a server error, a console error or an uncaught page error, and on a page wider than the phone.
"""

import io
import os

import pytest

from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.tests.test_browser import PASSWORD, Watch, browser  # noqa: F401 (the Chromium fixture)
from gongwu.inspections import services
from gongwu.inspections.models import Finding, FindingStatus, Inspection, RectificationNotice
from gongwu.inspections.testing import JPEG_BYTES, SectionFactory, builtin_sheet
from gongwu.projects.testing import ProjectFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def site(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agency = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    contractor = Organization.objects.create(name="测试市第一建筑工程有限公司", kind=OrganizationKind.CONTRACTOR)
    user = User(username="inspector", display_name="王督查", role=Role.INSPECTOR, organization=agency)
    user.set_password(PASSWORD)
    user.save()
    project = ProjectFactory(agency=agency, name="测试市第一中学教学楼改扩建工程（含地下车库）")
    section = SectionFactory(project=project, name="1标段", contractor=contractor)
    builtin_sheet("safety_management")  # the flush of a transactional test removed the built-in sheets
    return {"project": project, "section": section, "contractor": contractor}


def small_jpeg() -> bytes:
    """A real 64×48 JPEG when Pillow is there (the page shrinks it on the device), else the smallest accepted."""
    try:
        from PIL import Image
    except ImportError:
        return JPEG_BYTES
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def too_wide(page, what: str) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{what}: {width}px wide on a {PHONE['width']}px screen"] if width > PHONE["width"] else []


def test_an_inspector_walks_a_site_on_a_phone(browser, live_server, site):  # noqa: F811
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    failures: list[str] = []
    log_in(page, base, "inspector")

    # Start on site: project, section, kind; the topic shows for a special inspection only.
    page.goto(f"{base}/inspections/inspections/start/", wait_until="networkidle")
    assert page.locator("#id_topic").is_hidden()
    page.select_option("#id_kind", "special")
    assert page.locator("#id_topic").is_visible()
    page.select_option("#id_kind", "safety_routine")
    page.select_option("#id_project", str(site["project"].pk))
    page.select_option("#id_section", str(site["section"].pk))
    failures += too_wide(page, "start")
    with page.expect_navigation():
        page.click("#start")
    inspection = Inspection.objects.get()
    assert page.url.endswith(inspection.get_absolute_url())
    failures += too_wide(page, "inspection")

    # Add the 安全管理 sheet and walk it: 安全标志 −3, 应急救援 缺项.
    with page.expect_navigation():
        page.click("#add-sheet")
    with page.expect_navigation():
        page.click("button[data-template=safety_management]")
    failures += too_wide(page, "sheet")
    template = builtin_sheet("safety_management")
    signs = template.items.get(text="安全标志")
    rescue = template.items.get(text="应急救援")
    page.fill(f"input[name=d-{signs.pk}]", "3")
    page.fill(f"input[name=note-{signs.pk}]", "大门无警示标志")
    page.locator(f'.gw-item[data-item="{rescue.pk}"] .gw-na-toggle').click()
    assert page.locator(f"input[name=d-{rescue.pk}]").get_attribute("readonly") is not None
    with page.expect_navigation():
        page.click("#save-sheet")
    assert page.locator("#sheet-score .gw-score").inner_text().startswith("96")  # 100 × 87 / 90 = 96.67
    failures += too_wide(page, "sheet saved")

    # From the item that lost points, record the finding with a photo.
    with page.expect_navigation():
        page.locator(f'.gw-item[data-item="{signs.pk}"] .gw-record').click()
    assert "大门无警示标志" in page.locator("#id_description").input_value()
    assert page.locator("#id_responsible_org").input_value() == str(site["contractor"].pk)
    page.fill("#id_location", "北侧大门")
    page.set_input_files("#id_photos", files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}])
    page.wait_for_selector("#photo-preview img")
    page.wait_for_function("!document.querySelector('#id_photos').dataset.busy")
    failures += too_wide(page, "finding form")
    with page.expect_navigation():
        page.click("#save-finding")
    finding = Finding.objects.get()
    assert finding.item_id == signs.pk
    assert services.photos_of(finding).count() == 1

    # Back on the inspection, issue the notice with the finding ticked.
    page.goto(base + inspection.get_absolute_url(), wait_until="networkidle")
    assert page.locator(f'#findings [data-finding="{finding.pk}"] img').count() == 1
    with page.expect_navigation():
        page.click("#issue-notice")
    assert page.locator(f"input[name=findings][value='{finding.pk}']").is_checked()
    page.fill("#id_requirements", "三日内补设安全警示标志")
    failures += too_wide(page, "issue notice")
    with page.expect_navigation():
        page.click("#issue")
    notice = RectificationNotice.objects.get()
    assert page.url.endswith(notice.get_absolute_url())
    assert page.locator("#status").get_attribute("data-status") == "open"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.NOTIFIED
    failures += too_wide(page, "notice")
    failures += watch.take()
    context.close()
    assert not failures, "\n".join(failures)
