from django.utils.translation import gettext_lazy as _

from gongwu.core.forms import CalendarDayForm, OrganizationForm
from gongwu.core.generic.ledger import Column, Ledger
from gongwu.core.models import CalendarDay, Organization


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
