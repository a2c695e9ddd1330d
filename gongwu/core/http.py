"""The request as Gongwu's middleware leaves it, for type hints: Django's `HttpRequest` with what the
middleware adds. Nothing creates these classes; a view says which one it receives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails

    from gongwu.core.models import User


class Request(HttpRequest):
    user: User | AnonymousUser
    htmx: HtmxDetails  # django-htmx's HtmxMiddleware
    request_id: str  # RequestIdMiddleware


class SignedInRequest(Request):
    """A request past `LoginRequiredMixin`, `login_required` or the API's authentication."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request past a login check whose signature Django fixes (the admin's methods)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return request.user
