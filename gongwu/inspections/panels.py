"""The quality and safety panel on a project's page: its inspections, open findings and notices, last score."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse

from gongwu.core.models import Action, user_may
from gongwu.inspections.models import Finding, FindingStatus, Inspection, RectificationNotice


def project_inspections_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    if not user_may(request.user, Inspection, Action.VIEW):
        return None
    inspections = Inspection.objects.for_user(request.user).filter(project=obj, voided_at__isnull=True)
    counts = inspections.aggregate(total=Count("pk"))
    findings = (
        Finding.objects.for_user(request.user)
        .filter(project=obj, inspection__voided_at__isnull=True)
        .aggregate(
            open=Count("pk", filter=~Q(status=FindingStatus.CLOSED)),
            serious=Count("pk", filter=~Q(status=FindingStatus.CLOSED) & Q(severity="serious")),
            total=Count("pk"),
        )
    )
    if not counts["total"] and not findings["total"]:
        return None
    notices = RectificationNotice.objects.for_user(request.user).filter(project=obj, voided_at__isnull=True)
    latest = inspections.exclude(score=None).order_by("-started_at").first()
    query = f"?project={obj.pk}"
    return {
        "template": "inspections/project_panel.html",
        "inspections": counts["total"],
        "findings": findings,
        "notices_open": notices.exclude(case__status__in=("closed", "archived")).count(),
        "latest": latest,
        "urls": {
            "inspections": reverse("inspections:inspection_list") + query + "&voided=live",
            "findings": reverse("inspections:finding_list") + query + "&status=open&status=notified&status=rectified",
            "notices": reverse("inspections:rectificationnotice_list") + query + "&state=open",
            "start": reverse("inspections:start") + query,
        },
    }
