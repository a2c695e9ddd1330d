"""The read side of investment: figures other apps' pages and the reports ask for through the figure registry.

A project's plan category (续建 / 新开工 / 计划外新增 / 预备) in a year is its annual plan's, so "projects by plan
category in year Y" is counted here, from the annual plans, and the projects summary shows it by its key.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.figures import Figure, Selection, register_figure
from gongwu.investment.models import AnnualPlan
from gongwu.projects.models import PlanCategory

# ---- projects by plan category (the projects summary shows it) --------------------------------------


def plan_categories(agency_ids: list[int], year: int) -> dict[str, int]:
    """Projects per plan category in `year`'s annual plans of the agencies; "" counts the plans without one."""
    rows = (
        AnnualPlan.objects.filter(project__agency__in=agency_ids, year=year)
        .values("plan_category")
        .annotate(n=Count("project", distinct=True))
        .order_by()
    )
    return {row["plan_category"]: row["n"] for row in rows}


def plans_url(selection: Selection, year: int, **params: Any) -> str:
    """The annual plans behind a count (`AnnualPlanFilterSet`; plan_category "-" lists those without one)."""
    return selection.url("investment:annualplan_list", {"year": year, **params})


@register_figure(
    "investment.projects_by_plan_category",
    gettext_lazy("Projects in the year's plan"),
    model=AnnualPlan,
    description=gettext_lazy(
        "Projects with an annual plan in the period's year, split by plan category (none for a period across years)."
    ),
)
def projects_by_plan_category(selection: Selection) -> Figure:
    """Projects with an annual plan in the selection's year, with one child figure per plan category (and one
    for the plans without a category, when there are any). None for a period that spans two years."""
    period = selection.period
    key, label = "investment.projects_by_plan_category", _("Projects in the year's plan")
    if period.start.year != period.end.year:
        return Figure(key=key, label=label, value=None)
    year = period.start.year
    counts = plan_categories(selection.agency_ids, year)
    children = [
        Figure(
            key=value, label=str(name), value=counts.get(value, 0), url=plans_url(selection, year, plan_category=value)
        )
        for value, name in PlanCategory.choices
    ]
    if counts.get(""):
        children.append(
            Figure(key="", label=_("Not set"), value=counts[""], url=plans_url(selection, year, plan_category="-"))
        )
    return Figure(
        key=key, label=label, value=sum(counts.values()), url=plans_url(selection, year), children=tuple(children)
    )
