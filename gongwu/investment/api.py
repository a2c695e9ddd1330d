"""The investment API: plans and their schedules, schedule templates, settings, monthly actuals (with the
submit / confirm / return review), plan adjustments (approve / reject), payments and the dispatch
dashboard's figures.

CRUD goes through `crud_router`, so the API obeys the pages' forms, filters, scoping and change log; the
review and decision steps go through `services`, like the pages' buttons.

Numbers in the JSON:
- Money is exact Decimal 元 as a JSON string with two places ("8415000000.00"): nothing is rounded to 万元
  or 亿元, so every sum of rows equals its total exactly. Send money back the same way (a string or a number).
- Percentages (cumulative schedule shares, % of plan, % of schedule, over-completion, payment rate,
  year-on-year change) are JSON strings too, cut (not rounded) at two places as `figures.rate` computes
  them: 84.15 亿 planned and 89.6 亿 done is "106.47" % of plan and "6.47" over the plan. A rate without a
  base (nothing planned, nothing scheduled yet) is null.
- Counts are JSON integers.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as QueryInvalid

from gongwu.core.figures import Selection
from gongwu.core.generic.api import (
    AUTH,
    Message,
    SelectionQuery,
    ValidationErrors,
    crud_router,
    not_found,
    selection_from_api,
    validation_detail,
)
from gongwu.core.models import Action, user_may
from gongwu.core.periods import Period
from gongwu.investment import figures, pages, services
from gongwu.investment.models import (
    MONTHS,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    PaymentRateBase,
    ScheduleTemplate,
    month_end,
)
from gongwu.investment.views import (
    AnnualPlanViews,
    InvestmentSettingsViews,
    MonthlyActualViews,
    PaymentViews,
    PlanAdjustmentViews,
    ScheduleTemplateViews,
)
from gongwu.projects.models import CategoryGroup, PlanCategory

# ---- output schemas -----------------------------------------------------------------------------


class AnnualPlanOut(Schema):
    id: int
    project_id: int
    year: int
    plan_category: str
    funding_source: str
    amount: Decimal = Field(description="元, as first adopted.")
    adjusted_amount: Decimal = Field(description="元: the amount with its approved increases and decreases.")
    funds_available: Decimal | None = Field(description="元; null means the adjusted plan is the funds base.")
    over_approved: bool
    note: str
    schedule: list[Decimal] = Field(
        description="The cumulative share of the year's plan (%) to reach by the end of each month, January first. "
        "Set it with `m1` … `m12`, or with `template` (or the agency's default template when both are left out)."
    )
    created: datetime.datetime
    updated: datetime.datetime

    @staticmethod
    def resolve_schedule(obj: AnnualPlan) -> list[Decimal]:
        shares = {row.month: row.share for row in obj.schedule.all()}
        return [shares.get(m, Decimal("0.00")) for m in MONTHS]


class ScheduleTemplateOut(Schema):
    id: int
    agency_id: int
    name: str
    shares: list[Decimal] = Field(description="Cumulative % by the end of each month; set them with m1 … m12.")
    is_default: bool

    @staticmethod
    def resolve_shares(obj: ScheduleTemplate | dict[str, Any]) -> list[Decimal]:
        # A list reads plain columns as dicts (crud_router), a single template as the model.
        stored = obj["shares"] if isinstance(obj, dict) else obj.shares
        return [Decimal(share) for share in stored]


class InvestmentSettingsOut(Schema):
    id: int
    agency_id: int
    attention_below: int = Field(description="提请关注 below this % of the schedule to date.")
    supervision_below: int = Field(description="督办滞后 below this % of the schedule to date.")
    payment_rate_base: str = Field(description="funds, plan or actual.")


class MonthlyActualOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    project_id: int
    plan_id: int
    month: datetime.date = Field(description="The first day of the month (send any day of it).")
    amount: Decimal = Field(description="元 completed in the month.")
    over_approved: bool
    note: str
    status: str = Field(description="draft, submitted, confirmed or returned; only confirmed figures count.")
    submitted_by_id: int | None
    submitted_at: datetime.datetime | None
    reviewed_by_id: int | None
    reviewed_at: datetime.datetime | None
    return_reason: str


class PlanAdjustmentOut(Schema):
    id: int
    plan_id: int
    direction: str = Field(description="increase (调增) or decrease (调减).")
    amount: Decimal = Field(description="元")
    reason: str
    requested_on: datetime.date
    document_number: str
    status: str = Field(description="pending, approved or rejected.")
    decided_on: datetime.date | None
    decided_by_id: int | None


class PaymentOut(Schema):
    id: int
    project_id: int
    paid_on: datetime.date
    amount: Decimal = Field(description="元")
    kind: str = Field(description="advance (预付款), progress (进度款), settlement (结算款) or retention (质保金).")
    payee_id: int | None
    contract_number: str
    contract_id: int | None = Field(
        description="The contract paid (a typed `contract_number` of the agency's contract on the project links it)."
    )
    claim_id: int | None = Field(
        description="The approved payment claim paid (or send `claim_number` with the contract)."
    )
    voucher_number: str
    over_approved: bool
    note: str


plans = crud_router(
    AnnualPlanViews, AnnualPlanOut, tag="investment plans", prepare=lambda qs: qs.prefetch_related("schedule")
)
schedule_templates = crud_router(ScheduleTemplateViews, ScheduleTemplateOut, tag="investment plans")
investment_settings = crud_router(InvestmentSettingsViews, InvestmentSettingsOut, tag="investment settings")
monthly_actuals = crud_router(MonthlyActualViews, MonthlyActualOut, tag="monthly actuals")
plan_adjustments = crud_router(PlanAdjustmentViews, PlanAdjustmentOut, tag="plan adjustments")
payments = crud_router(PaymentViews, PaymentOut, tag="payments")


def query_error(name: str, message: str) -> tuple[int, dict[str, Any]]:
    return 422, {"detail": [{"loc": ["query", name], "msg": message}]}


# ---- a plan's figures at a month ----------------------------------------------------------------


class PlanFiguresOut(Schema):
    plan_id: int
    project_id: int
    year: int
    month: int = Field(description="The figures are to the end of this month.")
    plan: Decimal = Field(description="Adjusted plan, 元.")
    funds: Decimal = Field(description="Funds available (the plan when none are set), 元.")
    scheduled: Decimal = Field(description="The schedule to date (plan × cumulative share), 元.")
    actual: Decimal = Field(description="Confirmed investment to date, 元.")
    actual_month: Decimal = Field(description="Confirmed investment in the month, 元.")
    unconfirmed: Decimal = Field(description="Reported but not (yet) confirmed to date, 元; not in `actual`.")
    paid: Decimal = Field(description="Paid in the year to the end of the month, 元.")
    gap: Decimal = Field(description="How far the actual falls short of the schedule (0 when ahead), 元.")
    percent_of_plan: Decimal | None
    percent_of_schedule: Decimal | None
    lag: str = Field(description="on_schedule (按期推进), attention (提请关注) or supervision (督办滞后).")
    lag_label: str


def plan_figures_json(row: figures.PlanRow, year: int, month: int) -> dict[str, Any]:
    return {
        "plan_id": row.pk,
        "project_id": row.project_id,
        "year": year,
        "month": month,
        "plan": row.plan,
        "funds": row.funds,
        "scheduled": row.scheduled,
        "actual": row.actual,
        "actual_month": row.actual_month,
        "unconfirmed": row.unconfirmed,
        "paid": row.paid,
        "gap": row.gap,
        "percent_of_plan": row.percent_of_plan,
        "percent_of_schedule": row.percent_of_schedule,
        "lag": row.lag,
        "lag_label": force_str(figures.Lag(row.lag).label),
    }


@plans.get(
    "/{int:pk}/figures/",
    response={200: PlanFiguresOut, 404: Message, 422: ValidationErrors},
    operation_id="annualplan_figures",
    summary="A plan's figures at the end of a month: schedule, confirmed actual, payments and its lag class",
    description="`month` (1–12) defaults to the latest month due in the current year, December in past years.",
)
def plan_figures(request: HttpRequest, pk: int, month: int | None = None) -> Any:
    plan = AnnualPlanViews.get_queryset(request.user).filter(pk=pk).first()
    if plan is None:
        return not_found()
    if month is None:
        default_year, default_month = figures.default_month()
        month = default_month if plan.year == default_year else 12
    if month not in MONTHS:
        return query_error("month", _("The month must be a number from 1 to 12."))
    [row] = figures.plan_rows(AnnualPlan.objects.filter(pk=plan.pk), plan.year, month)
    return 200, plan_figures_json(row, plan.year, month)


# ---- the review of monthly actuals --------------------------------------------------------------


class ReturnIn(Schema):
    reason: str = Field("", description="Why the report goes back to the project team (required).")


ACTUAL_STEP_RESPONSES = {200: MonthlyActualOut, 403: Message, 404: Message, 422: ValidationErrors}
STEP_DESCRIPTION = (
    "A step from the wrong status answers 422 with the reason and changes nothing; a step you may not take "
    "(confirming or returning your own report, or without the planning department's role) answers 403."
)


def actual_step(request: HttpRequest, pk: int, step: Callable[[MonthlyActual], Any]) -> Any:
    actual = MonthlyActualViews.get_queryset(request.user).filter(pk=pk).first()
    if actual is None:
        return not_found()
    try:
        step(actual)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, MonthlyActualViews.get_queryset(request.user).get(pk=pk)


@monthly_actuals.post(
    "/{int:pk}/submit/",
    response=ACTUAL_STEP_RESPONSES,
    operation_id="monthlyactual_submit",
    summary="Submit a monthly actual for review (from draft or returned)",
    description=STEP_DESCRIPTION,
)
def submit_actual(request: HttpRequest, pk: int) -> Any:
    return actual_step(request, pk, lambda actual: services.submit_actual(actual, request.user))


@monthly_actuals.post(
    "/{int:pk}/confirm/",
    response=ACTUAL_STEP_RESPONSES,
    operation_id="monthlyactual_confirm",
    summary="Confirm a submitted monthly actual: it counts in the official totals from now on",
    description=STEP_DESCRIPTION,
)
def confirm_actual(request: HttpRequest, pk: int) -> Any:
    return actual_step(request, pk, lambda actual: services.confirm_actual(actual, request.user))


@monthly_actuals.post(
    "/{int:pk}/return/",
    response=ACTUAL_STEP_RESPONSES,
    operation_id="monthlyactual_return",
    summary="Return a submitted monthly actual to the project team, with the reason",
    description=STEP_DESCRIPTION + " A return without a reason answers 422.",
)
def return_actual(request: HttpRequest, pk: int, payload: ReturnIn) -> Any:
    return actual_step(request, pk, lambda actual: services.return_actual(actual, request.user, payload.reason))


# ---- applying a schedule template to plans ------------------------------------------------------


class ApplyTemplateIn(Schema):
    plans: list[int] = Field(description="The plans (ids) to give the template's monthly schedule.")


class ApplyTemplateOut(Schema):
    changed: int = Field(description="Plans whose schedule changed (those already on it are left alone).")


@schedule_templates.post(
    "/{int:pk}/apply/",
    response={200: ApplyTemplateOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="scheduletemplate_apply",
    summary="Give several plans this template's monthly schedule, all or nothing",
)
def apply_template(request: HttpRequest, pk: int, payload: ApplyTemplateIn) -> Any:
    template = ScheduleTemplateViews.get_queryset(request.user).filter(pk=pk).first()
    if template is None:
        return not_found()
    plans = list(AnnualPlanViews.get_queryset(request.user).filter(pk__in=payload.plans))
    missing = sorted(set(payload.plans) - {plan.pk for plan in plans})
    if missing:
        return query_error("plans", _("No such plans among those you may see: %(ids)s.") % {"ids": missing})
    foreign = [plan.pk for plan in plans if plan.project.agency_id != template.agency_id]
    if foreign:
        return query_error("plans", _("The template belongs to another agency."))
    return 200, {"changed": services.apply_template(template, plans, request.user)}


# ---- adjustment decisions -----------------------------------------------------------------------


class DecisionIn(Schema):
    decided_on: datetime.date | None = Field(None, description="Defaults to today; in the plan's year.")


DECISION_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": DecisionIn.model_json_schema()}},
        "description": "Optional: the date of the decision (today when left out).",
    }
}


def decision_date(request: HttpRequest) -> datetime.date | None:
    """`decided_on` from an optional JSON body; a request without a JSON body decides today."""
    if request.content_type != "application/json" or not request.body.strip():
        return None
    values = json.loads(request.body)
    if not isinstance(values, dict):
        raise ValueError("not an object")
    return DecisionIn.model_validate(values).decided_on


def decide(request: HttpRequest, pk: int, approve: bool) -> Any:
    adjustment = PlanAdjustmentViews.get_queryset(request.user).filter(pk=pk).first()
    if adjustment is None:
        return not_found()
    try:
        on = decision_date(request)
    except pydantic.ValidationError as exc:
        return 422, {"detail": [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]}
    except ValueError:
        return 422, {"detail": [{"loc": ["body"], "msg": _("The body must be a JSON object.")}]}
    try:
        services.decide_adjustment(adjustment, request.user, approve=approve, on=on)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, PlanAdjustmentViews.get_queryset(request.user).get(pk=pk)


DECISION_RESPONSES = {200: PlanAdjustmentOut, 403: Message, 404: Message, 422: ValidationErrors}
DECISION_DESCRIPTION = (
    "The planning department (staff, leaders, administrators) decides; anyone else gets 403. An adjustment "
    "already decided, or a date outside the plan's year, answers 422 and changes nothing."
)


@plan_adjustments.post(
    "/{int:pk}/approve/",
    response=DECISION_RESPONSES,
    operation_id="planadjustment_approve",
    summary="Approve a pending adjustment: the plan's adjusted amount changes by it",
    description=DECISION_DESCRIPTION,
    openapi_extra=DECISION_BODY,
)
def approve_adjustment(request: HttpRequest, pk: int) -> Any:
    return decide(request, pk, approve=True)


@plan_adjustments.post(
    "/{int:pk}/reject/",
    response=DECISION_RESPONSES,
    operation_id="planadjustment_reject",
    summary="Reject a pending adjustment: the plan stays as it is",
    description=DECISION_DESCRIPTION,
    openapi_extra=DECISION_BODY,
)
def reject_adjustment(request: HttpRequest, pk: int) -> Any:
    return decide(request, pk, approve=False)


# ---- the dispatch dashboard ---------------------------------------------------------------------


class LagCounts(Schema):
    on_schedule: int
    attention: int = Field(description="提请关注")
    supervision: int = Field(description="督办滞后")


class TotalsOut(Schema):
    projects: int = Field(description="Plans (one per project) in the group.")
    plan: Decimal = Field(description="Adjusted annual plan, 元.")
    funds: Decimal = Field(description="Funds available for the year, 元.")
    scheduled: Decimal = Field(description="Schedule to the end of the month, 元.")
    actual: Decimal = Field(description="Confirmed investment to the end of the month, 元.")
    actual_month: Decimal = Field(description="Confirmed investment in the month, 元.")
    unconfirmed: Decimal = Field(description="Reported but not confirmed to the end of the month, 元.")
    paid: Decimal = Field(description="Paid in the year to the end of the month, 元.")
    payment_base_kind: str = Field(description="What the payment rate is measured against: funds, plan or actual.")
    payment_base: Decimal = Field(description="The amount the payment rate is measured against, 元.")
    percent_of_plan: Decimal | None
    percent_of_schedule: Decimal | None
    over_schedule: Decimal | None = Field(description="Over-completion (+) or shortfall (−) against the schedule, %.")
    over_plan: Decimal | None = Field(description="Over-completion (+) or shortfall (−) against the plan, %.")
    payment_rate: Decimal | None
    lags: LagCounts
    lagging: int = Field(description="提请关注 and 督办滞后 together.")


class DashboardGroupOut(TotalsOut):
    key: str = Field(description="The group's value: an id, a choice value, an area; empty for none.")
    label: str
    filters: dict[str, str] | None = Field(
        description="Query parameters of /api/investment-plans/ that list the plans behind the row "
        "(add `lag=attention` or `lag=supervision` for its lagging ones); null where no filter picks them out."
    )


class CurvesOut(Schema):
    plan: list[Decimal] = Field(description="The annual plan, the same at every month, 元.")
    schedule: list[Decimal] = Field(description="Cumulative schedule at the end of each month, 元.")
    actual: list[Decimal] = Field(description="Cumulative confirmed investment, up to the month shown, 元.")
    paid: list[Decimal] = Field(description="Cumulative payments, up to the month shown, 元.")


class AdjustmentsOut(Schema):
    increased: Decimal = Field(description="Approved increases (调增) decided from January to the month, 元.")
    increased_projects: int
    decreased: Decimal = Field(description="Approved decreases (调减), 元.")
    decreased_projects: int
    net: Decimal


class UnconfirmedMonthOut(Schema):
    month: datetime.date
    reported: int = Field(description="Reports for the month, whatever their status.")
    missing: int = Field(description="Plans with no report for the month.")
    by_status: dict[str, int] = Field(description="Reports not confirmed, per status (draft, submitted, returned).")
    amount: Decimal = Field(description="元 reported but not confirmed.")


class LaggingOut(Schema):
    plan_id: int
    project_id: int
    code: str
    name: str
    agency_id: int
    plan: Decimal
    scheduled: Decimal
    actual: Decimal
    gap: Decimal = Field(description="Schedule to date minus confirmed actual to date, 元.")
    percent_of_schedule: Decimal | None


class LaggingGroupsOut(Schema):
    supervision: list[LaggingOut] = Field(description="督办滞后, the largest gap first.")
    attention: list[LaggingOut] = Field(description="提请关注, the largest gap first.")


class BreakdownsOut(Schema):
    by_agency: list[DashboardGroupOut]
    by_category_group: list[DashboardGroupOut]
    by_area: list[DashboardGroupOut]
    by_department: list[DashboardGroupOut]
    by_funding_source: list[DashboardGroupOut]
    by_director: list[DashboardGroupOut]
    by_plan_category: list[DashboardGroupOut]


class DashboardOut(Schema):
    agency_id: int | None = Field(description="The agency shown; null for every agency you oversee together.")
    agency_ids: list[int] = Field(description="The agencies whose plans the figures cover.")
    tag: str = Field(description="The project tag whose projects' plans alone the figures cover; empty for all.")
    year: int
    month: int
    payment_base_kind: str
    payment_base_label: str
    totals: TotalsOut
    previous_year_actual: Decimal = Field(description="Confirmed investment January to the month a year earlier.")
    year_on_year: Decimal | None = Field(description="Change of the confirmed actual against a year earlier, %.")
    curves: CurvesOut
    adjustments: AdjustmentsOut
    unconfirmed_months: list[UnconfirmedMonthOut]
    breakdowns: BreakdownsOut
    side_by_side: list[DashboardGroupOut] | None = Field(
        description="For an agency with sub-agencies (a city 工务署 and its districts): each of them, itself first."
    )
    lagging: LaggingGroupsOut


def totals_json(totals: figures.Totals) -> dict[str, Any]:
    return {
        "projects": totals.projects,
        "plan": totals.plan,
        "funds": totals.funds,
        "scheduled": totals.scheduled,
        "actual": totals.actual,
        "actual_month": totals.actual_month,
        "unconfirmed": totals.unconfirmed,
        "paid": totals.paid,
        "payment_base_kind": totals.base,
        "payment_base": totals.payment_base,
        "percent_of_plan": totals.percent_of_plan,
        "percent_of_schedule": totals.percent_of_schedule,
        "over_schedule": totals.over_schedule,
        "over_plan": totals.over_plan,
        "payment_rate": totals.payment_rate,
        "lags": dict(totals.lags),
        "lagging": totals.lagging,
    }


def groups_json(
    groups: dict[Any, figures.Totals],
    label: Callable[[Any], Any],
    filters: Callable[[Any], dict[str, Any] | None],
    order: list[Any] | None = None,
) -> list[dict[str, Any]]:
    """Groups in `order` (else the largest plan first), each with its figures, label and list filters."""
    keys = [k for k in order if k in groups] if order is not None else sorted(groups, key=lambda k: -groups[k].plan)
    rows = []
    for key in keys:
        value = key[0] if isinstance(key, tuple) else key
        chosen = filters(key)
        rows.append(
            {
                **totals_json(groups[key]),
                "key": "" if value is None else str(value),
                "label": force_str(label(key)),
                "filters": {k: str(v) for k, v in chosen.items()} if chosen is not None else None,
            }
        )
    return rows


def lagging_json(rows: list[figures.PlanRow]) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": row.pk,
            "project_id": row.project_id,
            "code": row.code,
            "name": row.name,
            "agency_id": row.agency_id,
            "plan": row.plan,
            "scheduled": row.scheduled,
            "actual": row.actual,
            "gap": row.gap,
            "percent_of_schedule": row.percent_of_schedule,
        }
        for row in rows
    ]


def dashboard_json(sel: Selection, tag: str = "") -> dict[str, Any]:
    data = figures.dashboard(sel.agency_ids, sel.year, sel.month, tag=tag, lagging_limit=None)
    names = {a.pk: a.short_name or a.name for a in sel.agencies}

    def plans_query(**filters: Any) -> dict[str, Any]:
        """The filters of /api/investment-plans/ that list the plans behind a row."""
        chosen = {"agency": sel.agency.pk} if sel.agency is not None else {}
        tagged = {"tag": tag} if tag else {}
        return {"year": sel.year, "as_of": sel.month, **chosen, **tagged, **filters}

    def by_agency(groups: dict[Any, figures.Totals], order: list[int] | None = None) -> list[dict[str, Any]]:
        return groups_json(
            groups,
            lambda k: names.get(k, ""),
            lambda k: {**plans_query(), "agency": k},
            order=order,
        )

    side_by_side = None
    if sel.agency is not None:
        children = [a.pk for a in sel.agencies if a.parent_id == sel.agency.pk]
        if children:
            ids = [sel.agency.pk, *children]
            side_by_side = by_agency(figures.agency_totals(ids, sel.year, sel.month, tag=tag), order=ids)
    curves = data.curves
    return {
        "agency_id": sel.agency.pk if sel.agency is not None else None,
        "agency_ids": sel.agency_ids,
        "tag": tag,
        "year": data.year,
        "month": data.month,
        "payment_base_kind": data.base,
        "payment_base_label": force_str(PaymentRateBase(data.base).label),
        "totals": totals_json(data.totals),
        "previous_year_actual": data.previous_actual,
        "year_on_year": data.year_on_year,
        "curves": {
            "plan": curves["plan"],
            "schedule": curves["schedule"],
            "actual": curves["actual"][: data.month],
            "paid": curves["paid"][: data.month],
        },
        "adjustments": {
            "increased": data.adjustments.increased,
            "increased_projects": data.adjustments.increased_projects,
            "decreased": data.adjustments.decreased,
            "decreased_projects": data.adjustments.decreased_projects,
            "net": data.adjustments.net,
        },
        "unconfirmed_months": [
            {key: entry[key] for key in ("month", "reported", "missing", "by_status", "amount")}
            for entry in data.unconfirmed
        ],
        "breakdowns": {
            "by_agency": by_agency(data.by_agency),
            "by_category_group": groups_json(
                data.by_category,
                lambda k: CategoryGroup(k).label,
                lambda k: plans_query(category_group=k),
                order=list(CategoryGroup.values),
            ),
            "by_area": groups_json(data.by_area, lambda k: k or _("No area"), lambda k: plans_query(area=k or "-")),
            "by_department": groups_json(
                data.by_department,
                lambda k: k[1] or _("No department"),
                lambda k: plans_query(department=k[0]) if k[0] is not None else None,
            ),
            "by_funding_source": groups_json(
                data.by_funding,
                lambda k: FundingSource(k).label,
                lambda k: plans_query(funding_source=k),
                order=list(FundingSource.values),
            ),
            "by_director": groups_json(
                data.by_director,
                lambda k: k[1] or _("No director"),
                lambda k: plans_query(director=k[0]) if k[0] is not None else None,
            ),
            "by_plan_category": groups_json(
                data.by_plan_category,
                lambda k: PlanCategory(k).label if k else _("Not set"),
                lambda k: plans_query(plan_category=k) if k else None,
            ),
        },
        "side_by_side": side_by_side,
        "lagging": {
            "supervision": lagging_json(data.lagging(figures.Lag.SUPERVISION)),
            "attention": lagging_json(data.lagging(figures.Lag.ATTENTION)),
        },
    }


dashboard = Router(tags=["investment dashboard"], auth=AUTH)


class DashboardQuery(SelectionQuery):
    tag: str | None = Field(
        None, description="A project tag's name (市投市建): count only the plans of projects with that tag."
    )
    month: int | None = Field(
        None,
        ge=1,
        le=12,
        description="Figures to the end of this month: the latest month due by default, December for a past year.",
    )


def dashboard_selection(request: HttpRequest, query: DashboardQuery) -> Selection:
    """The dashboard's selection (a year to the end of a month, among the agencies the user oversees, their own
    by default) from the API's query: as the page, but a bad query (or an agency not overseen) answers 422."""
    if query.start is not None or query.end is not None:
        message = _("The dashboard's period is a year to the end of a month: give `year` and `month`.")
        raise QueryInvalid([{"loc": ["query", "from" if query.start is not None else "to"], "msg": message}])
    sel = selection_from_api(
        request,
        query,
        agencies=pages.overseen_agencies(request.user),
        own_agency_first=True,
        default_month=figures.default_month(),
    )
    if query.month is not None:
        sel = replace(sel, period=Period(datetime.date(sel.year, 1, 1), month_end(sel.year, query.month)))
    return sel


@dashboard.get(
    "/dashboard/",
    response={200: DashboardOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="investment_dashboard",
    summary="The dispatch dashboard (固投看板): plan, schedule, confirmed actual, payments, lag, breakdowns",
    description="Query: `agency` (an id among the agencies you oversee, or `all`; your own by default), `year` "
    "and `month` (1–12; the latest month due by default, December for a past year), `tag` (a project tag's name: "
    "only the plans of projects with it). Only confirmed actuals count. "
    "A bad year or month, or an agency you do not oversee, answers 422.",
)
def dashboard_figures(request: HttpRequest, query: Query[DashboardQuery]) -> Any:
    if not user_may(request.user, AnnualPlan, Action.VIEW):
        return 403, {"detail": _("You may not view investment plans.")}
    sel = dashboard_selection(request, query)
    sel, tag, _tags = pages.project_tag(sel, {"tag": query.tag or ""})
    if sel.errors:
        raise QueryInvalid([{"loc": ["query", "tag"], "msg": message} for message in sel.errors])
    return 200, dashboard_json(sel, tag)


__all__ = [
    "dashboard",
    "investment_settings",
    "monthly_actuals",
    "payments",
    "plan_adjustments",
    "plans",
    "schedule_templates",
]
