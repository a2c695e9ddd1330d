import datetime
from typing import Any

import django_tables2 as tables
from django.contrib.contenttypes.models import ContentType
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.tables import LinkColumn, ObjectTable
from gongwu.core.models import CalendarDay, ChangeLogEntry, Job, Organization, User


class OrganizationTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    kind = tables.Column(verbose_name=_("kind"))
    credit_code = tables.Column(verbose_name=_("unified social credit code"))
    parent = tables.Column(verbose_name=_("parent organization"), linkify=True)
    contact_person = tables.Column(verbose_name=_("contact person"))
    contact_phone = tables.Column(verbose_name=_("contact phone"))

    class Meta(ObjectTable.Meta):
        model = Organization
        fields = ("name", "kind", "credit_code", "parent", "contact_person", "contact_phone")


class UserTable(ObjectTable):
    username = LinkColumn(verbose_name=_("username"))
    display_name = tables.Column(verbose_name=_("full name"))
    organization = tables.Column(verbose_name=_("organization"))
    role = tables.Column(verbose_name=_("role"))
    is_active = tables.BooleanColumn(verbose_name=_("active"))
    last_login = tables.DateTimeColumn(verbose_name=_("last login"), format="Y-m-d H:i")

    class Meta(ObjectTable.Meta):
        model = User
        fields = ("username", "display_name", "organization", "role", "is_active", "last_login")


class ChangeLogTable(ObjectTable):
    time = tables.DateTimeColumn(verbose_name=_("time"), format="Y-m-d H:i:s", linkify=True)
    actor_name = tables.Column(verbose_name=_("by"))
    action = tables.Column(verbose_name=_("action"))
    content_type = tables.Column(verbose_name=_("object type"), orderable=False)
    object_repr = tables.Column(verbose_name=_("object"))
    source = tables.Column(verbose_name=_("source"))
    request_id = tables.Column(verbose_name=_("request id"))

    class Meta(ObjectTable.Meta):
        model = ChangeLogEntry
        fields = ("time", "actor_name", "action", "content_type", "object_repr", "source", "request_id")

    def render_content_type(self, value: ContentType) -> Any:
        model = value.model_class()
        return model._meta.verbose_name if model else value.model

    def render_request_id(self, value: str) -> str:
        return value[:8]


class JobTable(ObjectTable):
    title = tables.Column(verbose_name=_("title"), linkify=True)
    status = tables.Column(verbose_name=_("status"))
    created = tables.DateTimeColumn(verbose_name=_("started"), format="Y-m-d H:i")
    finished = tables.DateTimeColumn(verbose_name=_("finished"), format="Y-m-d H:i")
    message = tables.Column(verbose_name=_("message"))

    class Meta(ObjectTable.Meta):
        model = Job
        fields = ("title", "status", "created", "finished", "message")


class CalendarDayTable(ObjectTable):
    date = tables.DateColumn(verbose_name=_("date"), format="Y-m-d", linkify=True)
    weekday = tables.Column(verbose_name=_("weekday"), accessor="date", orderable=False)
    kind = tables.Column(verbose_name=_("kind"))
    name = tables.Column(verbose_name=_("holiday"))
    notice = tables.Column(verbose_name=_("State Council notice"))

    class Meta(ObjectTable.Meta):
        model = CalendarDay
        fields = ("date", "weekday", "kind", "name", "notice")

    def render_weekday(self, value: datetime.date) -> str:
        return formats.date_format(value, "l")
