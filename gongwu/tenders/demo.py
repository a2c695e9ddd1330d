"""The tenders demo: the city agency's scheme library (招标方案通表库, one template per subject kind) and its
tender plans and tenders of 2025, shaped like seed 001: "批量招标 4 个项目及 19 个项目全过程咨询 … 3 个项目关联定标"
and "完成 10 次施工（含 EPC）或监理招标、4 次设备采购招标".

In 2025 the city awards: a batch (批量) works tender covering 4 projects, a batch whole-process consulting
tender covering 19, a linked-award (关联定标) works tender covering 3, eight more works, EPC or supervision
tenders (so 10 of them in all, the works ones won by the contractor of the section they are for, the
supervision ones by its supervisor) and 4 goods tenders, each with 3 to 6 bids, the evaluation committee's
candidates and the award (one to the second candidate, with the award committee's reasons); a design direct
award above the threshold with its recorded legal ground; and two survey plans of one project for one
surveyor, each under the threshold but over it together (the suspected split).

Everything goes through `gongwu.tenders.services`; dates are given (the services default to today).
Deterministic; writes nothing when the city already has scheme templates."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from gongwu.core.models import Organization, OrganizationKind, User
from gongwu.projects.models import Project, Section
from gongwu.tenders import services
from gongwu.tenders.models import (
    Bid,
    Exemption,
    Method,
    Organisation,
    SchemeTemplate,
    SubjectKind,
    Tender,
    TenderPlan,
)

SEED = 20250301
YEAR = 2025
WAN = Decimal(10000)
Progress = Callable[[int, int, str], None]
Day = datetime.date

SCHEMES = [
    (SubjectKind.SURVEY, "勘察公开招标方案", Method.OPEN, "综合评估法", "价格优先"),
    (SubjectKind.DESIGN, "设计方案公开招标方案", Method.OPEN, "方案评审+综合评估", "票决定标"),
    (SubjectKind.WORKS, "施工总承包公开招标方案", Method.OPEN, "评定分离（技术标暗标评审）", "票决抽签定标"),
    (SubjectKind.SUPERVISION, "监理公开招标方案", Method.OPEN, "综合评估法", "集体议事定标"),
    (SubjectKind.CONSULTING, "全过程工程咨询批量招标方案", Method.OPEN, "综合评估法", "集体议事定标"),
    (SubjectKind.EPC, "工程总承包（EPC）公开招标方案", Method.OPEN, "评定分离", "票决定标"),
    (SubjectKind.AGENT, "代建单位预选库选取方案", Method.FRAMEWORK, "预选库内竞争", "价格优先"),
    (SubjectKind.GOODS, "设备采购公开招标方案", Method.OPEN, "最低评标价法", "价格优先"),
    (SubjectKind.SERVICES, "技术服务询价方案", Method.INQUIRY, "最低价法", "价格优先"),
]
WINNER_KINDS = {
    SubjectKind.WORKS: OrganizationKind.CONTRACTOR,
    SubjectKind.EPC: OrganizationKind.CONTRACTOR,
    SubjectKind.SUPERVISION: OrganizationKind.SUPERVISOR,
    SubjectKind.CONSULTING: OrganizationKind.CONSULTANT,
    SubjectKind.GOODS: OrganizationKind.SUPPLIER,
    SubjectKind.DESIGN: OrganizationKind.DESIGNER,
    SubjectKind.SURVEY: OrganizationKind.SURVEYOR,
}
GOODS = ["电梯设备采购", "空调机组采购", "智能化设备采购", "医疗专用设备采购"]
# (kind, organisation, number of projects covered) of the 2025 tenders before the goods ones
SINGLES = [
    SubjectKind.WORKS,
    SubjectKind.SUPERVISION,
    SubjectKind.EPC,
    SubjectKind.WORKS,
    SubjectKind.SUPERVISION,
    SubjectKind.WORKS,
    SubjectKind.EPC,
    SubjectKind.SUPERVISION,
]


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    city = orgs.get("city")
    if city is None or SchemeTemplate.objects.filter(agency=city).exists():
        progress(1, 1, "招标")
        return
    projects = list(Project.objects.filter(agency=city, parent=None).order_by("code"))
    if len(projects) < 19:
        progress(1, 1, "招标")
        return
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    with transaction.atomic():
        Demo(city, actor, rng, projects, progress).build()


class Demo:
    def __init__(
        self, city: Organization, actor: User, rng: random.Random, projects: list[Project], progress: Progress
    ) -> None:
        self.city, self.actor, self.rng, self.projects, self.progress = city, actor, rng, projects, progress
        self.schemes: dict[str, SchemeTemplate] = {}
        self.companies = {
            kind: list(Organization.objects.filter(kind=kind, is_active=True).order_by("pk"))
            for kind in set(WINNER_KINDS.values())
        }
        self.number = 0

    def build(self) -> None:
        for kind, name, method, evaluation, award in SCHEMES:
            scheme = SchemeTemplate(
                agency=self.city,
                name=name,
                subject_kind=kind,
                method=method,
                organisation=Organisation.BATCH if kind == SubjectKind.CONSULTING else Organisation.SINGLE,
                qualification="具备相应资质等级，近五年有同类项目业绩，未被列入失信名单。",
                evaluation_method=evaluation,
                award_method=award,
                content=f"{name}：招标范围、资格条件、评标办法、定标办法与合同主要条款按本署通表执行。",
            )
            self.schemes[kind] = services.save_scheme_template(instance=scheme, actor=self.actor)
        self.progress(1, 4, "招标")
        starting = [p for p in self.projects if p.started_on and Day(2025, 4, 1) <= p.started_on <= Day(2026, 9, 30)]
        starting = starting or self.projects
        with_sections = {
            s.project_id: s
            for s in Section.objects.filter(project__in=[p.pk for p in starting], contractor__isnull=False)
            .exclude(supervisor__isnull=True)
            .order_by("-id")
        }
        pool = [p for p in starting if p.pk in with_sections] or starting
        month = 1
        batch = pool[:4]
        self.run(SubjectKind.WORKS, Organisation.BATCH, batch, [with_sections.get(p.pk) for p in batch], month)
        month += 1
        consulting = self.projects[-19:]
        self.run(SubjectKind.CONSULTING, Organisation.BATCH, consulting, [], month)
        linked = pool[4:7] if len(pool) >= 7 else self.projects[:3]
        self.run(SubjectKind.WORKS, Organisation.LINKED, linked, [with_sections.get(p.pk) for p in linked], month + 1)
        self.progress(2, 4, "招标")
        singles = pool[7:] or self.projects
        for n, kind in enumerate(SINGLES):
            project = singles[n % len(singles)]
            section = with_sections.get(project.pk)
            self.run(kind, Organisation.SINGLE, [project], [section], 3 + n, candidate=2 if n == 4 else 1)
        for n, goods in enumerate(GOODS):
            project = self.projects[(5 * n + 3) % len(self.projects)]
            self.run(SubjectKind.GOODS, Organisation.SINGLE, [project], [], 4 + 2 * n, name=goods)
        self.progress(3, 4, "招标")
        self.direct_award(self.projects[len(self.projects) // 2])
        self.split_pair(self.projects[len(self.projects) // 3])
        self.progress(4, 4, "招标")

    def plan(
        self,
        kind: str,
        organisation: str,
        projects: list[Project],
        sections: list[Section | None],
        estimate: Decimal,
        notice: Day,
        name: str,
        **fields: object,
    ) -> TenderPlan:
        scheme = self.schemes.get(kind)
        plan = TenderPlan(
            agency=self.city,
            project=projects[0],
            scheme=scheme,
            name=name,
            subject_kind=kind,
            method=fields.pop("method", Method.OPEN),
            organisation=organisation,
            estimate=estimate,
            planned_notice_on=notice,
            planned_award_on=notice + datetime.timedelta(days=50),
            **fields,
        )
        data = {"projects": projects, "sections": [s for s in sections if s is not None]}
        plan = services.save_tender_plan(instance=plan, actor=self.actor, data=data)
        return services.approve_plan(plan=plan, actor=self.actor)

    def run(
        self,
        kind: str,
        organisation: str,
        projects: list[Project],
        sections: list[Section | None],
        month: int,
        *,
        name: str = "",
        candidate: int = 1,
    ) -> Tender:
        lead = projects[0]
        label = SubjectKind(kind).label.split("(")[-1].rstrip(")")
        if not name:
            if organisation == Organisation.BATCH:
                name = f"{YEAR}年{lead.name}等{len(projects)}个项目{label}批量招标"
            elif organisation == Organisation.LINKED:
                name = f"{lead.name}等{len(projects)}个项目{label}关联定标"
            else:
                name = f"{lead.name}{label}招标"
        else:
            name = f"{lead.name}{name}"
        investment = sum(float(p.approved_investment or 0) for p in projects) or 2e8
        share = {
            SubjectKind.WORKS: 0.55,
            SubjectKind.EPC: 0.7,
            SubjectKind.SUPERVISION: 0.012,
            SubjectKind.CONSULTING: 0.02,
            SubjectKind.GOODS: 0.03,
        }[kind]
        estimate = Decimal(round(investment * share * self.rng.uniform(0.85, 1.1) / 10000)) * WAN
        notice = Day(YEAR, min(month, 10), self.rng.randint(3, 20))
        plan = self.plan(kind, organisation, projects, sections, estimate, notice, name)
        self.number += 1
        opening = notice + datetime.timedelta(days=self.rng.randint(21, 28))
        tender = services.save_tender(
            instance=Tender(
                agency=self.city,
                plan=plan,
                number=f"ZB-{YEAR}-{self.number:03d}",
                name=name,
                subject_kind=kind,
                method=Method.OPEN,
                control_price=estimate,
                notice_on=notice,
                opening_on=opening,
            ),
            actor=self.actor,
        )
        winner = None
        section = next((s for s in sections if s is not None), None)
        if section is not None and kind in (SubjectKind.WORKS, SubjectKind.EPC):
            winner = section.contractor
        elif section is not None and kind == SubjectKind.SUPERVISION:
            winner = section.supervisor
        bids = self.bids(tender, WINNER_KINDS[kind], estimate, opening, winner)
        evaluation = opening + datetime.timedelta(days=self.rng.randint(1, 3))
        ranked = sorted([b for b in bids if b.qualified], key=lambda b: -b.score)[:3]
        if winner is not None:
            mine = next(b for b in bids if b.bidder_id == winner.pk)
            ranked = [mine, *[b for b in ranked if b.pk != mine.pk]][:3]
            if candidate == 2:
                ranked[0], ranked[1] = ranked[1], ranked[0]
        tender = services.recommend_candidates(tender=tender, actor=self.actor, bids=ranked, evaluation_on=evaluation)
        chosen = ranked[candidate - 1]
        decision = evaluation + datetime.timedelta(days=self.rng.randint(5, 12))
        reason = (
            "定标委员会集体议事：第二中标候选人技术方案与项目工期安排更优，项目负责人同类业绩更多，经票决确定为中标人。"
            if candidate != 1
            else ""
        )
        return services.award_tender(
            tender=tender,
            actor=self.actor,
            winner=chosen.bidder,
            award_reason=reason,
            decision_on=decision,
            award_notice_on=decision + datetime.timedelta(days=3),
        )

    def bids(
        self, tender: Tender, kind: str, estimate: Decimal, opening: Day, winner: Organization | None
    ) -> list[Bid]:
        count = self.rng.randint(3, 6)
        pool = [c for c in self.companies[kind] if winner is None or c.pk != winner.pk]
        bidders = ([winner] if winner is not None else []) + self.rng.sample(pool, count - (winner is not None))
        disqualify = self.rng.randrange(len(bidders)) if count >= 5 else None
        bids = []
        for n, bidder in enumerate(bidders):
            price = (estimate * Decimal(str(round(self.rng.uniform(0.86, 0.98), 4))) / 100).quantize(Decimal(1)) * 100
            bad = disqualify == n and bidder != winner
            bid = Bid(
                tender=tender,
                bidder=bidder,
                price=price,
                bond_amount=min(Decimal(800000), (estimate * Decimal("0.02")).quantize(Decimal(1))),
                qualified=not bad,
                disqualified_reason="项目负责人注册证书不在有效期内" if bad else "",
                score=Decimal(str(round(self.rng.uniform(78, 94), 2))) + (5 if bidder == winner else 0),
                submitted_at=datetime.datetime.combine(
                    opening - datetime.timedelta(days=1), datetime.time(15, n), tzinfo=SH
                ),
            )
            bids.append(services.save_bid(instance=bid, actor=self.actor))
        return bids

    def direct_award(self, project: Project) -> None:
        designer = self.companies[OrganizationKind.DESIGNER][3]
        notice = Day(YEAR, 7, 14)
        plan = self.plan(
            SubjectKind.DESIGN,
            Organisation.SINGLE,
            [project],
            [],
            280 * WAN,
            notice,
            f"{project.name}室内装修深化设计（原设计单位直接委托）",
            method=Method.DIRECT,
            counterparty=designer,
            exemption=Exemption.REG_9_4,
            legal_ground="装修深化设计须与原建筑设计的结构、机电系统配套，由原中标设计单位承担，"
            "否则影响功能配套要求（《招标投标法实施条例》第九条第一款第（四）项）；经署务会审议同意。",
        )
        self.number += 1
        tender = services.save_tender(
            instance=Tender(
                agency=self.city,
                plan=plan,
                number=f"ZB-{YEAR}-{self.number:03d}",
                name=plan.name,
                subject_kind=SubjectKind.DESIGN,
                method=Method.DIRECT,
                control_price=plan.estimate,
                notice_on=notice,
                opening_on=notice + datetime.timedelta(days=7),
            ),
            actor=self.actor,
        )
        bid = services.save_bid(
            instance=Bid(tender=tender, bidder=designer, price=268 * WAN, score=Decimal(90)), actor=self.actor
        )
        tender = services.recommend_candidates(
            tender=tender, actor=self.actor, bids=[bid], evaluation_on=notice + datetime.timedelta(days=9)
        )
        services.award_tender(
            tender=tender,
            actor=self.actor,
            winner=designer,
            decision_on=notice + datetime.timedelta(days=12),
            award_notice_on=notice + datetime.timedelta(days=14),
        )

    def split_pair(self, project: Project) -> None:
        surveyor = self.companies.get(OrganizationKind.SURVEYOR) or list(
            Organization.objects.filter(kind=OrganizationKind.SURVEYOR).order_by("pk")
        )
        for n, (what, amount) in enumerate((("一期岩土工程勘察", 62), ("二期补充勘察", 55))):
            self.plan(
                SubjectKind.SURVEY,
                Organisation.SINGLE,
                [project],
                [],
                amount * WAN,
                Day(YEAR, 9, 8 + 14 * n),
                f"{project.name}{what}（直接委托）",
                method=Method.DIRECT,
                counterparty=surveyor[5],
            )


SH = datetime.timezone(datetime.timedelta(hours=8))
