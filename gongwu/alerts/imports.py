"""The rectification ledger (整改台账): a list of tour findings or action items, imported and exported alike.

Columns as agencies keep them: 序号 (the case number), 问题, 问题描述, 责任单位, 责任人, 整改时限, 整改措施,
整改情况, 状态, plus 来源, 级别 and 类别. Import opens each new row as a case through the case form (numbered,
assigned when a responsible unit is named, on the timeline); an export of any filtered list re-imports
unchanged.

What the loop owns is not edited by import. A row finds its case by 序号; on an existing case only the
problem, its description, deadline, measures, level and kind change. 状态, 整改情况 (the response), 来源,
责任单位 and 责任人 must read as stored: the status and the response move through the case's actions
(`services.transition`, which checks who acts and keeps the timeline), and a new responsible unit is an
assignment. A differing cell is an error of its row, so the file is not imported at all and the user is
told which action to take instead, rather than believing a status changed when it did not (an empty
cell keeps what is stored). A 序号 that
is a plain row number (1, 2, 3 … as ledgers are numbered) or empty makes a new case; a case number that
matches no case is an error.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gongwu.alerts import owners, sources
from gongwu.alerts.forms import CaseForm
from gongwu.alerts.models import Case, Kind, Level, Status
from gongwu.core.generic.ledger import Column, ImportResult, Ledger
from gongwu.core.models import Action, User

ROW_ORDINAL = re.compile(r"^\d{1,6}$")
# Cells that must match the stored case, with the way to change each instead.
LOOP_FIELDS = ("status", "response", "source", "responsible_org", "responsible_person", "deadline")
RESPONSIBLE = {"responsible_org": "name", "responsible_person": "display_name"}  # the field that names each


def cell_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return force_str(raw).strip()


class CaseLedgerForm(CaseForm):
    """The case form with the ledger's defaults: 来源 巡察整改, a kind that follows the source, level yellow."""

    source = forms.ChoiceField(
        label=pgettext_lazy("case ledger", "Source"), choices=sources.case_source_choices, required=False
    )
    kind = forms.ChoiceField(label=pgettext_lazy("case ledger", "Category"), choices=Kind.choices, required=False)
    level = forms.ChoiceField(label=pgettext_lazy("case ledger", "Level"), choices=Level.choices, required=False)

    class Meta(CaseForm.Meta):
        fields = [*CaseForm.Meta.fields, "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opened_on = self.fields.get("opened_on")
        if opened_on is None:
            return  # an existing case: the day it was opened stays
        opened_on.required = False  # not a column: today for a new case, as stored for an existing one
        # A callable default makes Django compare with a hidden "initial-" input that a ledger row does
        # not have, so every existing case would count as changed.
        opened_on.show_hidden_initial = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        instance = self.instance
        new = instance.pk is None
        if new and not data.get("opened_on"):
            data["opened_on"] = timezone.localdate() if new else instance.opened_on
        source = data.get("source") or (sources.TOUR if new else instance.source)
        data["source"] = source
        # A person gives a new case only a source registered as `imported`; the others are opened by their
        # app's own code (a rule's scan, an inspection's notice). An unregistered one the field refused.
        registered = sources.SOURCES.get(source, sources.SOURCES[sources.TOUR])
        if new and not registered.imported:
            message = _("Cases from “%(source)s” are opened by the system, not imported.")
            self.add_error("source", message % {"source": registered.label})
        if not data.get("kind"):
            data["kind"] = (registered.kind or Kind.WARNING) if new else instance.kind
        if not data.get("level"):
            data["level"] = Level.YELLOW if new else instance.level
        if not new and self.has_changed():
            instance.version += 1  # as every change to a case: an action based on the old one is refused
        return data


class CaseLedger(Ledger):
    model = Case
    form = CaseLedgerForm
    sheet_title = pgettext_lazy("case ledger", "Rectification ledger")
    keys = (("number",),)
    columns = (
        Column("number", pgettext_lazy("case ledger", "No."), width=11),
        Column("title", pgettext_lazy("case ledger", "Problem"), width=32),
        Column("description", pgettext_lazy("case ledger", "Problem description"), width=40),
        Column("responsible_org", pgettext_lazy("case ledger", "Responsible unit"), lookup="name", width=22),
        Column("responsible_person", pgettext_lazy("case ledger", "Responsible person"), lookup="display_name"),
        Column("deadline", pgettext_lazy("case ledger", "Rectification deadline"), width=12),
        Column("measures", pgettext_lazy("case ledger", "Rectification measures"), width=36),
        Column("response", pgettext_lazy("case ledger", "Rectification progress"), width=36),
        Column("status", pgettext_lazy("case ledger", "Status"), width=10),
        Column("source", pgettext_lazy("case ledger", "Source"), width=12),
        Column("level", pgettext_lazy("case ledger", "Level"), width=6),
        Column("kind", pgettext_lazy("case ledger", "Category"), width=12),
    )

    def _related_pk(
        self, column: Column, model_field: Any, name: str, data: dict, user: User, cache: dict, errors: list[str]
    ) -> Any:
        """责任单位 and 责任人 are found among the choices of the case form (any company, one's own agency)."""
        key = (column.field, name)
        if key not in cache:
            queryset = CaseLedgerForm(user=user).fields[column.field].queryset
            cache[key] = list(queryset.filter(**{column.lookup: name}).values_list("pk", flat=True)[:2])
        found = cache[key]
        if len(found) == 1:
            return found[0]
        message = (
            _("%(column)s: no “%(value)s” found.")
            if not found
            else _("%(column)s: “%(value)s” matches more than one record.")
        )
        errors.append(message % {"column": force_str(column.header), "value": name})
        return None

    def form_data(self, values: dict[str, Any], user: User, cache: dict) -> tuple[dict[str, Any], list[str]]:
        number = cell_text(values.get("number"))
        if ROW_ORDINAL.match(number):
            number = ""  # the ledger's own row number, not a case number: a new case
        existing = self.find_existing({"number": number}, user) if number else None
        cells = values
        if existing is not None:
            # Compared by name with what is stored, not looked up: two people may share a name.
            values = {k: v for k, v in values.items() if k not in RESPONSIBLE}
        data, errors = super().form_data(values, user, cache)
        data["number"] = number
        if existing is not None:
            errors.extend(self.loop_changes(existing, data, cells))
            for name in LOOP_FIELDS:  # as stored (an empty cell keeps the stored value too)
                data.pop(name, None)
            if owners.owner_of(existing) is not None:
                # A notice's case follows its notice: an import changes nothing on it.
                form = self._build_form(dict(data), existing, user)
                if errors or not form.is_valid() or form.has_changed():
                    errors.insert(0, owners.refusal(existing))
        elif number:
            message = _(
                "%(column)s: no case numbered “%(number)s”. Leave it empty (or write a row number) to add a case."
            )
            errors.append(message % {"column": self.header("number"), "number": number})
        else:
            errors.extend(self.new_case_problems(data))
        return data, errors

    def header(self, field: str) -> str:
        return next(force_str(c.header) for c in self.columns if c.field == field)

    def loop_changes(self, case: Case, data: dict[str, Any], values: dict[str, Any]) -> list[str]:
        """Errors for cells the loop owns that differ from the stored case."""
        errors = []
        given: Any  # a cell's text, or the value the form made of it
        for name in LOOP_FIELDS:
            if name in RESPONSIBLE:
                related = getattr(case, name)
                given, stored = cell_text(values.get(name)), getattr(related, RESPONSIBLE[name], "") if related else ""
                shown = stored or "—"
            elif name == "deadline":
                given = data.get(name)
                stored = case.deadline.isoformat() if case.deadline else ""
                shown = stored or "—"
            else:
                field = Case._meta.get_field(name)
                given, stored = data.get(name), getattr(case, name)
                shown = (
                    getattr(case, f"get_{name}_display")()
                    if isinstance(field, models.Field) and field.choices
                    else (stored or "—")
                )
            if given in ("", None) or given == stored:
                continue
            if name == "status":
                message = _(
                    "%(column)s: the case is “%(stored)s”; a status changes only through the case's actions "
                    "(assign, respond, close …), not by import."
                )
            elif name == "response":
                message = _(
                    "%(column)s: the response is submitted by the responsible unit with the “respond” action, "
                    "not by import (stored: “%(stored)s”)."
                )
            elif name == "source":
                message = _("%(column)s: the source of a case does not change (stored: “%(stored)s”).")
            elif name == "deadline":
                message = _(
                    "%(column)s: a deadline is moved by the case's owners with the “change the deadline” action and "
                    "a reason, not by import (stored: “%(stored)s”)."
                )
            else:
                message = _(
                    "%(column)s: to give the case to someone else, use the “assign” action on the case "
                    "(stored: “%(stored)s”)."
                )
            errors.append(message % {"column": self.header(name), "stored": shown})
        return errors

    def new_case_problems(self, data: dict[str, Any]) -> list[str]:
        """A new case starts open (assigned when someone is responsible) with no response yet."""
        errors = []
        start = Status.ASSIGNED if data.get("responsible_org") or data.get("responsible_person") else Status.OPEN
        if data.get("status") not in (None, "", start):
            errors.append(
                _("%(column)s: a new case starts as “%(start)s”; later statuses are reached through its actions.")
                % {"column": self.header("status"), "start": Status(start).label}
            )
        if data.get("response"):
            errors.append(
                _("%(column)s: a new case has no response yet; the responsible unit submits it with “respond”.")
                % {"column": self.header("response")}
            )
        return errors

    def find_existing(self, data: dict[str, Any], user: User) -> Case | None:
        if not data.get("number"):
            return None
        queryset = Case.objects.for_user(user, Action.VIEW).filter(number=data["number"]).order_by("pk")
        if transaction.get_connection().in_atomic_block:
            # Applying: hold the row until the import commits, so a transition taken meanwhile waits and
            # is not overwritten with the status read here (the save writes every column).
            queryset = queryset.select_for_update()
        return queryset.first()

    def check_rows(self, rows: list[tuple[int, dict[str, Any]]], user: User, **kwargs: Any) -> ImportResult:
        result = super().check_rows(rows, user, **kwargs)
        if not kwargs.get("write"):
            # A new case gets its number when it is saved; the preview would show every new row with the same one.
            for row, (_number, values) in zip(result.rows, rows, strict=True):
                if row.action == "create":
                    row.label = force_str(values.get("title") or "")[:120]
        return result
