"""The inspections demo: the figures of 2023 read like the seeds (安全 1098 次, 质量 832 次, 139 and 225
督导通知书, no accident), 2026 has open and overdue notices on the board, and the company user answers its own."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongwu.alerts import services as alerts_services
from gongwu.alerts.models import DONE_STATUSES, Case, CaseEvent, Level, Status
from gongwu.core.demo import DemoBuilder
from gongwu.core.management.commands.demo import app_demo_modules, quiet
from gongwu.core.models import Attachment, ChangeLogEntry, Organization, User
from gongwu.inspections import demo, services
from gongwu.inspections.figures import PeriodFigures, period_figures, score_trend
from gongwu.inspections.models import (
    CASE_SOURCE,
    Accident,
    Finding,
    FindingStatus,
    HazardousWork,
    Inspection,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
    Severity,
)
from gongwu.projects import demo as projects_demo
from gongwu.projects.models import Project, Section

pytestmark = pytest.mark.django_db

AS_OF = projects_demo.AS_OF


@pytest.fixture(scope="module")
def orgs(django_db_setup, django_db_blocker) -> Iterator[dict[str, Organization]]:
    """The core, projects and inspections demos, built once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        builder = DemoBuilder(progress=quiet)
        found = builder.build()
        projects_demo.build(orgs=found, actor=builder.actor, progress=quiet)
        demo.build(orgs=found, actor=builder.actor, progress=quiet)
        yield found
        transaction.set_rollback(True)


def year(orgs: dict[str, Organization], value: int) -> PeriodFigures:
    return period_figures([orgs["city"].pk], datetime.date(value, 1, 1), datetime.date(value, 12, 31))


def at_as_of(notice: RectificationNotice) -> str:
    """Where a live notice stood on the demo's last day (services.notice_status reads the real date)."""
    if notice.case.status == Status.SUBMITTED:
        return "answered"
    return "overdue" if notice.deadline < AS_OF else "open"


def test_the_demo_command_runs_the_inspections_demo_after_the_projects_and_alerts_demos():
    names = [module.__name__ for module in app_demo_modules()]
    assert names.index("gongwu.projects.demo") < names.index("gongwu.alerts.demo") < names.index(demo.__name__)


def test_2023_reads_like_the_seeds(orgs):
    figures = year(orgs, 2023)

    assert (figures.safety, figures.quality) == (1098, 832)
    assert figures.notices_by_kind == {NoticeKind.SAFETY: 139, NoticeKind.QUALITY: 225}
    assert (figures.notices, figures.notices_closed, figures.notices_overdue) == (364, 364, 0)
    assert figures.closure_rate == 100
    assert figures.average_days is not None
    assert (figures.accidents, figures.deaths) == (0, 0)
    assert not Accident.objects.exists()
    assert set(figures.by_level) == {"self", "spot", "supervision"}
    assert {"special", "night_holiday", "civilized", "quality_patrol", "quality_assessment"} <= set(figures.by_kind)


def test_2023_notices_are_numbered_in_order_and_six_were_closed_late(orgs):
    notices = RectificationNotice.objects.filter(year=2023, kind=NoticeKind.SAFETY).order_by("issued_on", "pk")
    assert [n.number for n in notices[:2]] == ["安督〔2023〕1号", "安督〔2023〕2号"]
    late = [
        n
        for n in RectificationNotice.objects.filter(year=2023).select_related("case")
        if n.case.responded_on > n.deadline
    ]
    assert len(late) == demo.LATE_2023
    assert not Finding.objects.filter(found_on__year=2023).exclude(status=FindingStatus.CLOSED).exists()


def test_2026_has_open_answered_and_overdue_notices_with_their_cases(orgs):
    figures = year(orgs, 2026)
    assert (figures.safety, figures.quality) == (655, 498)
    assert figures.notices_by_kind == {NoticeKind.SAFETY: 61, NoticeKind.QUALITY: 94}

    live = RectificationNotice.objects.filter(year=2026).exclude(case__status__in=DONE_STATUSES).select_related("case")
    overdue_at_as_of = [n for n in live if n.deadline < AS_OF]
    assert len(overdue_at_as_of) == 2
    assert [n.case.status for n in live if n.deadline >= AS_OF].count(Status.ASSIGNED) >= 3
    assert [n.case.status for n in live].count(Status.SUBMITTED) == 1
    for notice in RectificationNotice.objects.select_related("case"):
        assert notice.case.subject == notice
        assert notice.case.source == CASE_SOURCE
        assert notice.case.opened_on == notice.issued_on <= AS_OF
    assert not Inspection.objects.filter(started_at__date__gt=AS_OF).exists()
    times = CaseEvent.objects.filter(case__source=CASE_SOURCE).values_list("time", flat=True)
    assert max(timezone.localtime(t).date() for t in times) == AS_OF


def test_the_serious_finding_has_its_red_case_on_the_board(orgs):
    [serious] = Finding.objects.filter(severity=Severity.SERIOUS)
    case = Case.objects.get(subject_type=ContentType.objects.get_for_model(Finding), subject_id=str(serious.pk))

    assert case.level == Level.RED and case.is_open
    assert case.opened_on == serious.found_on and case.deadline == serious.deadline
    assert serious.notice is not None and serious.notice.case.level == Level.RED


def test_the_company_user_sees_only_its_notices_and_answers_an_open_one(orgs):
    company = User.objects.get(username="company")
    mine = RectificationNotice.objects.for_user(company)

    live = mine.filter(year=2026).exclude(case__status__in=DONE_STATUSES).select_related("case")
    assert sorted(at_as_of(n) for n in live) == ["answered", "open", "overdue"]
    assert set(mine.values_list("company", flat=True)) == {company.organization_id}
    assert set(Finding.objects.for_user(company).values_list("responsible_org", flat=True)) == {company.organization_id}
    notice = mine.filter(case__status=Status.ASSIGNED, deadline__gte=AS_OF).get()
    # the notice's case is answered on the notice, not with the generic "respond"
    assert alerts_services.allowed_transitions(notice.case, company) == []
    with transaction.atomic():
        answers = {f.pk: services.Answer("已整改", [demo.site_photo(1, after=True)]) for f in notice.findings.all()}
        services.answer_notice(notice, answers, company)
        assert services.notice_status(notice) == "answered"
        transaction.set_rollback(True)


def test_the_scored_projects_improve_through_2026(orgs):
    trend = score_trend([orgs["city"].pk], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

    assert len(trend) == demo.SCORED_PROJECTS
    for rows in trend.values():
        assert len(rows) >= 5
        assert rows[-1][2] > rows[0][2]
    assert ScoreSheet.objects.filter(score__isnull=True).count() == 0
    logged = ChangeLogEntry.objects.filter(content_type__model="itemresult", action="update")
    assert logged.count() == demo.SCORED_PROJECTS * len(demo.SCORED_SHEETS) * 3


def test_findings_carry_photos_that_are_real_jpegs(orgs):
    photos = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Finding))

    assert photos.count() >= 20
    for photo in photos:
        with photo.file.open("rb") as stored:
            assert services.image_type(stored.read(16)) == "image/jpeg"
    assert photos.filter(name__startswith="after-").exists()


def test_sections_and_hazardous_works_keep_the_models_rules(orgs):
    inspected = set(Inspection.objects.values_list("project", flat=True))
    sectioned = set(Section.objects.values_list("project", flat=True))
    assert inspected <= sectioned
    assert not Section.objects.filter(contractor=None).exists()
    assert not Section.objects.filter(supervisor=None).exists()
    works = HazardousWork.objects.select_related("project", "section")
    for work in works:
        work.full_clean(validate_unique=False, validate_constraints=False)
    assert works.filter(over_scale=True).exclude(expert_review_on=None).count() > 10
    wrong = [
        i.pk
        for i in Inspection.objects.select_related("section").exclude(section=None)
        if i.section.project_id != i.project_id
    ]
    assert wrong == []
    assert not Finding.objects.filter(deadline__lt=F("found_on")).exists()


def test_the_change_log_records_the_notices_and_what_the_services_did(orgs):
    created = ChangeLogEntry.objects.filter(content_type__model="rectificationnotice", action="create")
    assert created.count() == RectificationNotice.objects.count()
    assert (
        ChangeLogEntry.objects.filter(content_type__model="section", action="create").count() == Section.objects.count()
    )
    assert ChangeLogEntry.objects.filter(content_type__model="inspection", action="create").exists()


def test_running_the_build_again_writes_nothing(orgs):
    models = (Inspection, Finding, RectificationNotice, Section, HazardousWork, Case, Attachment, ChangeLogEntry)
    before = {model.__name__: model.objects.count() for model in models}

    demo.build(orgs=orgs, actor=User.objects.get(username="admin"), progress=quiet)

    assert {model.__name__: model.objects.count() for model in models} == before


def test_the_company_user_sees_the_four_projects_it_builds_their_sections_and_its_inspections(orgs):
    company = User.objects.get(username="company")
    builds = Section.objects.filter(contractor=company.organization)
    projects = set(Project.objects.for_user(company))
    assert projects == {section.project for section in builds}
    assert len(projects) == 4
    assert set(Section.objects.for_user(company)) == set(Section.objects.filter(project__in=projects))
    seen = Inspection.objects.for_user(company)
    assert seen.exists()
    assert set(seen.values_list("section", flat=True)) <= set(builds.values_list("pk", flat=True))
