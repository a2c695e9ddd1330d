"""Uploaded images are decoded, not judged by their first bytes, and are stored without the location and
device a phone writes into them, unless the agency keeps photo metadata."""

import io
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongwu.core import images, testing
from gongwu.core.models import Attachment, Organization, Role

JPEG_WITH_HTML = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def agency(db: Any) -> Organization:
    return testing.AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency: Organization) -> Any:
    return testing.UserFactory(organization=agency, role=Role.STAFF)


def attach(staff: Any, target: Organization, name: str, content: bytes) -> Any:
    client = testing.english_client(staff)
    url = f"/attachments/upload/{ContentType.objects.get_for_model(Organization).pk}:{target.pk}/"
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def stored_image(attachment: Attachment) -> Image.Image:
    with attachment.file.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_a_jpeg_header_followed_by_html_is_refused_with_its_name(staff: Any, agency: Organization) -> None:
    response = attach(staff, agency, "现场.jpg", JPEG_WITH_HTML)
    assert "“现场.jpg” is not a photo that can be opened (JPEG, PNG, GIF, WebP or HEIC)." in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "image_format", "mime"), [("执照.png", "PNG", "image/png"), ("现场.jpg", "JPEG", "image/jpeg")]
)
def test_a_real_small_image_is_attached(
    staff: Any, agency: Organization, name: str, image_format: str, mime: str
) -> None:
    attach(staff, agency, name, testing.image_bytes(image_format))
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.mime_type) == (name, mime)
    image = stored_image(attachment)
    assert (image.format, image.size) == (image_format, (4, 3))


def test_a_photo_is_stored_without_its_location_and_device_by_default(staff: Any, agency: Organization) -> None:
    attach(staff, agency, "现场.jpg", testing.image_bytes("JPEG", exif=testing.gps_exif()))
    exif = stored_image(Attachment.objects.get()).getexif()
    assert (dict(exif), dict(exif.get_ifd(0x8825))) == ({}, {})


def test_a_photo_keeps_its_location_and_device_when_the_agency_keeps_photo_metadata(
    staff: Any, agency: Organization
) -> None:
    Organization.objects.filter(pk=agency.pk).update(keep_photo_metadata=True)
    attach(staff, agency, "现场.jpg", testing.image_bytes("JPEG", exif=testing.gps_exif()))
    exif = stored_image(Attachment.objects.get()).getexif()
    assert (exif[0x010F], exif[0x0110]) == ("Xiaomi", "Redmi Note 13")
    assert exif.get_ifd(0x8825)[2] == (26.0, 4.0, 30.0)


def test_an_upright_photo_is_turned_before_its_orientation_is_dropped(staff: Any, agency: Organization) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone held upright: rotate 90° to show
    attach(staff, agency, "竖拍.jpg", testing.image_bytes("JPEG", size=(4, 3), exif=exif))
    image = stored_image(Attachment.objects.get())
    assert (image.size, dict(image.getexif())) == ((3, 4), {})


def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_its_first_picture(staff: Any, agency: Organization) -> None:
    stream = io.BytesIO()
    first, second = Image.new("RGB", (4, 3), (200, 80, 40)), Image.new("RGB", (4, 3), (0, 0, 0))
    first.save(stream, format="MPO", save_all=True, append_images=[second], exif=testing.gps_exif())
    attach(staff, agency, "人像.jpg", stream.getvalue())
    attachment = Attachment.objects.get()
    image = stored_image(attachment)
    assert (attachment.mime_type, image.format, getattr(image, "n_frames", 1)) == ("image/jpeg", "JPEG", 1)
    assert dict(image.getexif()) == {}


def test_an_image_with_more_pixels_than_a_photo_is_refused_before_it_is_decoded(
    staff: Any, agency: Organization, monkeypatch: Any
) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 11)
    response = attach(staff, agency, "全景.png", testing.image_bytes("PNG", size=(4, 3)))
    assert "“全景.png” has too many pixels to be a photo." in response.content.decode()
    assert not Attachment.objects.exists()
