"""A year's statutory holidays and make-up working days (调休) as the State Council announces them.

The chinese-calendar package knows the years up to its release; an administrator enters a newer year (or
corrects a known one) from the State Council's notice, by hand or from Excel. What is entered here wins over
the package, and a year in neither falls back to Monday–Friday with a warning (see `gongwu.core.calendar`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.scoping import Action, Role, ScopedModel

MANAGE = frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT, Action.IMPORT})
READ = frozenset({Action.VIEW, Action.EXPORT})


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (休)")
    WORKDAY = "workday", _("Make-up working day (班)")


class CalendarDay(ScopedModel):
    """One day that is not what its weekday says: a holiday, or a weekend day worked in exchange."""

    agency_path = None  # one national calendar, read by everyone who signs in
    role_actions = {Role.ADMIN: MANAGE, **{role: READ for role in Role.values if role != Role.ADMIN}}

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=30, help_text=_("e.g. 春节, 国庆节"))
    notice = models.CharField(
        _("State Council notice"), max_length=100, blank=True, help_text=_("the notice's document number")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["-date"]

    @classmethod
    def scope_q(cls, user: Any) -> Q:
        return Q()  # companies count their deadlines on it too

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("core:calendarday_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.date and self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {
                    "kind": _("A make-up working day falls on a Saturday or Sunday; %(date)s is a weekday.")
                    % {"date": self.date.isoformat()}
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _forget_after_change()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        _forget_after_change()
        return deleted


def _forget_after_change() -> None:
    from gongwu.core.calendar import forget_entered

    forget_entered()
    transaction.on_commit(forget_entered)
