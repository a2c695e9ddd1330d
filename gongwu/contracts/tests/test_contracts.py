"""The contract record: numbering, status steps, parties taking part in the project, contracts from a tender,
company scoping on pages and API, the generic pages, API and ledger (合同台账), and the past-completion rule."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongwu.alerts import services as alerts
from gongwu.alerts.models import Case, Status
from gongwu.alerts.rules import RULES
from gongwu.contracts import services
from gongwu.contracts.models import Contract, ContractSettings, ContractStatus
from gongwu.contracts.testing import ContractFactory
from gongwu.contracts.views import ContractViews
from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role, User
from gongwu.core.testing import (
    AgencyFactory,
    CompanyFactory,
    UserFactory,
    api_client,
    english_client,
    stored,
    upload_ledger,
)
from gongwu.projects.models import Participation, ParticipationSource, Section
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders.models import SubjectKind, TenderStatus
from gongwu.tenders.testing import BidFactory, TenderFactory

D = datetime.date
numbers = itertools.count(1)


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


# ---- numbering ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
class TestNumbering:
    @pytest.fixture(autouse=True)
    def in_2026(self, travel: Any) -> None:
        travel(D(2026, 12, 2))

    def new(self, agency: Any, contractor: Any, **fields: Any) -> Contract:
        staff = User.objects.filter(organization=agency, role=Role.STAFF).first() or UserFactory(organization=agency)
        contract = Contract(
            agency=agency,
            project=fields.pop("project", None) or ProjectFactory(agency=agency),
            contractor=contractor,
            name=f"合同{next(numbers)}",
            kind=fields.pop("kind", SubjectKind.WORKS),
            amount=Decimal("1000000"),
            **fields,
        )
        return services.create_contract(instance=contract, actor=staff)

    def test_a_contract_left_without_a_number_gets_the_next_of_its_agency_and_year(
        self, agency: Any, contractor: Any
    ) -> None:
        first = self.new(agency, contractor)
        second = self.new(agency, contractor, kind=SubjectKind.SUPERVISION)
        signed_2025 = self.new(agency, contractor, signed_on=D(2025, 12, 30))
        assert (first.number, second.number, signed_2025.number) == (
            "GL-2026-SG-0001",
            "GL-2026-JL-0002",
            "GL-2025-SG-0001",
        )
        other_agency = AgencyFactory(short_name="CS")
        assert self.new(other_agency, contractor).number == "CS-2026-SG-0001"

    def test_the_sequence_continues_after_the_highest_number_and_a_typed_number_is_kept(
        self, agency: Any, contractor: Any
    ) -> None:
        ContractFactory(agency=agency, number="GL-2026-EPC-0041")
        ContractFactory(agency=agency, number="GL-2026-SG-0007")
        ContractFactory(agency=agency, number="GL-2026-SG-0099-补")  # not of the pattern: not counted
        ContractFactory(agency=agency, number="GL-2025-SG-0500")  # another year
        assert self.new(agency, contractor).number == "GL-2026-SG-0042"
        assert self.new(agency, contractor, number="手写-001").number == "手写-001"

    def test_the_agency_pattern_from_its_settings_is_used(self, agency: Any, contractor: Any) -> None:
        ContractSettings.objects.create(agency=agency, number_pattern="{agency}合{year}字第{seq:03d}号")
        assert self.new(agency, contractor).number == "GL合2026字第001号"
        assert self.new(agency, contractor).number == "GL合2026字第002号"

    @pytest.mark.parametrize(
        ("pattern", "message"),
        [
            ("{agency}-{year}", "The pattern must contain {seq}"),
            ("{agency}-{seq}-{month}", "Unknown placeholders: month"),
            ("{seq:q}", "The pattern cannot be used"),
        ],
    )
    def test_a_pattern_that_cannot_number_is_refused(self, agency: Any, pattern: str, message: str) -> None:
        settings = ContractSettings(agency=agency, number_pattern=pattern)
        with pytest.raises(ValidationError) as refused:
            settings.full_clean()
        assert message in str(refused.value)

    def test_numbering_creates_the_settings_row_and_logs_it(self, agency: Any, contractor: Any) -> None:
        self.new(agency, contractor)
        settings = ContractSettings.objects.get(agency=agency)
        assert ChangeLogEntry.objects.filter(object_id=str(settings.pk), action="create").exists()


@testing.postgresql_only
def test_two_contracts_numbered_at_once_get_different_numbers(transactional_db: Any) -> None:
    """Numbering locks the agency's settings row: the second waits for the first and counts its number."""
    from django.db import transaction

    agency = AgencyFactory(short_name="GL")
    ContractSettings.objects.create(agency=agency)
    staff = UserFactory(organization=agency)
    contractor = CompanyFactory()
    project = ProjectFactory(agency=agency)

    def make() -> Contract:
        contract = Contract(agency=agency, project=project, contractor=contractor, name="并发", kind="works", amount=1)
        return services.create_contract(instance=contract, actor=staff)

    year = timezone.localdate().year
    worker = testing.Worker(lambda: make().number)
    with transaction.atomic():
        first = make()
        worker.start()
        assert testing.waiting_for_a_lock(worker)
    worker.join(10)
    assert worker.error is None
    assert {first.number, worker.result} == {f"GL-{year}-SG-0001", f"GL-{year}-SG-0002"}


# ---- status steps and voiding ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
class TestStatus:
    @pytest.fixture(autouse=True)
    def in_2026(self, travel: Any) -> None:
        travel(D(2026, 12, 2))

    def test_a_signed_contract_moves_on_with_its_dates(self, agency: Any, people: dict[str, Any]) -> None:
        contract = ContractFactory(agency=agency, status=ContractStatus.SIGNED, start_on=None)
        staff = people["staff"]
        services.transition_contract(contract=contract, status=ContractStatus.PERFORMING, actor=staff)
        services.transition_contract(
            contract=contract, status=ContractStatus.COMPLETED, actor=staff, on=D(2026, 11, 30)
        )
        services.transition_contract(contract=contract, status=ContractStatus.SETTLED, actor=staff)
        contract.refresh_from_db()
        assert (contract.status, contract.start_on, contract.completed_on, contract.settled_on) == (
            ContractStatus.SETTLED,
            D(2026, 12, 2),
            D(2026, 11, 30),
            D(2026, 12, 2),
        )

    @pytest.mark.parametrize(
        ("status", "to", "message"),
        [
            (ContractStatus.DRAFT, ContractStatus.SIGNED, "cannot become “Signed”"),
            (ContractStatus.DRAFT, ContractStatus.COUNTERSIGNING, "through countersign"),
            (ContractStatus.PERFORMING, ContractStatus.SETTLED, "cannot become “Settled”"),
            (ContractStatus.CLOSED, ContractStatus.PERFORMING, "cannot become “Performing”"),
            (ContractStatus.SIGNED, "bogus", "Unknown status"),
        ],
    )
    def test_a_step_out_of_order_is_refused_and_nothing_changes(
        self, agency: Any, people: dict[str, Any], status: str, to: str, message: str
    ) -> None:
        contract = ContractFactory(agency=agency, status=status)
        before = stored(contract)
        with pytest.raises(ValidationError) as refused:
            services.transition_contract(contract=contract, status=to, actor=people["staff"])
        assert message in str(refused.value)
        assert stored(contract) == before

    def test_a_draft_is_deleted_but_a_signed_contract_is_voided_with_a_reason(
        self, agency: Any, people: dict[str, Any]
    ) -> None:
        draft = ContractFactory(agency=agency, status=ContractStatus.DRAFT)
        assert not draft.must_void()
        signed = ContractFactory(agency=agency, status=ContractStatus.SIGNED)
        services.record_participations(signed, people["staff"])
        services.void_contract(instance=signed, actor=people["staff"], reason="合同主体变更")
        signed.refresh_from_db()
        assert (signed.is_voided, signed.void_reason) == (True, "合同主体变更")
        participation = Participation.objects.get(organization=signed.contractor, project=signed.project)
        assert participation.ended_on == D(2026, 12, 2)


# ---- parties take part; contracts from a tender -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_parties_of_a_signed_contract_take_part_in_each_of_its_sections(
    agency: Any, people: dict[str, Any], contractor: Any
) -> None:
    project = ProjectFactory(agency=agency)
    first, second = (Section.objects.create(project=project, name=name) for name in ("一标段", "二标段"))
    member = CompanyFactory(name="榕城建工集团有限公司")
    consultant = CompanyFactory(name="闽建造价咨询有限公司", kind=OrganizationKind.CONSULTANT)
    contract = ContractFactory(
        agency=agency, project=project, contractor=contractor, third_party=consultant, status=ContractStatus.SIGNED
    )
    contract.sections.set([first, second])
    contract.consortium.set([member])
    services.record_participations(contract, people["staff"])
    rows = set(
        Participation.objects.filter(project=project).values_list(
            "organization__name", "section__name", "role", "source"
        )
    )
    assert rows == {
        (name, section, role, ParticipationSource.CONTRACT)
        for name, role in (
            ("闽江建设工程有限公司", "general_contractor"),
            ("榕城建工集团有限公司", "general_contractor"),
            ("闽建造价咨询有限公司", "consultant"),
        )
        for section in ("一标段", "二标段")
    }
    services.record_participations(contract, people["staff"])  # again: nothing new
    assert Participation.objects.filter(project=project).count() == 6


@pytest.mark.django_db
def test_a_contract_from_a_tender_starts_from_its_award(agency: Any, people: dict[str, Any], travel: Any) -> None:
    travel(D(2026, 12, 2))
    winner = CompanyFactory(name="中标建设有限公司")
    tender = TenderFactory(
        plan__agency=agency,
        status=TenderStatus.AWARDED,
        winner=winner,
        award_price=Decimal("48000000"),
        award_notice_on=D(2026, 10, 8),
    )
    BidFactory(tender=tender, bidder=winner, price=Decimal("48000000"))
    section = Section.objects.create(project=tender.plan.project, name="一标段")
    tender.plan.sections.set([section])
    page = english_client(people["staff"]).get("/contracts/contracts/add/", {"tender": tender.pk})
    form = page.context["form"]
    assert (
        form.initial["contractor"],
        form.initial["amount"],
        form.initial["kind"],
        form.initial["project"],
        form.initial["sections"],
    ) == (winner.pk, Decimal("48000000"), SubjectKind.WORKS, tender.plan.project_id, [section.pk])

    made = api_client(people["staff"]).post(
        "/api/contracts/from-tender/", {"tender_id": tender.pk}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["contractor_id"], body["amount"], body["status"], body["number"], body["sections"]) == (
        winner.pk,
        "48000000.00",
        "draft",
        "GL-2026-SG-0001",
        [section.pk],
    )


# ---- what a company sees -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contractor_sees_its_own_contract_on_pages_and_api_and_not_another_one(agency: Any, contractor: Any) -> None:
    own = ContractFactory(agency=agency, contractor=contractor, name="本公司合同")
    member_of = ContractFactory(agency=agency, name="联合体合同")
    member_of.consortium.set([contractor])
    rival = ContractFactory(agency=agency, name="别家合同")
    user = UserFactory(organization=contractor, role=Role.COMPANY)
    client = english_client(user)
    listed = client.get("/contracts/contracts/").content.decode()
    assert own.get_absolute_url() in listed and member_of.get_absolute_url() in listed
    assert rival.get_absolute_url() not in listed
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(rival.get_absolute_url()).status_code == 404
    assert client.get(f"/contracts/contracts/{rival.pk}/word/").status_code == 404
    api = api_client(user)
    assert sorted(r["id"] for r in api.get("/api/contracts/").json()["results"]) == sorted([own.pk, member_of.pk])
    assert api.get(f"/api/contracts/{rival.pk}/").status_code == 404
    assert api.get(f"/api/contracts/{rival.pk}/word/").status_code == 404
    assert (
        api.post(
            f"/api/contracts/{own.pk}/transition/", {"status": "completed"}, content_type="application/json"
        ).status_code
        == 403
    )


# ---- the generic pages, API and ledger --------------------------------------------------------------


class ContractData(testing.ModelTestData):
    viewset = ContractViews
    url_prefix = "/contracts/contracts/"
    api_prefix = "/api/contracts/"
    natural_key = "name"
    edited_field = "name"

    def make_object(self, agency: Organization) -> Contract:
        return ContractFactory(
            agency=agency,
            project=ProjectFactory(agency=agency),
            status=ContractStatus.DRAFT,
            name=f"鼓楼实验小学施工合同{next(numbers)}",
        )

    def company(self) -> Organization:
        return Organization.objects.filter(name="闽江建设工程有限公司").first() or CompanyFactory(
            name="闽江建设工程有限公司"
        )

    def form_data(self, agency: Organization) -> dict[str, Any]:
        return {
            "name": f"鼓楼区第{next(numbers)}中学施工总承包合同",
            "kind": SubjectKind.WORKS,
            "project": ProjectFactory(agency=agency).pk,
            "contractor": self.company().pk,
            "amount": "86000000.00",
            "provisional_sum": "2000000.00",
            "advance_percent": "10",
            "retention_percent": "3",
            "payment_terms": "按月计量，支付已完工程款的80%",
            "start_on": "2026-12-10",
            "end_on": "2028-06-30",
        }

    def edit_data(self, obj: Contract) -> dict[str, Any]:
        return {
            "agency": obj.agency_id,
            "number": obj.number,
            "name": f"{obj.name}（修订）",
            "kind": obj.kind,
            "project": obj.project_id,
            "contractor": obj.contractor_id,
            "amount": str(obj.amount),
            "provisional_sum": "0",
            "advance_percent": "0",
            "retention_percent": "3",
            "start_on": obj.start_on.isoformat(),
            "end_on": obj.end_on.isoformat(),
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict[str, Any], str, str]:
        data = {**self.form_data(agency), "end_on": "2026-01-01"}
        return data, "end_on", "A contract cannot end before it starts."

    def filter_case(self, obj: Contract, agency: Organization) -> tuple[dict[str, str], Any]:
        other = self.make_object(agency)
        other.kind = SubjectKind.SUPERVISION
        other.save()
        return {"kind": SubjectKind.WORKS}, other

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def import_row(self, agency: Organization) -> dict[str, Any]:
        project = ProjectFactory(agency=agency)
        return {
            "name": f"导入合同{next(numbers)}",
            "kind": "Works (施工)",
            "project": project.code,
            "contractor": self.company().credit_code,  # a party named by its credit code
            "amount": 12000000,
            "retention_percent": 3,
            "start_on": "2026.12.10",
            "end_on": "2027年6月30日",
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict[str, Any], str]:
        return {**self.import_row(agency), "contractor": "不存在的公司"}, "no “不存在的公司” found"


class TestContractPages(ContractData, testing.ObjectViewTests, testing.ImportExportTests):
    pass


class TestContractAPI(ContractData, testing.APITests):
    pass


@pytest.mark.django_db
def test_the_ledger_round_trip_keeps_parties_sections_and_numbers(agency: Any, contractor: Any) -> None:
    staff = UserFactory(username="actor", organization=agency)
    project = ProjectFactory(agency=agency, code="GL-2026-001")
    section = Section.objects.create(project=project, name="一标段")
    member = CompanyFactory(name="榕城建工集团有限公司")
    contract = ContractFactory(agency=agency, project=project, contractor=contractor, number="GL-2026-SG-0001")
    contract.sections.set([section])
    contract.consortium.set([member])
    exported = english_client(staff).get("/contracts/contracts/export/").content
    table = testing.xlsx_rows(exported)
    header = table[0]
    row = dict(zip(header, table[1], strict=True))
    assert (row["contract number"], row["project code"], row["sections"], row["consortium members"]) == (
        "GL-2026-SG-0001",
        "GL-2026-001",
        "一标段",
        "榕城建工集团有限公司",
    )
    response = upload_ledger(english_client(staff), "/contracts/contracts/import/", exported)
    assert testing.preview_counts(response.content) == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


@pytest.mark.django_db
def test_leaders_set_the_contract_settings_staff_read_them_and_other_agencies_do_not_see_them(
    agency: Any, people: dict[str, Any]
) -> None:
    settings = ContractSettings.objects.create(agency=agency)
    leader, staff = english_client(people["leader"]), english_client(people["staff"])
    data = {
        "agency": agency.pk,
        "number_pattern": "{agency}合{year}-{seq:03d}",
        "subcontract_max_percent": "30",
        "subcontract_filing_days": "7",
        "settlement_due_days": "180",
        "final_accounts_due_days": "365",
    }
    assert staff.get(f"/contracts/settings/{settings.pk}/").status_code == 200
    assert staff.post(f"/contracts/settings/{settings.pk}/edit/", data).status_code == 403
    refused = leader.post(f"/contracts/settings/{settings.pk}/edit/", {**data, "number_pattern": "{agency}"})
    assert refused.status_code == 422 and "The pattern must contain {seq}" in refused.content.decode()
    assert leader.post(f"/contracts/settings/{settings.pk}/edit/", data).status_code == 302
    settings.refresh_from_db()
    assert settings.number_pattern == "{agency}合{year}-{seq:03d}"
    outsider = english_client(UserFactory(organization=AgencyFactory(), role=Role.LEADER))
    assert outsider.get(f"/contracts/settings/{settings.pk}/").status_code == 404
    api = api_client(people["leader"]).patch(
        f"/api/contract-settings/{settings.pk}/", {"subcontract_filing_days": 10}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["subcontract_filing_days"] == 10


# ---- the past-completion rule -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_a_contract_past_its_completion_date_opens_a_case_that_closes_when_it_is_completed(
    agency: Any, people: dict[str, Any]
) -> None:
    assert "contracts.past_completion" in RULES
    late = ContractFactory(agency=agency, end_on=D(2026, 12, 1), status=ContractStatus.PERFORMING, name="逾期合同")
    ContractFactory(agency=agency, end_on=D(2026, 12, 2), status=ContractStatus.PERFORMING)  # due today
    ContractFactory(agency=agency, end_on=D(2026, 6, 1), status=ContractStatus.COMPLETED)
    ContractFactory(agency=agency, end_on=D(2026, 6, 1), status=ContractStatus.DRAFT)
    ContractFactory(
        agency=agency,
        end_on=D(2026, 6, 1),
        status=ContractStatus.SIGNED,
        voided_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
    )
    report = alerts.scan(today=D(2026, 12, 2), agency_ids=[agency.pk], codes=["contracts.past_completion"])
    assert report.opened == 1
    [case] = Case.objects.filter(rule_code="contracts.past_completion")
    assert case.subject_id == str(late.pk) and "1 days past its completion date 2026-12-01" in case.title
    services.transition_contract(contract=late, status=ContractStatus.COMPLETED, actor=people["staff"])
    report = alerts.scan(today=D(2026, 12, 3), agency_ids=[agency.pk], codes=["contracts.past_completion"])
    assert report.cleared == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED
