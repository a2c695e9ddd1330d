"""The read side of investment: figures other apps' pages and reports show through the figure registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from gongwu.investment.models import AnnualPlan
from gongwu.projects.models import PlanCategory


def plan_categories(agency_ids: Iterable[int], year: int) -> dict[str, int]:
    """Projects per plan category in `year`'s annual plans of the agencies (the annual plan is where a
    project's plan category is kept, one per year); "" counts the plans without one."""
    rows = (
        AnnualPlan.objects.filter(project__agency__in=list(agency_ids), year=year)
        .values("plan_category")
        .annotate(n=Count("project", distinct=True))
        .order_by()
    )
    return {row["plan_category"]: row["n"] for row in rows}


def plan_list_url(year: int, plan_category: str, agency_id: int | None = None) -> str:
    """The annual plans behind a plan-category count (`AnnualPlanFilterSet`; "-" lists those without one)."""
    query: dict[str, Any] = {"year": year, "plan_category": plan_category or "-"}
    if agency_id is not None:
        query = {"agency": agency_id, **query}
    return reverse("investment:annualplan_list") + "?" + urlencode(query)


def plan_category_rows(agency_ids: Iterable[int], year: int, agency_id: int | None = None) -> list[dict[str, Any]]:
    """Every plan category with its count and the list behind it; plans without a category last, when any."""
    counts = plan_categories(agency_ids, year)
    rows = [
        {"key": value, "label": label, "count": counts.get(value, 0), "url": plan_list_url(year, value, agency_id)}
        for value, label in PlanCategory.choices
    ]
    if counts.get(""):
        rows.append({"key": "", "label": None, "count": counts[""], "url": plan_list_url(year, "", agency_id)})
    return rows
