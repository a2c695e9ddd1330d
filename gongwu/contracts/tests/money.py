"""Fixtures the change and claim tests share: an agency, its people, a 1 亿 works contract in force with its
contractor's user, and the supervisor of a section of its project. Messages in English."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from gongwu.contracts.models import Contract
from gongwu.contracts.testing import ContractFactory
from gongwu.contracts.tests.money_helpers import YI
from gongwu.core.models import OrganizationKind, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory
from gongwu.projects.models import Section


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="市建筑工务署", short_name="市工务署")


@pytest.fixture
def staff(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林科长")


@pytest.fixture
def staff2(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.STAFF, display_name="王处长")


@pytest.fixture
def director(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.DIRECTOR, display_name="陈主任")


@pytest.fixture
def leader(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.LEADER, display_name="张署长")


@pytest.fixture
def leader2(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.LEADER, display_name="李副署长")


@pytest.fixture
def contract(agency: Any) -> Contract:
    """A performing works contract of 1 亿, retention 3%, advance 10%."""
    return ContractFactory(
        agency=agency, number="SZGW-2026-SG-0001", amount=YI, advance_percent=Decimal("10"), retention_percent=3
    )


@pytest.fixture
def company_user(contract: Contract) -> Any:
    return UserFactory(organization=contract.contractor, role=Role.COMPANY, display_name="施工方")


@pytest.fixture
def other_contract(agency: Any) -> Contract:
    return ContractFactory(agency=agency, number="SZGW-2026-SG-0002", amount=50_000_000)


@pytest.fixture
def other_company_user(other_contract: Contract) -> Any:
    return UserFactory(organization=other_contract.contractor, role=Role.COMPANY)


@pytest.fixture
def supervisor_user(contract: Contract) -> Any:
    supervisor = CompanyFactory(kind=OrganizationKind.SUPERVISOR, name="测试监理有限公司")
    Section.objects.create(project=contract.project, name="一标段", supervisor=supervisor)
    return UserFactory(organization=supervisor, role=Role.COMPANY, display_name="总监")
