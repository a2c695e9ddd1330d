from __future__ import annotations

import datetime
import os
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.http import require_POST

from gongwu.core import search, services
from gongwu.core.autocomplete import LIMIT as AUTOCOMPLETE_LIMIT
from gongwu.core.autocomplete import scoped_matches
from gongwu.core.figures import Selection, compute, registered_figures, require_agencies
from gongwu.core.filters import CalendarDayFilterSet, ChangeLogFilterSet, OrganizationFilterSet, UserFilterSet
from gongwu.core.forms import AttachmentForm, CalendarDayForm, OrganizationForm, TokenForm, UserForm
from gongwu.core.generic.views import ObjectViewSet, confirm_import
from gongwu.core.http import SignedInRequest
from gongwu.core.imports import CalendarDayLedger, ChangeLogLedger, OrganizationLedger
from gongwu.core.models import (
    Action,
    APIToken,
    Attachment,
    CalendarDay,
    ChangeLogEntry,
    Job,
    JobStatus,
    Organization,
    User,
    user_may,
)
from gongwu.core.tables import CalendarDayTable, ChangeLogTable, JobTable, OrganizationTable, UserTable


class OrganizationViews(ObjectViewSet):
    model = Organization
    table = OrganizationTable
    filterset = OrganizationFilterSet
    form = OrganizationForm
    ledger = OrganizationLedger
    select_related = ("parent",)
    icon = "ti-building"
    related = (
        (
            gettext_lazy("Organizations below"),
            lambda obj, user: Organization.objects.for_user(user).filter(parent=obj).select_related("parent"),
            OrganizationTable,
        ),
        (
            gettext_lazy("Users"),
            lambda obj, user: User.objects.for_user(user).filter(organization=obj).select_related("organization"),
            UserTable,
        ),
    )


class UserViews(ObjectViewSet):
    model = User
    table = UserTable
    filterset = UserFilterSet
    form = UserForm
    select_related = ("organization",)
    detail_fields = (
        "username",
        "display_name",
        "organization",
        "role",
        "email",
        "phone",
        "is_active",
        "last_login",
    )
    icon = "ti-users"


class ChangeLogViews(ObjectViewSet):
    model = ChangeLogEntry
    table = ChangeLogTable
    filterset = ChangeLogFilterSet
    form = None  # type: ignore[assignment]  # read only: no add or edit page
    ledger = ChangeLogLedger  # export only: nobody may import into the change log
    read_only = True
    select_related = ("content_type",)
    detail_template = "core/changelog_detail.html"
    icon = "ti-history"


class CalendarDayViews(ObjectViewSet):
    model = CalendarDay
    table = CalendarDayTable
    filterset = CalendarDayFilterSet
    form = CalendarDayForm
    ledger = CalendarDayLedger
    icon = "ti-calendar"


def register_search() -> None:
    search.register(OrganizationViews)
    search.register(UserViews)


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    counts = [
        (
            viewset.model._meta.verbose_name_plural,
            viewset.get_queryset(user).count(),
            reverse(viewset.url_name("list")),
        )
        for viewset in search.REGISTERED
        if user_may(user, viewset.model, Action.VIEW)
    ]
    recent = []
    if user_may(user, ChangeLogEntry, Action.VIEW):
        recent = list(ChangeLogEntry.objects.for_user(user).select_related("content_type").order_by("-id")[:10])
    jobs = list(Job.objects.for_user(user).order_by("-created")[:5])
    return render(request, "core/home.html", {"counts": counts, "recent": recent, "jobs": jobs})


@login_required
def global_search(request: SignedInRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = search.run(query, request.user) if query else []
    return render(request, "core/search.html", {"query": query, "results": results})


@login_required
def job_list(request: SignedInRequest) -> HttpResponse:
    table = JobTable(Job.objects.for_user(request.user))
    from django_tables2 import RequestConfig

    RequestConfig(request, paginate={"per_page": 25, "silent": True}).configure(table)
    return render(request, "core/job_list.html", {"table": table})


@login_required
def job_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.for_user(request.user), pk=pk)
    template = "core/job_detail.html#progress" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_file(request: SignedInRequest, pk: int) -> FileResponse:
    """The file a finished job produced (a report), for the person who started it."""
    job = get_object_or_404(Job.objects.for_user(request.user), pk=pk, status=JobStatus.DONE)
    if job.kind == "import" or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=os.path.basename(job.file.name))


@login_required
@require_POST
def job_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.for_user(request.user), pk=pk, kind="import")
    confirm_import(request, job)
    return HttpResponseRedirect(job.get_absolute_url())


def _attachment_parent(request: SignedInRequest, target: str, action: str) -> Any:
    try:
        content_type_id, object_id = target.split(":", 1)
        content_type = ContentType.objects.get_for_id(int(content_type_id))
    except (ValueError, ContentType.DoesNotExist) as exc:
        raise Http404 from exc
    model: Any = content_type.model_class()  # any model; only a scoped one has attachments (below)
    if model is None or not hasattr(model.objects, "for_user"):
        raise Http404
    parent = model.objects.for_user(request.user, Action.VIEW).filter(pk=object_id).first()
    if parent is None:
        raise Http404
    if action != Action.VIEW and not model.objects.for_user(request.user, action).filter(pk=object_id).exists():
        raise PermissionDenied(_("You may not change this record."))
    return parent


@login_required
@require_POST
def attachment_upload(request: SignedInRequest, target: str) -> HttpResponse:
    parent = _attachment_parent(request, target, Action.CHANGE)
    agency_id = services.owning_agency_id(parent) or getattr(request.user.agency, "pk", None)
    agency = Organization.objects.filter(pk=agency_id).first() if agency_id else None
    form = AttachmentForm(request.POST, request.FILES, agency=agency)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(parent.get_absolute_url())
    upload = form.cleaned_data["file"]
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(type(parent)),
        object_id=str(parent.pk),
        agency_id=agency_id,
        name=upload.name[:200],
        size=upload.size,
        mime_type=upload.gongwu_mime,
        description=form.cleaned_data["description"],
        uploaded_by=request.user,
    )
    with services.files_removed_on_failure():
        attachment.file.save(upload.name, upload, save=False)
        services.remember_stored_file(attachment.file.storage, attachment.file.name)
        attachment.save()
        services.log_change(
            instance=attachment,
            action="create",
            actor=request.user,
            before=None,
            after=services.snapshot(attachment),
        )
    messages.success(request, _("Attached “%(name)s”.") % {"name": attachment.name})
    return HttpResponseRedirect(parent.get_absolute_url())


def _visible_attachment(request: SignedInRequest, pk: int, action: str) -> tuple[Attachment, Any]:
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    parent = _attachment_parent(request, f"{attachment.content_type_id}:{attachment.object_id}", action)
    return attachment, parent


@login_required
def attachment_download(request: SignedInRequest, pk: int) -> FileResponse:
    attachment, _parent = _visible_attachment(request, pk, Action.VIEW)
    inline = attachment.is_image or attachment.mime_type == "application/pdf"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    attachment, parent = _visible_attachment(request, pk, Action.CHANGE)
    with transaction.atomic():
        services.log_change(
            instance=attachment,
            action="delete",
            actor=request.user,
            before=services.snapshot(attachment),
            after=None,
        )
        attachment.delete()
    transaction.on_commit(lambda: attachment.file.delete(save=False))
    messages.success(request, _("Removed “%(name)s”.") % {"name": attachment.name})
    return HttpResponseRedirect(parent.get_absolute_url())


@login_required
def token_list(request: SignedInRequest) -> HttpResponse:
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        expires = timezone.now() + datetime.timedelta(days=form.cleaned_data["days"])
        _token, new_token = APIToken.issue(user=request.user, name=form.cleaned_data["name"], expires=expires)
        form = TokenForm()
    tokens = APIToken.objects.filter(user=request.user)
    return render(request, "core/token_list.html", {"tokens": tokens, "form": form, "new_token": new_token})


@login_required
@require_POST
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(APIToken, pk=pk, user=request.user)
    token.delete()
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return HttpResponseRedirect(reverse("core:token_list"))


@login_required
def autocomplete(request: SignedInRequest, label: str) -> JsonResponse:
    """At most 20 rows of a model that the user may view, matching `q` (see gongwu/core/autocomplete.py)."""
    found = scoped_matches(request.user, label, request.GET.get("q", "")[:100], request.GET.get("scope", ""))
    if found is None:
        raise Http404
    return JsonResponse({"results": found[:AUTOCOMPLETE_LIMIT], "more": len(found) > AUTOCOMPLETE_LIMIT})


def healthz(request: HttpRequest) -> HttpResponse:
    Organization.objects.exists()
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Not found: JSON under /api/ (a path no operation matches, e.g. `/api/projects/abc/`), else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


@login_required
def figures_page(request: SignedInRequest) -> HttpResponse:
    """Every registered figure the user may read, for a period and one agency or all they may see, grouped by the
    app that registers it (`?of=contracts` narrows to one app): each card links to the records it counts."""
    sel = Selection.from_request(request)
    require_agencies(sel)
    specs = [spec for spec in registered_figures() if spec.visible_to(request.user)]
    groups_offered = sorted({spec.key.split(".", 1)[0] for spec in specs}, key=app_order)
    chosen = [label for label in request.GET.getlist("of") if label in groups_offered] or groups_offered
    groups = []
    for label in chosen:
        shown, unsupported = [], []
        for spec in specs:
            if spec.key.split(".", 1)[0] != label:
                continue
            if spec.supports(sel):
                shown.append(compute(spec.key, sel))
            else:
                unsupported.append(spec.label)
        groups.append(
            {
                "label": label,
                "title": apps.get_app_config(label).verbose_name,
                "figures": shown,
                "unsupported": unsupported,
            }
        )
    offered = [(label, apps.get_app_config(label).verbose_name) for label in groups_offered]
    context = {
        "sel": sel,
        "groups": groups,
        "offered": offered,
        "chosen": chosen if len(chosen) < len(groups_offered) else [],
    }
    return render(request, "core/figures.html", context, status=422 if sel.errors else 200)


def app_order(label: str) -> int:
    """Figures come in the order of the apps in INSTALLED_APPS (the money chain's order)."""
    names = [config.label for config in apps.get_app_configs()]
    return names.index(label) if label in names else len(names)
