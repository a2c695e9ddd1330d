from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from gongwu.core.models.users import User

TOKEN_PREFIX = "gw_"  # noqa: S105 — a public marker, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class APIToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the token is shown once, when made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=12)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    secret_fields = frozenset({"key_hash"})

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str, expires: datetime.datetime | None = None) -> tuple[APIToken, str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:10], expires=expires)
        return token, raw

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()
