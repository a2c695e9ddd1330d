"""The money chain of the demo (the tenders, contracts and investment demos): its 2025 figures read like seeds
001 and 003, and every city payment of 2025 and 2026 stands on an approved claim of its contract."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from gongwu.contracts import demo as contracts_demo
from gongwu.contracts.models import Change, ChangeStatus, Claim, ClaimStatus, Contract, SpotCheck, Subcontract
from gongwu.contracts.reviews import days_late, subcontracting
from gongwu.core.demo import DemoBuilder
from gongwu.core.figures import Selection, compute
from gongwu.core.management.commands.demo import quiet
from gongwu.core.models import Organization, User
from gongwu.investment import demo as investment_demo
from gongwu.investment import figures as investment_figures
from gongwu.investment.models import Payment
from gongwu.projects import demo as projects_demo
from gongwu.projects.models import Section, Stage
from gongwu.tenders import demo as tenders_demo
from gongwu.tenders.models import Organisation, TenderPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def orgs(django_db_setup, django_db_blocker) -> Iterator[dict[str, Organization]]:
    """The core, projects, tenders, contracts and investment demos, built once and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        builder = DemoBuilder(progress=quiet)
        found = builder.build()
        for module in (projects_demo, tenders_demo, contracts_demo, investment_demo):
            module.build(orgs=found, actor=builder.actor, progress=quiet)
        yield found
        transaction.set_rollback(True)


def figure(orgs: dict[str, Organization], code: str) -> Decimal:
    leader = User.objects.get(username="leader")
    selection = Selection.from_query(leader, {"year": "2025", "agency": str(orgs["city"].pk)})
    return compute(code, selection, compare=False).value


def test_2025_tenders_read_like_001(orgs):
    assert figure(orgs, "tenders.works_or_supervision_awarded") == 10
    assert figure(orgs, "tenders.goods_awarded") == 4
    plans = TenderPlan.objects.filter(agency=orgs["city"], tenders__award_notice_on__year=2025)
    batch = sorted(p.projects.count() for p in plans.filter(organisation=Organisation.BATCH))
    linked = [p.projects.count() for p in plans.filter(organisation=Organisation.LINKED)]
    assert (batch, linked) == ([4, 19], [3])


def test_the_direct_award_has_its_ground_and_the_split_pair_is_flagged(orgs):
    direct = TenderPlan.objects.get(agency=orgs["city"], method="direct", tenders__isnull=False)
    assert direct.estimate >= direct.threshold and direct.exemption and direct.legal_ground
    assert TenderPlan.objects.filter(agency=orgs["city"], split_suspected=True).count() == 2


def test_2025_reviews_read_like_003(orgs):
    assert figure(orgs, "contracts.budget_reviews") == 21
    assert figure(orgs, "contracts.settlement_reviews") == 72
    assert figure(orgs, "contracts.cost_reviews_approved") == Decimal("360295000.00")
    for kind in ("budget", "settlement"):
        assert Decimal(3) <= figure(orgs, f"contracts.{kind}_reviews_reduction_rate") <= Decimal(12)


def test_nine_of_2025s_approved_changes_are_spot_checked_and_one_contract_is_over_ten_percent(orgs):
    spot = SpotCheck.objects.get(agency=orgs["city"])
    assert spot.items.count() == 9
    approved = Change.objects.filter(status=ChangeStatus.APPROVED, approved_on__year=2025)
    assert spot.population == approved.count() > 9
    percents = [c.changes_percent for c in Contract.objects.filter(agency=orgs["city"], changes_amount__gt=0)]
    assert len([p for p in percents if p >= 10]) == 1
    assert len([p for p in percents if 8 <= p < 10]) == 2


def test_every_section_under_construction_has_a_works_and_a_supervision_contract(orgs):
    sections = Section.objects.filter(project__agency=orgs["city"], project__stage=Stage.CONSTRUCTION)
    assert sections.exists()
    for section in sections:
        kinds = set(section.contracts.values_list("kind", flat=True))
        assert kinds & {"works", "epc"} and "supervision" in kinds, section


def test_a_late_filing_and_a_contract_subcontracted_over_its_limit(orgs):
    filings = list(Subcontract.objects.filter(contract__agency=orgs["city"]))
    assert len([f for f in filings if days_late(f)]) == 1
    assert len({f.contract_id for f in filings if subcontracting(f.contract).over_limit}) == 1


def test_every_city_payment_stands_on_an_approved_claim_and_the_payment_rate_is_unchanged(orgs):
    payments = Payment.objects.filter(project__agency=orgs["city"], paid_on__year__in=(2025, 2026))
    assert not payments.filter(claim__isnull=True).exists()
    assert payments.filter(paid_on__year=2025).aggregate(t=Sum("amount"))["t"] == investment_demo.CITY_PAID_2025
    for claim in Claim.objects.filter(payments__in=payments).distinct():
        assert claim.status == ClaimStatus.APPROVED
        assert claim.payable >= claim.payments.aggregate(t=Sum("amount"))["t"]
    data = investment_figures.dashboard([orgs["city"].pk], 2025, 12)
    assert data.totals.payment_rate == Decimal("80.29")
