"""The admin site, for superusers. Saves and deletes go through the same services as every other path."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import HttpRequest

from gongwu.core.generic import writes
from gongwu.core.http import signed_in_user
from gongwu.core.models import APIToken, Attachment, CalendarDay, ChangeLogEntry, Job, Organization, User, VoidableModel


class ServiceAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> Any:
        return self.model.objects.for_user(request.user, "view")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Through the services the model's viewset names (with the form's many-to-many data)."""
        writes.write_instance(instance=obj, actor=signed_in_user(request), data=form.cleaned_data)

    def __init__(self, model: Any, admin_site: Any) -> None:
        if self.inlines:  # refused when the site starts, not when someone first saves
            raise ImproperlyConfigured(
                f"{type(self).__name__}: inlines would write outside the services; give the model its own page."
            )
        super().__init__(model, admin_site)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service has set the many-to-many data; the form writes nothing itself (no `save_m2m`)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A record of supervision is voided, never deleted (on its page, with a reason), not here."""
        if issubclass(self.model, VoidableModel) and (obj is None or obj.must_void()):
            return False  # nor in bulk from the list
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        writes.delete_record(instance=obj, actor=signed_in_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                writes.delete_record(instance=obj, actor=signed_in_user(request))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """A record the model refuses to delete (the last administrator) is shown as protected, with the reason:
        the admin then deletes nothing, as it does for records that others refer to."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            try:
                getattr(obj, "validate_delete", lambda: None)()
            except ValidationError as exc:
                protected = [*protected, " ".join(exc.messages)]
        return deleted, counts, perms_needed, protected


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ("name", "kind", "credit_code", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("parent",)


@admin.register(User)
class GongwuUserAdmin(UserAdmin, ServiceAdmin):
    list_display = ("username", "display_name", "organization", "role", "is_active", "is_superuser")
    list_filter = ("role", "is_active", "is_superuser")
    raw_id_fields = ("organization",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Gongwu", {"fields": ("display_name", "organization", "role", "phone")}),
    )


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(admin.ModelAdmin):
    list_display = ("time", "actor_name", "action", "content_type", "object_repr", "source", "request_id")
    list_filter = ("action", "source", "content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment, Job, APIToken)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FormAdmin(ServiceAdmin):
    """A ServiceAdmin whose form is the app's own ScopedModelForm (given the signed-in user)."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form_class):  # type: ignore[misc,valid-type]  # a subclass of the form made at run time
            def __init__(self, *args: Any, **inner: Any) -> None:
                inner.setdefault("user", request.user)
                super().__init__(*args, **inner)

        return WithUser


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    list_display = ("date", "kind", "name", "notice")
    list_filter = ("kind",)
    search_fields = ("name", "notice")
