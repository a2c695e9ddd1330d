"""The project ledger (项目台账): the Excel layout agencies keep, imported and exported alike.

Besides the project's own fields it carries the key dates (construction permit, actual start,
completion acceptance), which the project's services store as an approval and milestones, and the tags
as names joined with 、. A row passes the same rules as the project form: a stage whose gate is not
met (在建 without a permit date) is an error of that row, and nothing is written.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.ledger import Column, Ledger
from gongwu.projects.forms import KEY_DATES, ParticipationForm, ProjectForm
from gongwu.projects.models import Approval, Milestone, Participation, Project


class ProjectLedger(Ledger):
    model = Project
    form = ProjectForm
    sheet_title = _("Project ledger")
    # A file without the agency column finds projects by code among those the user sees.
    keys = (("agency", "code"), ("code",))
    columns = (
        Column("code", _("project code"), width=14),
        Column("name", _("project name"), width=36),
        Column("agency", _("owner agency"), lookup="name", width=24),
        Column("parent", _("parent project code"), lookup="code", width=14),
        Column("category", _("category"), width=10),
        Column("area", _("area (片区)"), width=10),
        Column("department", _("responsible department"), lookup="name", width=14),
        Column("director", _("project director"), lookup="display_name", width=10),
        Column("delivery_method", _("delivery method"), width=12),
        Column("received_on", _("received on (接收)"), width=12),
        Column("received_source", _("received as"), width=14),
        Column("received_from", _("received from"), width=20),
        Column("tags", _("tags"), lookup="name", within="agency", width=14),
        Column("stage", _("stage"), width=8),
        Column("stage_entered_on", _("stage entered on"), width=12),
        Column("permit_date", _("construction permit date"), width=12),
        Column("start_date", _("actual start date"), width=12),
        Column("completion_date", _("completion acceptance date"), width=12),
        Column("approved_investment", _("approved total investment (元)"), width=18),
        Column("budget_estimate", _("budget estimate (概算, 元)"), width=18),
        Column("user_unit", _("user unit"), lookup="name", width=20),
        Column("address", _("address"), width=24),
        Column("latitude", _("latitude"), width=10),
        Column("longitude", _("longitude"), width=10),
        Column("uses_bim", _("BIM used"), width=8),
        Column("is_green", _("green building"), width=8),
        Column("is_near_zero_carbon", _("near-zero-carbon"), width=8),
        Column("is_prefabricated", _("prefabricated"), width=8),
        Column("prefabricated_area", _("prefabricated floor area (㎡)"), width=12),
        Column("school_places", _("school places"), width=8),
        Column("hospital_beds", _("hospital beds"), width=8),
        Column("parking_spaces", _("parking spaces"), width=8),
        Column("road_length_km", _("road length (km)"), width=8),
        Column("floor_area", _("floor area (㎡)"), width=12),
    )

    def prepare_export(self, objects: list[Project]) -> None:
        """The batch's key dates in two queries, read where the project form reads them (`forms.key_date`)."""
        super().prepare_export(objects)
        ids = [p.pk for p in objects]
        dates: dict[int, dict[str, datetime.date | None]] = {pk: {} for pk in ids}
        for name, (where, what) in KEY_DATES.items():
            if where == "approval":
                rows = (
                    Approval.objects.filter(project__in=ids, kind__role=what)
                    .exclude(actual_date=None)
                    .order_by("project", "kind__order", "id")  # as services.approval_date
                    .values_list("project", "actual_date")
                )
            else:
                rows = Milestone.objects.filter(project__in=ids, kind=what).values_list("project", "actual_date")
            for project_id, day in rows:
                dates[project_id].setdefault(name, day)
        self._key_dates = dates

    def form_value(self, obj: Project, name: str) -> Any:
        return getattr(self, "_key_dates", {}).get(obj.pk, {}).get(name)


class ParticipationLedger(Ledger):
    """Companies taking part in projects, entered by hand (a section's own are kept by the section)."""

    model = Participation
    form = ParticipationForm
    sheet_title = _("Participations")
    keys = (("project", "organization", "role", "started_on"),)
    columns = (
        Column("project", _("project code"), lookup="code", width=14),
        Column("organization", _("organization"), lookup="name", width=30),
        Column("role", _("role"), width=18),
        Column("started_on", _("started on"), width=12),
        Column("ended_on", _("ended on"), width=12),
        Column("note", _("note"), width=30),
    )
