"""The dispatch dashboard (固投看板), a plan's page, the review of monthly actuals, adjustment decisions and
the monthly report. Every figure on the dashboard links to the list of the plans (or records) behind it."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gongwu.core.figures import Selection
from gongwu.core.models import Action, Job, JobStatus, Organization, OrganizationKind, user_may
from gongwu.core.money import WAN, YI, format_money, format_yi
from gongwu.investment import figures, services
from gongwu.investment.filters import tag_names
from gongwu.investment.forms import ReturnForm
from gongwu.investment.models import (
    MONTHS,
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    Payment,
    PaymentRateBase,
    PlanAdjustment,
    month_end,
    overseen_agency_ids,
)
from gongwu.projects.models import CategoryGroup, PlanCategory, Project

# ---- the dashboard ------------------------------------------------------------------------------


def overseen_agencies(user: Any) -> list[Organization]:
    """The agencies whose investment `user` reads: their own and every agency below it (a city agency's
    districts), every agency for a superuser."""
    agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
    if not user.is_superuser:
        agencies = agencies.filter(pk__in=overseen_agency_ids(user))
    return list(agencies.order_by("parent_id", "name"))


def selection(user: Any, query: Any) -> Selection:
    """The agency, year and month asked for in `query` (a year to the end of a month), within the agencies
    `user` oversees, their own first; bad input is reported in `errors` and replaced by the default."""
    return Selection.from_query(
        user,
        query,
        agencies=overseen_agencies(user),
        own_agency_first=True,
        default_month=figures.default_month(),
    )


def yi(value: Decimal) -> str:
    return format_yi(value)


def number_wan(value: Decimal) -> str:
    """A figure already in 万元, to two places half up, with thousands separators (the column gives the unit)."""
    return f"{Decimal(value).quantize(figures.FEN, rounding=ROUND_HALF_UP):,.2f}"


def in_wan(amount: Decimal | None) -> str:
    return "—" if amount is None else number_wan(Decimal(amount) / WAN)


def plans_url(sel: Selection, **filters: Any) -> str:
    """The plan list behind a figure: the selection's agency, year and month (`as_of`) and `filters`."""
    return sel.url("investment:annualplan_list", {"year": sel.year, "as_of": sel.month, **filters})


def breakdown(
    groups: dict[Any, figures.Totals],
    sel: Selection,
    label: Any,
    link: Any,
    order: list[Any] | None = None,
    dashboard_link: Any = None,
) -> dict[str, Any]:
    """A table of groups with their figures in 万元, rows rounded so they add up to the total row."""
    keys = order if order is not None else sorted(groups, key=lambda k: -groups[k].plan)
    keys = [k for k in keys if k in groups]
    columns = ("plan", "scheduled", "actual", "paid")
    shown = {
        name: figures.round_to_total([getattr(groups[k], name) / WAN for k in keys], Decimal("0.01"))
        for name in columns
    }
    rows = []
    for index, key in enumerate(keys):
        totals = groups[key]
        rows.append(
            {
                "key": str(key if not isinstance(key, tuple) else key[0]),
                "label": label(key),
                "projects_shown": projects_shown(totals.projects),
                "url": link(key),
                "totals": totals,
                **{name: number_wan(shown[name][index]) for name in columns},
                "attention_url": link(key, lag=figures.Lag.ATTENTION),
                "supervision_url": link(key, lag=figures.Lag.SUPERVISION),
                "dashboard_url": dashboard_link(key) if dashboard_link else "",
            }
        )
    total = figures.Totals(base=groups[keys[0]].base if keys else PaymentRateBase.FUNDS)
    for key in keys:
        for name in ("projects", "plan", "funds", "scheduled", "actual", "actual_month", "unconfirmed", "paid"):
            setattr(total, name, getattr(total, name) + getattr(groups[key], name))
        for lag, n in groups[key].lags.items():
            total.lags[lag] += n
    total_shown = {name: number_wan(sum(shown[name], Decimal(0))) for name in columns}
    total_shown["projects"] = projects_shown(total.projects)
    return {"rows": rows, "total": total, "total_shown": total_shown}


def projects_shown(count: int) -> str:
    """ "12 projects", worked out once per row here rather than by a {% blocktranslate %} in the table's loop."""
    return ngettext("%(n)s project", "%(n)s projects", count) % {"n": count}


def lag_rows(dashboard: figures.Dashboard, lag: str, limit: int = 50) -> list[dict[str, Any]]:
    """The plans of a lag class, the largest gap first, with their figures in 万元 (the table gives the unit)."""
    rows = dashboard.lagging(lag)
    return [
        {
            "row": row,
            "url": reverse("investment:annualplan_detail", args=[row.pk]),
            "scheduled": in_wan(row.scheduled),
            "actual": in_wan(row.actual),
            "gap": in_wan(row.gap),
        }
        for row in rows[:limit]
    ]


def lagging(dashboard: figures.Dashboard, sel: Selection, limit: int = 50, tag: str = "") -> list[dict[str, Any]]:
    """督办滞后 then 提请关注: each class's count, the list behind it and its first `limit` plans by gap."""
    result = []
    for lag in (figures.Lag.SUPERVISION, figures.Lag.ATTENTION):
        count = dashboard.totals.lags[lag]
        result.append(
            {
                "lag": lag,
                "label": figures.Lag(lag).label,
                "colour": figures.LAG_COLOUR[lag],
                "count": count,
                "url": plans_url(sel, lag=lag, tag=tag),
                "rows": lag_rows(dashboard, lag, limit),
                "more": max(count - limit, 0),
            }
        )
    return result


def chart_data(dashboard: figures.Dashboard) -> dict[str, Any]:
    def in_yi(values: list[Decimal]) -> list[float]:
        return [float((v / YI).quantize(Decimal("0.0001"))) for v in values]

    curves = dashboard.curves
    return {
        "labels": [_("%(month)s月") % {"month": m} for m in MONTHS],
        "unit": _("hundred-million yuan"),
        "month": dashboard.month,
        "series": [
            {"name": _("Annual plan"), "values": in_yi(curves["plan"]), "kind": "plan"},
            {"name": _("Schedule"), "values": in_yi(curves["schedule"]), "kind": "schedule"},
            {
                "name": _("Completed (confirmed)"),
                "values": in_yi(curves["actual"][: dashboard.month]),
                "kind": "actual",
            },
            {"name": _("Paid"), "values": in_yi(curves["paid"][: dashboard.month]), "kind": "paid"},
        ],
    }


def project_tag(sel: Selection, query: Any) -> tuple[Selection, str, list[str]]:
    """The project tag asked for (`tag`, a name: 市投市建) among the tags of the agencies on offer, and those
    names; an unknown one is reported in the selection's errors and every project counted."""
    names = tag_names([a.pk for a in sel.agencies])
    wanted = str(query.get("tag") or "").strip()
    if wanted and wanted not in names:
        error = _("No project tag is named “%(tag)s”; counting every project.") % {"tag": wanted}
        return replace(sel, errors=(*sel.errors, error)), "", names
    return sel, wanted, names


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    sel, tag, tags = project_tag(selection(request.user, request.GET), request.GET)
    data = figures.dashboard(sel.agency_ids, sel.year, sel.month, tag=tag)
    totals = data.totals
    first, last = datetime.date(sel.year, 1, 1), month_end(sel.year, sel.month)
    payments_url = sel.url(
        "investment:payment_list", {"paid_from": first, "paid_to": last, "planned_in": sel.year, "tag": tag}
    )

    def plans(chosen: Selection = sel, **filters: Any) -> str:
        return plans_url(chosen, tag=tag, **filters)

    def adjustments_url(direction: str) -> str:
        return sel.url(
            "investment:planadjustment_list",
            {
                "year": sel.year,
                "direction": direction,
                "status": AdjustmentStatus.APPROVED,
                "decided_from": first,
                "decided_to": last,
                "tag": tag,
            },
        )

    def actuals_url(month: datetime.date, status: str = "") -> str:
        return sel.url(
            "investment:monthlyactual_list",
            {"month_from": month, "month_to": month, "voided": "live", "status": status, "tag": tag},
        )

    names = {a.pk: str(a.short_name or a.name) for a in sel.agencies}
    by_id = {a.pk: a for a in sel.agencies}
    departments = {key: key[1] or _("No department") for key in data.by_department}
    directors = {key: key[1] or _("No director") for key in data.by_director}
    tables = [
        (
            "category",
            _("By category"),
            breakdown(
                data.by_category,
                sel,
                lambda k: CategoryGroup(k).label,
                lambda k, **f: plans(category_group=k, **f),
                order=list(CategoryGroup.values),
            ),
        ),
        (
            "area",
            _("By area"),
            breakdown(
                data.by_area,
                sel,
                lambda k: k or _("No area"),
                lambda k, **f: plans(area=k or "-", **f),
            ),
        ),
        (
            "department",
            _("By department"),
            breakdown(
                data.by_department,
                sel,
                lambda k: departments[k],
                lambda k, **f: plans(department=k[0] or "-", **f),
            ),
        ),
        (
            "funding",
            _("By funding source"),
            breakdown(
                data.by_funding,
                sel,
                lambda k: FundingSource(k).label,
                lambda k, **f: plans(funding_source=k, **f),
                order=list(FundingSource.values),
            ),
        ),
        (
            "director",
            _("By project director"),
            breakdown(
                data.by_director,
                sel,
                lambda k: directors[k],
                lambda k, **f: plans(director=k[0] or "-", **f),
            ),
        ),
        (
            "plan_category",
            _("By plan category"),
            breakdown(
                data.by_plan_category,
                sel,
                lambda k: PlanCategory(k).label if k else _("Not set"),
                lambda k, **f: plans(plan_category=k or "-", **f),
            ),
        ),
    ]
    side_by_side = None
    if len(sel.agencies) > 1 and (sel.agency is None or any(a.parent_id == sel.agency.pk for a in sel.agencies)):
        ids = [a.pk for a in sel.agencies]
        if sel.agency is not None:
            ids = [sel.agency.pk] + [a.pk for a in sel.agencies if a.parent_id == sel.agency.pk]
        everyone = (
            figures.agency_totals(ids, sel.year, sel.month, tag=tag) if sel.agency is not None else data.by_agency
        )
        side_by_side = breakdown(
            everyone,
            sel,
            lambda k: names.get(k, ""),
            lambda k, **f: plans(sel.with_agency(by_id[k]), **f),
            order=ids,
            dashboard_link=lambda k: "?" + sel.with_agency(by_id[k]).querystring(tag=tag),
        )
    return {
        "sel": sel,
        "tag": tag,
        "tag_choices": tags,
        "data": data,
        "totals": totals,
        "figures": {
            "plan": yi(totals.plan),
            "scheduled": yi(totals.scheduled),
            "actual": yi(totals.actual),
            "actual_month": yi(totals.actual_month),
            "paid": yi(totals.paid),
            "payment_base": yi(totals.payment_base),
            "previous": yi(data.previous_actual),
            "unconfirmed": yi(totals.unconfirmed),
        },
        "base_label": PaymentRateBase(data.base).label,
        "urls": {
            "plan": plans(),
            "payments": payments_url,
            "previous_year": "?" + sel.previous().querystring(tag=tag),
            "report": reverse("investment:report") + "?" + sel.querystring(tag=tag),
        },
        "tables": tables,
        "side_by_side": side_by_side,
        "lagging": lagging(data, sel, tag=tag),
        "lag_cards": [
            {
                "lag": lag,
                "label": label,
                "count": totals.lags[lag],
                "url": plans(lag=lag),
                "colour": figures.LAG_COLOUR[lag],
            }
            for lag, label in figures.Lag.choices
        ],
        "adjustments": {
            "totals": data.adjustments,
            "increased": yi(data.adjustments.increased),
            "decreased": yi(data.adjustments.decreased),
            "increased_url": adjustments_url(AdjustmentDirection.INCREASE),
            "decreased_url": adjustments_url(AdjustmentDirection.DECREASE),
        },
        "unconfirmed": [
            {
                **entry,
                "url": actuals_url(entry["month"]),
                "statuses": [
                    {"status": s, "label": ActualStatus(s).label, "count": n, "url": actuals_url(entry["month"], s)}
                    for s, n in entry["by_status"].items()
                ],
                "amount_shown": format_money(entry["amount"]),
            }
            for entry in data.unconfirmed
        ],
        "chart": chart_data(data),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, AnnualPlan, Action.VIEW):
        raise PermissionDenied(_("You may not view investment plans."))
    context = dashboard_context(request)
    status = 422 if context["sel"].errors else 200
    return render(request, "investment/dashboard.html", context, status=status)


# ---- a plan's page ------------------------------------------------------------------------------


def plan_context(plan: AnnualPlan, request: HttpRequest) -> dict[str, Any]:
    """The plan's schedule against its actuals month by month, its adjustments and payments."""
    shares = plan.share_values()
    actuals = {
        a.month.month: a
        for a in plan.actuals.filter(voided_at__isnull=True).select_related("submitted_by", "reviewed_by")
    }
    payments = list(
        Payment.objects.filter(project=plan.project, paid_on__year=plan.year)
        .select_related("payee")
        .order_by("paid_on")
    )
    paid_by_month: dict[int, Decimal] = {}
    for payment in payments:
        paid_by_month[payment.paid_on.month] = paid_by_month.get(payment.paid_on.month, Decimal(0)) + payment.amount
    limits = figures.thresholds([plan.project.agency_id])[plan.project.agency_id]
    today = timezone.localdate()
    months = []
    cumulative = paid = Decimal(0)
    for month in MONTHS:
        actual = actuals.get(month)
        if actual is not None and actual.status == ActualStatus.CONFIRMED:
            cumulative += actual.amount
        paid += paid_by_month.get(month, Decimal(0))
        scheduled = figures.scheduled_amount(plan.adjusted_amount, shares[month - 1])
        started = datetime.date(plan.year, month, 1) <= today
        # a month is judged against its schedule once it has ended (its figures are due the month after)
        ended = month_end(plan.year, month) < today
        lag = figures.classify_investment_lag(cumulative, scheduled, *limits) if ended else None
        months.append(
            {
                "month": month,
                "share": shares[month - 1],
                "scheduled": scheduled,
                "scheduled_shown": in_wan(scheduled),
                "actual": actual,
                "actual_shown": in_wan(actual.amount) if actual is not None else "",
                "cumulative": cumulative if started else None,
                "cumulative_shown": in_wan(cumulative) if started else "",
                "paid": paid if started else None,
                "paid_shown": in_wan(paid) if started else "",
                "percent": figures.rate(cumulative, scheduled) if started else None,
                "lag": lag,
                "lag_label": figures.Lag(lag).label if lag else "",
                "lag_colour": figures.LAG_COLOUR.get(lag, ""),
                "add_url": reverse("investment:monthlyactual_add")
                + "?"
                + urlencode({"project": plan.project_id, "month": f"{plan.year}-{month:02d}"}),
            }
        )
    chart = {
        "labels": [_("%(month)s月") % {"month": m} for m in MONTHS],
        "unit": _("ten-thousand yuan"),
        "series": [
            {"name": _("Schedule"), "kind": "schedule", "values": [float(m["scheduled"] / WAN) for m in months]},
            {
                "name": _("Completed (confirmed)"),
                "kind": "actual",
                "values": [float(m["cumulative"] / WAN) for m in months if m["cumulative"] is not None],
            },
            {
                "name": _("Paid"),
                "kind": "paid",
                "values": [float(m["paid"] / WAN) for m in months if m["paid"] is not None],
            },
        ],
    }
    may_add = user_may(request.user, MonthlyActual, Action.ADD)
    return {
        "months": months,
        "adjustments": list(plan.adjustments.order_by("requested_on", "pk")),
        "payments": payments,
        "paid_total": paid,
        "confirmed_total": cumulative,
        "plan_chart": chart,
        "may_add_actual": may_add,
        "may_add_adjustment": AnnualPlan.objects.for_user(request.user, Action.CHANGE).filter(pk=plan.pk).exists()
        and user_may(request.user, PlanAdjustment, Action.ADD),
        "may_add_payment": user_may(request.user, Payment, Action.ADD)
        and Project.objects.for_user(request.user, Action.CHANGE).filter(pk=plan.project_id).exists(),
        "add_adjustment_url": reverse("investment:planadjustment_add") + f"?plan={plan.pk}",
        "add_payment_url": reverse("investment:payment_add") + f"?project={plan.project_id}",
    }


# ---- monthly actuals: their review --------------------------------------------------------------


def actual_actions(actual: MonthlyActual, user: Any) -> list[str]:
    changeable = MonthlyActual.objects.for_user(user, Action.CHANGE).filter(pk=actual.pk).exists()
    if not changeable:
        return []
    actions = []
    if actual.status in (ActualStatus.DRAFT, ActualStatus.RETURNED):
        actions.append("submit")
    if actual.status == ActualStatus.SUBMITTED and services.may_review(user, actual):
        actions += ["confirm", "return"]
    return actions


def actual_context(actual: MonthlyActual, request: HttpRequest) -> dict[str, Any]:
    """The report's review steps for this user, and where it leaves the plan: its schedule to the month and
    the confirmed figures to the month with and without this report."""
    plan = actual.plan
    share = plan.schedule.filter(month=actual.month.month).values_list("share", flat=True).first()
    scheduled = figures.scheduled_amount(plan.adjusted_amount, share)
    confirmed = MonthlyActual.objects.filter(
        plan=plan, status=ActualStatus.CONFIRMED, month__lte=actual.month, voided_at__isnull=True
    ).exclude(pk=actual.pk).aggregate(t=Sum("amount"))["t"] or Decimal(0)
    with_this = confirmed + actual.amount
    return {
        "actions": actual_actions(actual, request.user),
        "return_form": ReturnForm(),
        "plan_url": plan.get_absolute_url(),
        "may_change": request.user.is_authenticated
        and actual.status != ActualStatus.CONFIRMED
        and MonthlyActual.objects.for_user(request.user, Action.CHANGE).filter(pk=actual.pk).exists(),
        "standing": {
            "scheduled": scheduled,
            "confirmed": confirmed,
            "with_this": with_this,
            "percent": figures.rate(with_this, scheduled),
        },
    }


@login_required
@require_POST
def actual_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actual = get_object_or_404(MonthlyActual.objects.for_user(request.user), pk=pk)
    try:
        if step == "submit":
            services.submit_actual(actual, request.user)
            messages.success(request, _("Submitted for review."))
        elif step == "confirm":
            services.confirm_actual(actual, request.user)
            messages.success(request, _("Confirmed: the figure now counts in the official totals."))
        elif step == "return":
            services.return_actual(actual, request.user, request.POST.get("reason", ""))
            messages.success(request, _("Returned to the project team."))
        else:
            raise PermissionDenied
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = actual.get_absolute_url()
    return HttpResponseRedirect(target)


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """The planning department's queue: submitted reports by month, confirmed together or one by one."""
    if not user_may(request.user, MonthlyActual, Action.VIEW):
        raise PermissionDenied(_("You may not view monthly actuals."))
    pending = (
        MonthlyActual.objects.for_user(request.user, Action.CHANGE)
        .filter(status=ActualStatus.SUBMITTED)
        .select_related("project", "project__agency", "submitted_by", "plan")
        .order_by("month", "project__code")
    )
    may_review = services.may_review(request.user)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied(_("The planning department confirms reports."))
        chosen = list(pending.filter(pk__in=[int(v) for v in request.POST.getlist("actual") if v.isdigit()]))
        # the user's own reports are left for someone else to confirm; the rest are confirmed together
        own = [a for a in chosen if not request.user.is_superuser and a.submitted_by_id == request.user.pk]
        try:
            count = services.confirm_many([a for a in chosen if a not in own], request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if count:
                messages.success(request, _("%(count)d reports confirmed.") % {"count": count})
            elif not own:
                messages.warning(request, _("Choose the reports to confirm."))
            if own:
                messages.warning(
                    request,
                    _("%(count)d of the chosen reports are yours; someone else in the department confirms them.")
                    % {"count": len(own)},
                )
        return HttpResponseRedirect(reverse("investment:review"))
    groups: dict[datetime.date, list[MonthlyActual]] = {}
    for actual in pending[:1000]:
        groups.setdefault(actual.month, []).append(actual)
    returned = (
        MonthlyActual.objects.for_user(request.user)
        .filter(status=ActualStatus.RETURNED)
        .select_related("project")
        .order_by("-month")[:50]
    )
    return render(
        request,
        "investment/review.html",
        {
            "groups": [
                {"month": m, "actuals": items, "total": format_money(sum((a.amount for a in items), Decimal(0)))}
                for m, items in groups.items()
            ],
            "returned": returned,
            "may_review": may_review,
            "user_id": request.user.pk,
        },
    )


# ---- adjustments --------------------------------------------------------------------------------


def adjustment_context(adjustment: PlanAdjustment, request: HttpRequest) -> dict[str, Any]:
    user = request.user
    may_decide = (
        adjustment.status == AdjustmentStatus.PENDING
        and (user.is_superuser or user.role in services.REVIEWER_ROLES)
        and PlanAdjustment.objects.for_user(user, Action.CHANGE).filter(pk=adjustment.pk).exists()
    )
    plan = adjustment.plan
    return {
        "may_decide": may_decide,
        "may_change": adjustment.status == AdjustmentStatus.PENDING
        and PlanAdjustment.objects.for_user(user, Action.CHANGE).filter(pk=adjustment.pk).exists(),
        "plan_url": plan.get_absolute_url(),
        "adjusted_now": plan.adjusted_amount,
        "adjusted_after": plan.adjusted_amount + adjustment.signed_amount,
    }


@login_required
@require_POST
def decide_adjustment(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_object_or_404(PlanAdjustment.objects.for_user(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_adjustment(adjustment, request.user, approve=approve)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Adjustment approved.") if approve else _("Adjustment rejected."))
    return HttpResponseRedirect(adjustment.get_absolute_url())


# ---- the monthly report -------------------------------------------------------------------------


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Choose an agency, year and month (and a project tag); the report is built by the worker and downloaded
    from the job."""
    if not user_may(request.user, AnnualPlan, Action.EXPORT):
        raise PermissionDenied(_("You may not export investment plans."))
    query = request.POST if request.method == "POST" else request.GET
    sel, tag, tags = project_tag(selection(request.user, query), query)
    if request.method == "POST" and not sel.errors:
        from gongwu.investment.tasks import build_monthly_report

        title = _("Monthly investment report %(year)s-%(month)02d %(agency)s") % {
            "year": sel.year,
            "month": sel.month,
            "agency": sel.agency.short_name or sel.agency.name if sel.agency else _("all agencies"),
        }
        job = Job.objects.create(
            kind="investment_report",
            title=f"{title} · {tag}" if tag else title,
            status=JobStatus.QUEUED,
            params={"agency_ids": sel.agency_ids, "year": sel.year, "month": sel.month, "tag": tag},
            user=request.user,
            agency=request.user.agency,
        )
        transaction.on_commit(lambda: build_monthly_report.enqueue(job_id=job.pk, language=request.LANGUAGE_CODE))
        return HttpResponseRedirect(job.get_absolute_url())
    return render(
        request,
        "investment/report.html",
        {"sel": sel, "tag": tag, "tag_choices": tags},
        status=422 if sel.errors else 200,
    )
