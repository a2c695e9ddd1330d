"""Drive Chromium through the main pages at desk and phone widths, against a live server.

Fails on any server error (page or sub-resource), console error or uncaught page error, so a broken
template, a missing vendor asset or a Content-Security-Policy violation shows up here.
Needs Chromium (`make browser-deps`) and the vendored front-end assets (`make assets`).
"""

import os
import shutil

import pytest
from django.contrib.staticfiles import finders

from gongwu.core import services
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role, User
from gongwu.core.validators import credit_code_check_character

# Playwright's sync API runs an event loop in this thread; the ORM calls made here are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "browser-test-pass-2026"
VENDOR_ASSETS = ("vendor/tabler/tabler.min.css", "vendor/htmx/htmx.min.js", "vendor/icons/tabler-icons.min.css")


def credit_code(serial: int) -> str:
    body = f"91440300{serial:09d}"
    return body + credit_code_check_character(body)


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Chromium is not installed: run `make browser-deps`")
    missing = [a for a in VENDOR_ASSETS if not finders.find(a)]
    if missing:
        pytest.skip(f"front-end assets are missing ({', '.join(missing)}): run `make assets`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(transactional_db):
    agency = Organization.objects.create(name="测试市建筑工务署", short_name="测试工务署", kind=OrganizationKind.AGENCY)
    department = Organization.objects.create(name="工程管理处", kind=OrganizationKind.DEPARTMENT, parent=agency)
    staff = User(username="tester", display_name="测试员", role=Role.STAFF, organization=department)
    staff.set_password(PASSWORD)
    staff.save()
    companies = [
        services.create_object(
            instance=Organization(name=name, kind=kind, credit_code=credit_code(n), contact_person="王工"),
            actor=staff,
        )
        for n, (name, kind) in enumerate(
            [
                ("华南建设工程有限公司", OrganizationKind.CONTRACTOR),
                ("南方工程监理有限公司", OrganizationKind.SUPERVISOR),
                ("城市规划设计研究院", OrganizationKind.DESIGNER),
                ("岩土勘察有限公司", OrganizationKind.SURVEYOR),
            ],
            start=1,
        )
    ]
    entry = ChangeLogEntry.objects.for_user(staff).order_by("-id").first()
    assert entry is not None
    return {"agency": agency, "staff": staff, "companies": companies, "entry": entry}


class Watch:
    """Collects what went wrong while a page was open: server errors, console errors, page errors."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.static_ok: set[str] = set()
        page.on("response", self.on_response)
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def on_response(self, response):
        if response.status >= 500:
            self.problems.append(f"HTTP {response.status} {response.url}")
        elif response.status == 200 and "/static/vendor/" in response.url:
            self.static_ok.add(response.url.split("/static/", 1)[1])

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "tester")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url.rstrip("/") == base, f"login did not reach the home page: {page.url}"


def record_count(page) -> str:
    return page.locator("#results .card-header .text-secondary").first.inner_text()


def test_main_pages_at_desk_and_phone_widths(browser, live_server, site):
    base = live_server.url
    org = site["companies"][0]
    pages = {
        "home": "/",
        "organizations": "/organizations/",
        "organization": f"/organizations/{org.pk}/",
        "organization add": "/organizations/add/",
        "users": "/users/",
        "change log": "/changelog/",
        "change-log entry": f"/changelog/{site['entry'].pk}/",
        "my jobs": "/jobs/",
        "API tokens": "/tokens/",
        "search": "/search/?q=%E5%B7%A5%E7%A8%8B",
        "import": "/organizations/import/",
        "API docs": "/api/docs",
    }
    failures = []
    for width_name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch = Watch(page)
        log_in(page, base)
        failures += [f"{width_name} login: {p}" for p in watch.take()]
        for name, path in pages.items():
            response = page.goto(base + path, wait_until="networkidle")
            assert response is not None
            if response.status >= 400:
                failures.append(f"{width_name} {name}: HTTP {response.status} for {path}")
            failures += [f"{width_name} {name}: {p}" for p in watch.take()]
            if path.startswith("/api/"):
                continue
            assert page.locator("h2.page-title").count() == 1, f"{width_name} {name}: no page title"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                failures.append(f"{width_name} {name}: page is {overflow}px wider than the screen")
        assert {"vendor/tabler/tabler.min.css", "vendor/htmx/htmx.min.js"} <= watch.static_ok, (
            f"vendor assets did not load (run `make assets`): {sorted(watch.static_ok)}"
        )

        # The list search box filters the table through HTMX: same document, fewer records.
        page.goto(f"{base}/organizations/", wait_until="networkidle")
        page.evaluate("window.gwMarker = 'still here'")
        before = record_count(page)
        with page.expect_response(lambda r: "/organizations/?" in r.url and "q=" in r.url):
            page.locator("#filter-form input[name=q]").press_sequentially("监理", delay=30)
        page.wait_for_function(
            "before => document.querySelector('#results .card-header .text-secondary').innerText !== before",
            arg=before,
        )
        after = record_count(page)
        assert after != before, f"{width_name}: the search did not change the count ({before})"
        assert page.evaluate("window.gwMarker") == "still here", f"{width_name}: the search reloaded the page"
        assert page.locator("#results tbody tr").count() == 1
        assert "q=" in page.url
        assert "q=" in (page.locator("#export-link").get_attribute("href") or "")
        failures += [f"{width_name} list search: {p}" for p in watch.take()]

        if width_name == "phone":
            menu = page.locator("#navbar-menu")
            assert not menu.is_visible()
            page.locator(".navbar-toggler").click()
            page.locator("#navbar-menu.show").wait_for(state="visible")  # opened, not still sliding open
            section = menu.locator(".nav-item.dropdown", has=page.locator("a[href='/organizations/']"))
            section.locator(".nav-link.dropdown-toggle").click()
            menu.locator("a.dropdown-item[href='/organizations/']").wait_for(state="visible")
            failures += [f"{width_name} menu: {p}" for p in watch.take()]
        context.close()
    assert not failures, "\n".join(failures)
