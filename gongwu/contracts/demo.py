"""The contracts demo: the city agency's contract settings, its standard 施工合同 text (the built-in template),
two countersign routes, and a works contract for sections of its projects, countersigned in 2025 in about ten
days and in 2026 in about three (so the figures page shows the time saved), one waiting for the 工程管理处's
signature, one returned and sent again, a draft, and one past its completion date. Each build is deterministic
and writes nothing when the city's settings already exist."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from gongwu.contracts import documents, services
from gongwu.contracts.models import (
    Contract,
    ContractSettings,
    ContractStatus,
    ContractTemplate,
    Countersign,
    CountersignRoute,
    CountersignRouteStep,
    CountersignStatus,
    CountersignStep,
    StepStatus,
)
from gongwu.core import services as core_services
from gongwu.core.models import Organization, Role, User
from gongwu.projects.models import Section
from gongwu.tenders.models import SubjectKind

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
        progress(3, 3, "合同")


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
