"""Records of supervision are never deleted: a record a figure counts (a case, a notice, an inspection, a
confirmed monthly figure) is voided with a reason instead. It stays in its list with a “voided” badge, in
its history and in the change log, and drops out of the figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VoidableModel(models.Model):
    """Mixin: who voided the record, when and why. The generic delete refuses it while `must_void()`."""

    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False, db_index=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    void_reason = models.TextField(_("reason voided"), blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def must_void(self) -> bool:
        """True when this record may only be voided, never deleted (a model may relax it, e.g. a draft)."""
        return True

    def may_void(self) -> bool:
        """Whether voiding makes sense for it now (a model may narrow it, e.g. only a confirmed figure)."""
        return not self.is_voided
