from django.utils.translation import gettext_lazy as _

from gongwu.core.forms import OrganizationForm
from gongwu.core.generic.ledger import Column, Ledger
from gongwu.core.models import Organization


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
