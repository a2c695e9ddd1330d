"""Countersign (会签) end to end: routes chosen by kind and amount band, sequential and parallel steps, a
return and the next round, refusals that change nothing, the pages and the API, and the duration figure."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongwu.contracts import services
from gongwu.contracts.models import (
    Contract,
    ContractStatus,
    Countersign,
    CountersignRoute,
    CountersignRouteStep,
    CountersignStatus,
    CountersignStep,
    StepStatus,
)
from gongwu.contracts.testing import ContractFactory
from gongwu.core.figures import Selection, compute
from gongwu.core.models import ChangeLogEntry, Role
from gongwu.core.periods import Period
from gongwu.core.testing import (
    AgencyFactory,
    UserFactory,
    api_client,
    database_rows,
    english_client,
    stored,
    unlogged_rows,
)
from gongwu.projects.models import Participation, ParticipationSource
from gongwu.tenders.models import SubjectKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
SH = datetime.timezone(datetime.timedelta(hours=8))


def route(agency: Any, name: str, kind: str = "", low: str = "0", high: str | None = None, **fields: Any) -> Any:
    return CountersignRoute.objects.create(
        agency=agency,
        name=name,
        kind=kind,
        min_amount=Decimal(low),
        max_amount=Decimal(high) if high is not None else None,
        **fields,
    )


def step(route_: Any, order: int, label: str, department: Any = None, role: str = "") -> Any:
    return CountersignRouteStep.objects.create(route=route_, order=order, label=label, department=department, role=role)


@pytest.fixture
def works_route(agency: Any, departments: dict[str, Any]) -> Any:
    """Works contracts from 400 万: 招标合同处 and 造价处 in parallel, then 财务处, then an agency leader."""
    r = route(agency, "施工合同会签", SubjectKind.WORKS, "4000000")
    step(r, 1, "招标合同处审核", departments["招标合同处"])
    step(r, 1, "造价处审核", departments["造价处"])
    step(r, 2, "财务处审核", departments["财务处"])
    step(r, 3, "分管领导审批", role=Role.LEADER)
    return r


def minute(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment to the minute (the suite's clock ticks on after each travel)."""
    return moment.astimezone(SH).replace(second=0, microsecond=0) if moment is not None else None


def minutes(delta: datetime.timedelta | None) -> int | None:
    return round(delta.total_seconds() / 60) if delta is not None else None


def steps_of(round_: Countersign) -> list[tuple[int, str, str]]:
    return [(s.order, s.label, s.status) for s in round_.steps.order_by("order", "id")]


def step_named(round_: Countersign, label: str) -> CountersignStep:
    return round_.steps.get(label=label)


def approve(round_: Countersign, label: str, user: Any, **kwargs: Any) -> CountersignStep:
    return services.act_on_step(step=step_named(round_, label), actor=user, approve=True, **kwargs)


# ---- choosing the route --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "amount", "expected"),
    [
        (SubjectKind.WORKS, "3999999.99", "一般合同"),  # below the works band: the route for every kind
        (SubjectKind.WORKS, "4000000", "施工 400万–5000万"),  # the band's lower bound is inside it
        (SubjectKind.WORKS, "49999999.99", "施工 400万–5000万"),
        (SubjectKind.WORKS, "50000000", "施工 5000万以上"),  # the upper bound belongs to the next band
        (SubjectKind.SUPERVISION, "50000000", "一般合同"),
        (SubjectKind.DESIGN, "0", "一般合同"),
    ],
)
def test_the_route_is_the_one_for_the_kind_before_every_kind_and_the_band_holding_the_amount(
    agency: Any, kind: str, amount: str, expected: str
) -> None:
    route(agency, "一般合同")
    route(agency, "施工 400万–5000万", SubjectKind.WORKS, "4000000", "50000000")
    route(agency, "施工 5000万以上", SubjectKind.WORKS, "50000000")
    route(agency, "施工 停用", SubjectKind.WORKS, "0", is_active=False)
    route(AgencyFactory(), "别的署", SubjectKind.WORKS, "0")
    contract = Contract(agency=agency, kind=kind, amount=Decimal(amount))
    found = services.route_for(contract)
    assert found is not None and found.name == expected


def test_without_a_route_sending_to_countersign_is_refused_with_a_clear_message_and_nothing_changes(
    draft: Any, people: dict[str, Any]
) -> None:
    before = stored(draft)
    with pytest.raises(ValidationError) as refused:
        services.start_countersign(contract=draft, actor=people["staff"])
    assert "No countersign route in use covers a Works (施工) contract of 1.00" in refused.value.messages[0]
    assert stored(draft) == before and not Countersign.objects.exists()


# ---- sequential and parallel steps, to the signature ---------------------------------------------------


def test_countersign_runs_parallel_then_sequential_steps_and_signs_the_contract(
    draft: Any, works_route: Any, people: dict[str, Any], travel: Any
) -> None:
    travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SH))
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    draft.refresh_from_db()
    assert (round_.round, round_.status, draft.status) == (1, CountersignStatus.RUNNING, ContractStatus.COUNTERSIGNING)
    assert steps_of(round_) == [
        (1, "招标合同处审核", StepStatus.PENDING),
        (1, "造价处审核", StepStatus.PENDING),
        (2, "财务处审核", StepStatus.WAITING),
        (3, "分管领导审批", StepStatus.WAITING),
    ]
    assert minute(step_named(round_, "造价处审核").opened_at) == datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SH)

    travel(datetime.datetime(2026, 11, 2, 15, 0, tzinfo=SH))
    approve(round_, "招标合同处审核", people["contracts"], comment="条款齐全")
    assert step_named(round_, "财务处审核").status == StepStatus.WAITING  # the parallel step is still to sign

    travel(datetime.datetime(2026, 11, 3, 11, 0, tzinfo=SH))
    approve(round_, "造价处审核", people["cost"])
    finance = step_named(round_, "财务处审核")
    assert (finance.status, minute(finance.opened_at)) == (
        StepStatus.PENDING,
        datetime.datetime(2026, 11, 3, 11, 0, tzinfo=SH),
    )
    assert step_named(round_, "分管领导审批").status == StepStatus.WAITING

    travel(datetime.datetime(2026, 11, 4, 10, 0, tzinfo=SH))
    approve(round_, "财务处审核", people["finance"])
    travel(datetime.datetime(2026, 11, 5, 17, 30, tzinfo=SH))
    approve(round_, "分管领导审批", people["leader"])

    round_.refresh_from_db()
    draft.refresh_from_db()
    assert round_.status == CountersignStatus.APPROVED
    assert minute(round_.finished_at) == datetime.datetime(2026, 11, 5, 17, 30, tzinfo=SH)
    assert minutes(round_.duration) == (3 * 24 + 8) * 60 + 30
    assert (draft.status, draft.signed_on) == (ContractStatus.SIGNED, D(2026, 11, 5))
    assert minutes(step_named(round_, "造价处审核").duration) == 26 * 60
    contracts_step = step_named(round_, "招标合同处审核")
    assert (contracts_step.acted_by, contracts_step.comment) == (people["contracts"], "条款齐全")
    # The contractor now takes part in the project (so a company representative sees it).
    [participation] = Participation.objects.filter(project=draft.project, organization=draft.contractor)
    assert (participation.source, participation.started_on, participation.role) == (
        ParticipationSource.CONTRACT,
        D(2026, 11, 5),
        "general_contractor",
    )


def test_the_last_step_may_give_the_signing_day(draft: Any, agency: Any, people: dict[str, Any]) -> None:
    r = route(agency, "一般合同")
    step(r, 1, "领导审批", role=Role.LEADER)
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    approve(round_, "领导审批", people["leader"], signed_on=D(2026, 11, 30))
    draft.refresh_from_db()
    assert (draft.status, draft.signed_on) == (ContractStatus.SIGNED, D(2026, 11, 30))


def test_every_row_countersign_writes_is_in_the_change_log(
    draft: Any, works_route: Any, people: dict[str, Any]
) -> None:
    before, last = database_rows(), ChangeLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    for label, who in (
        ("招标合同处审核", "contracts"),
        ("造价处审核", "cost"),
        ("财务处审核", "finance"),
        ("分管领导审批", "leader"),
    ):
        approve(round_, label, people[who])
    assert unlogged_rows(before, last or 0) == []


# ---- return and resubmit -------------------------------------------------------------------------


def test_a_return_ends_the_round_and_a_resubmission_starts_round_two(
    draft: Any, works_route: Any, people: dict[str, Any]
) -> None:
    first = services.start_countersign(contract=draft, actor=people["staff"])
    approve(first, "招标合同处审核", people["contracts"])
    with pytest.raises(ValidationError) as no_comment:
        services.act_on_step(step=step_named(first, "造价处审核"), actor=people["cost"], approve=False, comment=" ")
    assert no_comment.value.message_dict == {"comment": ["Say why the contract is returned."]}
    assert step_named(first, "造价处审核").status == StepStatus.PENDING

    services.act_on_step(step=step_named(first, "造价处审核"), actor=people["cost"], approve=False, comment="单价偏高")
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.status, first.finished_at is not None, draft.status) == (
        CountersignStatus.RETURNED,
        True,
        ContractStatus.DRAFT,
    )
    assert steps_of(first) == [
        (1, "招标合同处审核", StepStatus.APPROVED),
        (1, "造价处审核", StepStatus.RETURNED),
        (2, "财务处审核", StepStatus.SKIPPED),
        (3, "分管领导审批", StepStatus.SKIPPED),
    ]
    assert step_named(first, "造价处审核").comment == "单价偏高"

    second = services.start_countersign(contract=draft, actor=people["staff"])
    assert second.round == 2
    assert [s for *_x, s in steps_of(second)] == [StepStatus.PENDING, StepStatus.PENDING, "waiting", "waiting"]
    # A step of the finished round can no longer be signed.
    with pytest.raises(ValidationError):
        services.act_on_step(step=step_named(first, "财务处审核"), actor=people["finance"], approve=True)


def test_a_returned_draft_keeps_its_countersign_record_and_is_voided_not_deleted(
    draft: Any, works_route: Any, people: dict[str, Any]
) -> None:
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    services.act_on_step(step=step_named(round_, "造价处审核"), actor=people["cost"], approve=False, comment="退回")
    response = english_client(people["staff"]).post(f"/contracts/contracts/{draft.pk}/delete/")
    assert response.status_code == 403 and "void it with a reason instead" in response.content.decode()
    api = api_client(people["staff"]).delete(f"/api/contracts/{draft.pk}/")
    assert api.status_code == 409
    assert Contract.objects.filter(pk=draft.pk).exists() and Countersign.objects.filter(contract=draft).count() == 1


# ---- refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["finance", "works", "staff", "leader"])
def test_a_user_not_on_the_open_step_is_refused_and_nothing_changes(
    draft: Any, works_route: Any, people: dict[str, Any], who: str
) -> None:
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    target = step_named(round_, "造价处审核")
    before = (stored(target), stored(round_), stored(draft), ChangeLogEntry.objects.count())
    for approve_it in (True, False):
        with pytest.raises(PermissionDenied) as refused:
            services.act_on_step(step=target, actor=people[who], approve=approve_it, comment="越权")
        assert str(refused.value) == "“造价处审核” is signed by 造价处; you are not one of them."
    assert (stored(target), stored(round_), stored(draft), ChangeLogEntry.objects.count()) == before


def test_a_user_of_another_agency_or_a_company_cannot_act_even_in_the_right_role(
    draft: Any, agency: Any, people: dict[str, Any], contractor: Any
) -> None:
    r = route(agency, "一般合同")
    step(r, 1, "领导审批", role=Role.LEADER)
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    target = step_named(round_, "领导审批")
    before = (stored(target), stored(draft))
    other_leader = UserFactory(organization=AgencyFactory(), role=Role.LEADER)
    company = UserFactory(organization=contractor, role=Role.COMPANY)
    for user in (other_leader, company):
        with pytest.raises(PermissionDenied):
            services.act_on_step(step=target, actor=user, approve=True)
    assert (stored(target), stored(draft)) == before


def test_a_contract_is_not_edited_while_countersigned(draft: Any, works_route: Any, people: dict[str, Any]) -> None:
    services.start_countersign(contract=draft, actor=people["staff"])
    draft.refresh_from_db()
    draft.amount = Decimal("1")
    with pytest.raises(ValidationError):
        services.update_contract(instance=draft, actor=people["staff"])
    assert Contract.objects.get(pk=draft.pk).amount == Decimal("100000000")


# ---- the pages -----------------------------------------------------------------------------------------


def test_my_tasks_shows_my_open_steps_and_acting_there_moves_the_round_on(
    draft: Any, works_route: Any, people: dict[str, Any]
) -> None:
    round_ = services.start_countersign(contract=draft, actor=people["staff"])
    cost = english_client(people["cost"])
    page = cost.get("/contracts/my-tasks/").content.decode()
    target = step_named(round_, "造价处审核")
    assert f'data-step="{target.pk}"' in page and 'id="count-pending">1<' in page
    finance_page = english_client(people["finance"]).get("/contracts/my-tasks/").content.decode()
    assert 'id="count-pending">0<' in finance_page and "Nothing is waiting for your signature" in finance_page

    refused = english_client(people["finance"]).post(f"/contracts/countersign-steps/{target.pk}/approve/", follow=True)
    assert "you are not one of them" in refused.content.decode()
    assert stored(target) == stored(step_named(round_, "造价处审核")) and target.status == StepStatus.PENDING

    response = cost.post(
        f"/contracts/countersign-steps/{target.pk}/approve/", {"comment": "同意", "next": "/contracts/my-tasks/"}
    )
    assert response.status_code == 302 and response["Location"] == "/contracts/my-tasks/"
    assert step_named(round_, "造价处审核").status == StepStatus.APPROVED
    no_comment = cost.post(
        f"/contracts/countersign-steps/{step_named(round_, '招标合同处审核').pk}/return/", follow=True
    )
    assert "Say why the contract is returned." in no_comment.content.decode()


def test_the_contract_page_shows_each_round_with_who_when_and_how_long(
    draft: Any, works_route: Any, people: dict[str, Any], travel: Any
) -> None:
    travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SH))
    client = english_client(people["staff"])
    response = client.post(f"/contracts/contracts/{draft.pk}/countersign/", follow=True)
    assert "Sent to countersign along “施工合同会签” (round 1)." in response.content.decode()
    round_ = Countersign.objects.get(contract=draft)
    travel(datetime.datetime(2026, 11, 2, 15, 30, tzinfo=SH))
    approve(round_, "招标合同处审核", people["contracts"], comment="条款齐全")
    page = english_client(people["cost"]).get(draft.get_absolute_url()).content.decode()
    assert 'data-round="1"' in page and "合同处林工 · 2026-11-02 15:30" in page and "6.5 h" in page
    assert "条款齐全" in page
    assert f'data-approve="{step_named(round_, "造价处审核").pk}"' in page  # the cost department may sign here
    assert f'data-approve="{step_named(round_, "招标合同处审核").pk}"' not in page


def test_the_api_starts_a_countersign_and_acts_on_its_steps(draft: Any, agency: Any, people: dict[str, Any]) -> None:
    r = route(agency, "一般合同")
    step(r, 1, "领导审批", role=Role.LEADER)
    started = api_client(people["staff"]).post(f"/api/contracts/{draft.pk}/countersign/")
    assert started.status_code == 201, started.content
    body = started.json()
    assert (body["round"], body["status"], [s["status"] for s in body["steps"]]) == (1, "running", ["pending"])
    step_id = body["steps"][0]["id"]
    again = api_client(people["staff"]).post(f"/api/contracts/{draft.pk}/countersign/")
    assert again.status_code == 422

    mine = api_client(people["leader"]).get("/api/countersign-steps/", {"mine": "true"})
    assert [s["id"] for s in mine.json()["results"]] == [step_id]
    assert api_client(people["staff"]).get("/api/countersign-steps/", {"mine": "true"}).json()["results"] == []

    refused = api_client(people["staff"]).post(
        f"/api/countersign-steps/{step_id}/approve/", {}, content_type="application/json"
    )
    assert refused.status_code == 403
    approved = api_client(people["leader"]).post(
        f"/api/countersign-steps/{step_id}/approve/", {"signed_on": "2026-11-20"}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    draft.refresh_from_db()
    assert (draft.status, draft.signed_on) == (ContractStatus.SIGNED, D(2026, 11, 20))


# ---- the duration figure ----------------------------------------------------------------------------


def signed_round(contract: Any, route_: Any, actor: Any, start: datetime.datetime, hours: float, **extra: Any) -> Any:
    return Countersign.objects.create(
        contract=contract,
        route=route_,
        round=extra.pop("round", 1),
        status=extra.pop("status", CountersignStatus.APPROVED),
        started_at=start,
        started_by=actor,
        finished_at=start + datetime.timedelta(hours=hours) if hours else None,
    )


def test_the_average_countersign_time_of_a_period_is_compared_with_a_year_earlier(
    agency: Any, people: dict[str, Any]
) -> None:
    """2025: 8, 10 and 12 days (average 10.0); 2026: 2.5 and 3.5 days (average 3.0): 70% saved."""
    r = route(agency, "一般合同")
    leader = people["leader"]
    other = route(AgencyFactory(), "别的署")

    def contract(agency_: Any = agency, **fields: Any) -> Any:
        return ContractFactory(agency=agency_, **fields)

    for day, days in ((D(2025, 2, 10), 8), (D(2025, 6, 25), 10), (D(2025, 12, 19), 12)):
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=SH)
        signed_round(contract(), r, leader, start, days * 24)
    # 2026: two approved rounds…
    signed_round(contract(), r, leader, datetime.datetime(2026, 3, 2, 9, tzinfo=SH), 60)
    signed_round(contract(), r, leader, datetime.datetime(2026, 12, 28, 9, tzinfo=SH), 84)  # ends 2026-12-31 21:00
    # …and what does not count: a returned round, a running one, a round ending in 2027, a voided contract,
    # another agency's round.
    signed_round(contract(), r, leader, datetime.datetime(2026, 5, 4, 9, tzinfo=SH), 300, status="returned")
    signed_round(contract(), r, leader, datetime.datetime(2026, 11, 2, 9, tzinfo=SH), 0, status="running")
    signed_round(contract(), r, leader, datetime.datetime(2026, 12, 30, 9, tzinfo=SH), 48)
    voided = contract(voided_at=datetime.datetime(2026, 7, 1, tzinfo=SH), void_reason="重复")
    signed_round(voided, r, leader, datetime.datetime(2026, 6, 1, 9, tzinfo=SH), 500)
    signed_round(contract(other.agency), other, leader, datetime.datetime(2026, 6, 1, 9, tzinfo=SH), 900)

    selection = Selection.from_query(leader, {"year": "2026"})
    figure = compute("contracts.countersign_days", selection)
    assert (figure.value, figure.previous, figure.change) == (Decimal("3.0"), Decimal("10.0"), Decimal("-70.0"))
    assert figure.url.startswith("/contracts/contracts/?")
    assert "countersigned_from=2026-01-01" in figure.url and "countersigned_to=2026-12-31" in figure.url
    rounds = compute("contracts.countersigned", selection)
    assert (rounds.value, rounds.previous) == (2, 3)
    # Any period: the first half of 2025 has the 8-day round only (the 10-day one ends on 2025-07-05).
    half = Selection(Period(D(2025, 1, 1), D(2025, 6, 30)), selection.agencies, selection.agency)
    assert compute("contracts.countersign_days", half).value == Decimal("8.0")

    page = english_client(leader).get("/contracts/figures/", {"year": 2026}).content.decode()
    assert "Countersign time saved 70.0% against a year earlier: 3 days on average, after 10 days." in page
    listed = english_client(leader).get(figure.url).content.decode()
    assert listed.count('href="/contracts/contracts/') >= 2
