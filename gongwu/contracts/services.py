"""Contracts in the domain's words, the actions: numbering, writing a contract (from a tender or by hand), its
status from draft to closed, the parties' participation in the project, and countersign (会签) rounds.

Each action is keyword-only with `actor`, runs in one transaction and logs every row it writes. Other areas of
the app (changes, claims, reviews, subcontracts) add their own sections below.
"""

from __future__ import annotations

import datetime
import re
import string
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.contracts.models import (
    IN_FORCE,
    KIND_CODES,
    NEXT_STATUS,
    Contract,
    ContractSettings,
    ContractStatus,
    ContractTemplate,
    Countersign,
    CountersignRoute,
    CountersignStatus,
    CountersignStep,
    StepStatus,
)
from gongwu.core import services as core_services
from gongwu.core.models import Action, Organization, Role, user_may
from gongwu.core.money import format_money
from gongwu.projects.models import ROLE_OF_KIND, Participation, ParticipationSource, PartyRole
from gongwu.tenders.models import SubjectKind, Tender

# ---- numbering -----------------------------------------------------------------------------------


def settings_for(agency_id: int, actor: Any = None, *, lock: bool = False) -> ContractSettings:
    """The agency's contract settings; with `lock`, the row is created if missing (logged) and locked, so
    that numbering runs one at a time per agency."""
    if not lock:
        found = ContractSettings.objects.filter(agency_id=agency_id).first()
        return found if found is not None else ContractSettings(agency_id=agency_id)
    found = ContractSettings.objects.select_for_update().filter(agency_id=agency_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            created = ContractSettings.objects.create(agency_id=agency_id)
            core_services.log_created(created, actor)
    except IntegrityError:  # made by a concurrent write a moment ago
        pass
    return ContractSettings.objects.select_for_update().get(agency_id=agency_id)


def agency_code(agency: Organization) -> str:
    return agency.short_name or agency.name


def _fields(pattern: str) -> list[tuple[str, str | None, str | None]]:
    return [(literal, name, spec) for literal, name, spec, _conv in string.Formatter().parse(pattern)]


def number_regex(pattern: str, agency: str, year: int) -> re.Pattern[str]:
    """Numbers the pattern gives in an agency and year, whatever the kind, with the running number as group 1."""
    parts = []
    for literal, name, spec in _fields(pattern):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name == "seq":
            parts.append(r"(\d+)")
        elif name == "kind":
            codes = sorted({format(code, spec or "") for code in KIND_CODES.values()}, key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(code) for code in codes) + ")")
        elif name == "agency":
            parts.append(re.escape(format(agency, spec or "")))
        else:
            parts.append(re.escape(format(year, spec or "")))
    return re.compile("^" + "".join(parts) + "$")


def number_prefix(pattern: str, agency: str, year: int) -> str:
    """The fixed start of the agency's numbers of a year (to narrow the search for the last one)."""
    prefix = ""
    for literal, name, spec in _fields(pattern):
        prefix += literal
        if name == "agency":
            prefix += format(agency, spec or "")
        elif name == "year":
            prefix += format(year, spec or "")
        elif name is not None:
            break
    return prefix


def next_number(contract: Contract, settings: ContractSettings) -> str:
    """The next number for `contract` under the agency's pattern: {seq} runs per agency and year (of signing,
    else today). Call with the settings row locked (`settings_for(lock=True)`)."""
    agency = contract.agency
    year = (contract.signed_on or timezone.localdate()).year
    pattern = settings.number_pattern
    code = agency_code(agency)
    regex = number_regex(pattern, code, year)
    candidates = Contract.objects.filter(
        agency=agency, number__startswith=number_prefix(pattern, code, year)
    ).values_list("number", flat=True)
    last = 0
    for number in candidates.iterator(chunk_size=2000):
        match = regex.match(number)
        if match:
            last = max(last, int(match.group(1)))
    return pattern.format(agency=code, year=year, kind=KIND_CODES.get(contract.kind, "HT"), seq=last + 1)


def assign_number(contract: Contract, actor: Any) -> None:
    """Give a contract without a number the next one of its agency (locking the agency's settings)."""
    if contract.number or not contract.agency_id:
        return
    contract.number = next_number(contract, settings_for(contract.agency_id, actor, lock=True))


# ---- contracts -----------------------------------------------------------------------------------


def prefill_from_tender(tender: Tender) -> dict[str, Any]:
    """What a contract from an awarded tender starts with: the winner, the award price, the kind, the agency,
    the project and sections of the tender's plan."""
    plan = tender.plan
    return {
        "agency": tender.agency_id,
        "tender": tender.pk,
        "name": tender.name,
        "kind": tender.subject_kind,
        "project": plan.project_id,
        "sections": list(plan.sections.values_list("pk", flat=True)),
        "contractor": tender.winner_id,
        "amount": tender.award_price,
    }


def _after_contract_save(contract: Contract, actor: Any) -> None:
    if contract.status in IN_FORCE and contract.voided_at is None:
        record_participations(contract, actor)


def create_contract(*, instance: Contract, actor: Any, data: dict[str, Any] | None = None) -> Contract:
    """A new contract (a draft unless written otherwise): numbered from the agency's pattern when left blank."""
    core_services.default_agency(instance, actor)
    with transaction.atomic():
        if not user_may(actor, Contract, Action.ADD):
            raise PermissionDenied(_("You may not add contracts."))
        assign_number(instance, actor)
        return core_services.create_object(
            instance=instance, actor=actor, data=data, after_save=lambda c: _after_contract_save(c, actor)
        )


def update_contract(*, instance: Contract, actor: Any, data: dict[str, Any] | None = None) -> Contract:
    """Save a contract's fields (its status changes through `transition_contract` and countersign); a contract
    in force whose parties change brings the new parties into the project."""
    with transaction.atomic():
        stored = Contract.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        if stored == ContractStatus.COUNTERSIGNING:
            raise ValidationError(_("A contract does not change while it is countersigned; have it returned first."))
        if stored is not None:
            instance.status = stored
        assign_number(instance, actor)
        return core_services.update_object(
            instance=instance, actor=actor, data=data, after_save=lambda c: _after_contract_save(c, actor)
        )


def delete_contract(*, instance: Contract, actor: Any) -> None:
    """Delete a draft never sent to countersign (a contract past draft, or with countersign rounds on record, is
    voided instead)."""
    if Countersign.objects.filter(contract_id=instance.pk).exists():
        raise core_services.VoidInstead(
            _("This contract has been through countersign, which stays on record; void it with a reason instead.")
        )
    core_services.delete_object(instance=instance, actor=actor)


def void_contract(*, instance: Contract, actor: Any, reason: str) -> Contract:
    """Void a contract with a reason: a running countersign ends, and the parties' participations that only
    this contract gave end today."""
    with transaction.atomic():

        def stop(locked: Contract) -> None:
            running = Countersign.objects.filter(contract=locked, status=CountersignStatus.RUNNING).first()
            if running is not None:
                _close_round(running, CountersignStatus.RETURNED, actor, skip=True)

        voided = core_services.void_object(instance=instance, actor=actor, reason=reason, apply=stop)
        end_participations(voided, actor)
    return voided


# What each status transition records, and the date field it sets.
STATUS_DATES: dict[str, str] = {
    ContractStatus.PERFORMING: "start_on",
    ContractStatus.COMPLETED: "completed_on",
    ContractStatus.SETTLED: "settled_on",
}
# Statuses reached only through countersign.
COUNTERSIGN_STATUSES = (ContractStatus.COUNTERSIGNING, ContractStatus.SIGNED, ContractStatus.DRAFT)


def locked_contract(contract: Contract | int, actor: Any, action: str = Action.CHANGE) -> Contract:
    pk = contract if isinstance(contract, int) else contract.pk
    locked = Contract.objects.for_user(actor, action).select_for_update().filter(pk=pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not change this contract."))
    if locked.voided_at is not None:
        raise ValidationError(_("The contract is voided; it no longer changes."))
    return locked


def transition_contract(*, contract: Contract, status: str, actor: Any, on: datetime.date | None = None) -> Contract:
    """Move a contract on: signed → performing (start date), → completed, → settled, → closed. Draft,
    countersigning and signed are reached through countersign. The date defaults to today."""
    if status not in ContractStatus.values:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": status}})
    with transaction.atomic():
        locked = locked_contract(contract, actor)
        if status not in NEXT_STATUS[locked.status]:
            raise ValidationError(
                {
                    "status": _("A contract that is “%(current)s” cannot become “%(status)s”.")
                    % {"current": locked.get_status_display(), "status": ContractStatus(status).label}
                }
            )
        if status in COUNTERSIGN_STATUSES:
            raise ValidationError({"status": _("A contract is signed, or returned to draft, through countersign.")})
        before = core_services.snapshot(locked)
        locked.status = status
        field = STATUS_DATES.get(status)
        day = on or timezone.localdate()
        if field is not None and (on is not None or getattr(locked, field) is None):
            setattr(locked, field, day)
        locked.full_clean()
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
    return locked


# ---- parties take part in the project -----------------------------------------------------------------

# The role a contract's main party plays, by the contract's kind.
ROLE_OF_CONTRACT_KIND: dict[str, str] = {
    SubjectKind.SURVEY: PartyRole.SURVEYOR,
    SubjectKind.DESIGN: PartyRole.DESIGNER,
    SubjectKind.WORKS: PartyRole.GENERAL_CONTRACTOR,
    SubjectKind.SUPERVISION: PartyRole.SUPERVISOR,
    SubjectKind.CONSULTING: PartyRole.CONSULTANT,
    SubjectKind.EPC: PartyRole.GENERAL_CONTRACTOR,
    SubjectKind.AGENT: PartyRole.AGENT,
    SubjectKind.GOODS: PartyRole.SUPPLIER,
    SubjectKind.SERVICES: PartyRole.CONSULTANT,
}


def contract_parties(contract: Contract) -> set[tuple[int, str]]:
    """(organization, role) of each party: the contractor and consortium members in the contract's role, a
    third party in the role its kind plays."""
    role = ROLE_OF_CONTRACT_KIND.get(contract.kind, PartyRole.GENERAL_CONTRACTOR)
    wanted = {(contract.contractor_id, role)}
    wanted |= {(org_id, role) for org_id in contract.consortium.values_list("pk", flat=True)}
    if contract.third_party_id:
        wanted.add((contract.third_party_id, ROLE_OF_KIND.get(contract.third_party.kind, PartyRole.CONSULTANT)))
    return wanted


def record_participations(contract: Contract, actor: Any, day: datetime.date | None = None) -> None:
    """The parties of a contract in force take part in its project, in each of its sections (or the project
    as a whole when it names none): a participation from the signing day for each one not already running.
    Inside the caller's transaction; each row logged."""
    day = day or contract.signed_on or timezone.localdate()
    sections = list(contract.sections.values_list("pk", flat=True)) or [None]
    running = set(
        Participation.objects.filter(project_id=contract.project_id, ended_on__isnull=True).values_list(
            "organization_id", "role", "section_id"
        )
    )
    rows = [
        Participation(
            project_id=contract.project_id,
            section_id=section_id,
            organization_id=org_id,
            role=role,
            started_on=day,
            source=ParticipationSource.CONTRACT,
            note=(_("contract %(number)s") % {"number": contract.number})[:200],
        )
        for org_id, role in sorted(contract_parties(contract))
        for section_id in sections
        if (org_id, role, section_id) not in running
    ]
    for row in rows:
        row.full_clean()
        row.save()
    if rows:
        core_services.log_changes([(row, "create", None, core_services.snapshot(row)) for row in rows], actor)


def end_participations(contract: Contract, actor: Any, day: datetime.date | None = None) -> None:
    """End the participations this contract gave, unless another contract in force on the project gives the
    same party the same place."""
    day = day or timezone.localdate()
    others = Contract.objects.filter(
        project_id=contract.project_id, status__in=IN_FORCE, voided_at__isnull=True
    ).exclude(pk=contract.pk)
    kept: set[tuple[int, str]] = set()
    for other in others.prefetch_related("consortium").select_related("third_party"):
        kept |= contract_parties(other)
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    for participation in Participation.objects.select_for_update().filter(
        project_id=contract.project_id,
        source=ParticipationSource.CONTRACT,
        ended_on__isnull=True,
        organization_id__in=[org for org, _role in contract_parties(contract)],
    ):
        if (participation.organization_id, participation.role) in kept:
            continue
        before = core_services.snapshot(participation)
        participation.ended_on = max(day, participation.started_on)
        participation.save(update_fields=["ended_on"])
        changes.append((participation, "update", before, core_services.snapshot(participation)))
    if changes:
        core_services.log_changes(changes, actor)


# ---- countersign (会签) -----------------------------------------------------------------------------------


def route_for(contract: Contract) -> CountersignRoute | None:
    """The route a contract's countersign follows: of its agency and in use, for its kind (before a route for
    every kind), whose band [from, below) holds its amount (the narrowest band when several do)."""
    amount = contract.amount
    routes = CountersignRoute.objects.filter(
        Q(kind=contract.kind) | Q(kind=""),
        agency_id=contract.agency_id,
        is_active=True,
        min_amount__lte=amount,
    ).filter(Q(max_amount__isnull=True) | Q(max_amount__gt=amount))
    ranked = sorted(
        routes,
        key=lambda r: (r.kind == "", -r.min_amount, r.max_amount is None, r.max_amount or 0, r.pk),
    )
    return ranked[0] if ranked else None


def start_countersign(*, contract: Contract, actor: Any) -> Countersign:
    """Send a draft contract round its route: a new round whose first steps are open to sign now and the
    later ones waiting; the contract is countersigning."""
    with transaction.atomic():
        locked = locked_contract(contract, actor)
        if locked.status != ContractStatus.DRAFT:
            raise ValidationError(
                _("Only a draft is sent to countersign; this contract is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        route = route_for(locked)
        if route is None:
            raise ValidationError(
                _(
                    "No countersign route in use covers a %(kind)s contract of %(amount)s: an agency leader sets "
                    "one up under Countersign routes."
                )
                % {"kind": locked.get_kind_display(), "amount": format_money(locked.amount)}
            )
        route_steps = list(route.steps.order_by("order", "id"))
        if not route_steps:
            raise ValidationError(_("The countersign route “%(route)s” has no steps yet.") % {"route": route.name})
        now = timezone.now()
        last_round = Countersign.objects.filter(contract=locked).aggregate(m=Max("round"))["m"] or 0
        round_ = Countersign.objects.create(
            contract=locked, route=route, round=last_round + 1, started_at=now, started_by=actor
        )
        first = route_steps[0].order
        steps = [
            CountersignStep(
                countersign=round_,
                order=step.order,
                label=step.label,
                department_id=step.department_id,
                role=step.role,
                status=StepStatus.PENDING if step.order == first else StepStatus.WAITING,
                opened_at=now if step.order == first else None,
            )
            for step in route_steps
        ]
        CountersignStep.objects.bulk_create(steps)
        before = core_services.snapshot(locked)
        locked.status = ContractStatus.COUNTERSIGNING
        locked.save(update_fields=["status"])
        changes: list[tuple[Any, str, dict | None, dict | None]] = [
            (round_, "create", None, core_services.snapshot(round_)),
            *((step, "create", None, core_services.snapshot(step)) for step in steps),
            (locked, "update", before, core_services.snapshot(locked)),
        ]
        core_services.log_changes(changes, actor)
    return round_


def _close_round(round_: Countersign, status: str, actor: Any, *, skip: bool) -> list[tuple[Any, str, Any, Any]]:
    """Finish a round; with `skip`, its steps not yet signed become "not needed". Logged here."""
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    if skip:
        for step in CountersignStep.objects.select_for_update().filter(
            countersign=round_, status__in=(StepStatus.PENDING, StepStatus.WAITING)
        ):
            before = core_services.snapshot(step)
            step.status = StepStatus.SKIPPED
            step.save(update_fields=["status"])
            changes.append((step, "update", before, core_services.snapshot(step)))
    before = core_services.snapshot(round_)
    round_.status = status
    round_.finished_at = timezone.now()
    round_.save(update_fields=["status", "finished_at"])
    changes.append((round_, "update", before, core_services.snapshot(round_)))
    core_services.log_changes(changes, actor)
    return changes


def may_act_on(step: CountersignStep, user: Any) -> bool:
    """Whether `user` signs this step now: one of those the step names, and able to see the contract."""
    return step.may_act(user) and (
        Contract.objects.for_user(user, Action.VIEW).filter(pk=step.countersign.contract_id).exists()
    )


def act_on_step(
    *,
    step: CountersignStep,
    actor: Any,
    approve: bool,
    comment: str = "",
    signed_on: datetime.date | None = None,
) -> CountersignStep:
    """Approve or return a step. Approving the last open step of an order opens the next order; approving the
    last step of all signs the contract (on `signed_on`, today by default) and brings its parties into the
    project. Returning (with a comment) ends the round, the other open steps are not needed, and the contract
    goes back to draft."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the contract is returned.")})
    with transaction.atomic():
        locked = CountersignStep.objects.select_for_update().select_related("countersign").filter(pk=step.pk).first()
        if (
            locked is None
            or not Contract.objects.for_user(actor, Action.VIEW).filter(pk=locked.countersign.contract_id).exists()
        ):
            raise PermissionDenied(_("You may not act on this countersign step."))
        if locked.status != StepStatus.PENDING:
            raise ValidationError(
                _("This step is “%(status)s”; there is nothing to sign.") % {"status": locked.get_status_display()}
            )
        if not locked.may_act(actor):
            raise PermissionDenied(
                _("“%(step)s” is signed by %(who)s; you are not one of them.")
                % {"step": locked.label, "who": step_signers(locked)}
            )
        round_ = Countersign.objects.select_for_update().get(pk=locked.countersign_id)
        contract = Contract.objects.select_for_update().get(pk=round_.contract_id)
        if round_.status != CountersignStatus.RUNNING or contract.status != ContractStatus.COUNTERSIGNING:
            raise ValidationError(_("This countersign round is over."))
        now = timezone.now()
        before = core_services.snapshot(locked)
        locked.status = StepStatus.APPROVED if approve else StepStatus.RETURNED
        locked.acted_at = now
        locked.acted_by = actor
        locked.comment = comment
        locked.save()
        core_services.log_change(
            instance=locked, action="update", actor=actor, before=before, after=core_services.snapshot(locked)
        )
        if approve:
            _advance(round_, contract, actor, signed_on)
        else:
            _close_round(round_, CountersignStatus.RETURNED, actor, skip=True)
            _set_contract(contract, actor, status=ContractStatus.DRAFT)
    return locked


def _advance(round_: Countersign, contract: Contract, actor: Any, signed_on: datetime.date | None) -> None:
    steps = list(CountersignStep.objects.select_for_update().filter(countersign=round_).order_by("order", "id"))
    if any(s.status == StepStatus.PENDING for s in steps):
        return  # a parallel step of this order is still to sign
    waiting = [s for s in steps if s.status == StepStatus.WAITING]
    if waiting:
        order = waiting[0].order
        now = timezone.now()
        changes: list[tuple[Any, str, dict | None, dict | None]] = []
        for step in waiting:
            if step.order != order:
                break
            before = core_services.snapshot(step)
            step.status = StepStatus.PENDING
            step.opened_at = now
            step.save(update_fields=["status", "opened_at"])
            changes.append((step, "update", before, core_services.snapshot(step)))
        core_services.log_changes(changes, actor)
        return
    _close_round(round_, CountersignStatus.APPROVED, actor, skip=False)
    _set_contract(contract, actor, status=ContractStatus.SIGNED, signed_on=signed_on or timezone.localdate())
    record_participations(contract, actor)


def _set_contract(contract: Contract, actor: Any, *, status: str, signed_on: datetime.date | None = None) -> None:
    before = core_services.snapshot(contract)
    contract.status = status
    if signed_on is not None:
        contract.signed_on = signed_on
    contract.full_clean()
    contract.save()
    core_services.log_change(
        instance=contract, action="update", actor=actor, before=before, after=core_services.snapshot(contract)
    )


def step_signers(step: CountersignStep | Any) -> str:
    """Who signs a step, in words: the department, the role, or both."""
    parts = []
    if step.department_id:
        parts.append(str(step.department))
    if step.role:
        parts.append(str(Role(step.role).label))
    return " · ".join(parts)


def pending_steps_for(user: Any) -> QuerySet[CountersignStep]:
    """The steps open for `user` to sign now (of contracts they may see)."""
    if not getattr(user, "is_authenticated", False) or user.role == Role.COMPANY:
        return CountersignStep.objects.none()
    visible = Contract.objects.for_user(user, Action.VIEW).values("pk")
    return (
        CountersignStep.objects.for_user(user, Action.VIEW)
        .filter(status=StepStatus.PENDING, countersign__contract__in=visible)
        .filter(Q(department__isnull=True) | Q(department_id=user.organization_id or 0))
        .filter(Q(role="") | Q(role=user.role))
    )


def round_steps(rounds: Iterable[Countersign]) -> dict[int, list[CountersignStep]]:
    """The steps of each round, in order, with who acted (for the contract page)."""
    by_round: dict[int, list[CountersignStep]] = {}
    for step in (
        CountersignStep.objects.filter(countersign__in=[r.pk for r in rounds])
        .select_related("department", "acted_by")
        .order_by("order", "id")
    ):
        by_round.setdefault(step.countersign_id, []).append(step)
    return by_round


def duration_text(delta: datetime.timedelta | None) -> str:
    """How long a step or round took, in hours under two days and in days from then."""
    if delta is None:
        return ""
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return _("%(hours)s h") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}


# ---- the standard text library -----------------------------------------------------------------------


def save_template(*, instance: ContractTemplate, actor: Any, data: dict[str, Any] | None = None) -> ContractTemplate:
    """Create or change a standard text; a file uploaded with it is removed again if the write fails."""

    def remember(template: ContractTemplate) -> None:
        if template.file:
            core_services.remember_stored_file(template.file.storage, template.file.name)

    save = core_services.create_object if instance._state.adding else core_services.update_object
    return save(instance=instance, actor=actor, data=data, after_save=remember)


def contract_document(*, contract: Contract, actor: Any) -> tuple[bytes, str]:
    """The contract's Word document from its standard text (or the built-in one) and its file name.
    Raises `documents.TemplateProblem` with the reason when the template cannot be filled."""
    from gongwu.contracts import documents

    if not Contract.objects.for_user(actor, Action.VIEW).filter(pk=contract.pk).exists():
        raise PermissionDenied(_("You may not view this contract."))
    content = documents.render_contract(contract)
    name = f"{contract.number or contract.name}.docx".replace("/", "-")
    return content, name
