"""The inspection ledger (检查台账) and the findings ledger (整改台账) in Excel: clean files create records
through the same forms as the pages (a 重大 finding opens its case), bad rows are named in the preview
with nothing written, and exports import back unchanged in both UI languages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from gongwu.alerts.models import Case
from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.inspections import services
from gongwu.inspections.imports import FindingLedger, InspectionLedger
from gongwu.inspections.models import Finding, FindingStatus, Inspection, InspectionKind, Severity
from gongwu.inspections.testing import FindingFactory, InspectionFactory, SectionFactory
from gongwu.projects.testing import ProjectFactory

INSPECTIONS_URL, FINDINGS_URL = "/inspections/inspections/", "/inspections/findings/"
LEDGER_URL = {InspectionLedger: INSPECTIONS_URL, FindingLedger: FINDINGS_URL}


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return testing.AgencyFactory(name="鼓楼区建设工务署", short_name="鼓楼区")


@pytest.fixture
def staff(agency: Any) -> Any:
    return testing.UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def site(agency: Any) -> dict[str, Any]:
    """A school project with two sections, a road project, their contractor and an inspection a week ago."""
    contractor = testing.CompanyFactory(name="闽江建设工程有限公司", kind="contractor")
    school = ProjectFactory(agency=agency, code="GL-2025-001", name="鼓楼区第二实验小学")
    road = ProjectFactory(agency=agency, code="GL-2025-002", name="东街片区道路工程")
    started = (timezone.localtime() - datetime.timedelta(days=7)).replace(hour=9, minute=30, second=0, microsecond=0)
    inspection = InspectionFactory(project=school, started_at=started, inspecting_org=agency, weather="晴")
    return {
        "contractor": contractor,
        "school": school,
        "road": road,
        "section": SectionFactory(project=school, name="1标段", contractor=contractor),
        "road_section": SectionFactory(project=road, name="2标段", contractor=contractor),
        "inspection": inspection,
        "day": started.date(),
    }


def upload(client: Any, url: str, content: bytes) -> Any:
    return testing.upload_ledger(client, f"{url}import/", content, "台账.xlsx")


def database_state() -> tuple[int, ...]:
    return (
        Inspection.objects.count(),
        Finding.objects.count(),
        Case.objects.count(),
        ChangeLogEntry.objects.count(),
    )


def inspection_row(code: str = "GL-2025-001", **cells: Any) -> dict[str, Any]:
    started = (timezone.localtime() - datetime.timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    return {
        "project": code,
        "kind": "Routine safety inspection (安全常态化巡查)",
        "level": "Spot check by the supervisor (抽查)",
        "inspecting_org": "鼓楼区建设工务署",
        "started_at": started.replace(tzinfo=None),
        "weather": "阴",
        "result": "临边防护不到位，已要求整改",
        **cells,
    }


def finding_row(site: dict[str, Any], **cells: Any) -> dict[str, Any]:
    return {
        "project": site["school"].code,
        "inspection": site["inspection"].pk,
        "category": "Scaffolding",
        "severity": "General (一般)",
        "description": "外脚手架剪刀撑不连续",
        "location": "2#楼东侧",
        "responsible_org": site["contractor"].name,
        "regulation": "JGJ 130-2011 第6.6.2条",
        "deadline": datetime.datetime.combine(site["day"] + datetime.timedelta(days=7), datetime.time()),
        **cells,
    }


def check_bad_row(staff: Any, ledger: type, rows: list[dict[str, Any]], message: str) -> None:
    """The preview names the bad (second) row's error, and neither preview nor apply writes anything."""
    content = testing.ledger_xlsx(ledger, rows)
    before = database_state()
    response = upload(testing.english_client(staff), LEDGER_URL[ledger], content)
    assert response.status_code == 200
    counts = testing.preview_counts(response.content)
    assert counts["error"] == 1
    assert counts["create"] + counts["update"] + counts["unchanged"] == len(rows) - 1
    assert escape(message) in response.content.decode(), response.content.decode()[-2500:]
    assert not testing.awaits_confirmation()

    result = ledger().apply(ledger().read(content, "台账.xlsx"), staff)
    [error] = [r for r in result.rows if r.action == "error"]
    assert error.number == 3  # the header is row 1
    assert any(message in e for e in error.errors), error.errors
    assert database_state() == before


# ---- inspections --------------------------------------------------------------------------------


def test_a_clean_inspection_file_creates_inspections_on_their_sections(staff: Any, site: dict) -> None:
    content = testing.ledger_xlsx(
        InspectionLedger,
        [
            inspection_row(section="1标段"),
            inspection_row(
                "GL-2025-002",
                section="2标段",
                kind="Special inspection (专项检查)",
                topic="Deep excavation (深基坑)",
                result="基坑监测数据正常",
            ),
        ],
    )
    result = InspectionLedger().apply(InspectionLedger().read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}, result.rows
    school = Inspection.objects.get(project=site["school"], result="临边防护不到位，已要求整改")
    road = Inspection.objects.get(project=site["road"])
    assert (school.section, school.level, school.inspecting_org.name) == (site["section"], "spot", "鼓楼区建设工务署")
    assert (road.section, road.kind, road.topic) == (site["road_section"], InspectionKind.SPECIAL, "deep_excavation")
    assert timezone.localtime(school.started_at).hour == 14


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"project": "GL-9999-999"}, "project code: no “GL-9999-999” found."),
        ({"section": "2标段"}, "section: no “2标段” found."),  # a section of the road, not of the school
        ({"kind": "Special inspection (专项检查)"}, "Say what the special inspection is about."),
        ({"level": "Random"}, "level: “Random” is not one of the choices."),
        ({"id": 999999}, "inspection no.: no “999999” found; leave it empty for a new record."),
    ],
)
def test_a_bad_inspection_row_is_named_and_nothing_is_written(staff: Any, site: dict, cells: dict, message: str):
    check_bad_row(staff, InspectionLedger, [inspection_row(), inspection_row(**cells)], message)


def test_an_inspection_from_the_future_is_refused(staff: Any, site: dict) -> None:
    later = (timezone.localtime() + datetime.timedelta(days=3)).replace(tzinfo=None, microsecond=0)
    check_bad_row(
        staff,
        InspectionLedger,
        [inspection_row(), inspection_row(started_at=later)],
        "An inspection cannot be recorded ahead of time.",
    )


def test_the_inspection_export_carries_the_score_and_grade_which_import_ignores(staff: Any, site: dict) -> None:
    Inspection.objects.filter(pk=site["inspection"].pk).update(score=Decimal("86.50"), grade="优良")
    client = testing.english_client(staff)
    rows = testing.xlsx_rows(client.get(f"{INSPECTIONS_URL}export/").content)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["inspection no."], record["project code"], record["score"], record["grade"]) == (
        site["inspection"].pk,
        "GL-2025-001",
        86.5,
        "优良",
    )
    assert record["inspected at"] == timezone.localtime(site["inspection"].started_at).replace(tzinfo=None)
    edited = [rows[0], [*rows[1][:-2], 20, "不合格"]]
    result = InspectionLedger().preview(InspectionLedger().read(sheet(edited), "台账.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


def sheet(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_a_changed_result_updates_the_inspection_found_by_its_number(staff: Any, site: dict) -> None:
    client = testing.english_client(staff)
    rows = testing.xlsx_rows(client.get(f"{INSPECTIONS_URL}export/").content)
    result_column = rows[0].index("result")
    rows[1][result_column] = "复查：已整改完毕"
    result = InspectionLedger().apply(InspectionLedger().read(sheet(rows), "台账.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 1, "unchanged": 0, "error": 0}
    site["inspection"].refresh_from_db()
    assert site["inspection"].result == "复查：已整改完毕"


# ---- findings -----------------------------------------------------------------------------------


def test_a_clean_findings_file_creates_findings_and_a_serious_one_opens_its_case(staff: Any, site: dict) -> None:
    content = testing.ledger_xlsx(
        FindingLedger,
        [
            finding_row(site),
            finding_row(site, severity="Serious (重大)", category="Foundation pit", description="基坑临边未设防护"),
        ],
    )
    before = Case.objects.count()
    result = FindingLedger().apply(FindingLedger().read(content, "台账.xlsx"), staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}, result.rows
    general = Finding.objects.get(description="外脚手架剪刀撑不连续")
    serious = Finding.objects.get(description="基坑临边未设防护")
    assert (general.project, general.found_on, general.status) == (site["school"], site["day"], FindingStatus.OPEN)
    assert general.responsible_org == site["contractor"]
    assert serious.severity == Severity.SERIOUS
    assert Case.objects.count() == before + 1


def test_a_finding_row_names_its_inspection_by_project_and_date_when_the_number_is_empty(
    staff: Any, site: dict
) -> None:
    row = finding_row(site, inspection="", found_on=datetime.datetime.combine(site["day"], datetime.time()))
    result = FindingLedger().apply(FindingLedger().read(testing.ledger_xlsx(FindingLedger, [row]), "a.xlsx"), staff)
    assert result.summary["create"] == 1, result.rows
    assert Finding.objects.get().inspection == site["inspection"]


def test_a_finding_row_without_its_inspection_or_a_day_with_two_inspections_is_an_error(staff: Any, site: dict) -> None:
    InspectionFactory(project=site["school"], started_at=site["inspection"].started_at + datetime.timedelta(hours=3))
    day = datetime.datetime.combine(site["day"], datetime.time())
    check_bad_row(
        staff,
        FindingLedger,
        [finding_row(site), finding_row(site, inspection="", found_on=day)],
        "the project has more than one inspection on",
    )


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"project": "GL-9999-999"}, "project code: no “GL-9999-999” found."),
        ({"category": "Earthquake"}, "category: “Earthquake” is not one of the choices."),
        ({"severity": "Catastrophic"}, "severity: “Catastrophic” is not one of the choices."),
        ({"responsible_org": "鼓楼区建设工务署"}, "“鼓楼区建设工务署” is not a company"),
        ({"responsible_org": "不存在的公司"}, "responsible company: no “不存在的公司” found."),
        ({"deadline": "2020-01-01"}, "The deadline is before the finding."),
    ],
)
def test_a_bad_finding_row_is_named_and_nothing_is_written(staff: Any, site: dict, cells: dict, message: str):
    check_bad_row(staff, FindingLedger, [finding_row(site), finding_row(site, **cells)], message)


def test_a_finding_row_on_an_inspection_of_another_project_is_an_error(staff: Any, site: dict) -> None:
    check_bad_row(
        staff,
        FindingLedger,
        [finding_row(site), finding_row(site, project="GL-2025-002")],
        f"inspection no.: no “{site['inspection'].pk}” found.",
    )


def closed_finding(site: dict, staff: Any) -> Finding:
    finding = FindingFactory(
        inspection=site["inspection"], responsible_org=site["contractor"], description="配电箱未接地"
    )
    notice = services.open_rectification_notice([finding], staff)
    Finding.objects.filter(pk=finding.pk).update(
        status=FindingStatus.CLOSED, rectification="已重新接地并复测", closed_on=timezone.localdate()
    )
    finding.refresh_from_db()
    assert finding.notice == notice
    return finding


def test_a_closed_finding_changed_in_the_file_is_an_error(staff: Any, site: dict) -> None:
    finding = closed_finding(site, staff)
    rows = testing.xlsx_rows(testing.english_client(staff).get(f"{FINDINGS_URL}export/").content)
    rows[1][rows[0].index("description")] = "配电箱未接地（改）"
    before = database_state()
    result = FindingLedger().apply(FindingLedger().read(sheet(rows), "台账.xlsx"), staff)
    [row] = result.rows
    assert row.action == "error"
    assert any("A closed finding can no longer change." in e for e in row.errors), row.errors
    assert database_state() == before
    finding.refresh_from_db()
    assert finding.description == "配电箱未接地"


def test_the_findings_export_is_the_rectification_ledger(staff: Any, site: dict) -> None:
    finding = closed_finding(site, staff)
    rows = testing.xlsx_rows(testing.english_client(staff).get(f"{FINDINGS_URL}export/").content)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["finding no."] == finding.pk
    assert record["inspection no."] == site["inspection"].pk
    assert record["status"] == "Closed (销项)"
    assert record["notice number"] == finding.notice.number
    assert record["rectification"] == "已重新接地并复测"
    assert record["responsible company"] == "闽江建设工程有限公司"


# ---- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("ledger", [InspectionLedger, FindingLedger])
def test_an_exported_ledger_imports_back_with_every_row_unchanged(
    staff: Any, site: dict, language: str, ledger: type
) -> None:
    Inspection.objects.filter(pk=site["inspection"].pk).update(
        score=Decimal("72.00"), grade="合格", section=site["section"], result="整体合格"
    )
    InspectionFactory(
        project=site["road"],
        section=site["road_section"],
        kind=InspectionKind.SPECIAL,
        topic="lifting",
        started_at=timezone.now() - datetime.timedelta(days=1, minutes=13, seconds=7),
    )
    closed_finding(site, staff)
    FindingFactory(inspection=site["inspection"], responsible_org=site["contractor"], deadline=site["day"])
    FindingFactory(inspection=site["inspection"], responsible_org=site["contractor"], severity=Severity.MAJOR)
    client = testing.english_client(staff)
    client.cookies["django_language"] = language
    exported = client.get(f"{LEDGER_URL[ledger]}export/")
    data_rows = len(testing.xlsx_rows(exported.content)) - 1
    assert data_rows == (2 if ledger is InspectionLedger else 3)
    before = database_state()
    response = upload(client, LEDGER_URL[ledger], exported.content)
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert testing.preview_counts(response.content) == {
        "create": 0,
        "update": 0,
        "unchanged": data_rows,
        "error": 0,
    }, response.content.decode()[-3000:]
    assert not testing.awaits_confirmation()
    assert database_state() == before


def test_a_company_user_cannot_import_findings(site: dict) -> None:
    company_user = testing.UserFactory(organization=site["contractor"], role=Role.COMPANY)
    content = testing.ledger_xlsx(FindingLedger, [finding_row(site)])
    before = database_state()
    response = upload(testing.english_client(company_user), FINDINGS_URL, content)
    assert response.status_code in (403, 422)
    assert database_state() == before
