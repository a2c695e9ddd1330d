"""The alerts pages as a user meets them: a case's actions, the inbox, the leader's board, the rules,
notifications, a meeting, and the cases shown on every object page."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongwu.alerts import services, sources
from gongwu.alerts.models import Case, CaseEvent, Kind, Level, Notification, Status
from gongwu.alerts.testing import CaseFactory, MeetingFactory, NotificationFactory, opened_case
from gongwu.core.figures import Selection, Unit, compute, number
from gongwu.core.models import Attachment, CalendarDay, DayKind, OrganizationKind, Role
from gongwu.core.testing import (
    AgencyFactory,
    CompanyFactory,
    DepartmentFactory,
    RegulatorFactory,
    UserFactory,
    english_client,
    image_bytes,
)

pytestmark = pytest.mark.django_db

D = datetime.date
PNG = image_bytes("PNG")


@pytest.fixture
def world():
    agency = AgencyFactory(name="测试市建筑工务署")
    department = DepartmentFactory(parent=agency, name="工程管理处")
    company = CompanyFactory(name="华南建设工程有限公司")
    other_company = CompanyFactory(name="南方工程监理有限公司", kind=OrganizationKind.SUPERVISOR)
    staff = UserFactory(organization=department, role=Role.STAFF)
    colleague = UserFactory(organization=department, role=Role.STAFF)
    contractor = UserFactory(organization=company, role=Role.COMPANY)
    supervisor = UserFactory(organization=other_company, role=Role.COMPANY)
    return {
        "agency": agency,
        "department": department,
        "company": company,
        "other_company": other_company,
        "staff": staff,
        "colleague": colleague,
        "contractor": contractor,
        "supervisor": supervisor,
    }


def assigned_case(world, **fields) -> Case:
    fields.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=20))
    fields.setdefault("responsible_org", world["company"])
    fields.setdefault("title", "基坑支护监测数据缺失")
    return opened_case(world["staff"], agency=world["agency"], department=world["department"], **fields)


def action_forms(response) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', response.content.decode()))


def post_action(client, case: Case, name: str, *, version: int | None = None, **data):
    data.setdefault("version", case.version if version is None else version)
    return client.post(reverse("alerts:case_action", args=[case.pk, name]), data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---- the case page ------------------------------------------------------------------------------


def test_case_page_shows_each_user_only_the_actions_they_may_take(world):
    case = assigned_case(world)

    owner_page = english_client(world["staff"]).get(case.get_absolute_url())
    responsible_page = english_client(world["contractor"]).get(case.get_absolute_url())
    other_company_page = english_client(world["supervisor"]).get(case.get_absolute_url())

    assert action_forms(owner_page) == {"assign", "reschedule", "reassign"}
    assert action_forms(responsible_page) == {"start", "respond"}
    assert other_company_page.status_code == 404
    # every action form carries the version the user saw
    assert f'name="version" value="{case.version}"' in responsible_page.content.decode()


@pytest.mark.parametrize(
    ("today", "deadline", "overdue", "late"),
    [
        (D(2026, 12, 9), D(2026, 12, 6), "Overdue by 3 days", "3 working days late"),  # a Wednesday
        (D(2026, 12, 7), D(2026, 12, 4), "Overdue by 3 days", "1 working day late"),  # a Monday: the weekend
        (D(2026, 12, 5), D(2026, 12, 2), "Overdue by 3 days", "2 working days late"),  # on a Saturday
        (D(2026, 10, 8), D(2026, 9, 30), "Overdue by 8 days", "1 working day late"),  # after National Day
    ],
)
def test_case_page_shows_what_triggered_it_and_where_the_deadline_stands(world, travel, today, deadline, overdue, late):
    travel(today)
    case = opened_case(
        None,
        agency=world["agency"],
        source=sources.RULE,
        rule_code="projects.milestone_overdue",
        title="测试项目: 主体封顶 45 days overdue",
        trigger={"project": "T-00001", "milestone": "主体封顶", "days_late": 45, "severity": 45},
        level=Level.ORANGE,
        deadline=deadline,
        opened_on=deadline - datetime.timedelta(days=30),
    )

    page = english_client(world["staff"]).get(case.get_absolute_url())

    content = page.content.decode()
    assert 'id="trigger-data"' in content
    rows = dict(re.findall(r"<th[^>]*>([^<]+)</th><td[^>]*>([^<]+)</td>", content))
    assert rows == {"Project code": "T-00001", "Milestone": "主体封顶", "Days late": "45"}
    assert overdue in content
    assert 'data-level="orange"' in content
    assert re.search(r'id="working-days-left">([^<]+)<', content).group(1) == late


def test_a_deadline_counted_in_a_year_with_no_holiday_schedule_is_flagged_until_one_is_entered(world, travel):
    travel(D(2027, 1, 4))  # a Monday; 1 January 2027 (a Friday) is a holiday the package does not know yet
    case = opened_case(
        None, agency=world["agency"], title="跨年事项", deadline=D(2026, 12, 30), opened_on=D(2026, 12, 1)
    )
    client = english_client(world["staff"])

    page = client.get(case.get_absolute_url())
    content = page.content.decode()
    assert re.search(r'id="working-days-left">([^<]+)<', content).group(1) == "3 working days late"
    assert "No holiday schedule has been entered for 2027" in content
    assert page["Gongwu-Calendar-Warning"] == "2027"

    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    page = client.get(case.get_absolute_url())
    content = page.content.decode()
    assert re.search(r'id="working-days-left">([^<]+)<', content).group(1) == "2 working days late"
    assert "No holiday schedule" not in content
    assert not page.has_header("Gongwu-Calendar-Warning")


def test_every_transition_works_through_the_page(world):
    case = assigned_case(world, evidence_required=True)
    owner, contractor = english_client(world["staff"]), english_client(world["contractor"])

    response = post_action(contractor, case, "start", text="已进场")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert page_messages(response) == ["Done: Work started."]

    photos = [SimpleUploadedFile(f"现场照片{n}.png", PNG, content_type="image/png") for n in (1, 2)]
    response = post_action(contractor, case, "respond", text="已补充监测点并恢复数据上传", evidence=photos)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.response == "已补充监测点并恢复数据上传"
    assert sorted(Attachment.objects.filter(object_id=str(case.pk)).values_list("name", flat=True)) == [
        "现场照片1.png",
        "现场照片2.png",
    ]
    # the evidence shows on the timeline, next to the response
    assert response.content.decode().count('class="gw-thumb"') >= 2

    post_action(owner, case, "send_back", text="照片不清晰")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS

    photo = SimpleUploadedFile("补拍.png", PNG, content_type="image/png")
    post_action(contractor, case, "respond", text="已补拍", evidence=[photo])
    post_action(owner, case.__class__.objects.get(pk=case.pk), "close", text="核实无误")
    case.refresh_from_db()
    assert (case.status, case.resolution, case.closed_on) == (Status.CLOSED, "核实无误", timezone.localdate())

    response = post_action(owner, case, "archive", text="整改到位")
    case.refresh_from_db()
    assert (case.status, case.feedback) == (Status.ARCHIVED, "整改到位")
    assert action_forms(response) == set()
    assert list(case.events.values_list("action", flat=True)) == [
        "opened",
        "assigned",
        "started",
        "responded",
        "sent_back",
        "responded",
        "closed",
        "archived",
    ]


def test_assign_through_the_page_changes_who_is_responsible_and_the_deadline(world):
    case = opened_case(
        world["staff"], agency=world["agency"], deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert case.status == Status.OPEN
    new_deadline = timezone.localdate() + datetime.timedelta(days=15)

    post_action(
        english_client(world["staff"]),
        case,
        "assign",
        responsible_org=world["company"].pk,
        deadline=new_deadline.isoformat(),
    )

    case.refresh_from_db()
    assert (case.status, case.responsible_org, case.deadline) == (Status.ASSIGNED, world["company"], new_deadline)


def test_an_action_the_user_may_not_take_is_refused_with_a_message_and_changes_nothing(world):
    case = assigned_case(world)
    before = (case.status, case.version, case.events.count())

    response = post_action(english_client(world["contractor"]), case, "assign", responsible_org=world["company"].pk)
    also = post_action(english_client(world["staff"]), case, "close")

    assert page_messages(response) == ["Only the agency's staff may do this."]
    assert page_messages(also) == ["A case that is “Assigned” cannot be verified and closed."]
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == before


def test_a_stale_version_is_refused_because_someone_else_changed_the_case(world):
    case = assigned_case(world)
    services.transition(case, "respond", world["contractor"], text="已整改")
    case.refresh_from_db()
    seen = case.version
    services.transition(case, "send_back", world["colleague"], text="请补充照片", version=seen)

    response = post_action(english_client(world["staff"]), case, "close", version=seen)

    assert page_messages(response) == [
        "Someone else changed this case meanwhile (it is now “In progress”); reload it and try again."
    ]
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert not case.events.filter(action="closed").exists()


def test_a_response_without_evidence_on_a_case_that_needs_it_is_refused(world):
    case = assigned_case(world, evidence_required=True)
    contractor = english_client(world["contractor"])

    page = contractor.get(case.get_absolute_url()).content.decode()
    response = post_action(contractor, case, "respond", text="已整改")

    evidence_input = re.search(r'<input type="file"[^>]*name="evidence"[^>]*>', page).group(0)
    assert "multiple" in evidence_input and 'accept="image/*,.pdf"' in evidence_input and "required" in evidence_input
    assert page_messages(response) == ["This case needs evidence: attach photos or documents."]
    case.refresh_from_db()
    assert (case.status, case.response) == (Status.ASSIGNED, "")
    assert not Attachment.objects.filter(object_id=str(case.pk)).exists()


# ---- inbox --------------------------------------------------------------------------------------


def test_inbox_lists_my_work_overdue_first_and_the_responses_waiting_for_me(world):
    later = assigned_case(world, title="晚到期事项", deadline=timezone.localdate() + datetime.timedelta(days=30))
    late = CaseFactory(
        agency=world["agency"],
        title="已逾期事项",
        status=Status.IN_PROGRESS,
        responsible_org=world["company"],
        opened_on=timezone.localdate() - datetime.timedelta(days=40),
        deadline=timezone.localdate() - datetime.timedelta(days=2),
    )
    waiting = assigned_case(world, title="待核实事项")
    services.transition(waiting, "respond", world["contractor"], text="已整改")
    assigned_case(world, title="别家单位事项", responsible_org=world["other_company"])

    company_page = english_client(world["contractor"]).get(reverse("alerts:inbox"))
    staff_page = english_client(world["staff"]).get(reverse("alerts:inbox"))

    to_do = company_page.context["sections"][0]
    assert [c.pk for c in to_do["cases"]] == [late.pk, later.pk]
    assert (to_do["n"], to_do["overdue"]) == (2, 1)
    assert len(company_page.context["sections"]) == 1  # a company verifies nothing
    to_verify = staff_page.context["sections"][1]
    assert [c.title for c in to_verify["cases"]] == ["待核实事项"]
    assert 'data-count="to-verify">1<' in staff_page.content.decode()
    assert "Nothing assigned to you or your organization is waiting." in staff_page.content.decode()


def test_a_company_user_sees_only_the_cases_assigned_to_its_organization(world):
    mine = assigned_case(world, title="本单位事项")
    theirs = assigned_case(world, title="他单位事项", responsible_org=world["other_company"])
    client = english_client(world["contractor"])

    listed = client.get(reverse("alerts:case_list")).context["table"].paginator.count
    board = client.get(reverse("alerts:board")).context["figures"]

    assert listed == 1
    assert board["open"] == 1
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404


# ---- the leader's board -------------------------------------------------------------------------


@pytest.fixture
def year_of_cases(world):
    """33 cases opened in 2025, 32 of them closed 10 days after opening; one opened late in 2024 and
    closed in 2025 after 21 days; four cases still open (three overdue)."""
    agency, department = world["agency"], world["department"]
    for n in range(33):
        opened = D(2025, 1, 6) + datetime.timedelta(days=9 * n)
        CaseFactory(
            agency=agency,
            source=sources.TOUR if n % 3 else sources.MEETING,
            kind=Kind.RECTIFICATION,
            level=Level.YELLOW,
            opened_on=opened,
            deadline=opened + datetime.timedelta(days=20),
            status=(Status.ARCHIVED if n % 2 else Status.CLOSED) if n < 32 else Status.IN_PROGRESS,
            closed_on=opened + datetime.timedelta(days=10) if n < 32 else None,
            responsible_org=world["company"],
            department=department,
            subject_label="测试市第一中学新建工程" if n == 32 else "",
        )
    CaseFactory(
        agency=agency,
        source=sources.RULE,
        opened_on=D(2024, 12, 20),
        closed_on=D(2025, 1, 10),
        deadline=D(2025, 1, 31),
        status=Status.CLOSED,
    )
    CaseFactory(
        agency=agency,
        source=sources.RULE,
        kind=Kind.SUPERVISION,
        level=Level.RED,
        opened_on=D(2024, 6, 1),
        deadline=D(2024, 7, 1),
        status=Status.ASSIGNED,
        responsible_org=world["other_company"],
        subject_label="测试大道一标段",
    )
    CaseFactory(
        agency=agency,
        source=sources.MANUAL,
        kind=Kind.ATTENTION,
        level=Level.ORANGE,
        opened_on=D(2024, 3, 1),
        deadline=D(2024, 4, 1),
        status=Status.OPEN,
        department=department,
    )
    CaseFactory(
        agency=agency,
        source=sources.MEETING,
        kind=Kind.ACTION_ITEM,
        level=Level.BLUE,
        opened_on=timezone.localdate(),
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        status=Status.ASSIGNED,
        responsible_org=world["company"],
        department=department,
    )


FIGURE_LINK = re.compile(
    r'<a class="[^"]*gw-figure-link[^"]*" href="([^"]+)" data-figure="([^"]+)"(?: data-count="(\d+)")?>(.*?)</a>', re.S
)


def test_board_figures_match_hand_computed_values(world, year_of_cases):
    response = english_client(world["staff"]).get(reverse("alerts:board"), {"year": 2025})

    figures = response.context["figures"]
    assert (figures["opened"], figures["closed"]) == (33, 32)
    assert figures["closure_rate"] == Decimal("97.0")
    assert figures["average_days_to_close"] == Decimal("10.3")  # (32 × 10 + 21) / 33
    assert (figures["open"], figures["overdue"]) == (4, 3)
    content = response.content.decode()
    assert ">97%<" in content  # a rate as core's Figure shows it (97.0 → 97%, 80.29 → 80.29%)
    assert "32 of 33" in content
    assert ">10.3<" in content


def test_every_board_figure_opens_the_list_of_exactly_the_cases_it_counts(world, year_of_cases):
    client = english_client(world["staff"])
    content = client.get(reverse("alerts:board"), {"year": 2025}).content.decode()

    links = FIGURE_LINK.findall(content)
    checked = {}
    for href, key, count, inner in links:
        shown = re.search(r'gw-number[^"]*">\s*([\d.]+)%?\s*<', inner).group(1)
        expected = int(count) if count else (32 if key == "closure-rate" else int(shown))
        listed = client.get(html.unescape(href)).context["table"].paginator.count
        checked[f"{key} {html.unescape(href)}"] = (expected, listed)
    wrong = {k: v for k, v in checked.items() if v[0] != v[1]}
    assert not wrong, wrong
    keys = {k.split()[0] for k in checked}
    assert {"opened", "closed", "closure-rate", "average", "open", "overdue", "supervision", "attention"} <= keys
    assert {"by-level-open", "by-level-overdue", "by-source-open", "by-kind-open", "by-department-open"} <= keys
    assert {"by-responsible-open", "by-subject-open"} <= keys


def test_board_refuses_a_period_that_ends_before_it_starts(world):
    response = english_client(world["staff"]).get(reverse("alerts:board"), {"from": "2025-06-01", "to": "2025-01-01"})

    assert response.status_code == 422
    assert "The period ends before it starts." in response.content.decode()


# ---- the board's agency selector and the registered figures ------------------------------------


def board_links(client, query: dict) -> dict[str, tuple[str, str, int | None]]:
    """The board's figures for `query`: key → (number shown, list address, cases counted when not the number)."""
    response = client.get(reverse("alerts:board"), query)
    assert response.status_code == 200, response.content
    found = {}
    for href, key, count, inner in FIGURE_LINK.findall(response.content.decode()):
        shown = re.search(r'gw-number[^"]*">\s*([^<]*?)\s*<', inner).group(1)
        found.setdefault(key, (shown, html.unescape(href), int(count) if count else None))
    return found


def listed(client, url: str) -> int:
    return client.get(url).context["table"].paginator.count


@pytest.fixture
def district(world, year_of_cases):
    """A regulator over the agency (its year of cases above) and a district agency with five cases of 2025, two
    closed, three live (one supervised, two overdue), and a live case it made the agency's department
    responsible for."""
    regulator_org = RegulatorFactory(name="测试市住房和建设局")
    world["agency"].parent = regulator_org
    world["agency"].save()
    district = AgencyFactory(name="测试区建设中心", parent=regulator_org)
    for n in range(5):
        opened = D(2025, 2, 3) + datetime.timedelta(days=30 * n)
        CaseFactory(
            agency=district,
            source=sources.TOUR,
            kind=Kind.SUPERVISION if n == 4 else Kind.RECTIFICATION,
            level=Level.RED,
            opened_on=opened,
            deadline=opened + datetime.timedelta(days=10),
            status=Status.CLOSED if n < 2 else Status.ASSIGNED,
            closed_on=opened + datetime.timedelta(days=5) if n < 2 else None,
            responsible_org=world["company"],
            subject_label="测试区第二小学",
            subject_id="7",
        )
    CaseFactory(
        agency=district,
        source=sources.MEETING,
        kind=Kind.ACTION_ITEM,
        opened_on=D(2025, 8, 1),
        deadline=D(2099, 1, 1),
        status=Status.ASSIGNED,
        responsible_org=world["department"],
    )
    return {"regulator": UserFactory(organization=regulator_org, role=Role.REGULATOR), "district": district}


def test_a_regulator_chooses_an_agency_and_the_board_and_its_lists_count_only_its_cases(world, district):
    client = english_client(district["regulator"])
    whole = client.get(reverse("alerts:board"), {"year": 2025})
    content = whole.content.decode()
    assert 'id="id_agency"' in content and "测试区建设中心" in content and "测试市建筑工务署" in content
    assert (whole.context["figures"]["opened"], whole.context["figures"]["open"]) == (33 + 6, 4 + 4)

    one = district["district"].pk
    figures = board_links(client, {"year": 2025, "agency": one})
    shown = {key: value for key, (value, _url, _count) in figures.items()}
    assert (shown["opened"], shown["closed"], shown["closure-rate"], shown["average"]) == ("6", "2", "33.3%", "5")
    assert (shown["open"], shown["overdue"], shown["supervision"], shown["attention"]) == ("4", "3", "1", "0")
    wrong = {}
    for key, (value, url, count) in figures.items():
        assert f"agency={one}" in url, (key, url)
        expected = count if count is not None else (2 if key == "closure-rate" else int(value))
        if listed(client, url) != expected:
            wrong[key] = (url, expected, listed(client, url))
    assert not wrong, wrong
    assert {"opened", "closed", "open", "overdue", "by-level-open", "by-kind-open", "by-subject-open"} <= set(figures)
    page = client.get(reverse("alerts:board"), {"year": 2025, "agency": one})
    assert f'<option value="{one}" selected>测试区建设中心</option>' in page.content.decode()
    assert '<div class="page-pretitle">测试区建设中心</div>' in page.content.decode()
    charts = page.context["charts"]["sources"]["series"]
    assert all(f"agency={one}" in url for series in charts for url in series["urls"])


def test_an_agency_user_sees_only_their_agencys_cases_and_no_agency_selector(world, district):
    client = english_client(world["staff"])
    response = client.get(reverse("alerts:board"), {"year": 2025})
    content = response.content.decode()
    assert 'id="id_agency"' not in content
    assert '<div class="page-pretitle">测试市建筑工务署</div>' in content
    # the district's case its department is responsible for is in the case list, not on the agency's board
    assert (response.context["figures"]["opened"], response.context["figures"]["open"]) == (33, 4)
    figures = board_links(client, {"year": 2025})
    assert all(f"agency={world['agency'].pk}" in url for _value, url, _count in figures.values())
    assert listed(client, figures["open"][1]) == 4
    refused = client.get(reverse("alerts:board"), {"year": 2025, "agency": district["district"].pk})
    assert refused.status_code == 422
    assert "You may not see that agency&#x27;s figures; showing what you may see." in refused.content.decode()
    assert refused.context["figures"]["opened"] == 33


# The registered figure and the board's card it equals.
BOARD_KEYS = {
    "alerts.opened": "opened",
    "alerts.closed": "closed",
    "alerts.closure_rate": "closure-rate",
    "alerts.average_days_to_close": "average",
    "alerts.open": "open",
    "alerts.overdue": "overdue",
    "alerts.supervision_subjects": "supervision",
    "alerts.attention_subjects": "attention",
}


def test_the_registered_figures_are_the_boards_numbers_with_the_same_lists(world, district):
    regulator = district["regulator"]
    client = english_client(regulator)
    for query in ({"year": "2025"}, {"year": "2025", "agency": str(world["agency"].pk)}, {"from": "2025-03-01"}):
        board = board_links(client, query)
        sel = Selection.from_query(regulator, query)
        for key, card in BOARD_KEYS.items():
            figure = compute(key, sel)
            shown = figure.shown if figure.unit == Unit.PERCENT else number(figure.value)
            assert (shown, figure.url) == board[card][:2], (key, query)
    sel = Selection.from_query(regulator, {"year": "2025", "agency": str(world["agency"].pk)})
    opened = compute("alerts.opened", sel)
    assert (opened.value, opened.previous, opened.change) == (33, 3, Decimal("1000.0"))  # three opened in 2024
    assert compute("alerts.closure_rate", sel).value == Decimal("97.0")
    assert compute("alerts.overdue", sel).previous is None  # as of today: not compared
    for key, value in (("alerts.supervision_opened", 0), ("alerts.action_items_opened", 0)):
        figure = compute(key, sel)
        assert (figure.value, listed(client, figure.url)) == (value, value)
    whole = Selection.from_query(regulator, {"year": "2025"})
    for key, value in (("alerts.supervision_opened", 1), ("alerts.action_items_opened", 1)):
        figure = compute(key, whole)
        assert (figure.value, listed(client, figure.url)) == (value, value)


# ---- rules, meetings, notifications, object pages -----------------------------------------------


def test_rules_page_shows_each_rule_with_its_parameters_and_live_cases(world):
    leader = UserFactory(organization=world["agency"], role=Role.LEADER)
    CaseFactory(agency=world["agency"], source=sources.RULE, rule_code="projects.milestone_overdue")
    CaseFactory(agency=world["agency"], source=sources.RULE, rule_code="projects.milestone_overdue", status="closed")

    leader_page = english_client(leader).get(reverse("alerts:rules")).content.decode()
    staff_page = english_client(world["staff"]).get(reverse("alerts:rules")).content.decode()

    card = leader_page.split('data-rule="projects.milestone_overdue"')[1].split('data-rule="')[0]
    assert "Milestone overdue" in card
    assert re.search(r'data-figure="live"><span class="gw-number">1<', card)
    assert re.search(r'data-param="red_after">.*?>90<.*?1–730', card, re.S)
    assert "/alerts/rule-settings/add/?code=projects.milestone_overdue" in card
    assert "/alerts/rule-settings/add/" not in staff_page  # staff may view the rules, not change them


def test_meeting_page_lists_its_decisions_and_offers_to_add_an_action_item(world):
    meeting = MeetingFactory(agency=world["agency"], title="项目推进协调会")
    decision = assigned_case(world, title="加快办理施工许可", meeting=meeting, source=sources.MEETING)

    content = english_client(world["staff"]).get(meeting.get_absolute_url()).content.decode()

    assert decision.title in content
    assert f"/alerts/cases/add/?meeting={meeting.pk}&amp;kind=action_item" in content


def test_header_bell_counts_unread_notifications_and_mark_all_read_clears_them(world):
    NotificationFactory.create_batch(3, user=world["staff"])
    NotificationFactory(user=world["colleague"])
    client = english_client(world["staff"])

    page = client.get(reverse("alerts:notifications")).content.decode()
    response = client.post(reverse("alerts:notifications_read"), follow=True)

    assert re.search(r'id="notification-count">3<', page)
    assert 'id="notification-count"' not in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the colleague's


def test_project_page_shows_the_cases_about_the_project_and_its_parts(world):
    from gongwu.projects.testing import MilestoneFactory, ProjectFactory  # the integration under test

    project = ProjectFactory(agency=world["agency"], name="测试市第一中学新建工程")
    milestone = MilestoneFactory(project=project, planned_date=D(2025, 3, 1))
    other = ProjectFactory(agency=world["agency"], name="测试市第二中学新建工程")
    about_project = CaseFactory(agency=world["agency"], title="立项至施工许可用时超标")
    about_project.set_subject(project)
    about_project.save()
    about_milestone = CaseFactory(agency=world["agency"], title="开工节点逾期", deadline=D(2025, 4, 1))
    about_milestone.set_subject(milestone)
    about_milestone.save()
    elsewhere = CaseFactory(agency=world["agency"], title="别的项目的事项")
    elsewhere.set_subject(other)
    elsewhere.save()

    content = english_client(world["staff"]).get(project.get_absolute_url()).content.decode()
    quiet = english_client(world["staff"]).get(milestone.get_absolute_url()).content.decode()

    panel = content.split('id="subject-cases"')[1]
    assert about_project.title in panel and about_milestone.title in panel
    assert elsewhere.title not in panel
    assert "2 open" in panel and "1 overdue" in panel
    assert about_milestone.title in quiet.split('id="subject-cases"')[1]
    assert english_client(world["contractor"]).get(reverse("alerts:inbox")).status_code == 200


def test_object_pages_without_cases_show_no_cases_panel(world):
    content = english_client(world["staff"]).get(world["company"].get_absolute_url()).content.decode()

    assert 'id="subject-cases"' not in content
    assert not CaseEvent.objects.exists()
