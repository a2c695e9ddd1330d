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

from gongwu.core.calendar import working_days_between
from gongwu.core.periods import Period, change_percent
from gongwu.projects.models import (
    CATEGORY_GROUPS,
    Approval,
    ApprovalRole,
    Award,
    AwardLevel,
    Category,
    CategoryGroup,
    LeadTimeBasis,
    Milestone,
    MilestoneKind,
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
    """How many of `projects` were in each stage at the end of `day` (those not yet in the portfolio left out)."""
    rows = projects.annotate(stage_then=stage_on(day)).values("stage_then").annotate(n=Count("pk")).order_by()
    return {row["stage_then"]: row["n"] for row in rows if row["stage_then"]}


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
    candidates = projects.filter(permitted_q(period))
    rows = (
        Approval.objects.filter(
            project__in=candidates.values("pk"),
            kind__role__in=[ApprovalRole.PROJECT_APPROVAL, ApprovalRole.CONSTRUCTION_PERMIT],
            actual_date__isnull=False,
        )
        .order_by("project", "kind__order", "id")
        .values_list("project", "project__agency", "kind__role", "actual_date")
    )
    approved: dict[int, datetime.date] = {}
    permits: dict[int, datetime.date] = {}
    agency_of: dict[int, int] = {}
    for project_id, agency_id, role, day in rows:
        agency_of[project_id] = agency_id
        if role == ApprovalRole.PROJECT_APPROVAL:
            approved.setdefault(project_id, day)  # the first by kind, as `services.approval_date`
        elif period.start <= day <= period.end and project_id not in permits:
            permits[project_id] = day
    bases = dict(
        ProjectSettings.objects.filter(agency__in=set(agency_of.values())).values_list("agency", "lead_time_basis")
    )
    days, used = [], set()
    for project_id, permit in permits.items():
        start = approved.get(project_id)
        if start is None:
            continue
        basis = bases.get(agency_of[project_id], LeadTimeBasis.CALENDAR)
        used.add(basis)
        days.append(working_days_between(start, permit) if basis == LeadTimeBasis.WORKING else (permit - start).days)
    basis = used.pop() if len(used) == 1 else (LeadTimeBasis.CALENDAR if not used else "mixed")
    return LeadTimes(period, tuple(sorted(days)), basis)


def lead_time_figure(projects: QuerySet, period: Period) -> LeadTimeFigure:
    return LeadTimeFigure(lead_times(projects, period), lead_times(projects, period.previous_year()))


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
        "received": Count("pk", filter=received_q(period)),
        "received_investment": Sum("approved_investment", filter=received_q(period)),
        "received_previous": Count("pk", filter=received_q(previous)),
        "received_investment_previous": Sum("approved_investment", filter=received_q(previous)),
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
            "count": total("received"),
            "investment": total("received_investment"),
            "previous": total("received_previous"),
            "previous_investment": total("received_investment_previous"),
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
