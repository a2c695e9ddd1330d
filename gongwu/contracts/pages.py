"""Hand-written pages of the contracts app: what the contract page adds (countersign rounds, status steps, the
Word document), my countersign tasks, and the contract figures. Each area has its section."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongwu.contracts import documents, figures, services
from gongwu.contracts.forms import StepActionForm
from gongwu.contracts.models import (
    NEXT_STATUS,
    Contract,
    ContractStatus,
    Countersign,
    CountersignStep,
    StepStatus,
)
from gongwu.core.figures import Selection, compute, figure_spec, require_agencies
from gongwu.core.models import Action, user_may

# ---- contracts -----------------------------------------------------------------------------------


def contract_context(contract: Contract, request: HttpRequest) -> dict[str, Any]:
    """The contract page's countersign rounds (each step: who, when, how long), what the user may do now."""
    user = request.user
    rounds = list(
        Countersign.objects.filter(contract=contract).select_related("route", "started_by").order_by("-round")
    )
    steps = services.round_steps(rounds)
    may_change = (
        contract.voided_at is None and Contract.objects.for_user(user, Action.CHANGE).filter(pk=contract.pk).exists()
    )
    rows = []
    for round_ in rounds:
        round_steps = steps.get(round_.pk, [])
        rows.append(
            {
                "round": round_,
                "duration": services.duration_text(
                    round_.duration or (timezone.now() - round_.started_at if round_.finished_at is None else None)
                ),
                "steps": [
                    {
                        "step": step,
                        "signers": services.step_signers(step),
                        "duration": services.duration_text(
                            step.duration
                            or (timezone.now() - step.opened_at if step.status == StepStatus.PENDING else None)
                        ),
                        "mine": step.status == StepStatus.PENDING and step.may_act(user),
                    }
                    for step in round_steps
                ],
            }
        )
    transitions = [
        (status, ContractStatus(status).label)
        for status in NEXT_STATUS[contract.status]
        if status not in services.COUNTERSIGN_STATUSES
    ]
    return {
        "rounds": rows,
        "may_start_countersign": may_change and contract.status == ContractStatus.DRAFT,
        "route": services.route_for(contract) if contract.status == ContractStatus.DRAFT else None,
        "transitions": transitions if may_change else [],
        "action_form": StepActionForm(),
        "parties": contract.parties(),
        "today": timezone.localdate(),
    }


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


@login_required
@require_POST
def start_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.for_user(request.user), pk=pk)
    try:
        round_ = services.start_countersign(contract=contract, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Sent to countersign along “%(route)s” (round %(round)s).")
            % {"route": round_.route.name, "round": round_.round},
        )
    return HttpResponseRedirect(contract.get_absolute_url())


@login_required
@require_POST
def act_on_step(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    step = get_object_or_404(
        CountersignStep.objects.for_user(request.user).select_related("countersign__contract"), pk=pk
    )
    contract = step.countersign.contract
    form = StepActionForm(request.POST)
    if not form.is_valid() or decision not in ("approve", "return"):
        messages.error(request, _("The comment or the date is not valid."))
        return _back(request, contract.get_absolute_url())
    try:
        services.act_on_step(
            step=step,
            actor=request.user,
            approve=decision == "approve",
            comment=form.cleaned_data["comment"],
            signed_on=form.cleaned_data["signed_on"],
        )
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        contract.refresh_from_db()
        if decision == "return":
            messages.success(request, _("Returned: the contract is a draft again."))
        elif contract.status == ContractStatus.SIGNED:
            messages.success(request, _("Approved: every step has signed, and the contract is signed."))
        else:
            messages.success(request, _("Approved."))
    return _back(request, contract.get_absolute_url())


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.for_user(request.user), pk=pk)
    try:
        services.transition_contract(contract=contract, status=request.POST.get("status", ""), actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        contract.refresh_from_db()
        messages.success(request, _("The contract is now “%(status)s”.") % {"status": contract.get_status_display()})
    return HttpResponseRedirect(contract.get_absolute_url())


@login_required
def word(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's Word document, filled from its standard text."""
    contract = get_object_or_404(
        Contract.objects.for_user(request.user).select_related("agency", "project", "contractor", "text_template"),
        pk=pk,
    )
    try:
        content, name = services.contract_document(contract=contract, actor=request.user)
    except documents.TemplateProblem as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(contract.get_absolute_url())
    response = HttpResponse(content, content_type=documents.DOCX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---- countersign: my tasks --------------------------------------------------------------------------------


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The countersign steps open for me to sign, oldest first, with how long each has waited."""
    if not user_may(request.user, Contract, Action.VIEW):
        raise PermissionDenied(_("You may not view contracts."))
    pending = list(
        services.pending_steps_for(request.user)
        .select_related("countersign", "countersign__contract", "countersign__contract__contractor", "department")
        .order_by("opened_at", "id")[:500]
    )
    now = timezone.now()
    rows = [
        {
            "step": step,
            "contract": step.countersign.contract,
            "waited": services.duration_text(now - step.opened_at if step.opened_at else None),
            "days": (now - step.opened_at).days if step.opened_at else 0,
        }
        for step in pending
    ]
    signed_by_me = (
        CountersignStep.objects.for_user(request.user)
        .filter(acted_by=request.user)
        .select_related("countersign__contract")
        .order_by("-acted_at")[:20]
    )
    context = {
        "rows": rows,
        "count": len(rows),
        "waiting_long": sum(1 for row in rows if row["days"] >= 3),
        "done": list(signed_by_me),
        "action_form": StepActionForm(),
        "here": reverse("contracts:my_tasks"),
    }
    return render(request, "contracts/my_tasks.html", context)


# ---- figures ---------------------------------------------------------------------------------------


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    """Contract figures for any agency and period, each compared with a year earlier and linked to its list."""
    if not user_may(request.user, Contract, Action.VIEW):
        raise PermissionDenied(_("You may not view contracts."))
    sel = Selection.from_request(request, own_agency_first=True)
    require_agencies(sel)
    shown = [compute(key, sel) for key in figures.FIGURE_KEYS if figure_spec(key) is not None]
    by_key = {f.key: f for f in shown}
    countersign = by_key.get("contracts.countersign_days")
    change = countersign.change if countersign is not None else None
    context = {
        "sel": sel,
        "figures": shown,
        "countersign": countersign,
        "countersign_saved": -change if change is not None and change < 0 else None,
        "signed": by_key.get("contracts.signed"),
        "signed_amount": by_key.get("contracts.signed_amount"),
        "descriptions": {key: figure_spec(key).description for key in figures.FIGURE_KEYS},
    }
    return render(request, "contracts/figures.html", context, status=422 if sel.errors else 200)
