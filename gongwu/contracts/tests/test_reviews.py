"""Cost reviews (预算审核, 结算审核, 决算): the generic suite (pages, 结算台账 Excel, API) from data, then what a
review adds: 审减额 and 审减率 against hand-computed values, 审增 with its note, dates in order, an approved review
kept as a record (voided, not edited), the totals row of the list, and a project's review history."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongwu.contracts import reviews
from gongwu.contracts.models import Review, ReviewKind, ReviewStatus
from gongwu.contracts.testing import ContractFactory, ReviewFactory
from gongwu.contracts.views_reviews import ReviewViews
from gongwu.core import testing
from gongwu.core.models import ChangeLogEntry, Organization, OrganizationKind, Role, User
from gongwu.core.testing import AgencyFactory, CompanyFactory, UserFactory, english_client, stored
from gongwu.projects.testing import ProjectFactory

numbers = itertools.count(1)
D = datetime.date


def actor_of(agency: Organization) -> User:
    return User.objects.get(organization=agency, username="actor")


class ReviewData(testing.ModelTestData):
    viewset = ReviewViews
    url_prefix = "/contracts/reviews/"
    api_prefix = "/api/cost-reviews/"
    natural_key = "name"
    edited_field = "name"

    def new_instance(self, agency: Organization) -> Any:
        form = self.viewset.form(data=self.form_data(agency), user=actor_of(agency))
        assert form.is_valid(), form.errors
        return form.save(commit=False)

    def make_object(self, agency: Organization) -> Review:
        return ReviewFactory(project=ProjectFactory(agency=agency), name=f"结算审核{next(numbers)}号")

    def form_data(self, agency: Organization) -> dict[str, Any]:
        return {
            "kind": ReviewKind.SETTLEMENT,
            "project": ProjectFactory(agency=agency).pk,
            "contract": "",
            "name": f"体育馆施工结算{next(numbers)}号",
            "submitted_amount": "12000000.00",
            "submitted_on": "2026-05-06",
            "approved_amount": "",
            "approved_on": "",
            "reviewer": "",
            "note": "",
        }

    def edit_data(self, obj: Review) -> dict[str, Any]:
        return {
            "kind": obj.kind,
            "project": obj.project_id,
            "contract": "",
            "name": f"{obj.name}（更正）",
            "submitted_amount": str(obj.submitted_amount),
            "submitted_on": obj.submitted_on.isoformat(),
            "approved_amount": "",
            "approved_on": "",
            "reviewer": "",
            "note": "",
        }

    def invalid_form_data(self, agency: Organization) -> tuple[dict[str, Any], str, str]:
        data = {**self.form_data(agency), "approved_amount": "13000000.00", "approved_on": "2026-06-01"}
        return data, "note", "say why in the note"

    def filter_case(self, obj: Review, agency: Organization) -> tuple[dict[str, str], Any]:
        other = ReviewFactory(project=obj.project, kind=ReviewKind.BUDGET, name=f"预算审核{next(numbers)}号")
        return {"kind": ReviewKind.SETTLEMENT}, other

    def api_payload(self, agency: Organization) -> dict[str, Any]:
        return {k: v for k, v in self.api_keys(self.form_data(agency)).items() if v != ""}

    def api_bad_payload(self, agency: Organization) -> dict[str, Any]:
        data, _field, _message = self.invalid_form_data(agency)
        return {k: v for k, v in self.api_keys(data).items() if v != ""}

    def import_row(self, agency: Organization) -> dict[str, Any]:
        n = next(numbers)
        ProjectFactory(agency=agency, code=f"JS-{n:04d}")
        return {
            "project": f"JS-{n:04d}",
            "kind": "Settlement review (结算审核)",
            "name": f"导入结算{n}号",
            "submitted_amount": 8000000,
            "submitted_on": D(2026, 3, 2),
            "approved_amount": 7200000,
            "approved_on": D(2026, 4, 20),
        }

    def bad_import_row(self, agency: Organization) -> tuple[dict[str, Any], str]:
        return {**self.import_row(agency), "approved_on": D(2026, 2, 1)}, "approved after it is submitted"


class TestReviewPages(ReviewData, testing.ObjectViewTests):
    pass


class TestReviewLedger(ReviewData, testing.ImportExportTests):
    pass


class TestReviewAPI(ReviewData, testing.APITests):
    pass


# ---- 审减额 and 审减率 -----------------------------------------------------------------------------------


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
def consultant(db):
    return CompanyFactory(name="福建华审造价咨询有限公司", kind=OrganizationKind.CONSULTANT)


def record(staff: User, **fields: Any) -> Review:
    project = fields.pop("project", None) or ProjectFactory(agency=staff.organization)
    values = {
        "kind": ReviewKind.SETTLEMENT,
        "name": f"结算{next(numbers)}",
        "submitted_amount": Decimal("10000000"),
        "submitted_on": D(2026, 5, 6),
        **fields,
    }
    return reviews.save_review(instance=Review(project=project, **values), actor=staff)


@pytest.mark.parametrize(
    ("submitted", "approved", "reduction", "rate"),
    [
        # 1,234.5678 万 submitted, 1,100 万 approved: 134.5678 万 reduced, 10.8999…% cut (not rounded) to 10.89
        (Decimal("12345678.00"), Decimal("11000000.00"), Decimal("1345678.00"), Decimal("10.89")),
        # the same amount approved: nothing reduced, 0.00%
        (Decimal("5000000.00"), Decimal("5000000.00"), Decimal("0.00"), Decimal("0.00")),
        # 3 元 of 7 元 reduced: 42.857…% cut (not rounded) to 42.85
        (Decimal("7.00"), Decimal("4.00"), Decimal("3.00"), Decimal("42.85")),
        # 审增: 100 万 submitted, 103 万 approved: −3 万, −3.00%
        (Decimal("1000000.00"), Decimal("1030000.00"), Decimal("-30000.00"), Decimal("-3.00")),
        # nothing submitted: no rate
        (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), None),
    ],
)
def test_reduction_and_its_rate_are_the_hand_computed_values(submitted, approved, reduction, rate):
    review = Review(submitted_amount=submitted, approved_amount=approved)
    assert review.reduction == reduction
    assert reviews.rate(review.reduction, review.submitted_amount) == rate


def test_a_review_with_its_approved_amount_and_day_is_approved_and_shows_its_reduction(staff, consultant):
    review = record(
        staff,
        submitted_amount=Decimal("12345678.00"),
        approved_amount=Decimal("11000000.00"),
        approved_on=D(2026, 7, 1),
        reviewer=consultant,
    )
    assert review.status == ReviewStatus.APPROVED
    content = english_client(staff).get(review.get_absolute_url()).content.decode()
    assert 'data-figure="reduction">134.57 ten-thousand yuan' in content
    assert 'data-figure="reduction_rate">10.89%' in content
    assert "福建华审造价咨询有限公司" in content


def test_a_review_without_its_approved_amount_is_submitted(staff):
    assert record(staff).status == ReviewStatus.SUBMITTED


@pytest.mark.usefixtures("english")
def test_an_increase_needs_a_note_and_with_one_it_is_recorded(staff):
    increase = {
        "submitted_amount": Decimal("1000000"),
        "approved_amount": Decimal("1030000"),
        "approved_on": D(2026, 6, 1),
    }
    with pytest.raises(ValidationError) as refused:
        record(staff, **increase)
    assert "say why in the note" in str(refused.value.message_dict["note"])
    assert not Review.objects.exists()
    review = record(staff, note="增加了漏项的消防工程", **increase)
    assert (review.status, review.reduction) == (ReviewStatus.APPROVED, Decimal("-30000"))


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"approved_amount": Decimal("9000000"), "approved_on": D(2026, 5, 5)}, "approved_on", "approved after"),
        ({"approved_amount": Decimal("9000000")}, "approved_on", "Give both"),
        ({"approved_on": D(2026, 6, 1)}, "approved_amount", "Give both"),
        ({"submitted_on": D(2026, 12, 3)}, "submitted_on", "day that has come"),
        ({"approved_amount": Decimal("9000000"), "approved_on": D(2026, 12, 3)}, "approved_on", "day that has come"),
    ],
)
def test_dates_out_of_order_or_half_an_approval_are_refused_and_nothing_is_saved(staff, fields, field, message, travel):
    travel(D(2026, 12, 2))
    with pytest.raises(ValidationError) as refused:
        record(staff, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Review.objects.exists()


@pytest.mark.usefixtures("english")
def test_final_accounts_name_no_contract(staff):
    contract = ContractFactory(agency=staff.organization)
    with pytest.raises(ValidationError) as refused:
        record(staff, project=contract.project, contract=contract, kind=ReviewKind.FINAL)
    assert "whole project" in str(refused.value)


@pytest.mark.usefixtures("english")
def test_a_contract_of_another_project_is_refused(staff):
    contract = ContractFactory(agency=staff.organization)
    with pytest.raises(ValidationError) as refused:
        record(staff, contract=contract)
    assert "another project" in str(refused.value)


def test_an_approved_review_is_not_edited_but_voided_with_a_reason(staff):
    review = record(staff, approved_amount=Decimal("9000000"), approved_on=D(2026, 6, 1))
    client = english_client(staff)
    data = {
        "kind": review.kind,
        "project": review.project_id,
        "name": review.name,
        "submitted_amount": "10000000.00",
        "submitted_on": "2026-05-06",
        "approved_amount": "8000000.00",
        "approved_on": "2026-06-01",
        "note": "",
    }
    before = stored(review)
    response = client.post(f"/contracts/reviews/{review.pk}/edit/", data)
    assert response.status_code == 422
    assert "voided with a reason and recorded again" in response.content.decode()
    assert stored(review) == before
    # its note may still be completed
    response = client.post(
        f"/contracts/reviews/{review.pk}/edit/", {**data, "approved_amount": "9000000.00", "note": "复核无误"}
    )
    assert response.status_code == 302
    assert client.post(f"/contracts/reviews/{review.pk}/delete/").status_code == 403
    response = client.post(f"/contracts/reviews/{review.pk}/void/", {"reason": "送审资料有误，重新审核"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.is_voided, review.void_reason, review.note) == (True, "送审资料有误，重新审核", "复核无误")


def test_the_list_shows_the_totals_of_every_approved_review_it_holds(staff):
    project = ProjectFactory(agency=staff.organization)
    record(
        staff,
        project=project,
        submitted_amount=Decimal("10000000"),
        approved_amount=Decimal("9000000"),
        approved_on=D(2026, 6, 1),
    )
    record(
        staff,
        project=project,
        submitted_amount=Decimal("5000000"),
        approved_amount=Decimal("4750000"),
        approved_on=D(2026, 6, 2),
    )
    record(staff, project=project, submitted_amount=Decimal("3000000"))  # under review: not in the approved totals
    voided = record(
        staff,
        project=project,
        submitted_amount=Decimal("8000000"),
        approved_amount=Decimal("1000000"),
        approved_on=D(2026, 6, 3),
    )
    reviews.void_review(instance=voided, actor=staff, reason="重复录入")
    other = AgencyFactory()
    record(
        UserFactory(organization=other),
        submitted_amount=Decimal("1000000"),
        approved_amount=Decimal("1"),
        approved_on=D(2026, 6, 1),
    )
    content = english_client(staff).get("/contracts/reviews/").content.decode()
    # 1,500 万 submitted, 1,375 万 approved, 125 万 reduced: 8.333…% → 8.33
    assert 'data-total="submitted">1,500.00 ten-thousand yuan' in content
    assert 'data-total="approved">1,375.00 ten-thousand yuan' in content
    assert 'data-total="reduction">125.00 ten-thousand yuan' in content
    assert 'data-total="reduction_rate">8.33%' in content
    assert "Total of 2 approved" in content
    assert "1 under review, 300.00 ten-thousand yuan submitted" in content
    # filtered to budget reviews: none
    content = english_client(staff).get("/contracts/reviews/", {"kind": "budget"}).content.decode()
    assert "Total of 0 approved" in content


def test_a_project_page_shows_its_review_history(staff):
    project = ProjectFactory(agency=staff.organization)
    budget = record(
        staff,
        project=project,
        kind=ReviewKind.BUDGET,
        name="预算审核",
        approved_amount=Decimal("9500000"),
        approved_on=D(2026, 5, 20),
    )
    settlement = record(staff, project=project, name="结算审核")
    content = english_client(staff).get(project.get_absolute_url()).content.decode()
    assert 'id="cost-reviews"' in content
    assert f'data-review="{budget.pk}"' in content and f'data-review="{settlement.pk}"' in content
    assert "5.00%" in content  # 50 万 of 1,000 万


def test_a_company_sees_no_review_of_a_contract_it_is_not_party_to(staff):
    contract = ContractFactory(agency=staff.organization)
    own = record(staff, project=contract.project, contract=contract)
    other = record(staff)
    company_user = UserFactory(organization=contract.contractor, role=Role.COMPANY)
    visible = set(Review.objects.for_user(company_user).values_list("pk", flat=True))
    assert visible == {own.pk}
    assert english_client(company_user).get(other.get_absolute_url()).status_code == 404
    before = ChangeLogEntry.objects.count()
    assert english_client(company_user).post("/contracts/reviews/add/", {}).status_code == 403
    assert ChangeLogEntry.objects.count() == before
