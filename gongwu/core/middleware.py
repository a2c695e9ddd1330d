from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from gongwu.core import context

if TYPE_CHECKING:
    from gongwu.core.http import Request

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from a proxy) and tag its changes with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: Request) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else context.new_request_id()
        request.request_id = rid
        name = "api" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else "web"
        with context.change_source(name, rid):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response


CALENDAR_WARNING_HEADER = "Gongwu-Calendar-Warning"
CALENDAR_WARNING_MARK = b"<!--gongwu:calendar-warning-->"


class CalendarWarningMiddleware:
    """Warn wherever a working-day deadline was counted in a year with no holiday schedule.

    Pages carry a mark where the warning goes (base.html); it is filled after the whole page is rendered, so
    a deadline computed by a template counts too. API responses get a header naming the years.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from gongwu.core.calendar import unknown_years_noted

        with unknown_years_noted() as years:
            response = self.get_response(request)
        if years:
            response[CALENDAR_WARNING_HEADER] = ",".join(str(year) for year in sorted(years))
        if getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith("text/html"):
            return response
        if CALENDAR_WARNING_MARK in response.content:
            warning = calendar_warning_html(request, sorted(years)) if years else ""
            response.content = response.content.replace(CALENDAR_WARNING_MARK, warning.encode("utf-8"), 1)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


def calendar_warning_html(request: HttpRequest, years: list[int]) -> str:
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from gongwu.core.models import Action, CalendarDay, user_may

    text = ngettext(
        "No holiday schedule has been entered for %(years)s: working-day deadlines in it are counted Monday to "
        "Friday and may miss the statutory holidays.",
        "No holiday schedules have been entered for %(years)s: working-day deadlines in them are counted Monday "
        "to Friday and may miss the statutory holidays.",
        len(years),
    ) % {"years": "、".join(str(year) for year in years)}
    link = ""
    if user_may(request.user, CalendarDay, Action.ADD):
        link = format_html(' <a href="{}">{}</a>', reverse("core:calendarday_list"), _("Enter the schedule"))
    return format_html(
        '<div class="alert alert-warning" role="alert" data-calendar-warning><div>{}{}</div></div>', text, link
    )


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as login throttling (django-axes) counts it.

    Behind the reverse proxy (`GONGWU_BEHIND_PROXY`), REMOTE_ADDR is the proxy's: the client is the right-most
    hop of X-Forwarded-For that is not a trusted proxy (`GONGWU_TRUSTED_PROXIES`). The hops left of it were
    written by the client and prove nothing. Without the proxy, or when REMOTE_ADDR is not a trusted proxy
    (a request that went round it), REMOTE_ADDR is the client.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY or not is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_ip(hop):
            return remote  # a malformed header: throttle on the proxy rather than on a made-up name
        if not is_trusted_proxy(hop):
            return hop
    return hops[0] if hops else remote


def is_ip(value: str | None) -> TypeGuard[str]:
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True


def is_trusted_proxy(address: str | None) -> bool:
    if not is_ip(address):
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in settings.TRUSTED_PROXIES)
