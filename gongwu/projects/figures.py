"""The read side of projects: the portfolio summary's figures for any period, each with the filter of the
project list that shows the projects behind it (see `ProjectFilterSet`).

Figures hold for a past period as they held then: stages are read from the stage history at the period's
end, starts and completions from the milestones, intake from the projects' intake date, lead times from the
approvals. Only the key figures (total, investment, overdue, features) are "as of today".
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.calendar import working_days_between
from gongwu.core.figures import Figure, Selection, Unit, compute, figure_spec, number, register_figure
from gongwu.core.periods import Period, change_percent
from gongwu.projects.models import (
    CATEGORY_GROUPS,
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    CategoryGroup,
    LeadTimeBasis,
    Milestone,
    MilestoneKind,
    Project,
    ProjectSettings,
    Stage,
    StageChange,
)

OUTCOME_FIELDS = ("school_places", "hospital_beds", "parking_spaces", "road_length_km", "floor_area")
SUMMARY_GROUPS = {
    "road": (Category.ROAD,),
    "school": (Category.SCHOOL,),
    "hospital": (Category.HOSPITAL,),
    "other_building": tuple(
        c for c in CATEGORY_GROUPS[CategoryGroup.BUILDING] if c not in (Category.SCHOOL, Category.HOSPITAL)
    ),
}


# ---- what happened to a project in a period -------------------------------------------------------


def started_q(period: Period) -> Q:
    return Q(started_on__gte=period.start, started_on__lte=period.end)


def completed_q(period: Period) -> Q:
    return Q(completed_on__gte=period.start, completed_on__lte=period.end)


def advancing_q(period: Period) -> Q:
    """Under construction through the period: started before it began, not completed by its end."""
    return Q(started_on__lt=period.start) & (Q(completed_on__isnull=True) | Q(completed_on__gt=period.end))


def received_q(period: Period) -> Q:
    """Taken over by the agency (接收) in the period."""
    return Q(received_on__gte=period.start, received_on__lte=period.end)


def permitted_q(period: Period) -> Q:
    """Construction permit obtained in the period, with the project approval (立项) recorded: the projects
    whose lead time 立项 → 施工许可 the period's figure averages."""
    permit = Approval.objects.filter(
        project=OuterRef("pk"),
        kind__role=ApprovalRole.CONSTRUCTION_PERMIT,
        actual_date__gte=period.start,
        actual_date__lte=period.end,
    )
    approval = Approval.objects.filter(
        project=OuterRef("pk"), kind__role=ApprovalRole.PROJECT_APPROVAL, actual_date__isnull=False
    )
    return Q(Exists(permit)) & Q(Exists(approval))


def overdue_projects_q(today: datetime.date | None = None) -> Q:
    """Projects with a milestone past its planned date and not reached, or an approval not obtained in time."""
    today = today or timezone.localdate()
    overdue_milestone = Milestone.objects.filter(
        project=OuterRef("pk"), actual_date__isnull=True, planned_date__lt=today
    )
    overdue_approval = Approval.objects.filter(project=OuterRef("pk"), actual_date__isnull=True, planned_date__lt=today)
    return Q(Exists(overdue_milestone)) | Q(Exists(overdue_approval))


# ---- stages at a day ---------------------------------------------------------------------------------


def stage_on(day: datetime.date) -> Coalesce:
    """The stage a project was in at the end of `day`, from its stage history: the stage of its last step
    entered on or before that day (the latest recorded when two share a day).

    A project whose history starts after `day` was not in the portfolio yet (None). A project with no
    history at all (written around the services: loaded in bulk, or before the history existed) counts in
    its current stage from the day it entered it, or on any day when that is not known.
    """
    last_step = (
        StageChange.objects.filter(project=OuterRef("pk"), entered_on__lte=day)
        .order_by("-entered_on", "-id")
        .values("stage")[:1]
    )
    untracked = ~Exists(StageChange.objects.filter(project=OuterRef("pk"))) & (
        Q(stage_entered_on__isnull=True) | Q(stage_entered_on__lte=day)
    )
    return Coalesce(
        Subquery(last_step, output_field=CharField()),
        Case(When(untracked, then=F("stage")), default=Value(None), output_field=CharField()),
        output_field=CharField(),
    )


def stages_on(projects: QuerySet, day: datetime.date) -> dict[str, int]:
    """How many of `projects` were in each stage at the end of `day` (those not yet in the portfolio left out).

    Projects with a history and those without are counted apart: the history's last step is a subquery per
    tracked project, and the untracked are counted by an anti-join rather than a test on every row."""
    history = StageChange.objects.filter(project=OuterRef("pk"))
    last_step = history.filter(entered_on__lte=day).order_by("-entered_on", "-id").values("stage")[:1]
    counts: dict[str, int] = {}
    tracked = (
        projects.filter(Exists(history))
        .annotate(stage_then=Subquery(last_step, output_field=CharField()))
        .values("stage_then")
        .annotate(n=Count("pk"))
        .order_by()
    )
    untracked = (
        projects.filter(~Exists(history))
        .filter(Q(stage_entered_on__isnull=True) | Q(stage_entered_on__lte=day))
        .values("stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for stage, n in [(r["stage_then"], r["n"]) for r in tracked] + [(r["stage"], r["n"]) for r in untracked]:
        if stage:
            counts[stage] = counts.get(stage, 0) + n
    return counts


def stages_now(projects: QuerySet) -> dict[str, int]:
    return dict(projects.values_list("stage").annotate(n=Count("pk")).order_by())


def stage_day(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day the summary's stage counts are read at: the period's end, or today while the period runs."""
    today = today or timezone.localdate()
    return min(period.end, today)


# ---- approval lead time of a period ---------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimes:
    """Lead times 立项 → 施工许可 of the projects whose permit was obtained in a period, in days."""

    period: Period
    days: tuple[int, ...]
    basis: str  # calendar, working, or "mixed" (agencies counting differently)

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def average(self) -> Decimal | None:
        if not self.days:
            return None
        return (Decimal(sum(self.days)) / len(self.days)).quantize(Decimal("0.1"))

    @property
    def median(self) -> Decimal | None:
        if not self.days:
            return None
        return Decimal(str(statistics.median(self.days))).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class LeadTimeFigure:
    """A period's average lead time against the same period a year earlier."""

    now: LeadTimes
    previous: LeadTimes

    @property
    def change_days(self) -> Decimal | None:
        """Days longer (+) or shorter (−) on average than a year earlier."""
        if self.now.average is None or self.previous.average is None:
            return None
        return self.now.average - self.previous.average

    @property
    def change(self) -> Decimal | None:
        """The same change in % of the earlier average, one decimal."""
        return change_percent(self.now.average, self.previous.average)

    @property
    def basis(self) -> str:
        bases = {t.basis for t in (self.now, self.previous) if t.days}
        return bases.pop() if len(bases) == 1 else (LeadTimeBasis.CALENDAR if not bases else "mixed")


def lead_times(projects: QuerySet, period: Period) -> LeadTimes:
    """Days from project approval (立项) to construction permit (施工许可) of each of `projects` whose permit
    was obtained in `period` (the projects `permitted_q` lists), counted in its agency's lead-time basis
    (calendar or statutory working days, *Project settings*)."""
    return lead_times_of(projects, [period])[0]


def lead_times_of(projects: QuerySet, periods: list[Period]) -> list[LeadTimes]:
    """`lead_times` for several periods in one query: the permits obtained in any of them, each with its
    project's 立项 date (not an EXISTS per project of the portfolio, once per period)."""
    # the kinds' ids first: filtered through the kind's role, PostgreSQL misjudges the rows and walks every
    # agency's approvals of the period one by one (108 ms → 24 ms at 100,000 projects, bench/projects.py)
    kinds = dict(
        ApprovalKind.objects.filter(
            role__in=[ApprovalRole.CONSTRUCTION_PERMIT, ApprovalRole.PROJECT_APPROVAL]
        ).values_list("pk", "role")
    )
    permit_kinds = [pk for pk, role in kinds.items() if role == ApprovalRole.CONSTRUCTION_PERMIT]
    approval_kinds = [pk for pk, role in kinds.items() if role == ApprovalRole.PROJECT_APPROVAL]
    in_any = Q()
    for span in periods:
        in_any |= Q(actual_date__gte=span.start, actual_date__lte=span.end)
    first_approval = (
        Approval.objects.filter(project=OuterRef("project"), kind__in=approval_kinds, actual_date__isnull=False)
        .order_by("kind__order", "id")
        .values("actual_date")[:1]
    )
    permits = (
        Approval.objects.filter(in_any, project__in=projects.values("pk"), kind__in=permit_kinds)
        .annotate(approved=Subquery(first_approval))  # the first 立项 by kind, as `services.approval_date`
        .order_by("actual_date", "id")
        .values_list("project", "project__agency", "actual_date", "approved")
    )
    permits_of: dict[int, list[datetime.date]] = {}
    agency_of: dict[int, int] = {}
    approved: dict[int, datetime.date] = {}
    for project_id, agency_id, day, approved_on in permits:
        agency_of[project_id] = agency_id
        permits_of.setdefault(project_id, []).append(day)
        if approved_on is not None:
            approved[project_id] = approved_on
    bases = dict(
        ProjectSettings.objects.filter(agency__in=set(agency_of.values())).values_list("agency", "lead_time_basis")
    )
    found = []
    for span in periods:
        days, used = [], set()
        for project_id, dates in permits_of.items():
            start = approved.get(project_id)
            permit = next((d for d in dates if span.start <= d <= span.end), None)
            if start is None or permit is None:
                continue
            basis = bases.get(agency_of[project_id], LeadTimeBasis.CALENDAR)
            used.add(basis)
            days.append(
                working_days_between(start, permit) if basis == LeadTimeBasis.WORKING else (permit - start).days
            )
        basis = used.pop() if len(used) == 1 else (LeadTimeBasis.CALENDAR if not used else "mixed")
        found.append(LeadTimes(span, tuple(sorted(days)), basis))
    return found


def lead_time_figure(projects: QuerySet, period: Period) -> LeadTimeFigure:
    now, previous = lead_times_of(projects, [period, period.previous_year()])
    return LeadTimeFigure(now, previous)


# ---- the portfolio summary ----------------------------------------------------------------------


def portfolio_summary(projects: QuerySet, period: Period, today: datetime.date | None = None) -> dict[str, Any]:
    """The counts a yearly report needs, over the top-level projects in `projects` (already scoped).

    Each number comes with the filter that lists the projects behind it (see `ProjectFilterSet`).
    """
    today = today or timezone.localdate()
    top = projects.filter(parent__isnull=True)
    previous = period.previous_year()

    # One pass over the projects grouped by category gives every count and sum that splits by kind.
    measures: dict[str, Any] = {
        "total": Count("pk"),
        "started": Count("pk", filter=started_q(period)),
        "completed": Count("pk", filter=completed_q(period)),
        "advancing": Count("pk", filter=advancing_q(period)),
        "started_previous": Count("pk", filter=started_q(previous)),
        "completed_previous": Count("pk", filter=completed_q(previous)),
        "bim": Count("pk", filter=Q(uses_bim=True)),
        "green": Count("pk", filter=Q(is_green=True)),
        "near_zero_carbon": Count("pk", filter=Q(is_near_zero_carbon=True)),
        "prefabricated": Count("pk", filter=Q(is_prefabricated=True)),
        "prefabricated_area": Sum("prefabricated_area"),
        "investment": Sum("approved_investment"),
        "overdue": Count("pk", filter=overdue_projects_q(today)),
    }
    for name in OUTCOME_FIELDS:
        measures[f"now_{name}"] = Sum(name, filter=completed_q(period))
        measures[f"previous_{name}"] = Sum(name, filter=completed_q(previous))
    rows = {row["category"]: row for row in top.values("category").annotate(**measures).order_by()}
    # apart from the pass over every project: the few received in either year, found by (agency, received_on)
    received = top.filter(received_q(period) | received_q(previous)).aggregate(
        count=Count("pk", filter=received_q(period)),
        investment=Sum("approved_investment", filter=received_q(period)),
        previous=Count("pk", filter=received_q(previous)),
        previous_investment=Sum("approved_investment", filter=received_q(previous)),
    )

    def total(measure: str, categories: tuple[str, ...] | None = None) -> Any:
        values = [row[measure] for c, row in rows.items() if categories is None or c in categories]
        return sum((v for v in values if v is not None), start=0)

    def by_category(measure: str) -> dict[str, Any]:
        counts = {c: row[measure] for c, row in rows.items() if row[measure]}
        groups = {key: total(measure, cats) for key, cats in SUMMARY_GROUPS.items()}
        groups["building"] = total(measure, CATEGORY_GROUPS[CategoryGroup.BUILDING])
        groups["municipal"] = total(measure, CATEGORY_GROUPS[CategoryGroup.MUNICIPAL])
        return {"total": total(measure), "groups": groups, "categories": counts}

    outcomes = [
        {
            "field": name,
            "value": total(f"now_{name}"),
            "previous": total(f"previous_{name}"),
            "change": change_percent(total(f"now_{name}"), total(f"previous_{name}")),
        }
        for name in OUTCOME_FIELDS
    ]
    by_group = {g: total("total", cats) for g, cats in CATEGORY_GROUPS.items()}
    on = stage_day(period, today)
    by_stage = stages_now(top) if on >= today else stages_on(top, on)
    sub_projects = projects.filter(parent__isnull=False).count()
    milestone_rows = (
        Milestone.objects.filter(project__in=projects, actual_date__gte=period.start, actual_date__lte=period.end)
        .values("kind")
        .annotate(
            n=Count("pk"),
            hospitals=Count("pk", filter=Q(project__category=Category.HOSPITAL, project__parent__isnull=True)),
        )
        .order_by()
    )
    milestones = {row["kind"]: row["n"] for row in milestone_rows}
    topped_out_hospitals = next((r["hospitals"] for r in milestone_rows if r["kind"] == MilestoneKind.TOPPING_OUT), 0)
    awards = dict(
        Award.objects.filter(project__in=projects, year__gte=period.start.year, year__lte=period.end.year)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    approvals = dict(
        Approval.objects.filter(project__in=projects, actual_date__gte=period.start, actual_date__lte=period.end)
        .values_list("kind__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flags = {
        name: total(name)
        for name in ("bim", "green", "near_zero_carbon", "prefabricated", "total", "overdue", "investment")
    }
    flags["prefabricated_area"] = total("prefabricated_area") or None
    flags["investment"] = flags["investment"] or None
    flags["sub_projects"] = sub_projects
    return {
        "period": period,
        "previous": previous,
        "total": flags["total"],
        "investment": flags["investment"] or Decimal("0"),
        "stage_day": on,
        "stage_today": on >= today,
        "by_stage": [(s, Stage(s).label, by_stage.get(s, 0)) for s in Stage.values],
        "by_group": [(g, CategoryGroup(g).label, by_group.get(g, 0)) for g in CategoryGroup.values],
        "started": by_category("started"),
        "completed": by_category("completed"),
        "advancing": by_category("advancing"),
        "started_previous": total("started_previous"),
        "completed_previous": total("completed_previous"),
        "received": {
            "count": received["count"],
            "investment": received["investment"] or 0,
            "previous": received["previous"],
            "previous_investment": received["previous_investment"] or 0,
        },
        "lead_time": lead_time_figure(top, period),
        "outcomes": outcomes,
        "milestones": [(k, MilestoneKind(k).label, milestones.get(k, 0)) for k in MilestoneKind.values],
        "topped_out_hospitals": topped_out_hospitals,
        "awards": [(lvl, AwardLevel(lvl).label, awards.get(lvl, 0)) for lvl in AwardLevel.values],
        "awards_total": sum(awards.values()),
        "approvals": sorted(approvals.items(), key=lambda kv: -kv[1]),
        "flags": flags,
    }


# ---- the summary page's figures -----------------------------------------------------------------


class Links:
    """Addresses of the lists behind the summary's figures, in the filters of `ProjectFilterSet` and friends,
    narrowed to the selection's agency when one is chosen.

    The summary counts top-level projects, so project links carry `level=top`; counts of records that
    hang on any project (milestones, awards, approvals) leave it out.
    """

    def __init__(self, selection: Selection) -> None:
        self.selection = selection
        self.period = selection.period

    def projects(self, *, period: Period | None = None, top: bool = True, **params: Any) -> str:
        query: dict[str, Any] = {"level": "top"} if top else {}
        if period is not None:
            query.update(period_from=period.start.isoformat(), period_to=period.end.isoformat())
        return self.selection.url("projects:project_list", {**query, **params})

    def happened(self, happened: str, period: Period | None = None, **params: Any) -> str:
        return self.projects(period=period or self.period, happened=happened, **params)

    def stage(self, stage: str, day: datetime.date | None) -> str:
        """The projects in `stage` at the end of `day` (from their stage history), or now without a day."""
        return self.projects(stage=stage, stage_on=day.isoformat() if day else None)

    def awards(self, level: str) -> str:
        if self.period.start.year == self.period.end.year:
            return self.selection.url("projects:award_list", {"level": level, "year": self.period.start.year})
        return self.projects(period=self.period, top=False, award_level=level)

    def award_list(self) -> str:
        same_year = self.period.start.year == self.period.end.year
        return self.selection.url("projects:award_list", {"year": self.period.start.year} if same_year else {})

    def approvals(self, kind_id: int | None) -> str:
        return self.selection.url(
            "projects:approval_list",
            {
                "kind": kind_id,
                "done": "true",
                "obtained_from": self.period.start.isoformat(),
                "obtained_to": self.period.end.isoformat(),
            },
        )


HAPPENED_LABELS = {
    "started": gettext_lazy("Started"),
    "completed": gettext_lazy("Completed"),
    "advancing": gettext_lazy("Advancing"),
}
BREAKDOWN_ROWS = (  # (key, label) of the kinds a started/completed/advancing card splits into, for the chart
    ("school", gettext_lazy("Schools")),
    ("hospital", gettext_lazy("Hospitals")),
    ("other_building", gettext_lazy("Other buildings")),
    ("road", gettext_lazy("Roads")),
    ("other_municipal", gettext_lazy("Other municipal works")),
    ("rest", gettext_lazy("Water, landscape and other")),
)


def breakdown(key: str, counts: dict[str, Any], links: Links, previous: int | None) -> dict[str, Any]:
    """A started/completed/advancing card: the total and its split into buildings, municipal works and the rest."""
    categories: dict[str, int] = counts["categories"]
    groups = counts["groups"]
    period = links.period

    def link(**params: Any) -> str:
        return links.happened(key, period, **params)

    def figure(row: str, label: Any, value: int, children: tuple[Figure, ...] = (), **params: Any) -> Figure:
        return Figure(key=row, label=str(label), value=value, url=link(**params), children=children)

    other_municipal = [c for c in CATEGORY_GROUPS[CategoryGroup.MUNICIPAL] if c != Category.ROAD]
    rest = [c for g in (CategoryGroup.WATER, CategoryGroup.LANDSCAPE, CategoryGroup.OTHER) for c in CATEGORY_GROUPS[g]]
    labels = dict(BREAKDOWN_ROWS)
    rows = [
        figure(
            "building",
            _("Buildings"),
            groups["building"],
            (
                figure("school", labels["school"], groups["school"], category=Category.SCHOOL),
                figure("hospital", labels["hospital"], groups["hospital"], category=Category.HOSPITAL),
                figure(
                    "other_building",
                    labels["other_building"],
                    groups["other_building"],
                    category=list(SUMMARY_GROUPS["other_building"]),
                ),
            ),
            category_group=CategoryGroup.BUILDING,
        ),
        figure(
            "municipal",
            _("Municipal works"),
            groups["municipal"],
            (
                figure("road", labels["road"], groups["road"], category=Category.ROAD),
                figure(
                    "other_municipal",
                    labels["other_municipal"],
                    sum(categories.get(c, 0) for c in other_municipal),
                    category=other_municipal,
                ),
            ),
            category_group=CategoryGroup.MUNICIPAL,
        ),
        figure("rest", labels["rest"], sum(categories.get(c, 0) for c in rest), category=rest),
    ]
    return {
        "key": key,
        "total": Figure(
            key=key,
            label=str(HAPPENED_LABELS[key]),
            value=counts["total"],
            url=link(),
            previous=previous,
        ),
        "previous_url": "" if previous is None else links.happened(key, period.previous_year()),
        "rows": rows,
    }


def outcome_rows(top: QuerySet, summary: dict[str, Any], links: Links) -> list[dict[str, Any]]:
    """Outcome totals of the projects completed in the period and the year before, with the projects behind them."""
    period, previous = summary["period"], summary["previous"]
    # both years in one read of the few projects completed in either (the (agency, completed_on) index)
    counted = top.filter(completed_q(period) | completed_q(previous)).aggregate(
        **{
            f"{name}_{f}": Count("pk", filter=completed_q(span) & Q(**{f"{f}__gt": 0}))
            for name, span in (("now", period), ("before", previous))
            for f in OUTCOME_FIELDS
        }
    )
    contributing = {name: {f: counted[f"{name}_{f}"] for f in OUTCOME_FIELDS} for name in ("now", "before")}
    rows = []
    for outcome in summary["outcomes"]:
        name = outcome["field"]
        label = Project._meta.get_field(name).verbose_name
        rows.append(
            {
                "field": name,
                "label": label,
                "projects": contributing["now"][name],
                "value": Figure(
                    key=name,
                    label=str(label),
                    value=outcome["value"],
                    url=links.happened("completed", period, outcome=name),
                    previous=outcome["previous"],
                    note=str(contributing["now"][name]),
                ),
                "previous": Figure(
                    key=f"{name}_previous",
                    label=str(label),
                    value=outcome["previous"],
                    url=links.happened("completed", previous, outcome=name),
                    note=str(contributing["before"][name]),
                ),
                "change": outcome["change"],
            }
        )
    return rows


def intake_figures(summary: dict[str, Any], links: Links) -> dict[str, Any]:
    """Projects received (接收) in the period with their approved investment, and the lead time 立项 → 施工许可
    of the projects whose permit came in it, each against the same period a year earlier."""
    period, previous = summary["period"], summary["previous"]
    received = summary["received"]
    lead: LeadTimeFigure = summary["lead_time"]
    return {
        "received": Figure(
            key="received",
            label=_("Projects received"),
            value=received["count"],
            url=links.happened("received", period),
            previous=received["previous"],
        ),
        "received_previous_url": links.happened("received", previous),
        "received_investment": Figure(
            key="received_investment",
            label=_("Their approved investment"),
            value=received["investment"],
            unit=Unit.YUAN,
            url=links.happened("received", period),
            previous=received["previous_investment"],
            note=str(received["count"]),
        ),
        "lead_time": Figure(
            key="lead_time",
            label=_("Average lead time 立项 → 施工许可"),
            value=lead.now.average,
            unit=Unit.DAYS,
            url=links.happened("permitted", period),
            previous=lead.previous.average,
            note=str(lead.now.count),
        ),
        "lead_time_previous_url": links.happened("permitted", previous),
        "lead_time_count": lead.now.count,
        "lead_time_previous_count": lead.previous.count,
        "lead_time_median": number(lead.now.median),
        "lead_time_change_days": lead.change_days,
        "lead_time_basis": LeadTimeBasis(lead.basis).label
        if lead.basis in LeadTimeBasis.values
        else _("Each agency's basis"),
    }


def summary_figures(
    selection: Selection, projects: QuerySet, user: Any, today: datetime.date | None = None
) -> dict[str, Any]:
    """Every figure of the portfolio summary page for `selection` over `projects` (the user's, already narrowed
    to the selection's agencies): `Figure`s with the lists behind them, grouped as the page shows them, and the
    figures other apps register for it (investment's plan categories of the year)."""
    summary = portfolio_summary(projects, selection.period, today)
    links = Links(selection)
    period = selection.period
    flags = summary["flags"]
    top = projects.filter(parent__isnull=True)
    key_figures = [
        Figure(key="total", label=_("Projects"), value=summary["total"], url=links.projects()),
        Figure(
            key="sub_projects",
            label=_("Sub-projects"),
            value=flags["sub_projects"],
            url=links.projects(top=False, level="sub"),
        ),
        Figure(
            key="investment",
            label=_("Approved investment"),
            value=summary["investment"],
            unit=Unit.YUAN,
            url=links.projects(),
        ),
        Figure(key="overdue", label=_("Overdue"), value=flags["overdue"], url=links.projects(overdue="true")),
    ]
    happenings = [
        breakdown("started", summary["started"], links, summary["started_previous"]),
        breakdown("completed", summary["completed"], links, summary["completed_previous"]),
        breakdown("advancing", summary["advancing"], links, None),
    ]
    past_day = None if summary["stage_today"] else summary["stage_day"]
    by_stage = [
        Figure(key=s, label=str(label), value=n, url=links.stage(s, past_day)) for s, label, n in summary["by_stage"]
    ]
    by_group = [
        Figure(key=g, label=str(label), value=n, url=links.projects(category_group=g))
        for g, label, n in summary["by_group"]
    ]
    milestones = [
        Figure(key=k, label=str(label), value=n, url=links.projects(period=period, top=False, milestone=k))
        for k, label, n in summary["milestones"]
    ]
    hospitals = Figure(
        key="topped_out_hospitals",
        label=_("Hospitals topped out"),
        value=summary["topped_out_hospitals"],
        url=links.projects(period=period, category=Category.HOSPITAL, milestone="topping_out"),
    )
    awards = [
        Figure(key=level, label=str(label), value=n, url=links.awards(level)) for level, label, n in summary["awards"]
    ]
    kind_ids = dict(
        ApprovalKind.objects.for_user(user)
        .filter(name__in=[name for name, _n in summary["approvals"]])
        .order_by("-agency")
        .values_list("name", "pk")
    )
    approvals = [
        Figure(key=name, label=name, value=n, url=links.approvals(kind_ids.get(name)))
        for name, n in summary["approvals"]
    ]
    meta = Project._meta
    features = [
        Figure(
            key=key,
            label=str(meta.get_field(field_name).verbose_name),
            value=flags[key],
            url=links.projects(**{field_name: "true"}),
            note=number(flags["prefabricated_area"]) if key == "prefabricated" and flags["prefabricated_area"] else "",
        )
        for key, field_name in (
            ("bim", "uses_bim"),
            ("green", "is_green"),
            ("near_zero_carbon", "is_near_zero_carbon"),
            ("prefabricated", "is_prefabricated"),
        )
    ]
    return {
        "figures": summary,
        "key_figures": key_figures,
        "happenings": happenings,
        "outcomes": outcome_rows(top, summary, links),
        "by_stage": by_stage,
        "by_group": by_group,
        "intake": intake_figures(summary, links),
        # the card shows the year's counts only: no read of the year before
        "plan": registered_figure(PLAN_CATEGORY_FIGURE, selection, user, compare=False),
        "milestones": milestones,
        "hospitals": hospitals,
        "awards": awards,
        "awards_total": Figure(key="awards", label=_("Awards"), value=summary["awards_total"], url=links.award_list()),
        "approvals": approvals,
        "features": features,
        "charts": summary_charts(happenings, by_stage, by_group),
    }


# Investment registers it (a project's plan category of a year is its annual plan's); shown here when present.
PLAN_CATEGORY_FIGURE = "investment.projects_by_plan_category"


def registered_figure(key: str, selection: Selection, user: Any, *, compare: bool = True) -> Figure | None:
    """Figure `key` from the registry, when an app registered it, the user may see it and it is given for the
    selection's period; else None (the page leaves its card out). `compare=False` leaves out its value for the
    previous period (one read fewer where it is not shown)."""
    spec = figure_spec(key)
    if spec is None or not spec.visible_to(user) or not spec.supports(selection) or not selection.agencies:
        return None
    figure = compute(key, selection, compare=compare)
    return figure if figure.value is not None else None


def summary_charts(happenings: list[dict[str, Any]], by_stage: list[Figure], by_group: list[Figure]) -> dict:
    def find(happening: dict[str, Any], key: str) -> Figure | None:
        for row in happening["rows"]:
            for figure in (row, *row.children):
                if figure.key == key:
                    return figure
        return None

    return {
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
                    "values": [(found.value if (found := find(h, key)) else 0) for h in happenings],
                    "urls": [(found.url if (found := find(h, key)) else "") for h in happenings],
                }
                for key, label in BREAKDOWN_ROWS
            ],
        },
    }


# ---- figures other pages and the reports may ask for ----------------------------------------------


def selected(selection: Selection) -> QuerySet:
    """The top-level projects of the selection's agencies (sub-projects count with their parent)."""
    return Project.objects.filter(agency__in=selection.agency_ids, parent__isnull=True)


def _counted(key: str, label: Any, condition: Any, happened: str) -> None:
    @register_figure(f"projects.{key}", label, model=Project)
    def count(selection: Selection) -> Figure:
        return Figure(
            key=f"projects.{key}",
            label=str(label),
            value=selected(selection).filter(condition(selection.period)).count(),
            url=Links(selection).happened(happened),
        )


_counted("started", gettext_lazy("Projects started"), started_q, "started")
_counted("completed", gettext_lazy("Projects completed"), completed_q, "completed")
_counted("advancing", gettext_lazy("Projects advancing"), advancing_q, "advancing")
_counted("received", gettext_lazy("Projects received"), received_q, "received")


@register_figure(
    "projects.received_investment",
    gettext_lazy("Approved investment of the projects received"),
    unit=Unit.YUAN,
    model=Project,
)
def received_investment(selection: Selection) -> Figure:
    total = selected(selection).filter(received_q(selection.period)).aggregate(s=Sum("approved_investment"))["s"]
    return Figure(
        key="projects.received_investment",
        label=_("Approved investment of the projects received"),
        value=total or Decimal(0),
        unit=Unit.YUAN,
        url=Links(selection).happened("received"),
    )


@register_figure(
    "projects.lead_time",
    gettext_lazy("Average lead time 立项 → 施工许可"),
    unit=Unit.DAYS,
    model=Project,
    description=gettext_lazy(
        "Of the projects whose construction permit came in the period, in each agency's lead-time basis."
    ),
)
def lead_time(selection: Selection) -> Figure:
    times = lead_times(selected(selection), selection.period)
    return Figure(
        key="projects.lead_time",
        label=_("Average lead time 立项 → 施工许可"),
        value=times.average,
        unit=Unit.DAYS,
        url=Links(selection).happened("permitted"),
        note=str(times.count),
    )


def _stage(stage: str, label: Any) -> None:
    @register_figure(
        f"projects.stage_{stage}",
        label,
        model=Project,
        description=gettext_lazy("Projects in this stage at the end of the period (today while it runs)."),
    )
    def in_stage(selection: Selection) -> Figure:
        day = stage_day(selection.period)
        today = day >= timezone.localdate()
        counts = stages_now(selected(selection)) if today else stages_on(selected(selection), day)
        return Figure(
            key=f"projects.stage_{stage}",
            label=str(label),
            value=counts.get(stage, 0),
            url=Links(selection).stage(stage, None if today else day),
        )


for _value, _label in Stage.choices:
    _stage(_value, _label)


def _outcome(name: str) -> None:
    label = Project._meta.get_field(name).verbose_name

    @register_figure(f"projects.completed_{name}", label, unit=Unit.COUNT, model=Project)
    def outcome(selection: Selection) -> Figure:
        total = selected(selection).filter(completed_q(selection.period)).aggregate(s=Sum(name))["s"]
        return Figure(
            key=f"projects.completed_{name}",
            label=str(label),
            value=total or 0,
            url=Links(selection).happened("completed", outcome=name),
        )


for _name in OUTCOME_FIELDS:
    _outcome(_name)
