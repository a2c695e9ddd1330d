"""The unread notification count for the header's bell (one indexed COUNT per page for a signed-in user)."""

from typing import Any

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from gongwu.alerts.services import unread_count

    return {"unread_notifications": unread_count(user)}
