"""Procurement in the domain's words: the scheme library, tender plans (thresholds and the split check), tenders
from plans, bids, the evaluation committee's recommended candidates, the award committee's decision (评定分离),
the award and the failed tender (流标).

Every write is one transaction, logged through `gongwu.core.services`; the figures are in figures.py.

The split check (化整为零, 《必须招标的工程项目规定》 Art. 5 second paragraph): the plans of one lead project
that are not cancelled, of the same subject kind and the same intended counterparty (two plans without a
counterparty count as the same), whose method is not a tender, each below the threshold of their kind but at
or above it together, are all flagged `split_suspected`. Plans that are tendered anyway evade nothing and are
left out, as are plans that reach the threshold on their own (they need a tender or a legal ground already).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core import audit
from gongwu.core import services as core_services
from gongwu.core.models import Action, Organization, OrganizationKind
from gongwu.core.money import format_money
from gongwu.tenders.models import (
    TENDER_METHODS,
    THRESHOLD_CLASS_OF_KIND,
    Bid,
    Method,
    PlanStatus,
    SchemeTemplate,
    SubjectKind,
    Tender,
    TenderPlan,
    TenderStatus,
    threshold_of,
)

# ---- the scheme library --------------------------------------------------------------------------


def save_scheme_template(*, instance: SchemeTemplate, actor: Any, data: dict[str, Any] | None = None) -> SchemeTemplate:
    save = core_services.create_object if instance._state.adding else core_services.update_object
    return save(instance=instance, actor=actor, data=data)


def delete_scheme_template(*, instance: SchemeTemplate, actor: Any) -> None:
    """Delete a template; the plans started from it keep what they copied (their link is cleared, logged)."""
    with transaction.atomic():
        for plan in TenderPlan.objects.select_for_update().filter(scheme=instance):
            before = core_services.snapshot(plan)
            plan.scheme = None
            plan.save(update_fields=["scheme"])
            core_services.log_change(
                instance=plan, action="update", actor=actor, before=before, after=core_services.snapshot(plan)
            )
        core_services.delete_object(instance=instance, actor=actor)


def plan_from_scheme(scheme: SchemeTemplate) -> dict[str, Any]:
    """What a plan started from a scheme template takes from it: subject kind, method and organisation."""
    return {
        "scheme": scheme.pk,
        "subject_kind": scheme.subject_kind,
        "method": scheme.method,
        "organisation": scheme.organisation,
    }


# ---- thresholds and the split check -------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdCheck:
    """Where a plan stands against the statutory threshold of its kind."""

    threshold_class: str
    threshold: Decimal
    estimate: Decimal
    reaches: bool  # the estimate is at or above the threshold
    is_tender: bool
    has_ground: bool

    @property
    def needs_ground(self) -> bool:
        return self.reaches and not self.is_tender

    @property
    def ok(self) -> bool:
        return not self.needs_ground or self.has_ground

    @property
    def message(self) -> str:
        values = {"estimate": format_money(self.estimate), "threshold": format_money(self.threshold)}
        if not self.reaches:
            return _("The estimate of %(estimate)s is below the tendering threshold of %(threshold)s.") % values
        if self.is_tender:
            return _(
                "The estimate of %(estimate)s reaches the tendering threshold of %(threshold)s; it is tendered."
            ) % (values)
        if self.has_ground:
            return (
                _(
                    "The estimate of %(estimate)s reaches the tendering threshold of %(threshold)s; it is not tendered "
                    "on a recorded legal ground."
                )
                % values
            )
        return (
            _(
                "The estimate of %(estimate)s reaches the tendering threshold of %(threshold)s: a method other than a "
                "tender needs a legal ground."
            )
            % values
        )


def check_thresholds(plan: TenderPlan) -> ThresholdCheck:
    """The plan against the threshold of its kind (works 400万, goods 200万, services 100万): an estimate equal
    to the threshold reaches it."""
    threshold = threshold_of(plan.subject_kind)
    estimate = plan.estimate or Decimal(0)
    return ThresholdCheck(
        threshold_class=THRESHOLD_CLASS_OF_KIND[plan.subject_kind],
        threshold=threshold,
        estimate=estimate,
        reaches=estimate >= threshold,
        is_tender=plan.method in TENDER_METHODS,
        has_ground=bool(plan.exemption and plan.legal_ground.strip()),
    )


def _split_key(plan: TenderPlan) -> tuple[str, int | None]:
    return (plan.subject_kind, plan.counterparty_id)


def _may_split(plan: TenderPlan) -> bool:
    return (
        plan.status != PlanStatus.CANCELLED
        and plan.method not in TENDER_METHODS
        and plan.estimate is not None
        and plan.estimate < threshold_of(plan.subject_kind)
    )


def split_groups(plans: Iterable[TenderPlan]) -> list[list[TenderPlan]]:
    """The groups of plans (of one project) that pass their threshold only together (see the module text)."""
    groups: dict[tuple[str, int | None], list[TenderPlan]] = defaultdict(list)
    for plan in plans:
        if _may_split(plan):
            groups[_split_key(plan)].append(plan)
    return [
        members
        for (kind, _counterparty), members in groups.items()
        if len(members) > 1 and sum(p.estimate for p in members) >= threshold_of(kind)
    ]


def split_siblings(plan: TenderPlan) -> list[TenderPlan]:
    """The other plans of the plan's split group: empty when the plan is not part of a suspected split."""
    if not plan.pk or not _may_split(plan):
        return []
    plans = TenderPlan.objects.filter(project_id=plan.project_id).exclude(status=PlanStatus.CANCELLED)
    for group in split_groups(plans.select_related("counterparty")):
        if any(member.pk == plan.pk for member in group):
            return [member for member in group if member.pk != plan.pk]
    return []


def refresh_split_flags(project_ids: Iterable[int | None], actor: Any, own: TenderPlan | None = None) -> None:
    """Set `split_suspected` on exactly the plans of these projects that are part of a suspected split, and
    clear it on the others; each plan whose flag changes is logged (`own`, the plan being saved, is logged by
    its own save, so it is only given the flag)."""
    ids = {pk for pk in project_ids if pk}
    if not ids:
        return
    plans = list(TenderPlan.objects.select_for_update().filter(project_id__in=ids).order_by("pk"))
    by_project: dict[int, list[TenderPlan]] = defaultdict(list)
    for plan in plans:
        by_project[plan.project_id].append(plan)
    flagged = {member.pk for members in by_project.values() for group in split_groups(members) for member in group}
    changes = []
    for plan in plans:
        wanted = plan.pk in flagged
        if own is not None and plan.pk == own.pk:
            own.split_suspected = wanted
            if plan.split_suspected != wanted:
                TenderPlan.objects.filter(pk=plan.pk).update(split_suspected=wanted)
            continue
        if plan.split_suspected == wanted:
            continue
        before = core_services.snapshot(plan)
        plan.split_suspected = wanted
        plan.save(update_fields=["split_suspected"])
        changes.append((plan, "update", before, core_services.snapshot(plan)))
    if changes:
        core_services.log_changes(changes, actor)


# ---- tender plans --------------------------------------------------------------------------------


def check_coverage(plan: TenderPlan, projects: Iterable[Any] | None, sections: Iterable[Any] | None) -> None:
    """The projects a plan covers are of its agency; its sections belong to the projects it covers."""
    errors: dict[str, list[str]] = {}
    covered = {p.pk for p in projects or []} | ({plan.project_id} if plan.project_id else set())
    foreign = [p for p in projects or [] if plan.agency_id and p.agency_id != plan.agency_id]
    if foreign:
        errors["projects"] = [
            _("%(project)s belongs to another agency.") % {"project": project.name} for project in foreign
        ]
    outside = [s for s in sections or [] if s.project_id not in covered]
    if outside:
        errors["sections"] = [
            _("The section %(section)s is not of a project the plan covers.") % {"section": section}
            for section in outside
        ]
    if errors:
        raise ValidationError(errors)


def save_tender_plan(*, instance: TenderPlan, actor: Any, data: dict[str, Any] | None = None) -> TenderPlan:
    """Create or change a plan: its coverage checked (the lead project is always covered), the threshold checked
    by the model, and the split flags of its project (and of the project it left) set again."""
    data = dict(data or {})
    core_services.default_agency(instance, actor)
    previous_project = (
        TenderPlan.objects.filter(pk=instance.pk).values_list("project_id", flat=True).first() if instance.pk else None
    )
    if not instance._state.adding:
        stored_status = TenderPlan.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        if stored_status in (PlanStatus.DONE, PlanStatus.CANCELLED):
            raise ValidationError(
                _("The plan is %(status)s; it no longer changes.") % {"status": PlanStatus(stored_status).label}
            )
    if "projects" in data or "sections" in data:
        projects = list(data.get("projects") or [])
        check_coverage(instance, projects, data.get("sections"))
        if instance.project_id and instance.project_id not in {p.pk for p in projects}:
            data["projects"] = [*projects, instance.project]

    def after_save(plan: TenderPlan) -> None:
        if "projects" not in data and not plan.projects.filter(pk=plan.project_id).exists():
            plan.projects.add(plan.project_id)
        refresh_split_flags([plan.project_id, previous_project], actor, own=plan)

    save = core_services.create_object if instance._state.adding else core_services.update_object
    with transaction.atomic():
        return save(instance=instance, actor=actor, data=data, after_save=after_save)


def delete_tender_plan(*, instance: TenderPlan, actor: Any) -> None:
    """Delete a plan without tenders; the split flags of its project are set again."""
    with transaction.atomic():
        core_services.delete_object(instance=instance, actor=actor)
        refresh_split_flags([instance.project_id], actor)


def _locked_plan(plan: TenderPlan, actor: Any) -> TenderPlan:
    locked = TenderPlan.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not change this plan."))
    return locked


def _set_plan_status(locked: TenderPlan, status: str, actor: Any, extra: dict[str, Any] | None = None) -> None:
    before = core_services.snapshot(locked)
    locked.status = status
    locked.save(update_fields=["status"])
    after = {**core_services.snapshot(locked), **(extra or {})}
    core_services.log_change(instance=locked, action="update", actor=actor, before=before, after=after)


def approve_plan(*, plan: TenderPlan, actor: Any) -> TenderPlan:
    """Approve a draft plan (its threshold is checked again): tenders may be started from it."""
    with transaction.atomic():
        locked = _locked_plan(plan, actor)
        if locked.status != PlanStatus.DRAFT:
            raise ValidationError(
                _("The plan is %(status)s; only a draft is approved.") % {"status": locked.get_status_display()}
            )
        locked.full_clean()
        _set_plan_status(locked, PlanStatus.APPROVED, actor)
    return locked


def cancel_plan(*, plan: TenderPlan, actor: Any, reason: str) -> TenderPlan:
    """Cancel a plan no tender of which is running or awarded, with the reason; its project's split flags are
    set again (a cancelled plan counts in no split)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the plan is cancelled.")})
    with transaction.atomic():
        locked = _locked_plan(plan, actor)
        if locked.status in (PlanStatus.DONE, PlanStatus.CANCELLED):
            raise ValidationError(
                _("The plan is %(status)s; it cannot be cancelled.") % {"status": locked.get_status_display()}
            )
        if running_tenders(locked).exists():
            raise ValidationError(_("A tender of this plan is running; fail or cancel it first."))
        _set_plan_status(locked, PlanStatus.CANCELLED, actor, {"cancel_reason": reason[:300]})
        refresh_split_flags([locked.project_id], actor)
    return locked


# ---- tenders -------------------------------------------------------------------------------------

CLOSED_TENDER = (TenderStatus.AWARDED, TenderStatus.FAILED, TenderStatus.CANCELLED)
NUMBER_TAIL = re.compile(r"(\d+)$")


def running_tenders(plan: TenderPlan) -> Any:
    return plan.tenders.filter(voided_at__isnull=True).exclude(status__in=(TenderStatus.FAILED, TenderStatus.CANCELLED))


def next_tender_number(agency_id: int, year: int) -> str:
    """The agency's next tender number of the year: ZB-2026-001, ZB-2026-002 …"""
    prefix = f"ZB-{year}-"
    numbers = Tender.objects.filter(agency_id=agency_id, number__startswith=prefix).values_list("number", flat=True)
    used = [int(m.group(1)) for n in numbers if (m := NUMBER_TAIL.search(n[len(prefix) :]))]
    return f"{prefix}{max(used, default=0) + 1:03d}"


def tender_from_plan(plan: TenderPlan) -> dict[str, Any]:
    """What a tender started from a plan takes from it: the plan, its name, subject kind and method."""
    return {"plan": plan.pk, "name": plan.name, "subject_kind": plan.subject_kind, "method": plan.method}


def status_from_dates(tender: Tender) -> str:
    """A running tender's status as its dates say (the award and a failure are set by their services)."""
    if tender.status in CLOSED_TENDER:
        return tender.status
    if tender.evaluation_on:
        return TenderStatus.EVALUATED
    if tender.opening_on:
        return TenderStatus.OPENED
    if tender.notice_on:
        return TenderStatus.NOTICED
    return TenderStatus.PREPARING


def save_tender(*, instance: Tender, actor: Any, data: dict[str, Any] | None = None) -> Tender:
    """Create or change a tender. A new tender runs from an approved plan with no other tender running (its
    subject kind, method and name default to the plan's; its number to the agency's next); the plan is then
    tendering. The status follows the dates recorded."""
    adding = instance._state.adding
    with transaction.atomic():
        if instance.plan_id:
            plan = TenderPlan.objects.select_for_update().get(pk=instance.plan_id)
            if not instance.agency_id:
                instance.agency_id = plan.agency_id
            for name in ("subject_kind", "method", "name"):
                if not getattr(instance, name):
                    setattr(instance, name, getattr(plan, name))
            if adding:
                if plan.status not in (PlanStatus.APPROVED, PlanStatus.TENDERING):
                    raise ValidationError(
                        {
                            "plan": _("The plan is %(status)s; a tender runs from an approved plan.")
                            % {"status": plan.get_status_display()}
                        }
                    )
                if running_tenders(plan).exists():
                    raise ValidationError({"plan": _("Another tender of this plan is running.")})
        if not instance.number and instance.agency_id:
            instance.number = next_tender_number(instance.agency_id, timezone.localdate().year)
        if not adding:
            stored = Tender.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
            instance.status = stored or instance.status
        instance.status = status_from_dates(instance)

        def after_save(tender: Tender) -> None:
            plan = TenderPlan.objects.select_for_update().get(pk=tender.plan_id)
            if adding and plan.status == PlanStatus.APPROVED:
                _set_plan_status(plan, PlanStatus.TENDERING, actor)

        save = core_services.create_object if adding else core_services.update_object
        return save(instance=instance, actor=actor, data=data, after_save=after_save)


def delete_tender(*, instance: Tender, actor: Any) -> None:
    """Delete a tender still in preparation (any other is voided); its plan is approved again when no other
    tender of it is running."""
    with transaction.atomic():
        core_services.delete_object(instance=instance, actor=actor)
        plan = TenderPlan.objects.select_for_update().get(pk=instance.plan_id)
        if plan.status == PlanStatus.TENDERING and not plan.tenders.filter(voided_at__isnull=True).exists():
            _set_plan_status(plan, PlanStatus.APPROVED, actor)


def _locked_tender(tender: Tender, actor: Any) -> Tender:
    locked = (
        Tender.objects.for_user(actor, Action.CHANGE)
        .select_for_update()
        .select_related("plan")
        .filter(pk=tender.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not change this tender."))
    if locked.is_voided:
        raise ValidationError(_("This tender is voided."))
    if locked.status in CLOSED_TENDER:
        raise ValidationError(
            _("The tender is %(status)s; this step no longer applies.") % {"status": locked.get_status_display()}
        )
    return locked


def _save_logged(instance: Any, actor: Any, before: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Validate and save a row changed by a workflow step, and log it."""
    instance.full_clean()
    instance.save()
    after = {**core_services.snapshot(instance), **(extra or {})}
    core_services.log_change(instance=instance, action="update", actor=actor, before=before, after=after)


# ---- bids ------------------------------------------------------------------------------------------

ACCOUNT_PURPOSE = "bid-bond-account"
ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")
ACCOUNT_DIGITS = re.compile(r"^\d{8,30}$")


def account_fingerprint(number: str) -> tuple[str, str]:
    """The keyed fingerprint and the last four digits of a bank account number (spaces and dashes ignored);
    the number itself is never kept. A number that is not 8 to 30 digits is refused (without repeating it)."""
    digits = ACCOUNT_SEPARATORS.sub("", number or "")
    if not ACCOUNT_DIGITS.match(digits):
        raise ValidationError({"bond_account": _("A bank account number is 8 to 30 digits (spaces allowed).")})
    return audit.fingerprint(ACCOUNT_PURPOSE, digits), digits[-4:]


def _open_for_bids(tender_id: int) -> None:
    status = Tender.objects.filter(pk=tender_id).values_list("status", flat=True).first()
    if status in CLOSED_TENDER:
        raise ValidationError(
            _("The tender is %(status)s; its bids no longer change.") % {"status": TenderStatus(status).label}
        )


def save_bid(*, instance: Bid, actor: Any, data: dict[str, Any] | None = None) -> Bid:
    """Record or change a bid while its tender runs. A bond account number given (`data["bond_account"]`) is
    kept only as its fingerprint and last four digits; a disqualified bid loses its candidate rank."""
    account = ((data or {}).get("bond_account") or "").strip()
    if account:
        instance.bond_account_fingerprint, instance.bond_account_last4 = account_fingerprint(account)
    if not instance.qualified:
        instance.recommended_rank = None
    with transaction.atomic():
        if instance.tender_id:
            _open_for_bids(instance.tender_id)
        if not instance._state.adding:
            stored = Bid.objects.filter(pk=instance.pk).values_list("tender_id", flat=True).first()
            if stored and stored != instance.tender_id:
                _open_for_bids(stored)
        save = core_services.create_object if instance._state.adding else core_services.update_object
        return save(instance=instance, actor=actor, data=None)


def delete_bid(*, instance: Bid, actor: Any) -> None:
    with transaction.atomic():
        _open_for_bids(instance.tender_id)
        core_services.delete_object(instance=instance, actor=actor)


def disqualify_bid(*, bid: Bid, actor: Any, reason: str) -> Bid:
    """Disqualify a bid with the reason (it can no longer be a candidate or win)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"disqualified_reason": _("Say why the bid is disqualified.")})
    with transaction.atomic():
        _locked_tender(bid.tender, actor)
        locked = Bid.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=bid.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this bid."))
        before = core_services.snapshot(locked)
        locked.qualified = False
        locked.disqualified_reason = reason[:200]
        locked.recommended_rank = None
        _save_logged(locked, actor, before)
    return locked


# ---- the evaluation committee's candidates ----------------------------------------------------------

MAX_CANDIDATES = 3


def recommend_candidates(
    *, tender: Tender, actor: Any, bids: list[Bid], evaluation_on: datetime.date | None = None
) -> Tender:
    """Record the evaluation committee's recommended candidates in order (rank 1 first), qualified bids of this
    tender only, at most three (实施条例 Art. 53); every other bid loses its rank. The tender is evaluated on
    `evaluation_on` (today by default)."""
    if not bids:
        raise ValidationError({"bids": _("Choose at least one recommended candidate.")})
    if len(bids) > MAX_CANDIDATES:
        raise ValidationError({"bids": _("The committee recommends at most %(n)d candidates.") % {"n": MAX_CANDIDATES}})
    if len({bid.pk for bid in bids}) != len(bids):
        raise ValidationError({"bids": _("A bid is named twice among the candidates.")})
    with transaction.atomic():
        locked = _locked_tender(tender, actor)
        stored = {bid.pk: bid for bid in Bid.objects.select_for_update().filter(tender=locked).select_related("bidder")}
        errors = []
        for bid in bids:
            own = stored.get(bid.pk)
            if own is None:
                errors.append(_("%(bidder)s did not bid in this tender.") % {"bidder": bid.bidder})
            elif not own.qualified:
                errors.append(
                    _("%(bidder)s's bid is disqualified (%(reason)s) and cannot be recommended.")
                    % {"bidder": own.bidder, "reason": own.disqualified_reason}
                )
        if errors:
            raise ValidationError({"bids": errors})
        ranks = {bid.pk: rank for rank, bid in enumerate(bids, start=1)}
        changes = []
        for bid in stored.values():
            rank = ranks.get(bid.pk)
            if bid.recommended_rank != rank:
                before = core_services.snapshot(bid)
                bid.recommended_rank = rank
                bid.save(update_fields=["recommended_rank"])
                changes.append((bid, "update", before, core_services.snapshot(bid)))
        if changes:
            core_services.log_changes(changes, actor)
        before = core_services.snapshot(locked)
        locked.evaluation_on = evaluation_on or locked.evaluation_on or timezone.localdate()
        locked.status = TenderStatus.EVALUATED
        _save_logged(locked, actor, before)
    return locked


# ---- eligibility -----------------------------------------------------------------------------------

K = OrganizationKind
# Which kinds of company may win a tender of each subject kind (资质类别, simplified).
ELIGIBLE_KINDS: dict[str, frozenset[str]] = {
    SubjectKind.SURVEY: frozenset({K.SURVEYOR, K.DESIGNER}),
    SubjectKind.DESIGN: frozenset({K.DESIGNER}),
    SubjectKind.WORKS: frozenset({K.CONTRACTOR}),
    SubjectKind.SUPERVISION: frozenset({K.SUPERVISOR, K.CONSULTANT}),
    SubjectKind.CONSULTING: frozenset({K.CONSULTANT, K.SUPERVISOR, K.DESIGNER}),
    SubjectKind.EPC: frozenset({K.CONTRACTOR, K.DESIGNER}),
    SubjectKind.AGENT: frozenset({K.AGENT, K.CONSULTANT}),
    SubjectKind.GOODS: frozenset({K.SUPPLIER, K.CONTRACTOR}),
    SubjectKind.SERVICES: frozenset({K.CONSULTANT, K.SUPPLIER, K.DESIGNER, K.SURVEYOR, K.SUPERVISOR, K.AGENT}),
}

# Further checks other apps add (the credit list of the evaluations app): each gives the reasons a company
# may not win a tender, or none.
EligibilityCheck = Callable[[Organization, Tender], list[str]]
ELIGIBILITY_CHECKS: list[EligibilityCheck] = []


def register_eligibility_check(check: EligibilityCheck) -> None:
    """Called from another app's `ready()` (the evaluations app's black list, for one)."""
    if check not in ELIGIBILITY_CHECKS:
        ELIGIBILITY_CHECKS.append(check)


def ineligibility_reasons(organization: Organization, tender: Tender) -> list[str]:
    """Why `organization` may not win `tender` (empty when it may): it is not active, its kind does not
    qualify for the subject, or a registered check (the credit list) says so."""
    reasons = []
    if not organization.is_active:
        reasons.append(_("%(company)s is not active.") % {"company": organization})
    kinds = ELIGIBLE_KINDS.get(tender.subject_kind, frozenset())
    if organization.kind not in kinds:
        reasons.append(
            _("%(company)s is a %(kind)s; a %(subject)s tender is won by a %(kinds)s.")
            % {
                "company": organization,
                "kind": organization.get_kind_display(),
                "subject": tender.get_subject_kind_display(),
                "kinds": " / ".join(str(K(k).label) for k in sorted(kinds)),
            }
        )
    for check in ELIGIBILITY_CHECKS:
        reasons.extend(check(organization, tender))
    return reasons


# ---- the award and the failed tender ------------------------------------------------------------------

MINIMUM_BIDS = 3  # 实施条例 Art. 44


def qualified_bids(tender: Tender) -> Any:
    return Bid.objects.filter(tender=tender, qualified=True)


def too_few_bids(tender: Tender) -> int | None:
    """The number of qualified bids of an open tender when it is below three (it cannot be awarded), else None."""
    if tender.method != Method.OPEN:
        return None
    count = qualified_bids(tender).count()
    return count if count < MINIMUM_BIDS else None


def award_tender(
    *,
    tender: Tender,
    actor: Any,
    winner: Organization,
    award_price: Decimal | None = None,
    award_reason: str = "",
    decision_on: datetime.date | None = None,
    award_notice_on: datetime.date | None = None,
) -> Tender:
    """The award committee's decision (评定分离): the winner is a qualified bidder of this tender and eligible;
    one that is not the first recommended candidate (or not recommended at all) needs the reasons. The award
    price is the winner's bid price unless given; the notice is dated on the decision unless given. The plan is
    then done."""
    award_reason = (award_reason or "").strip()
    with transaction.atomic():
        locked = _locked_tender(tender, actor)
        bid = Bid.objects.filter(tender=locked, bidder=winner).first()
        if bid is None:
            raise ValidationError(
                {
                    "winner": _("%(company)s did not bid in this tender; the winner is one of its bidders.")
                    % {"company": winner}
                }
            )
        if not bid.qualified:
            raise ValidationError(
                {
                    "winner": _("%(company)s's bid is disqualified (%(reason)s); it cannot win.")
                    % {"company": winner, "reason": bid.disqualified_reason}
                }
            )
        few = too_few_bids(locked)
        if few is not None:
            raise ValidationError(
                _(
                    "An open tender with fewer than %(min)d qualified bids (here %(n)d) cannot be awarded "
                    "(实施条例 Art. 44); record it as failed (流标) and tender again."
                )
                % {"min": MINIMUM_BIDS, "n": few}
            )
        reasons = ineligibility_reasons(winner, locked)
        if reasons:
            raise ValidationError({"winner": reasons})
        if bid.recommended_rank != 1 and not award_reason:
            message = (
                _("%(company)s is candidate %(rank)d, not the first: give the award committee's reasons.")
                % {"company": winner, "rank": bid.recommended_rank}
                if bid.recommended_rank
                else _("%(company)s is not a recommended candidate: give the award committee's reasons.")
                % {"company": winner}
            )
            raise ValidationError({"award_reason": message})
        before = core_services.snapshot(locked)
        decision_on = decision_on or timezone.localdate()
        locked.winner = winner
        locked.award_price = bid.price if award_price is None else award_price
        locked.award_reason = award_reason
        locked.decision_on = decision_on
        locked.award_notice_on = award_notice_on or decision_on
        locked.status = TenderStatus.AWARDED
        _save_logged(locked, actor, before)
        plan = TenderPlan.objects.select_for_update().get(pk=locked.plan_id)
        if plan.status != PlanStatus.DONE:
            _set_plan_status(plan, PlanStatus.DONE, actor)
    return locked


def fail_tender(*, tender: Tender, actor: Any, reason: str, on: datetime.date | None = None) -> Tender:
    """Record a failed tender (流标) with the reason, on `on` (today by default): it is closed, and its plan may
    run a new tender."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the tender failed.")})
    with transaction.atomic():
        locked = _locked_tender(tender, actor)
        before = core_services.snapshot(locked)
        day = on or timezone.localdate()
        line = _("Failed (流标) on %(day)s: %(reason)s") % {"day": day.isoformat(), "reason": reason}
        locked.note = f"{locked.note}\n{line}".strip()
        locked.status = TenderStatus.FAILED
        _save_logged(locked, actor, before, {"fail_reason": reason[:300]})
    return locked


def awarded_q(start: datetime.date, end: datetime.date) -> Q:
    """Tenders awarded (award notice) in a period, not voided."""
    return Q(status=TenderStatus.AWARDED, award_notice_on__range=(start, end), voided_at__isnull=True)
