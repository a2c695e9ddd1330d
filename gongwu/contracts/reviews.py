"""Cost reviews (预算审核, 结算审核), final accounts (决算), the 双算 backlog and subcontract filings (分包备案)
in the domain's words: the writes (keyword-only, `actor`, one transaction, logged) and the reads the pages,
figures and rules share.

- A review is submitted (送审) with its amount and day; it is approved (审定) when its approved amount and day
  are given, and from then on it is a record: voided with a reason, never edited or deleted. 审减额 is
  submitted − approved, 审减率 that over the submitted amount; an approved amount above the submitted one
  (审增) needs a note saying why.
- The 双算 backlog: projects completed (竣工验收) more than the agency's `settlement_due_days` ago without an
  approved settlement review, or more than `final_accounts_due_days` ago without approved final accounts. On
  the last day of the allowance a project is due, not yet overdue.
- A subcontract is filed by the main contractor under its works or EPC contract; its subcontractor takes part
  in the project (a participation of source "contract") while a live filing names it. Warnings: the
  contract's live filings together above `subcontract_max_percent` of the contract price (exactly at the
  limit is allowed), and a filing made more than `subcontract_filing_days` after the subcontract started.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.contracts.models import (
    HUNDRED,
    IN_FORCE,
    Contract,
    ContractSettings,
    Review,
    ReviewKind,
    ReviewStatus,
    Subcontract,
)
from gongwu.core import services as core_services
from gongwu.core.figures import number
from gongwu.core.models import Organization, Role
from gongwu.projects.models import (
    STAGE_ORDER,
    Approval,
    ApprovalRole,
    Participation,
    ParticipationSource,
    PartyRole,
    Project,
    Stage,
    StageChange,
)
from gongwu.tenders.models import SubjectKind

FEN = Decimal("0.01")
ZERO = Decimal("0")
MAIN_CONTRACT_KINDS = (SubjectKind.WORKS, SubjectKind.EPC)
# The note that marks a participation kept by subcontract filings (a contract's other parties have their own).
FILING_NOTE = "分包备案"


def settings_of(agency: Organization | int | None) -> ContractSettings:
    """The agency's contract settings, or the defaults (unsaved) when it has none."""
    agency_id = getattr(agency, "pk", agency)
    found = ContractSettings.objects.filter(agency_id=agency_id).first() if agency_id else None
    return found or ContractSettings(agency_id=agency_id)


def settings_by_agency(agency_ids: Iterable[int]) -> dict[int, ContractSettings]:
    ids = list(agency_ids)
    found = {s.agency_id: s for s in ContractSettings.objects.filter(agency_id__in=ids)}
    return {pk: found.get(pk) or ContractSettings(agency_id=pk) for pk in ids}


def rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """`part` in % of `whole`, cut (not rounded) at two places; None without a whole."""
    if part is None or not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(FEN, rounding=ROUND_DOWN)


# ---- reviews ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewTotals:
    """Reviews counted together: how many, submitted and approved amounts, the reduction and its rate.
    `submitted` is of the approved ones (the base of the reduction); `pending` those still under review."""

    count: int
    submitted: Decimal
    approved: Decimal
    pending: int = 0
    pending_submitted: Decimal = ZERO

    @property
    def reduction(self) -> Decimal:
        return self.submitted - self.approved

    @property
    def reduction_rate(self) -> Decimal | None:
        return rate(self.reduction, self.submitted)


def review_totals_by_kind(reviews: QuerySet) -> dict[str, ReviewTotals]:
    """`review_totals` of each kind of review, in one query."""
    approved = Q(status=ReviewStatus.APPROVED)
    rows = (
        reviews.filter(voided_at__isnull=True)
        .order_by()
        .values("kind")
        .annotate(
            count=Count("pk", filter=approved),
            submitted=Sum("submitted_amount", filter=approved),
            approved=Sum("approved_amount", filter=approved),
            pending=Count("pk", filter=~approved),
            pending_submitted=Sum("submitted_amount", filter=~approved),
        )
    )
    return {
        row["kind"]: ReviewTotals(
            count=row["count"] or 0,
            submitted=row["submitted"] or ZERO,
            approved=row["approved"] or ZERO,
            pending=row["pending"] or 0,
            pending_submitted=row["pending_submitted"] or ZERO,
        )
        for row in rows
    }


def review_totals(reviews: QuerySet) -> ReviewTotals:
    """The totals of the live (not voided) reviews of `reviews`, in one query."""
    approved = Q(status=ReviewStatus.APPROVED)
    row = (
        reviews.filter(voided_at__isnull=True)
        .order_by()
        .aggregate(
            count=Count("pk", filter=approved),
            submitted=Sum("submitted_amount", filter=approved),
            approved=Sum("approved_amount", filter=approved),
            pending=Count("pk", filter=~approved),
            pending_submitted=Sum("submitted_amount", filter=~approved),
        )
    )
    return ReviewTotals(
        count=row["count"] or 0,
        submitted=row["submitted"] or ZERO,
        approved=row["approved"] or ZERO,
        pending=row["pending"] or 0,
        pending_submitted=row["pending_submitted"] or ZERO,
    )


def review_errors(review: Review, today: datetime.date | None = None) -> dict[str, list[str]]:
    """What is wrong with a review beyond its model's own rules (both the form and the services ask)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if review.submitted_on and review.submitted_on > today:
        add("submitted_on", _("A review is submitted on a day that has come."))
    if review.approved_on and review.approved_on > today:
        add("approved_on", _("A review is approved on a day that has come."))
    if (review.approved_amount is None) != (review.approved_on is None):
        name = "approved_on" if review.approved_on is None else "approved_amount"
        add(name, _("Give both the approved amount and the day it was approved, or neither."))
    if (
        review.approved_amount is not None
        and review.submitted_amount is not None
        and review.approved_amount > review.submitted_amount
        and not (review.note or "").strip()
    ):
        add("note", _("The approved amount is above the submitted one (审增): say why in the note."))
    if review.contract_id and review.contract.is_voided:
        add("contract", _("The contract is voided."))
    return errors


# Once approved, a review is a record: these stay as they were approved (the note may still be completed).
APPROVED_FIXED = (
    "kind",
    "project_id",
    "contract_id",
    "name",
    "submitted_amount",
    "submitted_on",
    "approved_amount",
    "approved_on",
    "reviewer_id",
)


def save_review(*, instance: Review, actor: Any, data: dict[str, Any] | None = None) -> Review:
    """Record a review or change one under review; with its approved amount and day it is approved. An approved
    review no longer changes (void it with the reason and record it again), but for its note."""
    if not instance._state.adding:
        stored = Review.objects.filter(pk=instance.pk).values(*APPROVED_FIXED, "status").first()
        if stored is not None and stored["status"] == ReviewStatus.APPROVED:
            changed = [name for name in APPROVED_FIXED if stored[name] != getattr(instance, name)]
            if changed:
                raise ValidationError(
                    _("An approved review is a record: it is not changed but voided with a reason and recorded again.")
                )
    errors = review_errors(instance)
    if errors:
        raise ValidationError(errors)
    approved = instance.approved_amount is not None and instance.approved_on is not None
    instance.status = ReviewStatus.APPROVED if approved else ReviewStatus.SUBMITTED
    save = core_services.create_object if instance._state.adding else core_services.update_object
    return save(instance=instance, actor=actor, data=data)


def delete_review(*, instance: Review, actor: Any) -> None:
    """Delete a review still under review (an approved one is voided)."""
    core_services.delete_object(instance=instance, actor=actor)


def void_review(*, instance: Review, actor: Any, reason: str) -> Review:
    """Void a review with the reason: it leaves every total, and the project may be reviewed again."""
    return core_services.void_object(instance=instance, actor=actor, reason=reason)


def project_reviews(project: Project, user: Any) -> QuerySet:
    """A project's review history, the latest first, as the user may see it."""
    return (
        Review.objects.for_user(user)
        .filter(project=project)
        .select_related("contract", "reviewer")
        .order_by("-submitted_on", "-id")
    )


# ---- the 双算 backlog ------------------------------------------------------------------------------------

COMPLETED_STAGES = [stage for stage, order in STAGE_ORDER.items() if order >= STAGE_ORDER[Stage.COMPLETED]]


def completion_day() -> Coalesce:
    """The day a project was completed: its 竣工验收 milestone (`completed_on`), else the completion acceptance
    approval, else the day it first entered a completed (or later) stage."""
    acceptance = Approval.objects.filter(
        project=OuterRef("pk"), kind__role=ApprovalRole.COMPLETION_ACCEPTANCE, actual_date__isnull=False
    ).values("actual_date")[:1]
    entered = (
        StageChange.objects.filter(project=OuterRef("pk"), stage__in=COMPLETED_STAGES)
        .order_by("entered_on", "id")
        .values("entered_on")[:1]
    )
    return Coalesce(
        "completed_on",
        Subquery(acceptance, output_field=DateField()),
        Subquery(entered, output_field=DateField()),
        output_field=DateField(),
    )


def approved_review(kind: str, by: datetime.date | None = None) -> Exists:
    """The project has a live approved review of `kind` (approved by the day `by`)."""
    reviews = Review.objects.filter(
        project=OuterRef("pk"), kind=kind, status=ReviewStatus.APPROVED, voided_at__isnull=True
    )
    if by is not None:
        reviews = reviews.filter(approved_on__lte=by)
    return Exists(reviews)


class BacklogKind:
    SETTLEMENT = ReviewKind.SETTLEMENT
    FINAL = ReviewKind.FINAL
    DUE_FIELD = {ReviewKind.SETTLEMENT: "settlement_due_days", ReviewKind.FINAL: "final_accounts_due_days"}


def overdue_q(kind: str, settings: dict[int, ContractSettings], day: datetime.date) -> Q:
    """Projects (annotated with `completed_day`) past their agency's allowance for `kind` at the end of `day`:
    completed before `day` − allowance, so on the allowance's last day a project is due, not overdue."""
    field = BacklogKind.DUE_FIELD[kind]
    by_cutoff: dict[datetime.date, list[int]] = {}
    for agency_id, agency_settings in settings.items():
        cutoff = day - datetime.timedelta(days=getattr(agency_settings, field))
        by_cutoff.setdefault(cutoff, []).append(agency_id)
    q = Q(pk__in=[])
    for cutoff, agency_ids in by_cutoff.items():
        q |= Q(agency_id__in=agency_ids, completed_day__lt=cutoff)
    return q & ~Q(approved_review(kind, by=day))


def backlog_projects(
    projects: QuerySet, kind: str | None = None, day: datetime.date | None = None
) -> tuple[QuerySet, dict[int, ContractSettings]]:
    """The projects of `projects` overdue for their settlement review or final accounts at the end of `day`
    (today): `kind` one of them, or None for either. Annotated with `completed_day`."""
    day = day or timezone.localdate()
    annotated = projects.annotate(completed_day=completion_day()).filter(completed_day__isnull=False)
    agency_ids = set(annotated.order_by().values_list("agency_id", flat=True).distinct())
    settings = settings_by_agency(agency_ids)
    kinds = [kind] if kind else [BacklogKind.SETTLEMENT, BacklogKind.FINAL]
    q = Q(pk__in=[])
    for each in kinds:
        q |= overdue_q(each, settings, day)
    return annotated.filter(q), settings


@dataclass(frozen=True)
class BacklogRow:
    project: Project
    completed_on: datetime.date
    settlement_due: datetime.date
    settlement_approved_on: datetime.date | None
    final_due: datetime.date
    final_approved_on: datetime.date | None
    day: datetime.date

    @property
    def settlement_overdue(self) -> int | None:
        """Days past the allowance without an approved settlement review; None when not overdue."""
        return _overdue(self.settlement_due, self.settlement_approved_on, self.day)

    @property
    def final_overdue(self) -> int | None:
        return _overdue(self.final_due, self.final_approved_on, self.day)

    @property
    def days_overdue(self) -> int:
        return max(self.settlement_overdue or 0, self.final_overdue or 0)


def _overdue(due: datetime.date, approved_on: datetime.date | None, day: datetime.date) -> int | None:
    if approved_on is not None and approved_on <= day:
        return None
    late = (day - due).days
    return late if late > 0 else None


def backlog_rows(projects: QuerySet, kind: str | None = None, day: datetime.date | None = None) -> list[BacklogRow]:
    """The backlog as rows, the longest overdue first."""
    day = day or timezone.localdate()
    found, settings = backlog_projects(projects, kind, day)
    found = list(found.select_related("agency", "director"))
    approved: dict[tuple[int, str], datetime.date] = {}
    for project_id, review_kind, approved_on in (
        Review.objects.filter(
            project__in=[p.pk for p in found],
            kind__in=[ReviewKind.SETTLEMENT, ReviewKind.FINAL],
            status=ReviewStatus.APPROVED,
            voided_at__isnull=True,
            approved_on__lte=day,
        )
        .order_by("approved_on")
        .values_list("project_id", "kind", "approved_on")
    ):
        approved.setdefault((project_id, review_kind), approved_on)
    rows = []
    for project in found:
        agency_settings = settings[project.agency_id]
        completed = project.completed_day
        rows.append(
            BacklogRow(
                project=project,
                completed_on=completed,
                settlement_due=completed + datetime.timedelta(days=agency_settings.settlement_due_days),
                settlement_approved_on=approved.get((project.pk, ReviewKind.SETTLEMENT)),
                final_due=completed + datetime.timedelta(days=agency_settings.final_accounts_due_days),
                final_approved_on=approved.get((project.pk, ReviewKind.FINAL)),
                day=day,
            )
        )
    rows.sort(key=lambda r: (-r.days_overdue, r.project.code))
    return rows


def backlog_count(agency_ids: Iterable[int], kind: str, day: datetime.date | None = None) -> int:
    projects = Project.objects.filter(agency_id__in=list(agency_ids))
    found, _settings = backlog_projects(projects, kind, day)
    return found.count()


def backlog_counts(agency_ids: Iterable[int], day: datetime.date | None = None) -> dict[str, int]:
    """The settlement and the final-accounts backlog of the agencies at the end of `day`, in one query."""
    day = day or timezone.localdate()
    ids = list(agency_ids)
    settings = settings_by_agency(set(ids))
    row = (
        Project.objects.filter(agency_id__in=ids)
        .annotate(completed_day=completion_day())
        .filter(completed_day__isnull=False)
        .annotate(
            **{
                f"{kind}_overdue": Case(When(overdue_q(kind, settings, day), then=1), default=0)
                for kind in (BacklogKind.SETTLEMENT, BacklogKind.FINAL)
            }
        )
        .aggregate(**{kind: Sum(f"{kind}_overdue") for kind in (BacklogKind.SETTLEMENT, BacklogKind.FINAL)})
    )
    return {kind: row[kind] or 0 for kind in (BacklogKind.SETTLEMENT, BacklogKind.FINAL)}


# ---- subcontract filings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subcontracting:
    """What a main contract has subcontracted (its live filings) against its limit."""

    contract: Contract
    total: Decimal
    limit_percent: Decimal

    @property
    def percent(self) -> Decimal | None:
        return rate(self.total, self.contract.amount)

    @property
    def limit(self) -> Decimal:
        return (self.contract.amount or ZERO) * self.limit_percent / HUNDRED

    @property
    def over_limit(self) -> bool:
        return self.total > self.limit


def subcontracting(contract: Contract, settings: ContractSettings | None = None) -> Subcontracting:
    settings = settings or settings_of(contract.agency_id)
    total = (
        Subcontract.objects.filter(contract=contract, voided_at__isnull=True).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return Subcontracting(contract, total, settings.subcontract_max_percent)


def days_late(subcontract: Subcontract, settings: ContractSettings | None = None) -> int:
    """Days a filing came after the allowance (0: in time). Filed `subcontract_filing_days` after the start is
    still in time."""
    if subcontract.filed_on is None or subcontract.start_on is None:
        return 0
    settings = settings or settings_of(subcontract.contract.agency_id)
    late = (subcontract.filed_on - subcontract.start_on).days - settings.subcontract_filing_days
    return max(late, 0)


def late_q(settings: dict[int, ContractSettings]) -> Q:
    """Filings made after their agency's allowance (for the list filter and the rule)."""
    q = Q(pk__in=[])
    for agency_id, agency_settings in settings.items():
        q |= Q(
            contract__agency_id=agency_id,
            filed_on__gt=_plus_days("start_on", agency_settings.subcontract_filing_days),
        )
    return q


def _plus_days(field: str, days: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) + datetime.timedelta(days=days), output_field=DateField())


def subcontract_warnings(subcontract: Subcontract) -> list[str]:
    """The warnings a filing shows: its contract subcontracted over the limit, the filing late."""
    if subcontract.is_voided:
        return []
    settings = settings_of(subcontract.contract.agency_id)
    warnings = contract_warnings(subcontract.contract, settings)
    late = days_late(subcontract, settings)
    if late:
        warnings.append(
            _("Filed %(days)s days late: a subcontract is filed within %(allowed)s days of its start.")
            % {"days": late, "allowed": settings.subcontract_filing_days}
        )
    return warnings


def contract_warnings(contract: Contract, settings: ContractSettings | None = None) -> list[str]:
    state = subcontracting(contract, settings)
    if not state.over_limit:
        return []
    return [
        _("Subcontracted %(percent)s%% of the contract price, above the %(limit)s%% allowed.")
        % {"percent": state.percent, "limit": number(state.limit_percent)}
    ]


def subcontract_errors(
    subcontract: Subcontract, actor: Any, today: datetime.date | None = None
) -> dict[str, list[str]]:
    """What stops a filing beyond its model's own rules."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    contract = subcontract.contract if subcontract.contract_id else None
    if contract is not None:
        if contract.kind not in MAIN_CONTRACT_KINDS:
            errors.setdefault("contract", []).append(
                _("A subcontract is filed under a works or EPC contract, not a %(kind)s one.")
                % {"kind": contract.get_kind_display()}
            )
        elif contract.is_voided or contract.status not in IN_FORCE:
            errors.setdefault("contract", []).append(
                _("A subcontract is filed under a contract in force (signed, not yet closed).")
            )
        if contract.signed_on and subcontract.filed_on and subcontract.filed_on < contract.signed_on:
            errors.setdefault("filed_on", []).append(
                _("A subcontract is filed after its main contract is signed (%(day)s).")
                % {"day": contract.signed_on.isoformat()}
            )
    if subcontract.filed_on and subcontract.filed_on > today:
        errors.setdefault("filed_on", []).append(_("A subcontract is filed on a day that has come."))
    return errors


def check_filer(subcontract: Subcontract, actor: Any) -> None:
    """A company files only under the contracts it is the contractor (乙方) of."""
    if getattr(actor, "role", None) != Role.COMPANY or actor.is_superuser:
        return
    if subcontract.contract_id is None or subcontract.contract.contractor_id != actor.organization_id:
        raise PermissionDenied(_("A subcontract is filed by the main contractor of its contract."))


def sync_filing_participation(project_id: int, organization_ids: Iterable[int], actor: Any) -> None:
    """Make each organization's participation as a subcontractor of the project follow its live filings: a
    filing starts it, the last filing voided or removed ends it (kept, not deleted). Inside the caller's
    transaction; every row written is logged."""
    today = timezone.localdate()
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    for organization_id in sorted(set(organization_ids)):
        filings = Subcontract.objects.filter(
            contract__project_id=project_id, company_id=organization_id, voided_at__isnull=True
        ).order_by("start_on")
        current = list(
            Participation.objects.select_for_update().filter(
                project_id=project_id,
                organization_id=organization_id,
                role=PartyRole.SUBCONTRACTOR,
                source=ParticipationSource.CONTRACT,
                note__startswith=FILING_NOTE,
                ended_on__isnull=True,
            )
        )
        first = filings.first()
        if first is not None and not current:
            participation = Participation.objects.create(
                project_id=project_id,
                organization_id=organization_id,
                role=PartyRole.SUBCONTRACTOR,
                source=ParticipationSource.CONTRACT,
                started_on=min(first.start_on, today),
                note=FILING_NOTE,
            )
            changes.append((participation, "create", None, core_services.snapshot(participation)))
        elif first is None:
            for participation in current:
                before = core_services.snapshot(participation)
                participation.ended_on = max(today, participation.started_on)
                participation.save(update_fields=["ended_on"])
                changes.append((participation, "update", before, core_services.snapshot(participation)))
    if changes:
        core_services.log_changes(changes, actor)


def save_subcontract(*, instance: Subcontract, actor: Any, data: dict[str, Any] | None = None) -> Subcontract:
    """File a subcontract under a main contract, or change a filing; its subcontractor takes part in the
    project (and one replaced stops, unless another filing names it)."""
    check_filer(instance, actor)
    errors = subcontract_errors(instance, actor)
    if errors:
        raise ValidationError(errors)
    adding = instance._state.adding
    stored = None if adding else Subcontract.objects.filter(pk=instance.pk).select_related("contract").first()

    def take_part(saved: Subcontract) -> None:
        sync_filing_participation(saved.contract.project_id, [saved.company_id], actor)
        if stored is not None and (stored.company_id, stored.contract.project_id) != (
            saved.company_id,
            saved.contract.project_id,
        ):
            sync_filing_participation(stored.contract.project_id, [stored.company_id], actor)

    save = core_services.create_object if adding else core_services.update_object
    with transaction.atomic():
        return save(instance=instance, actor=actor, data=data, after_save=take_part)


def delete_subcontract(*, instance: Subcontract, actor: Any) -> None:
    core_services.delete_object(instance=instance, actor=actor)


def void_subcontract(*, instance: Subcontract, actor: Any, reason: str) -> Subcontract:
    """Void a filing with the reason: it leaves the contract's subcontracted total, and its subcontractor stops
    taking part in the project unless another filing names it."""
    with transaction.atomic():
        voided = core_services.void_object(instance=instance, actor=actor, reason=reason)
        sync_filing_participation(voided.contract.project_id, [voided.company_id], actor)
    return voided


def contract_choices(user: Any) -> QuerySet:
    """The main contracts a user may file under: works and EPC contracts in force; a company's own only."""
    contracts = Contract.objects.for_user(user).filter(
        kind__in=MAIN_CONTRACT_KINDS, status__in=IN_FORCE, voided_at__isnull=True
    )
    if getattr(user, "role", None) == Role.COMPANY and not user.is_superuser:
        contracts = contracts.filter(contractor_id=user.organization_id or 0)
    return contracts
