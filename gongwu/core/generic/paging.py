"""Pages of an API list: the total only when asked, `has_more` from one extra row, plain rows written as they are.

Every list endpoint answers `{"count": n | null, "has_more": bool, "next": path | null, "results": [...]}`.
Counting every row the caller may see cost more than the page itself (an OR over the scope's conditions
defeats index-only scans), so `count` is filled only with `?count=true`; `has_more` and `next` come from
reading one row past the page. A list whose output is only plain columns (`plain_columns`) is written
straight from `.values()`, without validating every field of every row: the JSON is the same as the
schema's (`gongwu/core/tests/test_api_lists.py` holds it to that).
"""

from __future__ import annotations

import datetime
import json
import types
import typing
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field, create_model

MAX_LIMIT = 1000
CONTENT_TYPE = "application/json; charset=utf-8"  # what ninja's JSON renderer answers with

LIST_DESCRIPTION = (
    "A page of `limit` rows (at most 1000) from `offset`. `has_more` says whether rows follow and `next` is "
    "the path of the next page (null on the last). The total is counted only when asked: `count=true` fills "
    "`count`, which is otherwise null (counting every visible row costs more than the page itself)."
)
COUNT_DESCRIPTION = "Count every row that matches (fills `count`; costs a query over all of them)."


def page_fields(out: Any) -> dict[str, Any]:
    """The fields of a page of `out` rows (for `create_model`), the same in every list."""
    return {
        "count": (
            int | None,
            Field(None, description="The number of matching rows; only with `count=true`, otherwise null."),
        ),
        "has_more": (bool, Field(..., description="Rows follow this page.")),
        "next": (str | None, Field(None, description="The path of the next page; null on the last page.")),
        "results": (list[out], ...),
    }


def page_schema(out: Any, name: str, **extra: Any) -> type[Schema]:
    return create_model(name, **page_fields(out), **extra, __base__=Schema)


def bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def next_path(request: HttpRequest, offset: int) -> str:
    query = request.GET.copy()
    query["offset"] = str(offset)
    return f"{request.path}?{query.urlencode()}"


def page_of(request: HttpRequest, queryset: QuerySet, limit: int, offset: int, *, count: bool) -> dict[str, Any]:
    """One page of `queryset` (rows as it yields them: instances or dicts), with `has_more`, `next` and,
    when asked, `count`."""
    limit, offset = bounds(limit, offset)
    rows = list(queryset[offset : offset + limit + 1])
    has_more = len(rows) > limit
    return {
        "count": queryset.count() if count else None,
        "has_more": has_more,
        "next": next_path(request, offset + limit) if has_more else None,
        "results": rows[:limit],
    }


# A schema field whose annotation is the Python type the model field reads as needs no validation.
PLAIN_TYPES: dict[str, type] = {
    **dict.fromkeys(
        (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        ),
        int,
    ),
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), str),
    "BooleanField": bool,
    "DecimalField": Decimal,
    "FloatField": float,
    "DateField": datetime.date,
    "DateTimeField": datetime.datetime,
}


def column_type(field: models.Field) -> type | None:
    if field.is_relation:
        target = field.target_field if isinstance(field, models.ForeignKey) else None  # (a OneToOneField is one)
        return column_type(target) if target is not None else None
    return PLAIN_TYPES.get(field.get_internal_type())


def annotation_fits(annotation: Any, python_type: type, nullable: bool) -> bool:
    """`annotation` is `python_type` (the column is NOT NULL) or `python_type | None`."""
    if annotation is python_type:
        return not nullable
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set(typing.get_args(annotation)) == {python_type, type(None)}
    return False


def plain_columns(out: type[Schema], model: type[models.Model]) -> list[str] | None:
    """The columns of `out` when each of its fields is a model column read as the type it declares and
    nothing else changes it (no resolver, validator, serializer or alias); otherwise None."""
    decorators, base = out.__pydantic_decorators__, Schema.__pydantic_decorators__
    if (
        getattr(out, "_ninja_resolvers", None)
        or decorators.field_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.validators
        or set(decorators.model_validators) != set(base.model_validators)
    ):
        return None
    columns = {f.attname: f for f in model._meta.concrete_fields}
    names = []
    for name, info in out.model_fields.items():
        field = columns.get(name)
        if field is None or info.alias or info.serialization_alias or info.validation_alias:
            return None
        python_type = column_type(field)
        if python_type is None or not annotation_fits(info.annotation, python_type, field.null):
            return None
        names.append(name)
    return names


def json_response(body: dict[str, Any]) -> HttpResponse:
    """The body as ninja's renderer writes it (same encoder, same content type)."""
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), content_type=CONTENT_TYPE)
