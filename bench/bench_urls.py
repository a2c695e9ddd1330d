"""Gongwu's URLs plus /bench/bare/: the limit the API list is compared with.

The bare view returns the same 50 objects as `/api/organizations/?kind=contractor&limit=50`
(same fields, same order: the model's default ordering kind, name) straight from `.values()`, with
no authentication, no count, no filterset and no schema validation.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from gongwu.core.api import OrganizationOut
from gongwu.core.models import Organization

FIELDS = tuple(OrganizationOut.model_fields)  # exactly what the API list returns


def bare(request: HttpRequest) -> JsonResponse:
    rows = list(Organization.objects.filter(kind="contractor").order_by("kind", "name").values(*FIELDS)[:50])
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("gongwu.urls")),
]
