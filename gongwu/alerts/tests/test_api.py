"""The alerts API: cases (scoping, create, edit, the loop's actions), rules, the board and notifications."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongwu.alerts import sources
from gongwu.alerts.models import (
    Case,
    CaseEvent,
    EventAction,
    Kind,
    Level,
    Notification,
    RuleSetting,
    Status,
)
from gongwu.alerts.rules import RULES, Match, Param, Rule
from gongwu.alerts.testing import CaseFactory, NotificationFactory, opened_case, staff_of
from gongwu.core.models import Attachment, CalendarDay, ChangeAction, ChangeLogEntry, DayKind, Organization, Role, User
from gongwu.core.testing import (
    AgencyFactory,
    CompanyFactory,
    DepartmentFactory,
    RegulatorFactory,
    UserFactory,
    api_client,
    stored,
)

pytestmark = pytest.mark.django_db

FAR = datetime.date(2099, 12, 31)
PDF = b"%PDF-1.4\n% evidence\n"


@dataclass
class World:
    regulator: Organization
    agency: Organization
    other_agency: Organization
    department: Organization
    company: Organization
    other_company: Organization
    staff: User
    leader: User
    outsider: User
    inspector_of_regulator: User
    company_user: User
    other_company_user: User


@pytest.fixture
def w() -> World:
    regulator = RegulatorFactory(name="福州市住房和城乡建设局")
    agency = AgencyFactory(name="鼓楼区建设工务署", parent=regulator)
    other_agency = AgencyFactory(name="仓山区建设工务署")
    department = DepartmentFactory(name="工程管理处", parent=agency)
    company = CompanyFactory(name="闽江建设工程有限公司")
    other_company = CompanyFactory(name="榕城建设集团有限公司")
    return World(
        regulator=regulator,
        agency=agency,
        other_agency=other_agency,
        department=department,
        company=company,
        other_company=other_company,
        staff=UserFactory(organization=department, role=Role.STAFF, display_name="林处长"),
        leader=staff_of(agency, Role.LEADER, display_name="张署长"),
        outsider=staff_of(other_agency),
        inspector_of_regulator=UserFactory(organization=regulator, role=Role.REGULATOR),
        company_user=UserFactory(organization=company, role=Role.COMPANY, display_name="陈经理"),
        other_company_user=UserFactory(organization=other_company, role=Role.COMPANY),
    )


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data, content_type="application/json")


def case_for_company(w: World, **fields: Any) -> Case:
    fields.setdefault("title", "塔吊防护不到位")
    fields.setdefault("deadline", FAR)
    return opened_case(w.staff, responsible_org=w.company, **fields)


def messages(response: Any) -> list[str]:
    return [row["msg"] for row in response.json()["detail"]]


def timeline(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


# ---- list and retrieve --------------------------------------------------------------------------


def test_the_list_filters_like_the_page(w):
    red = opened_case(w.staff, title="消防通道被占用", level=Level.RED, deadline=FAR)
    late = CaseFactory(
        agency=w.agency, title="基坑监测数据缺失", status=Status.IN_PROGRESS, deadline=datetime.date(2024, 1, 5)
    )
    closed = CaseFactory(agency=w.agency, title="扬尘超标", status=Status.CLOSED, closed_on=datetime.date(2024, 2, 1))
    client = api_client(w.staff)

    def ids(**params: Any) -> list[int]:
        response = client.get("/api/cases/", params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([red.pk, late.pk, closed.pk])
    assert ids(level="red") == [red.pk]
    assert ids(overdue="true") == [late.pk]
    assert ids(live="false") == [closed.pk]
    assert ids(status=["in_progress", "closed"]) == sorted([late.pk, closed.pk])
    assert ids(q="消防") == [red.pk]
    row = client.get("/api/cases/", {"q": "基坑"}).json()["results"][0]
    assert (row["status"], row["overdue"], row["deadline"]) == ("in_progress", True, "2024-01-05")


def test_a_bad_filter_or_sort_answers_400(w):
    client = api_client(w.staff)
    assert client.get("/api/cases/", {"level": "purple"}).status_code == 400
    assert client.get("/api/cases/", {"order_by": "password"}).status_code == 400


def test_retrieve_shows_the_timeline_and_the_actions_the_caller_may_take(w):
    case = case_for_company(w)
    owner_view = api_client(w.staff).get(f"/api/cases/{case.pk}/").json()
    assert owner_view["number"] == case.number
    assert [e["action"] for e in owner_view["events"]] == ["opened", "assigned"]
    assert owner_view["events"][0]["actor_name"] == "林处长"
    assert owner_view["transitions"] == ["assign"]
    company_view = api_client(w.company_user).get(f"/api/cases/{case.pk}/").json()
    assert company_view["transitions"] == ["start", "respond"]


def test_another_agency_gets_404_and_does_not_see_the_case_in_the_list(w):
    case = case_for_company(w)
    client = api_client(w.outsider)
    assert client.get(f"/api/cases/{case.pk}/").status_code == 404
    assert client.get("/api/cases/", {"count": "true"}).json()["count"] == 0
    assert (
        post(client, f"/api/cases/{case.pk}/assign/", {"responsible_org_id": w.outsider.organization_id}).status_code
        == 404
    )
    assert patch(client, f"/api/cases/{case.pk}/", {"title": "改"}).status_code in (403, 404)


def test_a_company_sees_only_the_cases_assigned_to_it(w):
    mine = case_for_company(w)
    opened_case(w.staff, title="其他单位的问题", responsible_org=w.other_company, deadline=FAR)
    opened_case(w.staff, title="署内事项", deadline=FAR)
    client = api_client(w.company_user)
    listed = client.get("/api/cases/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    others = Case.objects.exclude(pk=mine.pk)
    assert all(client.get(f"/api/cases/{c.pk}/").status_code == 404 for c in others)


def test_a_regulator_reads_the_agencies_below_but_changes_nothing(w):
    case = opened_case(w.staff, title="安全文明施工不到位", deadline=FAR)
    CaseFactory(agency=w.other_agency, title="不在辖区")
    client = api_client(w.inspector_of_regulator)
    assert [row["id"] for row in client.get("/api/cases/").json()["results"]] == [case.pk]
    assert client.get(f"/api/cases/{case.pk}/").json()["transitions"] == []
    before, cases = stored(case), Case.objects.count()
    assert post(client, "/api/cases/", {"title": "监管新增", "deadline": "2099-01-01"}).status_code == 403
    assert patch(client, f"/api/cases/{case.pk}/", {"title": "改"}).status_code == 403
    response = post(client, f"/api/cases/{case.pk}/assign/", {"responsible_org_id": w.company.pk})
    assert response.status_code == 403
    assert client.delete(f"/api/cases/{case.pk}/").status_code == 403
    assert (stored(case), Case.objects.count()) == (before, cases)


# ---- create -------------------------------------------------------------------------------------


def test_creating_a_case_numbers_it_assigns_it_and_tells_the_responsible_person(w, django_capture_on_commit_callbacks):
    person = UserFactory(organization=w.company, role=Role.COMPANY, display_name="黄工")
    payload = {
        "title": "市民中心地块征拆协调",
        "kind": "action_item",
        "level": "orange",
        "responsible_org_id": w.company.pk,
        "responsible_person_id": person.pk,
        "deadline_working_days": 10,
        "opened_on": "2026-09-28",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client(w.staff), "/api/cases/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert (body["number"], body["status"], body["agency_id"]) == ("2026-0001", "assigned", w.agency.pk)
    assert (case.responsible_org, case.source, case.created_by) == (w.company, sources.MANUAL, w.staff)
    # 10 working days from Monday 28 September 2026: 29, 30 September; 1–7 October is the National Day
    # holiday; 8, 9, Saturday 10 October (调休 make-up day), 12–16 October.
    assert body["deadline"] == "2026-10-16"
    assert [e["action"] for e in body["events"]] == ["opened", "assigned"]
    assert timeline(case) == [EventAction.OPENED, EventAction.ASSIGNED]
    assert list(Notification.objects.filter(user=person).values_list("case", flat=True)) == [case.pk]
    [entry] = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), action=ChangeAction.CREATE
    )
    assert (entry.actor, entry.source) == (w.staff, "api")


def test_a_deadline_counted_in_a_year_with_no_holiday_schedule_is_flagged_in_the_response(w):
    payload = {"title": "春节前后复工检查", "deadline_working_days": 10, "opened_on": "2027-01-25"}
    response = post(api_client(w.staff), "/api/cases/", payload)
    assert response.status_code == 201, response.content
    assert response["Gongwu-Calendar-Warning"] == "2027"
    # counted Monday to Friday until 2027's holidays are entered
    assert response.json()["deadline"] == "2027-02-08"

    for offset in range(7):  # an administrator enters the Spring Festival
        CalendarDay.objects.create(date=datetime.date(2027, 2, 6 + offset), kind=DayKind.HOLIDAY, name="春节")
    response = post(api_client(w.staff), "/api/cases/", {**payload, "title": "春节前后复工检查（二）"})
    assert not response.has_header("Gongwu-Calendar-Warning")
    assert response.json()["deadline"] == "2027-02-15"


def test_a_responsible_person_alone_makes_their_organization_responsible(w):
    person = UserFactory(organization=w.department, display_name="郑工")
    response = post(
        api_client(w.staff),
        "/api/cases/",
        {"title": "周例会交办", "responsible_person_id": person.pk, "deadline": "2099-01-01"},
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["responsible_org_id"]) == ("assigned", w.department.pk)


def test_a_case_nobody_is_responsible_for_yet_starts_open(w):
    response = post(api_client(w.staff), "/api/cases/", {"title": "待研究事项", "deadline": "2099-01-01"})
    assert response.status_code == 201
    assert (response.json()["status"], [e["action"] for e in response.json()["events"]]) == ("open", ["opened"])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"title": "无时限"}, "Give a deadline: a date or a number of working days."),
        (
            {"title": "时限早于立案", "opened_on": "2026-03-02", "deadline": "2026-03-01"},
            "The deadline cannot be before the day the case is opened.",
        ),
    ],
)
def test_a_bad_new_case_answers_422_and_saves_nothing(w, payload, message):
    count, log = Case.objects.count(), ChangeLogEntry.objects.count()
    response = post(api_client(w.staff), "/api/cases/", payload)
    assert response.status_code == 422
    assert message in messages(response)
    assert (Case.objects.count(), ChangeLogEntry.objects.count(), CaseEvent.objects.count()) == (count, log, 0)


def test_a_company_may_not_open_a_case(w):
    response = post(api_client(w.company_user), "/api/cases/", {"title": "自报问题", "deadline": "2099-01-01"})
    assert response.status_code == 403
    assert not Case.objects.exists()


# ---- edit ---------------------------------------------------------------------------------------


def test_an_owner_edits_the_editable_fields_and_the_version_moves_on(w):
    case = case_for_company(w)
    response = patch(
        api_client(w.staff),
        f"/api/cases/{case.pk}/",
        {"version": case.version, "title": "塔吊防护不到位（复查）", "level": "red"},
    )
    assert response.status_code == 200, response.content
    deadline = case.deadline
    case.refresh_from_db()
    assert (case.title, case.level, case.deadline) == ("塔吊防护不到位（复查）", Level.RED, deadline)
    assert (case.version, response.json()["version"]) == (2, 2)
    assert case.status == Status.ASSIGNED


@pytest.mark.parametrize(
    "change",
    [{"status": "closed"}, {"responsible_org_id": 1}, {"number": "2026-9999"}, {"response": "已整改"}],
)
def test_what_the_loop_owns_cannot_be_patched(w, change):
    case = case_for_company(w)
    before = stored(case)
    response = patch(api_client(w.staff), f"/api/cases/{case.pk}/", change)
    assert response.status_code == 422
    assert stored(case) == before


def test_an_edit_on_a_stale_version_is_refused(w):
    case = case_for_company(w)
    api_client(w.company_user).post(f"/api/cases/{case.pk}/start/", {}, content_type="application/json")
    before = stored(case)
    response = patch(api_client(w.staff), f"/api/cases/{case.pk}/", {"version": 1, "title": "旧版本上的修改"})
    assert response.status_code == 422
    assert "Someone else changed this case meanwhile" in messages(response)[0]
    assert stored(case) == before


def test_the_responsible_company_may_not_edit_the_case(w):
    case = case_for_company(w)
    before = stored(case)
    assert patch(api_client(w.company_user), f"/api/cases/{case.pk}/", {"title": "改小一点"}).status_code == 403
    assert stored(case) == before


# ---- transitions --------------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(w, django_capture_on_commit_callbacks):
    case = opened_case(w.staff, title="临边防护缺失", deadline=FAR)
    owner, company = api_client(w.staff), api_client(w.company_user)
    url = f"/api/cases/{case.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assigned = post(owner, f"{url}/assign/", {"version": 1, "responsible_org_id": w.company.pk})
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["status"], assigned.json()["responsible_org_id"]) == ("assigned", w.company.pk)
    assert Notification.objects.filter(user=w.company_user, case=case).exists()
    steps = [
        (company, "start", {}),
        (company, "respond", {"text": "已设置防护栏杆并验收"}),
        (owner, "send_back", {"text": "照片不清晰, 请补充"}),
        (company, "respond", {"text": "已补充照片"}),
        (owner, "close", {"text": "复查合格"}),
        (owner, "archive", {"text": "整改到位, 归档"}),
    ]
    for client, name, body in steps:
        version = Case.objects.get(pk=case.pk).version
        response = post(client, f"{url}/{name}/", {**body, "version": version})
        assert response.status_code == 200, (name, response.content)
    case.refresh_from_db()
    assert (case.status, case.response, case.feedback) == (Status.ARCHIVED, "已补充照片", "整改到位, 归档")
    assert timeline(case) == [
        "opened",
        "assigned",
        "started",
        "responded",
        "sent_back",
        "responded",
        "closed",
        "archived",
    ]


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        (Status.ASSIGNED, "close", "A case that is “Assigned” cannot be verified and closed."),
        (Status.CLOSED, "respond", "A case that is “Closed” cannot be response submitted."),
        (Status.SUBMITTED, "archive", "A case that is “Response submitted” cannot be archived."),
    ],
)
def test_a_step_from_the_wrong_status_answers_422_and_changes_nothing(w, status, name, message):
    case = CaseFactory(agency=w.agency, status=status, responsible_org=w.company, deadline=FAR)
    client = api_client(w.company_user if name == "respond" else w.staff)
    before, events = stored(case), CaseEvent.objects.count()
    response = post(client, f"/api/cases/{case.pk}/{name}/", {"text": "说明"})
    assert response.status_code == 422
    assert messages(response) == [message]
    assert (stored(case), CaseEvent.objects.count()) == (before, events)


@pytest.mark.parametrize(
    ("who", "status", "name", "message"),
    [
        ("staff", Status.ASSIGNED, "start", "Only the responsible organization may do this."),
        ("company_user", Status.SUBMITTED, "close", "Only the agency's staff may do this."),
        ("other_company_user", Status.ASSIGNED, "respond", None),  # not its case: it does not exist for it
    ],
)
def test_a_step_by_the_wrong_user_is_refused_and_changes_nothing(w, who, status, name, message):
    case = CaseFactory(agency=w.agency, status=status, responsible_org=w.company, deadline=FAR)
    before = stored(case)
    response = post(api_client(getattr(w, who)), f"/api/cases/{case.pk}/{name}/", {"text": "说明"})
    if message is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert response.json()["detail"] == message
    assert stored(case) == before


def test_a_step_on_a_stale_version_answers_422_and_changes_nothing(w):
    case = case_for_company(w)
    company = api_client(w.company_user)
    assert post(company, f"/api/cases/{case.pk}/start/", {"version": 1}).status_code == 200
    before = stored(case)
    response = post(company, f"/api/cases/{case.pk}/respond/", {"version": 1, "text": "已整改"})
    assert response.status_code == 422
    assert messages(response) == [
        "Someone else changed this case meanwhile (it is now “In progress”); reload it and try again."
    ]
    assert stored(case) == before


def test_a_response_without_the_required_evidence_is_refused_and_one_with_it_is_taken(w):
    case = case_for_company(w, evidence_required=True)
    company = api_client(w.company_user)
    before = stored(case)
    refused = post(company, f"/api/cases/{case.pk}/respond/", {"text": "已整改"})
    assert refused.status_code == 422
    assert messages(refused) == ["This case needs evidence: attach photos or documents."]
    assert stored(case) == before
    taken = company.post(
        f"/api/cases/{case.pk}/respond/",
        {"text": "已整改, 见照片", "version": str(case.version), "evidence": SimpleUploadedFile("整改报告.pdf", PDF)},
    )
    assert taken.status_code == 200, taken.content
    assert taken.json()["status"] == "submitted"
    assert [a["name"] for a in taken.json()["attachments"]] == ["整改报告.pdf"]
    attachment = Attachment.objects.get()
    assert (attachment.object_id, attachment.agency_id, attachment.uploaded_by) == (
        str(case.pk),
        w.agency.pk,
        w.company_user,
    )


def test_a_file_that_is_not_what_its_name_says_is_refused(w):
    case = case_for_company(w, evidence_required=True)
    before = stored(case)
    response = api_client(w.company_user).post(
        f"/api/cases/{case.pk}/respond/", {"text": "已整改", "evidence": SimpleUploadedFile("照片.jpg", b"not a jpeg")}
    )
    assert response.status_code == 422
    assert "does not match" in messages(response)[0]
    assert (stored(case), Attachment.objects.count()) == (before, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"responsible_org_id": 999_999}, "responsible_org_id"),
        ({"responsible_org_id": "鼓楼"}, "responsible_org_id"),
        ({"deadline": "2026年6月底", "responsible_org_id": None}, "deadline"),
    ],
)
def test_a_malformed_action_body_answers_422(w, body, field):
    case = opened_case(w.staff, title="待交办", deadline=FAR)
    before = stored(case)
    response = post(api_client(w.staff), f"/api/cases/{case.pk}/assign/", body)
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]
    assert stored(case) == before


def test_a_body_that_is_not_json_answers_422(w):
    case = opened_case(w.staff, title="待交办", deadline=FAR)
    response = api_client(w.staff).post(f"/api/cases/{case.pk}/assign/", "{oops", content_type="application/json")
    assert response.status_code == 422


# ---- meetings -----------------------------------------------------------------------------------


def test_a_meeting_decision_becomes_a_case_of_that_meeting(w):
    client = api_client(w.staff)
    meeting = post(client, "/api/meetings/", {"title": "项目推进协调会", "date": "2026-03-10", "kind": "coordination"})
    assert meeting.status_code == 201, meeting.content
    meeting_id = meeting.json()["id"]
    response = post(
        client,
        "/api/cases/",
        {"title": "加快施工许可办理", "kind": "action_item", "meeting_id": meeting_id, "deadline": "2099-01-01"},
    )
    assert response.status_code == 201
    assert [row["id"] for row in client.get("/api/cases/", {"meeting": meeting_id}).json()["results"]] == [
        response.json()["id"]
    ]


# ---- rules --------------------------------------------------------------------------------------


@pytest.fixture
def a_rule(monkeypatch) -> Rule:
    """A rule of this test only (the registry is restored afterwards)."""

    def find(agency_id: int, params: dict[str, int], today: datetime.date) -> list[Match]:
        return []

    rule = Rule(
        code="tests.late_reports",
        title="Monthly report late",
        description="A monthly progress report is missing.",
        find=find,
        params=[
            Param("grace_days", "grace days", default=5, minimum=0, maximum=30),
            Param("red_after", "red after (days)", default=60, minimum=1, maximum=365),
        ],
        level=Level.BLUE,
    )
    monkeypatch.setitem(RULES, rule.code, rule)
    return rule


def test_the_rules_list_shows_parameters_and_the_agency_settings(w, a_rule):
    RuleSetting.objects.create(agency=w.other_agency, code=a_rule.code, enabled=False, level=Level.RED)
    response = api_client(w.staff).get("/api/rules/")
    assert response.status_code == 200
    [row] = [r for r in response.json() if r["code"] == a_rule.code]
    assert row["params"] == [
        {"name": "grace_days", "label": "grace days", "default": 5, "min": 0, "max": 30, "help": ""},
        {"name": "red_after", "label": "red after (days)", "default": 60, "min": 1, "max": 365, "help": ""},
    ]
    assert row["setting"] == {
        "agency_id": w.agency.pk,
        "configured": False,
        "enabled": True,
        "level": "blue",
        "params": {"grace_days": 5, "red_after": 60},
        "last_scan": None,
    }
    assert {r["code"] for r in response.json()} == set(RULES)


def test_a_leader_changes_a_rule_and_the_change_is_logged(w, a_rule):
    client = api_client(w.leader)
    first = patch(client, f"/api/rules/{a_rule.code}/", {"params": {"grace_days": 10}, "level": "orange"})
    assert first.status_code == 200, first.content
    second = patch(client, f"/api/rules/{a_rule.code}/", {"enabled": False})
    assert second.status_code == 200
    setting = RuleSetting.objects.get(agency=w.agency, code=a_rule.code)
    assert (setting.enabled, setting.level, setting.params) == (
        False,
        Level.ORANGE,
        {"grace_days": 10, "red_after": 60},
    )
    assert second.json()["setting"]["params"] == {"grace_days": 10, "red_after": 60}
    entries = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(RuleSetting), object_id=str(setting.pk)
    ).order_by("id")
    assert [(e.action, e.actor) for e in entries] == [(ChangeAction.CREATE, w.leader), (ChangeAction.UPDATE, w.leader)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"params": {"grace_days": 31}}, "grace days must be between 0 and 30."),
        ({"params": {"grace_days": "三天"}}, "grace days: write a whole number."),
        ({"params": {"typo_days": 3}}, "Unknown parameters: typo_days."),
    ],
)
def test_a_rule_parameter_out_of_range_answers_422_and_changes_nothing(w, a_rule, body, message):
    setting = RuleSetting.objects.create(agency=w.agency, code=a_rule.code, params={"grace_days": 7})
    before, log = stored(setting), ChangeLogEntry.objects.count()
    response = patch(api_client(w.leader), f"/api/rules/{a_rule.code}/", body)
    assert response.status_code == 422
    assert message in messages(response)
    assert (stored(setting), ChangeLogEntry.objects.count()) == (before, log)


def test_a_parameter_out_of_range_stores_no_setting_at_all(w, a_rule):
    response = patch(api_client(w.leader), f"/api/rules/{a_rule.code}/", {"params": {"red_after": 0}})
    assert response.status_code == 422
    assert not RuleSetting.objects.exists()


def test_staff_read_the_rules_but_do_not_change_them(w, a_rule):
    client = api_client(w.staff)
    assert client.get(f"/api/rules/{a_rule.code}/").status_code == 200
    assert patch(client, f"/api/rules/{a_rule.code}/", {"enabled": False}).status_code == 403
    assert (
        patch(api_client(w.inspector_of_regulator), f"/api/rules/{a_rule.code}/", {"enabled": False}).status_code == 403
    )
    assert not RuleSetting.objects.exists()


def test_an_unknown_rule_answers_404(w):
    client = api_client(w.leader)
    assert client.get("/api/rules/tests.nothing/").status_code == 404
    assert patch(client, "/api/rules/tests.nothing/", {"enabled": False}).status_code == 404


# ---- board --------------------------------------------------------------------------------------


@pytest.fixture
def board_cases(w) -> None:
    """Five cases of the agency about 2025, one of another agency (figures computed by hand in the tests)."""
    day = datetime.date
    common = {"agency": w.agency, "department": w.department}
    # A: opened and closed in March, on time, 10 days.
    CaseFactory(
        **common,
        opened_on=day(2025, 3, 1),
        deadline=day(2025, 3, 15),
        status=Status.CLOSED,
        closed_on=day(2025, 3, 11),
        source=sources.TOUR,
    )
    # B: opened in April, closed late in May, 30 days.
    CaseFactory(
        **common,
        opened_on=day(2025, 4, 1),
        deadline=day(2025, 4, 10),
        status=Status.ARCHIVED,
        closed_on=day(2025, 5, 1),
        source=sources.TOUR,
    )
    # C: open and overdue, red, supervised.
    CaseFactory(
        **common,
        opened_on=day(2025, 6, 1),
        deadline=day(2025, 6, 30),
        status=Status.IN_PROGRESS,
        level=Level.RED,
        kind=Kind.SUPERVISION,
        source=sources.MEETING,
        subject_label="市民中心",
        subject_id="1",
    )
    # D: open, not due before 2099, blue.
    CaseFactory(
        agency=w.agency,
        opened_on=day(2025, 7, 1),
        deadline=FAR,
        status=Status.ASSIGNED,
        level=Level.BLUE,
        kind=Kind.ATTENTION,
        source=sources.MANUAL,
        subject_label="滨江学校",
        subject_id="2",
    )
    # E: opened in 2024, closed in January 2025, 35 days.
    CaseFactory(
        **common, opened_on=day(2024, 12, 1), deadline=day(2025, 1, 31), status=Status.CLOSED, closed_on=day(2025, 1, 5)
    )
    CaseFactory(agency=w.other_agency, opened_on=day(2025, 5, 1), deadline=day(2025, 5, 2))


def test_the_board_figures_for_a_year(w, board_cases):
    response = api_client(w.staff).get("/api/alerts/board/", {"year": 2025})
    assert response.status_code == 200, response.content
    figures = response.json()
    assert figures["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert {k: figures[k] for k in ("opened", "closed", "closed_on_time", "closure_rate", "open", "overdue")} == {
        "opened": 4,
        "closed": 2,
        "closed_on_time": 1,
        "closure_rate": 50.0,
        "open": 2,
        "overdue": 1,
    }
    assert (figures["closed_in_period"], figures["average_days_to_close"]) == (3, 25.0)  # (10 + 30 + 35) / 3
    assert figures["by_level"] == [
        {"key": "red", "label": "Red", "count": 1, "overdue": 1},
        {"key": "blue", "label": "Blue", "count": 1, "overdue": 0},
    ]
    assert figures["by_department"] == [
        {"key": "工程管理处", "label": "工程管理处", "count": 1, "overdue": 1},
        {"key": None, "label": "", "count": 1, "overdue": 0},
    ]
    assert sorted((r["key"], r["opened"], r["closed"]) for r in figures["opened_by_source"]) == [
        ("manual", 1, 0),
        ("meeting", 1, 0),
        ("tour", 2, 2),
    ]
    assert figures["subjects"] == {"supervision": 1, "attention": 1}


def test_the_board_for_a_period_and_its_errors(w, board_cases):
    client = api_client(w.staff)
    march = client.get("/api/alerts/board/", {"from": "2025-03-01", "to": "2025-03-31"}).json()
    assert (march["opened"], march["closed"], march["closure_rate"], march["average_days_to_close"]) == (
        1,
        1,
        100.0,
        10.0,
    )
    empty = client.get("/api/alerts/board/", {"year": 2019}).json()
    assert (empty["opened"], empty["closure_rate"], empty["average_days_to_close"]) == (0, None, None)
    assert client.get("/api/alerts/board/", {"from": "2025-04-01", "to": "2025-03-01"}).status_code == 422
    assert client.get("/api/alerts/board/", {"year": 1800}).status_code == 422
    assert client.get("/api/alerts/board/", {"from": "2025-13-01"}).status_code == 422


def test_a_regulator_sees_the_board_of_each_agency_below(w, board_cases):
    client = api_client(w.inspector_of_regulator)
    assert client.get("/api/alerts/board/", {"year": 2025}).json()["opened"] == 4
    one = client.get("/api/alerts/board/", {"year": 2025, "agency": w.agency.pk}).json()
    assert (one["agency_id"], one["opened"]) == (w.agency.pk, 4)
    assert client.get("/api/alerts/board/", {"year": 2025, "agency": w.other_agency.pk}).status_code == 404


# ---- notifications ------------------------------------------------------------------------------


def test_my_notifications_are_written_as_before_with_times_to_the_millisecond(w):
    note = NotificationFactory(user=w.staff, text="新交办事项")
    created = datetime.datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    type(note).objects.filter(pk=note.pk).update(created=created)
    listed = api_client(w.staff).get("/api/notifications/", {"count": "true"}).json()
    assert listed == {
        "count": 1,
        "has_more": False,
        "next": None,
        "results": [
            {
                "id": note.pk,
                "text": "新交办事项",
                "case_id": None,
                "created": "2026-12-02T09:30:15.123Z",
                "read_at": None,
            }
        ],
        "unread": 1,
    }


def test_my_notifications_and_marking_them_read(w):
    first = NotificationFactory(user=w.staff, text="新交办事项")
    second = NotificationFactory(user=w.staff, text="整改回复待核验")
    someone_elses = NotificationFactory(user=w.leader, text="逾期事项")
    client = api_client(w.staff)
    listed = client.get("/api/notifications/", {"count": "true"}).json()
    assert (listed["count"], listed["unread"], listed["has_more"]) == (2, 2, False)
    assert {row["id"] for row in listed["results"]} == {first.pk, second.pk}
    marked = post(client, "/api/notifications/read/", {"ids": [first.pk, someone_elses.pk]}).json()
    assert marked == {"marked": 1, "unread": 1}
    assert [row["id"] for row in client.get("/api/notifications/", {"unread": "true"}).json()["results"]] == [second.pk]
    assert post(client, "/api/notifications/read/").json() == {"marked": 1, "unread": 0}
    someone_elses.refresh_from_db()
    assert someone_elses.read_at is None


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "鼓楼", -1, 10**20, [1], {"a": 1}, "2026-02-30"])
def test_odd_values_answer_a_clear_4xx_and_change_nothing(w, value):
    case = case_for_company(w)
    client = api_client(w.leader)
    before, count = stored(case), Case.objects.count()
    answers = [
        patch(client, f"/api/cases/{case.pk}/", {"deadline": value}),
        patch(client, f"/api/cases/{case.pk}/", {"department_id": value, "title": None}),
        post(client, "/api/cases/", {"title": "新事项", "responsible_org_id": value, "deadline": value}),
        post(client, f"/api/cases/{case.pk}/assign/", {"responsible_person_id": value, "version": value}),
        patch(client, "/api/rules/tests.none/", {"params": {"grace_days": value}}),
    ]
    assert [r.status_code // 100 for r in answers] == [4] * len(answers)
    assert (stored(case), Case.objects.count()) == (before, count)


def test_an_agency_user_gets_their_agencys_board_and_another_agency_is_not_found(w, board_cases):
    client = api_client(w.staff)
    mine = client.get("/api/alerts/board/", {"year": 2025}).json()
    assert (mine["agency_id"], mine["opened"]) == (w.agency.pk, 4)
    assert client.get("/api/alerts/board/", {"year": 2025, "agency": "all"}).json()["opened"] == 4
    assert client.get("/api/alerts/board/", {"year": 2025, "agency": w.other_agency.pk}).status_code == 404
    assert client.get("/api/alerts/board/", {"year": 2025, "agency": "鼓楼"}).status_code == 422
    values = client.get("/api/figures/values/", {"year": 2025, "key": ["alerts.opened", "alerts.closed"]}).json()
    assert [(f["key"], f["value"]) for f in values] == [("alerts.opened", 4), ("alerts.closed", 2)]
