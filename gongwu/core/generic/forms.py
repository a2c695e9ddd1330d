from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongwu.core.autocomplete import fast_select, use_autocomplete
from gongwu.core.models import Action, OrganizationKind

if TYPE_CHECKING:
    from gongwu.core.models import User


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose object choices only offer what the user may see.

    The same form validates a page submission, an API payload and an import row, so each path
    gets the same field rules and messages.
    """

    # Forms here set and read a field's own attributes (a choice field's `queryset`) by its name.
    fields: dict[str, Any]

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user") and user is not None:
                field.queryset = queryset.for_user(user, Action.VIEW)
            use_autocomplete(field)
            widget = field.widget
            fast_select(widget)
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"


class AgencyForm(ScopedModelForm):
    """A form for a record owned by an agency: the choice lists agencies only; left empty, the user's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        agency.queryset = agency.queryset.filter(kind=OrganizationKind.AGENCY)
        agency.required = False
        agency.help_text = _("Left empty: your own agency.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("agency") and self.user is not None and not self.instance.agency_id:
            data["agency"] = self.user.agency
            self.instance.agency = data["agency"]
        return data


def add_model_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a model's validation errors on the form: on their field when the form has it, else on top.

    (`form.add_error` raises ValueError for a field the form does not have, which would be a 500.)
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def save_form(form: forms.ModelForm, actor: User) -> Any | None:
    """Save a valid model form through its viewset's services (`writes.write_form`: create or update, with
    the m2m data, what goes with the object, and the change log).

    Returns the saved object, or None after putting the model's validation errors on the form.
    """
    from gongwu.core.generic.writes import write_form

    try:
        return write_form(form, actor)
    except ValidationError as exc:
        add_model_errors(form, exc)
        return None
