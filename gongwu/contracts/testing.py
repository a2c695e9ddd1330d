"""Factories for contract tests (used by this app's tests and by the apps that hang on contracts)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from gongwu.contracts.models import Change, ChangeKind, Claim, Contract, ContractStatus, Review, ReviewKind
from gongwu.core.models import OrganizationKind
from gongwu.core.testing import AgencyFactory, CompanyFactory
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders.models import SubjectKind


class ContractFactory(factory.django.DjangoModelFactory):
    """A signed works contract saved straight to the database (no service, no change log): for test fixtures."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=factory.SelfAttribute("..agency"))
    number = factory.Sequence(lambda n: f"HT-{n:05d}")
    name = factory.Sequence(lambda n: f"测试施工合同{n}")
    kind = SubjectKind.WORKS
    contractor = factory.SubFactory(CompanyFactory, kind=OrganizationKind.CONTRACTOR)
    amount = Decimal("100000000")
    signed_on = datetime.date(2026, 3, 2)
    start_on = datetime.date(2026, 3, 10)
    end_on = datetime.date(2027, 12, 31)
    status = ContractStatus.PERFORMING


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change

    contract = factory.SubFactory(ContractFactory)
    kind = ChangeKind.DESIGN
    title = factory.Sequence(lambda n: f"测试变更{n}")
    reason = "图纸调整"
    amount = Decimal("500000")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    contract = factory.SubFactory(ContractFactory)
    number = factory.Sequence(lambda n: n + 1)
    period_end = datetime.date(2026, 6, 30)
    claimed_amount = Decimal("10000000")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    project = factory.SubFactory(ProjectFactory)
    kind = ReviewKind.SETTLEMENT
    name = factory.Sequence(lambda n: f"测试结算{n}")
    submitted_amount = Decimal("10000000")
    submitted_on = datetime.date(2026, 5, 6)
