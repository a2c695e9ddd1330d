"""Companies see the tenders they bid in and their own bids; other bidders' bids (and prices) only once the
tender is awarded; a company that did not bid sees nothing. Pages and API alike. The bond account number is
never returned by the API nor written to the change log."""

from __future__ import annotations

from typing import Any

import pytest

from gongwu.core.models import ChangeLogEntry, OrganizationKind, Role
from gongwu.core.testing import CompanyFactory, UserFactory, api_client, english_client
from gongwu.tenders import services
from gongwu.tenders.tests.helpers import running_tender

pytestmark = pytest.mark.usefixtures("english")

PRICES = ["4811", "4722", "4933"]
SHOWN = ["4,811.00 ten-thousand yuan", "4,722.00 ten-thousand yuan", "4,933.00 ten-thousand yuan"]


@pytest.fixture
def tender_bids(project: Any, contractors: list[Any]) -> tuple[Any, list[Any]]:
    return running_tender(project, bidders=contractors[:3], prices=PRICES)


@pytest.fixture
def bidder(contractors: list[Any]) -> Any:
    return UserFactory(organization=contractors[0], role=Role.COMPANY)


@pytest.fixture
def stranger(contractors: list[Any]) -> Any:
    return UserFactory(organization=contractors[3], role=Role.COMPANY)


def award(tender: Any, bids: list[Any], staff: Any) -> None:
    services.recommend_candidates(tender=tender, actor=staff, bids=[bids[1]])
    services.award_tender(tender=tender, actor=staff, winner=bids[1].bidder)


def test_a_bidder_sees_its_own_price_and_no_rivals_before_the_award_and_all_after(tender_bids, bidder, staff):
    tender, bids = tender_bids
    client = english_client(bidder)
    page = client.get(tender.get_absolute_url()).content.decode()
    assert SHOWN[0] in page and SHOWN[1] not in page and SHOWN[2] not in page
    assert 'id="prices-hidden"' in page
    assert 'id="award-form"' not in page and 'id="recommend"' not in page
    listed = client.get("/tenders/bids/", {"per_page": 100}).content.decode()
    assert f'href="{bids[0].get_absolute_url()}"' in listed
    assert f'href="{bids[1].get_absolute_url()}"' not in listed
    assert client.get(bids[1].get_absolute_url()).status_code == 404
    award(tender, bids, staff)
    page = client.get(tender.get_absolute_url()).content.decode()
    assert all(shown in page for shown in SHOWN)
    assert client.get(bids[1].get_absolute_url()).status_code == 200


def test_the_api_gives_a_bidder_its_own_bid_only_until_the_award(tender_bids, bidder, staff):
    tender, bids = tender_bids
    client = api_client(bidder)
    listed = client.get("/api/bids/", {"limit": 100}).json()["results"]
    assert [(row["id"], row["price"]) for row in listed] == [(bids[0].pk, "48110000.00")]
    assert client.get(f"/api/bids/{bids[1].pk}/").status_code == 404
    assert client.get("/api/bids/", {"tender": tender.pk}).json()["results"][0]["id"] == bids[0].pk
    assert [row["id"] for row in client.get("/api/tenders/").json()["results"]] == [tender.pk]
    award(tender, bids, staff)
    listed = client.get("/api/bids/", {"limit": 100}).json()["results"]
    assert sorted(row["price"] for row in listed) == ["47220000.00", "48110000.00", "49330000.00"]
    assert client.get(f"/api/tenders/{tender.pk}/").json()["winner_id"] == bids[1].bidder_id


def test_a_company_that_did_not_bid_sees_nothing(tender_bids, stranger, staff):
    tender, bids = tender_bids
    award(tender, bids, staff)
    client = english_client(stranger)
    assert client.get(tender.get_absolute_url()).status_code == 404
    assert f'href="{tender.get_absolute_url()}"' not in client.get("/tenders/list/").content.decode()
    assert client.get(bids[0].get_absolute_url()).status_code == 404
    api = api_client(stranger)
    assert api.get("/api/bids/").json()["results"] == []
    assert api.get("/api/tenders/").json()["results"] == []
    assert api.get(f"/api/tenders/{tender.pk}/").status_code == 404


def test_a_company_sees_no_plan_and_no_scheme(tender_bids, bidder):
    tender, _bids = tender_bids
    client = english_client(bidder)
    assert client.get(tender.plan.get_absolute_url()).status_code in (403, 404)
    assert api_client(bidder).get("/api/tender-plans/").status_code in (200, 403)
    page = client.get(tender.get_absolute_url()).content.decode()
    assert f'href="{tender.plan.get_absolute_url()}"' not in page


def test_a_company_cannot_award_recommend_or_fail_through_the_api(tender_bids, bidder):
    tender, bids = tender_bids
    client = api_client(bidder)
    for path, body in (
        ("award", {"winner_id": bids[0].bidder_id, "award_reason": "自己"}),
        ("recommend", {"bids": [bids[0].pk]}),
        ("fail", {"reason": "x"}),
    ):
        response = client.post(f"/api/tenders/{tender.pk}/{path}/", body, content_type="application/json")
        assert response.status_code == 403, (path, response.content)
    tender.refresh_from_db()
    assert tender.status == "opened" and tender.winner_id is None


def test_the_bond_account_number_is_never_in_the_api_or_the_change_log(tender_bids, staff):
    tender, _bids = tender_bids
    number = "6217000010012345678"
    company = CompanyFactory(kind=OrganizationKind.CONTRACTOR)
    client = api_client(staff)
    created = client.post(
        "/api/bids/",
        {"tender_id": tender.pk, "bidder_id": company.pk, "price": "47000000", "bond_account": number},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["bond_account_last4"] == "5678"
    assert "bond_account" not in body and "bond_account_fingerprint" not in body
    for text in (
        created.content.decode(),
        client.get(f"/api/bids/{body['id']}/").content.decode(),
        client.get("/api/bids/", {"limit": 100}).content.decode(),
    ):
        assert number not in text and "fingerprint" not in text
    for entry in ChangeLogEntry.objects.all():
        assert number not in str(entry.before) + str(entry.after)
    changelog = client.get("/api/changelog/", {"limit": 1000}).content.decode()
    assert number not in changelog


def test_the_api_award_refuses_a_non_bidder_with_422_and_nothing_changes(tender_bids, staff):
    tender, _bids = tender_bids
    outsider = CompanyFactory(kind=OrganizationKind.CONTRACTOR, name="未投标建设有限公司")
    response = api_client(staff).post(
        f"/api/tenders/{tender.pk}/award/",
        {"winner_id": outsider.pk, "award_reason": "指定"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "winner"],
            "msg": "未投标建设有限公司 did not bid in this tender; the winner is one of its bidders.",
        }
    ]
    tender.refresh_from_db()
    assert tender.winner_id is None and tender.status == "opened"


def test_the_api_recommends_awards_and_fails(project, contractors, staff):
    tender, bids = running_tender(project, bidders=contractors[:3], prices=PRICES)
    client = api_client(staff)
    ranked = client.post(
        f"/api/tenders/{tender.pk}/recommend/", {"bids": [bids[1].pk, bids[0].pk]}, content_type="application/json"
    )
    assert ranked.status_code == 200 and ranked.json()["status"] == "evaluated"
    awarded = client.post(
        f"/api/tenders/{tender.pk}/award/", {"winner_id": bids[1].bidder_id}, content_type="application/json"
    )
    assert awarded.status_code == 200, awarded.content
    assert (awarded.json()["status"], awarded.json()["award_price"]) == ("awarded", "47220000.00")
    again = client.post(f"/api/tenders/{tender.pk}/fail/", {"reason": "x"}, content_type="application/json")
    assert again.status_code == 422
    other, _ = running_tender(project, prices=["1", "2"])
    failed = client.post(f"/api/tenders/{other.pk}/fail/", {"reason": "投标人不足"}, content_type="application/json")
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
