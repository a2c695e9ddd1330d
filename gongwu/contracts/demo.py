"""The contracts demo: the city agency's contract settings, its standard 施工合同 text (the built-in template),
two countersign routes, and a works contract for sections of its projects, countersigned in 2025 in about ten
days and in 2026 in about three (so the figures page shows the time saved), one waiting for the 工程管理处's
signature, one returned and sent again, a draft, and one past its completion date.

Then the rest of the money chain (`Chain`), shaped like seeds 001 and 003: the contracts of the tenders the
tenders demo awarded (one per project a batch or linked tender covers); a works contract with its contractor and
a supervision contract with its supervisor for every section of the city's projects under construction that
none covers yet; changes (设计变更, 现场签证, 工程量调整) approved level by level through `changes.py`, two
contracts near 10 % cumulative and one over it; the spot check of 9 changes drawn from 2025's approved ones
("完成 9 个在建工程变更抽查"); 21 budget and 72 settlement reviews approved in 2025 totalling 36,029.5 万元
("预算审核 21 个, 结算审核 72 个, 合计 36029.5 万元"); and subcontract filings, one late and one contract
subcontracted over its limit. The payment claims are made by the investment demo, against its payments.

Each build is deterministic and writes nothing when the city's settings already exist."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from gongwu.contracts import changes, documents, reviews, services
from gongwu.contracts.models import (
    Change,
    ChangeApproval,
    ChangeKind,
    ChangeStatus,
    Contract,
    ContractSettings,
    ContractStatus,
    ContractTemplate,
    Countersign,
    CountersignRoute,
    CountersignRouteStep,
    CountersignStatus,
    CountersignStep,
    Review,
    ReviewKind,
    SpotCheck,
    StepStatus,
    Subcontract,
    SubcontractKind,
)
from gongwu.core import services as core_services
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.projects.demo import write_sections
from gongwu.projects.models import Project, Section, Stage
from gongwu.tenders.models import Organisation, SubjectKind, Tender, TenderStatus

SEED = 20261105
SH = datetime.timezone(datetime.timedelta(hours=8))
Progress = Callable[[int, int, str], None]


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    city = orgs.get("city")
    if city is None or ContractSettings.objects.filter(agency=city).exists():
        progress(1, 1, "合同")
        return
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    with transaction.atomic():
        core_services.create_object(instance=ContractSettings(agency=city), actor=actor)
        template = ContractTemplate(agency=city, kind=SubjectKind.WORKS, name="施工合同示范文本", version="2026")
        template.file.save("施工合同示范文本.docx", ContentFile(documents.default_template()), save=False)
        services.save_template(instance=template, actor=actor)
        works, general = routes(orgs, actor)
        write_sections(city, actor)  # the sections of its projects under way (found when already written)
        progress(1, 3, "合同")
        chosen = Section.objects.filter(project__agency=city, contractor__isnull=False).select_related(
            "project", "contractor"
        )
        sections = list(chosen.order_by("project__code", "id")[:16])
        company = User.objects.filter(username="company").values_list("organization", flat=True).first()
        theirs = [s for s in chosen.filter(contractor=company).order_by("project__code", "id")[:2] if s not in sections]
        for index, section in zip((3, 9), theirs, strict=False):  # the demo company's: signed, so it sees them
            sections.insert(index, section)
        Demo(city, actor, rng, template, works, general).contracts(sections)
        progress(2, 7, "合同")
        more = Chain(city, actor, template)
        more.from_tenders()
        more.for_sections()
        progress(4, 7, "合同")
        more.changes()
        more.spot_check()
        progress(5, 7, "合同")
        more.reviews()
        progress(6, 7, "合同")
        more.subcontracts()
        progress(7, 7, "合同")


def routes(orgs: dict[str, Organization], actor: User) -> tuple[CountersignRoute, CountersignRoute]:
    city = orgs["city"]
    works = core_services.create_object(
        instance=CountersignRoute(
            agency=city, name="施工合同会签（400万元及以上）", kind=SubjectKind.WORKS, min_amount=Decimal("4000000")
        ),
        actor=actor,
    )
    general = core_services.create_object(instance=CountersignRoute(agency=city, name="一般合同会签"), actor=actor)
    for route, steps in (
        (
            works,
            [
                (1, "工程管理处审核", orgs.get("工程管理处"), ""),
                (1, "招标合同处审核", orgs.get("招标合同处"), ""),
                (2, "造价处审核", orgs.get("造价处"), ""),
                (3, "财务处审核", orgs.get("财务处"), ""),
                (4, "分管领导审批", None, Role.LEADER),
            ],
        ),
        (general, [(1, "工程管理处审核", orgs.get("工程管理处"), ""), (2, "分管领导审批", None, Role.LEADER)]),
    ):
        for order, label, department, role in steps:
            core_services.create_object(
                instance=CountersignRouteStep(route=route, order=order, label=label, department=department, role=role),
                actor=actor,
            )
    return works, general


class Demo:
    def __init__(
        self,
        city: Organization,
        actor: User,
        rng: random.Random,
        template: ContractTemplate,
        works: CountersignRoute,
        general: CountersignRoute,
    ) -> None:
        self.city, self.actor, self.rng, self.template = city, actor, rng, template
        self.works, self.general = works, general
        self.signers = {
            "leader": User.objects.filter(username="leader").first() or actor,
            "staff": User.objects.filter(username="staff").first() or actor,
        }

    def contracts(self, sections: list[Section]) -> None:
        for n, section in enumerate(sections):
            year = 2025 if n < 7 else 2026
            signed = datetime.date(year, 1 + (n * 5) % 11, 3 + (n * 7) % 24)
            if signed > datetime.date(2026, 11, 10):
                signed = datetime.date(2026, 10, 28)
            status = ContractStatus.PERFORMING if year == 2025 or n % 3 else ContractStatus.SIGNED
            end_on = signed + datetime.timedelta(days=540 + 30 * (n % 6))
            if n == 2:
                end_on = datetime.date(2026, 10, 31)  # past its completion date: the alert rule finds it
            amount = Decimal(self.rng.randrange(4200, 28000)) * Decimal("10000")
            pending = n in (len(sections) - 1, len(sections) - 2)
            contract = self.contract(section, signed, end_on, amount, ContractStatus.DRAFT if pending else status)
            days = self.rng.uniform(8.0, 12.5) if year == 2025 else self.rng.uniform(2.2, 3.8)
            if n == len(sections) - 1:
                continue  # a draft, not yet sent
            if n == len(sections) - 2:
                self.returned_round(contract)
                services.start_countersign(contract=contract, actor=self.signers["staff"])
                continue
            self.signed_round(contract, signed, days)

    def contract(
        self, section: Section, signed: datetime.date, end_on: datetime.date, amount: Decimal, status: str
    ) -> Contract:
        contract = Contract(
            agency=self.city,
            name=f"{section.project.name}{section.name}施工合同",
            kind=SubjectKind.WORKS,
            project=section.project,
            contractor=section.contractor,
            amount=amount,
            provisional_sum=(amount * Decimal("0.05")).quantize(Decimal("1")),
            advance_percent=Decimal("10"),
            retention_percent=Decimal("3"),
            payment_terms="预付款为签约合同价的10%；工程进度款按月计量，支付已完工程款的80%；竣工验收后付至85%；结算审定后付至97%，余款作为质量保证金。",
            signed_on=signed if status != ContractStatus.DRAFT else None,
            start_on=signed + datetime.timedelta(days=10),
            end_on=end_on,
            status=status,
            text_template=self.template,
        )
        return services.create_contract(instance=contract, actor=self.actor, data={"sections": [section.pk]})

    def signed_round(self, contract: Contract, signed: datetime.date, days: float) -> None:
        finished = datetime.datetime.combine(signed, datetime.time(16, 30), tzinfo=SH)
        started = finished - datetime.timedelta(days=days)
        round_ = Countersign.objects.create(
            contract=contract,
            route=self.works,
            round=1,
            status=CountersignStatus.APPROVED,
            started_at=started,
            started_by=self.signers["staff"],
            finished_at=finished,
        )
        route_steps = list(self.works.steps.order_by("order", "id"))
        orders = sorted({s.order for s in route_steps})
        span = (finished - started) / len(orders)
        rows = []
        for step in route_steps:
            index = orders.index(step.order)
            opened = started + span * index
            rows.append(
                CountersignStep(
                    countersign=round_,
                    order=step.order,
                    label=step.label,
                    department=step.department,
                    role=step.role,
                    status=StepStatus.APPROVED,
                    opened_at=opened,
                    acted_at=opened + span * self.rng.uniform(0.5, 1.0),
                    acted_by=self.signers["leader"] if step.role else self.signers["staff"],
                    comment="同意",
                )
            )
        rows[-1].acted_at = finished
        CountersignStep.objects.bulk_create(rows)
        core_services.log_changes(
            [(row, "create", None, core_services.snapshot(row)) for row in [round_, *rows]], self.actor
        )

    def returned_round(self, contract: Contract) -> None:
        round_ = services.start_countersign(contract=contract, actor=self.signers["staff"])
        first = round_.steps.order_by("order", "id").first()
        if first is not None:
            services.act_on_step(
                step=first, actor=self.signers["staff"], approve=False, comment="暂列金额比例偏高，请核实后重新提交。"
            )


# ---- the rest of the money chain -------------------------------------------------------------------------

CHAIN_SEED = 20250930
WAN = Decimal(10000)
REVIEWS_2025 = Decimal("360295000.00")  # 36,029.5 万元: the budget and settlement reviews approved in 2025 (001)
BUDGET_REVIEWS, SETTLEMENT_REVIEWS = 21, 72
SPOT_CHECK_SIZE = 9
# Each works contract given changes in 2025: the cumulative change % its approved changes reach.
CHANGE_PATHS = [
    [2.6, 5.1, 7.9, 10.6],  # over 10 %: the last one needs the 署务会 and flags an audit
    [1.8, 4.9, 7.6, 9.4],  # near 10 %
    [2.2, 5.4, 8.8],  # near 10 %
    [0.08, 1.4, 2.7],
    [0.06, 0.9],
    [0.05, 1.1, 2.4],
    [0.07, 1.2],
    [1.6, 3.3],
    [0.04, 0.8],
    [0.05, 1.9],
]
CHANGE_SUBJECTS = {
    ChangeKind.DESIGN: ["基坑支护方案调整", "地下室底板加厚", "幕墙选型优化", "机电管线综合调整", "室外管网改线"],
    ChangeKind.SITE: ["雨季排水抢险签证", "地下障碍物清除签证", "临时道路加固签证", "既有管线保护签证"],
    ChangeKind.QUANTITY: ["土方工程量核增", "钢筋工程量调整", "桩基长度调整"],
}
SETTLEMENT_SUBJECTS = ["施工结算", "监理服务结算", "设计服务结算", "专业分包结算", "室外配套工程结算", "设备安装结算"]


def weights(rng: random.Random, n: int, low: float, high: float) -> list[float]:
    return [rng.uniform(low, high) for _ in range(n)]


def split_total(total_units: int, shares: list[float]) -> list[int]:
    """`total_units` split in proportion to `shares` into whole units that add up to it exactly."""
    raw = [total_units * s / sum(shares) for s in shares]
    units = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - units[i], reverse=True)[: total_units - sum(units)]:
        units[i] += 1
    return units


class Chain:
    def __init__(self, city: Organization, actor: User, template: ContractTemplate) -> None:
        self.city, self.actor, self.template = city, actor, template
        self.rng = random.Random(CHAIN_SEED)  # noqa: S311 — demo data, reproducible on purpose
        users = {u.username: u for u in User.objects.filter(username__in=["staff", "director", "leader"])}
        self.staff = users.get("staff", actor)
        self.director = users.get("director", actor)
        self.leader = users.get("leader", actor)
        self.consultants = list(Organization.objects.filter(kind=OrganizationKind.CONSULTANT).order_by("pk"))

    def create(
        self,
        project: Project,
        kind: str,
        contractor: Organization,
        amount: Decimal,
        signed: datetime.date,
        name: str,
        sections: list[int],
        tender: Tender | None = None,
    ) -> Contract:
        works = kind in (SubjectKind.WORKS, SubjectKind.EPC)
        contract = Contract(
            agency=self.city,
            name=name,
            kind=kind,
            project=project,
            tender=tender,
            contractor=contractor,
            amount=amount,
            provisional_sum=(amount * Decimal("0.05")).quantize(Decimal("1")) if works else Decimal(0),
            advance_percent=Decimal("10") if works else Decimal(0),
            retention_percent=Decimal("3"),
            payment_terms="按合同约定计量支付；结算审定后付至97%，余款作为质量保证金。",
            signed_on=signed,
            start_on=signed + datetime.timedelta(days=10),
            end_on=signed + datetime.timedelta(days=720 if works else 900),
            status=ContractStatus.PERFORMING,
            text_template=self.template if kind == SubjectKind.WORKS else None,
        )
        return services.create_contract(instance=contract, actor=self.actor, data={"sections": sections})

    def from_tenders(self) -> None:
        """One contract per project an awarded tender covers (a batch or linked award is split by investment)."""
        tenders = Tender.objects.filter(agency=self.city, status=TenderStatus.AWARDED, voided_at__isnull=True)
        for tender in tenders.select_related("plan", "winner").order_by("award_notice_on", "pk"):
            plan = tender.plan
            projects = list(plan.projects.order_by("code"))
            if plan.organisation == Organisation.SINGLE or len(projects) < 2:
                projects = [plan.project]
            shares = [float(p.approved_investment or 1) for p in projects]
            units = split_total(int(tender.award_price // 100), shares)
            signed = tender.award_notice_on + datetime.timedelta(days=self.rng.randint(12, 28))
            for project, unit in zip(projects, units, strict=True):
                sections = list(plan.sections.filter(project=project).values_list("pk", flat=True))
                name = (
                    tender.name
                    if len(projects) == 1
                    else f"{project.name}{tender.get_subject_kind_display().split('(')[-1].rstrip(')')}合同（{tender.name}）"
                )
                self.create(
                    project,
                    tender.subject_kind,
                    tender.winner,
                    Decimal(unit) * 100,
                    signed,
                    name[:200],
                    sections,
                    tender,
                )

    def for_sections(self) -> None:
        """A works contract (its contractor) and a supervision contract (its supervisor) for every section of the
        city's projects under construction that no contract of that kind covers yet."""
        sections = Section.objects.filter(project__agency=self.city, project__stage=Stage.CONSTRUCTION).select_related(
            "project", "contractor", "supervisor"
        )
        counts: dict[int, int] = {}
        for section in sections:
            counts[section.project_id] = counts.get(section.project_id, 0) + 1
        for section in sections.order_by("project__code", "pk"):
            project = section.project
            signed = (project.started_on or datetime.date(2025, 3, 1)) - datetime.timedelta(
                days=self.rng.randint(15, 40)
            )
            investment = Decimal(project.approved_investment or 2 * 10**8) / counts[project.pk]
            covered = set(
                Contract.objects.filter(sections=section, voided_at__isnull=True).values_list("kind", flat=True)
            )
            if section.contractor_id and not covered & {SubjectKind.WORKS, SubjectKind.EPC}:
                amount = (investment * Decimal(str(self.rng.uniform(0.5, 0.62))) / WAN).quantize(Decimal(1)) * WAN
                name = f"{project.name}{section.name}施工合同"
                self.create(project, SubjectKind.WORKS, section.contractor, amount, signed, name, [section.pk])
            if section.supervisor_id and SubjectKind.SUPERVISION not in covered:
                amount = (investment * Decimal(str(self.rng.uniform(0.011, 0.016))) / WAN).quantize(Decimal(1)) * WAN
                name = f"{project.name}{section.name}监理合同"
                self.create(project, SubjectKind.SUPERVISION, section.supervisor, amount, signed, name, [section.pk])

    # ---- changes and the spot check ------------------------------------------------------------------------

    def changes(self) -> None:
        contracts = list(
            Contract.objects.filter(
                agency=self.city,
                kind__in=(SubjectKind.WORKS, SubjectKind.EPC),
                status__in=(ContractStatus.SIGNED, ContractStatus.PERFORMING),
                signed_on__lte=datetime.date(2025, 3, 31),
                amount__gte=3000 * WAN,
                voided_at__isnull=True,
            ).order_by("signed_on", "pk")
        )
        chosen = self.rng.sample(contracts, min(len(CHANGE_PATHS), len(contracts)))
        for contract, path in zip(chosen, CHANGE_PATHS, strict=False):
            day = max(datetime.date(2025, 1, 6), contract.signed_on + datetime.timedelta(days=60))
            gap = max(14, (datetime.date(2025, 11, 30) - day).days // len(path))
            before = 0.0
            for step, reach in enumerate(path):
                amount = (contract.amount * Decimal(str(reach - before)) / 100 / 100).quantize(Decimal(1)) * 100
                before = reach
                if step == 0 and reach < 0.1:
                    kind = ChangeKind.SITE
                else:
                    kind = self.rng.choice([ChangeKind.DESIGN, ChangeKind.DESIGN, ChangeKind.QUANTITY, ChangeKind.SITE])
                self.change(contract, kind, amount, day)
                day += datetime.timedelta(days=self.rng.randint(gap // 2, gap))
        # 2026: a few more approved, one submitted and waiting, one returned
        later = [c for c in contracts if c not in chosen][:4]
        for n, contract in enumerate(later):
            amount = (contract.amount * Decimal("0.012") / 100).quantize(Decimal(1)) * 100
            day = datetime.date(2026, 3 + 2 * n, 10)
            if n < 2:
                self.change(contract, ChangeKind.DESIGN, amount, day)
            else:
                change = self.request(contract, ChangeKind.SITE, amount, datetime.date(2026, 11, 12 + n))
                if n == 3:
                    changes.return_change(
                        change, self.staff, comment="签证附件缺少监理签字的现场照片，请补充后重新提交。"
                    )

    def request(self, contract: Contract, kind: str, amount: Decimal, day: datetime.date) -> Change:
        subject = self.rng.choice(CHANGE_SUBJECTS[kind])
        change = changes.save_change(
            instance=Change(
                contract=contract,
                kind=kind,
                title=f"{contract.project.name}{subject}",
                reason=f"{subject}：现场条件与施工图不符，经设计、监理、施工单位现场确认，需调整相应工程内容。",
                amount=amount,
            ),
            actor=self.director,
        )
        change = changes.submit_change(change, self.director)
        Change.objects.filter(pk=change.pk).update(submitted_on=day)
        return change

    def change(self, contract: Contract, kind: str, amount: Decimal, day: datetime.date) -> Change:
        """A change requested by the project director and approved level by level (staff, the leader, then the
        administrator for the leadership meeting), through the services, then dated on the simulated days."""
        change = self.request(contract, kind, amount, day)
        deciders = {1: self.staff, 2: self.leader, 3: self.actor, 4: self.actor}
        level = 0
        while change.status == ChangeStatus.SUBMITTED:
            level += 1
            if level >= (change.level_required or 1) and change.needs_committee and not change.committee_decided_on:
                change = changes.record_committee(
                    change,
                    self.actor,
                    topic=f"技术委员会议题：{change.title}",
                    decided_on=day + datetime.timedelta(days=2 * level),
                )
            change = changes.approve_change(change, deciders[level], comment="同意。")
            ChangeApproval.objects.filter(change=change, level=level).update(
                decided_at=datetime.datetime.combine(
                    day + datetime.timedelta(days=2 * level + 1), datetime.time(15), tzinfo=SH
                )
            )
        Change.objects.filter(pk=change.pk).update(approved_on=day + datetime.timedelta(days=2 * level + 1))
        return change

    def spot_check(self) -> None:
        spot = changes.save_spot_check(
            instance=SpotCheck(
                agency=self.city,
                name="2025年度在建工程变更抽查",
                period_from=datetime.date(2025, 1, 1),
                period_to=datetime.date(2025, 12, 31),
                size=SPOT_CHECK_SIZE,
                conclusion="抽查 9 项变更，8 项程序完备、依据充分；1 项签证计量依据不足，已责令整改并核减。",
            ),
            actor=self.staff,
        )
        spot = changes.draw(spot, self.staff, seed="SFGW-2025-BGCC")
        for n, item in enumerate(spot.items.order_by("pk")):
            bad = n == 4
            changes.record_finding(
                item,
                self.staff,
                finding="签证工程量缺少监理复核记录，核减后重新确认。"
                if bad
                else "审批程序完备，变更依据充分，计量准确。",
                compliant=not bad,
            )
        SpotCheck.objects.filter(pk=spot.pk).update(
            drawn_at=datetime.datetime.combine(datetime.date(2026, 1, 12), datetime.time(10), tzinfo=SH)
        )

    # ---- budget and settlement reviews ---------------------------------------------------------------------

    def reviews(self) -> None:
        projects = list(Project.objects.filter(agency=self.city, parent=None).order_by("code"))
        starting = [p for p in projects if p.started_on and p.started_on >= datetime.date(2025, 1, 1)] or projects
        finished = [p for p in projects if p.completed_on and p.completed_on <= datetime.date(2025, 9, 30)] or projects
        in_force = list(
            Contract.objects.filter(agency=self.city, voided_at__isnull=True, status__in=IN_FORCE_KINDS)
            .filter(signed_on__lte=datetime.date(2024, 12, 31))
            .order_by("pk")
        )
        shares = weights(self.rng, BUDGET_REVIEWS, 3.0, 9.0) + weights(self.rng, SETTLEMENT_REVIEWS, 0.6, 3.2)
        units = split_total(int(REVIEWS_2025 / 100), shares)
        for n, unit in enumerate(units):
            approved = Decimal(unit) * 100
            reduction = Decimal(str(round(self.rng.uniform(3.0, 12.0), 2)))
            submitted = (approved * 100 / (100 - reduction) / 100).quantize(Decimal(1)) * 100
            approved_on = datetime.date(2025, 1 + (n * 7) % 12, 5 + (n * 11) % 22)
            contract = None
            if n < BUDGET_REVIEWS:
                project = starting[n % len(starting)]
                kind, name = ReviewKind.BUDGET, f"{project.name}施工图预算审核"
            elif n % 4 == 0 and in_force:
                contract = in_force[(n * 5) % len(in_force)]
                project = contract.project
                kind, name = ReviewKind.SETTLEMENT, f"{contract.name}阶段结算审核"
            else:
                project = finished[n % len(finished)]
                kind = ReviewKind.SETTLEMENT
                name = f"{project.name}{SETTLEMENT_SUBJECTS[n % len(SETTLEMENT_SUBJECTS)]}审核"
            reviews.save_review(
                instance=Review(
                    kind=kind,
                    project=project,
                    contract=contract,
                    name=name[:200],
                    submitted_amount=submitted,
                    approved_amount=approved,
                    submitted_on=approved_on - datetime.timedelta(days=self.rng.randint(30, 90)),
                    approved_on=approved_on,
                    reviewer=self.consultants[n % len(self.consultants)] if self.consultants else None,
                ),
                actor=self.staff,
            )

    # ---- subcontract filings ----------------------------------------------------------------------------

    def subcontracts(self) -> None:
        mains = list(
            Contract.objects.filter(
                agency=self.city,
                kind__in=(SubjectKind.WORKS, SubjectKind.EPC),
                status__in=(ContractStatus.SIGNED, ContractStatus.PERFORMING),
                signed_on__lte=datetime.date(2025, 12, 31),
                voided_at__isnull=True,
            ).order_by("signed_on", "pk")[:6]
        )
        others = list(Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).order_by("-pk")[:12])
        scopes = [
            (SubcontractKind.SPECIALIST, "幕墙工程专业分包", Decimal("0.08")),
            (SubcontractKind.LABOUR, "主体结构劳务分包", Decimal("0.12")),
            (SubcontractKind.SPECIALIST, "消防工程专业分包", Decimal("0.05")),
            (SubcontractKind.SPECIALIST, "钢结构工程专业分包", Decimal("0.19")),
            (SubcontractKind.SPECIALIST, "机电安装工程专业分包", Decimal("0.17")),
        ]
        for n, (kind, scope, share) in enumerate(scopes):
            contract = mains[0] if n >= 3 else mains[min(n + 1, len(mains) - 1)]  # the first goes over 30 %
            company = next(c for c in others[n:] + others if c.pk != contract.contractor_id)
            start = max(contract.signed_on, datetime.date(2025, 1, 1)) + datetime.timedelta(days=30 + 20 * n)
            late = n == 1
            reviews.save_subcontract(
                instance=Subcontract(
                    contract=contract,
                    kind=kind,
                    company=company,
                    scope=scope,
                    amount=(contract.amount * share / 100).quantize(Decimal(1)) * 100,
                    start_on=start,
                    end_on=start + datetime.timedelta(days=300),
                    filed_on=start + datetime.timedelta(days=26 if late else 4),
                ),
                actor=self.staff,
            )


IN_FORCE_KINDS = (ContractStatus.SIGNED, ContractStatus.PERFORMING, ContractStatus.COMPLETED, ContractStatus.SETTLED)
