"""Changes (变更/签证): the approval bands at their edges, approvals level by level, the technical committee,
company requests on their own contracts only, voiding, spot checks drawn reproducibly, the ledger."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongwu.contracts import changes
from gongwu.contracts.imports_money import ChangeLedger
from gongwu.contracts.models import (
    DEFAULT_CHANGE_BANDS,
    ApprovalLevel,
    Change,
    ChangeApproval,
    ChangeBand,
    ChangeKind,
    ChangeStatus,
    SpotCheck,
)
from gongwu.contracts.tests.money_helpers import WAN, approved_change
from gongwu.core.models import ChangeLogEntry
from gongwu.core.testing import api_client, english_client, stored

pytest_plugins = ["gongwu.contracts.tests.money"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
L = ApprovalLevel


def new_change(contract, actor, amount, **extra) -> Change:
    return changes.save_change(
        instance=Change(
            contract=contract,
            kind=extra.pop("kind", ChangeKind.DESIGN),
            title="加固",
            reason="地质",
            amount=amount,
            **extra,
        ),
        actor=actor,
    )


# ---- bands --------------------------------------------------------------------------------------------------


def test_an_agency_gets_the_default_bands_once(agency):
    first = changes.bands_of(agency)
    assert [(b.level, b.max_amount, b.max_cumulative_percent, b.needs_committee, b.flags_audit) for b in first] == [
        tuple(band) for band in DEFAULT_CHANGE_BANDS
    ]
    assert changes.bands_of(agency) == first
    assert ChangeBand.objects.filter(agency=agency).count() == 4
    assert ChangeLogEntry.objects.filter(object_repr__in=[str(b) for b in first]).count() == 4


@pytest.mark.parametrize(
    ("amount", "percent", "level"),
    [
        (10 * WAN, Decimal("2.99"), L.DIRECTOR),
        (10 * WAN, Decimal("3.00"), L.DEPARTMENT),  # the cumulative limit is "below"
        (10 * WAN + Decimal("0.01"), Decimal("0"), L.DEPARTMENT),  # the amount limit is "up to"
        (-10 * WAN, Decimal("-2.99"), L.DIRECTOR),  # a reduction is measured by its size
        (50 * WAN, Decimal("4.99"), L.DEPARTMENT),
        (50 * WAN, Decimal("5.00"), L.LEADER),
        (200 * WAN, Decimal("9.99"), L.LEADER),
        (200 * WAN, Decimal("10.00"), L.MEETING),  # exactly 10 %: the meeting, and an audit
        (200 * WAN + 1, Decimal("0"), L.MEETING),
    ],
)
def test_the_band_is_the_lowest_covering_amount_and_cumulative_percent(agency, amount, percent, level):
    band = changes.band_for(changes.bands_of(agency), amount, percent)
    assert band.level == level
    assert band.flags_audit is (level == L.MEETING)


def test_submitting_works_out_the_cumulative_percent_with_the_approved_changes(contract, staff):
    approved_change(contract, 800 * WAN, D(2026, 5, 1))  # 8 % already
    just_below = new_change(contract, staff, 199 * WAN)  # 9.99 %
    changes.submit_change(just_below, staff)
    just_below.refresh_from_db()
    assert (just_below.cumulative_percent, just_below.level_required, just_below.flags_audit) == (
        Decimal("9.99"),
        L.LEADER,
        False,
    )
    exactly = new_change(contract, staff, 200 * WAN)  # 10.00 %
    changes.submit_change(exactly, staff)
    exactly.refresh_from_db()
    assert (exactly.cumulative_percent, exactly.level_required, exactly.flags_audit, exactly.needs_committee) == (
        Decimal("10.00"),
        L.MEETING,
        True,
        True,
    )
    assert exactly.number == "BG-002" and just_below.number == "BG-001"


# ---- approvals --------------------------------------------------------------------------------------------


def test_an_approval_above_the_approvers_role_is_refused_and_nothing_changes(contract, director, staff, staff2):
    change = new_change(contract, director, 30 * WAN)  # above 10 万: the department head
    changes.submit_change(change, director)
    change.refresh_from_db()
    assert change.level_required == L.DEPARTMENT
    changes.approve_change(change, staff)  # level 1
    before = stored(change)
    with pytest.raises(PermissionDenied) as refused:
        changes.approve_change(change, director)
    assert "needs the approval of the Department head (部门负责人) next" in str(refused.value)
    assert "your role (Project director) approves up to Project director (项目主任)" in str(refused.value)
    assert stored(change) == before
    assert ChangeApproval.objects.filter(change=change).count() == 1
    contract.refresh_from_db()
    assert contract.changes_amount == 0
    with pytest.raises(PermissionDenied, match="another person approves the next one"):
        changes.approve_change(change, staff)
    approved = changes.approve_change(change, staff2, comment="同意")
    assert (approved.status, approved.level_approved, approved.approved_on) == (
        ChangeStatus.APPROVED,
        L.DEPARTMENT,
        timezone.localdate(),
    )
    contract.refresh_from_db()
    assert contract.changes_amount == 30 * WAN


def test_the_submitter_does_not_approve_and_a_level_out_of_turn_is_refused(contract, staff, staff2):
    change = new_change(contract, staff, 5 * WAN)
    changes.submit_change(change, staff)
    with pytest.raises(PermissionDenied, match="others than the person who submitted"):
        changes.approve_change(change, staff)
    with pytest.raises(ValidationError, match="Project director"):
        changes.approve_change(change, staff2, level=2)
    assert changes.approve_change(change, staff2, level=1).status == ChangeStatus.APPROVED


def test_the_committee_decides_before_the_last_approval_of_a_change_that_needs_it(
    contract, director, staff, leader, leader2
):
    approved_change(contract, 400 * WAN, D(2026, 5, 1))
    change = new_change(contract, director, 150 * WAN)  # 5.5 % with it: the leader, with the technical committee
    changes.submit_change(change, director)
    changes.approve_change(change, staff)
    changes.approve_change(change, leader2)
    before = stored(change)
    with pytest.raises(ValidationError, match="technical committee's review"):
        changes.approve_change(change, leader)
    assert stored(change) == before
    with pytest.raises(ValidationError):
        changes.record_committee(change, leader, topic="", decided_on=D(2026, 11, 30))
    changes.record_committee(change, leader, topic="2026年第12次技术委员会", decided_on=D(2026, 11, 30))
    approved = changes.approve_change(change, leader)
    assert (approved.status, approved.cumulative_percent, approved.needs_committee) == (
        ChangeStatus.APPROVED,
        Decimal("5.50"),
        True,
    )
    contract.refresh_from_db()
    assert contract.changes_amount == 550 * WAN


def test_a_change_approved_elsewhere_meanwhile_raises_the_level_needed(contract, director, staff, staff2):
    change = new_change(contract, director, 40 * WAN)  # 0.4 %: the department head
    changes.submit_change(change, director)
    changes.approve_change(change, staff)
    approved_change(contract, 460 * WAN, D(2026, 11, 1))  # now 4.6 % + 0.4 % = 5 %: the leader
    approved = changes.approve_change(change, staff2)
    assert (approved.status, approved.level_required, approved.level_approved) == (
        ChangeStatus.SUBMITTED,
        L.LEADER,
        L.DEPARTMENT,
    )


def test_return_and_resubmit_starts_the_approvals_again_and_reject_ends_it(contract, director, staff, staff2):
    change = new_change(contract, director, 5 * WAN)
    changes.submit_change(change, director)
    with pytest.raises(ValidationError):
        changes.return_change(change, staff, comment="")
    returned = changes.return_change(change, staff, comment="补充计算书")
    assert (returned.status, returned.level_approved) == (ChangeStatus.RETURNED, None)
    changes.submit_change(change, director)
    rejected = changes.reject_change(change, staff2, comment="不合理")
    assert rejected.status == ChangeStatus.REJECTED
    with pytest.raises(ValidationError, match="only a submitted change is approved"):
        changes.approve_change(change, staff)


def test_voiding_an_approved_change_takes_it_out_of_the_contracts_changes(contract, director, staff, leader):
    change = new_change(contract, director, 5 * WAN)
    changes.submit_change(change, director)
    changes.approve_change(change, staff)
    contract.refresh_from_db()
    assert contract.changes_amount == 5 * WAN
    with pytest.raises(ValidationError):
        changes.void_change(instance=change, actor=staff, reason="")
    changes.void_change(instance=change, actor=staff, reason="重复申报")
    contract.refresh_from_db()
    assert contract.changes_amount == 0


# ---- companies ------------------------------------------------------------------------------------------


def test_a_company_requests_changes_on_its_own_contract_only(contract, other_contract, company_user):
    with pytest.raises(PermissionDenied):
        new_change(other_contract, company_user, 5 * WAN)
    assert not Change.objects.filter(contract=other_contract).exists()
    own = new_change(contract, company_user, 5 * WAN)
    assert changes.submit_change(own, company_user).status == ChangeStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        changes.approve_change(own, company_user)


def test_a_company_creates_and_submits_a_change_request_through_the_api(
    contract, other_contract, company_user, other_company_user, staff
):
    client = api_client(company_user)
    payload = {"contract_id": other_contract.pk, "kind": "site", "title": "签证", "reason": "现场", "amount": "50000"}
    refused = client.post("/api/changes/", payload, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "contract"]
    assert not Change.objects.exists()
    payload["contract_id"] = contract.pk
    created = client.post("/api/changes/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    submitted = client.post(f"/api/changes/{pk}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert client.post(f"/api/changes/{pk}/approve/", {}, content_type="application/json").status_code == 403
    rival = api_client(other_company_user)
    assert rival.get(f"/api/changes/{pk}/").status_code == 404
    assert rival.get("/api/changes/").json()["results"] == []
    decided = api_client(staff).post(
        f"/api/changes/{pk}/approve/", {"comment": "同意"}, content_type="application/json"
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "approved"


def test_the_change_page_shows_the_next_level_and_refuses_a_decision_beyond_the_users_band(contract, director, staff):
    change = new_change(contract, director, 30 * WAN)
    changes.submit_change(change, director)
    client = english_client(director)
    page = client.get(change.get_absolute_url())
    assert page.status_code == 200
    assert "Next: Project director (项目主任)" in page.content.decode()
    changes.approve_change(change, staff)
    response = client.post(f"/contracts/changes/{change.pk}/approve/", follow=True)
    assert "your role (Project director) approves up to Project director (项目主任)" in response.content.decode()
    change.refresh_from_db()
    assert change.level_approved == L.DIRECTOR


# ---- spot checks ------------------------------------------------------------------------------------------


def test_a_spot_check_draw_is_reproducible_from_its_seed(agency, contract, staff):
    drawn_changes = [approved_change(contract, WAN, D(2026, 3, 1) + datetime.timedelta(days=i)) for i in range(20)]
    approved_change(contract, WAN, D(2025, 12, 31))  # before the period: never drawn
    spot_check = changes.save_spot_check(
        instance=SpotCheck(
            agency=agency, name="2026年变更抽查", period_from=D(2026, 1, 1), period_to=D(2026, 6, 30), size=9
        ),
        actor=staff,
    )
    drawn = changes.draw(spot_check, staff, seed="a3f1c9e07b2d4e68")
    assert (drawn.population, drawn.seed, drawn.items.count()) == (20, "a3f1c9e07b2d4e68", 9)
    recorded = list(drawn.items.order_by("id").values_list("change_id", flat=True))
    population = sorted(c.pk for c in drawn_changes)
    assert recorded == changes.draw_ids(population, 9, "a3f1c9e07b2d4e68")
    assert changes.draw_ids(list(reversed(population)), 9, "a3f1c9e07b2d4e68") == recorded
    check = changes.verify_draw(drawn)
    assert check.matches and check.population == 20
    # a change voided after the draw does not change the population the draw is checked against
    changes.void_change(instance=drawn_changes[0], actor=staff, reason="错误")
    assert changes.verify_draw(SpotCheck.objects.get(pk=drawn.pk)).matches
    with pytest.raises(ValidationError, match="already made"):
        changes.draw(drawn, staff)
    page = english_client(staff).get(f"{drawn.get_absolute_url()}?verify=1")
    assert "the same changes" in page.content.decode()
    assert "a3f1c9e07b2d4e68" in page.content.decode()


def test_a_draw_over_an_empty_period_is_refused(agency, staff):
    spot_check = changes.save_spot_check(
        instance=SpotCheck(agency=agency, name="空", period_from=D(2026, 1, 1), period_to=D(2026, 1, 31), size=3),
        actor=staff,
    )
    with pytest.raises(ValidationError, match="nothing to draw"):
        changes.draw(spot_check, staff)
    assert SpotCheck.objects.get(pk=spot_check.pk).seed == ""


# ---- the ledger -------------------------------------------------------------------------------------------


def test_the_change_ledger_reimports_unchanged_and_imports_new_rows_as_drafts(contract, staff):
    approved = new_change(contract, staff, 5 * WAN)
    changes.submit_change(approved, staff)
    ledger = ChangeLedger()
    stream = io.BytesIO()
    ledger.write_xlsx(Change.objects.filter(contract=contract), stream)
    rows = ledger.read(stream.getvalue(), "changes.xlsx")
    assert ledger.preview(rows, staff).summary == {"create": 0, "update": 0, "unchanged": 1, "error": 0}
    new_row = dict(rows[0][1], number="", title="新增签证", amount=12345)
    result = ledger.apply([*rows, (3, new_row)], staff)
    assert result.summary == {"create": 1, "update": 0, "unchanged": 1, "error": 0}
    created = Change.objects.get(title="新增签证")
    assert (created.status, created.amount, created.number) == (ChangeStatus.DRAFT, Decimal("12345"), "BG-002")
