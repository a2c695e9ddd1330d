"""JSON API machinery: token authentication and a CRUD router built from an ObjectViewSet.

The list endpoint filters with the viewset's FilterSet (the same one the page uses); create and
update validate with the viewset's form and save through the services, so the API obeys exactly
the rules, scoping and change log of the UI.
"""

import copy
import datetime
import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models import ProtectedError, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Schema
from ninja.openapi.schema import OpenAPISchema
from ninja.orm import create_schema
from ninja.security import HttpBearer, django_auth
from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from gongwu.core import services
from gongwu.core.generic.forms import save_form
from gongwu.core.generic.paging import (
    COUNT_DESCRIPTION,
    LIST_DESCRIPTION,
    json_response,
    page_of,
    page_schema,
    plain_columns,
)
from gongwu.core.generic.token_cache import token_user
from gongwu.core.http import SignedInRequest
from gongwu.core.models import Action, user_may

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongwu.core.generic.views import ObjectViewSet
    from gongwu.core.models import User

# The id of a record as a client sends it: an integer the database can hold.
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TokenAuth(HttpBearer):
    openapi_description = "API token from “API tokens” in the user menu: `Authorization: Bearer gw_…`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        return user


AUTH = [TokenAuth(), django_auth]


class Message(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str]
    msg: str


class ValidationErrors(Schema):
    detail: list[FieldError]


def require(user: "User | AnonymousUser", model: type[models.Model], action: str) -> None:
    """Refuse (403) an action the user's role may not take on such records."""
    if not user_may(user, model, action):
        raise PermissionDenied(
            _("You may not %(action)s %(things)s.")
            % {"action": Action(action).label, "things": model._meta.verbose_name_plural}
        )


def not_found() -> tuple[int, dict[str, str]]:
    return 404, {"detail": _("Not found.")}


def validation_detail(exc: ValidationError) -> dict[str, Any]:
    """A model's or a service's ValidationError as the API's 422 body: one item per field and message."""
    if hasattr(exc, "error_dict"):
        items = [(name, message) for name, messages in exc.message_dict.items() for message in messages]
    else:
        items = [("non_field_errors", message) for message in exc.messages]
    return {"detail": [{"loc": ["body", name], "msg": str(message)} for name, message in items]}


def form_errors(form: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        "detail": [
            {"loc": ["body", name if name != "__all__" else "non_field_errors"], "msg": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
    }


def form_field_type(field: forms.Field) -> Any:
    """The Python type an API client sends for a form field that is not a model field."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return list[int]
    if isinstance(field, forms.ModelChoiceField):
        return int
    for form_class, python_type in (
        (forms.DateTimeField, datetime.datetime),
        (forms.DateField, datetime.date),
        (forms.BooleanField, bool),
        (forms.IntegerField, int),
        (forms.DecimalField, Decimal),
        (forms.FloatField, float),
    ):
        if isinstance(field, form_class):
            return python_type
    return str


def id_list_fields(model: Any, names: list[str], *, required: set[str]) -> list[tuple[str, Any, Any]]:
    """Many-to-many fields of the input as lists of ids, each an integer: `[null]` or `["a"]` is a 422.

    ninja's own many-to-many type calls `int()` on each item, so a `null` in the list was a 500.
    """
    fields: list[tuple[str, Any, Any]] = []
    for name in names:
        field = model._meta.get_field(name)
        if not field.many_to_many:
            continue
        label = str(field.verbose_name)
        if name in required:
            fields.append((name, list[ObjectId], FieldInfo(title=label)))
        else:
            fields.append((name, list[ObjectId] | None, FieldInfo(default=None, title=label)))
    return fields


def split_form_fields(model: Any, form: Any) -> tuple[list[str], list[str]]:
    """The form's fields that are model fields, and those the form adds of its own (key dates …)."""
    model_fields, form_only = [], []
    for name in form.base_fields if form is not None else ():
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            form_only.append(name)
        else:
            model_fields.append(name)
    return model_fields, form_only


def body_is_object(request: HttpRequest) -> bool:
    """A JSON body is an object: when every field is optional, ninja would take `[1, 2]` for `{}`."""
    try:
        return isinstance(json.loads(request.body or b"{}"), dict)
    except ValueError:
        return False


def crud_router(
    viewset: "type[ObjectViewSet]",
    out_schema: type[Schema] | None = None,
    tag: str | None = None,
    *,
    read_only: bool = False,
    prepare: Callable[[QuerySet], QuerySet] | None = None,
) -> Router:
    """List, retrieve, create, update and delete endpoints for a viewset's model.

    `read_only` leaves out the writes. `prepare` refines the queryset the endpoints read and answer
    with (prefetch or annotate what `out_schema` shows, so a list costs the same queries for any size).
    Form fields that are not model fields (a project's key dates) are optional fields of the input.
    """
    model = viewset.model
    name = model._meta.model_name or ""
    router = Router(tags=[tag or name], auth=AUTH)
    fields_in = list(viewset.form.base_fields) if viewset.form is not None else []
    model_fields_in, form_only = split_form_fields(model, viewset.form)
    Out = out_schema or create_schema(model, name=f"{model.__name__}Out", depth=0)
    Page = page_schema(Out, f"{model.__name__}Page")
    sortable = {f.name for f in model._meta.concrete_fields}
    plain = plain_columns(Out, model)
    out_names = list(Out.model_fields)
    flat_out = set(out_names) <= {f.attname for f in model._meta.concrete_fields}
    filter_fields: dict[str, Any] = dict.fromkeys(viewset.filterset.base_filters, (str | None, None))
    Filters = create_model(f"{model.__name__}Filters", **filter_fields, __base__=Schema)

    def queryset_for(user: "User") -> QuerySet:
        queryset = viewset.get_queryset(user)
        return prepare(queryset) if prepare is not None else queryset

    def check(request: SignedInRequest, action: str) -> None:
        if not user_may(request.user, model, action):
            raise PermissionDenied(
                _("You may not %(action)s %(things)s.")
                % {"action": Action(action).label, "things": model._meta.verbose_name_plural}
            )

    @router.get(
        "/",
        response={200: Page, 400: ValidationErrors},
        operation_id=f"{name}_list",
        summary=f"List {model._meta.verbose_name_plural}",
        description=LIST_DESCRIPTION,
    )
    def list_objects(
        request: SignedInRequest,
        filters: Query[Filters],  # type: ignore[valid-type]  # (schemas made at run time, here and below)
        limit: int = 50,
        offset: int = 0,
        order_by: str = "",
        count: bool = Query(False, description=COUNT_DESCRIPTION),
    ) -> Any:
        check(request, Action.VIEW)
        filterset = viewset.filterset(
            request.GET, queryset=queryset_for(request.user), user=request.user, given_only=True
        )
        if not filterset.is_valid():
            return 400, form_errors(filterset.form)
        queryset = filterset.qs
        if order_by:
            if order_by.lstrip("-") not in sortable:
                message = _("Cannot sort by “%(field)s”.") % {"field": order_by}
                return 400, {"detail": [{"loc": ["query", "order_by"], "msg": message}]}
            queryset = queryset.order_by(order_by, "pk")
        elif not queryset.ordered:
            queryset = queryset.order_by("pk")
        if plain is not None:
            # Plain columns: read as dicts and written as they are (no model instances, no per-field validation).
            return json_response(page_of(request, queryset.values(*plain), limit, offset, count=count))
        # Columns the schema validates (a NULL it declares as text …): dicts, no joins the schema does not show.
        rows = queryset.values(*out_names) if flat_out else queryset
        return 200, page_of(request, rows, limit, offset, count=count)

    @router.get("/{int:pk}/", response={200: Out, 404: Message}, operation_id=f"{name}_retrieve")
    def retrieve(request: SignedInRequest, pk: int) -> Any:
        check(request, Action.VIEW)
        obj = queryset_for(request.user).filter(pk=pk).first()
        if obj is None:
            return 404, {"detail": _("Not found.")}
        return 200, obj

    if viewset.form is None or viewset.read_only or read_only:
        if viewset.voidable():  # written through its own services (a notice), but voided like any record
            add_void_endpoint(router, viewset, queryset_for, Out)
        return router

    # A field the form does not require (an agency that defaults to the user's own) may be left out.
    # An unbound form, because a form may relax a field in __init__.
    unbound = viewset.form(user=None)
    optional_in = [n for n in model_fields_in if not unbound.fields[n].required]
    extras = [
        (
            n,
            form_field_type(f) | None,
            FieldInfo(default=None, title=str(f.label or n), description=f.help_text or None),  # type: ignore[arg-type]  # (lazy)
        )
        for n, f in ((n, viewset.form.base_fields[n]) for n in form_only)
    ]
    # In a new record, what the form requires of its own fields (a template's twelve months) is required.
    extras_in = [
        (n, form_field_type(unbound.fields[n]), FieldInfo(title=info.title, description=info.description))
        if unbound.fields[n].required
        else (n, python_type, info)
        for n, python_type, info in extras
    ]
    id_lists = id_list_fields(model, model_fields_in, required=set(model_fields_in) - set(optional_in))
    plain_in = [n for n in model_fields_in if n not in {f[0] for f in id_lists}]
    In = create_schema(
        model,
        name=f"{model.__name__}In",
        fields=plain_in,
        optional_fields=[n for n in optional_in if n in plain_in] or None,
        custom_fields=(extras_in + id_lists) or None,
    )
    Patch = create_schema(
        model,
        name=f"{model.__name__}Patch",
        fields=plain_in,
        optional_fields="__all__",  # type: ignore[arg-type]  # ninja takes it; its annotation leaves it out
        custom_fields=(extras + [(n, list[ObjectId] | None, FieldInfo(default=None)) for n, *_ in id_lists]) or None,
    )

    def form_keys(data: dict[str, Any]) -> dict[str, Any]:
        """The schema names a foreign key `parent_id`; the form calls the same field `parent`."""
        return {
            (key[:-3] if key not in fields_in and key.endswith("_id") and key[:-3] in fields_in else key): value
            for key, value in data.items()
        }

    def save(request: SignedInRequest, data: dict[str, Any], instance: Any) -> Any:
        if not body_is_object(request):
            return 422, {"detail": [{"loc": ["body"], "msg": _("The body must be a JSON object.")}]}
        form = viewset.form(data=data, instance=instance, user=request.user)
        if not form.is_valid():
            return 422, form_errors(form)
        obj = save_form(form, request.user)
        if obj is None:
            return 422, form_errors(form)
        obj = queryset_for(request.user).get(pk=obj.pk)
        return (201 if instance is None else 200), obj

    @router.post("/", response={201: Out, 422: ValidationErrors, 403: Message}, operation_id=f"{name}_create")
    def create(request: SignedInRequest, payload: In) -> Any:  # type: ignore[valid-type]
        check(request, Action.ADD)
        return save(request, form_keys(payload.dict()), None)  # type: ignore[attr-defined]

    def changeable(request: SignedInRequest, pk: int, action: str) -> Any:
        check(request, action)
        if not viewset.get_queryset(request.user).filter(pk=pk).exists():
            return None
        obj = model.objects.for_user(request.user, action).filter(pk=pk).first()
        if obj is None:
            raise PermissionDenied(_("You may not change this record."))
        return obj

    @router.patch(
        "/{int:pk}/",
        response={200: Out, 404: Message, 422: ValidationErrors, 403: Message},
        operation_id=f"{name}_update",
    )
    def update(request: SignedInRequest, pk: int, payload: Patch) -> Any:  # type: ignore[valid-type]
        obj = changeable(request, pk, Action.CHANGE)
        if obj is None:
            return 404, {"detail": _("Not found.")}
        data = dict(model_to_dict(obj, fields=model_fields_in))
        for key, value in list(data.items()):
            if isinstance(value, list):
                data[key] = [getattr(v, "pk", v) for v in value]
        if form_only:
            # What the form shows for its own fields (a project's stored key dates) stays unless sent.
            initial = viewset.form(instance=obj, user=request.user).initial
            data.update({n: initial[n] for n in form_only if initial.get(n) is not None})
        data.update(form_keys(payload.dict(exclude_unset=True)))  # type: ignore[attr-defined]
        return save(request, data, obj)

    @router.delete(
        "/{int:pk}/",
        response={204: None, 404: Message, 409: Message, 403: Message},
        operation_id=f"{name}_delete",
    )
    def delete(request: SignedInRequest, pk: int) -> Any:
        visible = viewset.get_queryset(request.user).filter(pk=pk).first()
        if visible is not None and user_may(request.user, model, Action.DELETE):
            try:
                services.refuse_delete(visible)
            except services.VoidInstead as exc:
                return 409, {"detail": str(exc)}
        obj = changeable(request, pk, Action.DELETE)
        if obj is None:
            return 404, {"detail": _("Not found.")}
        try:
            viewset.delete_service(instance=obj, actor=request.user)
        except services.VoidInstead as exc:
            return 409, {"detail": str(exc)}
        except ProtectedError:
            return 409, {"detail": _("Other records refer to this one; it cannot be deleted.")}
        except ValidationError as exc:
            return 409, {"detail": " ".join(exc.messages)}
        return 204, None

    if viewset.voidable():
        add_void_endpoint(router, viewset, queryset_for, Out)
    return router


class VoidIn(Schema):
    reason: str = Field(description="Why the record is voided; kept in the change log.")


def void_record(request: SignedInRequest, viewset: "type[ObjectViewSet]", pk: int, reason: str) -> tuple[int, Any]:
    """The void action of any voidable model: 404 when not visible, 403 when not the caller's to void,
    422 without a reason or when already voided."""
    obj = viewset.get_queryset(request.user).filter(pk=pk).first()
    if obj is None:
        return 404, {"detail": _("Not found.")}
    if not services.may_void(request.user, obj) and not getattr(obj, "is_voided", False):
        raise PermissionDenied(_("You may not void this record."))
    try:
        viewset.void(instance=obj, actor=request.user, reason=reason)
    except ValidationError as exc:
        detail = [
            {"loc": ["body", name if name != "__all__" else "reason"], "msg": str(message)}
            for name, messages in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("reason", exc.messages)]
            )
            for message in messages
        ]
        return 422, {"detail": detail}
    return 200, None


def add_void_endpoint(
    router: Router, viewset: "type[ObjectViewSet]", queryset_for: Callable[["User"], QuerySet], out: Any
) -> None:
    name = viewset.model._meta.model_name

    @router.post(
        "/{int:pk}/void/",
        response={200: out, 403: Message, 404: Message, 422: ValidationErrors},
        operation_id=f"{name}_void",
        summary=f"Void a {viewset.model._meta.verbose_name} with a reason (records of supervision are never deleted)",
    )
    def void(request: SignedInRequest, pk: int, payload: VoidIn) -> Any:
        status, body = void_record(request, viewset, pk, payload.reason)
        if status != 200:
            return status, body
        return 200, queryset_for(request.user).get(pk=pk)


# ---- the API and its schema ---------------------------------------------------------------------

# What any operation may answer besides its own responses: the API's exception handlers make these.
COMMON_RESPONSES = {
    "401": ("Message", "Not signed in, and no valid API token."),
    "403": ("Message", "The user's role may not take this action on this record."),
    "422": ("ValidationErrors", "Invalid input: the field (`loc`) and the reason (`msg`); nothing was changed."),
}
LOCAL_DEFS = "#/$defs/"
COMPONENTS = "#/components/schemas/"


class UniqueNamesSchema(OpenAPISchema):
    """The OpenAPI document, refusing two different schemas of one name (ninja keeps the last one silently)."""

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if name in self.schemas and self.schemas[name] != definition:
                raise ImproperlyConfigured(f"Two API schemas are named {name!r}; give one another class name.")
        super().add_schema_definitions(definitions)


def signed_in_docs(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and docs for signed-in users (session or API token) unless GONGWU_API_DOCS_PUBLIC is on."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.GONGWU_API_DOCS_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        token = TokenAuth()
        if token(request) is not None:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"detail": _("Sign in or send an API token.")}, status=401)
        return redirect_to_login(request.get_full_path())

    return wrapped


_schema_generation = 0


def schema_changed() -> None:
    """Called by a registry whose entries appear in the API's schema (e.g. alerts' case sources) when it changes
    after start-up (tests do): the cached OpenAPI documents are built again on their next request."""
    global _schema_generation
    _schema_generation += 1


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document says everything a client may get back.

    Every operation documents 401, 403 and 422 (and 404 when its path names a record); request bodies
    written by hand (multipart forms) have their nested `$defs` moved to the components, where their
    references resolve.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("docs_decorator", signed_in_docs)
        super().__init__(**kwargs)
        self._documents: dict[tuple[str, str | None, int], Any] = {}

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        """The document, built once per process for each path prefix and language (building it takes a second
        or two with every app's routers; the routes never change while the process runs). Shared: read it, or
        copy it before changing it."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, translation.get_language(), _schema_generation)
        if key not in self._documents:
            self._documents[key] = self._build_openapi_schema(path_prefix)
        return self._documents[key]

    def _build_openapi_schema(self, path_prefix: str) -> Any:
        document = UniqueNamesSchema(self, path_prefix)
        # The paths hold the operations' own dicts (hand-written bodies): change a copy, never those.
        document["paths"] = copy.deepcopy(document.get("paths", {}))
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in (("Message", Message), ("ValidationErrors", ValidationErrors)):
            definition = schema.model_json_schema(ref_template=COMPONENTS + "{model}")
            components.update(definition.pop("$defs", {}))
            components.setdefault(name, definition)
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                common = dict(COMMON_RESPONSES)
                if "{" in path:
                    common["404"] = ("Message", "No such record, or not one the user may see.")
                for status, (name, description) in common.items():
                    if status in responses or int(status) in responses:  # ninja's own keys are integers
                        continue
                    responses.setdefault(
                        int(status),
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": COMPONENTS + name}}},
                        },
                    )
        hoist_local_definitions(document, components)
        return document


def hoist_local_definitions(node: Any, components: dict[str, Any]) -> None:
    """Move `$defs` nested in the document to the components and point their references there."""
    if isinstance(node, dict):
        for name, definition in node.pop("$defs", {}).items():
            if components.setdefault(name, definition) != definition:
                raise ImproperlyConfigured(f"Two API schemas are named {name!r}; give one another class name.")
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(LOCAL_DEFS):
            node["$ref"] = COMPONENTS + ref[len(LOCAL_DEFS) :]
        for value in node.values():
            hoist_local_definitions(value, components)
    elif isinstance(node, list):
        for value in node:
            hoist_local_definitions(value, components)


class SelectionQuery(Schema):
    """The period and agency of a figure query, the same on every figure endpoint."""

    year: int | None = Field(None, ge=1990, le=2100, description="A calendar year; this year by default.")
    start: datetime.date | None = Field(None, alias="from", description="Period start, YYYY-MM-DD (within `year`).")
    end: datetime.date | None = Field(None, alias="to", description="Period end, YYYY-MM-DD.")
    agency: str | None = Field(
        None, description="One agency's id, or `all` for every agency the user may see (the default)."
    )


def selection_from_api(request: HttpRequest, query: SelectionQuery, **options: Any) -> Any:
    """The `Selection` of an API query: a bad period is a 422 and an agency the user may not see a 404, where
    the pages would show a message and the default instead."""
    from ninja.errors import HttpError
    from ninja.errors import ValidationError as QueryInvalid

    from gongwu.core.figures import ALL, Selection

    wanted = query.agency or ""
    if wanted not in ("", ALL) and not wanted.isdigit():
        raise QueryInvalid([{"loc": ["query", "agency"], "msg": _("The agency is an id or `all`.")}])
    raw: dict[str, Any] = {"year": query.year, "agency": wanted}
    if query.start is not None:
        raw["from"] = query.start.isoformat()
    if query.end is not None:
        raw["to"] = query.end.isoformat()
    selection = Selection.from_query(request.user, raw, **options)
    if wanted not in ("", ALL) and (selection.agency is None or str(selection.agency.pk) != wanted):
        raise HttpError(404, _("Not found."))  # (a user of one agency is given theirs instead on a page)
    if selection.errors:
        raise QueryInvalid([{"loc": ["query"], "msg": message} for message in selection.errors])
    return selection
