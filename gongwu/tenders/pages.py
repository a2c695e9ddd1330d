"""The pages of the procurement workflow: a plan's threshold standing and split warning with its steps (approve,
cancel, start a tender), a tender's bids, the evaluation committee's candidates, the award committee's decision
and the failed tender, a bid's disqualification. Every step goes through `services`; a refused step shows the
page again with the reason and changes nothing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongwu.core.generic.forms import add_model_errors
from gongwu.core.models import Action, Role, user_may
from gongwu.tenders import services
from gongwu.tenders.forms import AwardForm, ReasonForm, RecommendForm
from gongwu.tenders.models import Bid, PlanStatus, SchemeTemplate, Tender, TenderPlan, TenderStatus


def may_change(user: Any, obj: Any) -> bool:
    return type(obj).objects.for_user(user, Action.CHANGE).filter(pk=obj.pk).exists()


def add_url(name: str, initial: dict[str, Any]) -> str:
    return reverse(name) + "?" + urlencode({k: v for k, v in initial.items() if v not in (None, "")})


# ---- the scheme library ---------------------------------------------------------------------------


def scheme_context(scheme: SchemeTemplate, request: HttpRequest) -> dict[str, Any]:
    user = request.user
    start = ""
    if scheme.is_active and user_may(user, TenderPlan, Action.ADD):
        start = add_url("tenders:tenderplan_add", {**services.plan_from_scheme(scheme), "agency": scheme.agency_id})
    return {"start_plan_url": start, "plans_count": scheme.plans.count()}


# ---- plans ---------------------------------------------------------------------------------------


def plan_context(plan: TenderPlan, request: HttpRequest) -> dict[str, Any]:
    """The plan's threshold standing, its split siblings, its tenders and the steps this user may take."""
    user = request.user
    changeable = may_change(user, plan)
    tenders = Tender.objects.for_user(user).filter(plan=plan).select_related("winner").order_by("-id")
    start_tender = ""
    if (
        changeable
        and plan.status in (PlanStatus.APPROVED, PlanStatus.TENDERING)
        and user_may(user, Tender, Action.ADD)
        and not services.running_tenders(plan).exists()
    ):
        start_tender = add_url("tenders:tender_add", {**services.tender_from_plan(plan), "agency": plan.agency_id})
    return {
        "threshold": services.check_thresholds(plan),
        "siblings": services.split_siblings(plan),
        "covered": plan.projects.order_by("code"),
        "sections": plan.sections.select_related("project"),
        "tenders": tenders,
        "may_approve": changeable and plan.status == PlanStatus.DRAFT,
        "may_cancel": changeable and plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED),
        "may_change": changeable and plan.status not in (PlanStatus.DONE, PlanStatus.CANCELLED),
        "start_tender_url": start_tender,
        "cancel_form": ReasonForm(),
    }


def refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


@login_required
@require_POST
def plan_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    plan = get_object_or_404(TenderPlan.objects.for_user(request.user), pk=pk)
    try:
        if step == "approve":
            services.approve_plan(plan=plan, actor=request.user)
            messages.success(request, _("Plan approved."))
        else:
            services.cancel_plan(plan=plan, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Plan cancelled."))
    except ValidationError as exc:
        refused(request, exc)
    return HttpResponseRedirect(plan.get_absolute_url())


# ---- tenders -------------------------------------------------------------------------------------


def same_account_groups(bids: list[Bid]) -> list[list[Bid]]:
    """Bids whose bonds were paid from one account (实施条例 Art. 40(6): deemed collusion)."""
    groups: dict[str, list[Bid]] = defaultdict(list)
    for bid in bids:
        if bid.bond_account_fingerprint:
            groups[bid.bond_account_fingerprint].append(bid)
    return [members for members in groups.values() if len(members) > 1]


def tender_context(tender: Tender, request: HttpRequest) -> dict[str, Any]:
    """The bids the user may see (a company: its own, and the others once awarded), and for the agency the
    candidates, award and failure forms with each bidder's eligibility."""
    user = request.user
    bids = list(Bid.objects.for_user(user).filter(tender=tender).select_related("bidder"))
    running = tender.status not in services.CLOSED_TENDER and not tender.is_voided
    steps = running and may_change(user, tender)
    is_company = user.role == Role.COMPANY and not user.is_superuser
    eligibility = {} if is_company else {bid.pk: services.ineligibility_reasons(bid.bidder, tender) for bid in bids}
    qualified = [bid for bid in bids if bid.qualified]
    context: dict[str, Any] = {
        "bids": [(bid, eligibility.get(bid.pk, [])) for bid in bids],
        "is_company": is_company,
        "prices_hidden": is_company and not tender.is_awarded,
        "steps": steps,
        "may_add_bid": running and user_may(user, Bid, Action.ADD) and may_change(user, tender),
        "add_bid_url": add_url("tenders:bid_add", {"tender": tender.pk}),
        "same_account": [] if is_company else same_account_groups(bids),
        "too_few": services.too_few_bids(tender) if steps else None,
        "minimum_bids": services.MINIMUM_BIDS,
        "may_view_plan": TenderPlan.objects.for_user(user).filter(pk=tender.plan_id).exists(),
    }
    if steps:
        context.setdefault("recommend_form", RecommendForm(bids=qualified))
        context.setdefault("award_form", AwardForm(tender=tender, initial=award_initial(bids)))
        context.setdefault("fail_form", ReasonForm())
    return context


def award_initial(bids: list[Bid]) -> dict[str, Any]:
    first = next((bid for bid in bids if bid.recommended_rank == 1), None)
    return {"winner": first.bidder_id} if first else {}


def render_tender(request: HttpRequest, tender: Tender, status: int, **forms: Any) -> HttpResponse:
    """The tender page again, with the bound form of a refused step and its errors."""
    from gongwu.core.generic.views import ObjectDetailView
    from gongwu.tenders.views import TenderViews

    view = ObjectDetailView(viewset=TenderViews)
    view.request = request  # type: ignore[assignment]  # a signed-in request (login_required)
    fresh = TenderViews.get_queryset(request.user).get(pk=tender.pk)
    context = view.detail_context(fresh)
    context.update(forms)
    return render(request, TenderViews.detail_template, context, status=status)


def _tender_for_step(request: HttpRequest, pk: int) -> Tender:
    tender = get_object_or_404(Tender.objects.for_user(request.user), pk=pk)
    if not may_change(request.user, tender):
        raise PermissionDenied(_("You may not change this tender."))
    return tender


@login_required
@require_POST
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_step(request, pk)
    bids = list(Bid.objects.for_user(request.user).filter(tender=tender, qualified=True).select_related("bidder"))
    form = RecommendForm(request.POST, bids=bids)
    if form.is_valid():
        try:
            services.recommend_candidates(
                tender=tender,
                actor=request.user,
                bids=form.cleaned_data["candidates"],
                evaluation_on=form.cleaned_data.get("evaluation_on"),
            )
        except ValidationError as exc:
            add_model_errors(form, exc)
        else:
            messages.success(request, _("Recommended candidates recorded."))
            return HttpResponseRedirect(tender.get_absolute_url())
    return render_tender(request, tender, 422, recommend_form=form)


@login_required
@require_POST
def award(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_step(request, pk)
    form = AwardForm(request.POST, tender=tender)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.award_tender(
                tender=tender,
                actor=request.user,
                winner=data["winner"],
                award_price=data.get("award_price"),
                award_reason=data.get("award_reason") or "",
                decision_on=data.get("decision_on"),
                award_notice_on=data.get("award_notice_on"),
            )
        except ValidationError as exc:
            add_model_errors(form, exc)
        else:
            messages.success(request, _("Tender awarded to %(company)s.") % {"company": data["winner"]})
            return HttpResponseRedirect(tender.get_absolute_url())
    return render_tender(request, tender, 422, award_form=form)


@login_required
@require_POST
def fail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _tender_for_step(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.fail_tender(tender=tender, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_model_errors(form, exc)
        else:
            messages.success(request, _("The tender is recorded as failed (流标)."))
            return HttpResponseRedirect(tender.get_absolute_url())
    return render_tender(request, tender, 422, fail_form=form)


# ---- bids ----------------------------------------------------------------------------------------


def bid_context(bid: Bid, request: HttpRequest) -> dict[str, Any]:
    tender = bid.tender
    steps = (
        bid.qualified
        and tender.status not in services.CLOSED_TENDER
        and not tender.is_voided
        and may_change(request.user, bid)
    )
    return {"may_disqualify": steps, "disqualify_form": ReasonForm(), "tender_status": TenderStatus(tender.status)}


@login_required
@require_POST
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    bid = get_object_or_404(Bid.objects.for_user(request.user).select_related("tender"), pk=pk)
    try:
        services.disqualify_bid(bid=bid, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Bid disqualified."))
    except ValidationError as exc:
        refused(request, exc)
    return HttpResponseRedirect(bid.get_absolute_url())
