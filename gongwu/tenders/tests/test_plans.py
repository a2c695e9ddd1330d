"""Tender plans: the statutory thresholds at their edges, the split check (化整为零), coverage and the scheme."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from gongwu.core.models import ChangeLogEntry, OrganizationKind
from gongwu.core.testing import AgencyFactory, CompanyFactory, english_client, stored
from gongwu.projects.models import Section
from gongwu.projects.testing import ProjectFactory
from gongwu.tenders import services
from gongwu.tenders.forms import TenderPlanForm
from gongwu.tenders.models import Exemption, Method, Organisation, PlanStatus, SubjectKind, TenderPlan
from gongwu.tenders.testing import SchemeTemplateFactory
from gongwu.tenders.tests.helpers import wan

pytestmark = pytest.mark.usefixtures("english")


def plan(project: Any, estimate: Decimal, **fields: Any) -> TenderPlan:
    defaults = {"name": f"方案{estimate}", "subject_kind": SubjectKind.WORKS, "method": Method.DIRECT}
    return TenderPlan(agency=project.agency, project=project, estimate=estimate, **{**defaults, **fields})


def save(instance: TenderPlan, actor: Any, **data: Any) -> TenderPlan:
    return services.save_tender_plan(instance=instance, actor=actor, data=data or None)


# ---- thresholds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "below", "at"),
    [
        (SubjectKind.WORKS, "399.99", "400"),
        (SubjectKind.EPC, "399.99", "400"),
        (SubjectKind.GOODS, "199.99", "200"),
        (SubjectKind.SUPERVISION, "99.99", "100"),
        (SubjectKind.DESIGN, "99.99", "100"),
    ],
)
def test_a_direct_award_below_the_threshold_passes_and_at_it_needs_a_legal_ground(staff, project, kind, below, at):
    saved = save(plan(project, wan(below), subject_kind=kind), staff)
    assert not services.check_thresholds(saved).reaches
    count = TenderPlan.objects.count()
    with pytest.raises(ValidationError) as refused:
        save(plan(project, wan(at), subject_kind=kind, name="到线"), staff)
    assert "reaches the tendering threshold" in refused.value.message_dict["exemption"][0]
    assert TenderPlan.objects.count() == count
    grounded = save(
        plan(project, wan(at), subject_kind=kind, name="有依据", exemption=Exemption.REG_9_1, legal_ground="专利"),
        staff,
    )
    check = services.check_thresholds(grounded)
    assert (check.reaches, check.needs_ground, check.ok) == (True, True, True)


def test_a_ground_chosen_but_not_explained_is_not_enough(staff, project):
    with pytest.raises(ValidationError) as refused:
        save(plan(project, wan("400"), exemption=Exemption.EMERGENCY, legal_ground="  "), staff)
    assert "exemption" in refused.value.message_dict


def test_an_open_tender_at_the_threshold_needs_no_ground(staff, project):
    saved = save(plan(project, wan("400"), method=Method.OPEN), staff)
    check = services.check_thresholds(saved)
    assert (check.reaches, check.needs_ground, check.ok) == (True, False, True)
    assert "it is tendered" in check.message


# ---- the split check ------------------------------------------------------------------------------------


def flags(*plans: TenderPlan) -> list[bool]:
    return [TenderPlan.objects.get(pk=p.pk).split_suspected for p in plans]


def test_two_works_plans_of_250_and_150_wan_are_flagged_and_the_first_one_is_logged(staff, project):
    first = save(plan(project, wan("250"), name="土方工程"), staff)
    assert flags(first) == [False]
    second = save(plan(project, wan("150"), name="基坑支护"), staff)
    assert flags(first, second) == [True, True]
    assert services.split_siblings(first) == [second]
    entry = ChangeLogEntry.objects.filter(object_id=str(first.pk), action="update").get()
    assert (entry.before["split_suspected"], entry.after["split_suspected"], entry.actor) == (False, True, staff)
    created = ChangeLogEntry.objects.filter(object_id=str(second.pk), action="create").get()
    assert created.after["split_suspected"] is True


def test_250_and_149_99_wan_are_not_flagged(staff, project):
    first = save(plan(project, wan("250")), staff)
    second = save(plan(project, wan("149.99"), name="基坑支护"), staff)
    assert flags(first, second) == [False, False]


@pytest.mark.parametrize(
    ("kind", "amounts", "flagged"),
    [
        (SubjectKind.GOODS, ("100", "100"), True),
        (SubjectKind.GOODS, ("100", "99.99"), False),
        (SubjectKind.SUPERVISION, ("60", "40"), True),
        (SubjectKind.SUPERVISION, ("60", "39.99"), False),
    ],
)
def test_the_split_edge_of_goods_and_services(staff, project, kind, amounts, flagged):
    plans = [save(plan(project, wan(a), name=f"分包{a}", subject_kind=kind), staff) for a in amounts]
    assert flags(*plans) == [flagged, flagged]


def test_plans_that_are_tendered_anyway_are_no_split(staff, project):
    first = save(plan(project, wan("250"), method=Method.OPEN), staff)
    second = save(plan(project, wan("150"), method=Method.INVITED, name="二"), staff)
    assert flags(first, second) == [False, False]


def test_different_kinds_counterparties_or_projects_are_no_split(staff, project):
    a = CompanyFactory(kind=OrganizationKind.CONTRACTOR)
    b = CompanyFactory(kind=OrganizationKind.CONTRACTOR)
    other_project = ProjectFactory(agency=project.agency)
    plans = [
        save(plan(project, wan("250"), counterparty=a), staff),
        save(plan(project, wan("150"), counterparty=b, name="二"), staff),
        save(plan(project, wan("150"), name="三"), staff),  # no counterparty: not the same as a or b
        save(plan(other_project, wan("150"), counterparty=a, name="四"), staff),
        save(plan(project, wan("60"), counterparty=a, subject_kind=SubjectKind.DESIGN, name="五"), staff),
    ]
    assert flags(*plans) == [False] * 5
    same = save(plan(project, wan("150"), counterparty=a, name="六"), staff)
    assert flags(plans[0], same) == [True, True]


def test_a_plan_reaching_the_threshold_on_its_own_is_not_part_of_a_split(staff, project):
    big = save(plan(project, wan("400"), exemption=Exemption.EMERGENCY, legal_ground="抢险"), staff)
    small = save(plan(project, wan("150"), name="二"), staff)
    assert flags(big, small) == [False, False]


def test_cancelling_a_plan_clears_the_flag_of_its_sibling_and_logs_it(staff, project):
    first = save(plan(project, wan("250")), staff)
    second = save(plan(project, wan("150"), name="二"), staff)
    services.cancel_plan(plan=second, actor=staff, reason="合并招标")
    assert flags(first, second) == [False, False]
    last = ChangeLogEntry.objects.filter(object_id=str(first.pk), action="update").order_by("-id").first()
    assert (last.before["split_suspected"], last.after["split_suspected"]) == (True, False)


def test_lowering_an_estimate_or_moving_a_plan_clears_the_flags(staff, project):
    first = save(plan(project, wan("250")), staff)
    second = save(plan(project, wan("150"), name="二"), staff)
    second.estimate = wan("149.99")
    save(second, staff)
    assert flags(first, second) == [False, False]
    second.estimate = wan("150")
    save(second, staff)
    assert flags(first, second) == [True, True]
    second.project = ProjectFactory(agency=project.agency)
    save(second, staff)
    assert flags(first, second) == [False, False]


def test_the_plan_page_warns_of_the_split_and_names_the_siblings(staff, project):
    first = save(plan(project, wan("250"), name="土方工程"), staff)
    second = save(plan(project, wan("150"), name="基坑支护"), staff)
    page = english_client(staff).get(first.get_absolute_url()).content.decode()
    assert 'id="split-warning"' in page
    assert f'href="{second.get_absolute_url()}"' in page
    assert "Suspected split" in page


def test_the_plan_page_shows_where_the_plan_stands_against_the_threshold(staff, project):
    below = save(plan(project, wan("399.99")), staff)
    page = english_client(staff).get(below.get_absolute_url()).content.decode()
    assert 'data-reaches="no"' in page
    assert "The estimate of 399.99 ten-thousand yuan is below the tendering threshold of 400.00" in page


# ---- coverage and the scheme ------------------------------------------------------------------------------


def test_the_lead_project_is_always_covered(staff, project):
    saved = save(plan(project, wan("100")), staff)
    assert list(saved.projects.all()) == [project]
    other = ProjectFactory(agency=project.agency)
    batch = save(plan(project, wan("100"), name="批量", organisation=Organisation.BATCH), staff, projects=[other])
    assert set(batch.projects.all()) == {project, other}


def test_sections_of_projects_not_covered_and_projects_of_another_agency_are_refused(staff, project):
    stranger = Section.objects.create(project=ProjectFactory(agency=project.agency), name="一标段")
    foreign = ProjectFactory(agency=AgencyFactory())
    count, log = TenderPlan.objects.count(), ChangeLogEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        save(plan(project, wan("100")), staff, projects=[foreign], sections=[stranger])
    assert "belongs to another agency" in refused.value.message_dict["projects"][0]
    assert "is not of a project the plan covers" in refused.value.message_dict["sections"][0]
    assert (TenderPlan.objects.count(), ChangeLogEntry.objects.count()) == (count, log)


def test_a_plan_started_from_a_scheme_takes_its_kind_method_and_organisation(staff, project):
    scheme = SchemeTemplateFactory(
        agency=project.agency, subject_kind=SubjectKind.CONSULTING, method=Method.OPEN, organisation="batch"
    )
    form = TenderPlanForm(
        data={"project": project.pk, "scheme": scheme.pk, "name": "全过程咨询批量招标", "estimate": "5000000"},
        user=staff,
    )
    assert form.is_valid(), form.errors
    saved = services.save_tender_plan(instance=form.save(commit=False), actor=staff, data=form.cleaned_data)
    assert (saved.subject_kind, saved.method, saved.organisation, saved.scheme) == (
        SubjectKind.CONSULTING,
        Method.OPEN,
        Organisation.BATCH,
        scheme,
    )
    page = english_client(staff).get(scheme.get_absolute_url()).content.decode()
    assert 'id="start-plan"' in page and "subject_kind=consulting" in page


def test_approving_and_cancelling_a_plan(staff, project):
    saved = save(plan(project, wan("100")), staff)
    client = english_client(staff)
    assert client.post(f"/tenders/plans/{saved.pk}/approve/").status_code == 302
    saved.refresh_from_db()
    assert saved.status == PlanStatus.APPROVED
    before = stored(saved)
    response = client.post(f"/tenders/plans/{saved.pk}/approve/", follow=True)
    assert "only a draft is approved" in response.content.decode()
    assert stored(saved) == before
    client.post(f"/tenders/plans/{saved.pk}/cancel/", {"reason": "项目取消"})
    saved.refresh_from_db()
    assert saved.status == PlanStatus.CANCELLED
    entry = ChangeLogEntry.objects.filter(object_id=str(saved.pk)).order_by("-id").first()
    assert entry.after["cancel_reason"] == "项目取消"
