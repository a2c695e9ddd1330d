"""Bad input never produces a 500 or a half-written record: a clear message, and the data as it was."""

import codecs

import pytest
from django.utils import translation

from gongwu.core import testing
from gongwu.core.imports import OrganizationLedger
from gongwu.core.models import Organization, Role


@pytest.fixture
def staff(db):
    agency = testing.AgencyFactory(name="鼓楼区建设工务署")
    testing.DepartmentFactory(name="鼓楼工程处", parent=agency)
    return testing.UserFactory(organization=agency, role=Role.STAFF)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "9999"},
        {"page": "-1"},
        {"sort": "zzz"},
        {"sort": "-parent__zzz"},
        {"kind": "bogus"},
        {"per_page": "-1"},
        {"per_page": "abc"},
        {"parent": "abc"},
        {"parent": "999999"},
        {"is_active": "maybe"},
        {"q": "x" * 5000},
        {"q": "\x00"},
    ],
)
def test_malformed_list_parameters_show_the_page(staff, params) -> None:
    response = testing.english_client(staff).get("/organizations/", params)
    assert response.status_code == 200


@pytest.mark.parametrize("params", [{"kind": "bogus"}, {"page": "abc"}, {"parent": "abc"}])
def test_malformed_export_parameters_do_not_fail(staff, params) -> None:
    response = testing.english_client(staff).get("/organizations/export/", params)
    assert response.status_code == 200


def test_list_with_an_invalid_kind_shows_the_error_next_to_the_filter(staff) -> None:
    response = testing.english_client(staff).get("/organizations/", {"kind": "bogus"})
    assert "Select a valid choice. bogus is not one of the available choices." in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"limit": "abc"}, {"offset": "-5"}, {"limit": "-1"}, {"limit": "100000"}, {"kind": "bogus"}, {"parent": "abc"}],
)
def test_malformed_api_list_parameters_answer_with_a_client_error_or_data(staff, params) -> None:
    response = testing.api_client(staff).get("/api/organizations/", params)
    assert response.status_code in (200, 400, 422)
    assert "detail" in response.json() or "results" in response.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"name": 123, "kind": "department"},
        {"name": "处", "kind": ["department"]},
        {"name": "处", "kind": "department", "parent_id": "abc"},
        {"name": "处", "kind": "department", "is_active": "maybe"},
        {"name": "处", "kind": "nonsense"},
        {"name": "", "kind": "department"},
        {"kind": "department"},
    ],
)
def test_api_payload_of_wrong_types_is_refused_with_422(staff, payload) -> None:
    count = Organization.objects.count()
    response = testing.api_client(staff).post("/api/organizations/", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"]
    assert Organization.objects.count() == count


def test_api_path_with_a_non_numeric_id_is_not_found(staff) -> None:
    assert testing.api_client(staff).get("/api/organizations/abc/").status_code == 404


def upload(user, name: str, content: bytes):
    """The import page's answer, followed to the job page where the worker's check shows."""
    return testing.upload_ledger(testing.english_client(user), "/organizations/import/", content, name)


def test_a_text_file_named_xlsx_is_refused_with_a_message(staff) -> None:
    response = upload(staff, "台账.xlsx", b"this is not a workbook")
    assert response.status_code == 200
    assert "The file cannot be read as an Excel workbook (.xlsx)." in response.content.decode()
    assert not testing.awaits_confirmation()


def test_a_zip_that_is_not_a_workbook_is_refused_with_a_message(staff) -> None:
    import io
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("hello.txt", "not excel")
    response = upload(staff, "台账.xlsx", stream.getvalue())
    assert response.status_code == 200
    assert "The file cannot be read as an Excel workbook (.xlsx)." in response.content.decode()


def test_a_file_of_another_type_is_refused_with_a_message(staff) -> None:
    response = upload(staff, "台账.pdf", b"%PDF-1.7")
    assert response.status_code == 422
    assert "Choose an Excel (.xlsx) or CSV (.csv) file." in response.content.decode()


def test_a_workbook_without_the_header_row_is_refused_with_a_message(staff) -> None:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["甲", "乙"])
    workbook.active.append(["1", "2"])
    stream = io.BytesIO()
    workbook.save(stream)
    response = upload(staff, "台账.xlsx", stream.getvalue())
    assert response.status_code == 200
    assert "No header row found." in response.content.decode()


def test_a_gbk_csv_with_chinese_headers_imports(staff) -> None:
    with translation.override("zh-hans"):
        headers = OrganizationLedger().headers()
        kind_label = str(dict(Organization._meta.get_field("kind").flatchoices)["contractor"])
    code = testing.credit_code(4242)
    lines = [
        ",".join(headers),
        ",".join(["福州市第一建筑工程有限公司", "福州一建", kind_label, "", code, "福州市", "", "陈工", "", "是"]),
    ]
    content = codecs.encode("\r\n".join(lines) + "\r\n", "gbk")
    response = upload(staff, "单位台账.csv", content)
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert testing.preview_counts(response.content) == {"create": 1, "update": 0, "unchanged": 0, "error": 0}
    assert "福州市第一建筑工程有限公司" in response.content.decode()


def test_a_csv_in_neither_utf8_nor_gbk_is_refused(staff) -> None:
    response = upload(staff, "台账.csv", b"\xff\xfe\x00\xd8\x00\xdc" * 10)
    assert "The CSV file is neither UTF-8 nor GBK encoded." in response.content.decode()
    assert not testing.awaits_confirmation()


def test_a_huge_page_size_falls_back_to_25_rows(staff) -> None:
    for _ in range(30):
        testing.CompanyFactory()
    response = testing.english_client(staff).get("/organizations/", {"per_page": "1000000"})
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 25


@pytest.mark.parametrize("value", ["-1", "abc", "0"])
def test_malformed_page_size_of_a_related_table_shows_the_detail_page(staff, value) -> None:
    agency = staff.organization
    response = testing.english_client(staff).get(f"/organizations/{agency.pk}/", {"r0-per_page": value})
    assert response.status_code == 200
    assert "鼓楼工程处" in response.content.decode()
