"""The tenders API: tender plans (approve, cancel), the scheme library, tenders (recommend candidates, award,
fail) and bids (disqualify). CRUD goes through `crud_router`, so the API obeys the pages' forms, filters, scoping
and change log; the workflow steps go through `services`, like the pages' buttons.

Money is exact Decimal 元 as a JSON string. A company sees the tenders it bid in, its own bids, and the other
bids of a tender only once it is awarded. A bid's bond account is sent in full as `bond_account` and never
returned: only `bond_account_last4` is.
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

from gongwu.core.generic.api import Message, ValidationErrors, crud_router, not_found, validation_detail
from gongwu.core.models import Organization
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.tenders import services
from gongwu.tenders.models import Bid
from gongwu.tenders.views import BidViews, SchemeTemplateViews, TenderPlanViews, TenderViews


class SchemeTemplateOut(Schema):
    id: int
    agency_id: int
    name: str
    subject_kind: str
    method: str
    organisation: str
    qualification: str
    evaluation_method: str
    award_method: str
    content: str
    is_active: bool


class TenderPlanOut(Schema):
    id: int
    agency_id: int
    project_id: int = Field(description="The lead project.")
    projects: list[int] = Field(description="The projects covered (the lead project among them).")
    sections: list[int]
    scheme_id: int | None
    name: str
    subject_kind: str
    method: str
    organisation: str = Field(description="single, batch (批量), bundled (捆绑) or linked (关联定标).")
    estimate: Decimal = Field(description="元")
    counterparty_id: int | None
    exemption: str = Field(description="The legal ground for not tendering at or above the threshold.")
    legal_ground: str
    planned_notice_on: datetime.date | None
    planned_award_on: datetime.date | None
    status: str = Field(description="draft, approved, tendering, done or cancelled.")
    split_suspected: bool = Field(description="Part of a suspected split (化整为零); set by the split check.")
    note: str

    @staticmethod
    def resolve_projects(obj: Any) -> list[int]:
        return sorted(p.pk for p in obj.projects.all())

    @staticmethod
    def resolve_sections(obj: Any) -> list[int]:
        return sorted(s.pk for s in obj.sections.all())


class TenderOut(Schema):
    id: int
    voided_at: datetime.datetime | None = None
    void_reason: str = ""
    agency_id: int
    plan_id: int
    number: str
    name: str
    subject_kind: str
    method: str
    control_price: Decimal | None = Field(description="元")
    notice_on: datetime.date | None
    opening_on: datetime.date | None
    evaluation_on: datetime.date | None
    decision_on: datetime.date | None
    award_notice_on: datetime.date | None
    status: str = Field(description="preparing, noticed, opened, evaluated, awarded, failed or cancelled.")
    winner_id: int | None
    award_price: Decimal | None = Field(description="元")
    award_reason: str
    note: str


class BidOut(Schema):
    id: int
    tender_id: int
    bidder_id: int
    price: Decimal = Field(description="元")
    bond_amount: Decimal | None = Field(description="元")
    bond_account_last4: str = Field(description="The last 4 digits of the bond's paying account (never the number).")
    qualified: bool
    disqualified_reason: str
    score: Decimal | None
    recommended_rank: int | None
    submitted_at: datetime.datetime | None


tender_schemes = crud_router(SchemeTemplateViews, SchemeTemplateOut, tag="tender schemes")
tender_plans = crud_router(
    TenderPlanViews, TenderPlanOut, tag="tender plans", prepare=lambda qs: qs.prefetch_related("projects", "sections")
)
tenders = crud_router(TenderViews, TenderOut, tag="tenders")
bids = crud_router(BidViews, BidOut, tag="bids")

STEP_RESPONSES_DESCRIPTION = (
    "A step refused (wrong status, a winner who did not bid or was disqualified, too few bids, missing reasons, "
    "dates out of order) answers 422 with the reason and changes nothing; without the right to change the record, "
    "403; a record you may not see, 404."
)


def step(viewset: Any, request: HttpRequest, pk: int, action: Callable[[Any], Any]) -> Any:
    obj = viewset.get_queryset(request.user).filter(pk=pk).first()
    if obj is None:
        return not_found()
    try:
        action(obj)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, viewset.get_queryset(request.user).get(pk=pk)


# ---- plans ---------------------------------------------------------------------------------------


class TenderReasonIn(Schema):
    reason: str = Field("", description="Why (required).")


PLAN_RESPONSES = {200: TenderPlanOut, 403: Message, 404: Message, 422: ValidationErrors}


@tender_plans.post(
    "/{int:pk}/approve/",
    response=PLAN_RESPONSES,
    operation_id="tenderplan_approve",
    summary="Approve a draft plan",
    description=STEP_RESPONSES_DESCRIPTION,
)
def approve_plan(request: HttpRequest, pk: int) -> Any:
    return step(TenderPlanViews, request, pk, lambda plan: services.approve_plan(plan=plan, actor=request.user))


@tender_plans.post(
    "/{int:pk}/cancel/",
    response=PLAN_RESPONSES,
    operation_id="tenderplan_cancel",
    summary="Cancel a plan with the reason",
    description=STEP_RESPONSES_DESCRIPTION,
)
def cancel_plan(request: HttpRequest, pk: int, payload: TenderReasonIn) -> Any:
    return step(
        TenderPlanViews,
        request,
        pk,
        lambda plan: services.cancel_plan(plan=plan, actor=request.user, reason=payload.reason),
    )


# ---- tenders -------------------------------------------------------------------------------------

TENDER_RESPONSES = {200: TenderOut, 403: Message, 404: Message, 422: ValidationErrors}


class TenderRecommendIn(Schema):
    bids: list[int] = Field(description="The recommended candidates' bids (ids), rank 1 first; at most three.")
    evaluation_on: datetime.date | None = Field(None, description="The evaluation day; today when left out.")


class TenderAwardIn(Schema):
    winner_id: int = Field(description="The winning company: a qualified bidder of this tender.")
    award_price: Decimal | None = Field(None, ge=0, description="元; the winner's bid price when left out.")
    award_reason: str = Field(
        "", description="The award committee's reasons; required when the winner is not the first candidate."
    )
    decision_on: datetime.date | None = Field(None, description="The decision (定标) day; today when left out.")
    award_notice_on: datetime.date | None = Field(None, description="The award notice day; the decision's by default.")


class TenderFailIn(Schema):
    reason: str = Field("", description="Why the tender failed (流标), required.")
    on: datetime.date | None = Field(None, description="The day; today when left out.")


def bids_of(request: HttpRequest, tender: Any, ids: list[int]) -> list[Bid]:
    found = {bid.pk: bid for bid in Bid.objects.for_user(request.user).filter(pk__in=ids).select_related("bidder")}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"bids": _("No such bids among those you may see: %(ids)s.") % {"ids": missing}})
    return [found[pk] for pk in ids]


@tenders.post(
    "/{int:pk}/recommend/",
    response=TENDER_RESPONSES,
    operation_id="tender_recommend",
    summary="Record the evaluation committee's recommended candidates, in order",
    description=STEP_RESPONSES_DESCRIPTION,
)
def recommend(request: HttpRequest, pk: int, payload: TenderRecommendIn) -> Any:
    return step(
        TenderViews,
        request,
        pk,
        lambda tender: services.recommend_candidates(
            tender=tender,
            actor=request.user,
            bids=bids_of(request, tender, payload.bids),
            evaluation_on=payload.evaluation_on,
        ),
    )


def company(pk: int) -> Organization:
    found = Organization.objects.filter(pk=pk, kind__in=COMPANY_KINDS).first()
    if found is None:
        raise ValidationError({"winner": _("No such company.")})
    return found


@tenders.post(
    "/{int:pk}/award/",
    response=TENDER_RESPONSES,
    operation_id="tender_award",
    summary="The award committee's decision (评定分离): award the tender to a qualified bidder",
    description=STEP_RESPONSES_DESCRIPTION,
)
def award(request: HttpRequest, pk: int, payload: TenderAwardIn) -> Any:
    return step(
        TenderViews,
        request,
        pk,
        lambda tender: services.award_tender(
            tender=tender,
            actor=request.user,
            winner=company(payload.winner_id),
            award_price=payload.award_price,
            award_reason=payload.award_reason,
            decision_on=payload.decision_on,
            award_notice_on=payload.award_notice_on,
        ),
    )


@tenders.post(
    "/{int:pk}/fail/",
    response=TENDER_RESPONSES,
    operation_id="tender_fail",
    summary="Record the tender as failed (流标) with the reason",
    description=STEP_RESPONSES_DESCRIPTION,
)
def fail(request: HttpRequest, pk: int, payload: TenderFailIn) -> Any:
    return step(
        TenderViews,
        request,
        pk,
        lambda tender: services.fail_tender(tender=tender, actor=request.user, reason=payload.reason, on=payload.on),
    )


@bids.post(
    "/{int:pk}/disqualify/",
    response={200: BidOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="bid_disqualify",
    summary="Disqualify a bid with the reason",
    description=STEP_RESPONSES_DESCRIPTION,
)
def disqualify(request: HttpRequest, pk: int, payload: TenderReasonIn) -> Any:
    return step(
        BidViews, request, pk, lambda bid: services.disqualify_bid(bid=bid, actor=request.user, reason=payload.reason)
    )
