from collections.abc import Callable

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
