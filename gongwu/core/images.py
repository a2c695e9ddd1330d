"""Photos are decoded before they are kept, and kept without what they say about where and on what they were taken.

A file is a photo when Pillow decodes the whole of it, not when its first bytes look like one: a JPEG header
followed by HTML is refused. What is stored is always the image as Pillow writes it again, so nothing that
rode along after the image data is kept; EXIF (GPS location, camera and phone model, owner), XMP and
comments are dropped unless the agency keeps photo metadata (`Organization.keep_photo_metadata`). The
picture is turned upright first, since dropping EXIF drops its orientation. HEIC photos (iPhone) are
decoded with pillow-heif and stored as JPEG, which every browser shows.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath
from typing import Any

import pillow_heif
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow's format name → the format the photo is stored in. MPO is the multi-picture JPEG many phones write
# (its first picture is the photo); HEIF is stored as JPEG, which every browser shows.
STORED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "HEIF": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# A 50-megapixel photo takes 150 MB to decode; larger images are refused before they are decoded.
MAX_PIXELS = 50_000_000
ORIENTATION = 0x0112
JPEG_QUALITY = 90


class StoredImage(ContentFile):
    """An image as it will be stored: its bytes, its name and the type it is served as."""

    def __init__(self, content: bytes, name: str, mime: str) -> None:
        super().__init__(content, name=name)
        self.gongwu_mime = mime


def decoded_image(upload: Any) -> Image.Image:
    """The fully decoded image of an upload; a ValidationError naming the file when it is not a photo."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    refused = ValidationError(
        _("“%(name)s” is not a photo that can be opened (JPEG, PNG, GIF, WebP or HEIC).") % {"name": upload.name},
        code="not_an_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in STORED_FORMATS:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError
            image.load()  # decodes every pixel: a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise refused from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("“%(name)s” has too many pixels to be a photo.") % {"name": upload.name}, code="too_large"
        ) from exc
    return image


def stored_image(upload: Any, *, keep_metadata: bool) -> StoredImage:
    """The upload as it is stored: decoded, written again, upright, with or without its metadata."""
    image = decoded_image(upload)
    source_format = image.format or ""  # (`decoded_image` refused an image of no stored format)
    exif = image.getexif()
    name = PurePosixPath(upload.name).name
    options: dict[str, Any] = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]  # colours, not personal
    upright = exif.get(ORIENTATION, 1) in (2, 3, 4, 5, 6, 7, 8)
    if upright:
        image = ImageOps.exif_transpose(image)
        exif[ORIENTATION] = 1
    if keep_metadata and exif:
        options["exif"] = exif.tobytes()
    target = STORED_FORMATS[source_format]
    if not keep_metadata and target in ("JPEG", "GIF"):
        options["comment"] = b""  # Pillow copies a JPEG's or GIF's comment unless told otherwise
    if target == "JPEG":
        if source_format == "JPEG" and not upright:
            options.update(quality="keep", subsampling="keep")  # the same compression: no loss of quality
        else:
            options["quality"] = JPEG_QUALITY
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
    if source_format == "HEIF":
        name = str(PurePosixPath(name).with_suffix(".jpg"))
    if target == "GIF" and getattr(image, "n_frames", 1) > 1:
        options["save_all"] = True
    stream = io.BytesIO()
    try:
        image.save(stream, format=target, **options)
    except (OSError, ValueError) as exc:  # an image Pillow reads but cannot write back: refused, never a 500
        raise ValidationError(
            _("“%(name)s” is not a photo that can be opened (JPEG, PNG, GIF, WebP or HEIC).") % {"name": upload.name},
            code="not_an_image",
        ) from exc
    return StoredImage(stream.getvalue(), name, MIME_TYPES[target])
