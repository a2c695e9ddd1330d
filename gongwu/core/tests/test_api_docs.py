"""The OpenAPI schema and its documentation page are for signed-in users, unless the operator opens them."""

from typing import Any

import pytest
from django.test import Client, override_settings

from gongwu.core import testing
from gongwu.core.models import Role


@pytest.fixture
def staff(db: Any) -> Any:
    return testing.UserFactory(organization=testing.AgencyFactory(name="鼓楼区建设工务署"), role=Role.STAFF)


def test_an_anonymous_visitor_gets_neither_the_schema_nor_the_docs(db: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 401
    assert schema.json() == {"detail": "Sign in or send an API token."}
    docs = client.get("/api/docs")
    assert docs.status_code == 302
    assert docs["Location"] == "/login/?next=/api/docs"


def test_a_wrong_token_gets_no_schema(db: Any) -> None:
    assert Client(HTTP_AUTHORIZATION="Bearer gw_not-a-token").get("/api/openapi.json").status_code == 401


def test_a_signed_in_user_reads_the_docs_and_the_schema(staff: Any) -> None:
    client = testing.english_client(staff)
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Gongwu API"


def test_an_api_token_reads_the_schema(staff: Any) -> None:
    response = testing.api_client(staff).get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/projects/" in response.json()["paths"]


@override_settings(GONGWU_API_DOCS_PUBLIC=True)
def test_with_public_docs_on_anyone_reads_them(db: Any) -> None:
    client = Client()
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
