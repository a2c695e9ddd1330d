"""The main menu. Each app adds its sections in its AppConfig.ready(); entries a user may not view are hidden."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class MenuItem:
    label: Any
    url_name: str
    model: Any = None  # shown only to users who may view this model
    icon: str = ""
    visible: Callable[[Any], bool] | None = None  # a further test of the user (e.g. not a company's)


@dataclass
class MenuSection:
    key: str
    label: Any
    icon: str
    order: int
    items: list[MenuItem] = field(default_factory=list)


SECTIONS: dict[str, MenuSection] = {}


def register(section: MenuSection, *items: MenuItem) -> None:
    existing = SECTIONS.setdefault(section.key, section)
    known = {i.url_name for i in existing.items}
    existing.items.extend(i for i in items if i.url_name not in known)


def menu_for(user: Any) -> list[dict[str, Any]]:
    from gongwu.core.models import Action, user_may

    menu = []
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        items = [
            {"label": i.label, "url": reverse(i.url_name), "icon": i.icon}
            for i in section.items
            if (i.model is None or user_may(user, i.model, Action.VIEW)) and (i.visible is None or i.visible(user))
        ]
        if items:
            menu.append({"label": section.label, "icon": section.icon, "items": items, "key": section.key})
    return menu


def register_core_sections() -> None:
    from gongwu.core.models import CalendarDay, ChangeLogEntry, Organization, User

    register(
        MenuSection("organizations", _("Organizations"), "ti-building", 80),
        MenuItem(_("Organizations"), "core:organization_list", Organization, "ti-building"),
        MenuItem(_("Users"), "core:user_list", User, "ti-users"),
    )
    register(
        MenuSection("reports", _("Reports"), "ti-chart-bar", 70),
        MenuItem(_("Figures"), "core:figures", None, "ti-chart-bar", visible=reads_figures),
    )
    register(
        MenuSection("system", _("System"), "ti-settings", 90),
        MenuItem(_("Change log"), "core:changelogentry_list", ChangeLogEntry, "ti-history"),
        MenuItem(_("Holiday calendar"), "core:calendarday_list", CalendarDay, "ti-calendar"),
        MenuItem(_("My jobs"), "core:job_list", None, "ti-loader"),
        MenuItem(_("API tokens"), "core:token_list", None, "ti-key"),
    )


def reads_figures(user: Any) -> bool:
    """Whether the user is one whom figure pages are for: anyone signed in but a company's representative."""
    from gongwu.core.models import Role

    return bool(getattr(user, "is_authenticated", False)) and user.role != Role.COMPANY
