from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.scoping import Role, ScopedModel

if TYPE_CHECKING:
    from gongwu.core.models.users import User


class JobStatus(models.TextChoices):
    PREVIEW = "preview", _("awaiting confirmation")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(ScopedModel):
    """Long work a person started (an import, a report) and its progress, shown in the UI."""

    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", blank=True, max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE)
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    role_actions = {role: frozenset({"view"}) for role in Role.values}
    max_actions = frozenset({"view"})

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:job_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @classmethod
    def scope_q(cls, user: User) -> models.Q:
        return models.Q(user=user)
