"""Procurement alert rules, registered into the alerts framework (see gongwu/alerts/rules.py): an award without a
tender at or above the statutory threshold, and a suspected split (化整为零)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Level
from gongwu.alerts.rules import Match, rule
from gongwu.core.money import format_money
from gongwu.tenders import services
from gongwu.tenders.models import TENDER_METHODS, THRESHOLDS, PlanStatus, Tender, TenderPlan, TenderStatus, threshold_of


@rule(
    "tenders.non_tender_award_above_threshold",
    title=gettext_lazy("Award without a tender at or above the threshold"),
    description=gettext_lazy(
        "A tender awarded by a method other than an open or invited tender at a price at or above the statutory "
        "threshold of its kind (works 400万, goods 200万, services 100万): red without a recorded legal ground."
    ),
    level=Level.ORANGE,
)
def non_tender_award_above_threshold(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    candidates = (
        Tender.objects.filter(
            agency_id=agency_id,
            status=TenderStatus.AWARDED,
            voided_at__isnull=True,
            award_price__gte=min(THRESHOLDS.values()),
        )
        .exclude(method__in=TENDER_METHODS)
        .select_related("plan", "plan__project", "winner")
    )
    for tender in candidates.iterator(chunk_size=500):
        threshold = threshold_of(tender.subject_kind)
        if tender.award_price is None or tender.award_price < threshold:
            continue
        plan = tender.plan
        grounded = bool(plan.exemption and plan.legal_ground.strip())
        yield Match(
            subject=tender,
            title=_("%(number)s: %(method)s award of %(price)s at or above the threshold of %(threshold)s")
            % {
                "number": tender.number,
                "method": tender.get_method_display(),
                "price": format_money(tender.award_price),
                "threshold": format_money(threshold),
            },
            data={
                "tender": tender.number,
                "project": plan.project.code,
                "method": tender.method,
                "award_price": str(tender.award_price),
                "threshold": str(threshold),
                "winner": str(tender.winner or ""),
                "legal_ground": plan.exemption,
            },
            level=None if grounded else Level.RED,
            severity=int(tender.award_price / threshold * 100),
            department_id=plan.project.department_id,
            responsible_person_id=plan.project.director_id,
        )


@rule(
    "tenders.split_suspected",
    title=gettext_lazy("Suspected split (化整为零)"),
    description=gettext_lazy(
        "Plans of one project, kind and counterparty, none tendered, each below the tendering threshold but at or "
        "above it together (《必须招标的工程项目规定》 Art. 5)."
    ),
    level=Level.ORANGE,
)
def split_suspected(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    plans = (
        TenderPlan.objects.filter(agency_id=agency_id, split_suspected=True)
        .exclude(status=PlanStatus.CANCELLED)
        .select_related("project")
    )
    for plan in plans.iterator(chunk_size=500):
        siblings = services.split_siblings(plan)
        total = plan.estimate + sum(s.estimate for s in siblings)
        yield Match(
            subject=plan,
            title=_("%(plan)s: with %(n)d other plans, %(total)s of %(kind)s without a tender")
            % {
                "plan": plan.name,
                "n": len(siblings),
                "total": format_money(total),
                "kind": plan.get_subject_kind_display(),
            },
            data={
                "project": plan.project.code,
                "estimate": str(plan.estimate),
                "together": str(total),
                "threshold": str(threshold_of(plan.subject_kind)),
                "siblings": [s.name for s in siblings],
            },
            severity=int(total / threshold_of(plan.subject_kind) * 100),
            department_id=plan.project.department_id,
            responsible_person_id=plan.project.director_id,
        )
