"""The rectification ledger (整改台账): export, the round trip, new cases from a list of findings, bad rows."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from gongwu.alerts import sources
from gongwu.alerts.imports import CaseLedger
from gongwu.alerts.models import Case, CaseEvent, Kind, Level, Status
from gongwu.alerts.testing import CaseFactory, opened_case, staff_of
from gongwu.core import context
from gongwu.core.models import ChangeAction, ChangeLogEntry, Role
from gongwu.core.testing import (
    AgencyFactory,
    CompanyFactory,
    DepartmentFactory,
    UserFactory,
    english_client,
    ledger_xlsx,
    stored,
    upload_ledger,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LATER = TODAY + datetime.timedelta(days=30)
HEADERS = [
    "No.",
    "Problem",
    "Problem description",
    "Responsible unit",
    "Responsible person",
    "Rectification deadline",
    "Rectification measures",
    "Rectification progress",
    "Status",
    "Source",
    "Level",
    "Category",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency():
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def department(agency):
    return DepartmentFactory(name="质量安全处", parent=agency)


@pytest.fixture
def company():
    return CompanyFactory(name="闽江建设工程有限公司")


@pytest.fixture
def staff(agency, department):
    return UserFactory(organization=department, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def portfolio(agency, department, company, staff) -> list[Case]:
    """Cases in every part of the loop, as the pages and the scan leave them."""
    person = UserFactory(organization=company, role=Role.COMPANY, display_name="陈经理")
    unassigned = opened_case(staff, title="消防通道被材料占用", deadline=LATER)
    assigned = opened_case(
        staff,
        title="临边防护缺失",
        description="5层临边未设防护栏杆",
        measures="设置防护栏杆",
        responsible_org=company,
        responsible_person=person,
        source=sources.TOUR,
        kind=Kind.RECTIFICATION,
        level=Level.ORANGE,
        deadline=LATER,
    )
    answered = CaseFactory(
        agency=agency,
        number="2024-0007",
        title="塔吊基础资料缺失",
        responsible_org=department,
        status=Status.SUBMITTED,
        response="已补齐塔吊基础验收资料",
        opened_on=datetime.date(2024, 5, 1),
        deadline=datetime.date(2024, 5, 31),
    )
    closed = CaseFactory(
        agency=agency,
        number="2024-0008",
        title="扬尘在线监测超标",
        source=sources.RULE,
        rule_code="sites.dust",
        kind=Kind.WARNING,
        level=Level.RED,
        status=Status.CLOSED,
        opened_on=datetime.date(2024, 6, 1),
        deadline=datetime.date(2024, 6, 15),
        closed_on=datetime.date(2024, 6, 3),
    )
    return [unassigned, assigned, answered, closed]


def export(user: Any, **params: Any) -> bytes:
    response = english_client(user).get("/alerts/cases/export/", params)
    assert response.status_code == 200
    return response.content


def rows_of(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    return CaseLedger().read(content, "整改台账.xlsx")


def everything() -> tuple[list[dict], int, int]:
    return [stored(c) for c in Case.objects.order_by("pk")], ChangeLogEntry.objects.count(), CaseEvent.objects.count()


# ---- export -------------------------------------------------------------------------------------


def test_the_export_has_the_ledger_layout(staff, portfolio):
    rows = xlsx_rows(export(staff))
    assert rows[0] == HEADERS
    by_number = {row[0]: row for row in rows[1:]}
    assigned = portfolio[1]
    assert by_number[assigned.number] == [
        assigned.number,
        "临边防护缺失",
        "5层临边未设防护栏杆",
        "闽江建设工程有限公司",
        "陈经理",
        datetime.datetime.combine(LATER, datetime.time()),
        "设置防护栏杆",
        None,
        "Assigned",
        "Inspection tour finding",
        "Orange",
        "Rectification (整改)",
    ]
    assert by_number["2024-0007"][7:9] == ["已补齐塔吊基础验收资料", "Response submitted"]


def test_the_export_follows_the_list_filters(staff, portfolio):
    rows = xlsx_rows(export(staff, status=[Status.SUBMITTED, Status.CLOSED]))
    assert sorted(row[0] for row in rows[1:]) == ["2024-0007", "2024-0008"]


def test_a_company_exports_only_the_cases_assigned_to_it(company, portfolio):
    representative = UserFactory(organization=company, role=Role.COMPANY)
    rows = xlsx_rows(export(representative))
    assert [row[0] for row in rows[1:]] == [portfolio[1].number]


# ---- the round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_export_imports_back_unchanged_and_writes_nothing(staff, portfolio, language):
    stream = io.BytesIO()
    with translation.override(language):
        CaseLedger().write_xlsx(Case.objects.all(), stream)
    content = stream.getvalue()
    before = everything()
    result = CaseLedger().apply(rows_of(content), staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 4, "error": 0}, [r.errors for r in result.rows]
    assert everything() == before


def test_a_case_whose_person_shares_a_name_with_another_still_imports_back_unchanged(company, staff, portfolio):
    UserFactory(organization=company, role=Role.COMPANY, display_name="陈经理")  # a second 陈经理
    result = CaseLedger().apply(rows_of(export(staff)), staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 4, "error": 0}, [r.errors for r in result.rows]


def test_an_edited_export_changes_only_the_edited_cells_and_moves_the_version_on(staff, portfolio):
    rows = rows_of(export(staff))
    assigned = portfolio[1]
    [values] = [v for _n, v in rows if v["number"] == assigned.number]
    values.update(measures="设置防护栏杆并挂设安全网", level="Red")
    deadline = assigned.deadline
    with context.change_source("import"):
        result = CaseLedger().apply(rows, staff)
    assert result.summary == {"create": 0, "update": 1, "unchanged": 3, "error": 0}
    assigned.refresh_from_db()
    assert (assigned.measures, assigned.deadline, assigned.level) == ("设置防护栏杆并挂设安全网", deadline, Level.RED)
    assert (assigned.status, assigned.version) == (Status.ASSIGNED, 2)
    [entry] = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(assigned.pk), action=ChangeAction.UPDATE
    )
    assert (entry.actor, entry.source, entry.before["level"], entry.after["level"]) == (
        staff,
        "import",
        "orange",
        "red",
    )


# ---- new cases from a list of findings ----------------------------------------------------------


def findings(company_name: str) -> list[dict[str, Any]]:
    """A tour's list of findings as an agency writes it: row numbers, no status, no source."""
    return [
        {
            "number": 1,
            "title": "安全教育培训记录不全",
            "responsible_org": company_name,
            "deadline": LATER,
            "measures": "补齐三级教育记录",
        },
        {"number": 2, "title": "施工日志填写不规范", "deadline": LATER.strftime("%Y年%-m月%-d日"), "level": "Blue"},
        {
            "number": 3,
            "title": "加快施工许可办理",
            "responsible_org": company_name,
            "deadline": LATER.isoformat(),
            "source": "Meeting decision",
        },
    ]


def test_a_list_of_findings_opens_numbered_cases_on_the_timeline(
    agency, company, staff, django_capture_on_commit_callbacks
):
    representative = UserFactory(organization=company, role=Role.COMPANY)
    opened_case(staff, title="已有事项", deadline=LATER)  # takes number 0001
    with django_capture_on_commit_callbacks(execute=True):
        result = CaseLedger().apply(rows_of(ledger_xlsx(CaseLedger, findings(company.name))), staff)
    assert result.summary == {"create": 3, "update": 0, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    year = TODAY.year
    made = list(Case.objects.exclude(title="已有事项").order_by("number"))
    assert [(c.number, c.title, c.status, c.source, c.kind, c.level) for c in made] == [
        (f"{year}-0002", "安全教育培训记录不全", Status.ASSIGNED, sources.TOUR, Kind.RECTIFICATION, Level.YELLOW),
        (f"{year}-0003", "施工日志填写不规范", Status.OPEN, sources.TOUR, Kind.RECTIFICATION, Level.BLUE),
        (f"{year}-0004", "加快施工许可办理", Status.ASSIGNED, sources.MEETING, Kind.ACTION_ITEM, Level.YELLOW),
    ]
    assert all((c.agency, c.created_by, c.opened_on, c.deadline) == (agency, staff, TODAY, LATER) for c in made)
    timelines = [list(c.events.order_by("id").values_list("action", flat=True)) for c in made]
    assert timelines == [["opened", "assigned"], ["opened"], ["opened", "assigned"]]
    assert representative.notifications.count() == 2


def test_the_preview_shows_new_rows_by_title_and_writes_nothing(company, staff):
    before = everything()
    result = CaseLedger().preview(rows_of(ledger_xlsx(CaseLedger, findings(company.name))), staff)
    assert [(r.action, r.label) for r in result.rows] == [
        ("create", "安全教育培训记录不全"),
        ("create", "施工日志填写不规范"),
        ("create", "加快施工许可办理"),
    ]
    assert everything() == before


def test_the_import_page_previews_a_chinese_ledger(company, staff):
    with translation.override("zh-hans"):
        content = ledger_xlsx(CaseLedger, findings(company.name), language="zh-hans")
    response = upload_ledger(english_client(staff), "/alerts/cases/import/", content, "整改台账.xlsx")
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert 'id="count-create">3<' in response.content.decode()


# ---- bad rows -----------------------------------------------------------------------------------


BAD_NEW_ROWS = [
    ({"responsible_org": "不存在的建设公司"}, "Responsible unit: no “不存在的建设公司” found."),
    ({"deadline": "2026年6月底"}, "Rectification deadline: Enter a valid date."),
    (
        {"deadline": TODAY - datetime.timedelta(days=1)},
        "Rectification deadline: The deadline cannot be before the day the case is opened.",
    ),
    ({"level": "Purple"}, "Level: “Purple” is not one of the choices."),
    ({"deadline": ""}, "Rectification deadline: Give a deadline: a date or a number of working days."),
    ({"number": "2026-9999"}, "No.: no case numbered “2026-9999”."),
    ({"status": "Closed"}, "Status: a new case starts as “Open”; later statuses are reached through its actions."),
    ({"response": "已整改"}, "Rectification progress: a new case has no response yet"),
    ({"source": "Rule"}, "Source: Cases from “Rule” are opened by the system, not imported."),
]


@pytest.mark.parametrize(("change", "message"), BAD_NEW_ROWS)
def test_a_bad_new_row_is_reported_and_nothing_is_written(agency, company, staff, portfolio, change, message):
    good = {"title": "现场临时用电不规范", "responsible_org": company.name, "deadline": LATER}
    bad = {"title": "问题行", "deadline": LATER, **change}
    rows = rows_of(ledger_xlsx(CaseLedger, [good, bad, {**good, "title": "另一条"}]))
    before = everything()
    result = CaseLedger().apply(rows, staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    [errors] = [r.errors for r in result.rows if r.errors]
    assert any(message in e for e in errors), errors
    assert everything() == before


def test_a_status_that_differs_from_the_case_is_a_row_error_and_the_status_stays(staff, portfolio):
    """Transitions go through their service (who acts, evidence, timeline); a ledger cell cannot close a case."""
    rows = rows_of(export(staff))
    answered = portfolio[2]
    [values] = [v for _n, v in rows if v["number"] == answered.number]
    values.update(status="Closed", measures="补充说明")
    before = everything()
    result = CaseLedger().apply(rows, staff)
    [row] = [r for r in result.rows if r.errors]
    assert row.errors == [
        "Status: the case is “Response submitted”; a status changes only through the case's actions "
        "(assign, respond, close …), not by import."
    ]
    assert everything() == before
    assert Case.objects.get(pk=answered.pk).status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"response": "已全部整改"}, "Rectification progress: the response is submitted by the responsible unit"),
        (
            {"responsible_org": "质量安全处"},
            "Responsible unit: to give the case to someone else, use the “assign” action",
        ),
        ({"source": "Manual"}, "Source: the source of a case does not change (stored: “Inspection tour finding”)."),
    ],
)
def test_what_the_loop_owns_is_not_changed_by_import(staff, portfolio, change, message):
    rows = rows_of(export(staff))
    assigned = portfolio[1]
    [values] = [v for _n, v in rows if v["number"] == assigned.number]
    values.update(change)
    before = everything()
    result = CaseLedger().apply(rows, staff)
    [row] = [r for r in result.rows if r.errors]
    assert any(message in e for e in row.errors), row.errors
    assert everything() == before


def test_empty_loop_cells_keep_what_is_stored(staff, portfolio):
    rows = rows_of(export(staff))
    for _number, values in rows:
        values.update(status=None, response=None, source=None, responsible_org=None, responsible_person=None)
    result = CaseLedger().apply(rows, staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 4, "error": 0}, [r.errors for r in result.rows]


def test_a_case_of_another_agency_is_not_found_by_its_number(staff, portfolio):
    stranger = staff_of(AgencyFactory(name="仓山区建设工务署"))
    rows = rows_of(export(staff))
    before = everything()
    result = CaseLedger().apply(rows, stranger)
    assert result.count("error") == 4
    assert "No.: no case numbered" in result.rows[0].errors[0]
    assert everything() == before


def test_a_regulator_may_not_import(agency, staff, portfolio):
    regulator = UserFactory(organization=agency, role=Role.REGULATOR)
    response = english_client(regulator).post(
        "/alerts/cases/import/", {"file": SimpleUploadedFile("整改台账.xlsx", export(staff))}
    )
    assert response.status_code == 403
