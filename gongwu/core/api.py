import datetime

from ninja import Schema

from gongwu.core.generic.api import crud_router
from gongwu.core.views import CalendarDayViews, ChangeLogViews, OrganizationViews, UserViews


class OrganizationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    credit_code: str
    region: str
    address: str
    contact_person: str
    contact_phone: str
    is_active: bool


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    organization_id: int | None
    role: str
    email: str
    phone: str
    is_active: bool


class CalendarDayOut(Schema):
    id: int
    date: datetime.date
    kind: str
    name: str
    notice: str


organizations = crud_router(OrganizationViews, OrganizationOut, tag="organizations")
users = crud_router(UserViews, UserOut, tag="users")
changelog = crud_router(ChangeLogViews, tag="changelog")
calendar_days = crud_router(CalendarDayViews, CalendarDayOut, tag="calendar")
