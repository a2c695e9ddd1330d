"""The loop's rules in the domain's words: open a case, move it through its statuses, escalate, scan.

Every transition locks the case row (`select_for_update`), checks the status and who acts, and writes
the case's timeline and the change log in the same transaction, so two people acting on one case at
once never lose an action: the second sees the first's result and is told if its step no longer fits.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Case as Case_
from django.db.models import F, Q, QuerySet, Value, When
from django.db.models.functions import Greatest, Length
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts import owners, sources
from gongwu.alerts.models import (
    DEFAULT_ESCALATION,
    FINISHED_STATUSES,
    LEVEL_RANK,
    OPEN_STATUSES,
    Case,
    CaseCounter,
    CaseEvent,
    EscalationAction,
    EscalationStep,
    EventAction,
    Kind,
    Level,
    Notification,
    RuleSetting,
    Status,
    raised,
)
from gongwu.alerts.rules import RULES, Match, Rule
from gongwu.core import services as core_services
from gongwu.core.calendar import add_working_days
from gongwu.core.models import Action, Organization, OrganizationKind, Role, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

log = logging.getLogger(__name__)

# ---- who may act --------------------------------------------------------------------------------


def is_owner(user: User, case: Case) -> bool:
    """Staff of the case's agency who may change it (open, assign, verify, send back, archive)."""
    return user.role != Role.COMPANY and Case.objects.for_user(user, Action.CHANGE).filter(pk=case.pk).exists()


def is_responsible(user: User, case: Case) -> bool:
    """The responsible person, or anyone of the responsible organization (or its parent agency's staff)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if case.responsible_person_id == user.pk:
        return True
    org = case.responsible_org_id
    return (
        org is not None
        and user.organization_id is not None
        and (user.organization_id == org or (user.organization is not None and user.organization.parent_id == org))
    )


# Each transition: from which statuses, to which status, who may take it.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "assign": ((Status.OPEN, Status.ASSIGNED), Status.ASSIGNED, "owner"),
    "start": ((Status.ASSIGNED,), Status.IN_PROGRESS, "responsible"),
    "respond": ((Status.ASSIGNED, Status.IN_PROGRESS), Status.SUBMITTED, "responsible"),
    "close": ((Status.SUBMITTED,), Status.CLOSED, "owner"),
    "send_back": ((Status.SUBMITTED,), Status.IN_PROGRESS, "owner"),
    "archive": ((Status.CLOSED,), Status.ARCHIVED, "owner"),
}
EVENT_OF = {
    "assign": EventAction.ASSIGNED,
    "start": EventAction.STARTED,
    "respond": EventAction.RESPONDED,
    "close": EventAction.CLOSED,
    "send_back": EventAction.SENT_BACK,
    "archive": EventAction.ARCHIVED,
}


def allowed_transitions(case: Case, user: User) -> list[str]:
    """The transitions `user` may take on `case` now (for the buttons a page shows); none of those its
    subject owns (a notice's case is answered on the notice)."""
    owner, responsible = is_owner(user, case), is_responsible(user, case)
    return [
        name
        for name, (from_statuses, _target, who) in TRANSITIONS.items()
        if case.status in from_statuses and (owner if who == "owner" else responsible) and not owners.owns(case, name)
    ]


# ---- opening and moving a case ------------------------------------------------------------------


def record_event(
    case: Case, action: str, actor: User | None, *, before: str = "", text: str = "", data: dict | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=before,
        to_status=case.status,
        text=text,
        data=data or {},
    )


def case_number(year: int, number: int) -> str:
    return f"{year}-{number:04d}"


def last_number_in(agency_id: int, year: int) -> int:
    """The largest number among the agency's cases of the year (0 when none): a range of the (agency, number)
    index, the longest, then the largest, first. Only for a counter's first use and after a clash."""
    prefix = f"{year}-"
    numbers = (
        Case.objects.filter(agency_id=agency_id, number__gte=prefix, number__lt=f"{year}.")
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
    )
    last = numbers.first()
    if last is None:
        return 0
    if last.removeprefix(prefix).isdigit():
        return int(last.removeprefix(prefix))
    # A number of another shape on top (e.g. "2026-A12", written by hand): the largest plain one.
    return max((int(s) for n in numbers if (s := n.removeprefix(prefix)).isdigit()), default=0)


def reserve_numbers(agency_id: int, year: int, count: int = 1, *, past_existing: bool = False) -> int:
    """Take the agency's next `count` case numbers of the year from its counter; return the first.

    Call it inside the transaction that saves the cases: the counter row stays locked until it commits,
    and a rollback gives the numbers back. `past_existing` moves the counter past the cases' own largest
    number first (a number was found taken, e.g. written by hand or by a bulk load).
    """
    if past_existing:
        CaseCounter.objects.filter(agency_id=agency_id, year=year).update(
            last=Greatest(F("last"), Value(last_number_in(agency_id, year)))
        )
    last = _advance(agency_id, year, count)
    if last is None:  # the agency's first case of the year: count on from its cases
        try:
            with transaction.atomic():
                last = last_number_in(agency_id, year) + count
                CaseCounter.objects.create(agency_id=agency_id, year=year, last=last)
        except IntegrityError:
            last = _advance(agency_id, year, count)  # another transaction made the counter meanwhile
            if last is None:
                raise
    return last - count + 1


def _advance(agency_id: int, year: int, count: int) -> int | None:
    """Add `count` to the counter and return its new last number (None: there is no counter yet)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE alerts_casecounter SET last = last + %s WHERE agency_id = %s AND year = %s RETURNING last",
                [count, agency_id, year],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    # Elsewhere (SQLite): the UPDATE takes the write lock until the transaction ends, so the read is ours.
    counter = CaseCounter.objects.filter(agency_id=agency_id, year=year)
    return counter.values_list("last", flat=True).first() if counter.update(last=F("last") + count) else None


def next_number(agency_id: int, year: int) -> str:
    """The number the agency's next case of the year would get, without taking it (for display)."""
    last = CaseCounter.objects.filter(agency_id=agency_id, year=year).values_list("last", flat=True).first()
    return case_number(year, (last if last is not None else last_number_in(agency_id, year)) + 1)


def save_numbered(case: Case, save: Callable[[], None], attempts: int = 3) -> None:
    """Save a new case with the agency's next number, both in one transaction (or savepoint). A number
    already taken (written by hand, or a bulk load that left the counter behind) is skipped: the counter
    moves past the cases' largest number and the case takes the next."""
    year = (case.opened_on or timezone.localdate()).year
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                case.number = case_number(year, reserve_numbers(case.agency_id, year, past_existing=attempt > 0))
                save()
            return
        except IntegrityError as exc:
            taken = Case.objects.filter(agency_id=case.agency_id, number=case.number).exists()
            if not taken or attempt == attempts - 1:
                case.number = ""
                raise
            log.info("case number %s already taken (%s); taking the next", case.number, exc)
            case.pk = None
            case._state.adding = True


def prepare_new_case(case: Case, actor: User | None) -> None:
    """Default a new case's agency, mark it assigned when someone is already responsible, and have it take
    the agency's next number when it is saved."""
    if case.agency_id is None and getattr(actor, "agency", None) is not None:
        case.agency = actor.agency
    if not case.number:
        case.number_on_save = True
    if case.meeting_id and case.source == sources.MANUAL:
        case.source = sources.MEETING
    if not case.responsible_org_id and case.responsible_person is not None:
        case.responsible_org_id = case.responsible_person.organization_id
    if case.responsible_org_id and case.status == Status.OPEN:
        case.status = Status.ASSIGNED
    if case.created_by_id is None and getattr(actor, "pk", None):
        case.created_by = actor


def record_opening(case: Case, actor: User | None, *, notify_people: bool = True) -> None:
    """The first steps of a new case's timeline (logged), and word to whoever is responsible."""
    opened = record_event(case, EventAction.OPENED, actor, data={"trigger": case.trigger} if case.trigger else None)
    core_services.log_created(opened, actor)
    if case.status == Status.ASSIGNED:
        assigned = record_event(case, EventAction.ASSIGNED, actor, before=Status.OPEN)
        core_services.log_created(assigned, actor)
        if notify_people:
            transaction.on_commit(lambda: notify_responsible(case, _("New case for you: %(case)s") % {"case": case}))


def open_case(case: Case, actor: User | None, *, notify_people: bool = True) -> Case:
    """Validate and save a new case through the change log (`actor` None: the system, e.g. the scan).

    The case takes the agency's next number as it is saved (`save_numbered`), in this transaction."""
    prepare_new_case(case, actor)
    with transaction.atomic():
        if actor is None:
            # Opened by the system (the scan): the case's own rules; the database's constraints guard
            # the rest, without full_clean's query per foreign key and constraint (bench/alerts.py).
            case.clean()
            sources.check(case.source)
            case.save()
            core_services.log_change(
                instance=case, action="create", actor=None, before=None, after=core_services.snapshot(case)
            )
        else:
            core_services.create_object(instance=case, actor=actor)
        record_opening(case, actor, notify_people=notify_people)
    return case


def create_case(*, instance: Case, actor: User, data: dict[str, Any] | None = None) -> Case:
    """A case opened by hand (its page, the API, an import, the admin): numbered, logged, its opening recorded."""
    prepare_new_case(instance, actor)
    return core_services.create_object(
        instance=instance, actor=actor, data=data, after_save=lambda case: record_opening(case, actor)
    )


def transition(
    case: Case,
    name: str,
    actor: User,
    *,
    text: str = "",
    version: int | None = None,
    responsible_org: Organization | None = None,
    responsible_person: User | None = None,
    deadline: datetime.date | None = None,
    evidence: Iterable[Any] = (),
    by_subject: bool = False,
) -> Case:
    """Take transition `name` on `case` for `actor`: locked, checked, logged, on the timeline.

    `version` is the case version the actor saw; when someone else moved the case meanwhile, the step
    is refused with a message instead of silently overwriting theirs. A step the case's subject owns
    (`owners`) is refused unless the subject's own service takes it (`by_subject=True`).
    """
    if name not in TRANSITIONS:
        raise ValidationError(_("Unknown action “%(name)s”.") % {"name": name})
    from_statuses, target, who = TRANSITIONS[name]
    text = (text or "").strip()
    evidence = list(evidence)
    with core_services.files_removed_on_failure():
        locked = Case.objects.for_user(actor, Action.VIEW).select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not act on this case."))
        if not by_subject and owners.owns(locked, name):
            raise PermissionDenied(owners.refusal(locked))
        if version is not None and version != locked.version:
            raise ValidationError(
                _("Someone else changed this case meanwhile (it is now “%(status)s”); reload it and try again.")
                % {"status": locked.get_status_display()}
            )
        if locked.status not in from_statuses:
            raise ValidationError(
                _("A case that is “%(status)s” cannot be %(action)s.")
                % {"status": locked.get_status_display(), "action": EVENT_OF[name].label.lower()}
            )
        allowed = is_owner(actor, locked) if who == "owner" else is_responsible(actor, locked)
        if not allowed:
            raise PermissionDenied(
                _("Only the agency's staff may do this.")
                if who == "owner"
                else _("Only the responsible organization may do this.")
            )
        before = core_services.snapshot(locked)
        previous = locked.status
        today = timezone.localdate()
        if name == "assign":
            if responsible_org is None and responsible_person is None:
                raise ValidationError({"responsible_org": _("Choose who is responsible.")})
            if responsible_org is None and responsible_person is not None:
                responsible_org = responsible_person.organization
            new_org = responsible_org.pk if responsible_org else None
            moves_deadline = deadline is not None and locked.deadline is not None and deadline != locked.deadline
            gives_away = locked.responsible_org_id is not None and new_org != locked.responsible_org_id
            if (moves_deadline or gives_away) and not may_reschedule(actor, locked):
                raise PermissionDenied(_("Only the case's owners may change its deadline or who is responsible."))
            # The first assignment of an open case sets its terms; a later change needs its reason.
            if (moves_deadline or gives_away) and locked.status != Status.OPEN and not text:
                raise ValidationError({"text": _("Give the reason for the change.")})
            locked.responsible_org = responsible_org
            locked.responsible_person = responsible_person
            if deadline is not None:
                locked.deadline = deadline
        elif name == "respond":
            if not text:
                raise ValidationError({"text": _("Say what was done.")})
            if locked.evidence_required and not evidence:
                raise ValidationError({"evidence": _("This case needs evidence: attach photos or documents.")})
            locked.response = text
            locked.responded_on = today
        elif name == "send_back":
            if not text:
                raise ValidationError({"text": _("Give the reason it is sent back.")})
        elif name == "close":
            locked.closed_on = today
            locked.resolution = text or locked.resolution
        elif name == "archive":
            if not text:
                raise ValidationError({"text": _("Write the feedback the case is archived with.")})
            locked.feedback = text
        locked.status = target
        locked.version = F("version") + 1
        locked.full_clean(exclude=["version"])
        locked.save()
        locked.refresh_from_db()
        event = record_event(locked, EVENT_OF[name], actor, before=previous, text=text)
        for upload in evidence:
            upload.content_type = ContentType.objects.get_for_model(Case)
            upload.object_id = str(locked.pk)
            upload.agency_id = locked.agency_id
            upload.description = upload.description or _("Evidence: %(event)s") % {"event": event.get_action_display()}
            upload.save()
            core_services.remember_stored_file(upload.file.storage, upload.file.name)
            core_services.log_created(upload, actor)
        if evidence:
            event.data = {**event.data, "evidence": [upload.pk for upload in evidence]}
            event.save(update_fields=["data"])
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    if name in ("assign", "send_back"):
        notify_responsible(locked, _("%(action)s: %(case)s") % {"action": EVENT_OF[name].label, "case": locked})
    elif name == "respond" and locked.created_by_id:
        notify(locked.created_by, locked, _("Response to verify: %(case)s") % {"case": locked})
    return locked


# ---- deadline, responsibility and voiding: by the case's owners, with a reason ---------------------


def may_reschedule(user: User, case: Case) -> bool:
    """Who may move a case's deadline or give it to someone else: its agency's leaders and administrators;
    for a case that is not a supervision order (督办) also department staff and whoever opened it."""
    if not is_owner(user, case):
        return False
    if user.is_superuser or user.role in (Role.LEADER, Role.ADMIN):
        return True
    return case.kind != Kind.SUPERVISION and (user.role == Role.STAFF or case.created_by_id == user.pk)


def _owned_step(
    case: Case, actor: User, step: str, reason: str, version: int | None, *, by_subject: bool = False
) -> tuple[Case, dict]:
    """Lock a live case for a reasoned owner's step; check the subject, the version, who acts and the reason."""
    locked = Case.objects.for_user(actor, Action.VIEW).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not act on this case."))
    if not by_subject and owners.owns(locked, step):
        raise PermissionDenied(owners.refusal(locked))
    if version is not None and version != locked.version:
        raise ValidationError(
            _("Someone else changed this case meanwhile (it is now “%(status)s”); reload it and try again.")
            % {"status": locked.get_status_display()}
        )
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(
            _("A case that is “%(status)s” no longer changes.") % {"status": locked.get_status_display()}
        )
    if not may_reschedule(actor, locked):
        raise PermissionDenied(
            _(
                "Only the case's owners (the agency's leaders, or for a case that is not a supervision order its "
                "department staff and whoever opened it) may change its deadline or who is responsible."
            )
        )
    if not (reason or "").strip():
        raise ValidationError({"text": _("Give the reason for the change.")})
    return locked, core_services.snapshot(locked)


def _finish_owned_step(locked: Case, actor: User, before: dict, action: str, reason: str, data: dict) -> Case:
    locked.version = F("version") + 1
    locked.full_clean(exclude=["version"])
    locked.save()
    locked.refresh_from_db()
    record_event(locked, action, actor, before=locked.status, text=reason.strip(), data=data)
    core_services.log_change(
        instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
    )
    return locked


def reschedule(
    case: Case, actor: User, *, deadline: datetime.date | None, reason: str, version: int | None = None
) -> Case:
    """Move a live case's deadline, with the reason on its timeline (by its owners only)."""
    if deadline is None:
        raise ValidationError({"deadline": _("Give the new deadline.")})
    with transaction.atomic():
        locked, before = _owned_step(case, actor, "reschedule", reason, version)
        old = locked.deadline
        if old == deadline:
            raise ValidationError({"deadline": _("That is already the deadline.")})
        locked.deadline = deadline
        data = {"from": old.isoformat() if old else None, "to": deadline.isoformat()}
        return _finish_owned_step(locked, actor, before, EventAction.RESCHEDULED, reason, data)


def reassign(
    case: Case,
    actor: User,
    *,
    reason: str,
    responsible_org: Organization | None = None,
    responsible_person: User | None = None,
    version: int | None = None,
) -> Case:
    """Give a live case to another organization or person, with the reason on its timeline (owners only)."""
    if responsible_org is None and responsible_person is None:
        raise ValidationError({"responsible_org": _("Choose who is responsible.")})
    with transaction.atomic():
        locked, before = _owned_step(case, actor, "reassign", reason, version)
        old = (locked.responsible_org_id, locked.responsible_person_id)
        if responsible_org is None and responsible_person is not None:
            responsible_org = responsible_person.organization
        locked.responsible_org = responsible_org
        locked.responsible_person = responsible_person
        data = {"from": list(old), "to": [locked.responsible_org_id, locked.responsible_person_id]}
        case = _finish_owned_step(locked, actor, before, EventAction.REASSIGNED, reason, data)
    notify_responsible(case, _("%(action)s: %(case)s") % {"action": EventAction.REASSIGNED.label, "case": case})
    return case


def void_case(*, instance: Case, actor: User, reason: str, by_subject: bool = False) -> Case:
    """Void a case (never deleted): it leaves the board's open and closed figures, keeps its timeline, and
    says why. A case its subject owns (a notice's) is voided with its subject."""
    if not by_subject and owners.owns(instance, "void"):
        raise PermissionDenied(owners.refusal(instance))
    previous: dict[str, str] = {}

    def apply(locked: Case) -> None:
        previous["status"] = locked.status
        locked.status = Status.VOIDED
        locked.version = locked.version + 1

    with transaction.atomic():
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason, apply=apply)
        record_event(voided, EventAction.VOIDED, actor, before=previous["status"], text=voided.void_reason)
    return voided


# ---- notifications ------------------------------------------------------------------------------


def notify(user: User | None, case: Case | None, text: str) -> Notification | None:
    if user is None or not user.is_active:
        return None
    note = Notification.objects.create(user=user, case=case, text=text[:300])
    if user.email:
        send_email(user, text)
    return note


def send_email(user: User, text: str) -> None:
    try:
        send_mail(text[:150], text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except OSError:
        log.warning("could not e-mail user %s", user.pk, exc_info=True)


def notify_responsible(case: Case, text: str) -> None:
    if case.responsible_person_id:
        notify(case.responsible_person, case, text)
    elif case.responsible_org_id:
        for user in User.objects.filter(organization_id=case.responsible_org_id, is_active=True)[:20]:
            notify(user, case, text)


def superior_of(user: User | None) -> User | None:
    """Whom to tell when a person's case is overdue: a leader of their agency (their department's head
    is not modelled, so the agency's leader)."""
    if user is None or user.organization_id is None:
        return None
    agency = user.agency
    return (
        User.objects.filter(role=Role.LEADER, is_active=True)
        .filter(Q(organization=agency) | Q(organization__parent=agency))
        .exclude(pk=user.pk)
        .order_by("pk")
        .first()
    )


# ---- escalation ---------------------------------------------------------------------------------


def escalation_steps(agency_id: int) -> list[tuple[int, int, str]]:
    steps = list(EscalationStep.objects.filter(agency_id=agency_id).values_list("order", "days_overdue", "action"))
    return steps or list(DEFAULT_ESCALATION)


def escalate(today: datetime.date | None = None, agency_ids: Iterable[int] | None = None) -> int:
    """Take every escalation step now due on overdue open cases. Idempotent: a step is taken once
    (the case remembers the last step taken), so running it twice changes nothing the second time."""
    today = today or timezone.localdate()
    overdue = Case.objects.filter(status__in=OPEN_STATUSES, deadline__lt=today)
    if agency_ids is not None:
        overdue = overdue.filter(agency_id__in=list(agency_ids))
    taken = 0
    steps_by_agency: dict[int, list] = {}
    for case_id, agency_id, step_taken in overdue.values_list("pk", "agency_id", "escalation_step").iterator():
        steps = steps_by_agency.get(agency_id)
        if steps is None:
            steps = steps_by_agency[agency_id] = escalation_steps(agency_id)
        if step_taken >= max((s[0] for s in steps), default=0):
            continue  # every step already taken: nothing to lock
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=case_id, status__in=OPEN_STATUSES).first()
            if case is None:
                continue
            days = (today - case.deadline).days
            due = [s for s in steps if s[0] > case.escalation_step and s[1] <= days]
            if not due:
                continue
            before = core_services.snapshot(case)
            for order, _days, action in due:
                text = apply_escalation(case, action)
                case.escalation_step = order
                record_event(case, EventAction.ESCALATED, None, before=case.status, text=text, data={"step": order})
                taken += 1
            case.version = F("version") + 1
            case.save()
            case.refresh_from_db()
            core_services.log_change(
                instance=case, action="update", actor=None, before=before, after=core_services.snapshot(case)
            )
    return taken


def apply_escalation(case: Case, action: str) -> str:
    if action == EscalationAction.RAISE_LEVEL:
        old = case.get_level_display()
        case.level = raised(case.level)
        return _("Overdue: level raised from %(old)s to %(new)s.") % {"old": old, "new": case.get_level_display()}
    if action == EscalationAction.SUPERVISE:
        if case.kind == Kind.ATTENTION or case.kind == Kind.WARNING:
            case.kind = Kind.SUPERVISION
            return _("Overdue: turned into a supervision order (督办).")
        return _("Overdue: already under supervision.")
    boss = superior_of(case.responsible_person) or superior_of(case.created_by)
    if boss is not None:
        notify(boss, case, _("Overdue case of your team: %(case)s") % {"case": case})
        return _("Overdue: %(person)s notified.") % {"person": boss}
    return _("Overdue: no superior to notify.")


# ---- the daily scan -----------------------------------------------------------------------------


def rule_setting(agency_id: int, rule: Rule) -> RuleSetting:
    found = RuleSetting.objects.filter(agency_id=agency_id, code=rule.code).first()
    return found or RuleSetting(agency_id=agency_id, code=rule.code, level=rule.level, params=rule.defaults())


@dataclass
class ScanReport:
    opened: int = 0
    raised: int = 0
    cleared: int = 0
    examined: int = 0


def scan(
    today: datetime.date | None = None,
    agency_ids: Iterable[int] | None = None,
    codes: Iterable[str] | None = None,
) -> ScanReport:
    """Run the rules for each agency: open a case per new match, raise a live case whose match
    worsened, clear a live case whose condition has gone. Each case is its own transaction and a
    database constraint allows one live case per rule and subject, so a scan interrupted halfway
    and run again converges on the same cases."""
    today = today or timezone.localdate()
    report = ScanReport()
    agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=list(agency_ids))
    rules = [RULES[c] for c in (codes or RULES)]
    for agency_id in agencies.values_list("pk", flat=True):
        for rule in rules:
            setting = rule_setting(agency_id, rule)
            if not setting.enabled:
                continue
            params = rule.clean_params(setting.params)
            scan_rule(rule, agency_id, params, setting.level, today, report)
            if setting.pk:
                RuleSetting.objects.filter(pk=setting.pk).update(last_scan=timezone.now())
    return report


def _subject_key(obj: Any) -> tuple[int, str]:
    return ContentType.objects.get_for_model(type(obj)).pk, str(obj.pk)


def scan_rule(
    rule: Rule, agency_id: int, params: dict[str, int], level: str, today: datetime.date, report: ScanReport
) -> None:
    live = {
        (c.subject_type_id, c.subject_id): c
        for c in Case.objects.filter(agency_id=agency_id, source=sources.RULE, rule_code=rule.code).exclude(
            status__in=FINISHED_STATUSES
        )
    }
    seen: set[tuple[int, str]] = set()
    new: list[tuple[Match, str]] = []
    for match in rule.find(agency_id, params, today):
        report.examined += 1
        key = _subject_key(match.subject)
        if key in seen:
            continue  # the rule named this subject twice
        seen.add(key)
        match_level = match.level or level
        case = live.get(key)
        if case is None:
            new.append((match, match_level))
        elif LEVEL_RANK[match_level] > LEVEL_RANK[case.level] or (
            match.kind == Kind.SUPERVISION and case.kind != Kind.SUPERVISION
        ):
            worsen(case, match, match_level, report)
    for start in range(0, len(new), SCAN_CHUNK):
        open_rule_cases(rule, agency_id, new[start : start + SCAN_CHUNK], today, report)
    for key, case in live.items():
        if key not in seen:
            clear(case, report, today)


SCAN_CHUNK = 500


def rule_case(rule: Rule, agency_id: int, match: Match, level: str, today: datetime.date) -> Case:
    case = Case(
        agency_id=agency_id,
        source=sources.RULE,
        kind=match.kind or rule.kind,
        level=level,
        title=match.title[:200],
        description=str(rule.description),
        rule_code=rule.code,
        trigger={**match.data, "severity": match.severity},
        opened_on=today,
        deadline=match.deadline or add_working_days(today, rule.deadline_working_days),
        department_id=match.department_id,
        responsible_person_id=match.responsible_person_id,
    )
    case.set_subject(match.subject)
    return case


def open_rule_cases(
    rule: Rule, agency_id: int, chunk: list[tuple[Match, str]], today: datetime.date, report: ScanReport
) -> None:
    """Open a chunk of a rule's new cases in one transaction: numbered, on their timelines, in the change
    log (chained in order) and notified, as `open_case` does one by one, with a few bulk inserts instead of
    some twenty queries per case (bench/alerts.py). The chunk reserves its numbers from the agency's counter
    at once; a number found taken (written by hand) makes it try once more past the largest, a case opened
    meanwhile (a parallel scan) makes it fall back to one by one; a chunk is all or nothing, so an
    interrupted scan run again converges."""
    people: dict[int | None, User] = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={m.responsible_person_id for m, _level in chunk if m.responsible_person_id}
        )
    }
    cases = []
    for match, level in chunk:
        case = rule_case(rule, agency_id, match, level, today)
        person = people.get(case.responsible_person_id)
        if person is not None:
            case.responsible_org_id = person.organization_id
            case.status = Status.ASSIGNED
        # No clean(): the rule took department and director from the subject's own project, and the
        # deadline is set; its two look-ups per case were most of the first scan's queries.
        cases.append(case)
    for attempt in range(2):
        try:
            open_chunk(cases, agency_id, today.year, past_existing=attempt > 0)
            break
        except IntegrityError:
            numbers = [case.number for case in cases]
            for case in cases:
                case.number = ""
            if attempt == 0 and Case.objects.filter(agency_id=agency_id, number__in=numbers).exists():
                continue  # a number written by hand or by a bulk load: once more, past the largest
            # A case opened meanwhile by another scan (the constraint keeps one): one by one.
            for match, level in chunk:
                open_rule_case(rule, agency_id, match, level, today, report)
            return
    report.opened += len(cases)
    notes = [
        Notification(user=person, case=case, text=(_("New case for you: %(case)s") % {"case": case})[:300])
        for case in cases
        if (person := people.get(case.responsible_person_id)) is not None and person.is_active
    ]
    Notification.objects.bulk_create(notes)
    for note in notes:
        if note.user.email:
            send_email(note.user, note.text)


def open_chunk(cases: list[Case], agency_id: int, year: int, *, past_existing: bool = False) -> None:
    """Number, insert and log a chunk of new cases in one transaction: all or nothing."""
    with transaction.atomic():
        first = reserve_numbers(agency_id, year, len(cases), past_existing=past_existing)
        for offset, case in enumerate(cases):
            case.number = case_number(year, first + offset)
        Case.objects.bulk_create(cases)
        events = []
        for case in cases:
            data = {"trigger": case.trigger} if case.trigger else {}
            events.append(CaseEvent(case=case, action=EventAction.OPENED, to_status=case.status, data=data))
            if case.status == Status.ASSIGNED:
                events.append(
                    CaseEvent(case=case, action=EventAction.ASSIGNED, from_status=Status.OPEN, to_status=case.status)
                )
        CaseEvent.objects.bulk_create(events)
        core_services.log_changes([(case, "create", None, core_services.snapshot(case)) for case in cases], actor=None)


def open_rule_case(
    rule: Rule, agency_id: int, match: Match, level: str, today: datetime.date, report: ScanReport
) -> None:
    case = rule_case(rule, agency_id, match, level, today)
    live = Case.objects.filter(
        agency_id=agency_id,
        source=sources.RULE,
        rule_code=rule.code,
        subject_type=case.subject_type,
        subject_id=case.subject_id,
    ).exclude(status__in=FINISHED_STATUSES)
    if live.exists():
        return  # opened meanwhile (another scan), or the rule named this subject twice
    try:
        with transaction.atomic():
            open_case(case, None)
    except (IntegrityError, ValidationError):
        if live.exists():
            return  # another scan opened it meanwhile: the constraint keeps one
        raise
    report.opened += 1


def worsen(case: Case, match: Match, level: str, report: ScanReport) -> None:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status in FINISHED_STATUSES:
            return
        before = core_services.snapshot(locked)
        old_level = locked.get_level_display()
        supervise = match.kind == Kind.SUPERVISION and locked.kind != Kind.SUPERVISION
        locked.level = max(level, locked.level, key=LEVEL_RANK.__getitem__)
        if supervise:
            locked.kind = Kind.SUPERVISION
        locked.trigger = {**match.data, "severity": match.severity}
        locked.title = match.title[:200]
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record_event(
            locked,
            EventAction.LEVEL_CHANGED,
            None,
            before=locked.status,
            text=(
                _("The condition worsened (level %(old)s → %(new)s).")
                % {"old": old_level, "new": locked.get_level_display()}
            )
            + (" " + _("Turned into a supervision order (督办).") if supervise else ""),
            data={"trigger": locked.trigger},
        )
        core_services.log_change(
            instance=locked, action="update", actor=None, before=before, after=core_services.snapshot(locked)
        )
    report.raised += 1


def clear(case: Case, report: ScanReport, today: datetime.date | None = None) -> None:
    if resolve(case, None, _("Condition cleared: the rule no longer matches (checked by the daily scan)."), today):
        report.cleared += 1


def resolve(case: Case, actor: User | None, resolution: str, today: datetime.date | None = None) -> bool:
    """Close a live case whose subject has been dealt with elsewhere (a rule no longer matching, a finding
    closed on re-inspection), whatever step it is at; False when it was already done."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status in FINISHED_STATUSES:
            return False
        before = core_services.snapshot(locked)
        previous = locked.status
        locked.status = Status.CLOSED
        locked.closed_on = today or timezone.localdate()
        locked.resolution = resolution
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record_event(locked, EventAction.CLEARED, actor, before=previous, text=locked.resolution)
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    return True


# ---- reading cases (the board's figures are in figures.py) -------------------------------------------


def level_rank() -> Case_:
    """Red 4 … blue 1, for ordering by how serious a case is (the level's letters sort otherwise)."""
    return Case_(*(When(level=level, then=Value(rank)) for level, rank in LEVEL_RANK.items()), default=Value(0))


def inbox(user: User) -> dict[str, QuerySet]:
    """ "My cases": assigned to me or my organization and still to do; and responses waiting for my verification."""
    visible = Case.objects.for_user(user).select_related("responsible_org", "responsible_person", "agency")
    mine = Q(responsible_person=user)
    if user.organization is not None:
        mine |= Q(responsible_org=user.organization_id)
        if user.organization.parent_id:
            mine |= Q(responsible_org=user.organization.parent_id)
    to_do = (
        visible.filter(mine, status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
        .annotate(rank=level_rank())
        .order_by("deadline", "-rank")
    )
    to_verify = Case.objects.none()
    if user.role != Role.COMPANY:
        to_verify = (
            visible.filter(status=Status.SUBMITTED)
            .filter(Q(created_by=user) | Q(department=user.organization_id) | Q(created_by__isnull=True))
            .order_by("responded_on")
        )
    return {"to_do": to_do, "to_verify": to_verify}


def unread_count(user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


__all__ = [
    "Level",
    "allowed_transitions",
    "escalate",
    "inbox",
    "open_case",
    "scan",
    "transition",
]
