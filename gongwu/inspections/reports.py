"""The figures page, the weekly and quarterly summaries (周报告, 季小结) and the Word documents.

The figures are read in figures.py over a core `Selection` (the period and the agencies the user may see, one
or all); every number on the figures page links to the list of exactly what it counts, in the list filters of
`filters.py`; the summaries write the same figures as the sentences of an agency's report.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts.models import DONE_STATUSES
from gongwu.core.figures import Selection, number, require_agencies
from gongwu.core.models import Action, user_may
from gongwu.core.periods import Period
from gongwu.inspections import figures, services
from gongwu.inspections.filters import NOTICE_STATES
from gongwu.inspections.models import (
    FindingCategory,
    Inspection,
    Level,
    NoticeKind,
    RectificationNotice,
    Severity,
)

NOTICE_TITLES = {
    NoticeKind.SAFETY: "安全督导通知书",
    NoticeKind.QUALITY: "质量督导通知书",
    NoticeKind.RECTIFICATION: "整改通知书",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# ---- who sees what ------------------------------------------------------------------------------


def selection(request: HttpRequest, period: Period | None = None) -> Selection:
    """The agencies whose figures the user may see and the one chosen (`?agency=`), over the page's period (the
    summaries give theirs); a company's users and roles that may not view inspections see none (403)."""
    if not user_may(request.user, Inspection, Action.VIEW):
        raise PermissionDenied(_("You may not view the inspection figures."))
    if period is None:
        sel = Selection.from_request(request)
    else:
        sel = replace(Selection.from_query(request.user, {"agency": request.GET.get("agency", "")}), period=period)
    require_agencies(sel, _("You may not view the inspection figures."))
    return sel


# ---- the figures page ---------------------------------------------------------------------------


def trend_chart(trend: dict[int, list], sel: Selection) -> dict[str, Any]:
    """The JGJ 59 score trend: one line per project, the score of each scored inspection by its date."""
    return {
        "kind": "trend",
        "name": _("JGJ 59 score"),
        "series": [
            {
                "name": points[0][0],
                "url": figures.inspections_url(sel, project=project_id),
                "points": [[day.isoformat(), float(score)] for _name, day, score, _grade in points],
            }
            for project_id, points in trend.items()
        ],
    }


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    sel = selection(request)
    agency_ids, period = sel.agency_ids, sel.period
    counted = figures.period_figures(agency_ids, period.start, period.end)
    trend = figures.score_trend(agency_ids, period.start, period.end)
    sections = figures.page_figures(counted, sel, figures.hazardous_works_under_way(agency_ids))
    sections["charts"]["trend"] = trend_chart(trend, sel)
    agency_query = "?" + urlencode({"agency": sel.agency.pk}) if sel.agency else ""
    context = {
        "sel": sel,
        "figures": counted,
        "casualties": figures.casualties(agency_ids, period),
        "has_trend": bool(trend),
        "week_url": reverse("inspections:summary", args=["week"]) + agency_query,
        "quarter_url": reverse("inspections:summary", args=["quarter"]) + agency_query,
        **sections,
    }
    return render(request, "inspections/figures.html", context, status=422 if sel.errors else 200)


# ---- the weekly and quarterly summaries ---------------------------------------------------------


@dataclass(frozen=True)
class SummaryPeriod:
    kind: str  # "week" or "quarter"
    period: Period
    title: str
    query: dict[str, str]


def week_of(day: datetime.date) -> Period:
    """The ISO week (Monday to Sunday) containing `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return Period(monday, monday + datetime.timedelta(days=6))


def quarter_of(year: int, quarter: int) -> Period:
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return Period(start, end - datetime.timedelta(days=1))


def summary_period(kind: str, query: Any) -> tuple[SummaryPeriod, list[str]]:
    """The week of `?date=` (by default last week, the one a 周报告 reports) or the quarter of `?year=&quarter=`
    (this quarter by default), with messages for bad input."""
    today = timezone.localdate()
    errors: list[str] = []
    if kind == "week":
        last_week = today - datetime.timedelta(days=7)
        try:
            day = datetime.date.fromisoformat(query["date"]) if query.get("date") else last_week
        except ValueError:
            errors.append(_("Dates are written YYYY-MM-DD."))
            day = today
        period = week_of(day)
        year, week, _weekday = period.start.isocalendar()
        title = _("Weekly report, week %(week)d of %(year)d (%(start)s – %(end)s)") % {
            "week": week,
            "year": year,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
        return SummaryPeriod(kind, period, title, {"date": period.start.isoformat()}), errors
    if kind == "quarter":
        try:
            year = int(query.get("year") or today.year)
            quarter = int(query.get("quarter") or (today.month - 1) // 3 + 1)
            if not (1990 <= year <= 2100 and 1 <= quarter <= 4):
                raise ValueError
        except ValueError:
            errors.append(_("Give a year between 1990 and 2100 and a quarter from 1 to 4."))
            year, quarter = today.year, (today.month - 1) // 3 + 1
        period = quarter_of(year, quarter)
        title = _("Quarterly summary, Q%(quarter)d %(year)d (%(start)s – %(end)s)") % {
            "quarter": quarter,
            "year": year,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
        return SummaryPeriod(kind, period, title, {"year": str(year), "quarter": str(quarter)}), errors
    raise Http404


def summary_sentences(kind: str, counted: figures.PeriodFigures, deaths: int) -> list[str]:
    """The period's figures written the way the agencies' reports write them."""
    when = _("This week") if kind == "week" else _("This quarter")
    levels, severities, notice_kinds = counted.by_level, counted.by_severity, counted.notices_by_kind
    sentences = [
        _(
            "%(when)s %(safety)d safety inspections and %(quality)d quality inspections were carried out "
            "(%(self)d self-checks, %(spot)d spot checks, %(supervision)d supervisory inspections)."
        )
        % {
            "when": when,
            "safety": counted.safety,
            "quality": counted.quality,
            "self": levels.get(Level.SELF, 0),
            "spot": levels.get(Level.SPOT, 0),
            "supervision": levels.get(Level.SUPERVISION, 0),
        },
        _(
            "%(findings)d findings were recorded (%(serious)d serious, %(major)d major, %(general)d general); "
            "%(closed)d have been closed, a closure rate of %(rate)s."
        )
        % {
            "findings": counted.findings,
            "serious": severities.get(Severity.SERIOUS, 0),
            "major": severities.get(Severity.MAJOR, 0),
            "general": severities.get(Severity.GENERAL, 0),
            "closed": counted.closed,
            "rate": f"{counted.closure_rate}%" if counted.closure_rate is not None else "—",
        },
        _(
            "%(notices)d notices were issued (%(safety)d safety supervision notices, %(quality)d quality "
            "supervision notices, %(rectification)d rectification notices); %(closed)d have been closed "
            "and %(overdue)d are overdue."
        )
        % {
            "notices": counted.notices,
            "safety": notice_kinds.get(NoticeKind.SAFETY, 0),
            "quality": notice_kinds.get(NoticeKind.QUALITY, 0),
            "rectification": notice_kinds.get(NoticeKind.RECTIFICATION, 0),
            "closed": counted.notices_closed,
            "overdue": counted.notices_overdue,
        },
    ]
    if counted.average_days is not None:
        sentences.append(
            _("Closed findings took %(days)s days on average to rectify.") % {"days": number(counted.average_days)}
        )
    if counted.accidents:
        sentences.append(
            _("%(n)d production-safety accidents occurred, with %(deaths)d deaths.")
            % {"n": counted.accidents, "deaths": deaths}
        )
    else:
        sentences.append(_("No production-safety accident occurred."))
    return sentences


def open_notices(agency_ids: list[int], end: datetime.date) -> list[dict[str, Any]]:
    """Notices issued up to the period's end and not yet closed, overdue ones first."""
    notices = (
        RectificationNotice.objects.filter(agency__in=agency_ids, issued_on__lte=end, voided_at__isnull=True)
        .exclude(case__status__in=DONE_STATUSES)
        .select_related("project", "company", "case")
        .order_by("deadline", "id")[:100]
    )
    states = dict(NOTICE_STATES)
    rows = []
    for notice in notices:
        state = services.notice_status(notice)
        rows.append({"notice": notice, "overdue": state == "overdue", "state": states[state]})
    return rows


def summary_context(request: HttpRequest, kind: str) -> dict[str, Any]:
    chosen, errors = summary_period(kind, request.GET)
    sel = selection(request, chosen.period)
    agency_ids = sel.agency_ids
    counted = figures.period_figures(agency_ids, chosen.period.start, chosen.period.end)
    deaths = figures.casualties(agency_ids, chosen.period)["deaths"]
    categories = dict(FindingCategory.choices)
    query = {**chosen.query, **({"agency": str(sel.agency.pk)} if sel.agency else {})}
    return {
        "kind": kind,
        "title": chosen.title,
        "period": chosen.period,
        "errors": [*errors, *sel.errors],
        "sel": sel,
        "heading": str(sel.agency) if sel.agency else "",
        "sentences": summary_sentences(kind, counted, deaths),
        "open_notices": open_notices(agency_ids, chosen.period.end),
        "recurring": [
            {**row, "category_label": categories.get(row["category"], row["category"])} for row in counted.recurring
        ],
        "worst": figures.ranked(counted.companies)[:5],
        "period_query": chosen.query,
        "docx_url": reverse("inspections:summary_docx", args=[kind]) + "?" + urlencode(query),
        "figures_url": reverse("inspections:figures") + "?" + sel.querystring(),
    }


@login_required
def summary(request: HttpRequest, period: str) -> HttpResponse:
    context = summary_context(request, period)
    return render(request, "inspections/summary.html", context, status=422 if context["errors"] else 200)


# ---- Word documents -----------------------------------------------------------------------------


def new_document() -> Any:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    return document


def table_of(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def docx_response(document: Any, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    document.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def summary_docx(request: HttpRequest, period: str) -> HttpResponse:
    context = summary_context(request, period)
    document = new_document()
    document.add_heading(context["title"], level=1)
    if context["heading"]:
        document.add_paragraph(context["heading"])
    for sentence in context["sentences"]:
        document.add_paragraph(sentence)
    document.add_heading(_("Notices still open"), level=2)
    if context["open_notices"]:
        table_of(
            document,
            [_("Number"), _("Project"), _("Addressed to"), _("Deadline"), _("Status")],
            [
                [
                    row["notice"].number,
                    row["notice"].project.name,
                    row["notice"].company.name,
                    row["notice"].deadline.isoformat(),
                    row["state"],
                ]
                for row in context["open_notices"]
            ],
        )
    else:
        document.add_paragraph(_("None."))
    document.add_heading(_("Recurring problems"), level=2)
    if context["recurring"]:
        table_of(
            document,
            [_("Project"), _("Category"), _("Findings"), _("Last found")],
            [
                [r["project__name"], str(r["category_label"]), str(r["n"]), r["last"].isoformat()]
                for r in context["recurring"]
            ],
        )
    else:
        document.add_paragraph(_("None."))
    document.add_heading(_("Companies with the most findings"), level=2)
    if context["worst"]:
        table_of(
            document,
            [_("Company"), _("Findings"), _("Serious"), _("Closed"), _("Closure rate")],
            [
                [
                    c["responsible_org__name"],
                    str(c["n"]),
                    str(c["serious"]),
                    str(c["closed"]),
                    f"{c['closure_rate']}%" if c["closure_rate"] is not None else "—",
                ]
                for c in context["worst"]
            ],
        )
    else:
        document.add_paragraph(_("None."))
    start = context["period"].start.isoformat()
    return docx_response(document, f"{period}-{start}.docx")


@login_required
def notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as the printable document the company receives; a company gets only its own notices."""
    notice = get_object_or_404(
        RectificationNotice.objects.for_user(request.user).select_related("agency", "project", "section", "company"),
        pk=pk,
    )
    document = new_document()
    title = document.add_heading(NOTICE_TITLES.get(notice.kind, notice.get_kind_display()), level=0)
    title.alignment = 1  # centred
    number_line = document.add_paragraph(notice.number)
    number_line.alignment = 1
    document.add_paragraph(f"{notice.company.name}：")
    project = notice.project.name + (f"（{notice.section.name}）" if notice.section_id else "")
    document.add_paragraph(_("Project: %(project)s") % {"project": project})
    document.add_paragraph(
        _("On inspection, the following problems were found. Rectify them within the deadline and report back:")
    )
    findings = list(notice.findings.order_by("id"))
    table_of(
        document,
        [_("No."), _("Description"), _("Location"), _("Severity"), _("Regulation"), _("Deadline")],
        [
            [
                str(i),
                f.description,
                f.location,
                str(f.get_severity_display()),
                f.regulation,
                (f.deadline or notice.deadline).isoformat(),
            ]
            for i, f in enumerate(findings, start=1)
        ],
    )
    if notice.requirements:
        document.add_paragraph(_("Requirements: %(text)s") % {"text": notice.requirements})
    document.add_paragraph(
        _("Rectify within %(days)d working days, by %(date)s, and report the rectification with photos.")
        % {"days": notice.working_days, "date": notice.deadline.isoformat()}
    )
    signature = document.add_paragraph(f"{notice.agency.name}\n{notice.issued_on.isoformat()}")
    signature.alignment = 2  # right
    return docx_response(document, f"{notice.number}.docx")
