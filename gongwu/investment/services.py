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
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core import services as core_services
from gongwu.core.models import Action, Role, user_may
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
    when it moved to another project or year)."""
    stored = Payment.objects.filter(pk=instance.pk).first() if instance.pk else None
    save = core_services.create_object if instance._state.adding else core_services.update_object
    with transaction.atomic():
        saved = save(instance=instance, actor=actor, data=data)
        rollup.touch([*plans_paid_by(stored), *plans_paid_by(saved)])
    return saved


def delete_payment(*, instance: Payment, actor: Any) -> None:
    with transaction.atomic():
        plans = plans_paid_by(Payment.objects.filter(pk=instance.pk).first())
        core_services.delete_object(instance=instance, actor=actor)
        rollup.touch(plans)


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
