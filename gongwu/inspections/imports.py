"""The inspection ledger (检查台账) and the findings ledger (整改台账) in Excel.

Both carry their record's number (检查编号, 问题编号) as the first column: an exported row finds its
record again by it, and a row with the number left empty is a new record. A finding names its
inspection by the inspection's number (shown on the inspection's page and in the inspection ledger)
within the row's project; when the number is left empty, the inspection date (检查日期) finds the
project's one inspection of that day. Columns the pages compute (score and grade, a finding's status,
notice number and rectification) are exported and ignored on import.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.generic.ledger import Column, Ledger
from gongwu.core.models import Action, Organization
from gongwu.inspections.forms import FindingForm, InspectionForm
from gongwu.inspections.models import Finding, FindingStatus, Inspection


class RecordLedger(Ledger):
    """A ledger keyed by the record's number: empty for a new record, one that exists for a change."""

    keys = (("id",),)

    def form_data(self, values: dict[str, Any], user: Any, cache: dict) -> tuple[dict[str, Any], list[str]]:
        data, errors = super().form_data(values, user, cache)
        number = data.get("id")
        visible = self.model.objects.for_user(user, Action.VIEW)
        if number not in (None, "") and not (str(number).isdigit() and visible.filter(pk=int(number)).exists()):
            errors.append(
                _("%(column)s: no “%(value)s” found; leave it empty for a new record.")
                % {"column": force_str(self.columns[0].header), "value": number}
            )
        return data, errors


class InspectionLedger(RecordLedger):
    model = Inspection
    form = InspectionForm
    sheet_title = gettext_lazy("Inspection ledger")
    export_only = ("score", "grade")
    columns = (
        Column("id", gettext_lazy("inspection no."), width=8),
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("section", gettext_lazy("section"), lookup="name", within="project", width=10),
        Column("kind", gettext_lazy("kind of inspection"), width=18),
        Column("topic", gettext_lazy("topic"), width=14),
        Column("level", gettext_lazy("level"), width=16),
        Column("inspecting_org", gettext_lazy("inspecting organization"), lookup="name", width=24),
        Column("started_at", gettext_lazy("inspected at"), width=17),
        Column("weather", gettext_lazy("weather"), width=8),
        Column("result", gettext_lazy("result"), width=30),
        Column("score", gettext_lazy("score"), width=8),
        Column("grade", gettext_lazy("grade"), width=8),
    )


class FindingImportForm(FindingForm):
    """The finding form without photos, which a ledger row cannot carry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["photos"]

    def _post_clean(self) -> None:
        # A closed finding exported and imported back unchanged is no change to refuse.
        if self.instance.pk and self.instance.status == FindingStatus.CLOSED and not self.has_changed():
            return
        super()._post_clean()


class FindingLedger(RecordLedger):
    """整改台账: one row per finding, in the layout agencies keep."""

    model = Finding
    form = FindingImportForm
    sheet_title = gettext_lazy("Rectification ledger")
    export_only = ("found_on", "status", "notice", "rectification")
    columns = (
        Column("id", gettext_lazy("finding no."), width=8),
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("inspection", gettext_lazy("inspection no."), lookup="pk", within="project", width=8),
        Column("found_on", gettext_lazy("inspection date"), width=12),
        Column("category", gettext_lazy("category"), width=14),
        Column("severity", gettext_lazy("severity"), width=10),
        Column("description", gettext_lazy("description"), width=36),
        Column("location", gettext_lazy("location on site"), width=16),
        Column("responsible_org", gettext_lazy("responsible company"), lookup="name", width=24),
        Column("regulation", gettext_lazy("regulation broken"), width=20),
        Column("deadline", gettext_lazy("deadline"), width=12),
        Column("status", gettext_lazy("status"), width=10),
        Column("notice", gettext_lazy("notice number"), lookup="number", width=16),
        Column("rectification", gettext_lazy("rectification"), width=30),
    )

    def _required(self, column: Column) -> bool:
        # The inspection may be named by its date instead of its number.
        return column.field != "inspection" and super()._required(column)

    def form_data(self, values: dict[str, Any], user: Any, cache: dict) -> tuple[dict[str, Any], list[str]]:
        data, errors = super().form_data(values, user, cache)
        if data.get("inspection") in (None, "") and not errors:
            self._inspection_by_date(values.get("found_on"), data, user, errors)
        org = data.get("responsible_org")
        if org not in (None, ""):
            found = Organization.objects.filter(pk=org).first()
            if found is not None and not found.is_company:
                errors.append(
                    _("%(column)s: “%(value)s” is not a company; a finding is addressed to a company.")
                    % {"column": force_str(self.columns[8].header), "value": found.name}
                )
        return data, errors

    def _inspection_by_date(self, raw: Any, data: dict[str, Any], user: Any, errors: list[str]) -> None:
        header = force_str(self.columns[2].header)
        day = raw.date() if isinstance(raw, datetime.datetime) else raw
        if isinstance(day, str):
            try:
                day = datetime.date.fromisoformat(day.strip())
            except ValueError:
                day = None
        if not isinstance(day, datetime.date) or data.get("project") in (None, ""):
            errors.append(
                _("%(column)s: give the inspection's number, or the project and the inspection date.")
                % {"column": header}
            )
            return
        found = list(
            Inspection.objects.for_user(user, Action.VIEW)
            .filter(project=data["project"], started_at__date=day)
            .values_list("pk", flat=True)[:2]
        )
        if len(found) == 1:
            data["inspection"] = found[0]
        else:
            errors.append(
                (
                    _("%(column)s: the project has no inspection on %(day)s.")
                    if not found
                    else _("%(column)s: the project has more than one inspection on %(day)s; give its number.")
                )
                % {"column": header, "day": day.isoformat()}
            )
