"""The lag classification as an alert rule (see gongwu/alerts/rules.py): a plan behind its schedule opens a
提请关注 case, one seriously behind a 督办 (raising a live 提请关注 case to 督办), and a plan back on
schedule has its case closed by the scan."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Kind, Level
from gongwu.alerts.rules import Match, Param, rule
from gongwu.core.money import format_wan
from gongwu.investment import figures
from gongwu.investment.models import AnnualPlan


def month_to_classify(today: datetime.date, report_day: int) -> tuple[int, int]:
    """The month whose figures are due by `today`: last month once its reports are in (the agency's report
    day), the month before until then."""
    return figures.default_month(today, report_day)


@rule(
    "investment.behind_schedule",
    title=gettext_lazy("Investment behind its monthly schedule"),
    description=gettext_lazy(
        "The confirmed investment to date is below the agency's thresholds of the schedule to date "
        "(提请关注, or 督办滞后 when seriously behind)."
    ),
    params=[
        Param(
            "report_day",
            gettext_lazy("day of the month by which last month's figures are confirmed"),
            default=figures.REPORT_DAY,
            minimum=1,
            maximum=28,
        )
    ],
    level=Level.ORANGE,
    kind=Kind.ATTENTION,
)
def behind_schedule(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    year, month = month_to_classify(today, params["report_day"])
    plans = AnnualPlan.objects.filter(project__agency_id=agency_id)
    rows = [r for r in figures.plan_rows(plans, year, month) if r.lag != figures.Lag.ON_SCHEDULE]
    if not rows:
        return
    objects = AnnualPlan.objects.select_related("project").in_bulk([r.pk for r in rows])
    for row in rows:
        serious = row.lag == figures.Lag.SUPERVISION
        percent = figures.rate(row.actual, row.scheduled)
        yield Match(
            subject=objects[row.pk],
            title=_("%(project)s: %(percent)s%% of its schedule to %(year)s-%(month)02d (%(lag)s)")
            % {
                "project": row.name,
                "percent": percent,
                "year": year,
                "month": month,
                "lag": figures.Lag(row.lag).label,
            },
            data={
                "project": row.code,
                "month": f"{year}-{month:02d}",
                "scheduled": str(row.scheduled),
                "actual": str(row.actual),
                "percent_of_schedule": str(percent),
                "gap": format_wan(row.gap),
            },
            level=Level.RED if serious else None,
            kind=Kind.SUPERVISION if serious else None,
            severity=int(100 - percent) if percent is not None else 0,
            department_id=row.department_id,
            responsible_person_id=row.director_id,
        )
