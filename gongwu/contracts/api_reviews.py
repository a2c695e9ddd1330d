"""The API of cost reviews (/api/cost-reviews/), subcontract filings (/api/subcontracts/) and the 双算 backlog
(/api/settlement-backlog/). CRUD goes through `crud_router`, so it obeys the pages' forms, filters, scoping,
services and change log. Money is exact Decimal 元 as a JSON string; the reduction rate (审减率) is a string in %
cut at two places, null without an approved amount (or with nothing submitted)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gongwu.contracts import reviews
from gongwu.contracts.filters_reviews import BacklogFilterSet
from gongwu.contracts.models import Review
from gongwu.contracts.pages_reviews import may_see_backlog
from gongwu.contracts.views_reviews import ReviewViews, SubcontractViews
from gongwu.core.generic.api import AUTH, Message, ValidationErrors, crud_router, form_errors
from gongwu.projects.models import Project


class ReviewOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    kind: str = Field(description="budget (预算审核), settlement (结算审核) or final (决算).")
    project_id: int
    contract_id: int | None
    name: str
    submitted_amount: Decimal = Field(description="送审, 元.")
    submitted_on: datetime.date
    approved_amount: Decimal | None = Field(description="审定, 元; with approved_on the review is approved.")
    approved_on: datetime.date | None
    reviewer_id: int | None
    status: str = Field(description="submitted or approved (set from the approved amount and day).")
    note: str
    reduction: Decimal | None = Field(description="审减额: submitted − approved, 元 (negative: 审增).")
    reduction_rate: Decimal | None = Field(description="审减率 in %, cut at two places.")

    @staticmethod
    def resolve_reduction_rate(obj: Review) -> Decimal | None:
        reduction = obj.reduction
        return reviews.rate(reduction, obj.submitted_amount) if reduction is not None else None


class SubcontractOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no total.")
    void_reason: str = ""
    contract_id: int
    kind: str = Field(description="specialist (专业分包) or labour (劳务分包).")
    company_id: int
    scope: str
    amount: Decimal = Field(description="元.")
    start_on: datetime.date
    end_on: datetime.date | None
    filed_on: datetime.date
    note: str


cost_reviews = crud_router(ReviewViews, ReviewOut, tag="cost reviews")
subcontracts = crud_router(SubcontractViews, SubcontractOut, tag="subcontract filings")


class BacklogRowOut(Schema):
    project_id: int
    code: str
    name: str
    agency_id: int
    director_id: int | None
    completed_on: datetime.date
    settlement_due: datetime.date = Field(description="The last day of the settlement allowance.")
    settlement_approved_on: datetime.date | None
    settlement_overdue: int | None = Field(description="Days past the allowance; null when not overdue.")
    final_due: datetime.date
    final_approved_on: datetime.date | None
    final_overdue: int | None
    days_overdue: int


class BacklogOut(Schema):
    count: int
    results: list[BacklogRowOut]


class BacklogQuery(Schema):
    agency: int | None = Field(None, description="An agency's id among those you see.")
    director: int | None = Field(None, description="A project director's user id.")
    missing: str | None = Field(None, description="settlement or final: only projects overdue for it.")
    q: str | None = Field(None, description="Words of the project's name or code.")


backlog = Router(tags=["cost reviews"], auth=AUTH)


@backlog.get(
    "/",
    response={200: BacklogOut, 403: Message, 422: ValidationErrors},
    operation_id="settlement_backlog",
    summary="The 双算 backlog: completed projects past their allowance without settlement or final accounts",
    description="Today's backlog, the longest overdue first; the agency's contract settings give the allowances.",
)
def settlement_backlog(request: HttpRequest, query: Query[BacklogQuery]) -> Any:
    if not may_see_backlog(request.user):
        raise PermissionDenied(_("You may not view the settlement backlog."))
    data = {k: str(v) for k, v in query.dict().items() if v not in (None, "")}
    filterset = BacklogFilterSet(data, queryset=Project.objects.for_user(request.user), user=request.user)
    if not filterset.is_valid():
        return 422, form_errors(filterset.form)
    rows = reviews.backlog_rows(filterset.qs, filterset.missing_kind())
    return 200, {
        "count": len(rows),
        "results": [
            {
                "project_id": row.project.pk,
                "code": row.project.code,
                "name": row.project.name,
                "agency_id": row.project.agency_id,
                "director_id": row.project.director_id,
                "completed_on": row.completed_on,
                "settlement_due": row.settlement_due,
                "settlement_approved_on": row.settlement_approved_on,
                "settlement_overdue": row.settlement_overdue,
                "final_due": row.final_due,
                "final_approved_on": row.final_approved_on,
                "final_overdue": row.final_overdue,
                "days_overdue": row.days_overdue,
            }
            for row in rows
        ],
    }


__all__ = ["backlog", "cost_reviews", "subcontracts"]
