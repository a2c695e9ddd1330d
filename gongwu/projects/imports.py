"""The project ledger (项目台账): the Excel layout agencies keep, imported and exported alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.ledger import Column, Ledger
from gongwu.projects.forms import ProjectForm
from gongwu.projects.models import Project


class ProjectLedger(Ledger):
    model = Project
    form = ProjectForm
    sheet_title = _("Project ledger")
    keys = (("agency", "code"),)
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
        Column("plan_year", _("plan year"), width=8),
        Column("plan_category", _("plan category"), width=10),
        Column("stage", _("stage"), width=8),
        Column("stage_entered_on", _("stage entered on"), width=12),
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
