"""The workflow pages of changes, spot checks and claims: the steps' buttons (POST, through the services) and
what the detail pages show about where a record stands; the agency's approval bands."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongwu.contracts import changes, claims, forms_money
from gongwu.contracts.models import (
    LEVEL_ROLES,
    ApprovalLevel,
    Change,
    ChangeBand,
    ChangeStatus,
    Claim,
    ClaimKind,
    ClaimStatus,
    SpotCheck,
    SpotCheckItem,
)
from gongwu.core.models import Action, Role, user_may


def _errors(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


# ---- changes -----------------------------------------------------------------------------------------------


def change_context(change: Change, request: HttpRequest) -> dict[str, Any]:
    user = request.user
    editable = change.status in changes.EDITABLE and not change.is_voided
    may_change = Change.objects.for_user(user, Action.CHANGE).filter(pk=change.pk).exists()
    actions: list[str] = []
    if editable and may_change and (changes.is_agency_user(user) or changes.is_party(user, change.contract)):
        actions.append("submit")
    if not change.is_voided and changes.may_decide(user, change):
        actions += ["approve", "reject", "return"]
        if change.needs_committee and user.role != Role.DIRECTOR:
            actions.append("committee")
    needed = changes.requirement(change) if change.status in (*changes.EDITABLE, ChangeStatus.SUBMITTED) else None
    next_level = (change.level_approved or 0) + 1
    return {
        "actions": actions,
        "may_change": may_change and editable,
        "needed": needed,
        "next_level": ApprovalLevel(next_level).label if change.status == ChangeStatus.SUBMITTED else "",
        "next_roles": sorted(str(Role(r).label) for r in LEVEL_ROLES.get(next_level, ())),
        "approvals": change.approvals.select_related("decided_by").order_by("decided_at", "id"),
        "comment_form": forms_money.CommentForm(),
        "committee_form": forms_money.CommitteeForm(
            initial={"committee_topic": change.committee_topic, "committee_decided_on": change.committee_decided_on}
        ),
        "contract": change.contract,
        "changes_url": reverse("contracts:change_list") + f"?contract={change.contract_id}",
    }


@login_required
@require_POST
def change_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    change = get_object_or_404(Change.objects.for_user(request.user), pk=pk)
    comment = request.POST.get("comment", "")
    try:
        if step == "submit":
            changes.submit_change(change, request.user)
            messages.success(request, _("Submitted for approval."))
        elif step == "approve":
            saved = changes.approve_change(change, request.user, comment=comment)
            if saved.status == ChangeStatus.APPROVED:
                messages.success(request, _("Approved: the contract's approved changes include it now."))
            else:
                messages.success(request, _("Approved at this level; the next level decides now."))
        elif step == "reject":
            changes.reject_change(change, request.user, comment=comment)
            messages.success(request, _("Rejected."))
        elif step == "return":
            changes.return_change(change, request.user, comment=comment)
            messages.success(request, _("Returned for revision."))
        else:
            form = forms_money.CommitteeForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            changes.record_committee(
                change,
                request.user,
                topic=form.cleaned_data["committee_topic"],
                decided_on=form.cleaned_data["committee_decided_on"],
            )
            messages.success(request, _("The technical committee's review is recorded."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return _back(request, change.get_absolute_url())


@login_required
def bands(request: HttpRequest) -> HttpResponse:
    """The agency's approval bands (its defaults made the first time), edited by its leaders."""
    if not user_may(request.user, ChangeBand, Action.VIEW):
        raise PermissionDenied(_("You may not view change approval bands."))
    agency = request.user.agency
    if agency is not None:
        changes.bands_of(agency)
    query = f"?agency={agency.pk}" if agency is not None else ""
    return HttpResponseRedirect(reverse("contracts:changeband_list") + query)


# ---- spot checks -----------------------------------------------------------------------------------------


def spotcheck_context(spot_check: SpotCheck, request: HttpRequest) -> dict[str, Any]:
    user = request.user
    may_change = SpotCheck.objects.for_user(user, Action.CHANGE).filter(pk=spot_check.pk).exists()
    items = list(spot_check.items.select_related("change", "change__contract").order_by("id"))
    return {
        "items": items,
        "may_draw": may_change and spot_check.drawn_at is None and changes.is_agency_user(user),
        "may_record": may_change and changes.is_agency_user(user),
        "population_now": changes.spot_check_population(spot_check).count() if spot_check.drawn_at is None else None,
        "check": changes.verify_draw(spot_check) if request.GET.get("verify") else None,
        "finding_form": forms_money.FindingForm(),
    }


@login_required
@require_POST
def spotcheck_draw(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = get_object_or_404(SpotCheck.objects.for_user(request.user), pk=pk)
    try:
        drawn = changes.draw(spot_check, request.user)
        messages.success(
            request,
            _("Drew %(count)d of %(population)d changes with seed %(seed)s.")
            % {"count": drawn.items.count(), "population": drawn.population, "seed": drawn.seed},
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return HttpResponseRedirect(spot_check.get_absolute_url())


@login_required
@require_POST
def spotcheck_finding(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    spot_check = get_object_or_404(SpotCheck.objects.for_user(request.user), pk=pk)
    row = get_object_or_404(SpotCheckItem.objects.for_user(request.user), pk=item, spot_check=spot_check)
    form = forms_money.FindingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        changes.record_finding(
            row, request.user, finding=form.cleaned_data["finding"], compliant=form.cleaned_data["compliant"]
        )
        messages.success(request, _("Finding recorded."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return HttpResponseRedirect(spot_check.get_absolute_url())


# ---- claims ----------------------------------------------------------------------------------------------


def claim_context(claim: Claim, request: HttpRequest) -> dict[str, Any]:
    user = request.user
    contract = claim.contract
    steps = ("submit", "supervise", "cost", "approve", "return")
    actions = [step for step in steps if claims.may_take(user, claim, step)]
    may_change = (
        claim.status in claims.EDITABLE
        and not claim.is_voided
        and Claim.objects.for_user(user, Action.CHANGE).filter(pk=claim.pk).exists()
        and (changes.is_agency_user(user) or changes.is_party(user, contract))
    )
    proposed = claim.consultant_amount if claim.status == ClaimStatus.CONSULTANT_REVIEWED else None
    preview = None
    if proposed is not None and claim.kind in claims.WORK_KINDS:
        try:
            preview = claims.deductions(claim, contract, proposed, None, None)
        except ValidationError:
            preview = None
    before = {
        ClaimStatus.SUBMITTED: claim.claimed_amount,
        ClaimStatus.SUPERVISOR_REVIEWED: claim.supervisor_amount,
        ClaimStatus.CONSULTANT_REVIEWED: claim.consultant_amount,
    }.get(claim.status)
    return {
        "actions": actions,
        "review_step": "supervise" if "supervise" in actions else "cost",
        "may_change": may_change,
        # a claim under review or approved is returned or voided, not deleted
        "may_delete": claim.status in claims.EDITABLE
        and Claim.objects.for_user(user, Action.DELETE).filter(pk=claim.pk).exists(),
        "contract": contract,
        "remaining": claims.remaining_amount(contract),
        "advance_paid": claims.advance_paid(contract),
        "payable_due": claims.payable_due(contract.pk),
        "preview": preview,
        "is_work": claim.kind in claims.WORK_KINDS,
        "is_advance": claim.kind == ClaimKind.ADVANCE,
        "return_comment": claims.return_comment(claim) if claim.status == ClaimStatus.RETURNED else "",
        "review_form": forms_money.ReviewForm(initial={"amount": before}),
        "approve_form": forms_money.ApproveClaimForm(initial={"amount": proposed}),
        "comment_form": forms_money.CommentForm(),
        "claims_url": reverse("contracts:claim_list") + f"?contract={contract.pk}",
    }


@login_required
@require_POST
def claim_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.for_user(request.user).select_related("contract"), pk=pk)
    try:
        if step == "submit":
            claims.submit_claim(claim, request.user)
            messages.success(request, _("Submitted for review."))
        elif step in ("supervise", "cost"):
            form = forms_money.ReviewForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            claims.review_claim(claim, request.user, amount=form.cleaned_data["amount"])
            messages.success(request, _("Review recorded."))
        elif step == "approve":
            form = forms_money.ApproveClaimForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            claims.approve_claim(
                claim,
                request.user,
                amount=form.cleaned_data["amount"],
                retention=form.cleaned_data["retention_withheld"],
                advance=form.cleaned_data["advance_recovered"],
            )
            messages.success(request, _("Approved: the contract's totals include it now."))
        else:
            claims.return_claim(claim, request.user, comment=request.POST.get("comment", ""))
            messages.success(request, _("Returned to the claimant."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return _back(request, claim.get_absolute_url())


def contract_money_panel(obj: Any, request: HttpRequest) -> dict[str, Any] | None:
    """A contract's money at a glance: price with its approved changes, claims approved, retention, advance
    recovered, paid and payable, with links to its changes and claims and, where the user may, to add one."""
    from gongwu.contracts.models import Contract

    user = request.user
    if not isinstance(obj, Contract) or not user_may(user, Claim, Action.VIEW):
        return None
    counts = {
        "changes": Change.objects.for_user(user).filter(contract=obj).count(),
        "claims": Claim.objects.for_user(user).filter(contract=obj).count(),
    }
    return {
        "template": "contracts/contract_money_panel.html",
        "contract": obj,
        "counts": counts,
        "payable_due": claims.payable_due(obj.pk),
        "remaining": claims.remaining_amount(obj),
        "changes_url": reverse("contracts:change_list") + f"?contract={obj.pk}",
        "claims_url": reverse("contracts:claim_list") + f"?contract={obj.pk}",
        "add_change_url": reverse("contracts:change_add") + f"?contract={obj.pk}"
        if user_may(user, Change, Action.ADD)
        else "",
        "add_claim_url": reverse("contracts:claim_add") + f"?contract={obj.pk}"
        if user_may(user, Claim, Action.ADD)
        else "",
    }
