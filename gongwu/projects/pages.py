"""Pages beyond the generic ones: the project page, the stage change, the task-list results, the portfolio summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core.models import Action, Organization, OrganizationKind, user_may
from gongwu.core.money import format_money
from gongwu.core.periods import ListLinks, Period, change_percent, period_from_query
from gongwu.projects import figures as project_figures
from gongwu.projects import services
from gongwu.projects.forms import StageChangeForm
from gongwu.projects.models import (
    CATEGORY_GROUPS,
    STAGE_ORDER,
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    Category,
    CategoryGroup,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    ProjectSettings,
    Stage,
    TaskItem,
    TaskList,
)

# ---- the project page ---------------------------------------------------------------------------

STAGE_COLOURS = {
    Stage.RESERVE: "secondary",
    Stage.PREPARATION: "azure",
    Stage.CONSTRUCTION: "orange",
    Stage.COMPLETED: "green",
    Stage.SETTLEMENT: "teal",
    Stage.FINAL_ACCOUNTS: "cyan",
    Stage.HANDOVER: "indigo",
    Stage.WARRANTY: "purple",
}
FEATURE_FIELDS = ("uses_bim", "is_green", "is_near_zero_carbon", "is_prefabricated")


def add_url(name: str, **initial: Any) -> str:
    """The generic add page of `projects:<name>_add` with form fields prefilled from the query string."""
    return reverse(f"projects:{name}_add") + "?" + urlencode(initial)


def project_context(project: Project, request: HttpRequest) -> dict[str, Any]:
    """What the project page shows at a glance, besides its fields, attachments and history."""
    user = request.user
    settings = ProjectSettings.for_agency(project.agency)
    approvals = list(Approval.objects.filter(project=project).select_related("kind").order_by("kind__order"))
    done_kinds = {a.kind_id for a in approvals}
    missing_kinds = list(
        ApprovalKind.objects.for_user(user)
        .filter(is_active=True)
        .filter(Q(agency__isnull=True) | Q(agency=project.agency_id))
        .exclude(pk__in=done_kinds)
        .order_by("order")
    )
    stage_changes = list(project.stage_changes.select_related("actor").order_by("entered_on", "id"))
    history = {c.stage: c for c in stage_changes}
    timeline = [
        {
            "stage": stage,
            "label": label,
            "change": history.get(stage),
            "current": stage == project.stage,
            "passed": STAGE_ORDER[stage] < STAGE_ORDER[project.stage],
        }
        for stage, label in Stage.choices
    ]
    progress = list(ProgressReport.objects.filter(project=project).order_by("month").values_list("month", "percent"))
    milestones = list(Milestone.objects.filter(project=project).order_by("planned_date", "id"))
    may_add = {
        name: user_may(user, model, Action.ADD)
        for name, model in (
            ("approval", Approval),
            ("milestone", Milestone),
            ("progress", ProgressReport),
            ("award", Award),
            ("task_item", TaskItem),
            ("project", Project),
        )
    }
    meta = Project._meta
    return {
        "settings": settings,
        "stage_colour": STAGE_COLOURS.get(project.stage, "secondary"),
        "timeline": timeline,
        "stage_changes": stage_changes,
        "overrides": [c for c in stage_changes if c.override_reason],
        "approvals": approvals,
        "missing_approval_kinds": [
            (kind, add_url("approval", project=project.pk, kind=kind.pk)) for kind in missing_kinds
        ],
        "lead_time": services.lead_time(project, settings),
        "milestones": milestones,
        "overdue_milestones": sum(1 for m in milestones if m.is_overdue),
        "progress_points": [{"month": f"{m:%Y-%m}", "percent": float(p)} for m, p in progress],
        "progress_chart": {
            "kind": "line",
            "name": _("physical progress (%)"),
            "labels": [f"{m:%Y-%m}" for m, _p in progress],
            "values": [float(p) for _m, p in progress],
        },
        "sub_projects": list(Project.objects.for_user(user).filter(parent=project).order_by("code")),
        "awards": list(Award.objects.filter(project=project).order_by("-year")),
        "task_items": task_item_rows(project),
        "tags": list(project.tags.all()),
        # the outcome fields' names carry their units: "road length (km)", "floor area (㎡)"
        "outcomes": [
            (meta.get_field(name).verbose_name, number(getattr(project, name)))
            for name in project_figures.OUTCOME_FIELDS
            if getattr(project, name)
        ],
        "features": [meta.get_field(name).verbose_name for name in FEATURE_FIELDS if getattr(project, name)],
        "may_change_stage": Project.objects.for_user(user, Action.CHANGE).filter(pk=project.pk).exists(),
        "may_override": services.may_override_gates(user),
        "may_add_children": may_add["approval"],
        "may_add": may_add,
        "add_links": {
            "approval": add_url("approval", project=project.pk),
            "milestone": add_url("milestone", project=project.pk),
            "progress": add_url("progressreport", project=project.pk),
            "award": add_url("award", project=project.pk),
            "task_item": add_url("taskitem", project=project.pk),
            "sub_project": add_url("project", parent=project.pk),
        },
    }


def task_item_rows(project: Project) -> list[dict[str, Any]]:
    """The project's places on annual task lists, newest first, each with its status and a link to its group."""
    rows = []
    for item in project.task_items.select_related("task_list").order_by("-task_list__year", "kind"):
        status = services.task_status(item)
        rows.append(
            {
                "item": item,
                "url": f"{item.task_list.get_absolute_url()}#tasks-{item.kind}",
                "status": str(services.TaskStatus(status).label),
                "colour": TASK_STATUS_COLOURS[status],
            }
        )
    return rows


def number(value: Any) -> str:
    """A count or quantity as reports write it: 18,600 · 17.25 (no trailing zeros)."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value:,f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


# ---- the annual task list -----------------------------------------------------------------------

TASK_STATUS_COLOURS = {
    services.TaskStatus.DONE: "green",
    services.TaskStatus.DONE_LATE: "lime",
    services.TaskStatus.PENDING: "secondary",
    services.TaskStatus.BEHIND: "orange",
    services.TaskStatus.MISSED: "red",
}


def task_list_context(task_list: TaskList, request: HttpRequest) -> dict[str, Any]:
    """Plan vs actual per group; `?show=<kind>-achieved|<kind>-behind` narrows a group to the rows behind a number."""
    groups = services.task_list_results(task_list)
    show = request.GET.get("show", "")
    base = task_list.get_absolute_url()
    labels = {status: str(label) for status, label in services.TaskStatus.choices}
    cards = []
    for group in groups:
        narrowed = {"achieved": services.ACHIEVED, "behind": services.NOT_ACHIEVED}.get(
            show.removeprefix(f"{group.kind}-")
        )
        if not show.startswith(f"{group.kind}-"):
            narrowed = None
        rows = [r for r in group.rows if narrowed is None or r.status in narrowed]
        cards.append(
            {
                "group": group,
                "anchor": f"tasks-{group.kind}",
                "rows": [{"row": r, "label": labels[r.status], "colour": TASK_STATUS_COLOURS[r.status]} for r in rows],
                "narrowed": narrowed is not None,
                "planned_url": f"{base}#tasks-{group.kind}",
                "achieved_url": f"{base}?show={group.kind}-achieved#tasks-{group.kind}",
                "behind_url": f"{base}?show={group.kind}-behind#tasks-{group.kind}",
                "all_url": f"{base}#tasks-{group.kind}",
                "add_url": add_url("taskitem", task_list=task_list.pk, kind=group.kind),
            }
        )
    planned = sum(g.planned for g in groups)
    achieved = sum(g.achieved for g in groups)
    return {
        "groups": groups,
        "cards": cards,
        "planned_total": planned,
        "achieved_total": achieved,
        "behind_total": sum(g.behind for g in groups),
        "rate_total": services.percent(achieved, planned),
        "status_labels": labels,
        "may_add_item": user_may(request.user, TaskItem, Action.ADD),
        "add_item_url": add_url("taskitem", task_list=task_list.pk),
    }


# ---- the stage change ---------------------------------------------------------------------------


@login_required
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    if not Project.objects.for_user(request.user, Action.CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this project."))
    form = StageChangeForm(request.POST or None, initial={"stage": next_stage(project.stage)})
    may_override = services.may_override_gates(request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_stage(
                    project=project,
                    stage=form.cleaned_data["stage"],
                    actor=request.user,
                    entered_on=form.cleaned_data["entered_on"],
                    override_reason=form.cleaned_data["override_reason"] if may_override else "",
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("“%(project)s” is now “%(stage)s”.") % {"project": project, "stage": project.get_stage_display()},
                )
                return HttpResponseRedirect(project.get_absolute_url())
        status = 422
    gates = [
        {
            "stage": stage,
            "label": label,
            "errors": services.stage_gate_errors(project, stage),
            "current": stage == project.stage,
            "backwards": STAGE_ORDER[stage] < STAGE_ORDER[project.stage],
        }
        for stage, label in Stage.choices
    ]
    gate_records = missing_gate_records(project, request.user)
    first_closed = True
    for gate in gates:
        order = STAGE_ORDER[gate["stage"]]
        gate["needs"] = [r for r in gate_records if order >= STAGE_ORDER[r["from_stage"]]] if gate["errors"] else []
        # The first closed gate says why in full; the later ones only name what is missing.
        gate["explain"] = bool(gate["errors"]) and not gate["backwards"] and first_closed
        if gate["explain"]:
            first_closed = False
    context = {
        "project": project,
        "form": form,
        "gates": gates,
        "may_override": may_override,
    }
    return render(request, "projects/stage_change.html", context, status=status)


def missing_gate_records(project: Project, user: Any) -> list[dict[str, Any]]:
    """The records that open the construction and completion gates and are not there yet, each with the page
    that records it: the pending approval or milestone when there is one, else its add form prefilled."""
    records = []
    if services.construction_permit_date(project) is None:
        pending = (
            Approval.objects.filter(project=project, kind__role=ApprovalRole.CONSTRUCTION_PERMIT)
            .select_related("kind")
            .first()
        )
        kind = (
            pending.kind
            if pending
            else ApprovalKind.objects.for_user(user)
            .filter(role=ApprovalRole.CONSTRUCTION_PERMIT, is_active=True)
            .filter(Q(agency__isnull=True) | Q(agency=project.agency_id))
            .order_by("-agency", "order")
            .first()
        )
        records.append(
            {
                "from_stage": Stage.CONSTRUCTION,
                "label": kind.name if kind else str(ApprovalRole.CONSTRUCTION_PERMIT.label),
                "url": pending.get_absolute_url()
                if pending
                else add_url("approval", project=project.pk, **({"kind": kind.pk} if kind else {})),
                "may": user_may(user, Approval, Action.CHANGE if pending else Action.ADD),
                "icon": "pencil" if pending else "plus",
            }
        )
    if services.completion_acceptance_date(project) is None:
        pending = Milestone.objects.filter(project=project, kind=MilestoneKind.COMPLETION_ACCEPTANCE).first()
        records.append(
            {
                "from_stage": Stage.COMPLETED,
                "label": str(MilestoneKind.COMPLETION_ACCEPTANCE.label),
                "url": pending.get_absolute_url()
                if pending
                else add_url("milestone", project=project.pk, kind=MilestoneKind.COMPLETION_ACCEPTANCE),
                "may": user_may(user, Milestone, Action.CHANGE if pending else Action.ADD),
                "icon": "pencil" if pending else "plus",
            }
        )
    return records


def next_stage(stage: str) -> str:
    values = Stage.values
    index = STAGE_ORDER[stage]
    return values[min(index + 1, len(values) - 1)]


# ---- the portfolio summary ----------------------------------------------------------------------


def parse_period(request: HttpRequest) -> tuple[Period, list[str]]:
    return period_from_query(request.GET)


def summary_queryset(request: HttpRequest) -> tuple[Any, Organization | None]:
    projects = Project.objects.for_user(request.user)
    agency = None
    agency_id = request.GET.get("agency")
    if agency_id and agency_id.isdigit():
        agency = Organization.objects.for_user(request.user).filter(pk=agency_id, kind=OrganizationKind.AGENCY).first()
        if agency is not None:
            projects = projects.filter(agency=agency)
    return projects, agency


@dataclass(frozen=True)
class Figure:
    """One number of the summary and the address of the list of exactly what it counts."""

    label: str
    value: Any
    url: str
    key: str = ""
    note: str = ""
    children: list[Figure] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return self.value if isinstance(self.value, str) else number(self.value)


class SummaryLinks(ListLinks):
    """Addresses of the lists behind the summary's figures, in the filters of `ProjectFilterSet` and friends.

    The summary counts top-level projects, so project links carry `level=top`; counts of records that
    hang on any project (milestones, awards, approvals) leave it out.
    """

    def projects(self, *, period: Period | None = None, top: bool = True, **params: Any) -> str:
        query: dict[str, Any] = {"level": "top"} if top else {}
        if period is not None:
            query.update(period_from=period.start.isoformat(), period_to=period.end.isoformat())
        return self._url("projects:project_list", {**query, **params})

    def happened(self, happened: str, period: Period | None = None, **params: Any) -> str:
        return self.projects(period=period or self.period, happened=happened, **params)

    def awards(self, level: str) -> str:
        if self.period.start.year == self.period.end.year:
            return self._url("projects:award_list", {"level": level, "year": self.period.start.year})
        return self.projects(period=self.period, top=False, award_level=level)

    def award_list(self) -> str:
        return self._url("projects:award_list", award_year_query(self.period))

    def approvals(self, kind_id: int | None) -> str:
        return self._url(
            "projects:approval_list",
            {
                "kind": kind_id,
                "done": "true",
                "obtained_from": self.period.start.isoformat(),
                "obtained_to": self.period.end.isoformat(),
            },
        )


def category_params(categories: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"category": list(categories)}


def breakdown(
    key: str, counts: dict[str, Any], links: SummaryLinks, period: Period, previous: int | None
) -> dict[str, Any]:
    """A started/completed/advancing card: the total and its split into buildings, municipal works and the rest."""
    categories: dict[str, int] = counts["categories"]
    groups = counts["groups"]

    def link(**params: Any) -> str:
        return links.happened(key, period, **params)

    other_buildings = project_figures.SUMMARY_GROUPS["other_building"]
    other_municipal = [c for c in CATEGORY_GROUPS[CategoryGroup.MUNICIPAL] if c != Category.ROAD]
    rest = [c for g in (CategoryGroup.WATER, CategoryGroup.LANDSCAPE, CategoryGroup.OTHER) for c in CATEGORY_GROUPS[g]]
    rows = [
        Figure(
            _("Buildings"),
            groups["building"],
            link(category_group=CategoryGroup.BUILDING),
            key="building",
            children=[
                Figure(_("Schools"), groups["school"], link(category=Category.SCHOOL), key="school"),
                Figure(_("Hospitals"), groups["hospital"], link(category=Category.HOSPITAL), key="hospital"),
                Figure(
                    _("Other buildings"),
                    groups["other_building"],
                    link(**category_params(other_buildings)),
                    key="other_building",
                ),
            ],
        ),
        Figure(
            _("Municipal works"),
            groups["municipal"],
            link(category_group=CategoryGroup.MUNICIPAL),
            key="municipal",
            children=[
                Figure(_("Roads"), groups["road"], link(category=Category.ROAD), key="road"),
                Figure(
                    _("Other municipal works"),
                    sum(categories.get(c, 0) for c in other_municipal),
                    link(**category_params(other_municipal)),
                    key="other_municipal",
                ),
            ],
        ),
    ]
    rest_count = sum(categories.get(c, 0) for c in rest)
    rows.append(Figure(_("Water, landscape and other"), rest_count, link(**category_params(rest)), key="rest"))
    return {
        "key": key,
        "total": Figure(happened_title(key), counts["total"], link(), key=key),
        "previous": None
        if previous is None
        else Figure(_("Previous year"), previous, links.happened(key, period.previous_year()), key=f"{key}_previous"),
        "change": change_percent(counts["total"], previous) if previous is not None else None,
        "rows": rows,
    }


def happened_title(key: str) -> str:
    return {"started": _("Started"), "completed": _("Completed"), "advancing": _("Advancing")}[key]


def outcome_rows(top: QuerySet, figures: dict[str, Any], links: SummaryLinks) -> list[dict[str, Any]]:
    """Outcome totals of the projects completed in the period and the year before, with the projects behind them."""
    period, previous = figures["period"], figures["previous"]
    contributing = {}
    for name, span in (("now", period), ("before", previous)):
        contributing[name] = top.filter(project_figures.completed_q(span)).aggregate(
            **{f: Count("pk", filter=Q(**{f"{f}__gt": 0})) for f in project_figures.OUTCOME_FIELDS}
        )
    rows = []
    for outcome in figures["outcomes"]:
        name = outcome["field"]
        label = Project._meta.get_field(name).verbose_name
        rows.append(
            {
                "field": name,
                "label": label,
                "projects": contributing["now"][name],
                "value": Figure(
                    str(label),
                    outcome["value"],
                    links.happened("completed", period, outcome=name),
                    key=name,
                    note=str(contributing["now"][name]),
                ),
                "previous": Figure(
                    str(label),
                    outcome["previous"],
                    links.happened("completed", previous, outcome=name),
                    key=f"{name}_previous",
                    note=str(contributing["before"][name]),
                ),
                "change": outcome["change"],
            }
        )
    return rows


def summary_sections(projects: QuerySet, agency: Organization | None, figures: dict[str, Any], user: Any) -> dict:
    """The summary's figures as cards of (label, value, link) — every number points at the list behind it."""
    period = figures["period"]
    links = SummaryLinks(period, agency)
    flags = figures["flags"]
    top = projects.filter(parent__isnull=True)
    key_figures = [
        Figure(_("Projects"), figures["total"], links.projects(), key="total"),
        Figure(_("Sub-projects"), flags["sub_projects"], links.projects(top=False, level="sub"), key="sub_projects"),
        Figure(_("Approved investment"), format_money(figures["investment"]), links.projects(), key="investment"),
        Figure(_("Overdue"), flags["overdue"], links.projects(overdue="true"), key="overdue"),
    ]
    happenings = [
        breakdown("started", figures["started"], links, period, figures["started_previous"]),
        breakdown("completed", figures["completed"], links, period, figures["completed_previous"]),
        breakdown("advancing", figures["advancing"], links, period, None),
    ]
    stage_on = None if figures["stage_today"] else figures["stage_day"].isoformat()
    by_stage = [
        Figure(str(label), n, links.projects(stage=s, stage_on=stage_on), key=s) for s, label, n in figures["by_stage"]
    ]
    by_group = [Figure(str(label), n, links.projects(category_group=g), key=g) for g, label, n in figures["by_group"]]
    milestones = [
        Figure(str(label), n, links.projects(period=period, top=False, milestone=k), key=k)
        for k, label, n in figures["milestones"]
    ]
    hospitals = Figure(
        _("Hospitals topped out"),
        figures["topped_out_hospitals"],
        links.projects(period=period, category=Category.HOSPITAL, milestone="topping_out"),
        key="topped_out_hospitals",
    )
    awards = [Figure(str(label), n, links.awards(level), key=level) for level, label, n in figures["awards"]]
    kind_ids = dict(
        ApprovalKind.objects.for_user(user)
        .filter(name__in=[name for name, _n in figures["approvals"]])
        .order_by("-agency")
        .values_list("name", "pk")
    )
    approvals = [Figure(name, n, links.approvals(kind_ids.get(name)), key=name) for name, n in figures["approvals"]]
    meta = Project._meta
    features = [
        Figure(str(meta.get_field("uses_bim").verbose_name), flags["bim"], links.projects(uses_bim="true"), key="bim"),
        Figure(
            str(meta.get_field("is_green").verbose_name), flags["green"], links.projects(is_green="true"), key="green"
        ),
        Figure(
            str(meta.get_field("is_near_zero_carbon").verbose_name),
            flags["near_zero_carbon"],
            links.projects(is_near_zero_carbon="true"),
            key="near_zero_carbon",
        ),
        Figure(
            str(meta.get_field("is_prefabricated").verbose_name),
            flags["prefabricated"],
            links.projects(is_prefabricated="true"),
            key="prefabricated",
            note=number(flags["prefabricated_area"]) if flags["prefabricated_area"] else "",
        ),
    ]
    return {
        "key_figures": key_figures,
        "happenings": happenings,
        "outcomes": outcome_rows(top, figures, links),
        "by_stage": by_stage,
        "by_group": by_group,
        "intake": intake_figures(figures, links),
        "milestones": milestones,
        "hospitals": hospitals,
        "awards": awards,
        "awards_total": Figure(_("Awards"), figures["awards_total"], links.award_list(), key="awards"),
        "approvals": approvals,
        "features": features,
        "charts": {
            "stages": {
                "kind": "bar",
                "name": _("Projects"),
                "labels": [f.label for f in by_stage],
                "values": [f.value for f in by_stage],
                "urls": [f.url for f in by_stage],
            },
            "groups": {
                "kind": "pie",
                "items": [{"name": f.label, "value": f.value, "url": f.url} for f in by_group if f.value],
            },
            "breakdown": {
                "kind": "stacked",
                "labels": [h["total"].label for h in happenings],
                "series": [
                    {
                        "name": str(label),
                        "values": [figure_value(h, key) for h in happenings],
                        "urls": [figure_url(h, key) for h in happenings],
                    }
                    for key, label in (
                        ("school", _("Schools")),
                        ("hospital", _("Hospitals")),
                        ("other_building", _("Other buildings")),
                        ("road", _("Roads")),
                        ("other_municipal", _("Other municipal works")),
                        ("rest", _("Water, landscape and other")),
                    )
                ],
            },
        },
    }


def intake_figures(figures: dict[str, Any], links: SummaryLinks) -> dict[str, Any]:
    """Projects received (接收) in the period with their approved investment, and the lead time 立项 → 施工许可
    of the projects whose permit came in it, each against the same period a year earlier."""
    period, previous = figures["period"], figures["previous"]
    received = figures["received"]
    lead: project_figures.LeadTimeFigure = figures["lead_time"]
    basis = lead.basis
    return {
        "received": Figure(
            _("Projects received"), received["count"], links.happened("received", period), key="received"
        ),
        "received_investment": Figure(
            _("Their approved investment"),
            format_money(received["investment"]),
            links.happened("received", period),
            key="received_investment",
        ),
        "received_previous": Figure(
            _("A year earlier"), received["previous"], links.happened("received", previous), key="received_previous"
        ),
        "received_change": change_percent(received["count"], received["previous"]),
        "lead_time": Figure(
            _("Average lead time 立项 → 施工许可"),
            "—" if lead.now.average is None else number(lead.now.average),
            links.happened("permitted", period),
            key="lead_time",
            note=str(lead.now.count),
        ),
        "lead_time_count": lead.now.count,
        "lead_time_median": "—" if lead.now.median is None else number(lead.now.median),
        "lead_time_previous": Figure(
            _("A year earlier"),
            "—" if lead.previous.average is None else number(lead.previous.average),
            links.happened("permitted", previous),
            key="lead_time_previous",
            note=str(lead.previous.count),
        ),
        "lead_time_change_days": lead.change_days,
        "lead_time_change": lead.change,
        "lead_time_unit": {
            "calendar": _("calendar days"),
            "working": _("working days"),
        }.get(basis, _("days, each agency's basis")),
    }


def award_year_query(period: Period) -> dict[str, Any]:
    return {"year": period.start.year} if period.start.year == period.end.year else {}


def _find(happening: dict[str, Any], key: str) -> Figure | None:
    for row in happening["rows"]:
        for figure in (row, *row.children):
            if figure.key == key:
                return figure
    return None


def figure_value(happening: dict[str, Any], key: str) -> int:
    found = _find(happening, key)
    return found.value if found else 0


def figure_url(happening: dict[str, Any], key: str) -> str:
    found = _find(happening, key)
    return found.url if found else ""


def year_choices(selected: int) -> list[int]:
    this_year = timezone.localdate().year
    years = set(range(this_year, this_year - 10, -1)) | {selected}
    return sorted(years, reverse=True)


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Project, Action.VIEW):
        raise PermissionDenied(_("You may not view projects."))
    period, errors = parse_period(request)
    projects, agency = summary_queryset(request)
    figures = project_figures.portfolio_summary(projects, period)
    agencies = list(Organization.objects.for_user(request.user).filter(kind=OrganizationKind.AGENCY).order_by("name"))
    whole_year = period == Period.year(period.start.year)
    context = {
        "figures": figures,
        "period": period,
        "whole_year": whole_year,
        "year": period.start.year,
        "years": year_choices(period.start.year),
        "errors": errors,
        "agency": agency,
        "agencies": agencies,
        **summary_sections(projects, agency, figures, request.user),
    }
    return render(request, "projects/summary.html", context, status=422 if errors else 200)
