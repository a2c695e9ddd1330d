"""The figures and alert rules of changes and claims, against hand-computed values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gongwu.alerts import services as alerts
from gongwu.alerts.models import Case, Level
from gongwu.alerts.rules import RULES
from gongwu.contracts import claims
from gongwu.contracts.models import ApprovalLevel, ChangeKind, Claim, ClaimKind, Contract
from gongwu.contracts.testing import ContractFactory
from gongwu.contracts.tests.money_helpers import WAN, approved_change
from gongwu.core.figures import Selection, compute
from gongwu.core.periods import Period
from gongwu.investment.models import Payment

pytest_plugins = ["gongwu.contracts.tests.money"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date


def selection(agency, year=2026) -> Selection:
    return Selection(Period.year(year), (agency,), agency)


def approved_claim(contract, amount, on, kind=ClaimKind.PROGRESS) -> Claim:
    return Claim.objects.create(
        contract=contract,
        number=Claim.objects.filter(contract=contract).count() + 1,
        kind=kind,
        period_end=on,
        claimed_amount=amount,
        approved_amount=amount,
        retention_withheld=0,
        status="approved",
        approved_on=on,
    )


def test_change_figures_count_the_periods_approved_changes_by_kind(agency, contract, other_contract):
    approved_change(contract, 50 * WAN, D(2026, 3, 1))
    approved_change(contract, -20 * WAN, D(2026, 4, 1), kind=ChangeKind.QUANTITY)
    approved_change(other_contract, 30 * WAN, D(2026, 5, 1), kind=ChangeKind.SITE)
    approved_change(contract, 99 * WAN, D(2025, 12, 31))  # last year
    count = compute("contracts.changes_approved", selection(agency))
    assert count.value == 3
    assert {c.key.rsplit(".", 1)[1]: c.value for c in count.children} == {
        "design": 1,
        "site": 1,
        "quantity": 1,
        "price": 0,
    }
    assert count.previous == 1
    assert "approved_from=2026-01-01" in count.url and "status=approved" in count.url
    amount = compute("contracts.changes_approved_amount", selection(agency))
    assert amount.value == 60 * WAN


def test_contracts_at_the_audit_line_and_the_payment_rate(agency, contract, other_contract):
    approved_change(contract, 1000 * WAN, D(2026, 3, 1))  # exactly 10 % of 1 亿
    approved_change(other_contract, 499 * WAN, D(2026, 3, 1))  # 9.98 % of 5,000 万
    over = compute("contracts.changes_over_audit_line", selection(agency))
    assert over.value == 1
    assert "contract_over=10" in over.url
    Contract.objects.filter(pk=contract.pk).update(claimed_amount=3000 * WAN, paid_amount=2400 * WAN)
    Contract.objects.filter(pk=other_contract.pk).update(claimed_amount=1000 * WAN, paid_amount=811 * WAN)
    rate = compute("contracts.payment_rate", selection(agency))
    assert rate.value == Decimal("80.27")  # 3,211 / 4,000, cut at two places
    approved_claim(contract, 700 * WAN, D(2026, 6, 30))
    approved_claim(contract, 100 * WAN, D(2025, 6, 30))
    assert compute("contracts.claims_approved", selection(agency)).value == 700 * WAN


def test_payments_against_contracts_is_the_investment_apps_figure(agency, contract):
    Payment.objects.create(project=contract.project, paid_on=D(2026, 5, 1), amount=100, contract=contract)
    Payment.objects.create(project=contract.project, paid_on=D(2026, 5, 2), amount=7)
    assert compute("investment.paid_against_contracts", selection(agency)).value == 100


def scan(agency, code):
    return alerts.scan(today=D(2026, 12, 1), agency_ids=[agency.pk], codes=[code])


def test_the_change_rule_flags_a_contract_at_the_audit_line(agency, contract, other_contract):
    assert "contracts.change_over_band" in RULES
    approved_change(contract, 999 * WAN, D(2026, 3, 1))  # 9.99 %: not yet
    assert scan(agency, "contracts.change_over_band").opened == 0
    approved_change(contract, 1 * WAN, D(2026, 3, 2))  # 10.00 %
    approved_change(other_contract, 600 * WAN, D(2026, 3, 2), level_approved=ApprovalLevel.MEETING)  # 12 %
    assert scan(agency, "contracts.change_over_band").opened == 2
    cases = {c.subject_id: c for c in Case.objects.filter(rule_code="contracts.change_over_band")}
    assert cases[str(contract.pk)].level == Level.RED  # no change of it went to the meeting
    assert cases[str(other_contract.pk)].level == Level.ORANGE
    assert cases[str(contract.pk)].trigger["percent"] == "10.00"


def test_the_payment_rule_flags_a_contract_paid_ahead_of_its_approved_claims(agency, contract):
    approved_claim(contract, 1000 * WAN, D(2026, 6, 30))  # payable 1,000 万 (no retention in this fixture)
    Contract.objects.filter(pk=contract.pk).update(paid_amount=1000 * WAN)
    assert scan(agency, "contracts.payment_ahead_of_claims").opened == 0
    Contract.objects.filter(pk=contract.pk).update(paid_amount=1000 * WAN + 1)
    assert scan(agency, "contracts.payment_ahead_of_claims").opened == 1
    assert claims.payable_due(contract.pk) == 1000 * WAN
    other = ContractFactory(agency=agency, amount=WAN)
    Contract.objects.filter(pk=other.pk).update(paid_amount=1)  # paid with no approved claim at all
    assert scan(agency, "contracts.payment_ahead_of_claims").opened == 1
