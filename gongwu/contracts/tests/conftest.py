"""Fixtures the contracts tests share: an agency with its departments and people, and a contract to sign."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from gongwu.contracts.models import ContractStatus
from gongwu.contracts.testing import ContractFactory
from gongwu.core.models import OrganizationKind, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, DepartmentFactory, UserFactory


@pytest.fixture
def english() -> Iterator[None]:
    """Messages of services and forms used without a request in English, as english_client gets them."""
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署", short_name="GL")


@pytest.fixture
def departments(agency: Any) -> dict[str, Any]:
    return {
        name: DepartmentFactory(name=name, parent=agency) for name in ("招标合同处", "造价处", "财务处", "工程管理处")
    }


@pytest.fixture
def people(agency: Any, departments: dict[str, Any]) -> dict[str, Any]:
    return {
        "contracts": UserFactory(
            username="hetong", display_name="合同处林工", organization=departments["招标合同处"], role=Role.STAFF
        ),
        "cost": UserFactory(
            username="zaojia", display_name="造价处陈工", organization=departments["造价处"], role=Role.STAFF
        ),
        "finance": UserFactory(
            username="caiwu", display_name="财务处王工", organization=departments["财务处"], role=Role.STAFF
        ),
        "works": UserFactory(
            username="gongcheng", display_name="工程处张工", organization=departments["工程管理处"], role=Role.STAFF
        ),
        "leader": UserFactory(username="shuzhang", display_name="王署长", organization=agency, role=Role.LEADER),
        "staff": UserFactory(username="staff", display_name="林处长", organization=agency, role=Role.STAFF),
    }


@pytest.fixture
def contractor(db: Any) -> Any:
    return CompanyFactory(name="闽江建设工程有限公司", kind=OrganizationKind.CONTRACTOR)


@pytest.fixture
def draft(agency: Any, contractor: Any) -> Any:
    """A 1 亿 works contract, a draft without a number."""
    return ContractFactory(
        agency=agency,
        contractor=contractor,
        number="",
        name="鼓楼实验小学施工总承包合同",
        status=ContractStatus.DRAFT,
        signed_on=None,
        amount=Decimal("100000000"),
    )
