"""The API of changes (with their approval steps), approval bands, spot checks (with the draw) and payment
claims (with their review steps). CRUD goes through `crud_router` (the pages' forms, filters, scoping and
change log); the steps go through `changes` and `claims`, like the pages' buttons.

A company's user sees and writes only the changes and claims of its own contracts (a supervisor also sees
the claims of the projects it supervises, to review them): it creates change requests and claims, submits
them and follows their status here. Money is exact Decimal 元 as a JSON string.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema

from gongwu.contracts import changes, claims
from gongwu.contracts.models import Claim, SpotCheck
from gongwu.contracts.views_money import ChangeBandViews, ChangeViews, ClaimViews, SpotCheckViews
from gongwu.core.generic.api import Message, ValidationErrors, crud_router, not_found, validation_detail

# ---- output schemas ---------------------------------------------------------------------------------------


class ChangeBandOut(Schema):
    id: int
    agency_id: int
    level: int = Field(description="1 项目主任, 2 部门负责人, 3 分管领导, 4 署务会.")
    max_amount: Decimal | None = Field(description="A single change up to this amount (元); null: any amount.")
    max_cumulative_percent: Decimal | None = Field(
        description="The contract's cumulative change with it below this % ; null: any."
    )
    needs_committee: bool
    flags_audit: bool


class ChangeOut(Schema):
    id: int
    voided_at: datetime.datetime | None = None
    void_reason: str = ""
    contract_id: int
    number: str
    kind: str = Field(description="design, site, quantity or price.")
    title: str
    reason: str
    amount: Decimal = Field(description="元; negative reduces the price.")
    status: str = Field(description="draft, submitted, approved, rejected or returned.")
    submitted_on: datetime.date | None
    submitted_by_id: int | None
    level_required: int | None = Field(description="The approval level it needs (1–4), worked out on submission.")
    level_approved: int | None = Field(description="The highest level approved so far.")
    cumulative_percent: Decimal | None = Field(description="The contract's cumulative change with it, %.")
    needs_committee: bool
    committee_topic: str
    committee_decided_on: datetime.date | None
    flags_audit: bool
    approved_on: datetime.date | None


class SpotCheckItemOut(Schema):
    id: int
    change_id: int
    finding: str
    compliant: bool | None


class SpotCheckOut(Schema):
    id: int
    agency_id: int
    name: str
    period_from: datetime.date
    period_to: datetime.date
    size: int
    seed: str = Field(description="The draw's seed (empty before the draw).")
    drawn_at: datetime.datetime | None
    drawn_by_id: int | None
    population: int = Field(description="Changes approved in the period at the draw.")
    conclusion: str
    items: list[SpotCheckItemOut]

    @staticmethod
    def resolve_items(obj: SpotCheck) -> list[Any]:
        return list(obj.items.order_by("id"))


class ClaimOut(Schema):
    id: int
    voided_at: datetime.datetime | None = None
    void_reason: str = ""
    contract_id: int
    number: int = Field(description="The claim's number within its contract.")
    kind: str = Field(description="advance, progress, settlement or retention.")
    period_end: datetime.date
    claimed_amount: Decimal
    supervisor_amount: Decimal | None
    consultant_amount: Decimal | None
    approved_amount: Decimal | None
    retention_withheld: Decimal
    advance_recovered: Decimal
    payable: Decimal | None = Field(description="Approved less retention withheld and advance recovered.")
    status: str = Field(description="draft, submitted, supervised, costed, approved or returned.")
    submitted_on: datetime.date | None
    approved_on: datetime.date | None
    cumulative_percent: Decimal | None = Field(description="Approved to date, % of the contract with its changes.")
    note: str

    @staticmethod
    def resolve_payable(obj: Claim) -> Decimal | None:
        return obj.payable


change_bands = crud_router(ChangeBandViews, ChangeBandOut, tag="change approval bands")
changes_router = crud_router(ChangeViews, ChangeOut, tag="changes")
spot_checks = crud_router(
    SpotCheckViews, SpotCheckOut, tag="change spot checks", prepare=lambda qs: qs.prefetch_related("items")
)
claims_router = crud_router(ClaimViews, ClaimOut, tag="payment claims")

STEP_DESCRIPTION = (
    "A step from the wrong status, or one the amounts or the contract do not allow, answers 422 with the reason "
    "and changes nothing; a step that is not yours (a level above your role, a company acting on another "
    "company's record or on a review step) answers 403 and changes nothing."
)


def step(request: HttpRequest, viewset: Any, pk: int, action: Callable[[Any], Any]) -> Any:
    obj = viewset.get_queryset(request.user).filter(pk=pk).first()
    if obj is None:
        return not_found()
    try:
        action(obj)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, viewset.get_queryset(request.user).get(pk=pk)


# ---- changes ----------------------------------------------------------------------------------------------


class ApproveChangeIn(Schema):
    level: int | None = Field(None, description="The level approved: the next one (checked when given).")
    comment: str = ""


class CommentIn(Schema):
    comment: str = Field(description="Why (required).")


class CommitteeIn(Schema):
    committee_topic: str = Field(description="The technical committee's topic (议题).")
    committee_decided_on: datetime.date


CHANGE_STEP = {200: ChangeOut, 403: Message, 404: Message, 422: ValidationErrors}


@changes_router.post(
    "/{int:pk}/submit/",
    response=CHANGE_STEP,
    operation_id="change_submit",
    summary="Submit a draft or returned change for approval (agency staff, or the contracting company)",
    description=STEP_DESCRIPTION,
)
def submit_change(request: HttpRequest, pk: int) -> Any:
    return step(request, ChangeViews, pk, lambda change: changes.submit_change(change, request.user))


@changes_router.post(
    "/{int:pk}/approve/",
    response=CHANGE_STEP,
    operation_id="change_approve",
    summary="Give the next level's approval; at the required level the change is approved",
    description=STEP_DESCRIPTION,
)
def approve_change(request: HttpRequest, pk: int, payload: ApproveChangeIn) -> Any:
    return step(
        request,
        ChangeViews,
        pk,
        lambda change: changes.approve_change(change, request.user, level=payload.level, comment=payload.comment),
    )


@changes_router.post(
    "/{int:pk}/reject/",
    response=CHANGE_STEP,
    operation_id="change_reject",
    summary="Reject a submitted change at the next level, with the reason",
    description=STEP_DESCRIPTION,
)
def reject_change(request: HttpRequest, pk: int, payload: CommentIn) -> Any:
    return step(request, ChangeViews, pk, lambda c: changes.reject_change(c, request.user, comment=payload.comment))


@changes_router.post(
    "/{int:pk}/return/",
    response=CHANGE_STEP,
    operation_id="change_return",
    summary="Return a submitted change for revision, with the reason",
    description=STEP_DESCRIPTION,
)
def return_change(request: HttpRequest, pk: int, payload: CommentIn) -> Any:
    return step(request, ChangeViews, pk, lambda c: changes.return_change(c, request.user, comment=payload.comment))


@changes_router.post(
    "/{int:pk}/committee/",
    response=CHANGE_STEP,
    operation_id="change_committee",
    summary="Record the technical committee's review of a submitted change",
    description=STEP_DESCRIPTION,
)
def committee(request: HttpRequest, pk: int, payload: CommitteeIn) -> Any:
    return step(
        request,
        ChangeViews,
        pk,
        lambda c: changes.record_committee(
            c, request.user, topic=payload.committee_topic, decided_on=payload.committee_decided_on
        ),
    )


# ---- spot checks ------------------------------------------------------------------------------------------


class DrawCheckOut(Schema):
    seed: str
    population: int = Field(description="Changes approved in the period, as they stood at the draw.")
    drawn: list[int] = Field(description="The changes (ids) the seed draws, in the order drawn.")
    recorded: list[int] = Field(description="The changes recorded in the spot check.")
    matches: bool


@spot_checks.post(
    "/{int:pk}/draw/",
    response={200: SpotCheckOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="spotcheck_draw",
    summary="Draw the changes to check: a random seed, kept, and the reproducible draw from it",
    description="random.Random(seed).sample over the ids of the changes approved in the period, sorted. "
    "A spot check already drawn, or a period without approved changes, answers 422.",
)
def draw(request: HttpRequest, pk: int) -> Any:
    return step(request, SpotCheckViews, pk, lambda spot_check: changes.draw(spot_check, request.user))


@spot_checks.get(
    "/{int:pk}/verify/",
    response={200: DrawCheckOut, 404: Message, 422: ValidationErrors},
    operation_id="spotcheck_verify",
    summary="Run the draw again from its seed and compare it with the changes recorded",
)
def verify(request: HttpRequest, pk: int) -> Any:
    spot_check = SpotCheckViews.get_queryset(request.user).filter(pk=pk).first()
    if spot_check is None:
        return not_found()
    check = changes.verify_draw(spot_check)
    if check is None:
        return 422, {"detail": [{"loc": ["path", "pk"], "msg": _("The draw is not made yet.")}]}
    return 200, {**check.__dict__, "matches": check.matches}


# ---- claims -----------------------------------------------------------------------------------------------


class ClaimReviewIn(Schema):
    amount: Decimal = Field(description="The amount the review finds, 元: no more than the amount before it.")


class ApproveClaimIn(Schema):
    amount: Decimal = Field(description="The amount approved, 元: no more than the cost review's.")
    retention_withheld: Decimal | None = Field(
        None, description="Left out: the amount approved × the contract's retention %."
    )
    advance_recovered: Decimal | None = Field(
        None, description="Left out: the amount approved × the contract's advance %, up to what is outstanding."
    )


CLAIM_STEP = {200: ClaimOut, 403: Message, 404: Message, 422: ValidationErrors}


@claims_router.post(
    "/{int:pk}/submit/",
    response=CLAIM_STEP,
    operation_id="claim_submit",
    summary="Submit a draft or returned claim for review (agency staff, or the contracting company)",
    description=STEP_DESCRIPTION + " A claim above the contract's remaining amount answers 422, naming it.",
)
def submit_claim(request: HttpRequest, pk: int) -> Any:
    return step(request, ClaimViews, pk, lambda claim: claims.submit_claim(claim, request.user))


@claims_router.post(
    "/{int:pk}/review/",
    response=CLAIM_STEP,
    operation_id="claim_review",
    summary="The supervisor's review of a submitted claim, or the cost consultant's of a supervised one",
    description=STEP_DESCRIPTION,
)
def review_claim(request: HttpRequest, pk: int, payload: ClaimReviewIn) -> Any:
    return step(request, ClaimViews, pk, lambda claim: claims.review_claim(claim, request.user, amount=payload.amount))


@claims_router.post(
    "/{int:pk}/approve/",
    response=CLAIM_STEP,
    operation_id="claim_approve",
    summary="Approve a claim the cost consultant reviewed: retention, advance recovery and the contract's totals",
    description=STEP_DESCRIPTION + " A claim above the contract's remaining amount answers 422, naming it.",
)
def approve_claim(request: HttpRequest, pk: int, payload: ApproveClaimIn) -> Any:
    return step(
        request,
        ClaimViews,
        pk,
        lambda claim: claims.approve_claim(
            claim,
            request.user,
            amount=payload.amount,
            retention=payload.retention_withheld,
            advance=payload.advance_recovered,
        ),
    )


@claims_router.post(
    "/{int:pk}/return/",
    response=CLAIM_STEP,
    operation_id="claim_return",
    summary="Return a claim under review to the claimant, with a comment",
    description=STEP_DESCRIPTION,
)
def return_claim(request: HttpRequest, pk: int, payload: CommentIn) -> Any:
    return step(
        request, ClaimViews, pk, lambda claim: claims.return_claim(claim, request.user, comment=payload.comment)
    )


__all__ = ["change_bands", "changes_router", "claims_router", "spot_checks"]
