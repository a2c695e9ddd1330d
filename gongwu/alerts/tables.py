from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.alerts.models import LEVEL_COLOUR, Case, EscalationStep, Meeting, RuleSetting
from gongwu.core.generic.tables import DayColumn, LinkColumn, ObjectTable


class LevelColumn(tables.Column):
    def render(self, value: Any, record: Any) -> str:
        return format_html(
            '<span class="badge bg-{}-lt text-nowrap"><span class="badge bg-{} me-1 p-1"></span>{}</span>',
            LEVEL_COLOUR.get(value, "secondary"),
            LEVEL_COLOUR.get(value, "secondary"),
            record.get_level_display(),
        )


class CaseTable(ObjectTable):
    number = LinkColumn(verbose_name=_("number"))
    level = LevelColumn(verbose_name=_("level"))
    title = LinkColumn(verbose_name=_("title"))
    subject_label = tables.Column(verbose_name=_("subject"))
    responsible_org = tables.Column(verbose_name=_("responsible organization"))
    deadline = DayColumn(verbose_name=_("deadline"))
    status = tables.Column(verbose_name=_("status"))

    class Meta(ObjectTable.Meta):
        model = Case
        fields = ("number", "level", "title", "subject_label", "responsible_org", "deadline", "status")
        row_attrs = {"class": lambda record: "gw-overdue" if record.overdue else ""}

    def render_status(self, value: Any, record: Any) -> Any:
        if record.overdue:
            return format_html('{} <span class="badge bg-red-lt">{}</span>', value, _("Overdue"))
        return value


class MeetingTable(ObjectTable):
    date = DayColumn(verbose_name=_("date"))
    title = LinkColumn(verbose_name=_("title"))
    kind = tables.Column(verbose_name=_("kind"))
    chair = tables.Column(verbose_name=_("chair"))

    class Meta(ObjectTable.Meta):
        model = Meeting
        fields = ("date", "title", "kind", "chair")


class RuleSettingTable(ObjectTable):
    code = LinkColumn(verbose_name=_("rule"), accessor="__str__", order_by=("code",))
    agency = tables.Column(verbose_name=_("agency"))
    enabled = tables.BooleanColumn(verbose_name=_("enabled"))
    level = tables.Column(verbose_name=_("level"))
    last_scan = tables.DateTimeColumn(verbose_name=_("last scan"), format="Y-m-d H:i")

    class Meta(ObjectTable.Meta):
        model = RuleSetting
        fields = ("code", "agency", "enabled", "level", "last_scan")


class EscalationStepTable(ObjectTable):
    order = LinkColumn(verbose_name=_("order"))
    days_overdue = tables.Column(verbose_name=_("days overdue"))
    action = tables.Column(verbose_name=_("action"))
    agency = tables.Column(verbose_name=_("agency"))

    class Meta(ObjectTable.Meta):
        model = EscalationStep
        fields = ("order", "days_overdue", "action", "agency")
