"""The project ledger (项目台账): round trip, key dates and stages from Excel, and bad rows that change nothing."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, OrganizationKind, Role
from gongwu.projects import services
from gongwu.projects.imports import ProjectLedger
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    Category,
    Milestone,
    MilestoneKind,
    Project,
    ProjectTag,
    Stage,
    StageChange,
)
from gongwu.projects.testing import ProjectFactory, record_approval, started_project

IMPORT_URL = "/projects/list/import/"
EXPORT_URL = "/projects/list/export/"


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages of ledgers used without a request in English, as the pages give them to english_client."""
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return testing.AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency: Any) -> Any:
    return testing.UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def tags(agency: Any) -> dict[str, ProjectTag]:
    return {name: ProjectTag.objects.create(agency=agency, name=name) for name in ("重点", "民生", "市投市建")}


def upload(client: Any, content: bytes) -> Any:
    return testing.upload_ledger(client, IMPORT_URL, content, "项目台账.xlsx")


def row(agency: Any, **cells: Any) -> dict[str, Any]:
    """A ledger row as {field: cell}, with English labels as a user of the English UI would type them."""
    return {
        "code": "GL-2024-001",
        "name": "鼓楼区实验小学改扩建工程",
        "agency": agency.name,
        "category": "School",
        "delivery_method": "EPC",
        "stage": "Preparation",
        **cells,
    }


def database_state() -> tuple[int, ...]:
    return (
        Project.objects.count(),
        Approval.objects.count(),
        Milestone.objects.count(),
        StageChange.objects.count(),
        ChangeLogEntry.objects.count(),
    )


# ---- export and re-import -----------------------------------------------------------------------


@pytest.fixture
def portfolio(agency: Any, tags: dict[str, ProjectTag]) -> dict[str, Project]:
    """Projects that use every kind of column: key dates, tags, parents, people, decimals and flags."""
    department = testing.DepartmentFactory(parent=agency, name="工程管理处")
    director = testing.UserFactory(organization=department, role=Role.DIRECTOR, display_name="陈主任")
    user_unit = testing.OrganizationFactory(kind=OrganizationKind.USER_UNIT, name="鼓楼区教育局")
    school = started_project(
        datetime.date(2023, 3, 15),
        datetime.date(2024, 8, 20),
        agency=agency,
        code="GL-2023-001",
        name="鼓楼区第二实验小学",
        category=Category.SCHOOL,
        stage_entered_on=datetime.date(2024, 8, 20),
        department=department,
        director=director,
        user_unit=user_unit,
        received_on=datetime.date(2022, 11, 3),
        received_source="user_unit",
        received_from="鼓楼区教育局",
        approved_investment=Decimal("186500000.50"),
        budget_estimate=Decimal("180000000.00"),
        latitude=Decimal("26.081234"),
        longitude=Decimal("119.296543"),
        uses_bim=True,
        is_green=True,
        school_places=1620,
        floor_area=Decimal("32000.50"),
    )
    school.tags.set([tags["重点"], tags["民生"]])
    road = ProjectFactory(
        agency=agency, code="GL-2024-007", name="东街片区道路工程", category=Category.ROAD, stage=Stage.PREPARATION
    )
    section = ProjectFactory(
        agency=agency, code="GL-2024-007-1", name="东街一标段", category=Category.ROAD, parent=road
    )
    record_approval(road, ApprovalRole.PROJECT_APPROVAL, datetime.date(2024, 1, 10))
    return {"school": school, "road": road, "section": section}


def test_export_writes_key_dates_and_tags_in_the_ledger_layout(staff: Any, portfolio: dict[str, Project]) -> None:
    response = testing.english_client(staff).get(EXPORT_URL)
    rows = testing.xlsx_rows(response.content)
    header = rows[0]
    school = dict(zip(header, next(r for r in rows[1:] if r[0] == "GL-2023-001"), strict=True))
    section = dict(zip(header, next(r for r in rows[1:] if r[0] == "GL-2024-007-1"), strict=True))
    assert (school["stage"], school["category"], school["tags"]) == ("Completed", "School", "民生、重点")
    assert school["construction permit date"].date() == datetime.date(2023, 3, 15)
    assert school["actual start date"].date() == datetime.date(2023, 3, 15)
    assert school["completion acceptance date"].date() == datetime.date(2024, 8, 20)
    assert (school["responsible department"], school["project director"], school["user unit"]) == (
        "工程管理处",
        "陈主任",
        "鼓楼区教育局",
    )
    assert (school["school places"], school["BIM used"], school["near-zero-carbon"]) == (1620, "Yes", "No")
    assert section["parent project code"] == "GL-2024-007"
    assert section["construction permit date"] is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_exported_ledger_imports_back_with_every_row_unchanged(
    staff: Any, portfolio: dict[str, Project], language: str
) -> None:
    client = testing.english_client(staff)
    client.cookies["django_language"] = language
    exported = client.get(EXPORT_URL)
    before = database_state()
    response = upload(client, exported.content)
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert testing.preview_counts(response.content) == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert not testing.awaits_confirmation()
    assert database_state() == before


# ---- creating and updating projects -------------------------------------------------------------


def test_import_creates_projects_with_their_stage_key_dates_and_tags(
    agency: Any, staff: Any, tags: dict[str, ProjectTag]
) -> None:
    ledger = ProjectLedger()
    content = testing.ledger_xlsx(
        ProjectLedger,
        [
            row(
                agency,
                code="GL-2024-101",
                name="鼓楼区第三中学",
                stage="Under construction",
                stage_entered_on=datetime.date(2024, 4, 2),
                permit_date=datetime.date(2024, 3, 28),
                start_date=datetime.date(2024, 4, 2),
                tags="重点，民生",
                school_places=2400,
            ),
            row(
                agency,
                code="GL-2023-055",
                name="福屿路改造工程",
                category="Road",
                stage="Completed",
                permit_date="2023-02-01",
                start_date="2023-02-15",
                completion_date="2024-06-30",
                road_length_km=1.85,
                tags="",
            ),
        ],
    )
    result = ledger.apply(ledger.read(content, "ledger.xlsx"), staff)
    assert result.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]

    school = Project.objects.get(code="GL-2024-101")
    assert (school.stage, school.stage_entered_on) == (Stage.CONSTRUCTION, datetime.date(2024, 4, 2))
    assert (school.started_on, school.completed_on) == (datetime.date(2024, 4, 2), None)
    assert Approval.objects.get(project=school, kind__role=ApprovalRole.CONSTRUCTION_PERMIT).actual_date == (
        datetime.date(2024, 3, 28)
    )
    assert sorted(school.tags.values_list("name", flat=True)) == ["民生", "重点"]
    assert list(school.stage_changes.values_list("stage", "entered_on")) == [
        (Stage.CONSTRUCTION, datetime.date(2024, 4, 2))
    ]

    road = Project.objects.get(code="GL-2023-055")
    assert (road.stage, road.started_on, road.completed_on) == (
        Stage.COMPLETED,
        datetime.date(2023, 2, 15),
        datetime.date(2024, 6, 30),
    )
    assert dict(road.milestones.values_list("kind", "actual_date")) == {
        MilestoneKind.START: datetime.date(2023, 2, 15),
        MilestoneKind.COMPLETION_ACCEPTANCE: datetime.date(2024, 6, 30),
    }
    assert road.road_length_km == Decimal("1.850")
    assert not road.tags.exists()
    # The projects, and what the rows wrote with them: two stage histories, two permits, three milestones.
    logged = ChangeLogEntry.objects.filter(source="import", actor=staff)
    assert sorted(logged.values_list("content_type__model", flat=True)) == [
        "approval",
        "approval",
        "milestone",
        "milestone",
        "milestone",
        "project",
        "project",
        "stagechange",
        "stagechange",
    ]

    again = ledger.preview(ledger.read(content, "ledger.xlsx"), staff)
    assert again.summary == {"create": 0, "update": 0, "unchanged": 2, "error": 0}


def test_dates_typed_as_chinese_ledgers_write_them_are_read(agency: Any, staff: Any) -> None:
    ledger = ProjectLedger()
    cells = {"stage_entered_on": "2024年4月2日", "permit_date": "2024.3.28", "start_date": "2024/04/02"}
    content = testing.ledger_xlsx(ProjectLedger, [row(agency, stage="Under construction", **cells)])
    result = ledger.apply(ledger.read(content, "ledger.xlsx"), staff)
    assert result.summary["create"] == 1, [r.errors for r in result.rows]
    project = Project.objects.get()
    assert (project.stage_entered_on, project.started_on) == (datetime.date(2024, 4, 2), datetime.date(2024, 4, 2))
    assert Approval.objects.get(project=project).actual_date == datetime.date(2024, 3, 28)


def test_import_moves_an_existing_project_into_construction_with_its_permit(agency: Any, staff: Any) -> None:
    project = ProjectFactory(agency=agency, code="GL-2024-001", stage=Stage.PREPARATION)
    services.record_initial_stage(project, staff)
    ledger = ProjectLedger()
    content = testing.ledger_xlsx(
        ProjectLedger,
        [row(agency, name=project.name, stage="Under construction", permit_date=datetime.date(2024, 5, 6))],
    )
    result = ledger.apply(ledger.read(content, "ledger.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 1, "unchanged": 0, "error": 0}, [r.errors for r in result.rows]
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    assert Approval.objects.get(project=project).actual_date == datetime.date(2024, 5, 6)
    assert list(project.stage_changes.values_list("from_stage", "stage")) == [
        ("", Stage.PREPARATION),
        (Stage.PREPARATION, Stage.CONSTRUCTION),
    ]


def test_a_file_without_the_key_date_columns_keeps_the_stored_dates(agency: Any, staff: Any) -> None:
    project = started_project(datetime.date(2024, 3, 1), agency=agency, code="GL-2024-001", name="老项目")
    content = testing.ledger_xlsx(
        ProjectLedger, [row(agency, name="老项目", stage="Under construction", delivery_method="General contracting")]
    )
    # Drop the three key-date columns from the file.
    ledger = ProjectLedger()
    rows = [
        (n, {k: v for k, v in cells.items() if k not in ("permit_date", "start_date", "completion_date")})
        for n, cells in ledger.read(content, "ledger.xlsx")
    ]
    result = ledger.preview(rows, staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 1, "error": 0}, result.rows[0].changes
    assert project.started_on == datetime.date(2024, 3, 1)


# ---- bad rows -----------------------------------------------------------------------------------


def bad_cases(agency: Any, other_agency: Any) -> dict[str, tuple[dict[str, Any], str]]:
    other_parent = ProjectFactory(agency=other_agency, code="CS-2024-001")
    return {
        "unknown category": (
            row(agency, code="GL-9", category="Spaceport"),
            "category: “Spaceport” is not one of the choices.",
        ),
        "malformed key date": (
            row(agency, code="GL-9", permit_date="2024-02-30"),
            "construction permit date: Enter a valid date.",
        ),
        "malformed stage date": (
            row(agency, code="GL-9", stage_entered_on="2024/13/45"),
            "stage entered on: Enter a valid date.",
        ),
        "parent project of another agency": (
            row(agency, code="GL-9", parent=other_parent.code),
            "parent project code: no “CS-2024-001” found.",
        ),
        "stage that skips the permit gate": (
            row(agency, code="GL-9", stage="Under construction", start_date="2024-03-01"),
            "stage: A project enters “Under construction” only with its construction permit recorded",
        ),
        "completion before the start": (
            row(
                agency,
                code="GL-9",
                stage="Completed",
                permit_date="2024-01-01",
                start_date="2024-03-01",
                completion_date="2024-02-01",
            ),
            "completion acceptance date: Completion acceptance cannot come before the start.",
        ),
        "unknown tag": (row(agency, code="GL-9", tags="重点、不存在"), "tags: no “不存在” found."),
    }


CASES = [
    "unknown category",
    "malformed key date",
    "malformed stage date",
    "parent project of another agency",
    "stage that skips the permit gate",
    "completion before the start",
    "unknown tag",
]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_row_is_named_in_the_preview_and_nothing_is_written(
    agency: Any, staff: Any, tags: dict[str, ProjectTag], case: str
) -> None:
    existing = ProjectFactory(agency=agency, code="GL-2024-001", name="原名称")
    bad, message = bad_cases(agency, testing.AgencyFactory(name="仓山区建设工务署"))[case]
    good = [
        row(agency, code="GL-2024-001", name="新名称"),  # an update of `existing`
        row(agency, code="GL-2024-002", name="新项目", stage="Under construction", permit_date="2024-01-05"),
    ]
    content = testing.ledger_xlsx(ProjectLedger, [good[0], bad, good[1]])
    before, existing_before = database_state(), testing.stored(existing)

    response = upload(testing.english_client(staff), content)
    assert response.status_code == 200
    assert testing.preview_counts(response.content) == {"create": 1, "update": 1, "unchanged": 0, "error": 1}
    assert message in response.content.decode()
    assert not testing.awaits_confirmation()

    ledger = ProjectLedger()
    result = ledger.apply(ledger.read(content, "ledger.xlsx"), staff)
    [error] = [r for r in result.rows if r.action == "error"]
    assert error.number == 3
    assert any(message in e for e in error.errors), error.errors
    assert database_state() == before
    assert testing.stored(existing) == existing_before


def test_a_superuser_is_told_the_parent_belongs_to_another_agency(agency: Any) -> None:
    other_parent = ProjectFactory(agency=testing.AgencyFactory(), code="CS-2024-001")
    root = testing.UserFactory(organization=agency, role=Role.ADMIN, is_superuser=True)
    ledger = ProjectLedger()
    content = testing.ledger_xlsx(ProjectLedger, [row(agency, code="GL-9", parent=other_parent.code)])
    before = database_state()
    result = ledger.apply(ledger.read(content, "ledger.xlsx"), root)
    assert result.rows[0].errors == ["parent project code: The parent project belongs to another agency."]
    assert database_state() == before


def test_export_reads_key_dates_and_tags_in_the_same_queries_for_any_number_of_projects(
    agency: Any, staff: Any, tags: dict[str, ProjectTag]
) -> None:
    def project(n: int) -> None:
        made = started_project(datetime.date(2024, 3, 1), agency=agency, code=f"GL-{n:03d}")
        made.tags.set([tags["重点"], tags["民生"]])

    client = testing.english_client(staff)
    for n in range(2):
        project(n)
    client.get(EXPORT_URL)
    with_two = testing.count_queries(client, EXPORT_URL)
    for n in range(2, 12):
        project(n)
    assert testing.count_queries(client, EXPORT_URL) == with_two


@pytest.mark.parametrize("name", ["=1+1", '=HYPERLINK("http://evil.example","查看")', "+1+2", "-3+4", "@SUM(1)"])
def test_a_project_named_like_a_formula_exports_as_text_and_imports_back_unchanged(
    agency: Any, staff: Any, name: str
) -> None:
    ProjectFactory(agency=agency, code="GL-2024-009", name=name)
    exported = testing.english_client(staff).get(EXPORT_URL).content
    assert testing.xlsx_rows(exported)[1][1] == name
    ledger = ProjectLedger()
    result = ledger.preview(ledger.read(exported, "项目台账.xlsx"), staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": 1, "error": 0}, result.rows[0].errors
