from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.scoping import ScopedModel


def attachment_path(instance: Attachment, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"attachments/{instance.content_type.app_label}/{instance.content_type.model}/{uuid.uuid4().hex}{suffix}"


class Attachment(ScopedModel):
    """A photo or document on any object; it is seen and changed by whoever may see and change that object."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    parent = GenericForeignKey("content_type", "object_id")
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    mime_type = models.CharField(_("type"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")
