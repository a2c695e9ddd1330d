"""Search-as-you-type choices in Chromium at desk and phone widths: typing, the keyboard, a tap, a hostile
name shown as text, and a list filter applied through HTMX. Needs Chromium and the vendored assets, as
gongwu/core/tests/test_browser.py says."""

import pytest

from gongwu.core import autocomplete, testing
from gongwu.core.models import Role
from gongwu.core.tests.test_browser import DESK, PHONE, Watch, browser, log_in, site  # noqa: F401 — fixtures
from gongwu.projects.models import Project
from gongwu.projects.testing import ProjectFactory

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x id=pwned>大道"


@pytest.fixture
def projects(site, monkeypatch):  # noqa: F811
    monkeypatch.setattr(autocomplete, "SELECT_MAX", 2)  # the live server runs in this process
    agency = site["agency"]
    found = {
        "road": ProjectFactory(agency=agency, code="GL-101", name="东街大道提升工程"),
        "school": ProjectFactory(agency=agency, code="GL-102", name="鼓楼实验小学"),
        "hostile": ProjectFactory(agency=agency, code="GL-103", name=HOSTILE),
        "foreign": ProjectFactory(code="TJ-101", name="台江大道拓宽工程"),
    }
    directors = [
        testing.UserFactory(organization=agency, role=Role.DIRECTOR, display_name=name)
        for name in ("王工", "李工", "陈工")
    ]
    Project.objects.filter(pk=found["school"].pk).update(director=directors[1])
    Project.objects.filter(pk=found["road"].pk).update(director=directors[0])
    return {**found, "directors": directors}


def options(page, field: str) -> list[str]:
    page.wait_for_selector(f"#id_{field}-list [role=option]")
    return page.locator(f"#id_{field}-list [role=option]").all_inner_texts()


@pytest.mark.parametrize("width", ["desk", "phone"])
def test_choosing_a_parent_project_by_typing_and_the_keyboard(browser, live_server, projects, width):  # noqa: F811
    context = browser.new_context(viewport=DESK if width == "desk" else PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/projects/list/add/", wait_until="networkidle")
    text = page.locator("#id_parent")
    assert text.get_attribute("role") == "combobox"
    assert page.locator("select[name=parent]").count() == 0

    text.press_sequentially("大道", delay=40)
    found = options(page, "parent")
    assert str(projects["road"]) in found and str(projects["hostile"]) in found
    assert str(projects["foreign"]) not in found  # another agency's project is never offered
    assert page.locator("#id_parent-list img, #pwned").count() == 0  # the hostile name is text
    height = page.locator("#id_parent-list [role=option]").first.bounding_box()["height"]
    assert height >= 40, f"an option is {height}px high: too small for a finger"

    # Escape closes the list and keeps the value (none yet).
    text.press("Escape")
    assert page.locator("#id_parent-list").is_hidden()
    assert page.locator("input[name=parent]").input_value() == ""

    text.fill("")
    text.press_sequentially("东街", delay=40)
    assert options(page, "parent") == [str(projects["road"])]
    text.press("ArrowDown")
    assert text.get_attribute("aria-activedescendant") == "id_parent-option-0"
    text.press("Enter")
    assert page.locator("#id_parent-list").is_hidden()
    assert page.locator("input[name=parent]").input_value() == str(projects["road"].pk)
    assert text.input_value() == str(projects["road"])
    assert page.url.endswith("/projects/list/add/"), "Enter chose the project; it must not submit the form"

    # Typing without choosing keeps the chosen project when leaving the field.
    text.fill("")
    text.press_sequentially("小学", delay=40)
    options(page, "parent")
    page.locator("#id_name").focus()
    assert text.input_value() == str(projects["road"])
    assert page.locator("input[name=parent]").input_value() == str(projects["road"].pk)
    assert not watch.take()
    context.close()


@pytest.mark.parametrize("width", ["desk", "phone"])
def test_a_director_filter_chosen_by_a_tap_filters_the_list(browser, live_server, projects, width):  # noqa: F811
    context = browser.new_context(viewport=DESK if width == "desk" else PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch(page)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/projects/list/", wait_until="networkidle")
    if width == "phone":
        page.locator("[data-bs-target='#filter-more']").click()
    text = page.locator("#id_director")
    text.wait_for(state="visible")
    text.press_sequentially("李工", delay=40)
    options(page, "director")
    with page.expect_response(lambda r: "/projects/list/?" in r.url and "director=" in r.url):
        page.locator("#id_director-list [role=option]").first.tap()
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert str(projects["school"].code) in page.locator("#results tbody").inner_text()
    assert f"director={projects['directors'][1].pk}" in page.url
    assert not watch.take()
    context.close()
