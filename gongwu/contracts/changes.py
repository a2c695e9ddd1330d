"""Changes (变更/签证) and their approval bands, and spot checks of approved changes (变更抽查).

The level a change needs: the lowest of the agency's bands (`bands_of`) whose single-change limit covers the
change's amount (its absolute value) and whose cumulative limit is above the contract's cumulative change
with it: (approved changes + this change) / contract price, in %, its absolute value. With the default bands
a change bringing a contract to exactly 10 % needs the leadership meeting (署务会), the technical committee and
flags an audit (STANDARDS.md §6: the ≥ 10 % rule).

Workflow: draft → submitted (agency staff, or a user of the contracting company on its own contract) → one
approval per level, in order, each by a role `LEVEL_ROLES` allows and never by the submitter or by someone who
approved a lower level of it → approved (the contract's `changes_amount` follows) — or rejected, or returned
for revision (its approvals start again when it is resubmitted). The required level is worked out again at
every decision, on the locked contract, so a change approved elsewhere in the meantime can raise it. When the
required band needs the technical committee, its decision (议题 and date) is recorded before the last approval.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.contracts.models import (
    DEFAULT_CHANGE_BANDS,
    HUNDRED,
    IN_FORCE,
    LEVEL_ROLES,
    ApprovalLevel,
    Change,
    ChangeApproval,
    ChangeBand,
    ChangeStatus,
    Contract,
    SpotCheck,
    SpotCheckItem,
)
from gongwu.core import services as core_services
from gongwu.core.models import Action, Organization, Role, User, user_may

PERCENT_PLACES = Decimal("0.01")
AGENCY_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.STAFF, Role.DIRECTOR})
EDITABLE = (ChangeStatus.DRAFT, ChangeStatus.RETURNED)


# ---- bands ----------------------------------------------------------------------------------------------


def bands_of(agency: Organization | int) -> list[ChangeBand]:
    """The agency's approval bands, lowest level first; the defaults (`DEFAULT_CHANGE_BANDS`) are created, and
    logged as the system's, the first time an agency has none."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    bands = list(ChangeBand.objects.filter(agency_id=agency_id).order_by("level"))
    if bands:
        return bands
    try:
        with transaction.atomic():
            created = [
                ChangeBand.objects.create(
                    agency_id=agency_id,
                    level=level,
                    max_amount=max_amount,
                    max_cumulative_percent=max_percent,
                    needs_committee=committee,
                    flags_audit=audit,
                )
                for level, max_amount, max_percent, committee, audit in DEFAULT_CHANGE_BANDS
            ]
            core_services.log_changes([(band, "create", None, core_services.snapshot(band)) for band in created], None)
    except IntegrityError:  # another request created them at the same moment
        pass
    return list(ChangeBand.objects.filter(agency_id=agency_id).order_by("level"))


def cumulative_percent(contract: Contract, amount: Decimal) -> Decimal | None:
    """The contract's cumulative change with `amount` added to its approved changes, % of its price."""
    if not contract.amount:
        return None
    total = (contract.changes_amount or Decimal(0)) + (amount or Decimal(0))
    return (total * HUNDRED / contract.amount).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def band_for(bands: list[ChangeBand], amount: Decimal, percent: Decimal | None) -> ChangeBand:
    """The lowest band covering a change of `amount` at cumulative `percent`; the highest band when none does
    (a band without limits is the last resort)."""
    size = abs(amount or Decimal(0))
    reach = abs(percent) if percent is not None else None
    for band in bands:
        if band.max_amount is not None and size > band.max_amount:
            continue
        if band.max_cumulative_percent is not None and (reach is None or reach >= band.max_cumulative_percent):
            continue
        return band
    return bands[-1]


@dataclass(frozen=True)
class Requirement:
    band: ChangeBand
    percent: Decimal | None

    @property
    def level(self) -> int:
        return self.band.level


def requirement(change: Change, contract: Contract | None = None) -> Requirement:
    """What `change` needs now, against its contract's approved changes (pass the locked contract)."""
    contract = contract or change.contract
    percent = cumulative_percent(contract, change.amount)
    return Requirement(band_for(bands_of(contract.agency_id), change.amount, percent), percent)


def level_label(level: int | None) -> str:
    return str(ApprovalLevel(level).label) if level else "—"


def highest_level_of(user: User) -> int | None:
    """The highest approval level a user's role may give."""
    if user.is_superuser:
        return max(ApprovalLevel.values)
    levels = [level for level, roles in LEVEL_ROLES.items() if user.role in roles]
    return max(levels) if levels else None


# ---- who may do what ------------------------------------------------------------------------------------


def is_party(user: User, contract: Contract) -> bool:
    """A company user of the contracting company (乙方, 丙方 or a consortium member)."""
    if user.role != Role.COMPANY or not user.organization_id:
        return False
    return Contract.objects.filter(Contract.party_q(user.organization_id), pk=contract.pk).exists()


def is_agency_user(user: User) -> bool:
    return user.is_superuser or user.role in AGENCY_ROLES


def check_requester(actor: User, contract: Contract) -> None:
    """Agency staff request changes on the contracts they may see; a company only on its own contracts."""
    if actor.role == Role.COMPANY:
        if not is_party(actor, contract):
            raise PermissionDenied(_("A company requests changes only on its own contracts."))
    elif not is_agency_user(actor):
        raise PermissionDenied(_("You may not request changes."))


def check_contract_in_force(contract: Contract, what: str) -> None:
    if contract.is_voided or contract.status not in IN_FORCE:
        raise ValidationError(
            {
                "contract": _("The contract is %(status)s: %(what)s only on a signed contract in force.")
                % {"status": contract.get_status_display(), "what": what}
            }
        )


# ---- writing a change -----------------------------------------------------------------------------------


def _lock_change(change: Change, actor: User, action: str = Action.CHANGE) -> Change:
    locked = (
        Change.objects.for_user(actor, action).select_for_update().select_related("contract").filter(pk=change.pk)
    ).first()
    if locked is None:
        raise PermissionDenied(_("You may not change this change."))
    if locked.is_voided:
        raise ValidationError(_("This change is voided."))
    return locked


def save_change(*, instance: Change, actor: User, data: dict[str, Any] | None = None) -> Change:
    """Create a change request (a draft) or edit one that is a draft or returned."""
    contract = instance.contract if instance.contract_id else None
    if contract is not None:
        check_requester(actor, contract)
        check_contract_in_force(contract, _("changes are requested"))
    if instance._state.adding:
        instance.status = ChangeStatus.DRAFT
        with transaction.atomic():
            if contract is not None and not instance.number:
                instance.number = next_change_number(_lock_contract(contract.pk))
            return core_services.create_object(instance=instance, actor=actor, data=data)
    with transaction.atomic():
        stored = _lock_change(instance, actor)
        if stored.status not in EDITABLE:
            raise ValidationError(
                _("The change is %(status)s; only a draft or a returned change is edited.")
                % {"status": stored.get_status_display()}
            )
        if stored.contract_id != instance.contract_id:
            check_requester(actor, stored.contract)
        for name in ("status", "level_required", "level_approved", "approved_on", "submitted_by"):
            setattr(instance, name, getattr(stored, name))
        return core_services.update_object(instance=instance, actor=actor, data=data)


def delete_change(*, instance: Change, actor: User) -> None:
    core_services.delete_object(instance=instance, actor=actor)


def _write(locked: Change, actor: User, apply: Callable[[Change], None]) -> Change:
    before = core_services.snapshot(locked)
    apply(locked)
    locked.full_clean()
    locked.save()
    core_services.log_change(
        instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
    )
    return locked


def _lock_contract(contract_id: int) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract_id)


def set_contract_totals(contract: Contract, actor: User, **totals: Decimal) -> None:
    """Write a contract's running totals (changes, claims, retention, advance recovered, paid) and log the change."""
    before = core_services.snapshot(contract)
    Contract.objects.filter(pk=contract.pk).update(**totals)
    for name, value in totals.items():
        setattr(contract, name, value)
    core_services.log_change(
        instance=contract, action="update", actor=actor, before=before, after=core_services.snapshot(contract)
    )


def submit_change(change: Change, actor: User) -> Change:
    """Send a draft (or returned) change for approval; the level it needs is worked out now."""
    with transaction.atomic():
        locked = _lock_change(change, actor)
        check_requester(actor, locked.contract)
        if locked.status not in EDITABLE:
            raise ValidationError(
                _("The change is %(status)s; only a draft or a returned change is submitted.")
                % {"status": locked.get_status_display()}
            )
        check_contract_in_force(locked.contract, _("changes are requested"))
        contract = _lock_contract(locked.contract_id)
        needed = requirement(locked, contract)

        def apply(row: Change) -> None:
            row.status = ChangeStatus.SUBMITTED
            row.submitted_on = timezone.localdate()
            row.submitted_by = actor
            row.level_required = needed.level
            row.level_approved = None
            row.needs_committee = needed.band.needs_committee
            row.flags_audit = needed.band.flags_audit
            row.cumulative_percent = needed.percent
            if not row.number:
                row.number = next_change_number(contract)

        return _write(locked, actor, apply)


def next_change_number(contract: Contract) -> str:
    """BG-001, BG-002 … within the contract (the contract row is locked by the caller)."""
    count = Change.objects.filter(contract=contract).exclude(number="").count()
    while True:
        count += 1
        number = f"BG-{count:03d}"
        if not Change.objects.filter(contract=contract, number=number).exists():
            return number


def may_decide(actor: User, change: Change) -> bool:
    """Whether `actor` may give the next approval of a submitted change (the page's buttons)."""
    if change.status != ChangeStatus.SUBMITTED or not is_agency_user(actor):
        return False
    next_level = (change.level_approved or 0) + 1
    return actor.is_superuser or actor.role in LEVEL_ROLES.get(next_level, frozenset())


def _check_decider(locked: Change, actor: User, level: int) -> None:
    if not user_may(actor, Change, Action.CHANGE) or not is_agency_user(actor):
        raise PermissionDenied(_("The agency decides on changes."))
    if not actor.is_superuser and actor.role not in LEVEL_ROLES[level]:
        raise PermissionDenied(
            _(
                "This change needs the approval of the %(level)s next; your role (%(role)s) approves up to "
                "%(yours)s. Nothing was changed."
            )
            % {
                "level": level_label(level),
                "role": Role(actor.role).label,
                "yours": level_label(highest_level_of(actor)),
            }
        )
    if locked.submitted_by_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("A change is decided by others than the person who submitted it."))
    decided = locked.approvals.filter(decided_by=actor, approved=True, decided_at__gte=_round_start(locked))
    if decided.exists() and not actor.is_superuser:
        raise PermissionDenied(_("You approved a lower level of this change; another person approves the next one."))


def _round_start(change: Change) -> datetime.datetime:
    """When the current round of approvals began (the last submission)."""
    last = change.approvals.filter(approved=False).order_by("-decided_at").values_list("decided_at", flat=True)
    start = last.first()
    return start or datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _record(locked: Change, actor: User, level: int, approved: bool, comment: str) -> ChangeApproval:
    approval = ChangeApproval.objects.create(
        change=locked,
        level=level,
        approved=approved,
        decided_by=actor,
        decided_at=timezone.now(),
        comment=comment[:2000],
    )
    core_services.log_created(approval, actor)
    return approval


def approve_change(change: Change, actor: User, *, level: int | None = None, comment: str = "") -> Change:
    """Give the next level's approval. At the required level the change is approved and the contract's
    approved changes follow; a level above the approver's role, a level out of turn, or the last approval
    of a change needing the technical committee before its decision is recorded, are refused unchanged."""
    with transaction.atomic():
        locked = _lock_change(change, actor)
        if locked.status != ChangeStatus.SUBMITTED:
            raise ValidationError(
                _("The change is %(status)s; only a submitted change is approved.")
                % {"status": locked.get_status_display()}
            )
        next_level = (locked.level_approved or 0) + 1
        if level is not None and level != next_level:
            raise ValidationError({"level": _("The %(level)s approves next.") % {"level": level_label(next_level)}})
        _check_decider(locked, actor, next_level)
        contract = _lock_contract(locked.contract_id)
        needed = requirement(locked, contract)
        final = next_level >= needed.level
        if final and needed.band.needs_committee and not locked.committee_decided_on:
            raise ValidationError(
                _(
                    "This change needs the technical committee's review (技术委员会) before its %(level)s approval: "
                    "record the committee's topic and decision date first."
                )
                % {"level": level_label(needed.level)}
            )
        _record(locked, actor, next_level, True, comment)

        def apply(row: Change) -> None:
            row.level_approved = next_level
            row.level_required = needed.level
            row.needs_committee = needed.band.needs_committee
            row.flags_audit = needed.band.flags_audit
            row.cumulative_percent = needed.percent
            if final:
                row.status = ChangeStatus.APPROVED
                row.approved_on = timezone.localdate()

        saved = _write(locked, actor, apply)
        if final:
            set_contract_totals(contract, actor, changes_amount=contract.changes_amount + locked.amount)
    return saved


def reject_change(change: Change, actor: User, *, comment: str) -> Change:
    """Refuse a submitted change at the next level (with the reason): it ends rejected."""
    return _refuse(change, actor, comment, ChangeStatus.REJECTED)


def return_change(change: Change, actor: User, *, comment: str) -> Change:
    """Send a submitted change back for revision (with the reason); its approvals start again on resubmission."""
    return _refuse(change, actor, comment, ChangeStatus.RETURNED)


def _refuse(change: Change, actor: User, comment: str, status: str) -> Change:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why.")})
    with transaction.atomic():
        locked = _lock_change(change, actor)
        if locked.status != ChangeStatus.SUBMITTED:
            raise ValidationError(
                _("The change is %(status)s; only a submitted change is decided.")
                % {"status": locked.get_status_display()}
            )
        next_level = (locked.level_approved or 0) + 1
        _check_decider(locked, actor, next_level)
        _record(locked, actor, next_level, False, comment)

        def apply(row: Change) -> None:
            row.status = status
            row.level_approved = None

        return _write(locked, actor, apply)


def record_committee(change: Change, actor: User, *, topic: str, decided_on: datetime.date) -> Change:
    """Record the technical committee's review (议题 and the date of its decision) of a submitted change."""
    topic = (topic or "").strip()
    errors = {}
    if not topic:
        errors["committee_topic"] = _("Give the committee's topic (议题).")
    if decided_on is None:
        errors["committee_decided_on"] = _("Give the date of the committee's decision.")
    elif decided_on > timezone.localdate():
        errors["committee_decided_on"] = _("The committee's decision cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    if not is_agency_user(actor):
        raise PermissionDenied(_("The agency records the technical committee's review."))
    with transaction.atomic():
        locked = _lock_change(change, actor)
        if locked.status != ChangeStatus.SUBMITTED:
            raise ValidationError(
                _("The change is %(status)s; the committee reviews a submitted change.")
                % {"status": locked.get_status_display()}
            )

        def apply(row: Change) -> None:
            row.committee_topic = topic[:120]
            row.committee_decided_on = decided_on

        return _write(locked, actor, apply)


def void_change(*, instance: Change, actor: User, reason: str) -> Change:
    """Void a change with a reason; an approved one leaves the contract's approved changes — refused when the
    contract's approved claims would then exceed its price with the remaining changes."""
    with transaction.atomic():
        stored = Change.objects.select_for_update().filter(pk=instance.pk).first()
        contract = _lock_contract(instance.contract_id)
        counted = stored is not None and stored.status == ChangeStatus.APPROVED and not stored.is_voided
        if counted:
            remaining = contract.changes_amount - stored.amount
            if contract.claimed_amount > contract.amount + remaining:
                raise ValidationError(
                    _(
                        "The contract's approved claims (%(claimed)s) would exceed its price with the other "
                        "approved changes (%(current)s); void or reduce the claims first."
                    )
                    % {"claimed": money(contract.claimed_amount), "current": money(contract.amount + remaining)}
                )
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        if counted:
            set_contract_totals(contract, actor, changes_amount=contract.changes_amount - stored.amount)
    return voided


def money(value: Decimal | None) -> str:
    from gongwu.core.money import format_money

    return format_money(value)


# ---- spot checks ----------------------------------------------------------------------------------------


def spot_check_population(spot_check: SpotCheck) -> QuerySet:
    """The changes a spot check draws from: the agency's changes approved in its period, by id. After the draw,
    as they stood then (approved by the day of the draw, and not voided before it)."""
    changes = Change.objects.filter(
        contract__agency_id=spot_check.agency_id,
        status=ChangeStatus.APPROVED,
        approved_on__gte=spot_check.period_from,
        approved_on__lte=spot_check.period_to,
    )
    if spot_check.drawn_at is not None:
        drawn = spot_check.drawn_at
        changes = changes.filter(approved_on__lte=timezone.localdate(drawn)).filter(
            Q(voided_at__isnull=True) | Q(voided_at__gt=drawn)
        )
    else:
        changes = changes.filter(voided_at__isnull=True)
    return changes.order_by("id")


def draw_ids(population: list[int], size: int, seed: str) -> list[int]:
    """The reproducible draw: `size` ids of `population` (sorted) with a generator seeded by `seed`, in the
    order drawn. Anyone re-running it with the same seed and population gets the same list."""
    ordered = sorted(population)
    generator = random.Random(seed)  # noqa: S311 — a reproducible draw anyone can re-run, not a secret
    return generator.sample(ordered, min(size, len(ordered)))


def save_spot_check(*, instance: SpotCheck, actor: User, data: dict[str, Any] | None = None) -> SpotCheck:
    if instance._state.adding:
        return core_services.create_object(instance=instance, actor=actor, data=data)
    with transaction.atomic():
        stored = SpotCheck.objects.select_for_update().filter(pk=instance.pk).first()
        if stored is not None and stored.drawn_at is not None:
            for name in ("agency_id", "period_from", "period_to", "size"):
                if getattr(stored, name) != getattr(instance, name):
                    raise ValidationError(
                        _("The draw is made: its agency, period and size no longer change (the conclusion does).")
                    )
        return core_services.update_object(instance=instance, actor=actor, data=data)


def delete_spot_check(*, instance: SpotCheck, actor: User) -> None:
    if instance.drawn_at is not None:
        raise ValidationError(_("A spot check whose draw is made is kept."))
    core_services.delete_object(instance=instance, actor=actor)


def draw(spot_check: SpotCheck, actor: User, *, seed: str | None = None) -> SpotCheck:
    """Draw the changes to check: a random seed (kept and shown) and the reproducible draw from it."""
    if not is_agency_user(actor):
        raise PermissionDenied(_("The agency draws its spot checks."))
    with transaction.atomic():
        locked = SpotCheck.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=spot_check.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this spot check."))
        if locked.drawn_at is not None:
            raise ValidationError(_("The draw is already made (seed %(seed)s).") % {"seed": locked.seed})
        population = list(spot_check_population(locked).values_list("pk", flat=True))
        if not population:
            raise ValidationError(_("No change was approved in the period: there is nothing to draw."))
        before = core_services.snapshot(locked)
        locked.seed = seed or secrets.token_hex(8)
        locked.drawn_at = timezone.now()
        locked.drawn_by = actor
        locked.population = len(population)
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
        for change_id in draw_ids(population, locked.size, locked.seed):
            item = SpotCheckItem.objects.create(spot_check=locked, change_id=change_id)
            core_services.log_created(item, actor)
    return locked


@dataclass(frozen=True)
class DrawCheck:
    seed: str
    population: int
    drawn: list[int]
    recorded: list[int]

    @property
    def matches(self) -> bool:
        return sorted(self.drawn) == sorted(self.recorded)


def verify_draw(spot_check: SpotCheck) -> DrawCheck | None:
    """The draw re-run from the stored seed over the population as it stood at the draw, next to the changes
    recorded; None before the draw."""
    if spot_check.drawn_at is None:
        return None
    population = list(spot_check_population(spot_check).values_list("pk", flat=True))
    drawn = draw_ids(population, spot_check.size, spot_check.seed)
    recorded = list(spot_check.items.order_by("id").values_list("change_id", flat=True))
    return DrawCheck(spot_check.seed, len(population), drawn, recorded)


def record_finding(item: SpotCheckItem, actor: User, *, finding: str, compliant: bool | None) -> SpotCheckItem:
    if not is_agency_user(actor):
        raise PermissionDenied(_("The agency records the findings of its spot checks."))
    with transaction.atomic():
        locked = SpotCheckItem.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=item.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this spot check."))
        before = core_services.snapshot(locked)
        locked.finding = (finding or "").strip()
        locked.compliant = compliant
        locked.full_clean()
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    return locked
