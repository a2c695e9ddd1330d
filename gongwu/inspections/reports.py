"""The figures page, the weekly and quarterly summaries (周报告, 季小结) and the Word documents.

Every number on the figures page links to the list of exactly what it counts, in the list filters of
`filters.py`; the summaries write the same figures as the sentences of an agency's report.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts.models import DONE_STATUSES
from gongwu.core.models import Action, Organization, OrganizationKind, Role, user_may
from gongwu.core.periods import ListLinks, Period, period_from_query
from gongwu.inspections import services
from gongwu.inspections.filters import NOTICE_STATES
from gongwu.inspections.models import (
    QUALITY_KINDS,
    SAFETY_KINDS,
    Accident,
    FindingCategory,
    FindingStatus,
    HazardousWork,
    HazardStatus,
    Inspection,
    InspectionKind,
    Level,
    NoticeKind,
    RectificationNotice,
    Severity,
)
from gongwu.projects.pages import number, year_choices

NOTICE_TITLES = {
    NoticeKind.SAFETY: "安全督导通知书",
    NoticeKind.QUALITY: "质量督导通知书",
    NoticeKind.RECTIFICATION: "整改通知书",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# ---- who sees what ------------------------------------------------------------------------------


def visible_agencies(user: Any) -> QuerySet:
    """The agencies whose figures `user` may see; companies see no agency's figures."""
    if getattr(user, "role", None) == Role.COMPANY or not user_may(user, Inspection, Action.VIEW):
        raise PermissionDenied(_("You may not view the inspection figures."))
    agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
    if not user.is_superuser:
        agencies = agencies.filter(pk__in=user.visible_agency_ids())
    return agencies.order_by("name")


def chosen_agencies(request: HttpRequest) -> tuple[list[Organization], Organization | None, list[int]]:
    """The agencies to choose from, the one chosen (`?agency=`) if any, and the ids the figures count."""
    agencies = list(visible_agencies(request.user))
    agency = None
    wanted = request.GET.get("agency", "")
    if wanted.isdigit():
        agency = next((a for a in agencies if a.pk == int(wanted)), None)
    return agencies, agency, [agency.pk] if agency else [a.pk for a in agencies]


# ---- the figures page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number and the address of the list behind it."""

    label: str
    value: Any
    url: str
    key: str

    @property
    def shown(self) -> str:
        return self.value if isinstance(self.value, str) else number(self.value)


class Links(ListLinks):
    """Addresses of the lists behind the figures, in the filters of filters.py."""

    def inspections(self, **params: Any) -> str:
        # the figures leave voided records out, and so do the lists behind them
        span = {"date_from": self.period.start.isoformat(), "date_to": self.period.end.isoformat(), "voided": "live"}
        return self._url("inspections:inspection_list", {**span, **params})

    def findings(self, **params: Any) -> str:
        span = {"found_from": self.period.start.isoformat(), "found_to": self.period.end.isoformat()}
        return self._url("inspections:finding_list", {**span, **params})

    def notices(self, **params: Any) -> str:
        span = {
            "issued_from": self.period.start.isoformat(),
            "issued_to": self.period.end.isoformat(),
            "voided": "live",
        }
        return self._url("inspections:rectificationnotice_list", {**span, **params})

    def accidents(self) -> str:
        span = {"occurred_from": self.period.start.isoformat(), "occurred_to": self.period.end.isoformat()}
        return self._url("inspections:accident_list", span)

    def hazardous_works(self, **params: Any) -> str:
        return self._url("inspections:hazardouswork_list", params)


def casualties(agency_ids: list[int], period: Period) -> dict[str, int]:
    totals = Accident.objects.filter(
        project__agency__in=agency_ids, occurred_on__range=(period.start, period.end)
    ).aggregate(deaths=Sum("deaths"), serious=Sum("serious_injuries"), minor=Sum("minor_injuries"))
    return {k: v or 0 for k, v in totals.items()}


def figure_sections(figures: services.Figures, links: Links, under_way: int) -> dict[str, Any]:
    """The page's figures as (label, value, link) — every number points at the list behind it."""
    kinds = dict(InspectionKind.choices)
    levels = dict(Level.choices)
    categories = dict(FindingCategory.choices)
    inspections = [
        Figure(_("Inspections"), figures.inspections, links.inspections(), "inspections"),
        Figure(_("Safety inspections"), figures.safety, links.inspections(kind=list(SAFETY_KINDS)), "safety"),
        Figure(_("Quality inspections"), figures.quality, links.inspections(kind=list(QUALITY_KINDS)), "quality"),
    ]
    notices = [
        Figure(_("Notices issued"), figures.notices, links.notices(), "notices"),
        Figure(_("Notices closed"), figures.notices_closed, links.notices(state="closed"), "notices-closed"),
        Figure(_("Notices overdue"), figures.notices_overdue, links.notices(state="overdue"), "notices-overdue"),
    ]
    findings = [
        Figure(_("Findings"), figures.findings, links.findings(), "findings"),
        Figure(_("Findings closed"), figures.closed, links.findings(status=FindingStatus.CLOSED), "findings-closed"),
        Figure(
            _("Closure rate"),
            f"{figures.closure_rate}%" if figures.closure_rate is not None else "—",
            links.findings(status=FindingStatus.CLOSED),
            "closure-rate",
        ),
        Figure(
            _("Average days to rectify"),
            number(figures.average_days),
            links.findings(status=FindingStatus.CLOSED),
            "average-days",
        ),
    ]
    return {
        "inspection_figures": inspections,
        "by_kind": [
            Figure(str(label), figures.by_kind.get(k, 0), links.inspections(kind=k), f"kind-{k}")
            for k, label in InspectionKind.choices
            if figures.by_kind.get(k)
        ],
        "by_level": [
            Figure(str(levels[k]), figures.by_level.get(k, 0), links.inspections(level=k), f"level-{k}")
            for k in Level.values
        ],
        "notice_figures": notices,
        "notices_by_kind": [
            Figure(str(label), figures.notices_by_kind.get(k, 0), links.notices(kind=k), f"notice-kind-{k}")
            for k, label in NoticeKind.choices
        ],
        "finding_figures": findings,
        "by_category": [
            Figure(str(categories[k]), n, links.findings(category=k), f"category-{k}")
            for k, n in sorted(figures.by_category.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_severity": [
            Figure(str(label), figures.by_severity.get(k, 0), links.findings(severity=k), f"severity-{k}")
            for k, label in Severity.choices
        ],
        "recurring": [
            {
                "project": row["project__name"],
                "category": categories.get(row["category"], row["category"]),
                "last": row["last"],
                "figure": Figure(
                    "",
                    row["n"],
                    links.findings(project=row["project_id"], category=row["category"]),
                    f"recurring-{row['project_id']}-{row['category']}",
                ),
            }
            for row in figures.recurring
        ],
        "companies": [
            {
                "name": row["responsible_org__name"],
                "findings": Figure(
                    "",
                    row["n"],
                    links.findings(responsible_org=row["responsible_org_id"]),
                    f"company-{row['responsible_org_id']}",
                ),
                "serious": Figure(
                    "",
                    row["serious"],
                    links.findings(responsible_org=row["responsible_org_id"], severity=Severity.SERIOUS),
                    f"company-{row['responsible_org_id']}-serious",
                ),
                "closed": Figure(
                    "",
                    row["closed"],
                    links.findings(responsible_org=row["responsible_org_id"], status=FindingStatus.CLOSED),
                    f"company-{row['responsible_org_id']}-closed",
                ),
                "closure_rate": row["closure_rate"],
                "days": row["days"],
            }
            for row in ranked(figures.companies)
        ],
        "accidents": Figure(_("Accidents"), figures.accidents, links.accidents(), "accidents"),
        "under_way": Figure(
            _("Hazardous works under way"), under_way, links.hazardous_works(status=HazardStatus.UNDER_WAY), "under-way"
        ),
        "charts": {
            "kinds": {
                "kind": "bar",
                "name": _("Inspections"),
                "labels": [str(kinds[k]) for k in figures.by_kind],
                "values": list(figures.by_kind.values()),
                "urls": [links.inspections(kind=k) for k in figures.by_kind],
            },
        },
    }


def ranked(companies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Companies worst first: the most findings, then the lowest closure rate, then the slowest to rectify."""
    return sorted(
        companies,
        key=lambda c: (-c["n"], c["closure_rate"] or 0, -(c["days"] or 0), c["responsible_org__name"]),
    )


def trend_chart(trend: dict[int, list], links: Links) -> dict[str, Any]:
    """The JGJ 59 score trend: one line per project, the score of each scored inspection by its date."""
    return {
        "kind": "trend",
        "name": _("JGJ 59 score"),
        "series": [
            {
                "name": points[0][0],
                "url": links.inspections(project=project_id),
                "points": [[day.isoformat(), float(score)] for _name, day, score, _grade in points],
            }
            for project_id, points in trend.items()
        ],
    }


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    agencies, agency, agency_ids = chosen_agencies(request)
    period, errors = period_from_query(request.GET)
    counted = services.figures(agency_ids, period.start, period.end)
    under_way = HazardousWork.objects.filter(project__agency__in=agency_ids, status=HazardStatus.UNDER_WAY).count()
    trend = services.score_trend(agency_ids, period.start, period.end)
    links = Links(period, agency)
    sections = figure_sections(counted, links, under_way)
    sections["charts"]["trend"] = trend_chart(trend, links)
    whole_year = period == Period.year(period.start.year)
    context = {
        "figures": counted,
        "period": period,
        "whole_year": whole_year,
        "year": period.start.year,
        "years": year_choices(period.start.year),
        "errors": errors,
        "agency": agency,
        "agencies": agencies,
        "casualties": casualties(agency_ids, period),
        "has_trend": bool(trend),
        "week_url": reverse("inspections:summary", args=["week"]),
        "quarter_url": reverse("inspections:summary", args=["quarter"]),
        **sections,
    }
    return render(request, "inspections/figures.html", context, status=422 if errors else 200)


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


def summary_sentences(kind: str, figures: services.Figures, deaths: int) -> list[str]:
    """The period's figures written the way the agencies' reports write them."""
    when = _("This week") if kind == "week" else _("This quarter")
    levels, severities, notice_kinds = figures.by_level, figures.by_severity, figures.notices_by_kind
    sentences = [
        _(
            "%(when)s %(safety)d safety inspections and %(quality)d quality inspections were carried out "
            "(%(self)d self-checks, %(spot)d spot checks, %(supervision)d supervisory inspections)."
        )
        % {
            "when": when,
            "safety": figures.safety,
            "quality": figures.quality,
            "self": levels.get(Level.SELF, 0),
            "spot": levels.get(Level.SPOT, 0),
            "supervision": levels.get(Level.SUPERVISION, 0),
        },
        _(
            "%(findings)d findings were recorded (%(serious)d serious, %(major)d major, %(general)d general); "
            "%(closed)d have been closed, a closure rate of %(rate)s."
        )
        % {
            "findings": figures.findings,
            "serious": severities.get(Severity.SERIOUS, 0),
            "major": severities.get(Severity.MAJOR, 0),
            "general": severities.get(Severity.GENERAL, 0),
            "closed": figures.closed,
            "rate": f"{figures.closure_rate}%" if figures.closure_rate is not None else "—",
        },
        _(
            "%(notices)d notices were issued (%(safety)d safety supervision notices, %(quality)d quality "
            "supervision notices, %(rectification)d rectification notices); %(closed)d have been closed "
            "and %(overdue)d are overdue."
        )
        % {
            "notices": figures.notices,
            "safety": notice_kinds.get(NoticeKind.SAFETY, 0),
            "quality": notice_kinds.get(NoticeKind.QUALITY, 0),
            "rectification": notice_kinds.get(NoticeKind.RECTIFICATION, 0),
            "closed": figures.notices_closed,
            "overdue": figures.notices_overdue,
        },
    ]
    if figures.average_days is not None:
        sentences.append(
            _("Closed findings took %(days)s days on average to rectify.") % {"days": number(figures.average_days)}
        )
    if figures.accidents:
        sentences.append(
            _("%(n)d production-safety accidents occurred, with %(deaths)d deaths.")
            % {"n": figures.accidents, "deaths": deaths}
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
    agencies, agency, agency_ids = chosen_agencies(request)
    chosen, errors = summary_period(kind, request.GET)
    counted = services.figures(agency_ids, chosen.period.start, chosen.period.end)
    deaths = casualties(agency_ids, chosen.period)["deaths"]
    categories = dict(FindingCategory.choices)
    query = {**chosen.query, **({"agency": str(agency.pk)} if agency else {})}
    return {
        "kind": kind,
        "title": chosen.title,
        "period": chosen.period,
        "errors": errors,
        "agency": agency,
        "agencies": agencies,
        "heading": str(agency) if agency else (str(agencies[0]) if len(agencies) == 1 else ""),
        "sentences": summary_sentences(kind, counted, deaths),
        "open_notices": open_notices(agency_ids, chosen.period.end),
        "recurring": [
            {**row, "category_label": categories.get(row["category"], row["category"])} for row in counted.recurring
        ],
        "worst": ranked(counted.companies)[:5],
        "period_query": chosen.query,
        "docx_url": reverse("inspections:summary_docx", args=[kind]) + "?" + urlencode(query),
        "figures_url": reverse("inspections:figures")
        + "?"
        + urlencode({**chosen.period.query(), **({"agency": agency.pk} if agency else {})}),
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
