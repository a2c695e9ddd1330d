"""Contract rules registered into alerts (see gongwu/alerts/rules.py). Each area has its section."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Kind, Level
from gongwu.alerts.rules import Match, Param, rule
from gongwu.contracts.filters import overdue_q
from gongwu.contracts.models import Contract

# ---- contracts -----------------------------------------------------------------------------------


@rule(
    "contracts.past_completion",
    title=gettext_lazy("Contract past its completion date"),
    description=gettext_lazy(
        "A signed or performing contract whose completion date has passed (more than the grace days ago) and "
        "which is not recorded as completed."
    ),
    params=[Param("grace_days", gettext_lazy("grace days"), default=0, minimum=0, maximum=365)],
    level=Level.YELLOW,
    kind=Kind.WARNING,
)
def past_completion(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    cutoff = today - datetime.timedelta(days=params["grace_days"])
    contracts = (
        Contract.objects.filter(agency_id=agency_id)
        .filter(overdue_q(cutoff))
        .select_related("project", "contractor")
        .order_by("end_on", "pk")
    )
    for contract in contracts.iterator(chunk_size=500):
        late = (today - contract.end_on).days
        yield Match(
            subject=contract,
            title=_("%(contract)s: %(days)s days past its completion date %(day)s")
            % {"contract": contract, "days": late, "day": contract.end_on.isoformat()},
            data={
                "contract": contract.number,
                "contractor": contract.contractor.name,
                "project": contract.project.code,
                "end_on": contract.end_on.isoformat(),
                "days_late": late,
                "status": contract.status,
            },
            severity=late,
            department_id=contract.project.department_id,
            responsible_person_id=contract.project.director_id,
        )
