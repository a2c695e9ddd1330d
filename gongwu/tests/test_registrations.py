"""Every app registers what it adds to the others (menu, search, panels, rules, case sources, subject owners,
demo) from its AppConfig.ready(), and a second ready() (as tests may run) registers nothing twice."""

from __future__ import annotations

import copy
from typing import Any

from django.apps import apps
from django.db import models

from gongwu.alerts import owners, rules, sources
from gongwu.alerts.pages import subject_cases_panel
from gongwu.contracts.pages_reviews import project_reviews_panel
from gongwu.core import demo, navigation, search
from gongwu.core.generic import panels
from gongwu.inspections.panels import project_inspections_panel
from gongwu.investment.panels import project_investment_panel
from gongwu.projects.models import Project

APPS = ("core", "projects", "alerts", "tenders", "contracts", "investment", "inspections")


def registries() -> dict[str, Any]:
    return {
        "menu": {key: [item.url_name for item in section.items] for key, section in navigation.SECTIONS.items()},
        "search": list(search.REGISTERED),
        "panels": list(panels.PANELS),
        "rules": dict(rules.RULES),
        "sources": copy.copy(sources.SOURCES),
        "owners": {label: (owner.actions, str(owner.where)) for label, owner in owners.OWNERS.items()},
        "demos": list(demo.DEMOS),
    }


def test_a_second_ready_of_every_app_registers_nothing_twice():
    before = registries()

    for label in APPS:
        apps.get_app_config(label).ready()

    assert registries() == before


def test_the_demos_run_in_the_order_of_the_apps_they_build_on():
    assert demo.DEMOS == [
        "gongwu.projects.demo",
        "gongwu.alerts.demo",
        "gongwu.tenders.demo",
        "gongwu.contracts.demo",
        "gongwu.investment.demo",
        "gongwu.inspections.demo",
    ]


def test_a_project_page_has_the_cases_the_cost_reviews_the_investment_and_the_quality_and_safety_panels_in_order():
    assert [(model, panel) for model, panel in panels.PANELS if issubclass(Project, model)] == [
        (models.Model, subject_cases_panel),
        (Project, project_reviews_panel),
        (Project, project_investment_panel),
        (Project, project_inspections_panel),
    ]
