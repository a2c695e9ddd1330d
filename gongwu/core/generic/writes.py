"""The one write path of the generic machinery.

A model's `ObjectViewSet` names the services that create, update and delete its objects (keyword-only, with
`actor`); the pages, the API (`crud_router`), the Excel ledger and the admin all write through `write_form`
and `delete_record`, so a form only validates and every row the services write is logged.

The service contract: ``create_service(*, instance, actor, data)`` and ``update_service(*, instance, actor,
data)`` return the saved object, where `data` is the form's cleaned data (many-to-many values and the
form's own fields, such as a project's key dates); ``delete_service(*, instance, actor)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from gongwu.core import services

if TYPE_CHECKING:
    from gongwu.core.generic.views import ObjectViewSet
    from gongwu.core.models import User
    from gongwu.core.models.scoping import ScopedRow

# Every declared viewset by its model (one per model), filled as the viewsets are defined
# (`ObjectViewSet.__init_subclass__`), so a ledger or the admin finds the services of its model.
VIEWSETS: dict[type[models.Model], type[ObjectViewSet]] = {}


def viewset_for(model: type[models.Model]) -> type[ObjectViewSet] | None:
    return VIEWSETS.get(model)


def write_instance(*, instance: ScopedRow, actor: User, data: dict[str, Any]) -> ScopedRow:
    """Create or update `instance` (built from a validated form) through its viewset's services."""
    viewset = viewset_for(type(instance))
    if instance._state.adding:
        create = viewset.create_service if viewset is not None else services.create_object
        return create(instance=instance, actor=actor, data=data)
    update = viewset.update_service if viewset is not None else services.update_object
    return update(instance=instance, actor=actor, data=data)


def write_form(form: forms.ModelForm, actor: User) -> ScopedRow:
    """Write a valid model form's object through the services. Raises the services' ValidationError or
    PermissionDenied. The form's own `save_m2m` is never called: the service sets the relations."""
    instance = form.save(commit=False)
    return write_instance(instance=instance, actor=actor, data=form.cleaned_data)


def delete_record(*, instance: ScopedRow, actor: User) -> None:
    viewset = viewset_for(type(instance))
    delete = viewset.delete_service if viewset is not None else services.delete_object
    delete(instance=instance, actor=actor)
