"""Investment dispatch in the domain's words, the actions: schedules, plans, monthly actuals and their review
(submit, confirm, return, void), adjustments and payments. Each writes in one transaction, logs what it wrote
and refreshes the dashboard's rollup of the plans it changed (`rollup.touch`). The figures are in figures.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.contracts import claims as contract_claims
from gongwu.contracts.models import Claim, ClaimStatus, Contract
from gongwu.core import services as core_services
from gongwu.core.models import Action, Role, user_may
from gongwu.core.money import format_money
from gongwu.investment import rollup
from gongwu.investment.models import (
    MONTHS,
    ActualStatus,
    AdjustmentStatus,
    AnnualPlan,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleMonth,
    ScheduleTemplate,
    validate_shares,
)

# ---- schedules ----------------------------------------------------------------------------------


def set_schedule(plan: AnnualPlan, shares: list[Any], actor: Any = None) -> list[Decimal]:
    """Replace a plan's monthly schedule with 12 cumulative shares (validated by `validate_shares`); each month
    written is logged. Called inside the transaction that saves the plan (its service), which logs the plan."""
    values = validate_shares(shares)
    existing = {row.month: row for row in ScheduleMonth.objects.filter(plan=plan)}
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    for month, share in zip(MONTHS, values, strict=True):
        row = existing.get(month)
        if row is None:
            row = ScheduleMonth.objects.create(plan=plan, month=month, share=share)
            changes.append((row, "create", None, core_services.snapshot(row)))
        elif row.share != share:
            before = core_services.snapshot(row)
            row.share = share
            row.save(update_fields=["share"])
            changes.append((row, "update", before, core_services.snapshot(row)))
    if changes:
        core_services.log_changes(changes, actor)
        rollup.touch([plan.pk])
    return values


def save_annual_plan(*, instance: AnnualPlan, actor: Any, data: dict[str, Any] | None = None) -> AnnualPlan:
    """Create or update an annual plan with the monthly schedule its form worked out (`data["schedule"]`);
    its rollup follows (a plan moved to another year or project is recomputed there)."""
    schedule = (data or {}).get("schedule")

    def with_schedule(plan: AnnualPlan) -> None:
        if schedule is not None:
            set_schedule(plan, schedule, actor)
        rollup.touch([plan.pk])

    save = core_services.create_object if instance._state.adding else core_services.update_object
    with transaction.atomic(), rollup.deferred():
        return save(instance=instance, actor=actor, data=data, after_save=with_schedule)


def delete_annual_plan(*, instance: AnnualPlan, actor: Any) -> None:
    """Delete a plan (one with reported actuals is protected); its rollup rows leave the agency's totals."""
    with transaction.atomic():
        rollup.forget([instance.pk])
        core_services.delete_object(instance=instance, actor=actor)


# ---- monthly actuals and payments: the generic pages' writes with their rollup ------------------


def save_monthly_actual(*, instance: MonthlyActual, actor: Any, data: dict[str, Any] | None = None) -> MonthlyActual:
    """Report a month's investment, or change a report not yet confirmed; the plan's figures follow (both
    plans when the report moved to another project or year)."""
    before = MonthlyActual.objects.filter(pk=instance.pk).values_list("plan_id", flat=True).first()
    save = core_services.create_object if instance._state.adding else core_services.update_object
    with transaction.atomic():
        saved = save(instance=instance, actor=actor, data=data)
        rollup.touch([saved.plan_id, before])
    return saved


def delete_monthly_actual(*, instance: MonthlyActual, actor: Any) -> None:
    """Delete a report that is not confirmed (a confirmed one is voided)."""
    with transaction.atomic():
        core_services.delete_object(instance=instance, actor=actor)
        rollup.touch([instance.plan_id])


def void_monthly_actual(*, instance: MonthlyActual, actor: Any, reason: str) -> MonthlyActual:
    """Void a confirmed figure with a reason: it leaves every total, and the month may be reported again."""
    with transaction.atomic():
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        rollup.touch([voided.plan_id])
    return voided


def plans_paid_by(payment: Payment | None) -> list[int]:
    """The plans whose payment figures a payment counts in: its project's plan of the year it was paid."""
    if payment is None or payment.paid_on is None:
        return []
    return rollup.plans_of_project_year(payment.project_id, payment.paid_on.year)


def save_payment(*, instance: Payment, actor: Any, data: dict[str, Any] | None = None) -> Payment:
    """Record or change a payment; the figures of its plan follow (and of the plan it was counted in before,
    when it moved to another project or year), and the paid totals of the contracts it names or named."""
    stored = Payment.objects.filter(pk=instance.pk).first() if instance.pk else None
    save = core_services.create_object if instance._state.adding else core_services.update_object
    if instance.claim_id and not instance.contract_id:
        instance.contract_id = Claim.objects.get(pk=instance.claim_id).contract_id
    with transaction.atomic():
        contract_ids = [c for c in (stored.contract_id if stored else None, instance.contract_id) if c]
        lock_contracts(contract_ids)
        check_contract_link(instance)
        saved = save(instance=instance, actor=actor, data=data)
        refresh_paid([*contract_ids, saved.contract_id], actor)
        rollup.touch([*plans_paid_by(stored), *plans_paid_by(saved)])
    return saved


def delete_payment(*, instance: Payment, actor: Any) -> None:
    with transaction.atomic():
        stored = Payment.objects.filter(pk=instance.pk).first()
        plans = plans_paid_by(stored)
        lock_contracts([stored.contract_id] if stored and stored.contract_id else [])
        core_services.delete_object(instance=instance, actor=actor)
        refresh_paid([stored.contract_id] if stored else [], actor)
        rollup.touch(plans)


# ---- payments against contracts and approved claims ----------------------------------------------


def lock_contracts(contract_ids: Iterable[int | None]) -> None:
    """Lock the contracts a payment write changes the paid total of, in id order (no deadlock between two)."""
    ids = sorted({c for c in contract_ids if c})
    if ids:
        list(Contract.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def paid_against(
    *, contract_id: int | None = None, claim_id: int | None = None, excluding: int | None = None
) -> Decimal:
    payments = Payment.objects.all()
    if contract_id is not None:
        payments = payments.filter(contract_id=contract_id)
    if claim_id is not None:
        payments = payments.filter(claim_id=claim_id)
    if excluding is not None:
        payments = payments.exclude(pk=excluding)
    return payments.aggregate(t=Sum("amount"))["t"] or Decimal(0)


def check_contract_link(payment: Payment) -> None:
    """A payment naming a contract is of the contract's project; a claim it names is an approved claim of that
    contract (the contract follows the claim when only the claim is named). Paid against a claim stays within
    its payable amount, and against a contract within what its approved claims make payable, unless the
    override (“above the approved investment”) is ticked."""
    if payment.claim_id and not payment.contract_id:
        payment.contract_id = Claim.objects.get(pk=payment.claim_id).contract_id
    if not payment.contract_id:
        return
    contract = Contract.objects.get(pk=payment.contract_id)
    errors: dict[str, Any] = {}
    if contract.is_voided:
        errors["contract"] = _("The contract is voided.")
    elif payment.project_id and contract.project_id != payment.project_id:
        errors["contract"] = _("The contract %(contract)s is of another project (%(project)s).") % {
            "contract": contract,
            "project": contract.project,
        }
    # the claim as stored, locked: another payment of it waits for this one
    claim = Claim.objects.select_for_update().filter(pk=payment.claim_id).first() if payment.claim_id else None
    if claim is not None:
        if claim.contract_id != contract.pk:
            errors["claim"] = _("The claim is of another contract (%(contract)s).") % {"contract": claim.contract}
        elif claim.is_voided or claim.status != ClaimStatus.APPROVED:
            errors["claim"] = _("Only an approved claim is paid; claim no. %(number)s is %(status)s.") % {
                "number": claim.number,
                "status": _("voided") if claim.is_voided else claim.get_status_display(),
            }
    if errors:
        raise ValidationError(errors)
    if not payment.contract_number:
        payment.contract_number = contract.number
    amount = payment.amount or Decimal(0)
    if payment.over_approved:
        return
    if claim is not None:
        left = (claim.payable or Decimal(0)) - paid_against(claim_id=claim.pk, excluding=payment.pk)
        if amount > left:
            raise ValidationError(
                {
                    "amount": _(
                        "%(amount)s is more than what remains payable on claim no. %(number)s: %(left)s of "
                        "%(payable)s. Tick “above the approved investment” to confirm it."
                    )
                    % {
                        "amount": format_money(amount),
                        "number": claim.number,
                        "left": format_money(max(left, Decimal(0))),
                        "payable": format_money(claim.payable),
                    }
                }
            )
    due = contract_claims.payable_due(contract.pk)
    left = due - paid_against(contract_id=contract.pk, excluding=payment.pk)
    if amount > left:
        raise ValidationError(
            {
                "amount": _(
                    "%(amount)s is more than what the approved claims of contract %(contract)s leave to pay: "
                    "%(left)s of %(due)s. Tick “above the approved investment” to confirm it."
                )
                % {
                    "amount": format_money(amount),
                    "contract": contract.number or contract.name,
                    "left": format_money(max(left, Decimal(0))),
                    "due": format_money(due),
                }
            }
        )


def refresh_paid(contract_ids: Iterable[int | None], actor: Any) -> None:
    """Recount the paid totals of these contracts from their payments, logging each that changed (called in
    the transaction of the payment write, with the contracts locked)."""
    ids = sorted({c for c in contract_ids if c})
    if not ids:
        return
    totals = dict(
        Payment.objects.filter(contract__in=ids)
        .values("contract")
        .annotate(t=Sum("amount"))
        .values_list("contract", "t")
    )
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    for contract in Contract.objects.filter(pk__in=ids).order_by("pk"):
        paid = totals.get(contract.pk) or Decimal("0.00")
        if contract.paid_amount == paid:
            continue
        before = core_services.snapshot(contract)
        Contract.objects.filter(pk=contract.pk).update(paid_amount=paid)
        contract.paid_amount = paid
        changes.append((contract, "update", before, core_services.snapshot(contract)))
    if changes:
        core_services.log_changes(changes, actor)


def contract_by_number(project_agency_id: int | None, number: str) -> Contract | None:
    """The agency's contract of this number (as typed on a payment), or None."""
    number = (number or "").strip()
    if not number or not project_agency_id:
        return None
    return Contract.objects.filter(agency_id=project_agency_id, number=number, voided_at__isnull=True).first()


def link_contract_payments(*, actor: Any = None, agency_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Link the payments that name no contract record but whose contract number is one of their agency's
    contracts on the same project (after contracts are imported); every payment is kept, and the contracts'
    paid totals follow. Returns (payments linked, payments with a number left unlinked)."""
    payments = Payment.objects.filter(contract__isnull=True).exclude(contract_number="").select_related("project")
    if agency_ids is not None:
        payments = payments.filter(project__agency__in=list(agency_ids))
    linked, left = 0, 0
    with transaction.atomic():
        touched: set[int] = set()
        changes: list[tuple[Any, str, dict | None, dict | None]] = []
        for payment in payments.order_by("pk").iterator(chunk_size=1000):
            contract = contract_by_number(payment.project.agency_id, payment.contract_number)
            if contract is None or contract.project_id != payment.project_id:
                left += 1
                continue
            before = core_services.snapshot(payment)
            Payment.objects.filter(pk=payment.pk).update(contract=contract)
            payment.contract = contract
            changes.append((payment, "update", before, core_services.snapshot(payment)))
            touched.add(contract.pk)
            linked += 1
        if changes:
            core_services.log_changes(changes, actor)
        lock_contracts(touched)
        refresh_paid(touched, actor)
    return linked, left


def default_template(agency_id: int | None) -> ScheduleTemplate | None:
    if agency_id is None:
        return None
    return ScheduleTemplate.objects.filter(agency_id=agency_id, is_default=True).first()


def apply_template(template: ScheduleTemplate, plans: Iterable[AnnualPlan], actor: Any) -> int:
    """Give each plan the template's schedule, in one transaction and with one change-log entry per plan."""
    count = 0
    shares = template.share_values()
    with transaction.atomic(), rollup.deferred():
        for plan in plans:
            if not AnnualPlan.objects.for_user(actor, Action.CHANGE).filter(pk=plan.pk).exists():
                raise PermissionDenied(_("You may not change the plan of %(project)s.") % {"project": plan.project})
            before = plan.share_values()
            if before == shares:
                continue
            set_schedule(plan, shares, actor)
            core_services.log_change(
                instance=plan,
                action="update",
                actor=actor,
                before={"schedule": [str(s) for s in before]},
                after={"schedule": [str(s) for s in shares], "template": template.name},
            )
            count += 1
    return count


# ---- the review of monthly actuals --------------------------------------------------------------

REVIEWER_ROLES = (Role.STAFF, Role.LEADER, Role.ADMIN)


def _transition(actual: MonthlyActual, actor: Any, allowed_from: tuple[str, ...], apply: Callable) -> MonthlyActual:
    with transaction.atomic():
        locked = MonthlyActual.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=actual.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this report."))
        if locked.status not in allowed_from:
            raise ValidationError(
                _("The report is %(status)s; this step does not apply.") % {"status": locked.get_status_display()}
            )
        before = core_services.snapshot(locked)
        apply(locked)
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
        rollup.touch([locked.plan_id])
    return locked


def submit_actual(actual: MonthlyActual, actor: Any) -> MonthlyActual:
    """The project team sends its monthly figure for review."""

    def apply(locked: MonthlyActual) -> None:
        locked.status = ActualStatus.SUBMITTED
        locked.submitted_by = actor if getattr(actor, "pk", None) else None
        locked.submitted_at = timezone.now()
        locked.return_reason = ""

    return _transition(actual, actor, (ActualStatus.DRAFT, ActualStatus.RETURNED), apply)


def may_review(actor: Any, actual: MonthlyActual | None = None) -> bool:
    """The planning department (staff and leaders of the agency) reviews; not the person who submitted."""
    if not user_may(actor, MonthlyActual, Action.CHANGE):
        return False
    if not (actor.is_superuser or actor.role in REVIEWER_ROLES):
        return False
    return actual is None or actor.is_superuser or actual.submitted_by_id != actor.pk


def not_own(locked: MonthlyActual, actor: Any) -> None:
    """Checked again on the locked row: the report may have been submitted since the caller loaded it."""
    if not actor.is_superuser and locked.submitted_by_id == actor.pk:
        raise PermissionDenied(_("The planning department confirms a report, not the person who submitted it."))


def confirm_actual(actual: MonthlyActual, actor: Any) -> MonthlyActual:
    """Confirm a submitted figure: from now on it counts in the official totals and cannot change."""
    if not may_review(actor, actual):
        raise PermissionDenied(_("The planning department confirms a report, not the person who submitted it."))

    def apply(locked: MonthlyActual) -> None:
        not_own(locked, actor)
        locked.status = ActualStatus.CONFIRMED
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()

    return _transition(actual, actor, (ActualStatus.SUBMITTED,), apply)


def return_actual(actual: MonthlyActual, actor: Any, reason: str) -> MonthlyActual:
    """Send a submitted figure back to the project team, with the reason."""
    if not may_review(actor, actual):
        raise PermissionDenied(_("The planning department returns a report, not the person who submitted it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is returned.")})

    def apply(locked: MonthlyActual) -> None:
        not_own(locked, actor)
        locked.status = ActualStatus.RETURNED
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.return_reason = reason[:300]

    return _transition(actual, actor, (ActualStatus.SUBMITTED,), apply)


def confirm_many(actuals: Iterable[MonthlyActual], actor: Any) -> int:
    """Confirm several submitted reports at once (the month's review); all or nothing."""
    with transaction.atomic(), rollup.deferred():
        count = 0
        for actual in actuals:
            confirm_actual(actual, actor)
            count += 1
    return count


# ---- adjustments --------------------------------------------------------------------------------


def decide_adjustment(
    adjustment: PlanAdjustment, actor: Any, *, approve: bool, on: datetime.date | None = None
) -> PlanAdjustment:
    """Approve (the adjusted plan changes by the amount) or reject a pending adjustment."""
    if not (actor.is_superuser or actor.role in REVIEWER_ROLES):
        raise PermissionDenied(_("The planning department decides on adjustments."))
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = (
            PlanAdjustment.objects.for_user(actor, Action.CHANGE)
            .select_for_update()
            .select_related("plan")
            .filter(pk=adjustment.pk)
            .first()
        )
        if locked is None:
            raise PermissionDenied(_("You may not change this adjustment."))
        if locked.status != AdjustmentStatus.PENDING:
            raise ValidationError(_("The adjustment is already %(status)s.") % {"status": locked.get_status_display()})
        if on.year != locked.plan.year:
            raise ValidationError(
                {
                    "decided_on": _("An adjustment of the %(year)s plan is decided in %(year)s.")
                    % {"year": locked.plan.year}
                }
            )
        plan = AnnualPlan.objects.select_for_update().get(pk=locked.plan_id)
        before = core_services.snapshot(locked)
        if approve:
            new_amount = plan.adjusted_amount + locked.signed_amount
            if new_amount < 0:
                raise ValidationError(_("The decrease is larger than the adjusted plan of the project."))
            plan_before = core_services.snapshot(plan)
            AnnualPlan.objects.filter(pk=plan.pk).update(adjusted_amount=new_amount)
            plan.adjusted_amount = new_amount
            rollup.touch([plan.pk])
            core_services.log_change(
                instance=plan, action="update", actor=actor, before=plan_before, after=core_services.snapshot(plan)
            )
        locked.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
        locked.decided_on = on
        locked.decided_by = actor
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    return locked
