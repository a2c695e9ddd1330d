"""The demo agency's fixed-asset investment (固投) for 2024, 2025 and 2026, so the dispatch dashboard reads
like the seeds' reports.

`build(orgs=…, actor=…, progress=…)` is called by `gongwu demo` after the projects and alerts demos. Every
project under way in a year has that year's plan (续建, 新开工; 前期 plans for projects in preparation and
settlement plans the year after completion), sized on its approved investment and its construction
dates, with its schedule (the agency's templates, or its own when it starts late or completes in the
year), monthly actuals, funds available and payments to the core demo's companies. The demo's last day
is the projects demo's AS_OF, 2026-11-20: figures are confirmed up to October 2026, and November's
reports are in review (submitted, two returned with a reason, some drafts, a few not yet in).

What the city agency's (示范市建筑工务署, its own projects) dashboard reproduces:

- 001 "全年计划完成投资 84.15 亿元，实际完成 89.6 亿元，超额完成 6.47%；同比增加 10.54%。…资金支付共
  87.97 亿（支付率为 80.29%）": 2025 to December, adjusted plan 84.15 亿, confirmed actual 89.60 亿
  (over plan +6.47%), year on year +10.54% (2024: 81.05 亿 on a plan of 78.20 亿), paid 87.97 亿
  against 109.56 亿 of funds available (80.29%).
- 001 "年度投资计划调增 9.11 亿元，涉及项目 21 个；调减 3.61 亿元，涉及项目 7 个": the approved 2024
  adjustments, decided through `services.decide_adjustment`. 2025 has 调增 6.35 亿 on 14 projects and
  调减 2.48 亿 on 6; 2026 has 调增 4.20 亿 on 9 and 调减 1.85 亿 on 4 approved, 3 awaiting approval
  and 1 rejected.
- 002 "上半年累计完成投资…超额完成固定资产投资时序任务" and "督办滞后项目 2 个、提请关注项目 4 个":
  2026 has an adjusted plan of 96.00 亿. At June 49.03 亿 is confirmed against a schedule of 45.40 亿
  (+8.00%); at October, the latest confirmed month, 86.54 亿 against 82.65 亿 (+4.71%), +13.71% on
  January–October 2025, paid 75.77 亿 (61.04% of 124.11 亿 of funds); 2 projects 督办滞后, 4 提请关注,
  the other 152 按期推进. November's figures are in review, so the dashboard for November says so.
- The districts side by side at October 2026: 东城工务署 ahead of its schedule (+10.36%), 西城中心
  behind (−16.02%: its largest project, the 光侨安居房, at 82% of its schedule, 提请关注). Each district
  has only three projects under way in 2026 (with a 前期 plan and a settlement plan, five plans each),
  so their figures are small beside the city's.

At the end the investment rule runs over the three agencies as the scheduled job would on AS_OF
(`alerts.services.scan`, October's figures): it opens the 提请关注 and 督办 cases on the leader's board,
dated AS_OF like the alerts demo's cases.

Writes are bulk inserts; the change log records the creation of the settings, templates, plans (with
their schedule) and adjustments, and each adjustment's decision, plus a handful of reviews done through
the services (October confirmations, November submissions and returns); their timestamps are then moved
to the simulated days. Deterministic (seeded); when the city's projects already have plans, nothing is
written.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gongwu.alerts import services as alerts_services
from gongwu.alerts.models import CaseEvent, Notification
from gongwu.contracts import changes as contract_changes
from gongwu.contracts import services as contract_services
from gongwu.contracts.claims import WORK_KINDS, fen
from gongwu.contracts.models import HUNDRED, Claim, ClaimKind, ClaimStatus, Contract, ContractStatus
from gongwu.core import services as core_services
from gongwu.core.models import ChangeAction, Organization, OrganizationKind, Role, User
from gongwu.investment import figures, rollup, services
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentDirection,
    AnnualPlan,
    FundingSource,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentKind,
    PaymentRateBase,
    PlanAdjustment,
    ScheduleMonth,
    ScheduleTemplate,
)
from gongwu.projects.demo import AS_OF, planned_categories
from gongwu.projects.models import (
    Category,
    Milestone,
    MilestoneKind,
    PlanCategory,
    Project,
    Section,
    Stage,
    StageChange,
)
from gongwu.tenders.models import SubjectKind

Day = datetime.date
Progress = Callable[[int, int, str], None]

SEED = 20250610
YEARS = (2024, 2025, 2026)
CURRENT = 2026
CONFIRMED_TO = 10  # October 2026: the latest month whose figures are all confirmed
REPORTING = 11  # November 2026: reports in review
YI = 100_000_000
WAN = 10_000
CENT = 100  # actuals and payments are whole hundreds of 元 (0.01 万元)
DEFAULT_TEMPLATE = ("常规时序（续建项目）", ["2", "5", "8", "15", "30", "45", "55", "65", "75", "85", "93", "100"])
NEW_START_TEMPLATE = ("新开工项目时序", ["0", "0", "2", "5", "10", "20", "30", "42", "55", "70", "85", "100"])
RULE = "investment.behind_schedule"
PAYEE_KINDS = {  # who is paid, and the letters of their contract number
    OrganizationKind.CONTRACTOR: "SG",
    OrganizationKind.SUPERVISOR: "JL",
    OrganizationKind.DESIGNER: "SJ",
    OrganizationKind.CONSULTANT: "ZX",
}

# The city agency's figures, in 元: the adjusted plan of each year, the confirmed actual of the past years,
# the 2025 funds and payments (001), and each year's approved increases and decreases (amount, projects).
CITY_PLAN = {2024: Decimal("78.20") * YI, 2025: Decimal("84.15") * YI, 2026: Decimal("96.00") * YI}
CITY_ACTUAL = {2024: Decimal("81.05") * YI, 2025: Decimal("89.60") * YI}
CITY_FUNDS_2025 = Decimal("109.56") * YI
CITY_PAID_2025 = Decimal("87.97") * YI
ADJUSTMENTS = {
    2024: ((Decimal("9.11") * YI, 21), (Decimal("3.61") * YI, 7)),
    2025: ((Decimal("6.35") * YI, 14), (Decimal("2.48") * YI, 6)),
    2026: ((Decimal("4.20") * YI, 9), (Decimal("1.85") * YI, 4)),
}
# The 2026 story at October: the share of its schedule each lagging city project reached.
SUPERVISION_RATIOS = [0.63, 0.70]  # 督办滞后 (below 75%)
ATTENTION_RATIOS = [0.80, 0.84, 0.86, 0.88]  # 提请关注 (75% to 90%)
WEST_ATTENTION_RATIO = 0.82
# What `build` leads to, asserted by gongwu/investment/tests/test_demo.py.
STORY_2026 = {"june": Decimal("8.00"), "october": Decimal("4.71"), "year_on_year": Decimal("13.71")}
DISTRICTS_2026 = {"east": Decimal("10.36"), "west": Decimal("-16.02")}

INCREASE_REASONS = [
    "项目施工进度超前，申请追加年度投资计划",
    "概算调整后新增建设内容，追加年度投资",
    "提前启动室外配套工程，需增加年度投资",
    "材料价格上涨，按合同调差追加投资",
]
DECREASE_REASONS = [
    "征地拆迁进度滞后，部分工程量顺延至下一年度",
    "设计方案调整，年度投资需求减少",
    "管线迁改未完成，影响施工进度，调减年度计划",
]
RETURN_REASONS = [
    "本月完成投资与形象进度不符，请核实后重新填报",
    "累计完成投资超过合同价款，请补充变更签证依据",
]


def s_curve(x: float) -> float:
    """The share of a construction's cost spent by `x` of its time (an S-curve)."""
    x = min(1.0, max(0.0, x))
    return 3 * x * x - 2 * x * x * x


def apportion(weights: list[float], total: int, caps: list[int] | None = None) -> list[int]:
    """`total` split in proportion to `weights` into whole numbers that add up to it (largest remainder),
    none above its cap."""
    result = [0] * len(weights)
    free = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    while free:
        weight = sum(weights[i] for i in free)
        shares = {i: remaining * weights[i] / weight for i in free}
        over = [i for i in free if caps and shares[i] > caps[i]]
        if not over:
            floors = {i: int(shares[i]) for i in free}
            rest = remaining - sum(floors.values())
            for i in sorted(free, key=lambda i: (shares[i] - floors[i], -i), reverse=True)[:rest]:
                floors[i] += 1
            for i, value in floors.items():
                result[i] = value
            return result
        for i in over:
            result[i] = caps[i]
            remaining -= caps[i]
            free.remove(i)
    if remaining:
        raise ValueError(f"Cannot split {total} within the caps")  # a mistake in the demo's design
    return result


def moment(day: Day, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def month_day(year: int, month: int, day: int) -> Day:
    """A day of the month after (year, month), for the reports and reviews of that month."""
    if month == 12:
        return Day(year + 1, 1, day)
    return Day(year, month + 1, day)


@dataclass(eq=False)
class Item:
    """One project's plan for one year and how the year goes, before anything is written."""

    project: Project
    agency: str
    year: int
    kind: str  # full (续建 all year), start (starts in the year), finish (completes in it), tail, prep
    weight: float
    shares: list[Decimal] = field(default_factory=list)
    template: str = ""
    plan: int = 0  # the adjusted plan, 元 (whole 万元)
    amount: int = 0  # the plan as first adopted
    funds: int = 0
    ratios: list[float] = field(default_factory=list)  # actual ÷ schedule at the end of each month
    cumulative: list[int] = field(default_factory=list)  # actual to date at the end of each month, 元
    lag: str = ""
    funding_source: str = FundingSource.CITY_FISCAL
    plan_category: str = PlanCategory.CONTINUING
    adjustments: list[tuple[str, int]] = field(default_factory=list)
    pk: int | None = None

    @property
    def months(self) -> int:
        return REPORTING if self.year == CURRENT else 12

    @property
    def increments(self) -> list[int]:
        return [c - (self.cumulative[i - 1] if i else 0) for i, c in enumerate(self.cumulative)]


def ramp(first: int, last: int) -> list[Decimal]:
    """A schedule rising evenly from month `first` to 100% at month `last`."""
    shares = []
    for month in range(1, 13):
        if month < first:
            shares.append(Decimal(0))
        elif month >= last:
            shares.append(Decimal(100))
        else:
            shares.append((Decimal(100) * (month - first + 1) / (last - first + 1)).quantize(Decimal("0.01")))
    return shares


class Planner:
    """Plans every item (plan, schedule, adjustments, actuals, funds) in memory, from the seeded random source."""

    def __init__(self, orgs: dict[str, Organization], rng: random.Random) -> None:
        self.orgs, self.rng = orgs, rng
        self.keys = {orgs[k].pk: k for k in ("city", "east", "west") if k in orgs}
        self.projects = list(
            Project.objects.filter(agency__in=list(self.keys), parent=None).select_related("agency").order_by("code")
        )
        ids = [p.pk for p in self.projects]
        self.planned_end = dict(
            Milestone.objects.filter(project__in=ids, kind=MilestoneKind.COMPLETION_ACCEPTANCE).values_list(
                "project_id", "planned_date"
            )
        )
        self.preparing_since = dict(
            StageChange.objects.filter(project__in=ids, stage=Stage.PREPARATION).values_list("project_id", "entered_on")
        )
        self.sources: dict[int, str] = {}
        self.planned_categories = planned_categories()
        self.items: list[Item] = []

    def plan(self) -> list[Item]:
        for year in YEARS:
            for project in self.projects:
                item = self.item(project, year)
                if item is not None:
                    self.items.append(item)
        for year in YEARS:
            self.size(year)
            self.adjust(year)
        for item in self.items:
            item.ratios = self.ratios(item)
        self.lags()
        for year in YEARS:
            self.actuals(year)
            self.funds(year)
        return self.items

    def item(self, project: Project, year: int) -> Item | None:
        start, done, agency = project.started_on, project.completed_on, self.keys[project.agency_id]
        approved = float(project.approved_investment or 0)
        if start and start.year <= year and (done is None or done.year >= year):
            kind = "finish" if done and done.year == year else ("start" if start.year == year else "full")
            end = done or self.planned_end.get(project.pk) or Day(year + 1, 12, 31)
            if done is None and end < Day(year + 1, 3, 31):
                end = Day(year + 1, 6, 30)  # overdue: the rest of the work goes on into next year
            span = max(30, (end - start).days)
            first = (max(Day(year, 1, 1), start) - start).days / span
            last = (min(Day(year, 12, 31), end) - start).days / span
            weight = 0.85 * approved * (s_curve(last) - s_curve(first))
            item = Item(project, agency, year, kind, max(weight, 0.004 * approved))
        elif done and done.year == year - 1:
            item = Item(project, agency, year, "tail", 0.06 * approved)
        elif (
            (since := self.preparing_since.get(project.pk))
            and since.year <= year
            and not (start and start.year <= year)
        ):
            item = Item(project, agency, year, "prep", 0.015 * approved)
        else:
            return None
        self.schedule(item)
        item.funding_source = self.source(project, agency)
        item.plan_category = self.category(item)
        return item

    def schedule(self, item: Item) -> None:
        start, done = item.project.started_on, item.project.completed_on
        if item.kind == "finish":
            first = start.month if start.year == item.year else 1
            item.shares = ramp(first, max(first, done.month))
        elif item.kind == "start" and start.month > 3:
            item.shares = ramp(start.month, 12)
        else:
            name, shares = NEW_START_TEMPLATE if item.kind == "start" else DEFAULT_TEMPLATE
            item.template, item.shares = name, [Decimal(s) for s in shares]

    def source(self, project: Project, agency: str) -> str:
        if project.pk not in self.sources:
            draw = self.rng.random()
            big = (project.approved_investment or 0) >= 8 * YI or project.category in (
                Category.HOSPITAL,
                Category.HOUSING,
            )
            if big and draw < 0.6:
                found = FundingSource.SPECIAL_BOND
            elif draw < 0.06:
                found = FundingSource.OTHER
            else:
                found = FundingSource.CITY_FISCAL if agency == "city" else FundingSource.DISTRICT_FISCAL
            self.sources[project.pk] = found
        return self.sources[project.pk]

    def category(self, item: Item) -> str:
        project = item.project
        if item.kind == "prep":
            return PlanCategory.RESERVE
        if project.started_on.year < item.year:
            return PlanCategory.CONTINUING
        if self.planned_categories.get(project.name) == (item.year, PlanCategory.UNPLANNED):
            return PlanCategory.UNPLANNED
        return PlanCategory.NEW_START

    def size(self, year: int) -> None:
        """Adjusted plans: the city's add up to CITY_PLAN; the districts' follow the same scale."""
        items = [i for i in self.items if i.year == year]
        city = [i for i in items if i.agency == "city"]
        caps = [int(float(i.project.approved_investment) * 0.9) // WAN for i in city]
        for item, units in zip(
            city, apportion([i.weight for i in city], int(CITY_PLAN[year]) // WAN, caps), strict=True
        ):
            item.plan = units * WAN
        scale = float(CITY_PLAN[year]) / sum(i.weight for i in city)
        for item in items:
            if item.agency != "city":
                item.plan = max(30, round(item.weight * scale / WAN)) * WAN
            item.amount = item.plan

    def adjust(self, year: int) -> None:
        """The year's approved increases (on plans drawn at random) and decreases (on the largest of the
        rest): the plan as first adopted is the adjusted plan less its increase or plus its decrease."""
        (increase, n_up), (decrease, n_down) = ADJUSTMENTS[year]
        rng = self.rng
        pool = [i for i in self.items if i.year == year and i.agency == "city" and i.kind in ("full", "start")]
        pool = [i for i in pool if i.plan >= 3000 * WAN]
        rng.shuffle(pool)
        ups = pool[:n_up]
        downs = sorted(pool[n_up:], key=lambda i: -i.plan)[:n_down]
        up_caps = [i.plan * 3 // 5 // WAN for i in ups]
        amounts = apportion([i.plan * rng.uniform(0.1, 0.3) for i in ups], int(increase) // WAN, up_caps)
        for item, units in zip(ups, amounts, strict=True):
            item.adjustments.append((AdjustmentDirection.INCREASE, units * WAN))
            item.amount -= units * WAN
        approved = [int(i.project.approved_investment) for i in downs]
        down_caps = [min(i.plan * 3 // 5, top - i.plan) // WAN for i, top in zip(downs, approved, strict=True)]
        amounts = apportion([i.plan * rng.uniform(0.15, 0.35) for i in downs], int(decrease) // WAN, down_caps)
        for item, units in zip(downs, amounts, strict=True):
            item.adjustments.append((AdjustmentDirection.DECREASE, units * WAN))
            item.amount += units * WAN

    def ratios(self, item: Item) -> list[float]:
        """Actual ÷ schedule month by month: most projects a little ahead, a few behind in past years."""
        rng = self.rng
        if item.year == CURRENT:
            final = {"east": rng.uniform(1.06, 1.16), "west": rng.uniform(0.95, 1.0)}.get(item.agency)
            final = final or rng.uniform(1.0, 1.15)
            early = 0.06  # ahead early in the year, the lead narrowing towards October
        else:
            final = rng.uniform(0.97, 1.16) if rng.random() < 0.85 else rng.uniform(0.75, 0.95)
            early = 0.0
        return [
            final if share == 100 else final * (1 + early * max(0, 10 - month) / 10 + rng.uniform(-0.03, 0.03))
            for month, share in enumerate(item.shares[: item.months], start=1)
        ]

    def lags(self) -> None:
        """2026: two city projects 督办滞后 and four 提请关注 at October (falling behind through the year),
        and the west district's largest project 提请关注."""
        current = [i for i in self.items if i.year == CURRENT]
        candidates = [
            i
            for i in current
            if i.agency == "city"
            and i.kind == "full"
            and i.project.director_id
            and 8000 * WAN <= i.plan <= 6 * YI
            and not i.adjustments
        ]
        chosen = self.rng.sample(candidates, len(SUPERVISION_RATIOS) + len(ATTENTION_RATIOS))
        west = sorted((i for i in current if i.agency == "west" and i.kind == "full"), key=lambda i: -i.plan)[:1]
        ratios = SUPERVISION_RATIOS + ATTENTION_RATIOS + [WEST_ATTENTION_RATIO] * len(west)
        for item, ratio in zip(chosen + west, ratios, strict=True):
            item.lag = figures.Lag.SUPERVISION if ratio < 0.75 else figures.Lag.ATTENTION
            fall = [1 - (1 - ratio) * min(m, CONFIRMED_TO) / CONFIRMED_TO for m in range(1, REPORTING + 1)]
            fall[-1] = ratio + 0.02
            item.ratios = fall

    def actuals(self, year: int) -> None:
        """Cumulative actuals from plan × schedule × ratio; past years' city totals made exact."""
        items = [i for i in self.items if i.year == year]
        for item in items:
            raw, running = [], 0.0
            for share, ratio in zip(item.shares, item.ratios, strict=False):
                running = max(running, item.plan * float(share) / 100 * ratio)
                raw.append(running)
            item.cumulative = [round(value / CENT) * CENT for value in raw]
        if year in CITY_ACTUAL:
            city = [i for i in items if i.agency == "city"]
            finals = apportion([float(i.cumulative[-1]) for i in city], int(CITY_ACTUAL[year]) // CENT)
            for item, units in zip(city, finals, strict=True):
                scale = units * CENT / item.cumulative[-1] if item.cumulative[-1] else 0
                item.cumulative = [round(c * scale / CENT) * CENT for c in item.cumulative[:-1]] + [units * CENT]

    def funds(self, year: int) -> None:
        """Funds available (下达资金) a fifth to two fifths above the plan, never above the approved investment."""
        items = [i for i in self.items if i.year == year]
        for item in items:
            cap = int(float(item.project.approved_investment)) // WAN * WAN
            item.funds = min(cap, round(item.plan * self.rng.uniform(1.18, 1.42) / WAN) * WAN)
        if year == 2025:
            city = [i for i in items if i.agency == "city"]
            caps = [int(float(i.project.approved_investment)) // WAN for i in city]
            units = apportion([float(i.funds) for i in city], int(CITY_FUNDS_2025) // WAN, caps)
            for item, value in zip(city, units, strict=True):
                item.funds = value * WAN


class Payer:
    """Payments for each item: 预付款 when a project starts, 进度款 after the month's work (monthly for large
    projects, every two or three months for small ones), 结算款 and 质保金 after completion; the
    contractor takes most, the supervisor and designer their fees. The 2025 city total is made exact."""

    def __init__(self, rng: random.Random, company: Organization | None) -> None:
        self.rng = rng
        companies = Organization.objects.order_by("name")
        self.pools = {kind: list(companies.filter(kind=kind)) for kind in PAYEE_KINDS}
        self.company = company
        self.parties: dict[tuple[int, str], Organization] = {}
        self.vouchers: dict[int, int] = {}

    def party(self, project: Project, kind: str, index: int) -> Organization:
        key = (project.pk, kind)
        if key not in self.parties:
            pool = self.pools[kind]
            if kind == "contractor" and self.company is not None and index % 6 == 0:
                self.parties[key] = self.company
            else:
                self.parties[key] = pool[self.rng.randrange(len(pool))]
        return self.parties[key]

    def events(self, item: Item) -> list[tuple[int, float, str, str]]:
        """(month, amount, kind, payee kind) before rounding: in-year payments follow the work done."""
        rate = self.rng.uniform(0.88, 1.02)
        last = REPORTING if item.year == CURRENT else 12
        step = 1 if item.plan >= 2 * YI else (2 if item.plan >= 5000 * WAN else 3)
        increments, done = item.increments, item.project.completed_on
        found: list[tuple[int, float, str, str]] = []
        if item.kind == "start":
            found.append((item.project.started_on.month, 0.1 * item.plan, PaymentKind.ADVANCE, "contractor"))
        owed = 0.0
        for month in range(2, last + 1):
            owed += increments[month - 2] * rate
            if month == 12:
                owed += increments[11] * rate  # the year-end payment run settles December too
            if owed <= 0 or (month % step and month != last):
                continue
            if item.kind == "prep":
                found.append((month, owed, PaymentKind.PROGRESS, "consultant" if month % 2 else "designer"))
            else:
                settled = item.kind == "tail" or (done is not None and done.year == item.year and month > done.month)
                kind = PaymentKind.SETTLEMENT if settled else PaymentKind.PROGRESS
                if month % 3 == 0:
                    found += [(month, owed * 0.96, kind, "contractor"), (month, owed * 0.04, kind, "supervisor")]
                else:
                    found.append((month, owed, kind, "contractor"))
            owed = 0.0
        if item.kind == "tail" and done.month <= 6:  # one-year warranty over: the retention money is paid back
            month = min(last, done.month + 1)
            found.append((month, 0.03 * float(item.project.approved_investment), PaymentKind.RETENTION, "contractor"))
        return found

    def payments(self, items: list[Item]) -> list[Payment]:
        planned = [(index, item, event) for index, item in enumerate(items) for event in self.events(item)]
        exact = [n for n, (_i, item, _e) in enumerate(planned) if item.year == 2025 and item.agency == "city"]
        fitted = apportion([planned[n][2][1] for n in exact], int(CITY_PAID_2025) // CENT)
        values = dict(zip(exact, (units * CENT for units in fitted), strict=True))
        rows = []
        for n, (index, item, (month, amount, kind, payee)) in enumerate(planned):
            value = values.get(n, round(amount / CENT) * CENT)
            if value > 0:
                rows.append(self.payment(item, index, month, value, kind, payee))
        return rows

    def payment(self, item: Item, index: int, month: int, value: int, kind: str, payee_kind: str) -> Payment:
        day = Day(item.year, month, self.rng.randint(5, 26))
        if day > AS_OF:
            day = AS_OF
        agency = item.project.agency_id
        self.vouchers[agency] = self.vouchers.get(agency, 0) + 1
        contract = PAYEE_KINDS[payee_kind]
        return Payment(
            project=item.project,
            paid_on=day,
            amount=Decimal(value),
            kind=kind,
            payee=self.party(item.project, payee_kind, index),
            contract_number=f"{item.project.code}-{contract}01",
            voucher_number=f"付{day.year}-{self.vouchers[agency]:05d}",
        )


def schedule_of(item: Item) -> dict[str, object]:
    found: dict[str, object] = {"schedule": [str(s) for s in item.shares]}
    return found | {"template": item.template} if item.template else found


class Writer:
    def __init__(self, orgs: dict[str, Organization], actor: User) -> None:
        self.orgs, self.actor = orgs, actor
        users = {u.username: u for u in User.objects.filter(username__in=["staff", "director", "leader", "district"])}
        self.staff, self.director, self.leader = users["staff"], users["director"], users["leader"]
        self.reviewers = {"city": users["staff"], "east": users["district"], "west": self.west_reviewer()}

    def west_reviewer(self) -> User:
        """西城中心 has no demo user: a contact who reviews its reports (no usable password)."""
        user = User.objects.filter(username="xicheng").first()
        if user is None:
            user = User(username="xicheng", display_name="何科长", role=Role.STAFF, organization=self.orgs["west"])
            user.set_unusable_password()
            user.save()
        return user

    def settings_and_templates(self) -> None:
        for key in ("city", "east", "west"):
            agency = self.orgs[key]
            settings = InvestmentSettings(
                agency=agency, attention_below=90, supervision_below=75, payment_rate_base=PaymentRateBase.FUNDS
            )
            core_services.create_object(instance=settings, actor=self.actor)
            for (name, shares), default in ((DEFAULT_TEMPLATE, True), (NEW_START_TEMPLATE, False)):
                template = ScheduleTemplate(agency=agency, name=name, shares=shares, is_default=default)
                core_services.create_object(instance=template, actor=self.actor)

    def plans(self, items: list[Item]) -> None:
        plans = [
            AnnualPlan(
                project=i.project,
                year=i.year,
                plan_category=i.plan_category,
                funding_source=i.funding_source,
                amount=Decimal(i.amount),
                adjusted_amount=Decimal(i.amount),
                funds_available=Decimal(i.funds),
            )
            for i in items
        ]
        AnnualPlan.objects.bulk_create(plans, batch_size=500)
        for item, plan in zip(items, plans, strict=True):
            item.pk = plan.pk
        ScheduleMonth.objects.bulk_create(
            [
                ScheduleMonth(plan_id=i.pk, month=month, share=share)
                for i in items
                for month, share in enumerate(i.shares, start=1)
            ],
            batch_size=2000,
        )
        core_services.log_changes(
            [
                (plan, ChangeAction.CREATE, None, core_services.snapshot(plan) | schedule_of(i))
                for i, plan in zip(items, plans, strict=True)
            ],
            actor=self.actor,
        )

    def adjustments(self, items: list[Item], rng: random.Random) -> None:
        """Each year's adjustments, requested and then decided by the leader through the service."""
        rows: list[tuple[PlanAdjustment, bool | None]] = []
        for item in items:
            for direction, amount in item.adjustments:
                rows.append((self.adjustment(item, direction, amount, rng), True))
        current = [i for i in items if i.year == CURRENT and i.agency == "city" and not i.adjustments and not i.lag]
        extra = rng.sample([i for i in current if i.plan >= 5000 * WAN], 4)
        for n, item in enumerate(extra):
            direction = AdjustmentDirection.DECREASE if n == 2 else AdjustmentDirection.INCREASE
            amount = round(item.plan * rng.uniform(0.08, 0.2) / WAN) * WAN
            decision = False if n == 3 else None
            rows.append((self.adjustment(item, direction, amount, rng, pending=decision is None), decision))
        PlanAdjustment.objects.bulk_create([r[0] for r in rows])
        core_services.log_changes(
            [(a, ChangeAction.CREATE, None, core_services.snapshot(a)) for a, _decision in rows], actor=self.actor
        )
        for adjustment, decision in sorted(rows, key=lambda r: (r[0].requested_on, r[0].pk)):
            if decision is not None:
                on = adjustment.requested_on + datetime.timedelta(days=rng.randint(6, 20))
                services.decide_adjustment(adjustment, self.leader, approve=decision, on=min(on, AS_OF))

    def adjustment(
        self, item: Item, direction: str, amount: int, rng: random.Random, pending: bool = False
    ) -> PlanAdjustment:
        year = item.year
        if pending:
            requested = Day(year, 11, rng.randint(9, 19))
        elif year == CURRENT:
            requested = Day(year, rng.choice([6, 7, 8, 9]), rng.randint(1, 25))
        else:
            requested = Day(year, rng.choice([6, 7, 7, 8, 10, 11]), rng.randint(1, 25))
        reasons = INCREASE_REASONS if direction == AdjustmentDirection.INCREASE else DECREASE_REASONS
        return PlanAdjustment(
            plan_id=item.pk,
            direction=direction,
            amount=Decimal(amount),
            reason=rng.choice(reasons),
            requested_on=requested,
            document_number="" if pending else f"示发改投〔{year}〕{rng.randint(20, 260)}号",
        )


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    """Load the investment demo. Writes nothing when the city's projects already have plans."""
    if "city" not in orgs or AnnualPlan.objects.filter(project__agency=orgs["city"]).exists():
        progress(1, 1, "固投")
        return
    if not Project.objects.filter(agency=orgs["city"]).exists():
        progress(1, 1, "固投")
        return
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    steps = 6
    with transaction.atomic():
        items = Planner(orgs, rng).plan()
        progress(1, steps, "固投")
        writer = Writer(orgs, actor)
        writer.settings_and_templates()
        writer.plans(items)
        progress(2, steps, "固投")
        writer.adjustments(items, rng)
        progress(3, steps, "固投")
        Reports(writer, rng).write(items)
        progress(4, steps, "固投")
        company = User.objects.filter(username="company").select_related("organization").first()
        payments = Payer(rng, company.organization if company else None).payments(items)
        Payment.objects.bulk_create(payments, batch_size=1000)
        rollup.rebuild([i.pk for i in items])  # the rows above were bulk-inserted, past the services
        ClaimLinker(orgs["city"], actor).link()
        progress(5, steps, "固投")
        scan_rule([orgs[k].pk for k in ("city", "east", "west")])
        scan_rule([orgs["city"].pk], money_chain_rules(), hour=22)  # its tenders, contracts, claims, payments
        progress(6, steps, "固投")


class Reports:
    """The monthly actuals: confirmed up to October 2026 (a few October ones confirmed through the
    service), November's in review (submitted, two returned, some drafts, a few not yet in)."""

    def __init__(self, writer: Writer, rng: random.Random) -> None:
        self.writer, self.rng = writer, rng

    def row(self, item: Item, month: int, amount: int, status: str) -> MonthlyActual:
        reviewer = self.writer.reviewers[item.agency]
        submitted_on = month_day(item.year, month, self.rng.randint(2, 6))
        reviewed_on = month_day(item.year, month, self.rng.randint(8, 12))
        if item.year == CURRENT and month == REPORTING:
            submitted_on = Day(CURRENT, 11, self.rng.randint(16, 20))
        row = MonthlyActual(
            project=item.project,
            plan_id=item.pk,
            month=Day(item.year, month, 1),
            amount=Decimal(amount),
            status=status,
        )
        if status != ActualStatus.DRAFT:
            row.submitted_by = self.writer.director if item.agency == "city" else None
            row.submitted_at = moment(submitted_on, 9, self.rng.randint(0, 59))
        if status == ActualStatus.CONFIRMED:
            row.reviewed_by, row.reviewed_at = reviewer, moment(reviewed_on, 15, self.rng.randint(0, 59))
        return row

    def write(self, items: list[Item]) -> None:
        rows: list[MonthlyActual] = []
        november = [i for i in items if i.year == CURRENT]
        by_service = [i for i in november if i.agency == "city" and i.project.director_id and not i.lag]
        by_service = self.rng.sample(by_service, 9)
        confirm, returned, submit = by_service[:4], by_service[4:6], by_service[6:]
        special: dict[tuple[int, int], MonthlyActual] = {}
        for item in items:
            for month, amount in enumerate(item.increments, start=1):
                status = ActualStatus.CONFIRMED
                if item.year == CURRENT and month == REPORTING:
                    status = self.november_status(item, returned, submit)
                    if status is None:
                        continue
                elif item in confirm and month == CONFIRMED_TO:
                    status = ActualStatus.SUBMITTED
                row = self.row(item, month, amount, status)
                rows.append(row)
                if item in by_service and month in (CONFIRMED_TO, REPORTING):
                    special[id(item), month] = row
        MonthlyActual.objects.bulk_create(rows, batch_size=2000)
        self.review(confirm, returned, submit, special)

    def november_status(self, item: Item, returned: list[Item], submit: list[Item]) -> str | None:
        if item in returned:
            return ActualStatus.SUBMITTED
        if item in submit:
            return ActualStatus.DRAFT
        draw = self.rng.random()
        if draw < 0.04:
            return None  # not reported yet
        return ActualStatus.DRAFT if draw < 0.14 else ActualStatus.SUBMITTED

    def review(
        self, confirm: list[Item], returned: list[Item], submit: list[Item], rows: dict[tuple[int, int], MonthlyActual]
    ) -> None:
        """Through the services, then dated on the simulated days (the services stamp "now")."""
        staff, director = self.writer.staff, self.writer.director
        for item in confirm:
            row = services.confirm_actual(rows[id(item), CONFIRMED_TO], staff)
            MonthlyActual.objects.filter(pk=row.pk).update(reviewed_at=moment(Day(CURRENT, 11, 10), 16))
        for n, item in enumerate(returned):
            row = services.return_actual(rows[id(item), REPORTING], staff, RETURN_REASONS[n % len(RETURN_REASONS)])
            MonthlyActual.objects.filter(pk=row.pk).update(reviewed_at=moment(AS_OF, 11, n))
        for n, item in enumerate(submit):
            row = services.submit_actual(rows[id(item), REPORTING], director)
            MonthlyActual.objects.filter(pk=row.pk).update(submitted_at=moment(AS_OF, 14, n))


def money_chain_rules() -> list[str]:
    """The tenders and contracts apps' alert rules (the demo's money chain is complete once payments are linked)."""
    from gongwu.alerts.rules import RULES

    return sorted(code for code in RULES if code.startswith(("tenders.", "contracts.")))


def scan_rule(agency_ids: Iterable[int], codes: list[str] | None = None, hour: int = 6) -> None:
    """The investment rule over October's figures, as the scheduled job runs it on AS_OF; what the scan
    wrote is dated AS_OF, as the alerts demo dates its own scans."""
    events = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    notes = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
    alerts_services.scan(today=AS_OF, agency_ids=list(agency_ids), codes=codes or [RULE])
    CaseEvent.objects.filter(pk__gt=events).update(time=moment(AS_OF, hour))  # after the day's earlier events
    Notification.objects.filter(pk__gt=notes).update(created=moment(AS_OF, hour))


CONTRACT_KINDS = {
    "SG": SubjectKind.WORKS,
    "JL": SubjectKind.SUPERVISION,
    "SJ": SubjectKind.DESIGN,
    "ZX": SubjectKind.CONSULTING,
}
CONTRACT_NAMES = {"SG": "施工合同", "JL": "监理合同", "SJ": "设计合同", "ZX": "造价咨询合同"}
CLAIM_KINDS = {
    PaymentKind.ADVANCE: ClaimKind.ADVANCE,
    PaymentKind.PROGRESS: ClaimKind.PROGRESS,
    PaymentKind.SETTLEMENT: ClaimKind.SETTLEMENT,
    PaymentKind.RETENTION: ClaimKind.RETENTION,
}


class ClaimLinker:
    """Makes the city's payments real against contracts: for each (project, payee, contract number) of its
    payments, the contract of that number (found, or signed before the first payment with the payee, its kind
    from the number's letters) and one approved claim per payment whose payable is the payment (no retention
    withheld), then links each payment to its contract and claim. No payment's amount, day,
    project or payee changes, so the dashboard's 支付率 stays as it is. An advance paid is recovered pro rata
    (the contract's advance %) from the work claims that follow, each measured so that its payable after the
    recovery is still its payment.

    A retention release (质保金) pays back retention held: the settlement that withheld it is recorded first (an
    approved settlement claim whose amount is withheld whole, so it is payable as nothing).

    The claims are bulk-inserted (about one per payment, thousands of rows: the claim workflow's five logged
    steps each would slow the demo for nothing it shows), logged as created; the contracts' running totals
    are then set from their claims and payments by the contracts and investment apps' own functions."""

    def __init__(self, city: Organization, actor: User) -> None:
        self.city, self.actor = city, actor

    def link(self) -> None:
        payments = list(
            Payment.objects.filter(project__agency=self.city, payee__isnull=False)
            .exclude(contract_number="")
            .select_related("project")
            .order_by("paid_on", "pk")
        )
        groups: dict[tuple[int, int, str], list[Payment]] = {}
        for payment in payments:
            groups.setdefault((payment.project_id, payment.payee_id, payment.contract_number), []).append(payment)
        claims: list[Claim] = []
        owner: list[tuple[Claim, Payment | None]] = []
        contracts: list[Contract] = []
        for (_project, _payee, number), rows in groups.items():
            contract = self.contract(number, rows)
            contracts.append(contract)
            for claim, payment in self.claims(contract, rows):
                claims.append(claim)
                owner.append((claim, payment))
        Claim.objects.bulk_create(claims, batch_size=1000)
        core_services.log_changes(
            [(c, ChangeAction.CREATE, None, core_services.snapshot(c)) for c in claims], actor=self.actor
        )
        linked = []
        for claim, payment in owner:
            if payment is not None:
                before = core_services.snapshot(payment)
                payment.contract_id, payment.claim_id = claim.contract_id, claim.pk
                linked.append((payment, before))
        Payment.objects.bulk_update([p for p, _b in linked], ["contract", "claim"], batch_size=1000)
        core_services.log_changes(
            [(p, ChangeAction.UPDATE, b, core_services.snapshot(p)) for p, b in linked], actor=self.actor
        )
        self.totals(contracts)

    def contract(self, number: str, rows: list[Payment]) -> Contract:
        found = Contract.objects.filter(agency=self.city, number=number, voided_at__isnull=True).first()
        if found is not None:
            return found
        project, payee = rows[0].project, rows[0].payee
        letters = number.rsplit("-", 1)[-1][:2]
        kind = CONTRACT_KINDS[letters]
        total = sum((p.amount for p in rows), Decimal(0))
        held = sum((p.amount for p in rows if p.kind == PaymentKind.RETENTION), Decimal(0))
        advance = sum((p.amount for p in rows if p.kind == PaymentKind.ADVANCE), Decimal(0))
        amount = ((total + held) * Decimal("1.25") / WAN).quantize(Decimal("1")) * WAN + 100 * WAN
        signed = rows[0].paid_on - datetime.timedelta(days=45)
        if project.started_on and kind in (SubjectKind.WORKS, SubjectKind.SUPERVISION):
            signed = min(signed, project.started_on - datetime.timedelta(days=20))
        done = project.completed_on if project.completed_on and project.completed_on > signed else None
        percent = max(Decimal(10), (advance * HUNDRED / amount).quantize(Decimal("1")) + 1) if advance else Decimal(0)
        contract = Contract(
            agency=self.city,
            number=number,
            name=f"{project.name}{CONTRACT_NAMES[letters]}",
            kind=kind,
            project=project,
            contractor=payee,
            amount=amount,
            advance_percent=percent,
            retention_percent=Decimal(3),
            signed_on=signed,
            start_on=signed + datetime.timedelta(days=10),
            end_on=max(done or Day(2027, 6, 30), signed + datetime.timedelta(days=30)),
            completed_on=done,
            status=ContractStatus.COMPLETED if done else ContractStatus.PERFORMING,
            payment_terms="按月计量，审定后支付；结算审定后付至97%，余款作为质量保证金。",
        )
        sections = Section.objects.filter(project=project)
        sections = sections.filter(contractor=payee) if kind == SubjectKind.WORKS else sections.filter(supervisor=payee)
        data = (
            {"sections": list(sections.values_list("pk", flat=True))}
            if kind in (SubjectKind.WORKS, SubjectKind.SUPERVISION)
            else None
        )
        return contract_services.create_contract(instance=contract, actor=self.actor, data=data)

    def claims(self, contract: Contract, rows: list[Payment]) -> list[tuple[Claim, Payment | None]]:
        number = (Claim.objects.filter(contract=contract).aggregate(n=Max("number"))["n"]) or 0
        base = contract.current_amount
        measured = contract.claimed_amount
        found: list[tuple[Claim, Payment | None]] = []

        share = (contract.advance_percent or Decimal(0)) / HUNDRED
        outstanding = Decimal(0)  # advance paid and not yet recovered

        def claim(kind: str, day: Day, amount: Decimal, withheld: Decimal = Decimal(0)) -> Claim:
            nonlocal number, measured, outstanding
            number += 1
            recovered = Decimal(0)
            if kind == ClaimKind.ADVANCE:
                outstanding += amount
            elif kind in WORK_KINDS and not withheld and outstanding > 0 and share < 1:
                # the advance is recovered pro rata from the work that follows: measured so that what is
                # payable after the recovery is the payment
                recovered = min(outstanding, fen(amount / (1 - share)) - amount)
                outstanding -= recovered
            payment_amount, amount = amount, amount + recovered
            if kind in WORK_KINDS:
                measured += amount
            approved = max(contract.signed_on or day, day - datetime.timedelta(days=6))
            return Claim(
                contract=contract,
                number=number,
                kind=kind,
                period_end=max(contract.signed_on or day, day - datetime.timedelta(days=20)),
                claimed_amount=amount,
                supervisor_amount=amount,
                consultant_amount=amount,
                approved_amount=amount,
                retention_withheld=withheld,
                advance_recovered=recovered,
                status=ClaimStatus.APPROVED,
                submitted_on=max(contract.signed_on or day, day - datetime.timedelta(days=15)),
                approved_on=approved,
                cumulative_percent=fen(measured * HUNDRED / base) if base else None,
                note="" if payment_amount == amount else f"扣回预付款 {recovered} 元",
            )

        for payment in rows:
            kind = CLAIM_KINDS[payment.kind]
            if kind == ClaimKind.RETENTION:
                settled = contract.completed_on or payment.paid_on - datetime.timedelta(days=60)
                found.append(
                    (claim(ClaimKind.SETTLEMENT, min(settled, payment.paid_on), payment.amount, payment.amount), None)
                )
            found.append((claim(kind, payment.paid_on, payment.amount), payment))
        return found

    def totals(self, contracts: list[Contract]) -> None:
        """The running totals of the contracts, from their claims (as the claim services keep them) and their
        payments (the investment app's `refresh_paid`)."""
        ids = sorted({c.pk for c in contracts})
        for contract in Contract.objects.filter(pk__in=ids).order_by("pk"):
            counted = Claim.objects.filter(contract=contract, status=ClaimStatus.APPROVED, voided_at__isnull=True)
            work = counted.filter(kind__in=WORK_KINDS)
            held = sum(work.values_list("retention_withheld", flat=True), Decimal(0)) - sum(
                counted.filter(kind=ClaimKind.RETENTION).values_list("approved_amount", flat=True), Decimal(0)
            )
            totals = {
                "claimed_amount": sum(work.values_list("approved_amount", flat=True), Decimal(0)),
                "retention_held": held,
                "advance_recovered": sum(work.values_list("advance_recovered", flat=True), Decimal(0)),
            }
            if any(getattr(contract, k) != v for k, v in totals.items()):
                contract_changes.set_contract_totals(contract, self.actor, **totals)
        services.refresh_paid(ids, self.actor)
