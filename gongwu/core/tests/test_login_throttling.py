"""Login throttling counts failures per username and per client address, each on its own.

Behind the reverse proxy every request comes from the proxy's address; the client is the right-most
X-Forwarded-For hop that is not a trusted proxy, so one client's failures never lock out another.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from gongwu.core import testing
from gongwu.core.middleware import client_ip
from gongwu.core.models import Role

PASSWORD = "gongwu-test-password"
PROXY = "127.0.0.1"
LOCKED_AT_THE_FIFTH = [200, 200, 200, 200, 429]  # the login page again, then "locked out"


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    agency = testing.AgencyFactory(name="鼓楼区建设工务署")
    return {name: testing.UserFactory(username=name, organization=agency, role=Role.STAFF) for name in ("lin", "chen")}


def sign_in(username: str, password: str, *, remote: str = PROXY, forwarded: str | None = None) -> int:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client(**headers).post("/login/", {"username": username, "password": password})
    return response.status_code


def test_five_failures_for_one_user_from_many_addresses_lock_that_user(people) -> None:
    assert [sign_in("lin", "wrong-password", remote=f"203.0.113.{n + 1}") for n in range(5)] == LOCKED_AT_THE_FIFTH
    assert sign_in("lin", PASSWORD, remote="198.51.100.9") == 429
    assert sign_in("chen", PASSWORD, remote="198.51.100.9") == 302


def test_five_failures_from_one_address_for_many_users_lock_that_address(people) -> None:
    assert [sign_in(f"guess{n}", "wrong-password", remote="203.0.113.7") for n in range(5)] == LOCKED_AT_THE_FIFTH
    assert sign_in("lin", PASSWORD, remote="203.0.113.7") == 429
    assert sign_in("lin", PASSWORD, remote="198.51.100.9") == 302


def test_behind_the_proxy_one_clients_failures_do_not_lock_out_another(people) -> None:
    assert [sign_in(f"guess{n}", "wrong-password", forwarded="203.0.113.7") for n in range(5)] == LOCKED_AT_THE_FIFTH
    assert sign_in("lin", PASSWORD, forwarded="203.0.113.7") == 429
    assert sign_in("chen", PASSWORD, forwarded="198.51.100.9") == 302


def test_a_client_cannot_escape_the_lock_by_writing_its_own_forwarded_hops(people) -> None:
    assert [
        sign_in(f"guess{n}", "wrong-password", forwarded=f"10.9.9.{n}, 203.0.113.7") for n in range(5)
    ] == LOCKED_AT_THE_FIFTH
    assert sign_in("lin", PASSWORD, forwarded="10.9.9.99, 203.0.113.7") == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),
        (PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (PROXY, "203.0.113.7, 127.0.0.1", "203.0.113.7"),  # a second proxy on this host
        (PROXY, None, PROXY),
        (PROXY, "not-an-address", PROXY),
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not through the trusted proxy: the header is ignored
    ],
)
def test_the_client_address_is_the_right_most_untrusted_hop(rf, remote, forwarded, client) -> None:
    request = rf.get("/", REMOTE_ADDR=remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}))
    assert client_ip(request) == client


@override_settings(BEHIND_PROXY=False)
def test_without_the_proxy_the_forwarded_header_is_ignored(rf) -> None:
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == PROXY
