from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.forms import ScopedModelForm
from gongwu.core.images import stored_image
from gongwu.core.models import GOVERNMENT_KINDS, CalendarDay, Organization, User


class OrganizationForm(ScopedModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "kind",
            "parent",
            "credit_code",
            "region",
            "address",
            "contact_person",
            "contact_phone",
            "is_active",
            "keep_photo_metadata",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = self.fields["parent"].queryset.filter(kind__in=GOVERNMENT_KINDS)

    def clean_credit_code(self) -> str:
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class CalendarDayForm(ScopedModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "notice"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class UserForm(ScopedModelForm):
    class Meta:
        model = User
        fields = ["username", "display_name", "organization", "role", "email", "phone", "is_active"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if user.pk is None:
            user.set_unusable_password()
        if commit:
            user.save()
        return user


# Types an attachment may have, with the leading bytes ("magic") each must start with.
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".dwg": ("image/vnd.dwg", (b"AC10",)),
    ".zip": ("application/zip", (b"PK\x03\x04",)),
}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


class AttachmentForm(forms.Form):
    """A file attached to a record. An image is decoded and stored as `images.stored_image` writes it."""

    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, agency: Organization | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_metadata = bool(agency is not None and agency.keep_photo_metadata)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix not in ATTACHMENT_TYPES:
            raise forms.ValidationError(
                _("Files of type “%(suffix)s” cannot be attached. Allowed: %(allowed)s.")
                % {"suffix": suffix or "?", "allowed": ", ".join(sorted(ATTACHMENT_TYPES))}
            )
        limit = settings.GONGWU_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": settings.GONGWU_MAX_UPLOAD_MB})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        mime, magics = ATTACHMENT_TYPES[suffix]
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(m) for m in magics):
            raise forms.ValidationError(
                _("The file's content does not match its “%(suffix)s” name.") % {"suffix": suffix}
            )
        if suffix in PHOTO_SUFFIXES:
            return stored_image(upload, keep_metadata=self.keep_metadata)
        upload.gongwu_mime = mime
        return upload


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, help_text=_("What the token is for, e.g. “report sync”."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=3650, initial=365)
