"""Fuzzing the JSON API from its own OpenAPI schema: no input gives a 500, every answer matches the schema.

schemathesis generates requests for every operation (valid ones and ones that break the schema) and checks
each response: no 5xx, a documented status code and content type, a body that validates against the
documented schema. The examples per operation are few and derived from a fixed seed, so the run is bounded
and repeats exactly; raise FUZZ_EXAMPLES locally to search harder. Two phases run for each operation: the
coverage phase (boundary and type-breaking values of every parameter: it finds `[null]` in a list of ids)
and a few random examples, valid and invalid.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from gongwu.alerts.testing import opened_case
from gongwu.api import api
from gongwu.core import testing
from gongwu.core.models import APIToken, Role
from gongwu.inspections.testing import FindingFactory, InspectionFactory, SectionFactory
from gongwu.investment.testing import AnnualPlanFactory, ScheduleTemplateFactory
from gongwu.projects.models import ProjectTag
from gongwu.projects.testing import MilestoneFactory, ProjectFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SEED = 20261207
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@pytest.fixture
def wsgi_requests() -> Iterator[None]:
    """Requests to the WSGI application run inside the test's transaction.

    Django closes the database connection around each request; the test client switches that off, so
    does this fixture (the requests share the test's transaction, which is rolled back at the end).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: Any) -> str:
    """An agency administrator's token, with a little of everything the API serves in the agency."""
    agency = testing.AgencyFactory(name="鼓楼区建设工务署")
    company = testing.CompanyFactory(name="闽江建设工程有限公司")
    admin = testing.UserFactory(username="admin", organization=agency, role=Role.ADMIN)
    testing.UserFactory(username="staff", organization=agency, role=Role.STAFF)
    project = ProjectFactory(agency=agency, name="鼓楼区第五中学")
    project.tags.add(ProjectTag.objects.create(agency=agency, name="重点"))
    MilestoneFactory(project=project, planned_date=datetime.date(2026, 12, 2))
    section = SectionFactory(project=project, contractor=company)
    inspection = InspectionFactory(project=project, section=section)
    FindingFactory(inspection=inspection)
    ScheduleTemplateFactory(agency=agency)
    AnnualPlanFactory(project=project, year=2026)
    opened_case(admin)
    _token, raw = APIToken.issue(user=admin, name="fuzz")
    return raw


def api_schema() -> Any:
    """The schema the API serves at /api/openapi.json (a test below checks they are the same)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )
    loaded = schemathesis.openapi.from_dict(openapi_document(), config=config)
    loaded.app = WSGIHandler()
    return loaded


def openapi_document() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))


schema = api_schema()
pytestmark = pytest.mark.fuzz


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_no_request_gets_a_server_error_or_an_answer_the_schema_does_not_describe(
    case: Any, bearer: str, wsgi_requests: None
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}", "Accept-Language": "en"})


def test_the_fuzzed_schema_is_the_one_the_api_serves_with_no_key_twice(bearer: str) -> None:
    served = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}").get("/api/openapi.json")
    assert served.status_code == 200
    # Swagger UI (js-yaml) refuses a document with a key twice, e.g. a status as 403 and as "403".
    assert json.loads(served.content, object_pairs_hook=unique_keys) == openapi_document()


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), sorted(key for key in keys if keys.count(key) > 1)
    return dict(pairs)


def test_every_reference_in_the_schema_resolves_and_every_operation_documents_its_errors() -> None:
    document = openapi_document()
    text = json.dumps(document)
    components = document["components"]["schemas"]
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    assert {ref for ref in refs if ref.removeprefix("#/components/schemas/") not in components} == set()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert {"401", "403", "422"} <= set(operation["responses"]), (path, operation["operationId"])


def test_the_boards_groups_are_documented_as_the_boards_and_the_dashboards_as_the_dashboards() -> None:
    components = openapi_document()["components"]["schemas"]
    board = components["BoardOut"]["properties"]["by_level"]["items"]["$ref"].rsplit("/", 1)[1]
    dashboard = components["BreakdownsOut"]["properties"]["by_agency"]["items"]["$ref"].rsplit("/", 1)[1]
    assert board != dashboard
    assert "overdue" in components[board]["properties"]
    assert "plan" in components[dashboard]["properties"]


def test_a_path_no_operation_matches_answers_404_in_json(bearer: str) -> None:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}").get("/api/projects/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


def test_a_body_that_is_not_json_answers_422_in_the_documented_form(bearer: str) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/api/projects/", b"\xff\x00{", content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body"], "msg": "The request body is not valid JSON."}]}
