"""Subcontract filings (分包备案): the generic suite from data, the limit at its edge (exactly 30% allowed), the
late filing at its edge, who files (the main contractor, on its own contracts only) and who sees (the
subcontractor its own filing), and the subcontractor taking part in the project while a filing names it."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongwu.contracts import reviews
from gongwu.contracts.models import ContractSettings, ContractStatus, Subcontract, SubcontractKind
from gongwu.contracts.testing import ContractFactory
from gongwu.contracts.views_reviews import SubcontractViews
from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role, User
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, api_client, english_client, stored
from gongwu.projects.models import Participation, ParticipationSource, PartyRole, Project
from gongwu.tenders.models import SubjectKind

numbers = itertools.count(1)
D = datetime.date


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


def filing(contract: Any, **fields: Any) -> Subcontract:
    """A filing saved straight to the database (a fixture, not the service)."""
    values = {
        "kind": SubcontractKind.SPECIALIST,
        "company": fields.pop("company", None) or CompanyFactory(),
        "scope": f"幕墙工程{next(numbers)}",
        "amount": Decimal("10000000"),
        "start_on": D(2026, 4, 1),
        "filed_on": D(2026, 4, 3),
        **fields,
    }
    return Subcontract.objects.create(contract=contract, **values)


class SubcontractData(testing.ModelTestData):
    viewset = SubcontractViews
    url_prefix = "/contracts/subcontracts/"
    api_prefix = "/api/subcontracts/"
    natural_key = "scope"
    edited_field = "scope"

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def make_object(self, agency: Organization) -> Subcontract:
        return filing(ContractFactory(agency=agency))

    def form_data(self, agency: Organization) -> dict[str, Any]:
        return {
            "contract": ContractFactory(agency=agency).pk,
            "kind": SubcontractKind.SPECIALIST,
            "company": CompanyFactory().pk,
            "scope": f"钢结构工程{next(numbers)}",
            "amount": "8000000.00",
            "start_on": "2026-04-01",
            "end_on": "",
            "filed_on": "2026-04-05",
            "note": "",
        }

    def edit_data(self, obj: Subcontract) -> dict[str, Any]:
        return {
            "contract": obj.contract_id,
            "kind": obj.kind,
            "company": obj.company_id,
            "scope": f"{obj.scope}（含防火涂料）",
            "amount": str(obj.amount),
            "start_on": obj.start_on.isoformat(),
            "end_on": "",
            "filed_on": obj.filed_on.isoformat(),
            "note": "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict[str, Any], str, str]:
        return {**self.form_data(agency), "end_on": "2026-03-01"}, "end_on", "cannot end before it starts"

    def filter_case(self, obj: Subcontract, agency: Organization) -> tuple[dict[str, str], Any]:
        other = filing(obj.contract, kind=SubcontractKind.LABOUR)
        return {"kind": SubcontractKind.SPECIALIST}, other

    def api_payload(self, agency: Organization) -> dict[str, Any]:
        return {k: v for k, v in self.api_keys(self.form_data(agency)).items() if v != ""}

    def api_bad_payload(self, agency: Organization) -> dict[str, Any]:
        data, _field, _message = self.invalid_form_data(agency)
        return {k: v for k, v in self.api_keys(data).items() if v != ""}

    def import_row(self, agency: Organization) -> dict[str, Any]:
        contract = ContractFactory(agency=agency)
        return {
            "contract": contract.number,
            "kind": "Labour subcontract (劳务分包)",
            "company": CompanyFactory().name,
            "scope": f"主体劳务{next(numbers)}",
            "amount": 3000000,
            "start_on": D(2026, 5, 1),
            "filed_on": D(2026, 5, 6),
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict[str, Any], str]:
        return {**self.import_row(agency), "company": "不存在的劳务公司"}, "不存在的劳务公司"


class TestSubcontractPages(SubcontractData, testing.ObjectViewTests):
    pass


class TestSubcontractLedger(SubcontractData, testing.ImportExportTests):
    pass


class TestSubcontractAPI(SubcontractData, testing.APITests):
    pass


# ---- the limit and the late filing at their edges ------------------------------------------------------


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agency(db):
    return AgencyFactory(name="鼓楼区建设工务署")


@pytest.fixture
def staff(agency):
    return UserFactory(organization=agency, role=Role.STAFF, display_name="林处长")


@pytest.fixture
def contract(agency):
    """A 1 亿元 works contract: 30% is 3,000 万."""
    return ContractFactory(agency=agency, amount=Decimal("100000000"))


def file(actor: User, contract: Any, **fields: Any) -> Subcontract:
    values = {
        "kind": SubcontractKind.SPECIALIST,
        "company": fields.pop("company", None) or CompanyFactory(),
        "scope": f"机电安装{next(numbers)}",
        "amount": Decimal("10000000"),
        "start_on": D(2026, 4, 1),
        "filed_on": D(2026, 4, 3),
        **fields,
    }
    return reviews.save_subcontract(instance=Subcontract(contract=contract, **values), actor=actor)


@pytest.mark.usefixtures("english")
def test_subcontracting_exactly_at_the_limit_is_allowed_and_a_fen_more_warns(staff, contract):
    first = file(staff, contract, amount=Decimal("20000000"))
    second = file(staff, contract, amount=Decimal("10000000"))
    state = reviews.subcontracting(contract)
    assert (state.total, state.percent, state.over_limit) == (Decimal("30000000"), Decimal("30.00"), False)
    assert reviews.subcontract_warnings(second) == []
    third = file(staff, contract, amount=Decimal("0.01"))
    state = reviews.subcontracting(contract)
    assert state.over_limit
    assert reviews.subcontract_warnings(first) == ["Subcontracted 30.00% of the contract price, above the 30% allowed."]
    content = english_client(staff).get(third.get_absolute_url()).content.decode()
    assert 'id="subcontract-warnings"' in content and "above the 30% allowed" in content
    # a voided filing leaves the total
    reviews.void_subcontract(instance=third, actor=staff, reason="重复备案")
    assert not reviews.subcontracting(contract).over_limit


def test_the_limit_is_the_agencys_setting(staff, contract, agency):
    ContractSettings.objects.create(agency=agency, subcontract_max_percent=Decimal("20"))
    file(staff, contract, amount=Decimal("20000000"))
    assert not reviews.subcontracting(contract).over_limit
    file(staff, contract, amount=Decimal("1"))
    assert reviews.subcontracting(contract).over_limit
    assert not ContractSettings.objects.exclude(agency=agency).exists()


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("filed_on", "late"), [(D(2026, 4, 8), 0), (D(2026, 4, 9), 1), (D(2026, 3, 25), 0)])
def test_a_filing_within_the_allowed_days_is_in_time_and_a_day_more_is_late(staff, contract, filed_on, late):
    # started 1 April, 7 days allowed by default: filed on the 8th is in time, on the 9th one day late
    sub = file(staff, contract, start_on=D(2026, 4, 1), filed_on=filed_on)
    assert reviews.days_late(sub) == late
    listed = Subcontract.objects.filter(reviews.late_q(reviews.settings_by_agency([contract.agency_id])))
    assert list(listed) == ([sub] if late else [])
    warnings = reviews.subcontract_warnings(sub)
    assert warnings == (["Filed 1 days late: a subcontract is filed within 7 days of its start."] if late else [])
    content = english_client(staff).get("/contracts/subcontracts/", {"late": "true"}).content.decode()
    assert (f'href="{sub.get_absolute_url()}"' in content) == bool(late)


@pytest.mark.usefixtures("english")
def test_a_filing_under_a_contract_that_is_not_works_or_epc_or_not_in_force_is_refused(staff, agency):
    supervision = ContractFactory(agency=agency, kind=SubjectKind.SUPERVISION)
    draft = ContractFactory(agency=agency, status=ContractStatus.DRAFT)
    for contract, message in ((supervision, "works or EPC"), (draft, "in force")):
        with pytest.raises(ValidationError) as refused:
            file(staff, contract)
        assert message in str(refused.value)
    assert not Subcontract.objects.exists()


@pytest.mark.usefixtures("english")
def test_the_contractor_cannot_subcontract_to_itself_nor_to_an_agency(staff, contract, agency):
    for company in (contract.contractor, agency):
        with pytest.raises(ValidationError):
            file(staff, contract, company=company, kind=SubcontractKind.LABOUR)
    assert not Subcontract.objects.exists()


# ---- who files, who sees --------------------------------------------------------------------------------


@pytest.fixture
def contractor_user(contract):
    return UserFactory(organization=contract.contractor, role=Role.COMPANY, display_name="总包项目经理")


def test_the_main_contractor_files_on_its_contract_and_its_subcontractor_takes_part(contract, contractor_user):
    subcontractor = CompanyFactory(name="闽建劳务有限公司")
    client = english_client(contractor_user)
    page = client.get(f"/contracts/subcontracts/add/?contract={contract.pk}")
    assert page.status_code == 200
    response = client.post(
        "/contracts/subcontracts/add/",
        {
            "contract": contract.pk,
            "kind": SubcontractKind.LABOUR,
            "company": subcontractor.credit_code,
            "scope": "主体结构劳务",
            "amount": "6000000",
            "start_on": "2026-04-01",
            "filed_on": "2026-04-02",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    sub = Subcontract.objects.get()
    assert (sub.company, sub.contract) == (subcontractor, contract)
    [taking_part] = Participation.objects.filter(organization=subcontractor)
    assert (taking_part.project, taking_part.role, taking_part.source, taking_part.ended_on) == (
        contract.project,
        PartyRole.SUBCONTRACTOR,
        ParticipationSource.CONTRACT,
        None,
    )
    assert ChangeLogEntry.objects.filter(object_id=str(taking_part.pk), action="create").exists()
    # its users see the project and the filing, not the main contract's other filings
    sub_user = UserFactory(organization=subcontractor, role=Role.COMPANY)
    other = filing(contract)
    assert Project.objects.for_user(sub_user).filter(pk=contract.project_id).exists()
    assert set(Subcontract.objects.for_user(sub_user)) == {sub}
    sub_client = english_client(sub_user)
    assert sub_client.get(sub.get_absolute_url()).status_code == 200
    assert sub_client.get(other.get_absolute_url()).status_code == 404
    # … and they may not change it
    before = stored(sub)
    assert sub_client.get(f"/contracts/subcontracts/{sub.pk}/edit/").status_code == 403
    assert stored(sub) == before


def test_voiding_the_last_filing_ends_the_subcontractors_part_in_the_project(staff, contract, travel):
    travel(D(2026, 12, 2))
    subcontractor = CompanyFactory()
    first = file(staff, contract, company=subcontractor)
    second = file(staff, contract, company=subcontractor)
    reviews.void_subcontract(instance=first, actor=staff, reason="合同解除")
    assert Participation.objects.get(organization=subcontractor).ended_on is None
    reviews.void_subcontract(instance=second, actor=staff, reason="合同解除")
    assert Participation.objects.get(organization=subcontractor).ended_on == D(2026, 12, 2)
    assert not Project.objects.for_user(UserFactory(organization=subcontractor, role=Role.COMPANY)).exists()


def test_a_contractor_files_only_on_its_own_contracts(agency, contract, contractor_user):
    others = ContractFactory(agency=agency)
    # a party to it that is not its contractor
    others.consortium.add(contractor_user.organization)
    before = Subcontract.objects.count()
    with pytest.raises(PermissionDenied):
        file(contractor_user, others)
    response = english_client(contractor_user).post(
        "/contracts/subcontracts/add/",
        {
            "contract": others.pk,
            "kind": SubcontractKind.SPECIALIST,
            "company": CompanyFactory().credit_code,
            "scope": "幕墙",
            "amount": "100",
            "start_on": "2026-04-01",
            "filed_on": "2026-04-02",
        },
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    api = api_client(contractor_user).post(
        "/api/subcontracts/",
        {
            "contract_id": others.pk,
            "kind": "specialist",
            "company_id": CompanyFactory().pk,
            "scope": "幕墙",
            "amount": "100",
            "start_on": "2026-04-01",
            "filed_on": "2026-04-02",
        },
        content_type="application/json",
    )
    assert api.status_code == 422
    assert Subcontract.objects.count() == before


def test_a_company_does_not_void_a_filing_nor_see_another_contracts_filings(staff, contract, contractor_user):
    own = file(staff, contract)
    stranger = filing(ContractFactory(agency=contract.agency))
    assert set(Subcontract.objects.for_user(contractor_user)) == {own}
    client = english_client(contractor_user)
    assert client.post(f"/contracts/subcontracts/{own.pk}/void/", {"reason": "x"}).status_code == 403
    assert not Subcontract.objects.get(pk=own.pk).is_voided
    assert client.get(stranger.get_absolute_url()).status_code == 404


def test_the_company_field_of_a_company_user_takes_a_credit_code_and_lists_no_company(contract, contractor_user):
    CompanyFactory(name="不应出现的公司", kind=OrganizationKind.SUPPLIER)
    content = english_client(contractor_user).get("/contracts/subcontracts/add/").content.decode()
    assert "不应出现的公司" not in content
