"""Fixtures the investment tests share: an agency and its people, and messages in English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from gongwu.core.models import Role
from gongwu.core.testing import AgencyFactory, UserFactory


@pytest.fixture
def english() -> Iterator[None]:
    """Messages of services and forms used without a request in English, as english_client gets them."""
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db: Any) -> Any:
    return AgencyFactory(name="鼓楼区建设工务署", short_name="鼓楼区")


@pytest.fixture
def staff(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def leader(agency: Any) -> Any:
    return UserFactory(organization=agency, role=Role.LEADER)
