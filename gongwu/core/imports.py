import json
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from gongwu.core.forms import CalendarDayForm, OrganizationForm
from gongwu.core.generic.ledger import Column, Ledger
from gongwu.core.models import CalendarDay, ChangeLogEntry, Organization


class OrganizationLedger(Ledger):
    model = Organization
    form = OrganizationForm
    keys = (("credit_code",), ("parent", "name"))
    sheet_title = _("Organizations")
    columns = (
        Column("name", _("name"), width=36),
        Column("short_name", _("short name")),
        Column("kind", _("kind"), width=12),
        Column("parent", _("parent organization"), lookup="name", width=30),
        Column("credit_code", _("unified social credit code"), width=22),
        Column("region", _("region")),
        Column("address", _("address"), width=30),
        Column("contact_person", _("contact person")),
        Column("contact_phone", _("contact phone")),
        Column("is_active", _("active"), width=8),
    )


class CalendarDayLedger(Ledger):
    """A year's holiday schedule as the State Council's notice lists it: one row per day off or worked."""

    model = CalendarDay
    form = CalendarDayForm
    keys = (("date",),)
    sheet_title = _("Holiday calendar")
    columns = (
        Column("date", _("date"), width=12),
        Column("kind", _("kind"), width=16),
        Column("name", _("holiday"), width=12),
        Column("notice", _("State Council notice"), width=30),
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return force_str(value)


class ChangeLogLedger(Ledger):
    """The change log as a spreadsheet, for integrity officers and regulators. Export only: the log is
    never imported (nobody may). Secret fields come out as the words the page shows, never a value."""

    model = ChangeLogEntry
    form = None  # type: ignore[assignment]  # export only: no row is read into a form
    sheet_title = _("Change log")
    columns = (
        Column("time", _("time"), width=20),
        Column("actor_name", _("by")),
        Column("action", _("action"), width=10),
        Column("content_type", _("object type"), lookup="name"),
        Column("object_id", _("object id"), width=10),
        Column("object_repr", _("object"), width=30),
        Column("changes", _("changes"), width=60),
        Column("source", _("source"), width=8),
        Column("request_id", _("request id"), width=34),
        Column("hash", _("hash"), width=66),
    )

    def export_value(self, obj: models.Model, column: Column) -> Any:
        if column.field == "changes" and isinstance(obj, ChangeLogEntry):
            return "\n".join(
                f"{name}: {_cell_text(old)} → {_cell_text(new)}" for name, old, new in obj.changed_fields()
            )
        return super().export_value(obj, column)
