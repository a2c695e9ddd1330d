"""The tenders' figures for any agency and period, registered for the reports and dashboards. A tender counts in
the period of its award notice (中标通知), once awarded and not voided; a plan counts when a tender of it was
awarded in the period. Each figure links to the list of the records it counts.

The annual reports' sentences read from them: "完成 10 次施工（含 EPC）或监理招标、4 次设备采购招标"
(`tenders.works_or_supervision_awarded`, `tenders.goods_awarded`) and "4 个项目及 19 个项目全过程咨询的批量招标,
3 个项目关联定标" (`tenders.plans_by_organisation`, `tenders.projects_by_organisation`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy

from gongwu.core.figures import Figure, Selection, Unit, reading, register_figure
from gongwu.tenders.models import Method, Organisation, SubjectKind, Tender, TenderPlan, TenderStatus

WORKS_OR_SUPERVISION = (SubjectKind.WORKS, SubjectKind.EPC, SubjectKind.SUPERVISION)
GOODS = (SubjectKind.GOODS,)


def awarded(selection: Selection) -> QuerySet:
    """The tenders of the selection's agencies awarded (award notice) in its period, not voided."""
    period = selection.period
    return Tender.objects.filter(
        agency__in=selection.agency_ids,
        status=TenderStatus.AWARDED,
        award_notice_on__range=(period.start, period.end),
        voided_at__isnull=True,
    )


@dataclass
class Awarded:
    """The period's awards counted by subject kind and method, with their amounts."""

    count: int = 0
    amount: Decimal = Decimal(0)
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_method: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def awarded_totals(selection: Selection) -> Awarded:
    def compute() -> Awarded:
        totals = Awarded()
        rows = awarded(selection).values("subject_kind", "method").annotate(n=Count("pk"), s=Sum("award_price"))
        for row in rows.order_by():
            totals.count += row["n"]
            totals.amount += row["s"] or Decimal(0)
            totals.by_kind[row["subject_kind"]] += row["n"]
            totals.by_method[row["method"]] += row["n"]
        return totals

    return selection.memo("tenders.awarded", compute)


@dataclass
class PlanCounts:
    plans: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    projects: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    all_projects: int = 0


def plan_counts(selection: Selection) -> PlanCounts:
    """The plans with a tender awarded in the period, and the projects they cover, by organisation."""

    def compute() -> PlanCounts:
        counts = PlanCounts()
        plans = TenderPlan.objects.filter(pk__in=awarded(selection).values("plan"))
        for row in plans.values("organisation").annotate(n=Count("pk")).order_by():
            counts.plans[row["organisation"]] = row["n"]
        covered = TenderPlan.projects.through.objects.filter(tenderplan__in=plans.values("pk"))
        per_organisation = covered.values("tenderplan__organisation").annotate(n=Count("project", distinct=True))
        for row in per_organisation.order_by():
            counts.projects[row["tenderplan__organisation"]] = row["n"]
        counts.all_projects = covered.values("project").distinct().count()
        return counts

    return selection.memo("tenders.plans", compute)


def tenders_url(selection: Selection, **params: Any) -> str:
    period = selection.period
    return selection.url(
        "tenders:tender_list",
        {
            "status": TenderStatus.AWARDED,
            "awarded_from": period.start,
            "awarded_to": period.end,
            "voided": "live",
            **params,
        },
    )


def plans_url(selection: Selection, **params: Any) -> str:
    period = selection.period
    return selection.url("tenders:tenderplan_list", {"awarded_from": period.start, "awarded_to": period.end, **params})


@register_figure(
    "tenders.awarded",
    gettext_lazy("Tenders awarded"),
    model=Tender,
    description=gettext_lazy("Tenders whose award notice fell in the period, by subject kind."),
)
def tenders_awarded(selection: Selection) -> Figure:
    totals = awarded_totals(selection)
    children = tuple(
        Figure(
            key=value,
            label=str(label),
            value=totals.by_kind.get(value, 0),
            url=tenders_url(selection, subject_kind=value),
        )
        for value, label in SubjectKind.choices
    )
    return reading(totals.count, url=tenders_url(selection), children=children)


@register_figure(
    "tenders.awarded_by_method",
    gettext_lazy("Tenders awarded by method"),
    model=Tender,
    description=gettext_lazy("Tenders whose award notice fell in the period, by procurement method."),
)
def tenders_awarded_by_method(selection: Selection) -> Figure:
    totals = awarded_totals(selection)
    children = tuple(
        Figure(
            key=value, label=str(label), value=totals.by_method.get(value, 0), url=tenders_url(selection, method=value)
        )
        for value, label in Method.choices
    )
    return reading(totals.count, url=tenders_url(selection), children=children)


@register_figure(
    "tenders.amount_awarded",
    gettext_lazy("Amount awarded"),
    unit=Unit.YUAN,
    model=Tender,
    description=gettext_lazy("The award prices of the tenders whose award notice fell in the period."),
)
def amount_awarded(selection: Selection) -> Figure:
    return reading(awarded_totals(selection).amount, url=tenders_url(selection))


@register_figure(
    "tenders.works_or_supervision_awarded",
    gettext_lazy("Works (EPC included) or supervision tenders awarded"),
    model=Tender,
    description=gettext_lazy("施工（含 EPC）或监理招标: works, EPC and supervision tenders awarded in the period."),
)
def works_or_supervision_awarded(selection: Selection) -> Figure:
    totals = awarded_totals(selection)
    value = sum(totals.by_kind.get(kind, 0) for kind in WORKS_OR_SUPERVISION)
    return reading(value, url=tenders_url(selection, subject_kind=list(WORKS_OR_SUPERVISION)))


@register_figure(
    "tenders.goods_awarded",
    gettext_lazy("Goods and equipment tenders awarded"),
    model=Tender,
    description=gettext_lazy("设备采购招标: goods and equipment tenders awarded in the period."),
)
def goods_awarded(selection: Selection) -> Figure:
    totals = awarded_totals(selection)
    value = sum(totals.by_kind.get(kind, 0) for kind in GOODS)
    return reading(value, url=tenders_url(selection, subject_kind=list(GOODS)))


@register_figure(
    "tenders.plans_by_organisation",
    gettext_lazy("Tender plans awarded by organisation"),
    model=TenderPlan,
    description=gettext_lazy(
        "Plans with a tender awarded in the period: single, batch (批量), bundled (捆绑) and linked (关联定标)."
    ),
)
def plans_by_organisation(selection: Selection) -> Figure:
    counts = plan_counts(selection)
    children = tuple(
        Figure(
            key=value,
            label=str(label),
            value=counts.plans.get(value, 0),
            url=plans_url(selection, organisation=value),
        )
        for value, label in Organisation.choices
    )
    return reading(sum(counts.plans.values()), url=plans_url(selection), children=children)


@register_figure(
    "tenders.projects_by_organisation",
    gettext_lazy("Projects covered by the plans awarded, by organisation"),
    model=TenderPlan,
    description=gettext_lazy(
        "The projects the plans with a tender awarded in the period cover (each project once per organisation, "
        "and once in the total)."
    ),
)
def projects_by_organisation(selection: Selection) -> Figure:
    counts = plan_counts(selection)
    children = tuple(
        Figure(
            key=value,
            label=str(label),
            value=counts.projects.get(value, 0),
            url=plans_url(selection, organisation=value),
        )
        for value, label in Organisation.choices
    )
    return reading(counts.all_projects, url=plans_url(selection), children=children)


def register() -> None:
    """Nothing to do: importing this module registered the figures (called so the import is explicit)."""
