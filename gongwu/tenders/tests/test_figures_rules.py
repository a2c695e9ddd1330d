"""The registered figures against hand-computed values, their links, and the two alert rules."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from gongwu.alerts.rules import RULES
from gongwu.core.figures import Selection, compute
from gongwu.core.testing import AgencyFactory, english_client
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders import services
from gongwu.tenders.models import Exemption, Method, Organisation, SubjectKind, TenderPlan, TenderStatus
from gongwu.tenders.testing import TenderFactory, TenderPlanFactory
from gongwu.tenders.tests.helpers import wan

pytestmark = pytest.mark.usefixtures("english")


def awarded_tender(agency: Any, kind: str, price: str, day: datetime.date, **plan_fields: Any) -> Any:
    plan = TenderPlanFactory(agency=agency, subject_kind=kind, **plan_fields)
    return TenderFactory(plan=plan, status=TenderStatus.AWARDED, award_notice_on=day, award_price=wan(price))


@pytest.fixture
def year_2026(agency: Any) -> dict[str, Any]:
    """2026: works ×2, EPC, supervision, goods ×2, design awarded; a 2025 award, a voided one, a failed one, and
    another agency's award are not counted. Batch plans cover 4 and 3 projects (one shared), a linked plan 3."""
    day = datetime.date(2026, 6, 30)
    projects = [ProjectFactory(agency=agency) for _ in range(9)]
    batch_a = awarded_tender(agency, SubjectKind.CONSULTING, "800", day, organisation=Organisation.BATCH)
    batch_a.plan.projects.set(projects[:4])
    batch_b = awarded_tender(agency, SubjectKind.WORKS, "3000", day, organisation=Organisation.BATCH)
    batch_b.plan.projects.set(projects[3:6])
    linked = awarded_tender(agency, SubjectKind.WORKS, "2500", day, organisation=Organisation.LINKED)
    linked.plan.projects.set(projects[6:9])
    others = [
        awarded_tender(agency, SubjectKind.EPC, "12000", datetime.date(2026, 1, 1)),
        awarded_tender(agency, SubjectKind.SUPERVISION, "300", datetime.date(2026, 12, 31), method=Method.INVITED),
        awarded_tender(agency, SubjectKind.GOODS, "250", day),
        awarded_tender(agency, SubjectKind.GOODS, "150", day, method=Method.INQUIRY),
        awarded_tender(agency, SubjectKind.DESIGN, "90", day, method=Method.DIRECT),
    ]
    for plan in TenderPlan.objects.filter(tenders__in=others):
        plan.projects.set([plan.project])
    awarded_tender(agency, SubjectKind.WORKS, "9999", datetime.date(2025, 12, 31))
    voided = awarded_tender(agency, SubjectKind.WORKS, "9999", day)
    type(voided).objects.filter(pk=voided.pk).update(voided_at=timezone.now(), void_reason="重复")
    TenderFactory(plan=TenderPlanFactory(agency=agency), status=TenderStatus.FAILED)
    awarded_tender(AgencyFactory(), SubjectKind.WORKS, "9999", day)
    return {"projects": projects}


def selection(user: Any, agency: Any) -> Selection:
    return Selection.from_query(user, {"year": "2026", "agency": str(agency.pk)})


def children(figure: Any) -> dict[str, Any]:
    return {child.key: child.value for child in figure.children}


def test_tenders_awarded_by_kind_and_method(staff, agency, year_2026):
    sel = selection(staff, agency)
    awarded = compute("tenders.awarded", sel, compare=False)
    assert awarded.value == 8
    assert {k: v for k, v in children(awarded).items() if v} == {
        "consulting": 1,
        "works": 2,
        "epc": 1,
        "supervision": 1,
        "goods": 2,
        "design": 1,
    }
    by_method = compute("tenders.awarded_by_method", sel, compare=False)
    assert {k: v for k, v in children(by_method).items() if v} == {"open": 5, "invited": 1, "inquiry": 1, "direct": 1}
    amount = compute("tenders.amount_awarded", sel, compare=False)
    assert amount.value == wan("19090")  # 800 + 3000 + 2500 + 12000 + 300 + 250 + 150 + 90 万元


def test_the_annual_reports_sentences(staff, agency, year_2026):
    sel = selection(staff, agency)
    assert compute("tenders.works_or_supervision_awarded", sel, compare=False).value == 4  # works 2, EPC, 监理
    assert compute("tenders.goods_awarded", sel, compare=False).value == 2
    plans = compute("tenders.plans_by_organisation", sel, compare=False)
    assert (plans.value, children(plans)) == (8, {"single": 5, "batch": 2, "bundled": 0, "linked": 1})
    projects = compute("tenders.projects_by_organisation", sel, compare=False)
    # batch: 4 + 3 with one shared = 6; linked 3; single 5 (each its own lead project); 14 in all
    assert (projects.value, children(projects)) == (14, {"single": 5, "batch": 6, "bundled": 0, "linked": 3})


def test_each_figure_links_to_the_records_it_counts(staff, agency, year_2026):
    sel = selection(staff, agency)
    figure = compute("tenders.works_or_supervision_awarded", sel, compare=False)
    query = parse_qs(urlsplit(figure.url).query)
    assert query["subject_kind"] == ["works", "epc", "supervision"]
    assert (query["awarded_from"], query["awarded_to"], query["agency"]) == (
        ["2026-01-01"],
        ["2026-12-31"],
        [str(agency.pk)],
    )
    page = english_client(staff).get(figure.url, HTTP_HX_REQUEST="true").content.decode()
    assert len(set(re.findall(r'href="/tenders/list/(\d+)/"', page))) == 4
    batch = next(c for c in compute("tenders.plans_by_organisation", sel, compare=False).children if c.key == "batch")
    listed = english_client(staff).get(batch.url, HTTP_HX_REQUEST="true").content.decode()
    assert len(set(re.findall(r'href="/tenders/plans/(\d+)/"', listed))) == 2


def test_the_year_before_is_compared(staff, agency, year_2026):
    figure = compute("tenders.awarded", selection(staff, agency))
    assert (figure.value, figure.previous) == (8, 1)


# ---- rules -----------------------------------------------------------------------------------------


def test_a_non_tender_award_at_or_above_the_threshold_opens_a_case(staff, agency, project):
    day = datetime.date(2026, 6, 30)
    at = awarded_tender(agency, SubjectKind.WORKS, "400", day, method=Method.DIRECT)
    awarded_tender(agency, SubjectKind.WORKS, "399.99", day, method=Method.DIRECT)
    awarded_tender(agency, SubjectKind.WORKS, "5000", day, method=Method.OPEN)
    goods = awarded_tender(
        agency,
        SubjectKind.GOODS,
        "200",
        day,
        method=Method.SINGLE_SOURCE,
        exemption=Exemption.REG_9_4,
        legal_ground="原中标人配套",
        estimate=wan("200"),
    )
    awarded_tender(agency, SubjectKind.SUPERVISION, "99.99", day, method=Method.DIRECT)
    found = list(RULES["tenders.non_tender_award_above_threshold"].find(agency.pk, {}, day))
    found.sort(key=lambda m: m.subject.pk)
    assert [(m.subject, m.level) for m in found] == [(at, "red"), (goods, None)]
    assert "at or above the threshold of 400.00 ten-thousand yuan" in found[0].title


def test_plans_suspected_of_a_split_open_cases(staff, agency, project):
    first = services.save_tender_plan(
        instance=TenderPlan(
            agency=agency, project=project, name="一", subject_kind="works", method="direct", estimate=wan("250")
        ),
        actor=staff,
    )
    second = services.save_tender_plan(
        instance=TenderPlan(
            agency=agency, project=project, name="二", subject_kind="works", method="direct", estimate=wan("150")
        ),
        actor=staff,
    )
    services.save_tender_plan(
        instance=TenderPlan(
            agency=agency, project=project, name="三", subject_kind="goods", method="direct", estimate=wan("50")
        ),
        actor=staff,
    )
    found = list(RULES["tenders.split_suspected"].find(agency.pk, {}, datetime.date(2026, 12, 2)))
    assert sorted(m.subject.pk for m in found) == [first.pk, second.pk]
    assert found[0].data["together"] == str(Decimal("4000000.00"))
