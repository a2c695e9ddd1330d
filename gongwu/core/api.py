import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import ValidationError as QueryInvalid
from pydantic import Field

from gongwu.core import figures as read
from gongwu.core.generic.api import AUTH, Message, SelectionQuery, ValidationErrors, crud_router, selection_from_api
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


class FigureSpecOut(Schema):
    key: str = Field(description="app.name, e.g. `projects.completed`.")
    label: str
    unit: str = Field(description="count, yuan (元), percent, days, m2 or score.")
    periods: list[str] = Field(
        description="The period shapes it is given for: year, quarter, month, year_to_month, any."
    )
    compared: bool = Field(description="Whether the value comes with the previous period's.")
    description: str


class FigureOut(Schema):
    key: str
    label: str
    value: Any = Field(description="The number in its unit (money in 元); null when there is nothing to count.")
    unit: str
    shown: str = Field(description="The value as the pages show it (money in 万元/亿元).")
    previous: Any = Field(description="The same figure for the same period a year earlier; null if not compared.")
    change: float | None = Field(description="Change against the previous value, in % (in points for rates).")
    url: str = Field(description="The list of exactly the records the figure counts.")


class FigureValuesQuery(SelectionQuery):
    key: list[str] = Field(default_factory=list, description="The figures wanted (repeat `key`); all by default.")


figures = Router(tags=["figures"], auth=AUTH)


@figures.get(
    "/",
    response={200: list[FigureSpecOut]},
    operation_id="list_figures",
    summary="The figures the platform computes, by key",
)
def list_figures(request: HttpRequest) -> Any:
    return [
        {
            "key": spec.key,
            "label": str(spec.label),
            "unit": spec.unit,
            "periods": sorted(spec.periods),
            "compared": spec.compared,
            "description": str(spec.description),
        }
        for spec in read.registered_figures()
        if spec.visible_to(request.user)
    ]


@figures.get(
    "/values/",
    response={200: list[FigureOut], 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="figure_values",
    summary="Figures for a period and agency",
    description="Each `key` for the period (`year`, or `from`/`to`) over one agency or all the agencies the user "
    "may see, with the value a year earlier and the change. A figure given only for some period shapes (a whole "
    "year, a month…) is refused for another with 422.",
)
def figure_values(request: HttpRequest, query: Query[FigureValuesQuery]) -> Any:
    selection = selection_from_api(request, query)
    read.require_agencies(selection)
    specs = {spec.key: spec for spec in read.registered_figures() if spec.visible_to(request.user)}
    keys = query.key or list(specs)
    unknown = [k for k in keys if k not in specs]
    if unknown:
        raise QueryInvalid(
            [{"loc": ["query", "key"], "msg": _("No such figure: %(key)s.") % {"key": k}} for k in unknown]
        )
    wanted = [specs[k] for k in keys if query.key or specs[k].supports(selection)]
    refused = [spec.unsupported_message() for spec in wanted if not spec.supports(selection)]
    if refused:
        raise QueryInvalid([{"loc": ["query", "key"], "msg": message} for message in refused])
    return [read.compute(spec.key, selection).as_json() for spec in wanted]
