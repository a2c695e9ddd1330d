"""Factories and helpers for investment tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from gongwu.investment import rollup, services
from gongwu.investment.models import (
    ActualStatus,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    Payment,
    PaymentKind,
    ScheduleTemplate,
)
from gongwu.projects.testing import ProjectFactory

# A common agency template: 8% by March, 45% by June, 100% by December.
TEMPLATE_SHARES = [Decimal(v) for v in ("2", "5", "8", "15", "30", "45", "55", "65", "75", "85", "93", "100")]


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    """A plan saved straight to the database, with the template schedule (no service, no change log)."""

    class Meta:
        model = AnnualPlan
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    year = 2026
    funding_source = FundingSource.CITY_FISCAL
    amount = Decimal("100000000.00")

    @factory.post_generation
    def schedule(self, create: bool, extracted: list[Decimal] | None, **kwargs: Any) -> None:
        if create:
            services.set_schedule(self, extracted or TEMPLATE_SHARES)


class ScheduleTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleTemplate

    agency = factory.SubFactory("gongwu.core.testing.AgencyFactory")
    name = factory.Sequence(lambda n: f"时序模板{n}")
    shares = [str(s) for s in TEMPLATE_SHARES]


def actual(
    plan: AnnualPlan, month: int, amount: Decimal | int | str, status: str = ActualStatus.CONFIRMED
) -> MonthlyActual:
    """A monthly actual of `plan` in `status`, straight to the database (the plan's rollup refreshed)."""
    created = MonthlyActual.objects.create(
        project=plan.project,
        plan=plan,
        month=datetime.date(plan.year, month, 1),
        amount=Decimal(amount),
        status=status,
    )
    rollup.touch([plan.pk])
    return created


def payment(plan: AnnualPlan, day: datetime.date, amount: Decimal | int | str, **fields: Any) -> Payment:
    """A payment of `plan`'s project, straight to the database (the rollup of the year's plan refreshed)."""
    created = Payment.objects.create(
        project=plan.project,
        paid_on=day,
        amount=Decimal(amount),
        kind=fields.pop("kind", PaymentKind.PROGRESS),
        **fields,
    )
    rollup.touch(rollup.plans_of_project_year(plan.project_id, day.year))
    return created
