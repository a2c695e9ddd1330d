"""Tenders: started from a plan, dates in order, bids and their bond accounts, the evaluation committee's
candidates, the award committee's decision (评定分离) with its refusals, and the failed tender (流标)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongwu.core.models import ChangeLogEntry, OrganizationKind
from gongwu.core.testing import CompanyFactory, english_client, stored
from gongwu.tenders import services
from gongwu.tenders.models import Bid, Method, PlanStatus, SubjectKind, Tender, TenderStatus
from gongwu.tenders.testing import BidFactory, TenderPlanFactory
from gongwu.tenders.tests.helpers import running_tender, wan

pytestmark = pytest.mark.usefixtures("english")


def last_log_id() -> int:
    return ChangeLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def unchanged(*objects: Any) -> list[Any]:
    return [stored(o) for o in objects]


# ---- starting a tender ------------------------------------------------------------------------------


def test_a_tender_runs_from_an_approved_plan_with_the_plans_kind_method_and_the_next_number(staff, project):
    plan = TenderPlanFactory(agency=project.agency, project=project, name="一中扩建施工总承包", status=PlanStatus.DRAFT)
    with pytest.raises(ValidationError) as refused:
        services.save_tender(instance=Tender(plan=plan), actor=staff)
    assert "a tender runs from an approved plan" in refused.value.message_dict["plan"][0]
    services.approve_plan(plan=plan, actor=staff)
    tender = services.save_tender(instance=Tender(plan=plan), actor=staff)
    assert (tender.number, tender.name, tender.subject_kind, tender.method, tender.status) == (
        f"ZB-{timezone.localdate().year}-001",
        "一中扩建施工总承包",
        SubjectKind.WORKS,
        Method.OPEN,
        TenderStatus.PREPARING,
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.TENDERING
    with pytest.raises(ValidationError) as again:
        services.save_tender(instance=Tender(plan=plan), actor=staff)
    assert "Another tender of this plan is running" in again.value.message_dict["plan"][0]


def test_the_status_follows_the_dates_recorded(staff, project):
    plan = TenderPlanFactory(agency=project.agency, project=project, status=PlanStatus.APPROVED)
    tender = services.save_tender(instance=Tender(plan=plan, notice_on=datetime.date(2026, 11, 1)), actor=staff)
    assert tender.status == TenderStatus.NOTICED
    tender.opening_on = datetime.date(2026, 11, 21)
    assert services.save_tender(instance=tender, actor=staff).status == TenderStatus.OPENED


def test_dates_out_of_order_are_refused_with_a_clear_message_and_nothing_changes(staff, project):
    tender, _bids = running_tender(project)
    before, log = stored(tender), last_log_id()
    client = english_client(staff)
    data = {
        "plan": tender.plan_id,
        "number": tender.number,
        "name": tender.name,
        "subject_kind": tender.subject_kind,
        "method": tender.method,
        "notice_on": "2026-10-20",
        "opening_on": "2026-10-10",
    }
    response = client.post(f"/tenders/list/{tender.pk}/edit/", data)
    assert response.status_code == 422
    assert "bid opening (开标) cannot come before notice (公告) (2026-10-20)." in response.content.decode()
    assert stored(tender) == before and last_log_id() == log


# ---- bids ----------------------------------------------------------------------------------------


def test_the_bond_account_is_kept_only_as_a_fingerprint_and_its_last_four_digits(staff, project):
    tender, _bids = running_tender(project, prices=["4800"])
    company = CompanyFactory(kind=OrganizationKind.CONTRACTOR)
    number = "6222 0212 3456 7890 123"
    bid = services.save_bid(
        instance=Bid(tender=tender, bidder=company, price=wan("4750")), actor=staff, data={"bond_account": number}
    )
    other = services.save_bid(
        instance=Bid(tender=tender, bidder=CompanyFactory(kind=OrganizationKind.CONTRACTOR), price=wan("4760")),
        actor=staff,
        data={"bond_account": "6222-0212-3456-7890-123"},
    )
    assert bid.bond_account_last4 == "0123"
    assert len(bid.bond_account_fingerprint) == 64
    assert bid.bond_account_fingerprint == other.bond_account_fingerprint  # the same account, however written
    digits = number.replace(" ", "")
    for entry in ChangeLogEntry.objects.all():
        assert digits not in str(entry.before) + str(entry.after)
        assert bid.bond_account_fingerprint not in str(entry.after)
    page = english_client(staff).get(tender.get_absolute_url()).content.decode()
    assert "Bonds paid from the same account" in page
    assert digits not in page


def test_a_bad_account_number_is_refused_without_repeating_it(staff, project):
    tender, _bids = running_tender(project, prices=[])
    with pytest.raises(ValidationError) as refused:
        services.save_bid(
            instance=Bid(tender=tender, bidder=CompanyFactory(), price=wan("1")),
            actor=staff,
            data={"bond_account": "12ab"},
        )
    assert refused.value.message_dict["bond_account"] == ["A bank account number is 8 to 30 digits (spaces allowed)."]
    assert not Bid.objects.exists()


def test_bids_no_longer_change_once_the_tender_is_awarded(staff, project):
    tender, _bids = running_tender(project)
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.AWARDED)
    with pytest.raises(ValidationError) as refused:
        services.save_bid(instance=Bid(tender=tender, bidder=CompanyFactory(), price=wan("1")), actor=staff)
    assert "its bids no longer change" in refused.value.messages[0]


# ---- candidates ------------------------------------------------------------------------------------


def test_candidates_are_ranked_among_qualified_bids_and_a_disqualified_one_is_refused(staff, project):
    tender, (a, b, c) = running_tender(project, prices=["4800", "4700", "4900", "4600"][:3])
    services.disqualify_bid(bid=c, actor=staff, reason="资质不符")
    before = unchanged(a, b, c, tender)
    with pytest.raises(ValidationError) as refused:
        services.recommend_candidates(tender=tender, actor=staff, bids=[b, c])
    assert "is disqualified (资质不符) and cannot be recommended" in refused.value.message_dict["bids"][0]
    assert unchanged(a, b, c, tender) == before
    services.recommend_candidates(tender=tender, actor=staff, bids=[b, a])
    assert [Bid.objects.get(pk=x.pk).recommended_rank for x in (a, b, c)] == [2, 1, None]
    tender.refresh_from_db()
    assert (tender.status, tender.evaluation_on) == (TenderStatus.EVALUATED, timezone.localdate())


# ---- the award ---------------------------------------------------------------------------------------


def test_an_award_to_a_company_that_did_not_bid_is_refused_and_nothing_changes(staff, project):
    tender, bids = running_tender(project)
    outsider = CompanyFactory(kind=OrganizationKind.CONTRACTOR, name="未投标建设有限公司")
    before, log = unchanged(tender, tender.plan, *bids), last_log_id()
    with pytest.raises(ValidationError) as refused:
        services.award_tender(tender=tender, actor=staff, winner=outsider, award_reason="领导指定")
    assert refused.value.message_dict["winner"] == [
        "未投标建设有限公司 did not bid in this tender; the winner is one of its bidders."
    ]
    assert unchanged(tender, tender.plan, *bids) == before and last_log_id() == log


def test_an_award_to_a_disqualified_bidder_is_refused_and_nothing_changes(staff, project):
    tender, bids = running_tender(project, prices=["4800", "4700", "4900", "4650"])
    services.disqualify_bid(bid=bids[3], actor=staff, reason="围标嫌疑")
    before, log = unchanged(tender, tender.plan, *bids), last_log_id()
    with pytest.raises(ValidationError) as refused:
        services.award_tender(tender=tender, actor=staff, winner=bids[3].bidder, award_reason="最低价")
    assert "bid is disqualified (围标嫌疑); it cannot win." in refused.value.message_dict["winner"][0]
    assert unchanged(tender, tender.plan, *bids) == before and last_log_id() == log


def test_the_first_candidate_wins_without_reasons_at_its_bid_price_and_the_plan_is_done(staff, project):
    tender, (a, b, _c) = running_tender(project)
    services.recommend_candidates(tender=tender, actor=staff, bids=[b, a])
    services.award_tender(tender=tender, actor=staff, winner=b.bidder)
    tender.refresh_from_db()
    assert (tender.status, tender.winner, tender.award_price, tender.decision_on, tender.award_notice_on) == (
        TenderStatus.AWARDED,
        b.bidder,
        Decimal("47000000.00"),
        timezone.localdate(),
        timezone.localdate(),
    )
    tender.plan.refresh_from_db()
    assert tender.plan.status == PlanStatus.DONE


def test_a_winner_outside_the_first_candidate_needs_the_award_committees_reasons(staff, project):
    tender, (a, b, c) = running_tender(project)
    services.recommend_candidates(tender=tender, actor=staff, bids=[b, a])
    before = unchanged(tender)
    with pytest.raises(ValidationError) as second:
        services.award_tender(tender=tender, actor=staff, winner=a.bidder)
    assert (
        "is candidate 2, not the first: give the award committee's reasons."
        in second.value.message_dict["award_reason"][0]
    )
    with pytest.raises(ValidationError) as not_recommended:
        services.award_tender(tender=tender, actor=staff, winner=c.bidder)
    assert "is not a recommended candidate" in not_recommended.value.message_dict["award_reason"][0]
    assert unchanged(tender) == before
    services.award_tender(
        tender=tender, actor=staff, winner=a.bidder, award_reason="综合考察履约能力", award_price=wan("4790")
    )
    tender.refresh_from_db()
    assert (tender.winner, tender.award_price, tender.award_reason) == (a.bidder, wan("4790"), "综合考察履约能力")


def test_an_open_tender_with_fewer_than_three_qualified_bids_cannot_be_awarded_but_fails(staff, project):
    tender, (a, _b, c) = running_tender(project)
    services.disqualify_bid(bid=c, actor=staff, reason="未按要求递交保证金")
    before = unchanged(tender, tender.plan)
    with pytest.raises(ValidationError) as refused:
        services.award_tender(tender=tender, actor=staff, winner=a.bidder, award_reason="唯一")
    assert "fewer than 3 qualified bids (here 2) cannot be awarded" in refused.value.messages[0]
    assert unchanged(tender, tender.plan) == before
    page = english_client(staff).get(tender.get_absolute_url()).content.decode()
    assert 'id="too-few"' in page
    services.fail_tender(tender=tender, actor=staff, reason="有效投标人不足3家")
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    assert "有效投标人不足3家" in tender.note
    again = services.save_tender(instance=Tender(plan=tender.plan), actor=staff)
    assert again.number == f"ZB-{timezone.localdate().year}-001"  # the factory's numbers are of another pattern


def test_an_invited_tender_with_two_bids_may_be_awarded(staff, project):
    tender, (a, _b) = running_tender(project, prices=["4800", "4700"], method=Method.INVITED)
    services.award_tender(tender=tender, actor=staff, winner=a.bidder, award_reason="邀请招标评定")
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED


def test_an_award_decided_before_the_evaluation_is_refused(staff, project):
    tender, (a, _b, _c) = running_tender(project)
    services.recommend_candidates(tender=tender, actor=staff, bids=[a], evaluation_on=datetime.date(2026, 11, 25))
    with pytest.raises(ValidationError) as refused:
        services.award_tender(tender=tender, actor=staff, winner=a.bidder, decision_on=datetime.date(2026, 11, 24))
    assert "cannot come before evaluation (评标) (2026-11-25)" in refused.value.message_dict["decision_on"][0]


# ---- eligibility -------------------------------------------------------------------------------------


def test_the_winner_must_be_active_and_of_a_kind_fit_for_the_subject(staff, project):
    supervisor = CompanyFactory(kind=OrganizationKind.SUPERVISOR, name="监理咨询有限公司")
    inactive = CompanyFactory(kind=OrganizationKind.CONTRACTOR, name="停业建设有限公司", is_active=False)
    tender, _bids = running_tender(project, prices=["4800", "4700", "4900"])
    BidFactory(tender=tender, bidder=supervisor, price=wan("4500"))
    BidFactory(tender=tender, bidder=inactive, price=wan("4400"))
    with pytest.raises(ValidationError) as refused:
        services.award_tender(tender=tender, actor=staff, winner=supervisor, award_reason="最低价")
    assert refused.value.message_dict["winner"] == [
        "监理咨询有限公司 is a Supervisor; a Works (施工) tender is won by a Contractor."
    ]
    with pytest.raises(ValidationError) as stopped:
        services.award_tender(tender=tender, actor=staff, winner=inactive, award_reason="最低价")
    assert stopped.value.message_dict["winner"] == ["停业建设有限公司 is not active."]
    page = english_client(staff).get(tender.get_absolute_url()).content.decode()
    assert "监理咨询有限公司 is a Supervisor" in page


def test_a_supervision_tender_is_won_by_a_supervisor_or_consultant(staff, project):
    supervisor = CompanyFactory(kind=OrganizationKind.SUPERVISOR)
    tender, _bids = running_tender(project, kind=SubjectKind.SUPERVISION, prices=["300", "310"], method=Method.INVITED)
    assert services.ineligibility_reasons(supervisor, tender) == []
    assert services.ineligibility_reasons(CompanyFactory(kind=OrganizationKind.CONSULTANT), tender) == []


def test_a_registered_check_adds_its_reasons(staff, project, monkeypatch):
    monkeypatch.setattr(services, "ELIGIBILITY_CHECKS", [])
    services.register_eligibility_check(lambda company, tender: ["列入黑名单"])
    tender, bids = running_tender(project)
    assert services.ineligibility_reasons(bids[0].bidder, tender) == ["列入黑名单"]


# ---- the pages' forms ----------------------------------------------------------------------------------


def test_the_award_form_shows_the_refusal_and_changes_nothing(staff, project):
    tender, _bids = running_tender(project)
    outsider = CompanyFactory(kind=OrganizationKind.CONTRACTOR, name="未投标建设有限公司")
    before = stored(tender)
    response = english_client(staff).post(f"/tenders/list/{tender.pk}/award/", {"winner": outsider.pk})
    assert response.status_code == 422
    assert "未投标建设有限公司 did not bid in this tender" in response.content.decode()
    assert stored(tender) == before


def test_the_candidates_and_award_forms_record_the_decision(staff, project):
    tender, (a, b, _c) = running_tender(project)
    client = english_client(staff)
    gap = client.post(f"/tenders/list/{tender.pk}/recommend/", {f"rank_{a.pk}": "1", f"rank_{b.pk}": "3"})
    assert gap.status_code == 422 and "Ranks go 1, 2, 3 without gaps or repeats." in gap.content.decode()
    ok = client.post(f"/tenders/list/{tender.pk}/recommend/", {f"rank_{a.pk}": "2", f"rank_{b.pk}": "1"})
    assert ok.status_code == 302
    no_reason = client.post(f"/tenders/list/{tender.pk}/award/", {"winner": a.bidder_id})
    assert no_reason.status_code == 422
    assert "give the award committee&#x27;s reasons" in no_reason.content.decode()
    awarded = client.post(f"/tenders/list/{tender.pk}/award/", {"winner": a.bidder_id, "award_reason": "业绩更优"})
    assert awarded.status_code == 302
    tender.refresh_from_db()
    assert (tender.status, tender.winner_id, tender.award_price) == (TenderStatus.AWARDED, a.bidder_id, a.price)


def test_a_company_cannot_take_the_committees_steps(project, contractors):
    from gongwu.core.models import Role
    from gongwu.core.testing import UserFactory

    tender, bids = running_tender(project, bidders=contractors[:3])
    user = UserFactory(organization=contractors[0], role=Role.COMPANY)
    before = stored(tender)
    client = english_client(user)
    assert client.post(f"/tenders/list/{tender.pk}/award/", {"winner": contractors[0].pk}).status_code == 403
    assert client.post(f"/tenders/list/{tender.pk}/fail/", {"reason": "x"}).status_code == 403
    assert client.post(f"/tenders/bids/{bids[1].pk}/disqualify/", {"reason": "x"}).status_code in (403, 404)
    assert stored(tender) == before
