"""Measured payment claims (计量支付) and the contract's running totals.

A claim is numbered within its contract (the next integer, under the contract's lock) and goes draft →
submitted (agency staff, or a user of the contracting company) → reviewed by the supervisor (监理: agency
staff, a project director, or the company supervising a section of the project) → reviewed by the cost
consultant (造价: agency staff) → approved, each amount no more than the one before (approved ≤ consultant ≤
supervisor ≤ claimed); or returned with a comment at any review step, to be corrected and submitted again.

What an approval writes, in one transaction with the contract locked:

- A progress or settlement claim (the work measured) adds its approved amount to the contract's approved
  claims (`claimed_amount`), which may not pass the contract price with its approved changes: a claim above
  the remaining amount is refused, naming it. The claim keeps the cumulative % approved to date.
- Retention (质保金) withheld: approved × the contract's retention % (to the fen) unless given; it adds to the
  contract's `retention_held`. A retention-release claim pays back held retention: it is at most what is held
  and takes it off `retention_held` (it is not work measured, so not in `claimed_amount`).
- The advance (预付款) is paid by advance claims, together at most the contract's advance % of its price. It
  is recovered pro rata from the work claims that follow: advance % × the approved amount, but never more
  than what is still outstanding (advance paid − recovered so far), until the whole advance is recovered. An
  advance claim is not work measured either.
- Payable = approved − retention withheld − advance recovered. What the contract owes to date (`payable_due`)
  is the sum of its approved claims' payable amounts; the investment app's payments are checked against it.

Voiding an approved claim undoes its totals (refused while payments name it, or when retention or the advance
it gave was already released or recovered).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Max, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.contracts.changes import (
    _lock_contract,
    check_contract_in_force,
    is_agency_user,
    is_party,
    set_contract_totals,
)
from gongwu.contracts.models import HUNDRED, Claim, ClaimKind, ClaimStatus, Contract
from gongwu.core import services as core_services
from gongwu.core.models import Action, Role, User
from gongwu.core.money import format_money
from gongwu.projects.models import Section

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
WORK_KINDS = (ClaimKind.PROGRESS, ClaimKind.SETTLEMENT)
EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.RETURNED)
SUPERVISOR_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.STAFF, Role.DIRECTOR})
COST_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.STAFF})
APPROVER_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.STAFF})

# The step a claim of each status waits for, and the status it moves to.
STEPS: dict[str, tuple[str, str]] = {
    ClaimStatus.SUBMITTED: ("supervise", ClaimStatus.SUPERVISOR_REVIEWED),
    ClaimStatus.SUPERVISOR_REVIEWED: ("cost", ClaimStatus.CONSULTANT_REVIEWED),
    ClaimStatus.CONSULTANT_REVIEWED: ("approve", ClaimStatus.APPROVED),
}


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# ---- what the contract owes ------------------------------------------------------------------------------

PAYABLE = ExpressionWrapper(
    F("approved_amount") - F("retention_withheld") - F("advance_recovered"),
    output_field=DecimalField(max_digits=16, decimal_places=2),
)


def counted_claims() -> QuerySet:
    """Approved claims that count (not voided)."""
    return Claim.objects.filter(status=ClaimStatus.APPROVED, voided_at__isnull=True)


def advance_paid(contract: Contract) -> Decimal:
    total = counted_claims().filter(contract=contract, kind=ClaimKind.ADVANCE).aggregate(t=Sum("approved_amount"))
    return total["t"] or ZERO


def payable_due(contract_id: int) -> Decimal:
    """What the contract owes to date: the payable amounts of its approved claims."""
    return counted_claims().filter(contract_id=contract_id).aggregate(t=Coalesce(Sum(PAYABLE), ZERO))["t"]


def payable_due_by_contract(contracts: QuerySet) -> dict[int, Decimal]:
    """`payable_due` of many contracts in one query."""
    rows = (
        counted_claims()
        .filter(contract__in=contracts)
        .values("contract")
        .annotate(t=Sum(PAYABLE))
        .values_list("contract", "t")
    )
    return {contract_id: total or ZERO for contract_id, total in rows}


def remaining_amount(contract: Contract) -> Decimal:
    """What may still be measured: the contract price with its approved changes, less its approved claims."""
    return contract.current_amount - (contract.claimed_amount or ZERO)


# ---- who may do what ---------------------------------------------------------------------------------------


def supervises(user: User, claim: Claim) -> bool:
    """A company user of the supervisor (监理) of a section of the claim's project."""
    return (
        user.role == Role.COMPANY
        and bool(user.organization_id)
        and Section.objects.filter(project_id=claim.contract.project_id, supervisor_id=user.organization_id).exists()
    )


def may_take(user: User, claim: Claim, step: str) -> bool:
    """Whether `user` may take `step` (submit, supervise, cost, approve, return) on `claim` now."""
    if not user.is_authenticated or claim.is_voided:
        return False
    if step == "submit":
        return claim.status in EDITABLE and (is_agency_user(user) or is_party(user, claim.contract))
    if step == "return":
        waiting = STEPS.get(claim.status)
        return waiting is not None and may_take(user, claim, waiting[0])
    waiting = STEPS.get(claim.status)
    if waiting is None or waiting[0] != step:
        return False
    if user.is_superuser:
        return True
    if step == "supervise":
        return user.role in SUPERVISOR_ROLES or supervises(user, claim)
    if step == "cost":
        return user.role in COST_ROLES
    return user.role in APPROVER_ROLES


def _refuse_step(claim: Claim, step: str) -> None:
    waiting = STEPS.get(claim.status)
    if waiting is None or waiting[0] != step:
        raise ValidationError(
            _("The claim is %(status)s; this step does not apply.") % {"status": claim.get_status_display()}
        )
    raise PermissionDenied(
        {
            "supervise": _("The supervisor (监理) or the agency reviews the claim now."),
            "cost": _("The agency's cost review (造价) comes now."),
            "approve": _("The agency approves the claim."),
        }[step]
    )


def check_claimant(actor: User, contract: Contract) -> None:
    if actor.role == Role.COMPANY:
        if not is_party(actor, contract):
            raise PermissionDenied(_("A company submits claims only on its own contracts."))
    elif not is_agency_user(actor):
        raise PermissionDenied(_("You may not submit payment claims."))


# ---- writing a claim -----------------------------------------------------------------------------------


def _lock(claim: Claim, actor: User) -> Claim:
    locked = (
        Claim.objects.for_user(actor, Action.VIEW)
        .select_for_update()
        .select_related("contract")
        .filter(pk=claim.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not change this claim."))
    if locked.is_voided:
        raise ValidationError(_("This claim is voided."))
    return locked


def save_claim(*, instance: Claim, actor: User, data: dict[str, Any] | None = None) -> Claim:
    """Create a claim (a draft, numbered within its contract) or correct one that is a draft or returned."""
    contract = instance.contract if instance.contract_id else None
    if contract is not None:
        check_claimant(actor, contract)
        check_contract_in_force(contract, _("claims are made"))
    if instance._state.adding:
        with transaction.atomic():
            if contract is not None:
                _lock_contract(contract.pk)
                last = Claim.objects.filter(contract=contract).aggregate(n=Max("number"))["n"]
                instance.number = (last or 0) + 1
            instance.status = ClaimStatus.DRAFT
            return core_services.create_object(instance=instance, actor=actor, data=data)
    with transaction.atomic():
        stored = _lock(instance, actor)
        if stored.status not in EDITABLE:
            raise ValidationError(
                _("The claim is %(status)s; only a draft or a returned claim is corrected.")
                % {"status": stored.get_status_display()}
            )
        if stored.contract_id != instance.contract_id:
            raise ValidationError({"contract": _("A claim stays on its contract.")})
        check_claimant(actor, stored.contract)
        for name in (
            "number",
            "status",
            "supervisor_amount",
            "consultant_amount",
            "approved_amount",
            "retention_withheld",
            "advance_recovered",
            "submitted_on",
            "approved_on",
        ):
            setattr(instance, name, getattr(stored, name))
        return core_services.update_object(instance=instance, actor=actor, data=data)


def delete_claim(*, instance: Claim, actor: User) -> None:
    if instance.status not in EDITABLE:
        raise ValidationError(_("Only a draft or a returned claim is deleted."))
    core_services.delete_object(instance=instance, actor=actor)


def _write(locked: Claim, actor: User, apply: Callable[[Claim], None], **noted: Any) -> Claim:
    before = core_services.snapshot(locked)
    apply(locked)
    locked.full_clean()
    locked.save()
    core_services.log_change(
        instance=locked,
        action="update",
        actor=actor,
        before=before,
        after={**core_services.snapshot(locked), **noted},
    )
    return locked


def _over_remaining(contract: Contract, amount: Decimal, field: str) -> ValidationError:
    return ValidationError(
        {
            field: _(
                "A claim above the contract's remaining amount: %(remaining)s remains of %(current)s (the contract "
                "price with its approved changes) after %(claimed)s approved; this claim asks %(amount)s."
            )
            % {
                "remaining": format_money(remaining_amount(contract)),
                "current": format_money(contract.current_amount),
                "claimed": format_money(contract.claimed_amount),
                "amount": format_money(amount),
            }
        }
    )


def check_within_contract(claim: Claim, contract: Contract, amount: Decimal, field: str) -> None:
    """The kind's limit: work against the remaining amount, an advance against the contract's advance, a
    retention release against the retention held."""
    if claim.kind in WORK_KINDS:
        if amount > remaining_amount(contract):
            raise _over_remaining(contract, amount, field)
    elif claim.kind == ClaimKind.ADVANCE:
        allowed = fen(contract.amount * contract.advance_percent / HUNDRED)
        left = allowed - advance_paid(contract)
        if amount > left:
            raise ValidationError(
                {
                    field: _(
                        "An advance above the contract's advance: %(allowed)s (%(percent)s%% of the price), "
                        "%(left)s of it not yet claimed."
                    )
                    % {
                        "allowed": format_money(allowed),
                        "percent": contract.advance_percent.normalize(),
                        "left": format_money(max(left, ZERO)),
                    }
                }
            )
    elif amount > contract.retention_held:
        raise ValidationError(
            {
                field: _("A retention release above the retention held: %(held)s is held.")
                % {"held": format_money(contract.retention_held)}
            }
        )


def submit_claim(claim: Claim, actor: User) -> Claim:
    """Send a draft (or returned) claim for review; one above what the contract allows is refused."""
    with transaction.atomic():
        locked = _lock(claim, actor)
        if locked.status not in EDITABLE:
            raise ValidationError(
                _("The claim is %(status)s; only a draft or a returned claim is submitted.")
                % {"status": locked.get_status_display()}
            )
        check_claimant(actor, locked.contract)
        check_contract_in_force(locked.contract, _("claims are made"))
        contract = _lock_contract(locked.contract_id)
        check_within_contract(locked, contract, locked.claimed_amount, "claimed_amount")

        def apply(row: Claim) -> None:
            row.status = ClaimStatus.SUBMITTED
            row.submitted_on = timezone.localdate()
            row.supervisor_amount = row.consultant_amount = row.approved_amount = None

        return _write(locked, actor, apply)


def _reviewed_amount(value: Any, ceiling: Decimal, field: str, ceiling_label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ValidationError({field: _("Write an amount in 元.")})
    amount = fen(amount)
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount > ceiling:
        raise ValidationError(
            {
                field: _("%(amount)s is more than %(what)s (%(ceiling)s).")
                % {"amount": format_money(amount), "what": ceiling_label, "ceiling": format_money(ceiling)}
            }
        )
    return amount


def review_claim(claim: Claim, actor: User, *, amount: Any) -> Claim:
    """The supervisor's review (from submitted) or the cost consultant's (from supervisor reviewed): the amount
    each finds, no more than the one before."""
    with transaction.atomic():
        locked = _lock(claim, actor)
        step = STEPS.get(locked.status, ("", ""))[0]
        if step not in ("supervise", "cost"):
            raise ValidationError(
                _("The claim is %(status)s; it is not waiting for a review.") % {"status": locked.get_status_display()}
            )
        if not may_take(actor, locked, step):
            _refuse_step(locked, step)
        if step == "supervise":
            value = _reviewed_amount(amount, locked.claimed_amount, "supervisor_amount", _("the amount claimed"))
        else:
            value = _reviewed_amount(
                amount, locked.supervisor_amount, "consultant_amount", _("the supervisor's amount")
            )

        def apply(row: Claim) -> None:
            if step == "supervise":
                row.supervisor_amount = value
                row.status = ClaimStatus.SUPERVISOR_REVIEWED
            else:
                row.consultant_amount = value
                row.status = ClaimStatus.CONSULTANT_REVIEWED

        return _write(locked, actor, apply)


def approve_claim(
    claim: Claim,
    actor: User,
    *,
    amount: Any,
    retention: Any = None,
    advance: Any = None,
) -> Claim:
    """Approve a claim the cost consultant reviewed: its retention and advance recovery (worked out unless
    given) and the contract's totals, in one transaction (see the module's docstring)."""
    with transaction.atomic():
        locked = _lock(claim, actor)
        if not may_take(actor, locked, "approve"):
            _refuse_step(locked, "approve")
        approved = _reviewed_amount(amount, locked.consultant_amount, "approved_amount", _("the cost review's amount"))
        contract = _lock_contract(locked.contract_id)
        check_within_contract(locked, contract, approved, "approved_amount")
        withheld, recovered = deductions(locked, contract, approved, retention, advance)
        totals: dict[str, Decimal] = {}
        if locked.kind in WORK_KINDS:
            totals = {
                "claimed_amount": contract.claimed_amount + approved,
                "retention_held": contract.retention_held + withheld,
                "advance_recovered": contract.advance_recovered + recovered,
            }
        elif locked.kind == ClaimKind.RETENTION:
            totals = {"retention_held": contract.retention_held - approved}
        claimed_after = totals.get("claimed_amount", contract.claimed_amount)
        base = contract.current_amount

        def apply(row: Claim) -> None:
            row.approved_amount = approved
            row.retention_withheld = withheld
            row.advance_recovered = recovered
            row.status = ClaimStatus.APPROVED
            row.approved_on = timezone.localdate()
            row.cumulative_percent = fen(claimed_after * HUNDRED / base) if base else None

        saved = _write(locked, actor, apply)
        if totals:
            set_contract_totals(contract, actor, **totals)
    return saved


def _given(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = fen(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: _("Write an amount in 元.")}) from None
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    return amount


def deductions(
    claim: Claim, contract: Contract, approved: Decimal, retention: Any, advance: Any
) -> tuple[Decimal, Decimal]:
    """Retention withheld and advance recovered from a work claim of `approved`; none from other kinds."""
    given_retention = _given(retention, "retention_withheld")
    given_advance = _given(advance, "advance_recovered")
    if claim.kind not in WORK_KINDS:
        if given_retention or given_advance:
            raise ValidationError(
                {
                    "retention_withheld": _(
                        "Retention and advance recovery are taken from progress and settlement claims."
                    )
                }
            )
        return ZERO, ZERO
    withheld = given_retention if given_retention is not None else fen(approved * contract.retention_percent / HUNDRED)
    outstanding = max(advance_paid(contract) - contract.advance_recovered, ZERO)
    pro_rata = fen(approved * contract.advance_percent / HUNDRED)
    recovered = given_advance if given_advance is not None else min(pro_rata, outstanding)
    if recovered > outstanding:
        raise ValidationError(
            {
                "advance_recovered": _("Only %(outstanding)s of the advance is still to recover.")
                % {"outstanding": format_money(outstanding)}
            }
        )
    if withheld + recovered > approved:
        raise ValidationError(
            {"retention_withheld": _("Retention and advance recovery together are more than the amount approved.")}
        )
    return withheld, recovered


def return_claim(claim: Claim, actor: User, *, comment: str) -> Claim:
    """Send a claim under review back to the claimant with a comment (kept in its history)."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the claim is returned.")})
    with transaction.atomic():
        locked = _lock(claim, actor)
        waiting = STEPS.get(locked.status)
        if waiting is None:
            raise ValidationError(
                _("The claim is %(status)s; only a claim under review is returned.")
                % {"status": locked.get_status_display()}
            )
        if not may_take(actor, locked, waiting[0]):
            _refuse_step(locked, waiting[0])

        def apply(row: Claim) -> None:
            row.status = ClaimStatus.RETURNED

        return _write(locked, actor, apply, return_comment=comment[:2000])


def return_comment(claim: Claim) -> str:
    """The comment of the claim's last return, from its change log."""
    from django.contrib.contenttypes.models import ContentType

    from gongwu.core.models import ChangeLogEntry

    entries = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Claim), object_id=str(claim.pk), after__has_key="return_comment"
    ).order_by("-id")
    entry = entries.first()
    return (entry.after or {}).get("return_comment", "") if entry else ""


def void_claim(*, instance: Claim, actor: User, reason: str) -> Claim:
    """Void a claim with a reason; an approved one leaves the contract's totals."""
    with transaction.atomic():
        contract = _lock_contract(instance.contract_id)
        stored = Claim.objects.select_for_update().filter(pk=instance.pk).first()
        counted = stored is not None and stored.status == ClaimStatus.APPROVED and not stored.is_voided
        totals: dict[str, Decimal] = {}
        if counted:
            if stored.payments.exists():
                raise ValidationError(_("Payments name this claim; move or remove them before voiding it."))
            if stored.kind in WORK_KINDS:
                totals = {
                    "claimed_amount": contract.claimed_amount - stored.approved_amount,
                    "retention_held": contract.retention_held - stored.retention_withheld,
                    "advance_recovered": contract.advance_recovered - stored.advance_recovered,
                }
                if totals["retention_held"] < 0:
                    raise ValidationError(_("The retention this claim withheld was already released."))
            elif stored.kind == ClaimKind.RETENTION:
                totals = {"retention_held": contract.retention_held + stored.approved_amount}
            elif advance_paid(contract) - stored.approved_amount < contract.advance_recovered:
                raise ValidationError(_("This advance is already partly recovered from later claims."))
            due_after = payable_due(contract.pk) - (stored.payable or ZERO)
            if contract.paid_amount > due_after:
                raise ValidationError(
                    _("The contract's payments (%(paid)s) would be more than it owes without this claim (%(due)s).")
                    % {"paid": format_money(contract.paid_amount), "due": format_money(due_after)}
                )
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        if totals:
            set_contract_totals(contract, actor, **totals)
    return voided
