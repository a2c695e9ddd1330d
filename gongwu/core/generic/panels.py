"""Panels an app adds to another model's page (the project's investment, the cases about any record), without
the page's app importing it: a function (obj, request) -> a dict with the "template" to include and its
context, or None for no panel. Apps register theirs, by model, in their AppConfig.ready(); the detail pages
render `panels_for(obj, request)` as `panels`, in the order the panels were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest

DetailPanel = Callable[[models.Model, HttpRequest], "dict[str, Any] | None"]

# (model, panel) in the order registered; a panel shows on the pages of its model and the model's subclasses.
PANELS: list[tuple[type[models.Model], DetailPanel]] = []


def register_panel(model: type[models.Model], panel: DetailPanel) -> None:
    """Show `panel` on the page of every `model` object (`models.Model`: every object page). Registering the
    same panel again changes nothing (ready() may run twice in tests)."""
    if (model, panel) not in PANELS:
        PANELS.append((model, panel))


def unregister_panel(model: type[models.Model], panel: DetailPanel) -> None:
    """For tests that register a panel of their own."""
    if (model, panel) in PANELS:
        PANELS.remove((model, panel))


def panels_for(obj: models.Model, request: HttpRequest) -> list[dict[str, Any]]:
    """The panels registered for `obj`'s model that have something to show."""
    shown = (panel(obj, request) for model, panel in PANELS if isinstance(obj, model))
    return [panel for panel in shown if panel]
