"""Fixtures the tenders tests share: an agency, its staff, companies of each kind, and English messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from gongwu.core.models import OrganizationKind, Role
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory
from gongwu.projects.testing import ProjectFactory


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署", short_name="鼓楼区")


@pytest.fixture
def staff(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def project(agency: Any) -> Any:
    return ProjectFactory(agency=agency, code="GL-001", name="鼓楼第一中学扩建")


@pytest.fixture
def contractors(db: Any) -> list[Any]:
    return [CompanyFactory(name=f"闽江建设工程有限公司{n}号", kind=OrganizationKind.CONTRACTOR) for n in range(1, 5)]
