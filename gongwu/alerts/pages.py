"""Pages beyond the generic ones: the inbox, the leader's board, the rules, a case's actions, notifications."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongwu.alerts import services
from gongwu.alerts.models import Case, Notification, RuleSetting
from gongwu.alerts.rules import RULES
from gongwu.core.models import Action, Attachment, Organization, User, user_may


def case_context(case: Case, request: HttpRequest) -> dict[str, Any]:
    """What a case page shows besides its fields: the timeline, the trigger, the actions the user may take."""
    user = request.user
    return {
        "events": list(case.events.select_related("actor").order_by("time", "id")),
        "transitions": services.allowed_transitions(case, user),
        "rule": RULES.get(case.rule_code),
        "subject": case.subject,
        "organizations": Organization.objects.for_user(user).filter(is_active=True).order_by("kind", "name")[:500],
        "people": User.objects.for_user(user).filter(is_active=True).order_by("username")[:500],
    }


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    data = request.POST
    try:
        version = int(data.get("version") or 0) or None
        org = Organization.objects.for_user(request.user).filter(pk=data.get("responsible_org") or 0).first()
        person = User.objects.for_user(request.user).filter(pk=data.get("responsible_person") or 0).first()
        deadline = datetime.date.fromisoformat(data["deadline"]) if data.get("deadline") else None
    except ValueError:
        messages.error(request, _("Dates are written YYYY-MM-DD."))
        return HttpResponseRedirect(case.get_absolute_url())
    evidence = []
    for upload in request.FILES.getlist("evidence"):
        from gongwu.core.forms import AttachmentForm

        form = AttachmentForm(files={"file": upload})
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["file"]))
            return HttpResponseRedirect(case.get_absolute_url())
        evidence.append(
            Attachment(
                file=upload,
                name=upload.name[:200],
                size=upload.size,
                mime_type=upload.gongwu_mime,
                uploaded_by=request.user,
            )
        )
    try:
        services.transition(
            case,
            name,
            request.user,
            text=data.get("text", ""),
            version=version,
            responsible_org=org,
            responsible_person=person,
            deadline=deadline,
            evidence=evidence,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": services.EVENT_OF[name].label})
    return HttpResponseRedirect(case.get_absolute_url())


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Case, Action.VIEW):
        raise PermissionDenied(_("You may not view cases."))
    lists = services.inbox(request.user)
    return render(request, "alerts/inbox.html", {"to_do": lists["to_do"][:200], "to_verify": lists["to_verify"][:200]})


def parse_period(request: HttpRequest) -> tuple[services.Period, list[str]]:
    today = timezone.localdate()
    errors = []
    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    try:
        if request.GET.get("year"):
            year = int(request.GET["year"])
            if not 1990 <= year <= 2100:
                raise ValueError
            start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if request.GET.get("from"):
            start = datetime.date.fromisoformat(request.GET["from"])
        if request.GET.get("to"):
            end = datetime.date.fromisoformat(request.GET["to"])
    except ValueError:
        errors.append(_("Write the year as a number and dates as YYYY-MM-DD."))
    if end < start:
        errors.append(_("The period ends before it starts."))
        start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    return services.Period(start, end), errors


@login_required
def board(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Case, Action.VIEW):
        raise PermissionDenied(_("You may not view cases."))
    period, errors = parse_period(request)
    figures = services.board(Case.objects.for_user(request.user), period)
    return render(
        request,
        "alerts/board.html",
        {"figures": figures, "period": period, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, RuleSetting, Action.VIEW):
        raise PermissionDenied(_("You may not view rules."))
    agency = request.user.agency
    settings = {s.code: s for s in RuleSetting.objects.for_user(request.user).filter(agency=agency)} if agency else {}
    rows = [
        {
            "rule": rule,
            "setting": settings.get(code),
            "params": rule.clean_params(getattr(settings.get(code), "params", None)),
        }
        for code, rule in sorted(RULES.items())
    ]
    return render(
        request, "alerts/rules.html", {"rows": rows, "may_change": user_may(request.user, RuleSetting, Action.CHANGE)}
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user).select_related("case")[:200]
    return render(request, "alerts/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return HttpResponseRedirect(request.POST.get("next") or "/alerts/notifications/")
