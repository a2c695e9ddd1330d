import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from gongwu.core import context

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from a proxy) and tag its changes with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else context.new_request_id()
        request.request_id = rid
        name = "api" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else "web"
        with context.change_source(name, rid):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response


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


def is_ip(value: str | None) -> bool:
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
