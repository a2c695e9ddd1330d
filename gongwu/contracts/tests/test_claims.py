"""Payment claims (计量支付) from the contractor's claim to the payment: reviews, approval, retention and the
advance, the contract's totals, the remaining amount, company scoping, the ledger, the payment link."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongwu.contracts import claims
from gongwu.contracts.imports_money import ClaimLedger
from gongwu.contracts.models import Claim, ClaimKind, ClaimStatus, Contract
from gongwu.contracts.tests.money_helpers import WAN, approved_change
from gongwu.core.testing import api_client, english_client, stored
from gongwu.investment import services as investment
from gongwu.investment.models import Payment

pytest_plugins = ["gongwu.contracts.tests.money"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date


def new_claim(contract, actor, amount, kind=ClaimKind.PROGRESS) -> Claim:
    return claims.save_claim(
        instance=Claim(contract=contract, kind=kind, period_end=D(2026, 10, 31), claimed_amount=amount), actor=actor
    )


def approve(claim, staff, staff2, amount=None, **extra) -> Claim:
    """Through every step: submitted, reviewed twice, approved (by the amounts given, the claim's by default)."""
    amount = claim.claimed_amount if amount is None else amount
    claims.submit_claim(claim, staff)
    claims.review_claim(claim, staff, amount=amount)
    claims.review_claim(claim, staff2, amount=amount)
    return claims.approve_claim(claim, staff2, amount=amount, **extra)


def pay(contract, actor, amount, claim=None, over=False, number="") -> Payment:
    return investment.save_payment(
        instance=Payment(
            project=contract.project,
            paid_on=D(2026, 11, 20),
            amount=amount,
            contract=contract if claim is None and not number else None,
            contract_number=number,
            claim=claim,
            over_approved=over,
        ),
        actor=actor,
    )


def test_the_claim_chain_from_the_contractor_to_the_payment(contract, company_user, supervisor_user, staff, staff2):
    advance = new_claim(contract, company_user, 1000 * WAN, kind=ClaimKind.ADVANCE)  # 10 % of 1 亿
    assert advance.number == 1
    approve(advance, staff, staff2)
    claim = new_claim(contract, company_user, 2000 * WAN)
    assert (claim.number, claim.status) == (2, ClaimStatus.DRAFT)
    claims.submit_claim(claim, company_user)
    with pytest.raises(PermissionDenied):
        claims.review_claim(claim, company_user, amount=1900 * WAN)
    with pytest.raises(ValidationError, match="more than the amount claimed"):
        claims.review_claim(claim, supervisor_user, amount=2001 * WAN)
    claims.review_claim(claim, supervisor_user, amount=1900 * WAN)
    with pytest.raises(PermissionDenied):
        claims.review_claim(claim, supervisor_user, amount=1800 * WAN)  # the cost review is the agency's
    claims.review_claim(claim, staff, amount=1800 * WAN)
    with pytest.raises(ValidationError, match="more than the cost review's amount"):
        claims.approve_claim(claim, staff2, amount=1800 * WAN + 1)
    approved = claims.approve_claim(claim, staff2, amount=1800 * WAN)
    # retention 3 % of 1,800 万 = 54 万; the advance recovered pro rata: 10 % of 1,800 万 = 180 万
    assert (approved.approved_amount, approved.retention_withheld, approved.advance_recovered, approved.payable) == (
        1800 * WAN,
        54 * WAN,
        180 * WAN,
        1566 * WAN,
    )
    assert approved.cumulative_percent == Decimal("18.00")
    contract.refresh_from_db()
    assert (contract.claimed_amount, contract.retention_held, contract.advance_recovered) == (
        1800 * WAN,
        54 * WAN,
        180 * WAN,
    )
    assert claims.payable_due(contract.pk) == 1000 * WAN + 1566 * WAN
    pay(contract, staff, 1000 * WAN, claim=advance)
    payment = pay(contract, staff, 1566 * WAN, claim=approved)
    assert payment.contract_id == contract.pk and payment.contract_number == contract.number
    contract.refresh_from_db()
    assert contract.paid_amount == 2566 * WAN
    assert contract.payment_rate == Decimal(2566) * 100 / 1800


def test_the_advance_is_recovered_until_it_is_all_recovered(contract, staff, staff2):
    approve(new_claim(contract, staff, 500 * WAN, kind=ClaimKind.ADVANCE), staff, staff2)
    first = approve(new_claim(contract, staff, 4000 * WAN), staff, staff2)
    second = approve(new_claim(contract, staff, 2000 * WAN), staff, staff2)
    assert (first.advance_recovered, second.advance_recovered) == (400 * WAN, 100 * WAN)  # 10 %, then what is left
    third = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    assert third.advance_recovered == 0
    with pytest.raises(ValidationError, match="advance above the contract's advance"):
        approve(new_claim(contract, staff, 500 * WAN + 1, kind=ClaimKind.ADVANCE), staff, staff2)


def test_a_claim_above_the_contracts_remaining_amount_is_refused_naming_it(contract, staff, staff2):
    approved_change(contract, 200 * WAN, D(2026, 6, 1))  # 1.02 亿 with the change
    approve(new_claim(contract, staff, 9000 * WAN), staff, staff2)
    over = new_claim(contract, staff, 1200 * WAN + 1)
    before = stored(over)
    with pytest.raises(ValidationError) as refused:
        claims.submit_claim(over, staff)
    message = " ".join(refused.value.messages)
    assert (
        "A claim above the contract's remaining amount: 1,200.00 ten-thousand yuan remains of 1.02 hundred-million yuan"
        in message
    )
    assert stored(over) == before
    exactly = new_claim(contract, staff, 1200 * WAN)
    approved = approve(exactly, staff, staff2)
    assert approved.cumulative_percent == Decimal("100.00")
    contract.refresh_from_db()
    assert claims.remaining_amount(contract) == 0


def test_a_claim_is_returned_with_a_comment_and_submitted_again(contract, company_user, staff):
    claim = new_claim(contract, company_user, 100 * WAN)
    claims.submit_claim(claim, company_user)
    with pytest.raises(ValidationError):
        claims.return_claim(claim, staff, comment=" ")
    claims.return_claim(claim, staff, comment="计量资料不全")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    assert claims.return_comment(claim) == "计量资料不全"
    page = english_client(company_user).get(claim.get_absolute_url())
    assert "计量资料不全" in page.content.decode()
    claim.claimed_amount = 90 * WAN
    claims.save_claim(instance=claim, actor=company_user)
    assert claims.submit_claim(claim, company_user).status == ClaimStatus.SUBMITTED


def test_retention_release_pays_back_held_retention(contract, staff, staff2):
    approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    contract.refresh_from_db()
    assert contract.retention_held == 30 * WAN
    with pytest.raises(ValidationError, match="above the retention held"):
        approve(new_claim(contract, staff, 30 * WAN + 1, kind=ClaimKind.RETENTION), staff, staff2)
    release = approve(new_claim(contract, staff, 30 * WAN, kind=ClaimKind.RETENTION), staff, staff2)
    assert release.payable == 30 * WAN
    contract.refresh_from_db()
    assert (contract.retention_held, contract.claimed_amount) == (0, 1000 * WAN)


def test_voiding_an_approved_claim_undoes_its_totals_unless_it_was_paid(contract, staff, staff2):
    claim = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    payment = pay(contract, staff, 100 * WAN, claim=claim)
    with pytest.raises(ValidationError, match="Payments name this claim"):
        claims.void_claim(instance=claim, actor=staff, reason="重复")
    investment.delete_payment(instance=payment, actor=staff)
    claims.void_claim(instance=claim, actor=staff, reason="重复")
    contract.refresh_from_db()
    assert (contract.claimed_amount, contract.retention_held, contract.paid_amount) == (0, 0, 0)


# ---- payments ---------------------------------------------------------------------------------------------


def test_a_payment_above_the_approved_claim_is_refused_without_the_override(contract, staff, staff2):
    claim = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)  # payable 970 万
    pay(contract, staff, 900 * WAN, claim=claim)
    count = Payment.objects.count()
    with pytest.raises(ValidationError) as refused:
        pay(contract, staff, 70 * WAN + 1, claim=claim)
    assert "what remains payable on claim no. 1: 70.00 ten-thousand yuan of 970.00 ten-thousand yuan" in " ".join(
        refused.value.messages
    )
    assert Payment.objects.count() == count
    contract.refresh_from_db()
    assert contract.paid_amount == 900 * WAN
    with pytest.raises(ValidationError, match="approved claims of contract SZGW-2026-SG-0001 leave to pay"):
        pay(contract, staff, 70 * WAN + 1)
    pay(contract, staff, 70 * WAN + 1, claim=claim, over=True)
    contract.refresh_from_db()
    assert contract.paid_amount == 970 * WAN + 1


def test_a_payment_names_an_approved_claim_of_its_projects_contract(contract, other_contract, staff, staff2):
    draft = new_claim(contract, staff, 100 * WAN)
    with pytest.raises(ValidationError, match=r"Only an approved claim is paid; claim no\. 1 is Draft"):
        pay(contract, staff, 10 * WAN, claim=draft)
    with pytest.raises(ValidationError, match="is of another project"):
        investment.save_payment(
            instance=Payment(project=contract.project, paid_on=D(2026, 11, 2), amount=1, contract=other_contract),
            actor=staff,
        )
    assert not Payment.objects.exists()


def test_the_payment_form_links_a_typed_contract_number_and_claim_number(contract, staff, staff2):
    claim = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    client = english_client(staff)
    data = {
        "project": contract.project.pk,
        "paid_on": "2026-11-20",
        "amount": "1000000",
        "kind": "progress",
        "contract_number": " SZGW-2026-SG-0001 ",
        "claim_number": "1",
    }
    response = client.post("/investment/payments/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert (payment.contract_id, payment.claim_id) == (contract.pk, claim.pk)
    contract.refresh_from_db()
    assert contract.paid_amount == 100 * WAN
    refused = client.post("/investment/payments/add/", {**data, "claim_number": "7"})
    assert refused.status_code == 422
    assert "has no approved claim no. 7" in refused.content.decode()


def test_the_payment_ledger_round_trips_its_contract_and_claim(contract, staff, staff2):
    from gongwu.investment.imports import PaymentLedger

    claim = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    pay(contract, staff, 100 * WAN, claim=claim)
    Payment.objects.update(voucher_number="PZ-1")
    ledger = PaymentLedger()
    stream = io.BytesIO()
    ledger.write_xlsx(Payment.objects.all(), stream)
    rows = ledger.read(stream.getvalue(), "payments.xlsx")
    assert rows[0][1]["claim_number"] == 1
    assert ledger.preview(rows, staff).summary == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


def test_the_dashboards_payment_rate_counts_payments_against_contracts_as_payments(contract, staff, staff2):
    from gongwu.investment import figures
    from gongwu.investment.testing import AnnualPlanFactory

    AnnualPlanFactory(project=contract.project, year=2026)
    claim = approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    pay(contract, staff, 100 * WAN, claim=claim)
    investment.save_payment(
        instance=Payment(project=contract.project, paid_on=D(2026, 11, 21), amount=50 * WAN), actor=staff
    )
    totals = figures.dashboard([contract.agency_id], 2026, 11).totals
    assert totals.paid == 150 * WAN


# ---- linking typed contract numbers -------------------------------------------------------------------------


def test_the_data_migration_links_payments_by_number_and_keeps_every_payment(contract, other_contract):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gongwu.investment.migrations.0007_link_payments_to_contracts")
    matched = Payment.objects.create(
        project=contract.project, paid_on=D(2026, 5, 1), amount=10, contract_number="SZGW-2026-SG-0001"
    )
    spaced = Payment.objects.create(
        project=contract.project, paid_on=D(2026, 5, 2), amount=5, contract_number="SZGW-2026-SG-0001 "
    )
    unknown = Payment.objects.create(
        project=contract.project, paid_on=D(2026, 5, 3), amount=7, contract_number="HT-旧-001"
    )
    elsewhere = Payment.objects.create(
        project=contract.project, paid_on=D(2026, 5, 4), amount=9, contract_number="SZGW-2026-SG-0002"
    )
    blank = Payment.objects.create(project=contract.project, paid_on=D(2026, 5, 5), amount=3)
    migration.link(apps, None)
    linked = dict(Payment.objects.values_list("pk", "contract_id"))
    assert linked == {
        matched.pk: contract.pk,
        spaced.pk: contract.pk,
        unknown.pk: None,
        elsewhere.pk: None,
        blank.pk: None,
    }
    assert Payment.objects.get(pk=unknown.pk).contract_number == "HT-旧-001"
    assert Contract.objects.get(pk=contract.pk).paid_amount == 15
    assert Contract.objects.get(pk=other_contract.pk).paid_amount == 0


def test_the_command_links_payments_after_contracts_are_imported_and_logs_it(contract):
    from django.core.management import call_command

    from gongwu.core.models import ChangeLogEntry

    payment = Payment.objects.create(
        project=contract.project, paid_on=D(2026, 5, 1), amount=10, contract_number="SZGW-2026-SG-0001"
    )
    out = io.StringIO()
    call_command("link_contract_payments", stdout=out)
    assert "payments linked to their contract: 1; left with their number as typed: 0" in out.getvalue()
    payment.refresh_from_db()
    assert payment.contract_id == contract.pk
    assert Contract.objects.get(pk=contract.pk).paid_amount == 10
    assert ChangeLogEntry.objects.filter(object_id=str(payment.pk), object_repr=str(payment)).exists()


# ---- companies --------------------------------------------------------------------------------------------


def test_a_company_sees_no_other_companys_claims(contract, other_contract, company_user, other_company_user, staff):
    own = new_claim(contract, company_user, 100 * WAN)
    rival = new_claim(other_contract, staff, 100 * WAN)
    with pytest.raises(PermissionDenied):
        new_claim(other_contract, company_user, 100 * WAN)
    client = api_client(company_user)
    listed = client.get("/api/claims/").json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(f"/api/claims/{rival.pk}/").status_code == 404
    assert client.post(f"/api/claims/{rival.pk}/submit/").status_code == 404
    assert english_client(company_user).get(rival.get_absolute_url()).status_code == 404
    assert Claim.objects.get(pk=rival.pk).status == ClaimStatus.DRAFT
    created = client.post(
        "/api/claims/",
        {"contract_id": contract.pk, "kind": "progress", "period_end": "2026-11-30", "claimed_amount": "500000"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["number"] == 2
    submitted = client.post(f"/api/claims/{created.json()['id']}/submit/")
    assert submitted.json()["status"] == "submitted"
    theirs = api_client(other_company_user).get("/api/claims/").json()["results"]
    assert [row["id"] for row in theirs] == [rival.pk]


def test_the_supervisor_reviews_claims_of_the_project_it_supervises_through_the_api(
    contract, company_user, supervisor_user, staff
):
    claim = new_claim(contract, company_user, 100 * WAN)
    claims.submit_claim(claim, company_user)
    client = api_client(supervisor_user)
    assert (
        client.post(
            f"/api/claims/{claim.pk}/review/", {"amount": "1000001"}, content_type="application/json"
        ).status_code
        == 422
    )
    reviewed = client.post(f"/api/claims/{claim.pk}/review/", {"amount": "950000"}, content_type="application/json")
    assert reviewed.status_code == 200
    assert (reviewed.json()["status"], reviewed.json()["supervisor_amount"]) == ("supervised", "950000.00")
    assert (
        client.post(
            f"/api/claims/{claim.pk}/review/", {"amount": "900000"}, content_type="application/json"
        ).status_code
        == 403
    )


# ---- the ledger -------------------------------------------------------------------------------------------


def test_the_claim_ledger_reimports_unchanged(contract, staff, staff2):
    approve(new_claim(contract, staff, 1000 * WAN), staff, staff2)
    new_claim(contract, staff, 200 * WAN)
    ledger = ClaimLedger()
    stream = io.BytesIO()
    ledger.write_xlsx(Claim.objects.filter(contract=contract), stream)
    rows = ledger.read(stream.getvalue(), "claims.xlsx")
    assert ledger.preview(rows, staff).summary == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    changed = [(n, dict(values, claimed_amount=300 * WAN) if values["number"] == 2 else values) for n, values in rows]
    assert ledger.apply(changed, staff).summary == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    assert Claim.objects.get(contract=contract, number=2).claimed_amount == 300 * WAN


def test_the_contract_page_shows_its_money_with_links_to_its_changes_and_claims(
    contract, staff, company_user, other_company_user
):
    approved_change(contract, Decimal("3000000"), datetime.date(2026, 5, 6))
    contract.refresh_from_db()
    page = english_client(staff).get(contract.get_absolute_url()).content.decode()
    assert 'id="contract-money"' in page
    assert "3.00%" in page  # 300 万 of 1 亿
    assert f"/contracts/changes/?contract={contract.pk}" in page
    assert f"/contracts/claims/add/?contract={contract.pk}" in page
    # the contractor sees its own contract's money; another company does not reach the page
    assert 'id="contract-money"' in english_client(company_user).get(contract.get_absolute_url()).content.decode()
    assert english_client(other_company_user).get(contract.get_absolute_url()).status_code == 404
