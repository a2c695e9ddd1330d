"""The investment panel on a project's page: its annual plans, completed and paid, and where it stands."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import reverse

from gongwu.core.models import Action, user_may
from gongwu.investment import figures
from gongwu.investment.models import AnnualPlan


def project_investment_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    if not user_may(request.user, AnnualPlan, Action.VIEW):
        return None
    plans = AnnualPlan.objects.for_user(request.user).filter(project=obj)
    years = sorted(plans.values_list("year", flat=True), reverse=True)
    if not years:
        if not AnnualPlan.objects.for_user(request.user, Action.ADD).exists() and not request.user.is_superuser:
            return None
        return {
            "template": "investment/project_panel.html",
            "rows": [],
            "add_url": reverse("investment:annualplan_add") + f"?project={obj.pk}",
        }
    current_year, current_month = figures.default_month()
    rows = []
    for year in years[:3]:
        month = current_month if year == current_year else 12
        for row in figures.plan_rows(plans, year, month):
            rows.append(
                {
                    "row": row,
                    "year": year,
                    "month": month,
                    "url": reverse("investment:annualplan_detail", args=[row.pk]),
                    "lag_label": figures.Lag(row.lag).label,
                    "lag_colour": figures.LAG_COLOUR[row.lag],
                }
            )
    return {
        "template": "investment/project_panel.html",
        "rows": rows,
        "more": len(years) > 3,
        "list_url": reverse("investment:annualplan_list") + f"?project={obj.pk}",
        "add_url": reverse("investment:annualplan_add") + f"?project={obj.pk}",
    }
