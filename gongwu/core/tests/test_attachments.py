"""Attachments: content must match the name, downloads are checked like the record, removal is logged."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from gongwu.core import testing
from gongwu.core.models import Attachment, ChangeLogEntry, Organization, Role

PNG = testing.image_bytes("PNG")
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def company(db) -> Organization:
    return testing.CompanyFactory(name="闽江建设工程有限公司")


@pytest.fixture
def staff(company):
    return testing.UserFactory(username="staff", display_name="林处长", role=Role.STAFF)


def target(obj) -> str:
    return f"{ContentType.objects.get_for_model(type(obj)).pk}:{obj.pk}"


def upload(user, obj, name: str, content: bytes, **extra):
    client = testing.english_client(user)
    return client.post(
        f"/attachments/upload/{target(obj)}/",
        {"file": SimpleUploadedFile(name, content), "description": "营业执照"},
        follow=True,
        **extra,
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"), [("执照.png", PNG, "image/png"), ("资质.pdf", PDF, "application/pdf")]
)
def test_staff_attach_a_file_and_the_upload_is_logged(staff, company, name, content, mime) -> None:
    response = upload(staff, company, name, content)
    assert response.status_code == 200
    assert f"Attached “{name}”." in response.content.decode()
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size, attachment.mime_type, attachment.uploaded_by) == (
        name,
        len(content),
        mime,
        staff,
    )
    assert attachment.file.read() == content
    entry = ChangeLogEntry.objects.get(object_id=str(attachment.pk), action="create")
    assert entry.actor == staff


def test_pdf_name_with_png_content_is_refused_with_a_message(staff, company) -> None:
    response = upload(staff, company, "资质.pdf", PNG)
    assert [str(m) for m in response.context["messages"]] == ["The file's content does not match its “.pdf” name."]
    assert not Attachment.objects.exists()


def test_an_executable_is_refused_with_a_message(staff, company) -> None:
    response = upload(staff, company, "setup.exe", b"MZ" + b"\x00" * 10)
    assert "cannot be attached" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused_with_a_message(staff, company, settings) -> None:
    settings.GONGWU_MAX_UPLOAD_MB = 1
    response = upload(staff, company, "大图.png", PNG + b"\x00" * (1024 * 1024))
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(staff, company) -> None:
    response = upload(staff, company, "空.png", b"")
    assert response.status_code == 200
    assert not Attachment.objects.exists()


@pytest.fixture
def attachment(staff, company) -> Attachment:
    upload(staff, company, "执照.png", PNG)
    return Attachment.objects.get()


def test_own_company_user_downloads_the_attachment(attachment, company) -> None:
    own = testing.UserFactory(organization=company, role=Role.COMPANY)
    response = testing.english_client(own).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_user_of_another_company_gets_404_for_the_attachment(attachment) -> None:
    other = testing.UserFactory(organization=testing.CompanyFactory(), role=Role.COMPANY)
    assert testing.english_client(other).get(f"/attachments/{attachment.pk}/").status_code == 404


def test_company_user_cannot_attach_or_remove_files(attachment, company) -> None:
    own = testing.UserFactory(organization=company, role=Role.COMPANY)
    client = testing.english_client(own)
    response = client.post(f"/attachments/upload/{target(company)}/", {"file": SimpleUploadedFile("a.png", PNG)})
    assert response.status_code == 403
    assert client.post(f"/attachments/{attachment.pk}/delete/").status_code == 403
    assert Attachment.objects.count() == 1


def test_staff_of_another_agency_cannot_attach_to_a_department_out_of_sight(staff) -> None:
    department = testing.DepartmentFactory()
    response = testing.english_client(staff).post(
        f"/attachments/upload/{target(department)}/", {"file": SimpleUploadedFile("a.png", PNG)}
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("bad_target", ["abc", "99999:1", "1:abc"])
def test_malformed_upload_target_is_not_found(staff, bad_target) -> None:
    response = testing.english_client(staff).post(
        f"/attachments/upload/{bad_target}/", {"file": SimpleUploadedFile("a.png", PNG)}
    )
    assert response.status_code == 404


def test_removing_an_attachment_is_logged_and_deletes_the_file(
    attachment, staff, django_capture_on_commit_callbacks
) -> None:
    storage, path = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = testing.english_client(staff).post(f"/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not storage.exists(path)
    entry = ChangeLogEntry.objects.get(object_id=str(attachment.pk), action="delete")
    assert (entry.actor, entry.before["name"], entry.after) == (staff, "执照.png", None)
