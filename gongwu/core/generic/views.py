"""Generic pages for any registered model: list, detail, add/edit, delete, import, export.

A domain model gets all of them from one `ObjectViewSet` declaration (model, table, filterset, form,
ledger) and `urlpatterns += MyViewSet.urls("prefix")` in its app's urls.py.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from gongwu.core import autocomplete, services
from gongwu.core.generic import writes
from gongwu.core.generic.forms import save_form
from gongwu.core.generic.panels import panels_for
from gongwu.core.generic.tables import IdFirstPaginator
from gongwu.core.models import Action, Attachment, ChangeLogEntry, Job, JobStatus, VoidableModel, user_may
from gongwu.core.money import format_money

if TYPE_CHECKING:
    from gongwu.core.generic.filters import SearchFilterSet
    from gongwu.core.generic.forms import ScopedModelForm
    from gongwu.core.generic.ledger import Ledger
    from gongwu.core.http import SignedInRequest
    from gongwu.core.models import User
    from gongwu.core.models.scoping import ScopedRow

PER_PAGE_CHOICES = (25, 50, 100)


class ObjectViewSet:
    """Declaration of a model's pages. Subclass and set the attributes; then call `urls(prefix)`."""

    model: ClassVar[type[ScopedRow]]
    table: ClassVar[type]
    filterset: ClassVar[type[SearchFilterSet]]
    form: ClassVar[type[ScopedModelForm]]
    ledger: ClassVar[type[Ledger] | None] = None
    select_related: ClassVar[tuple[str, ...]] = ()
    prefetch_related: ClassVar[tuple[str, ...]] = ()
    detail_fields: ClassVar[tuple[str, ...] | None] = None
    money_fields: ClassVar[tuple[str, ...]] = ()
    # (title, function(obj, user) -> queryset, table class) shown under the object's fields
    related: ClassVar[tuple[tuple[Any, Callable[[Any, Any], QuerySet], type], ...]] = ()
    icon: ClassVar[str] = "ti-list"
    detail_template: ClassVar[str] = "core/object_detail.html"
    form_template: ClassVar[str] = "core/object_form.html"
    read_only: ClassVar[bool] = False  # no add, edit or delete pages (e.g. the change log)
    # The services that write this model's objects, keyword-only with `actor` (contract in generic/writes.py):
    # every page, API call, import and admin save ends in them. A domain service that writes child rows
    # (a project's milestones from its key dates) is named here.
    create_service: ClassVar[Callable[..., Any]] = services.create_object
    update_service: ClassVar[Callable[..., Any]] = services.update_object
    delete_service: ClassVar[Callable[..., Any]] = services.delete_object
    # A voidable model's void action: the domain service (instance, actor, reason) → instance that voids
    # what hangs on it too; core's `void_object` when None.
    void_service: ClassVar[Callable[..., Any] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__:
            writes.VIEWSETS.setdefault(cls.model, cls)

    @classmethod
    def voidable(cls) -> bool:
        return issubclass(cls.model, VoidableModel)

    @classmethod
    def void(cls, *, instance: ScopedRow, actor: User, reason: str) -> models.Model:
        if cls.void_service is not None:
            return cls.void_service(instance=instance, actor=actor, reason=reason)
        return services.void_object(instance=instance, actor=actor, reason=reason)

    @classmethod
    def extra_detail_context(cls, obj: Any, request: SignedInRequest) -> dict[str, Any]:
        """More for the detail page's template (a project's timeline, a task list's results …); `obj` is one of
        `model`'s, which an override names."""
        return {}

    @classmethod
    def namespace(cls) -> str:
        return cls.model._meta.app_label

    @classmethod
    def url_name(cls, view: str) -> str:
        return f"{cls.namespace()}:{cls.model._meta.model_name}_{view}"

    @classmethod
    def get_queryset(cls, user: User, action: str = Action.VIEW) -> QuerySet:
        queryset = cls.model.objects.for_user(user, action)
        if cls.select_related:
            queryset = queryset.select_related(*cls.select_related)
        if cls.prefetch_related:
            queryset = queryset.prefetch_related(*cls.prefetch_related)
        return queryset

    @classmethod
    def filtered(cls, request: SignedInRequest, action: str = Action.VIEW) -> Any:
        return cls.filterset(request.GET or None, queryset=cls.get_queryset(request.user, action), user=request.user)

    @classmethod
    def urls(cls, prefix: str) -> list[URLPattern]:
        name = cls.model._meta.model_name
        autocomplete.register(cls.model, getattr(cls.filterset, "search_fields", ()))
        patterns = [
            path(f"{prefix}/", ObjectListView.as_view(viewset=cls), name=f"{name}_list"),
            path(f"{prefix}/export/", ObjectExportView.as_view(viewset=cls), name=f"{name}_export"),
            path(f"{prefix}/<int:pk>/", ObjectDetailView.as_view(viewset=cls), name=f"{name}_detail"),
        ]
        if not cls.read_only:
            patterns += [
                path(f"{prefix}/add/", ObjectEditView.as_view(viewset=cls), name=f"{name}_add"),
                path(f"{prefix}/<int:pk>/edit/", ObjectEditView.as_view(viewset=cls), name=f"{name}_edit"),
                path(f"{prefix}/<int:pk>/delete/", ObjectDeleteView.as_view(viewset=cls), name=f"{name}_delete"),
            ]
        if cls.voidable():
            patterns.append(path(f"{prefix}/<int:pk>/void/", ObjectVoidView.as_view(viewset=cls), name=f"{name}_void"))
        if cls.ledger is not None:
            patterns.append(path(f"{prefix}/import/", ObjectImportView.as_view(viewset=cls), name=f"{name}_import"))
        return patterns


def display_value(obj: models.Model, field: models.Field, money_fields: tuple[str, ...] = ()) -> Any:
    value = getattr(obj, field.name)
    if field.name in money_fields:
        return format_money(value)
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if value in (None, ""):
        return "—"
    if field.is_relation and hasattr(value, "get_absolute_url"):
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(field, models.FileField):
        return value.name.rsplit("/", 1)[-1]
    return value


def configure_table(request: HttpRequest, table: Any, per_page: int) -> None:
    """Sort and page a table from the query string, at the page size given here.

    django-tables2 would otherwise take `per_page` straight from the query string, so `per_page=-1`
    crashed the page and `per_page=1000000` rendered every row.
    """
    table.per_page_field = "per_page_unchecked_"  # a name no link uses: the size passed here wins
    paginate = {"per_page": per_page, "silent": True, "paginator_class": IdFirstPaginator}
    RequestConfig(request, paginate=paginate).configure(table)


class ViewSetView(LoginRequiredMixin, View):
    # as_view(viewset=…) sets it, and takes only the names the class already has
    viewset: type[ObjectViewSet] = None  # type: ignore[assignment]
    request: SignedInRequest

    def require(self, action: str) -> None:
        if not user_may(self.request.user, self.viewset.model, action):
            raise PermissionDenied(
                _("You may not do this with %(things)s.") % {"things": self.meta.verbose_name_plural}
            )

    @property
    def meta(self) -> Any:
        return self.viewset.model._meta

    def base_context(self) -> dict[str, Any]:
        user, model = self.request.user, self.viewset.model
        return {
            "viewset": self.viewset,
            "meta": self.meta,
            "list_url": reverse(self.viewset.url_name("list")),
            "may_add": not self.viewset.read_only and user_may(user, model, Action.ADD),
            "may_export": user_may(user, model, Action.EXPORT),
            "may_import": self.viewset.ledger is not None and user_may(user, model, Action.IMPORT),
        }


class ObjectListView(ViewSetView):
    def get(self, request: SignedInRequest) -> HttpResponse:
        self.require(Action.VIEW)
        filterset = self.viewset.filtered(request)
        table = self.viewset.table(filterset.qs)
        try:
            per_page = int(request.GET.get("per_page", PER_PAGE_CHOICES[0]))
        except ValueError:
            per_page = PER_PAGE_CHOICES[0]
        per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
        configure_table(request, table, per_page)
        context = {
            **self.base_context(),
            "table": table,
            "filterset": filterset,
            "filter_form": filterset.form,
            "querystring": request.GET.urlencode(),
            "per_page": per_page,
            "per_page_choices": PER_PAGE_CHOICES,
        }
        template = "core/object_list.html"
        if request.htmx and not request.htmx.boosted:
            template += "#results"
        return render(request, template, context)


class ObjectDetailView(ViewSetView):
    def get(self, request: SignedInRequest, pk: int) -> HttpResponse:
        self.require(Action.VIEW)
        obj = get_object_or_404(self.viewset.get_queryset(request.user), pk=pk)
        return render(request, self.viewset.detail_template, self.detail_context(obj))

    def detail_context(self, obj: ScopedRow) -> dict[str, Any]:
        user = self.request.user
        names = self.viewset.detail_fields or [
            f.name for f in self.meta.concrete_fields if not f.primary_key and f.editable
        ]
        fields = [
            (
                self.meta.get_field(n).verbose_name,
                display_value(obj, self.meta.get_field(n), self.viewset.money_fields),
            )
            for n in names
        ]
        related: list[tuple[Any, Any]] = []
        for title, getter, table_class in self.viewset.related:
            table = table_class(getter(obj, user), prefix=f"r{len(related)}-")
            configure_table(self.request, table, 10)
            related.append((title, table))
        content_type = ContentType.objects.get_for_model(type(obj))
        history = []
        if user_may(user, ChangeLogEntry, Action.VIEW):
            history = list(
                ChangeLogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
                .select_related("actor")
                .order_by("-id")[:50]
            )
        may_change = (
            not self.viewset.read_only
            and getattr(obj, "voided_at", None) is None
            and type(obj).objects.for_user(user, Action.CHANGE).filter(pk=obj.pk).exists()
        )
        must_void = isinstance(obj, VoidableModel) and obj.must_void()
        may_delete = (
            not self.viewset.read_only
            and not must_void
            and type(obj).objects.for_user(user, Action.DELETE).filter(pk=obj.pk).exists()
        )
        may_void = self.viewset.voidable() and services.may_void(user, obj)
        return {
            **self.base_context(),
            "object": obj,
            "fields": fields,
            "related": related,
            "history": history,
            "attachments": Attachment.objects.filter(content_type=content_type, object_id=str(obj.pk)).select_related(
                "uploaded_by"
            ),
            "attachment_target": f"{content_type.pk}:{obj.pk}",
            "may_change": may_change,
            "may_delete": may_delete,
            "may_void": may_void,
            "void_url": reverse(self.viewset.url_name("void"), args=[obj.pk]) if may_void else "",
            "field_labels": {f.attname: f.verbose_name for f in self.meta.concrete_fields},
            "panels": panels_for(obj, self.request),  # what other apps add to this model's page
            **self.viewset.extra_detail_context(obj, self.request),
        }


class ObjectEditView(ViewSetView):
    @property
    def template_name(self) -> str:
        return self.viewset.form_template

    def get_object(self, pk: int | None) -> ScopedRow | None:
        if pk is None:
            self.require(Action.ADD)
            return None
        self.require(Action.CHANGE)
        obj = get_object_or_404(self.viewset.get_queryset(self.request.user, Action.VIEW), pk=pk)
        if not self.viewset.model.objects.for_user(self.request.user, Action.CHANGE).filter(pk=pk).exists():
            raise PermissionDenied(_("You may not change this record."))
        return obj

    def get(self, request: SignedInRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        initial = {k: v for k, v in request.GET.items() if k in self.viewset.form.base_fields} if obj is None else None
        form = self.viewset.form(instance=obj, initial=initial, user=request.user)
        return render(request, self.template_name, {**self.base_context(), "form": form, "object": obj})

    def post(self, request: SignedInRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        form = self.viewset.form(data=request.POST, files=request.FILES, instance=obj, user=request.user)
        if form.is_valid() and (instance := save_form(form, request.user)) is not None:
            messages.success(request, _("Saved “%(object)s”.") % {"object": instance})
            return HttpResponseRedirect(instance.get_absolute_url())
        return render(request, self.template_name, {**self.base_context(), "form": form, "object": obj}, status=422)


class ObjectDeleteView(ViewSetView):
    def get_object(self, pk: int) -> ScopedRow:
        self.require(Action.DELETE)
        obj = get_object_or_404(self.viewset.get_queryset(self.request.user), pk=pk)
        services.refuse_delete(obj)  # a record of supervision: voided, never deleted
        if not self.viewset.model.objects.for_user(self.request.user, Action.DELETE).filter(pk=pk).exists():
            raise PermissionDenied(_("You may not delete this record."))
        return obj

    def get(self, request: SignedInRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        return render(request, "core/object_confirm_delete.html", {**self.base_context(), "object": obj})

    def post(self, request: SignedInRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        try:
            self.viewset.delete_service(instance=obj, actor=request.user)
        except ProtectedError as exc:
            names = "、".join(sorted({force_str(o._meta.verbose_name) for o in exc.protected_objects}))
            messages.error(
                request,
                _("“%(object)s” cannot be deleted while other records refer to it (%(kinds)s).")
                % {"object": obj, "kinds": names},
            )
            return HttpResponseRedirect(obj.get_absolute_url())  # type: ignore[union-attr]  # a viewset's object has a page
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(obj.get_absolute_url())  # type: ignore[union-attr]
        messages.success(request, _("Deleted “%(object)s”.") % {"object": obj})
        return HttpResponseRedirect(reverse(self.viewset.url_name("list")))


class ObjectVoidView(ViewSetView):
    """Void a record with a reason (it stays in its list, marked, and drops out of the figures)."""

    template_name = "core/object_confirm_void.html"

    def get_object(self, pk: int) -> ScopedRow:
        obj = get_object_or_404(self.viewset.get_queryset(self.request.user), pk=pk)
        if not services.may_void(self.request.user, obj):
            raise PermissionDenied(_("You may not void this record."))
        return obj

    def get(self, request: SignedInRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        return render(request, self.template_name, {**self.base_context(), "object": obj})

    def post(self, request: SignedInRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        reason = request.POST.get("reason", "")
        try:
            self.viewset.void(instance=obj, actor=request.user, reason=reason)
        except ValidationError as exc:
            context = {**self.base_context(), "object": obj, "errors": exc.messages, "reason": reason}
            return render(request, self.template_name, context, status=422)
        messages.success(request, _("Voided “%(object)s”.") % {"object": obj})
        return HttpResponseRedirect(obj.get_absolute_url())  # type: ignore[union-attr]  # a viewset's object has a page


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ObjectExportView(ViewSetView):
    def get(self, request: SignedInRequest) -> HttpResponse:
        self.require(Action.EXPORT)
        if self.viewset.ledger is None:
            raise Http404
        ledger = self.viewset.ledger()
        stream = io.BytesIO()
        if request.GET.get("template"):
            ledger.write_xlsx([], stream)
            name = _("%(things)s import template") % {"things": self.meta.verbose_name_plural}
        else:
            filterset = self.viewset.filtered(request, Action.EXPORT)
            rows = filterset.qs
            if self.viewset.voidable() and request.GET.get("voided") != "voided":
                rows = rows.filter(voided_at__isnull=True)  # the ledger of what counts (voided: asked for)
            ledger.write_xlsx(rows.iterator(chunk_size=2000), stream)
            name = f"{self.meta.verbose_name_plural}-{timezone.localdate():%Y%m%d}"
        return xlsx_response(stream.getvalue(), f"{name}.xlsx")


class ObjectImportView(ViewSetView):
    template_name = "core/object_import.html"

    def get(self, request: SignedInRequest) -> HttpResponse:
        self.require(Action.IMPORT)
        if self.viewset.ledger is None:
            raise Http404
        return render(request, self.template_name, {**self.base_context(), "headers": self.viewset.ledger().headers()})

    def post(self, request: SignedInRequest) -> HttpResponse:
        """Keep the file and hand it to the worker, which checks every row (`tasks.check_import`); the
        person follows the check on the job's page, where the preview appears. The request itself reads
        nothing of the file, so it returns at once whatever the file holds."""
        from gongwu.core.tasks import check_import

        self.require(Action.IMPORT)
        if self.viewset.ledger is None:
            raise Http404
        context = {**self.base_context(), "headers": self.viewset.ledger().headers()}
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file to import.")
            return render(request, self.template_name, context, status=422)
        if (upload.size or 0) > settings.GONGWU_MAX_UPLOAD_MB * 1024 * 1024:
            context["error"] = _("The file is larger than %(mb)d MB.") % {"mb": settings.GONGWU_MAX_UPLOAD_MB}
            return render(request, self.template_name, context, status=422)
        if not (upload.name or "").lower().endswith((".xlsx", ".xlsm", ".csv")):
            context["error"] = _("Choose an Excel (.xlsx) or CSV (.csv) file.")
            return render(request, self.template_name, context, status=422)
        job = Job(
            kind="import",
            title=(
                _("Import %(things)s from %(file)s") % {"things": self.meta.verbose_name_plural, "file": upload.name}
            )[:200],
            params={
                "viewset": f"{self.viewset.__module__}.{self.viewset.__qualname__}",
                "filename": upload.name,
                "step": "check",
                "list_url": reverse(self.viewset.url_name("list")),
            },
            user=request.user,
            agency=request.user.agency,
        )
        with transaction.atomic():
            job.file.save(upload.name, upload, save=False)
            job.save()
            transaction.on_commit(lambda: check_import.enqueue(job_id=job.pk, language=request.LANGUAGE_CODE))
        return HttpResponseRedirect(job.get_absolute_url())


def confirm_import(request: HttpRequest, job: Job) -> None:
    """Queue a previewed import for the worker, once."""
    from gongwu.core.tasks import run_import

    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.PREVIEW:
            return
        locked.status = JobStatus.QUEUED
        locked.save(update_fields=["status"])
        transaction.on_commit(lambda: run_import.enqueue(job_id=locked.pk, language=request.LANGUAGE_CODE))
