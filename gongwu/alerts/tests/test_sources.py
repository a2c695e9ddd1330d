"""Where cases come from is what the installed apps register: the case list's filter, a case's page, the ledger,
the board and the API offer the registered sources, and a case from a source no app registers is refused."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from gongwu.alerts import sources
from gongwu.alerts.imports import CaseLedger
from gongwu.alerts.models import Case, Kind
from gongwu.alerts.testing import CaseFactory, opened_case, staff_of
from gongwu.core.models import ChangeLogEntry
from gongwu.core.testing import AgencyFactory, CompanyFactory, api_client, english_client, ledger_xlsx

pytestmark = pytest.mark.django_db

LATER = timezone.localdate() + datetime.timedelta(days=30)
UNKNOWN = "“sensor” is not a source of cases: no installed app registers it."


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def drill() -> Iterator[sources.CaseSource]:
    """A source some app registers in its ready(): emergency drills, whose cases people may import."""
    source = sources.register_case_source(
        "drill", "Emergency drill", app_label="tests", imported=True, kind=Kind.ACTION_ITEM
    )
    yield source
    sources.unregister_case_source("drill")


@pytest.fixture
def agency() -> Any:
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency: Any) -> Any:
    return staff_of(agency)


def filter_options(client: Any) -> list[tuple[str, str]]:
    """The source filter's options on the case list page."""
    page = client.get("/alerts/cases/").content.decode()
    select = re.search(r'<select name="source"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return [(v, html.unescape(t)) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[1])]


def openapi_sources(client: Any) -> tuple[list[str], list[str]]:
    """The sources the API's schema names: of a case, and of the case list's `source` filter."""
    schema = client.get("/api/openapi.json").json()
    case_source = schema["components"]["schemas"]["CaseOut"]["properties"]["source"]
    [parameter] = [p for p in schema["paths"]["/api/cases/"]["get"]["parameters"] if p["name"] == "source"]
    query = next(b for b in parameter["schema"]["anyOf"] if b.get("type") == "string")
    return case_source["enum"], query["enum"]


def test_the_sources_are_alerts_own_and_those_of_the_installed_apps_that_open_cases():
    offered = [(code, str(label)) for code, label in Case._meta.get_field("source").choices]

    assert offered == [
        ("rule", "Rule"),
        ("meeting", "Meeting decision"),
        ("tour", "Inspection tour finding"),
        ("manual", "Manual"),
        ("inspection", "Inspection notice"),
    ]
    assert {code: source.app_label for code, source in sources.SOURCES.items()} == {
        "rule": "alerts",
        "meeting": "alerts",
        "tour": "alerts",
        "manual": "alerts",
        "inspection": "inspections",
    }


def test_a_registered_source_is_offered_by_the_case_list_and_named_on_its_cases_until_unregistered(staff, drill):
    case = opened_case(staff, source="drill", title="消防应急演练发现疏散通道堵塞", deadline=LATER)
    client = english_client(staff)

    assert filter_options(client)[-2:] == [("inspection", "Inspection notice"), ("drill", "Emergency drill")]
    listed = client.get("/alerts/cases/", {"source": "drill"}).content.decode()
    assert case.number in listed
    assert "Emergency drill" in client.get(case.get_absolute_url()).content.decode()

    sources.unregister_case_source("drill")

    assert ("drill", "Emergency drill") not in filter_options(client)
    refused = html.unescape(client.get("/alerts/cases/", {"source": "drill"}).content.decode())
    assert "Select a valid choice. drill is not one of the available choices." in refused


def test_the_api_schema_lists_the_registered_sources_and_filters_by_them(staff, drill):
    case = opened_case(staff, source="drill", title="消防应急演练发现疏散通道堵塞", deadline=LATER)
    client = api_client(staff)

    assert openapi_sources(client) == (["rule", "meeting", "tour", "manual", "inspection", "drill"],) * 2
    [row] = client.get("/api/cases/", {"source": "drill"}).json()["results"]
    assert (row["number"], row["source"]) == (case.number, "drill")

    sources.unregister_case_source("drill")

    assert "drill" not in openapi_sources(client)[0]
    response = client.get("/api/cases/", {"source": "drill"})
    assert response.status_code == 400
    assert "drill is not one of the available choices" in response.content.decode()


def test_the_board_counts_and_names_a_registered_source(staff, agency, drill):
    for title in ("疏散通道堵塞", "应急照明失效"):
        opened_case(staff, source="drill", title=title, deadline=LATER)
    opened_case(staff, title="材料堆放占用消防通道", deadline=LATER)

    board = api_client(staff).get("/api/alerts/board/").json()

    assert [(row["key"], row["label"], row["opened"]) for row in board["opened_by_source"]] == [
        ("drill", "Emergency drill", 2),
        ("manual", "Manual", 1),
    ]
    assert {row["key"]: row["label"] for row in board["by_source"]} == {"drill": "Emergency drill", "manual": "Manual"}


def test_the_ledger_imports_a_case_of_a_registered_source_with_the_kind_it_registered(staff, drill):
    company = CompanyFactory(name="闽江建设工程有限公司")
    row = {"title": "疏散通道堵塞", "responsible_org": company.name, "deadline": LATER, "source": "Emergency drill"}
    ledger = CaseLedger()

    result = ledger.apply(ledger.read(ledger_xlsx(CaseLedger, [row]), "整改台账.xlsx"), staff)

    assert result.summary == {"create": 1, "update": 0, "unchanged": 0, "error": 0}
    case = Case.objects.get()
    assert (case.source, case.kind, case.responsible_org) == ("drill", Kind.ACTION_ITEM, company)


def test_the_ledger_refuses_a_source_no_app_registers_and_one_opened_only_by_its_app(staff):
    rows = [
        {"title": "扬尘超标", "deadline": LATER, "source": "Sensor alarm"},
        {"title": "整改通知书", "deadline": LATER, "source": "Inspection notice"},
    ]
    ledger = CaseLedger()

    result = ledger.apply(ledger.read(ledger_xlsx(CaseLedger, rows), "整改台账.xlsx"), staff)

    assert [r.errors for r in result.rows] == [
        ["Source: “Sensor alarm” is not one of the choices."],
        ["Source: Cases from “Inspection notice” are opened by the system, not imported."],
    ]
    assert not Case.objects.exists()


@pytest.mark.parametrize("by", ["a person", "the system"])
def test_a_case_from_a_source_no_app_registers_is_refused_and_nothing_is_written(staff, agency, by):
    actor = staff if by == "a person" else None
    logged = ChangeLogEntry.objects.count()

    with pytest.raises(ValidationError) as refused:
        opened_case(actor, agency=agency, source="sensor", title="扬尘在线监测超标", deadline=LATER)

    assert refused.value.message_dict["source"] == [UNKNOWN]
    assert (Case.objects.count(), ChangeLogEntry.objects.count()) == (0, logged)


def test_a_stored_case_of_a_source_no_longer_registered_still_shows_with_its_code(staff, agency):
    case = CaseFactory(agency=agency, source="sensor", title="扬尘在线监测超标")

    page = english_client(staff).get(case.get_absolute_url())

    assert page.status_code == 200
    assert sources.label("sensor") == "sensor" and "sensor" in page.content.decode()


def test_registering_a_source_needs_no_migration(drill):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 when a migration is missing


def test_a_code_registered_by_another_app_or_too_long_for_the_column_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already registered by alerts"):
        sources.register_case_source("rule", "Our rules", app_label="tests")
    with pytest.raises(ImproperlyConfigured, match="1 to 12 characters"):
        sources.register_case_source("smart_site_alarm", "Smart-site alarm", app_label="tests")
    assert sources.label("rule") == "Rule" and "smart_site_alarm" not in sources.SOURCES
