"""The change log: one hash-chained entry per create, update and delete, whoever made it and however."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongwu.core import audit
from gongwu.core.models.scoping import Role, ScopedModel


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    RECHAIN = "rechain", _("chain re-sealed")  # secrets redacted and the chain re-keyed (core migration 0004)


class ChangeLogEntry(ScopedModel):
    time = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    agency = models.ForeignKey(
        "core.Organization",
        verbose_name=_("agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=20)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    role_actions = {
        Role.ADMIN: frozenset({"view", "export"}),
        Role.LEADER: frozenset({"view", "export"}),
        Role.INTEGRITY: frozenset({"view", "export"}),
        Role.REGULATOR: frozenset({"view", "export"}),
        Role.STAFF: frozenset({"view"}),
        Role.DIRECTOR: frozenset({"view"}),
        Role.INSPECTOR: frozenset({"view"}),
    }

    max_actions = frozenset({"view", "export"})

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="changelog_object")]

    def __str__(self) -> str:
        return f"{self.object_repr} {self.get_action_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:changelogentry_detail", args=[self.pk])

    def chain_payload(self) -> dict:
        """What the hash covers: every column but the hash itself, in a stable text form."""
        return audit.chain_payload(self)

    def compute_hash(self) -> str:
        """The keyed hash (HMAC-SHA256 with GONGWU_AUDIT_KEY) of this entry's content and link."""
        return audit.chain_hash(self.chain_payload())

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that changed; a secret's values as words, never the value."""
        before, after = self.before or {}, self.after or {}
        keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
        return [(k, audit.shown(before.get(k)), audit.shown(after.get(k))) for k in keys]
