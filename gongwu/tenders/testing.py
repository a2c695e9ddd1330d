"""Factories for tender tests (used by this app's tests and by the apps that hang on tenders)."""

from __future__ import annotations

from decimal import Decimal

import factory

from gongwu.core.models import OrganizationKind
from gongwu.core.testing import AgencyFactory, CompanyFactory
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders.models import Bid, Method, SchemeTemplate, SubjectKind, Tender, TenderPlan


class SchemeTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeTemplate

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"施工总承包公开招标方案{n}")
    subject_kind = SubjectKind.WORKS


class TenderPlanFactory(factory.django.DjangoModelFactory):
    """A plan saved straight to the database (no service, no change log): for test fixtures."""

    class Meta:
        model = TenderPlan
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=factory.SelfAttribute("..agency"))
    name = factory.Sequence(lambda n: f"测试招标方案{n}")
    subject_kind = SubjectKind.WORKS
    method = Method.OPEN
    estimate = Decimal("50000000")


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    plan = factory.SubFactory(TenderPlanFactory)
    agency = factory.SelfAttribute("plan.agency")
    number = factory.Sequence(lambda n: f"ZB-{n:05d}")
    name = factory.SelfAttribute("plan.name")
    subject_kind = factory.SelfAttribute("plan.subject_kind")
    method = factory.SelfAttribute("plan.method")


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    tender = factory.SubFactory(TenderFactory)
    bidder = factory.SubFactory(CompanyFactory, kind=OrganizationKind.CONTRACTOR)
    price = Decimal("48000000")
