"""Alert rules of reviews and subcontracts (see gongwu/alerts/rules.py): a project past its allowance without an
approved settlement review (or final accounts), a main contract subcontracted above its limit, a subcontract
filed late. The allowances and the limit are the agency's contract settings; the daily scan closes a case once
its condition has gone (the review approved, a filing voided)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Kind, Level
from gongwu.alerts.rules import Match, Param, rule
from gongwu.contracts import reviews
from gongwu.contracts.models import Contract, ReviewKind, Subcontract
from gongwu.core.figures import number
from gongwu.core.money import format_wan
from gongwu.projects.models import Project


def backlog_matches(agency_id: int, kind: str, today: datetime.date) -> Iterator[Match]:
    projects = Project.objects.filter(agency_id=agency_id)
    for row in reviews.backlog_rows(projects, kind, today):
        days = row.settlement_overdue if kind == ReviewKind.SETTLEMENT else row.final_overdue
        if not days:
            continue
        project = row.project
        what = _("settlement review") if kind == ReviewKind.SETTLEMENT else _("final accounts")
        yield Match(
            subject=project,
            title=_("%(project)s: %(what)s %(days)s days overdue (completed %(day)s)")
            % {"project": project.name, "what": what, "days": days, "day": row.completed_on.isoformat()},
            data={
                "project": project.code,
                "completed_on": row.completed_on.isoformat(),
                "due": (row.settlement_due if kind == ReviewKind.SETTLEMENT else row.final_due).isoformat(),
                "days_late": days,
            },
            severity=days,
            department_id=project.department_id,
            responsible_person_id=project.director_id,
        )


@rule(
    "contracts.settlement_overdue",
    title=gettext_lazy("Settlement review overdue"),
    description=gettext_lazy(
        "A project was completed longer ago than the agency allows (contract settings) and has no approved "
        "settlement review."
    ),
    level=Level.ORANGE,
    kind=Kind.ATTENTION,
)
def settlement_overdue(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    yield from backlog_matches(agency_id, ReviewKind.SETTLEMENT, today)


@rule(
    "contracts.final_accounts_overdue",
    title=gettext_lazy("Final accounts overdue"),
    description=gettext_lazy(
        "A project was completed longer ago than the agency allows (contract settings) and has no approved final "
        "accounts."
    ),
    level=Level.YELLOW,
)
def final_accounts_overdue(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    yield from backlog_matches(agency_id, ReviewKind.FINAL, today)


@rule(
    "contracts.subcontracting_over_limit",
    title=gettext_lazy("Subcontracting over the limit"),
    description=gettext_lazy(
        "The live subcontract filings of a main contract together exceed the share of its price the agency allows."
    ),
    level=Level.ORANGE,
)
def subcontracting_over_limit(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    settings = reviews.settings_of(agency_id)
    totals = dict(
        Subcontract.objects.filter(contract__agency_id=agency_id, voided_at__isnull=True)
        .values_list("contract")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    contracts = Contract.objects.filter(pk__in=list(totals)).select_related("project")
    for contract in contracts:
        state = reviews.Subcontracting(contract, totals[contract.pk], settings.subcontract_max_percent)
        if not state.over_limit:
            continue
        yield Match(
            subject=contract,
            title=_("%(contract)s: %(percent)s%% subcontracted, above %(limit)s%%")
            % {"contract": contract, "percent": state.percent, "limit": number(state.limit_percent)},
            data={
                "contract": contract.number,
                "amount": format_wan(contract.amount),
                "subcontracted": format_wan(state.total),
                "percent": str(state.percent),
            },
            severity=int(state.percent or 0),
            department_id=contract.project.department_id,
            responsible_person_id=contract.project.director_id,
        )


@rule(
    "contracts.subcontract_filed_late",
    title=gettext_lazy("Subcontract filed late"),
    description=gettext_lazy(
        "A subcontract was filed more days after it started than the agency allows (filings of the recent days "
        "only: a late filing is an event to answer once, not a standing condition)."
    ),
    params=[
        Param("recent_days", gettext_lazy("filings of the last days"), default=90, minimum=1, maximum=3650),
    ],
    level=Level.BLUE,
)
def subcontract_filed_late(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    settings = reviews.settings_of(agency_id)
    late = reviews.late_q({agency_id: settings})
    since = today - datetime.timedelta(days=params["recent_days"])
    filings = (
        Subcontract.objects.filter(contract__agency_id=agency_id, voided_at__isnull=True, filed_on__gt=since)
        .filter(late)
        .select_related("contract", "contract__project", "company")
    )
    for filing in filings.iterator(chunk_size=2000):
        days = reviews.days_late(filing, settings)
        yield Match(
            subject=filing,
            title=_("%(company)s under %(contract)s: filed %(days)s days late")
            % {"company": filing.company, "contract": filing.contract, "days": days},
            data={
                "contract": filing.contract.number,
                "company": filing.company.name,
                "start_on": filing.start_on.isoformat(),
                "filed_on": filing.filed_on.isoformat(),
                "days_late": days,
            },
            severity=days,
            department_id=filing.contract.project.department_id,
            responsible_person_id=filing.contract.project.director_id,
        )


RULES = (settlement_overdue, final_accounts_overdue, subcontracting_over_limit, subcontract_filed_late)
