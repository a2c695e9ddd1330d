"""The closed loop for every warning, notice and assigned task (预警·督办·交办).

A `Case` is the unit: any module opens one about any subject (a project, a contract, a company: a
generic reference, so this app imports no domain app). It moves open → assigned → in progress →
response submitted → closed, or is sent back; then it is archived with feedback. Every step is a
`CaseEvent` on the case's own timeline and an entry in the change log (see services.py).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongwu.alerts import sources
from gongwu.core.models import (
    Organization,
    OrganizationKind,
    Role,
    ScopedModel,
    ScopedQuerySet,
    User,
    VoidableModel,
    user_may,
)
from gongwu.core.models.scoping import SETTINGS_ROLE_ACTIONS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Level(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


LEVEL_RANK: dict[str, int] = {Level.BLUE: 1, Level.YELLOW: 2, Level.ORANGE: 3, Level.RED: 4}
LEVEL_COLOUR: dict[str, str] = {Level.RED: "red", Level.ORANGE: "orange", Level.YELLOW: "yellow", Level.BLUE: "blue"}


def raised(level: str) -> str:
    """The next level up (blue → yellow → orange → red; red stays red)."""
    order = sorted(LEVEL_RANK, key=LEVEL_RANK.__getitem__)
    return order[min(order.index(level) + 1, len(order) - 1)]


class Kind(models.TextChoices):
    WARNING = "warning", _("Warning")
    ATTENTION = "attention", _("Attention (提请关注)")
    SUPERVISION = "supervision", _("Supervision order (督办)")
    ACTION_ITEM = "action_item", _("Action item (交办)")
    RECTIFICATION = "rectification", _("Rectification (整改)")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Response submitted")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")
    VOIDED = "voided", _("Voided")


OPEN_STATUSES = (Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS, Status.SUBMITTED)
DONE_STATUSES = (Status.CLOSED, Status.ARCHIVED)
# No longer live: done, or voided (a voided case counts neither as open nor as closed).
FINISHED_STATUSES = (*DONE_STATUSES, Status.VOIDED)


def responsible_orgs_of(user: User) -> list[int]:
    """The organizations whose cases a government user answers for: their own and their agency."""
    orgs = [user.organization_id] if user.organization_id else []
    agency = user.agency
    if agency is not None and agency.pk not in orgs:
        orgs.append(agency.pk)
    return orgs


class CaseQuerySet(ScopedQuerySet):
    def for_user(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        """Besides its agency's cases, a user sees (not changes) the cases another agency made their
        organization responsible for, e.g. a city's case assigned to a district agency."""
        queryset = super().for_user(user, action)
        if action not in ("view", "export") or not user_may(user, self.model, action) or user.is_superuser:
            return queryset
        if user.role == Role.COMPANY:
            return queryset
        orgs = responsible_orgs_of(user)
        if not orgs:
            return queryset
        path = self.model.party_path
        return self.filter(self.model.scope_q(user) | Q(**{f"{path}__in": orgs}))


class Case(VoidableModel, ScopedModel):
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    number = models.CharField(_("number"), max_length=30, blank=True)
    # The sources the installed apps register (sources.py), read when asked: no migration per registration.
    source = models.CharField(
        _("source"),
        max_length=sources.MAX_LENGTH,
        choices=sources.case_source_choices,
        default=sources.MANUAL,
        error_messages={"invalid_choice": sources.UNKNOWN},
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.WARNING)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.YELLOW)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # What the case is about: any object, by content type and id (alerts imports no domain app).
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject_label = models.CharField(_("subject"), max_length=200, blank=True)
    department = models.ForeignKey(
        Organization,
        verbose_name=_("supervising department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.DEPARTMENT},
    )
    responsible_org = models.ForeignKey(
        Organization,
        verbose_name=_("responsible organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        User, verbose_name=_("responsible person"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField(
        _("deadline in working days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Instead of a date: counted from the day it is opened, by the statutory calendar."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    measures = models.TextField(_("measures"), blank=True, help_text=_("整改措施: what is to be done."))
    response = models.TextField(_("response"), blank=True)
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    rule_code = models.CharField(_("rule"), max_length=60, blank=True, db_index=True)
    trigger = models.JSONField(_("what triggered it"), default=dict, blank=True)
    escalation_step = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    meeting = models.ForeignKey(
        "Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    party_path = "responsible_org"
    objects: ClassVar = CaseQuerySet.as_manager()
    # Set by `services.prepare_new_case`: the case takes the agency's next number when it is saved, inside
    # the saving transaction (a form validated but not saved, e.g. an import's preview, takes none).
    number_on_save = False

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # A rule never opens a second live case about the same subject.
            models.UniqueConstraint(
                fields=["agency", "rule_code", "subject_type", "subject_id"],
                condition=Q(source="rule") & ~Q(status__in=["closed", "archived", "voided"]),
                name="case_one_live_per_rule_subject",
            ),
            models.UniqueConstraint(fields=["agency", "number"], condition=~Q(number=""), name="case_unique_number"),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "deadline"], name="case_agency_status_deadline"),
            models.Index(fields=["agency", "opened_on"], name="case_agency_opened"),
            models.Index(fields=["subject_type", "subject_id"], name="case_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("alerts:case_detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.number_on_save and self._state.adding and not self.number and self.agency_id:
            from gongwu.alerts.services import save_numbered

            save_numbered(self, lambda: super(Case, self).save(*args, **kwargs))
            return
        super().save(*args, **kwargs)

    def change_log_agency_id(self) -> int | None:
        return self.agency_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.deadline is not None and self.deadline < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def days_to_close(self) -> int | None:
        return (self.closed_on - self.opened_on).days if self.closed_on else None

    @property
    def subject(self) -> Any:
        if not self.subject_id or self.subject_type is None:
            return None
        model = self.subject_type.model_class()
        return model._base_manager.filter(pk=self.subject_id).first() if model else None

    def set_subject(self, obj: Any) -> None:
        self.subject_type = ContentType.objects.get_for_model(type(obj))
        self.subject_id = str(obj.pk)
        self.subject_label = str(obj)[:200]

    def clean(self) -> None:
        from gongwu.core.calendar import add_working_days

        errors: dict[str, Any] = {}
        if self.deadline_working_days and not self.deadline and self.opened_on:
            self.deadline = add_working_days(self.opened_on, self.deadline_working_days)
        if self.deadline and self.opened_on and self.deadline < self.opened_on:
            errors["deadline"] = _("The deadline cannot be before the day the case is opened.")
        if self.agency_id and self.department is not None and self.department.parent_id != self.agency_id:
            errors["department"] = _("The department must belong to the case's agency.")
        if self.responsible_org_id and self.responsible_person is not None:
            person_org = self.responsible_person.organization
            if person_org is not None and self.responsible_org_id not in (person_org.pk, person_org.parent_id):
                errors["responsible_person"] = _("The responsible person works for another organization.")
        if errors:
            raise ValidationError(errors)


class CaseCounter(models.Model):
    """The last case number an agency gave in a year (2026-0001 … 2026-9999, 2026-10000 …).

    Each new case takes the next one inside its own transaction (`services.reserve_numbers`), so a number
    costs one row update, however many cases the agency has; a case that fails to save gives it back.
    """

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    # The numbers themselves are logged with their cases; the counter is bookkeeping (see core.testing).
    not_logged_because = "a counter of the numbers its cases carry"

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="casecounter_unique_year")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}-{self.last:04d}"


class EventAction(models.TextChoices):
    OPENED = "opened", _("Opened")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Work started")
    RESPONDED = "responded", _("Response submitted")
    CLOSED = "closed", _("Verified and closed")
    SENT_BACK = "sent_back", _("Sent back")
    ARCHIVED = "archived", _("Archived")
    ESCALATED = "escalated", _("Escalated")
    LEVEL_CHANGED = "level_changed", _("Level changed")
    CLEARED = "cleared", _("Condition cleared")
    COMMENTED = "commented", _("Comment")
    RESCHEDULED = "rescheduled", _("Deadline changed")
    REASSIGNED = "reassigned", _("Responsibility changed")
    VOIDED = "voided", _("Voided")


class CaseEvent(ScopedModel):
    """One step on a case's timeline."""

    agency_path = "case__agency"
    party_path = "case__responsible_org"
    max_actions = frozenset({"view", "export"})
    objects: ClassVar = CaseQuerySet.as_manager()

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=15, choices=EventAction.choices)
    from_status = models.CharField(_("from status"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, choices=Status.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "time", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_action_display()}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()


class MeetingKind(models.TextChoices):
    COORDINATION = "coordination", _("Coordination meeting")
    TASK_FORCE = "task_force", _("Task-force meeting (专责小组)")
    REGULAR = "regular", _("Regular meeting (例会)")
    TOUR = "tour", _("Inspection tour (巡察)")


class Meeting(ScopedModel):
    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=MeetingKind.choices, default=MeetingKind.COORDINATION)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    chair = models.CharField(_("chair"), max_length=60, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:meeting_detail", args=[self.pk])

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate() + datetime.timedelta(days=366):
            raise ValidationError({"date": _("The meeting date is more than a year ahead.")})


class RuleSetting(ScopedModel):
    """An agency's settings for one rule: on or off, its level and its parameters (edited in the UI)."""

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("rule"), max_length=60)
    enabled = models.BooleanField(_("enabled"), default=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.YELLOW)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    last_scan = models.DateTimeField(_("last scan"), null=True, blank=True, editable=False)

    role_actions = SETTINGS_ROLE_ACTIONS

    class Meta:
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="rulesetting_unique_code")]

    def __str__(self) -> str:
        from gongwu.alerts.rules import RULES

        rule = RULES.get(self.code)
        return str(rule.title) if rule else self.code

    def get_absolute_url(self) -> str:
        return reverse("alerts:rulesetting_detail", args=[self.pk])

    def clean(self) -> None:
        from gongwu.alerts.rules import RULES

        rule = RULES.get(self.code)
        if rule is None:
            raise ValidationError({"code": _("Unknown rule “%(code)s”.") % {"code": self.code}})
        self.params = rule.clean_params(self.params)


class EscalationAction(models.TextChoices):
    RAISE_LEVEL = "raise_level", _("Raise the level")
    NOTIFY_SUPERIOR = "notify_superior", _("Notify the responsible person's superior")
    SUPERVISE = "supervise", _("Turn attention into a supervision order (督办)")


class EscalationStep(ScopedModel):
    """A step taken when an open case is overdue by at least `days_overdue` days (per agency, in order)."""

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1), MaxValueValidator(20)])
    days_overdue = models.PositiveSmallIntegerField(
        _("days overdue"), validators=[MinValueValidator(0), MaxValueValidator(365)]
    )
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices)

    role_actions = SETTINGS_ROLE_ACTIONS

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["agency", "order"]
        constraints = [models.UniqueConstraint(fields=["agency", "order"], name="escalationstep_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_action_display()} (+{self.days_overdue})"

    def get_absolute_url(self) -> str:
        return reverse("alerts:escalationstep_detail", args=[self.pk])

    def clean(self) -> None:
        """Steps are taken in order, so a later step may not come due before an earlier one."""
        if not self.agency_id or self.order is None or self.days_overdue is None:
            return
        others = EscalationStep.objects.filter(agency_id=self.agency_id).exclude(pk=self.pk)
        earlier = others.filter(order__lt=self.order, days_overdue__gt=self.days_overdue).first()
        later = others.filter(order__gt=self.order, days_overdue__lt=self.days_overdue).first()
        clash = earlier or later
        if clash is not None:
            raise ValidationError(
                {
                    "days_overdue": _(
                        "Step %(order)s comes due after %(days)s days overdue; steps must come due in order."
                    )
                    % {"order": clash.order, "days": clash.days_overdue}
                }
            )


DEFAULT_ESCALATION = [
    (1, 0, EscalationAction.RAISE_LEVEL),
    (2, 5, EscalationAction.NOTIFY_SUPERIOR),
    (3, 10, EscalationAction.SUPERVISE),
]


class NotificationQuerySet(ScopedQuerySet):
    def for_user(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        """A user's own notifications, and nobody else's (superusers included)."""
        if not getattr(user, "is_authenticated", False) or action != "view":
            return self.none()
        return self.filter(user=user)


class Notification(ScopedModel):
    """An in-app message to one user (and an e-mail when configured)."""

    objects: ClassVar = NotificationQuerySet.as_manager()

    agency_path = None
    max_actions = frozenset({"view"})

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() if self.case is not None else reverse("alerts:notifications")

    @classmethod
    def scope_q(cls, user: User) -> Q:
        return Q(user=user)
