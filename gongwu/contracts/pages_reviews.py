"""Pages of reviews and subcontracts beyond the generic ones: what the detail pages add (审减, warnings), the
双算 backlog (with its Excel export), and the panels on a project's page (its review history) and a contract's
page (its subcontracting against the limit, its reviews)."""

from __future__ import annotations

import io
from typing import Any

import django_tables2 as tables
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from gongwu.contracts import reviews
from gongwu.contracts.filters_reviews import BacklogFilterSet
from gongwu.contracts.models import Contract, ContractSettings, Review, Subcontract
from gongwu.contracts.tables_reviews import percent_text, record_link
from gongwu.core.generic.tables import DayColumn, ObjectTable
from gongwu.core.generic.views import configure_table, xlsx_response
from gongwu.core.models import Action, Role, user_may
from gongwu.core.spreadsheets import append_text_row
from gongwu.projects.models import Project

# ---- detail pages ----------------------------------------------------------------------------------------


def review_context(review: Review, request: HttpRequest) -> dict[str, Any]:
    reduction = review.reduction
    return {
        "contract_link": record_link(review.contract) if review.contract_id else "",
        "reduction": reduction,
        "reduction_rate": reviews.rate(reduction, review.submitted_amount) if reduction is not None else None,
        "increased": reduction is not None and reduction < 0,
    }


def subcontract_context(subcontract: Subcontract, request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"contract_link": record_link(subcontract.contract), "warnings": []}
    if request.user.role == Role.COMPANY and request.user.organization_id != subcontract.contract.contractor_id:
        return context  # the subcontractor sees its filing, not the main contract's other filings
    settings = reviews.settings_of(subcontract.contract.agency_id)
    state = reviews.subcontracting(subcontract.contract, settings)
    context.update(
        warnings=reviews.subcontract_warnings(subcontract),
        subcontracting=state,
        percent=percent_text(state.percent),
        days_late=reviews.days_late(subcontract, settings),
        filing_days=settings.subcontract_filing_days,
    )
    return context


# ---- the 双算 backlog ------------------------------------------------------------------------------------


def overdue_text(days: int | None, approved_on: Any, due: Any) -> str:
    if approved_on is not None:
        return _("approved %(day)s") % {"day": approved_on.isoformat()}
    if days:
        return _("%(days)s days overdue") % {"days": days}
    return _("due %(day)s") % {"day": due.isoformat()}


class BacklogTable(ObjectTable):
    project = tables.Column(verbose_name=gettext_lazy("project"), accessor="project", order_by=("project__code",))
    agency = tables.Column(verbose_name=gettext_lazy("owner agency"), accessor="project__agency")
    director = tables.Column(verbose_name=gettext_lazy("project director"), accessor="project__director")
    completed_on = DayColumn(verbose_name=gettext_lazy("completed on"))
    settlement = tables.Column(
        verbose_name=gettext_lazy("settlement review"), accessor="settlement_overdue", orderable=False, default=""
    )
    final = tables.Column(
        verbose_name=gettext_lazy("final accounts"), accessor="final_overdue", orderable=False, default=""
    )
    days_overdue = tables.Column(
        verbose_name=gettext_lazy("days overdue"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    def render_project(self, value: Project) -> str:
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)

    def render_settlement(self, record: reviews.BacklogRow) -> str:
        return self._state(record.settlement_overdue, record.settlement_approved_on, record.settlement_due)

    def render_final(self, record: reviews.BacklogRow) -> str:
        return self._state(record.final_overdue, record.final_approved_on, record.final_due)

    def _state(self, days: int | None, approved_on: Any, due: Any) -> str:
        colour = "red" if days else ("green" if approved_on else "secondary")
        return format_html('<span class="badge bg-{}-lt">{}</span>', colour, overdue_text(days, approved_on, due))

    def value_settlement(self, record: reviews.BacklogRow) -> str:
        return overdue_text(record.settlement_overdue, record.settlement_approved_on, record.settlement_due)


def may_see_backlog(user: Any) -> bool:
    """The agency's people who read its contract settings (not companies)."""
    return user_may(user, ContractSettings, Action.VIEW) and user_may(user, Review, Action.VIEW)


def backlog_export(rows: list[reviews.BacklogRow]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Settlement backlog")[:31]
    headers = [
        _("project code"),
        _("project name"),
        _("owner agency"),
        _("project director"),
        _("completed on"),
        _("settlement review"),
        _("final accounts"),
        _("days overdue"),
    ]
    append_text_row(sheet, headers)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        project = row.project
        append_text_row(
            sheet,
            [
                project.code,
                project.name,
                str(project.agency),
                str(project.director) if project.director_id else "",
                row.completed_on,
                overdue_text(row.settlement_overdue, row.settlement_approved_on, row.settlement_due),
                overdue_text(row.final_overdue, row.final_approved_on, row.final_due),
                row.days_overdue,
            ],
        )
    for letter, width in zip("ABCDEFGH", (14, 36, 20, 12, 12, 18, 18, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    stream = io.BytesIO()
    workbook.save(stream)
    name = f"{_('Settlement backlog')}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(stream.getvalue(), name)


@login_required
def backlog(request: HttpRequest) -> HttpResponse:
    """Projects completed and past their allowance without an approved settlement review or final accounts."""
    user = request.user
    if not may_see_backlog(user):
        raise PermissionDenied(_("You may not view the settlement backlog."))
    filterset = BacklogFilterSet(request.GET or None, queryset=Project.objects.for_user(user), user=user)
    rows = reviews.backlog_rows(filterset.qs, filterset.missing_kind())
    if request.GET.get("format") == "xlsx":
        return backlog_export(rows)
    table = BacklogTable(rows)
    configure_table(request, table, 50)
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {
        "table": table,
        "filter_form": filterset.form,
        "count": len(rows),
        "settlement_count": sum(1 for r in rows if r.settlement_overdue),
        "final_count": sum(1 for r in rows if r.final_overdue),
        "export_url": f"{reverse('contracts:settlement_backlog')}?{query.urlencode()}",
        "list_url": reverse("contracts:settlement_backlog"),
    }
    template = "contracts/backlog_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# ---- panels on other pages -------------------------------------------------------------------------------


def review_rows(found: Any) -> list[dict[str, Any]]:
    rows = []
    for review in found[:PANEL_ROWS]:
        reduction = review.reduction
        rows.append(
            {
                "review": review,
                "rate": percent_text(reviews.rate(reduction, review.submitted_amount)) if reduction is not None else "",
            }
        )
    return rows


PANEL_ROWS = 10


def project_reviews_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    """A project's review history (预算, 结算, 决算) with its totals."""
    user = request.user
    if not user_may(user, Review, Action.VIEW) or not isinstance(obj, Project):
        return None
    found = reviews.project_reviews(obj, user)
    may_add = (
        user_may(user, Review, Action.ADD) and Project.objects.for_user(user, Action.CHANGE).filter(pk=obj.pk).exists()
    )
    rows = review_rows(found)
    if not rows and not may_add:
        return None
    return {
        "template": "contracts/review_panel.html",
        "rows": rows,
        "totals": reviews.review_totals(found) if rows else None,
        "more": len(rows) == PANEL_ROWS,
        "list_url": reverse("contracts:review_list") + f"?project={obj.pk}",
        "add_url": reverse("contracts:review_add") + f"?project={obj.pk}" if may_add else "",
    }


def contract_subcontracts_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    """A main contract's subcontracting: its filings, the total against the limit, the warnings."""
    user = request.user
    if not isinstance(obj, Contract) or obj.kind not in reviews.MAIN_CONTRACT_KINDS:
        return None
    if not user_may(user, Subcontract, Action.VIEW):
        return None
    filings = list(
        Subcontract.objects.for_user(user).filter(contract=obj).select_related("company").order_by("filed_on", "id")
    )
    settings = reviews.settings_of(obj.agency_id)
    state = reviews.subcontracting(obj, settings)
    may_file = reviews.contract_choices(user).filter(pk=obj.pk).exists() and user_may(user, Subcontract, Action.ADD)
    if not filings and not may_file:
        return None
    return {
        "template": "contracts/subcontract_panel.html",
        "filings": [(f, reviews.days_late(f, settings)) for f in filings],
        "state": state,
        "percent": percent_text(state.percent),
        "warnings": reviews.contract_warnings(obj, settings),
        "list_url": reverse("contracts:subcontract_list") + f"?contract={obj.pk}",
        "add_url": reverse("contracts:subcontract_add") + f"?contract={obj.pk}" if may_file else "",
    }


def contract_reviews_panel(obj: models.Model, request: HttpRequest) -> dict[str, Any] | None:
    """The budget and settlement reviews of a contract."""
    user = request.user
    if not isinstance(obj, Contract) or not user_may(user, Review, Action.VIEW):
        return None
    found = Review.objects.for_user(user).filter(contract=obj).select_related("reviewer").order_by("-submitted_on")
    rows = review_rows(found)
    if not rows:
        return None
    return {
        "template": "contracts/review_panel.html",
        "rows": rows,
        "totals": reviews.review_totals(found),
        "more": len(rows) == PANEL_ROWS,
        "list_url": reverse("contracts:review_list") + f"?contract={obj.pk}",
        "add_url": "",
    }
