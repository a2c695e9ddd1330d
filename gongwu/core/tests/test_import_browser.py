"""An import in the browser: upload, the worker's preview with a row error on the job page, upload again,
confirm, written. Needs Chromium and the vendored assets, as test_browser.py says."""

import pytest

from gongwu.core import testing
from gongwu.core.imports import OrganizationLedger
from gongwu.core.models import Organization
from gongwu.core.tests.test_browser import DESK, Watch, browser, log_in, site  # noqa: F401 — fixtures

pytestmark = pytest.mark.browser


def rows(*numbers: int, bad: int | None = None) -> bytes:
    def row(n: int) -> dict:
        code = testing.credit_code(8000 + n)
        if n == bad:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a mistyped check character
        return {"name": f"闽江建设工程有限公司{n}号", "kind": "Contractor", "credit_code": code, "is_active": "Yes"}

    return testing.ledger_xlsx(OrganizationLedger, [row(n) for n in numbers])


def upload(page, base: str, content: bytes) -> None:
    page.goto(f"{base}/organizations/import/")
    page.set_input_files(
        "#id_file", files=[{"name": "单位台账.xlsx", "mimeType": "application/octet-stream", "buffer": content}]
    )
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("#count-create")


def test_an_import_is_previewed_on_its_job_page_and_written_once_confirmed(browser, live_server, site) -> None:  # noqa: F811
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    log_in(page, live_server.url)

    upload(page, live_server.url, rows(1, 2, bad=2))
    assert "/jobs/" in page.url
    assert (page.inner_text("#count-create"), page.inner_text("#count-error")) == ("1", "1")
    assert page.locator("tr.table-danger").count() == 1
    assert page.locator("text=确认导入").count() == 0

    upload(page, live_server.url, rows(1, 2))
    assert (page.inner_text("#count-create"), page.inner_text("#count-error")) == ("2", "0")
    assert Organization.objects.filter(name__startswith="闽江建设工程有限公司").count() == 0
    with page.expect_navigation():
        page.click("#job-progress button[type=submit]")
    page.wait_for_selector("#job-status")
    assert Organization.objects.filter(name__startswith="闽江建设工程有限公司").count() == 2
    assert watch.take() == []
    context.close()
