"""API lists: the total only when asked, `has_more` and `next` from one extra row, the same rows and JSON as
before; and the token cache that makes a list cheap, which still refuses expired, revoked and deactivated tokens."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from gongwu.core import testing
from gongwu.core.generic import token_cache
from gongwu.core.models import APIToken, CalendarDay, OrganizationKind, Role
from gongwu.core.models.tokens import hash_token


@pytest.fixture
def world(db):
    agency = testing.AgencyFactory(name="鼓楼区建设工务署")
    other = testing.AgencyFactory(name="仓山区建设工务署")
    builders = [testing.CompanyFactory(name=f"闽江建设工程{n}有限公司") for n in range(4)]
    return {
        "agency": agency,
        "other": other,
        "other_department": testing.DepartmentFactory(name="仓山工程处", parent=other),
        "builders": builders,
        "staff": testing.UserFactory(organization=agency, role=Role.STAFF),
        "company_user": testing.UserFactory(organization=builders[0], role=Role.COMPANY),
    }


def contractors(client: Client, **params) -> dict:
    response = client.get("/api/organizations/", {"kind": OrganizationKind.CONTRACTOR, "order_by": "name", **params})
    assert response.status_code == 200, response.content
    return response.json()


def names(page: dict) -> list[str]:
    return [row["name"] for row in page["results"]]


# ---- count, has_more, next ----------------------------------------------------------------------


def test_the_total_is_counted_only_when_asked(world) -> None:
    client = testing.api_client(world["staff"])
    plain = contractors(client, limit=2)
    assert (plain["count"], plain["has_more"], len(plain["results"])) == (None, True, 2)
    counted = contractors(client, limit=2, count="true")
    assert (counted["count"], counted["has_more"], names(counted)) == (4, True, names(plain))


def test_count_is_not_queried_unless_asked(world) -> None:
    client = testing.api_client(world["staff"])
    contractors(client)  # the token is now remembered
    with CaptureQueriesContext(connection) as queries:
        contractors(client)
    assert not [q for q in queries if "COUNT(" in q["sql"] and "core_organization" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        contractors(client, count="true")
    assert len([q for q in queries if "COUNT(" in q["sql"] and "core_organization" in q["sql"]]) == 1


def test_pages_follow_next_to_the_last_page_of_an_exact_multiple(world) -> None:
    client = testing.api_client(world["staff"])
    first = contractors(client, limit=2)
    assert first["has_more"] is True
    assert first["next"] == "/api/organizations/?kind=contractor&order_by=name&limit=2&offset=2"
    second = client.get(first["next"]).json()
    assert (second["has_more"], second["next"]) == (False, None)
    assert names(first) + names(second) == [f"闽江建设工程{n}有限公司" for n in range(4)]


def test_a_last_page_shorter_than_the_limit_has_no_more(world) -> None:
    client = testing.api_client(world["staff"])
    last = contractors(client, limit=3, offset=3, count="true")
    assert (last["count"], last["has_more"], last["next"], names(last)) == (4, False, None, ["闽江建设工程3有限公司"])


def test_an_empty_list_and_a_page_past_the_end(world) -> None:
    client = testing.api_client(world["staff"])
    empty = client.get("/api/organizations/", {"kind": OrganizationKind.SURVEYOR, "count": "true"}).json()
    assert empty == {"count": 0, "has_more": False, "next": None, "results": []}
    past = contractors(client, offset=10)
    assert past == {"count": None, "has_more": False, "next": None, "results": []}


def test_a_limit_over_1000_is_capped_and_still_pages(world) -> None:
    client = testing.api_client(world["staff"])
    page = contractors(client, limit=5000, count="true")
    assert (page["count"], page["has_more"], len(page["results"])) == (4, False, 4)


def test_another_agencys_rows_never_appear_and_a_company_sees_only_itself(world) -> None:
    staff = testing.api_client(world["staff"]).get("/api/organizations/", {"limit": 1000, "count": "true"}).json()
    listed = set(names(staff))
    assert "鼓楼区建设工务署" in listed
    assert not listed & {"仓山区建设工务署", "仓山工程处"}
    assert staff["count"] == len(staff["results"])
    company = testing.api_client(world["company_user"]).get("/api/organizations/", {"count": "true"}).json()
    assert (company["count"], names(company), company["has_more"]) == (1, ["闽江建设工程0有限公司"], False)


def test_a_filter_by_another_agencys_organization_is_refused_not_answered(world) -> None:
    client = testing.api_client(world["staff"])
    refused = client.get("/api/organizations/", {"parent": world["other"].pk})
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["loc"] == ["body", "parent"]
    own = client.get("/api/organizations/", {"parent": world["agency"].pk, "count": "true"}).json()
    assert own["count"] == 0


def test_the_documented_page_has_count_has_more_and_next(world) -> None:
    client = Client()
    client.force_login(world["staff"])
    schema = client.get("/api/openapi.json").json()
    page = schema["components"]["schemas"]["OrganizationPage"]
    assert set(page["properties"]) == {"count", "has_more", "next", "results"}
    assert page["required"] == ["has_more", "results"]
    operation = schema["paths"]["/api/organizations/"]["get"]
    assert "count=true" in operation["description"]
    assert "count" in [p["name"] for p in operation["parameters"]]


# ---- the same JSON as the schema's ---------------------------------------------------------------


def test_list_rows_are_written_as_the_schema_writes_them(world) -> None:
    parent = world["agency"]
    department = testing.DepartmentFactory(name="鼓楼工程处", parent=parent, region="福州市鼓楼区")
    client = testing.api_client(world["staff"])
    [row] = client.get("/api/organizations/", {"q": "鼓楼工程处"}).json()["results"]
    assert row == {
        "id": department.pk,
        "name": "鼓楼工程处",
        "short_name": department.short_name,
        "kind": "department",
        "parent_id": parent.pk,
        "credit_code": department.credit_code,
        "region": "福州市鼓楼区",
        "address": department.address,
        "contact_person": department.contact_person,
        "contact_phone": department.contact_phone,
        "is_active": True,
    }
    assert row == client.get(f"/api/organizations/{department.pk}/").json()


def test_dates_are_written_as_before(world) -> None:
    day = CalendarDay.objects.create(date=datetime.date(2026, 12, 31), kind="holiday", name="元旦前夕")
    client = testing.api_client(world["staff"])
    [row] = [r for r in client.get("/api/calendar-days/", {"limit": 1000}).json()["results"] if r["id"] == day.pk]
    assert row == {"id": day.pk, "date": "2026-12-31", "kind": "holiday", "name": "元旦前夕", "notice": ""}


# ---- the token cache ----------------------------------------------------------------------------


def token_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/organizations/").status_code == 200
    return len([q for q in queries if "core_apitoken" in q["sql"]])


def test_a_remembered_token_is_not_looked_up_again_and_only_its_hash_is_kept(world) -> None:
    _token, raw = APIToken.issue(user=world["staff"], name="脚本")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_queries(client) == 2  # the lookup and the first "last used"
    assert token_queries(client) == 0
    assert hash_token(raw) in token_cache._entries
    assert raw not in repr(token_cache._entries)


def test_an_expired_token_is_refused_even_when_remembered(world, travel) -> None:
    _token, raw = APIToken.issue(user=world["staff"], name="脚本", expires=timezone.now() + datetime.timedelta(hours=1))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/organizations/").status_code == 200
    travel(timezone.now() + datetime.timedelta(hours=1, seconds=1))
    assert client.get("/api/organizations/").status_code == 401


def test_a_revoked_token_is_refused_at_once(world) -> None:
    token, raw = APIToken.issue(user=world["staff"], name="脚本")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/organizations/").status_code == 200
    browser = Client()
    browser.force_login(world["staff"])
    assert browser.post(f"/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/organizations/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(world) -> None:
    staff = world["staff"]
    client = testing.api_client(staff)
    assert client.get("/api/organizations/").status_code == 200
    staff.is_active = False
    staff.save()
    assert client.get("/api/organizations/").status_code == 401


def test_a_changed_role_applies_at_once(world) -> None:
    staff = world["staff"]
    client = testing.api_client(staff)
    assert client.get("/api/organizations/").status_code == 200
    staff.role = Role.COMPANY
    staff.organization = world["builders"][1]
    staff.save()
    assert names(client.get("/api/organizations/").json()) == ["闽江建设工程1有限公司"]


def test_a_change_made_by_another_process_applies_within_the_cache_time(world, monkeypatch) -> None:
    """Another process's write sends no signal here: `update()` stands for it. The entry lives its seconds."""
    staff = world["staff"]
    client = testing.api_client(staff)
    now = [1000.0]
    monkeypatch.setattr(token_cache, "clock", lambda: now[0])
    assert client.get("/api/organizations/").status_code == 200
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    now[0] += 29
    assert client.get("/api/organizations/").status_code == 200
    now[0] += 1
    assert client.get("/api/organizations/").status_code == 401


@override_settings(GONGWU_API_TOKEN_CACHE_SECONDS=0)
def test_with_no_cache_time_every_request_looks_the_token_up(world) -> None:
    staff = world["staff"]
    client = testing.api_client(staff)
    assert client.get("/api/organizations/").status_code == 200
    assert token_queries(client) == 1
    type(staff).objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get("/api/organizations/").status_code == 401
