"""Global search over the models apps register (explicitly, in their AppConfig.ready)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from gongwu.core.models import Action, user_may

REGISTERED: list[Any] = []
PER_MODEL = 8


def register(viewset: Any) -> None:
    if viewset not in REGISTERED:
        REGISTERED.append(viewset)


def run(query: str, user: Any) -> list[dict[str, Any]]:
    results = []
    for viewset in REGISTERED:
        if not user_may(user, viewset.model, Action.VIEW):
            continue
        filterset = viewset.filterset({"q": query}, queryset=viewset.get_queryset(user), user=user)
        queryset = filterset.qs
        hits = list(queryset[:PER_MODEL])
        if hits:
            results.append(
                {
                    "label": viewset.model._meta.verbose_name_plural,
                    "hits": hits,
                    "total": queryset.count() if len(hits) == PER_MODEL else len(hits),
                    "list_url": reverse(viewset.url_name("list")) + "?" + urlencode({"q": query}),
                }
            )
    return results
