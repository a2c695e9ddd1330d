"""Pages beyond the generic ones: the inbox, the leader's board, the rules, a case's actions, notifications,
a meeting's cases, and the "cases about it" panel on every object page."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongwu.alerts import figures as read
from gongwu.alerts import owners, services, sources
from gongwu.alerts.models import (
    LEVEL_COLOUR,
    LEVEL_RANK,
    OPEN_STATUSES,
    Case,
    Kind,
    Level,
    Meeting,
    Notification,
    RuleSetting,
    Status,
)
from gongwu.alerts.rules import RULES
from gongwu.core.calendar import working_days_between
from gongwu.core.figures import Selection
from gongwu.core.http import SignedInRequest
from gongwu.core.models import Action, Attachment, Organization, OrganizationKind, User, user_may
from gongwu.core.periods import percent

# ---- a case's page ------------------------------------------------------------------------------

# How the keys rules write into a case's trigger read on the page (unknown keys are shown as written).
TRIGGER_LABELS = {
    "project": gettext_lazy("project code"),
    "approval": gettext_lazy("approval"),
    "milestone": gettext_lazy("milestone"),
    "task": gettext_lazy("task"),
    "planned_date": gettext_lazy("planned date"),
    "approved_on": gettext_lazy("project approved on"),
    "days_late": gettext_lazy("days late"),
    "days": gettext_lazy("days"),
    "basis": gettext_lazy("counted in"),
    "target": gettext_lazy("target"),
    "severity": gettext_lazy("severity"),
}
# Each action's form: what its text box asks for and whether it must be filled in.
ACTION_FORMS = {
    "assign": {"icon": "ti-user-share", "text": gettext_lazy("Note (optional)"), "required": False},
    "start": {"icon": "ti-player-play", "text": gettext_lazy("Note (optional)"), "required": False},
    "respond": {"icon": "ti-message-check", "text": gettext_lazy("What was done"), "required": True},
    "close": {"icon": "ti-circle-check", "text": gettext_lazy("Verification note (optional)"), "required": False},
    "send_back": {"icon": "ti-arrow-back-up", "text": gettext_lazy("Reason it is sent back"), "required": True},
    "archive": {"icon": "ti-archive", "text": gettext_lazy("Feedback"), "required": True},
    "reschedule": {"icon": "ti-calendar-time", "text": gettext_lazy("Reason for the change"), "required": True},
    "reassign": {"icon": "ti-users", "text": gettext_lazy("Reason for the change"), "required": True},
}
ACTION_BUTTONS = {
    "assign": ("btn-primary", gettext_lazy("Assign")),
    "start": ("btn-outline-primary", gettext_lazy("Start work")),
    "respond": ("btn-primary", gettext_lazy("Submit the response")),
    "close": ("btn-success", gettext_lazy("Verify and close")),
    "send_back": ("btn-warning", gettext_lazy("Send back")),
    "archive": ("btn-secondary", gettext_lazy("Archive")),
    "reschedule": ("btn-outline-secondary", gettext_lazy("Change the deadline")),
    "reassign": ("btn-outline-secondary", gettext_lazy("Change who is responsible")),
}
# The owners' reasoned steps that change no status (services.reschedule, services.reassign).
OWNER_STEPS = ("reschedule", "reassign")
STATUS_COLOUR: dict[str, str] = {
    Status.OPEN: "secondary",
    Status.ASSIGNED: "azure",
    Status.IN_PROGRESS: "blue",
    Status.SUBMITTED: "purple",
    Status.CLOSED: "green",
    Status.ARCHIVED: "secondary",
}


def trigger_rows(trigger: dict[str, Any]) -> list[tuple[Any, str]]:
    """The data that triggered a case, as (label, value) rows a person reads."""
    rows = []
    for key, value in (trigger or {}).items():
        if key == "severity":
            continue  # the scan's sort key (e.g. days late), already shown under its own name
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif isinstance(value, list | tuple):
            shown = "、".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = json.dumps(value, ensure_ascii=False)
        elif value in (None, ""):
            shown = "—"
        else:
            shown = str(value)
        rows.append((TRIGGER_LABELS.get(key, key.replace("_", " ")), shown))
    return rows


def evidence_by_event(events: list[Any], attachments: list[Attachment]) -> dict[int, list[Attachment]]:
    """Which evidence files came with which step: an event lists them in its data, or (as the service
    saves them in the step's own transaction) they are the files its actor uploaded right after it."""
    found: dict[int, list[Attachment]] = {}
    by_pk = {a.pk: a for a in attachments}
    claimed: set[int] = set()
    for event in events:
        ids = (event.data or {}).get("evidence") or []
        found[event.pk] = [by_pk[i] for i in ids if i in by_pk]
        claimed.update(ids)
    responses = [e for e in events if e.action in ("responded", "closed", "sent_back") and not found[e.pk]]
    for attachment in sorted(attachments, key=lambda a: a.created):
        if attachment.pk in claimed:
            continue
        for event in reversed(responses):
            close_in_time = datetime.timedelta(0) <= attachment.created - event.time <= datetime.timedelta(minutes=2)
            if event.actor_id == attachment.uploaded_by_id and close_in_time:
                found[event.pk].append(attachment)
                break
    return found


def assignable_organizations(user: User) -> QuerySet:
    """Whom a case can be assigned to: the user's own agency and departments, and the companies."""
    return (
        (
            Organization.objects.for_user(user)
            | Organization.objects.exclude(
                kind__in=[OrganizationKind.AGENCY, OrganizationKind.DEPARTMENT, OrganizationKind.REGULATOR]
            )
        )
        .filter(is_active=True)
        .distinct()
        .order_by("kind", "name")
    )


def subject_url(subject: Any, user: User) -> str:
    """The subject's page, when the user may see it (a company often may not see the record a rule watched)."""
    if subject is None or not hasattr(subject, "get_absolute_url"):
        return ""
    manager = type(subject)._default_manager
    if hasattr(manager, "for_user") and not manager.for_user(user).filter(pk=subject.pk).exists():
        return ""
    return subject.get_absolute_url()


def case_context(case: Case, request: SignedInRequest) -> dict[str, Any]:
    """What a case page shows besides its fields: the timeline, the trigger, the actions the user may take."""
    user = request.user
    today = timezone.localdate()
    events = list(case.events.select_related("actor").order_by("time", "id"))
    attachments = list(
        Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk))
        .select_related("uploaded_by")
        .order_by("created")
    )
    evidence = evidence_by_event(events, attachments)
    timeline = [{"event": e, "evidence": evidence.get(e.pk, [])} for e in reversed(events)]
    transitions = services.allowed_transitions(case, user)
    if case.is_open and services.may_reschedule(user, case):
        transitions += [step for step in OWNER_STEPS if not owners.owns(case, step)]
    actions = [
        {
            "name": name,
            "url": reverse("alerts:case_action", args=[case.pk, name]),
            "label": ACTION_BUTTONS[name][1],
            "button": ACTION_BUTTONS[name][0],
            **ACTION_FORMS[name],
        }
        for name in transitions
    ]
    subject = case.subject
    days_left = None
    if case.is_open and case.deadline:
        days_left = working_days_between(today, case.deadline)
    context = {
        "events": events,
        "timeline": timeline,
        "transitions": transitions,
        "actions": actions,
        "owner_link": owners.owner_link(case),
        "rule": RULES.get(case.rule_code),
        "trigger_rows": trigger_rows(case.trigger),
        "subject": subject,
        "subject_url": subject_url(subject, user),
        "level_colour": LEVEL_COLOUR.get(case.level, "secondary"),
        "status_colour": STATUS_COLOUR.get(case.status, "secondary"),
        "working_days_left": days_left,
        "working_days_late": -days_left if days_left is not None and days_left < 0 else 0,
        "overdue_days": (today - case.deadline).days if case.deadline and case.is_overdue(today) else 0,
    }
    if "assign" in transitions or "reassign" in transitions:
        context["organizations"] = list(assignable_organizations(user)[:500])
        context["people"] = list(
            User.objects.for_user(user)
            .filter(is_active=True)
            .select_related("organization")
            .order_by("organization__name", "username")[:500]
        )
    return context


def meeting_context(meeting: Meeting, request: SignedInRequest) -> dict[str, Any]:
    """A meeting's decisions: the cases it opened, and a link to add an action item."""
    user = request.user
    cases = list(
        Case.objects.for_user(user)
        .filter(meeting=meeting)
        .select_related("responsible_org", "responsible_person")
        .order_by("number", "pk")
    )
    done = sum(1 for c in cases if not c.is_open)
    return {
        "cases": cases,
        "cases_done": done,
        "cases_overdue": sum(1 for c in cases if c.overdue),
        "closure_rate": percent(done, len(cases)),
        "may_add_case": user_may(user, Case, Action.ADD),
        "add_case_url": reverse("alerts:case_add") + "?" + urlencode({"meeting": meeting.pk, "kind": Kind.ACTION_ITEM}),
        "cases_url": case_list_url(meeting=meeting.pk),
    }


# ---- "the cases about it" on every object page ----------------------------------------------------


def subject_q(obj: models.Model) -> Q:
    """Cases about `obj` or about one of its parts (records that belong to it: a foreign key to it that
    deletes with it, e.g. a project's approvals and milestones, which the rules watch)."""
    condition = Q(subject_type=ContentType.objects.get_for_model(type(obj)), subject_id=str(obj.pk))
    for relation in type(obj)._meta.related_objects:
        model = relation.related_model
        if (
            isinstance(model, str)  # ("self", resolved once the models are loaded)
            or not (relation.one_to_many or relation.one_to_one)
            or relation.on_delete is not models.CASCADE
            or model._meta.app_label == Case._meta.app_label
            or not hasattr(model, "get_absolute_url")
        ):
            continue
        part_ids = model._base_manager.filter(**{relation.field.name: obj.pk}).values(
            key=Cast("pk", models.CharField())
        )
        condition |= Q(subject_type=ContentType.objects.get_for_model(model), subject_id__in=part_ids)
    return condition


def subject_cases_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    """The panel of the cases about an object (and its parts), for every object page but the alerts' own."""
    user = request.user
    if obj._meta.app_label == Case._meta.app_label or not user_may(user, Case, Action.VIEW):
        return None
    today = timezone.localdate()
    cases = Case.objects.for_user(user).filter(subject_q(obj))
    counts = cases.aggregate(
        live=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, deadline__lt=today)),
        total=Count("pk"),
    )
    if not counts["total"]:
        return None
    live = list(
        cases.filter(status__in=OPEN_STATUSES)
        .annotate(rank=services.level_rank())
        .select_related("responsible_org")
        .order_by(F("deadline").asc(nulls_last=True), "-rank", "pk")[:10]
    )
    recent = list(cases.exclude(status__in=OPEN_STATUSES).order_by("-closed_on", "-pk")[:3]) if len(live) < 10 else []
    content_type = ContentType.objects.get_for_model(type(obj))
    direct = cases.filter(subject_type=content_type, subject_id=str(obj.pk)).count()
    return {
        "template": "alerts/subject_cases_panel.html",
        "counts": counts,
        "live": live,
        "recent": recent,
        "direct": direct,
        "direct_url": case_list_url(subject_type=content_type.pk, subject_id=obj.pk),
    }


@login_required
@require_POST
def case_action(request: SignedInRequest, pk: int, name: str) -> HttpResponse:
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

        form = AttachmentForm(files={"file": upload}, agency=case.agency)
        if not form.is_valid():
            messages.error(request, " ".join(map(str, form.errors["file"])))
            return HttpResponseRedirect(case.get_absolute_url())
        stored = form.cleaned_data["file"]
        evidence.append(
            Attachment(
                file=stored,
                name=stored.name[:200],
                size=stored.size,
                mime_type=stored.gongwu_mime,
                uploaded_by=request.user,
            )
        )
    try:
        if name == "reschedule":
            services.reschedule(case, request.user, deadline=deadline, reason=data.get("text", ""), version=version)
        elif name == "reassign":
            services.reassign(
                case,
                request.user,
                reason=data.get("text", ""),
                responsible_org=org,
                responsible_person=person,
                version=version,
            )
        else:
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
        label = ACTION_BUTTONS[name][1] if name in OWNER_STEPS else services.EVENT_OF[name].label
        messages.success(request, _("Done: %(action)s.") % {"action": label})
    return HttpResponseRedirect(case.get_absolute_url())


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    if not user_may(request.user, Case, Action.VIEW):
        raise PermissionDenied(_("You may not view cases."))
    today = timezone.localdate()
    lists = services.inbox(request.user)
    late = models.Case(When(deadline__lt=today, then=Value(1)), default=Value(0))
    overdue_q = Q(deadline__lt=today)
    sections = []
    for key, title, queryset, order, empty in (
        (
            "to-do",
            _("To do"),
            lists["to_do"],
            (F("deadline").asc(nulls_last=True), "-rank", "pk"),
            _("Nothing assigned to you or your organization is waiting."),
        ),
        (
            "to-verify",
            _("To verify"),
            lists["to_verify"],
            ("-late", F("responded_on").asc(nulls_last=True), "pk"),
            _("No responses are waiting for your verification."),
        ),
    ):
        counts = queryset.aggregate(n=Count("pk"), overdue=Count("pk", filter=overdue_q))
        cases = list(queryset.annotate(rank=services.level_rank(), late=late).order_by(*order)[:200])
        sections.append({"key": key, "title": title, "cases": cases, "empty": empty, **counts})
    may_verify = request.user.role != "company"
    return render(
        request,
        "alerts/inbox.html",
        {
            "sections": sections if may_verify else sections[:1],
            "today": today,
            "may_add": user_may(request.user, Case, Action.ADD),
        },
    )


def case_list_url(**params: Any) -> str:
    """The case list filtered by `params` (a list value repeats the parameter)."""
    return reverse("alerts:case_list") + "?" + urlencode(params, doseq=True)


def board_context(figures: dict[str, Any], sel: Selection, cases: QuerySet) -> dict[str, Any]:
    """The board's figures, groups and charts, each number linked to the list of exactly the cases it counts
    (narrowed to the chosen agency, as the figures are)."""
    live = read.LIVE

    def rows(items: list[dict], field: str, label: Any, param: str | None, values: dict | None = None) -> list[dict]:
        out = []
        for item in items:
            key = item[field]
            value = (values or {}).get(key, key)
            url = overdue_url = None
            if param and value is not None:
                url = read.cases_url(sel, **live, **{param: value})
                overdue_url = read.cases_url(sel, overdue="true", **{param: value})
            out.append(
                {
                    "key": key,
                    "label": label(key) if callable(label) else (key or label),
                    "n": item["n"],
                    "overdue": item["overdue"],
                    "url": url,
                    "overdue_url": overdue_url,
                    "colour": LEVEL_COLOUR.get(key, "") if field == "level" else "",
                }
            )
        return out

    levels, kinds = dict(Level.choices), dict(Kind.choices)
    department_names = [i["department__name"] for i in figures["by_department"] if i["department__name"]]
    departments: dict[str, int | None] = {}
    if department_names:
        live_cases = cases.filter(status__in=OPEN_STATUSES)
        for name, pk in Organization.objects.filter(
            kind=OrganizationKind.DEPARTMENT, name__in=department_names, pk__in=live_cases.values("department")
        ).values_list("name", "pk"):
            departments[name] = None if name in departments else pk  # two departments of that name: no exact link
    groups = [
        (
            "by-level",
            _("By level"),
            rows(
                sorted(figures["by_level"], key=lambda r: -LEVEL_RANK.get(r["level"], 0)), "level", levels.get, "level"
            ),
        ),
        ("by-source", _("By source"), rows(figures["by_source"], "source", sources.label, "source")),
        ("by-kind", _("By kind"), rows(figures["by_kind"], "kind", kinds.get, "kind")),
        (
            "by-department",
            _("By supervising department"),
            rows(figures["by_department"], "department__name", _("No department"), "department", departments),
        ),
        (
            "by-responsible",
            _("By responsible organization"),
            rows(figures["by_responsible"], "responsible_org__name", _("Not yet assigned"), "responsible_name"),
        ),
        (
            "by-subject",
            _("By subject (overdue first)"),
            rows(figures["by_subject"], "subject_label", "", "subject_label"),
        ),
    ]
    in_period, done = read.opened_in(sel), read.DONE  # a voided case counts nowhere
    charts = {
        "levels": {
            "kind": "pie",
            "items": [
                {"name": str(r["label"]), "value": r["n"], "url": r["url"], "colour": r["colour"]} for r in groups[0][2]
            ],
        },
        "sources": {
            "kind": "bars",
            "labels": [sources.label(r["source"]) for r in figures["opened_by_source"]],
            "series": [
                {
                    "name": _("Opened"),
                    "values": [r["n"] for r in figures["opened_by_source"]],
                    "urls": [read.cases_url(sel, **in_period, source=r["source"]) for r in figures["opened_by_source"]],
                },
                {
                    "name": _("Closed"),
                    "values": [r["closed"] for r in figures["opened_by_source"]],
                    "urls": [
                        read.cases_url(sel, **in_period, source=r["source"], status=done)
                        for r in figures["opened_by_source"]
                    ],
                },
            ],
        },
    }
    return {**read.board_figures(figures, sel), "groups": groups, "charts": charts}


@login_required
def board(request: SignedInRequest) -> HttpResponse:
    """The leader's board: over one agency or all those the user may see (a company's user: the cases addressed
    to its company), the cases opened and closed in a period and the live ones as of today."""
    if not user_may(request.user, Case, Action.VIEW):
        raise PermissionDenied(_("You may not view cases."))
    sel = Selection.from_request(request)
    cases = read.board_cases(request.user, sel)
    figures = read.board(cases, sel.period)
    return render(
        request,
        "alerts/board.html",
        {"sel": sel, "figures": figures, **board_context(figures, sel, cases)},
        status=422 if sel.errors else 200,
    )


@login_required
def rules(request: SignedInRequest) -> HttpResponse:
    if not user_may(request.user, RuleSetting, Action.VIEW):
        raise PermissionDenied(_("You may not view rules."))
    user = request.user
    agency = user.agency
    settings = {s.code: s for s in RuleSetting.objects.for_user(user).filter(agency=agency)} if agency else {}
    live = dict(
        Case.objects.for_user(user)
        .filter(status__in=OPEN_STATUSES, source=sources.RULE)
        .values_list("rule_code")
        .annotate(n=Count("pk"))
        .values_list("rule_code", "n")
    )
    may_change = agency is not None and user_may(user, RuleSetting, Action.CHANGE)
    rows = []
    for code, rule in sorted(RULES.items()):
        setting = settings.get(code)
        try:
            values = rule.clean_params(getattr(setting, "params", None))
        except ValidationError:
            values = rule.defaults()  # a setting saved before a parameter's range changed: show the defaults
        level = setting.level if setting else rule.level
        edit_url = None
        if may_change:
            edit_url = (
                reverse("alerts:rulesetting_edit", args=[setting.pk])
                if setting
                else reverse("alerts:rulesetting_add") + "?" + urlencode({"code": code, "level": rule.level})
            )
        rows.append(
            {
                "rule": rule,
                "setting": setting,
                "enabled": setting.enabled if setting else True,
                "level": level,
                "level_label": Level(level).label,
                "level_colour": LEVEL_COLOUR.get(level, "secondary"),
                "kind_label": Kind(rule.kind).label,
                "params": [
                    {"param": p, "value": values[p.name], "changed": values[p.name] != p.default} for p in rule.params
                ],
                "live": live.get(code, 0),
                "live_url": case_list_url(rule_code=code, live="true"),
                "edit_url": edit_url,
            }
        )
    return render(request, "alerts/rules.html", {"rows": rows, "may_change": may_change, "agency": agency})


@login_required
def notifications(request: SignedInRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=request.user).select_related("case")[:200])
    unread = sum(1 for n in items if n.read_at is None)
    return render(request, "alerts/notifications.html", {"items": items, "unread": unread})


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("All notifications marked as read."))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("alerts:notifications")
    return HttpResponseRedirect(target)
