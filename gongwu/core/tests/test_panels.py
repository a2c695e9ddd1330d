"""Panels an app adds to another model's page show on that model's pages only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import models
from django.template import Template

from gongwu.core.generic.panels import PANELS, register_panel, unregister_panel
from gongwu.core.models import Organization, Role, User
from gongwu.core.testing import DepartmentFactory, UserFactory, english_client

pytestmark = pytest.mark.django_db

# A panel's "template" may be anything `{% include %}` renders: here a template of its own.
MARK = Template('<p class="test-panel">{{ panel.text }}</p>')


def about_organization(obj: models.Model, request: Any) -> dict[str, Any]:
    return {"template": MARK, "text": f"Projects of {obj}"}


def on_every_page(obj: models.Model, request: Any) -> dict[str, Any]:
    return {"template": MARK, "text": "On every page"}


def nothing_to_show(obj: models.Model, request: Any) -> None:
    return None


@pytest.fixture
def registered() -> Iterator[None]:
    before = list(PANELS)
    register_panel(Organization, about_organization)
    register_panel(Organization, about_organization)  # a second ready(): still once
    register_panel(models.Model, on_every_page)
    register_panel(Organization, nothing_to_show)
    yield
    for model, panel in (
        (Organization, about_organization),
        (models.Model, on_every_page),
        (Organization, nothing_to_show),
    ):
        unregister_panel(model, panel)
    assert list(PANELS) == before


@pytest.fixture
def admin() -> User:
    return UserFactory(role=Role.ADMIN)


def shown(client: Any, url: str) -> list[str]:
    """The texts of the test panels on the page, in order."""
    response = client.get(url)
    assert response.status_code == 200
    return re.findall(r'<p class="test-panel">(.*?)</p>', response.content.decode())


def test_a_panel_registered_for_a_model_shows_on_its_pages_once_and_not_on_other_models_pages(registered, admin):
    department = DepartmentFactory(parent=admin.organization, name="工程管理处")
    client = english_client(admin)

    assert shown(client, f"/organizations/{department.pk}/") == ["Projects of 工程管理处", "On every page"]
    assert shown(client, f"/users/{admin.pk}/") == ["On every page"]


def test_an_unregistered_panel_shows_nowhere(admin):
    department = DepartmentFactory(parent=admin.organization)

    assert shown(english_client(admin), f"/organizations/{department.pk}/") == []
