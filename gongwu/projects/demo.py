"""The demo portfolio of 示范市建筑工务署 and its two district agencies.

`build(orgs=…, actor=…, progress=…)` is called by `gongwu demo` after the core demo (`orgs` is what
`DemoBuilder.build()` returns). The city agency's 2023 is shaped like the 光明区 work summary
(../shared/seeds/000_*.txt), and the summary page shows it because the milestones say so:

- 57 completed in 2023 (竣工验收 in 2023): 30 roads (about 17 km), 14 schools (18,600 school places;
  13,980 in 2022), 13 other buildings;
- 72 started in 2023 (开工 in 2023): 42 roads and 30 buildings; 80 advancing through 2023, among them
  three hospitals topped out (主体结构封顶) in 2023;
- 38 awards in 2023, 4 of them national;
- the 2024 task list of 122 key projects: 30 to start, 54 to complete, 38 to advance; its results come
  from the milestones (most on time, some late, a few missed). 2025 and 2026 lists follow the plans.

The district agencies have no project started, completed or advancing in 2022 or 2023, so a regulator's
or administrator's summary of those years shows the same figures as the city agency's.

Writes are bulk inserts; the derived key dates (started_on, completed_on, progress) are set from the same
values as the milestones and progress reports, and each project gets its stage history. The change log
records the creation of the settings, tags, task lists and every project (not of each approval,
milestone or monthly report). Deterministic; when the city agency already has projects, nothing is written.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from gongwu.core import services as core_services
from gongwu.core.models import ChangeAction, Organization, OrganizationKind, User
from gongwu.projects.models import (
    GROUP_OF_CATEGORY,
    Approval,
    ApprovalKind,
    Award,
    AwardLevel,
    Category,
    CategoryGroup,
    DeliveryMethod,
    IntakeSource,
    Milestone,
    MilestoneKind,
    PlanCategory,
    ProgressReport,
    Project,
    ProjectSettings,
    ProjectTag,
    Section,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
    TaskList,
)

Day = datetime.date
Progress = Callable[[int, int, str], None]

AS_OF = Day(2026, 11, 20)  # the last day the demo records anything as done (the demo runs on later days too)
SEED = 20231231
AGENCY_CODES = {"city": "SFGW", "east": "DCGW", "west": "XCZX"}
TAGS = [("重点", "red"), ("民生", "green"), ("市投市建", "blue")]
AREAS = ["科学城片区", "云谷片区", "白花片区", "狮山片区", "东湖片区", "凤凰片区", "玉塘片区", "马田片区", "公明片区"]
DISTRICT_NAMES = {"east": "东城区", "west": "西城区"}
DISTRICTS = ["东城区", "西城区", "南山区", "北岸区"]
# fmt: off
PLACES = [
    "云谷", "白花", "狮山", "东湖", "凤凰", "玉塘", "马田", "公明", "长圳", "李松", "塘尾", "楼村", "红星", "甲子塘", "木墩", "迳口", "将石",
    "根玉", "观光", "华夏", "同观", "光侨", "龙大", "南光", "东长", "邦凯", "科裕", "天湖", "侨凯", "明湖", "翠湖", "圳美", "合水口", "上村",
    "下村", "田寮", "新羌", "秋硕", "茨田", "东周", "西田", "塘家", "南岗", "环玉", "南长", "狮明", "羌下", "大围", "水贝", "碧岭",
]
# fmt: on
ROAD_SUFFIXES = ["路", "一路", "二路", "三路", "大道", "街", "二街", "东路", "西路", "南路", "北路"]
NAME_TEMPLATES: dict[str, list[str]] = {
    Category.ROAD: [
        "示范市{road}市政工程",
        "示范市{road}新建工程",
        "示范市{road}改造工程",
        "{area}配套路（{road}）工程",
        "示范市{road}市政道路提升工程",
    ],
    Category.SCHOOL: [
        "示范市{place}小学新建工程",
        "示范市{place}中学新建工程",
        "示范市{place}九年一贯制学校新建工程",
        "示范市{place}学校改扩建工程",
        "示范市{place}高级中学新建工程",
        "示范市第{n}实验学校新建工程",
    ],
    Category.HOSPITAL: ["示范市{place}医院新建工程"],
    Category.CULTURE_SPORTS: ["示范市{place}文体中心", "示范市{place}体育公园配套场馆", "示范市{place}社区文化中心"],
    Category.OFFICE: ["示范市{place}街道办事处综合楼", "示范市{place}片区综合服务中心", "示范市{place}政务服务分中心"],
    Category.HOUSING: ["示范市{place}人才公寓", "示范市{place}保障性住房", "示范市{place}安居房"],
    Category.BUILDING_OTHER: [
        "示范市{place}消防站",
        "示范市{place}派出所业务技术用房",
        "示范市{place}社区党群服务中心",
        "示范市{place}垃圾转运站",
    ],
    Category.BRIDGE: ["示范市{place}跨河大桥工程", "示范市{place}立交工程", "示范市{place}人行天桥工程"],
    Category.TUNNEL: ["示范市{place}隧道工程", "示范市{place}下穿通道工程"],
    Category.PIPELINE: ["示范市{area}雨污分流管网工程", "示范市{place}供水管网改造工程", "示范市{place}综合管廊工程"],
    Category.MUNICIPAL_OTHER: ["示范市{place}公交首末站", "示范市{place}智慧灯杆工程", "示范市{place}公共停车场工程"],
    Category.WATER: ["示范市{place}水库除险加固工程", "示范市{place}河碧道工程", "示范市{place}排涝泵站工程"],
    Category.LANDSCAPE: ["示范市{place}公园提升工程", "示范市{place}绿道工程", "示范市{place}智慧公园工程"],
}
# fmt: off
SCALE = {  # days from 开工 to 竣工验收, and approved investment in 亿元
    Category.ROAD:            ((270, 600),   (0.5, 3)),
    Category.SCHOOL:          ((480, 760),   (2, 6)),
    Category.HOSPITAL:        ((1000, 1500), (10, 30)),
    Category.CULTURE_SPORTS:  ((540, 900),   (3, 12)),
    Category.OFFICE:          ((300, 700),   (0.8, 4)),
    Category.HOUSING:         ((600, 900),   (3, 10)),
    Category.BUILDING_OTHER:  ((240, 540),   (0.3, 1.5)),
    Category.BRIDGE:          ((450, 800),   (1, 5)),
    Category.TUNNEL:          ((700, 1000),  (3, 12)),
    Category.PIPELINE:        ((240, 480),   (0.5, 3)),
    Category.MUNICIPAL_OTHER: ((200, 400),   (0.2, 1)),
    Category.WATER:           ((400, 800),   (1, 10)),
    Category.LANDSCAPE:       ((180, 420),   (0.3, 2)),
}
# fmt: on
DURATION = {category: days for category, (days, _yi) in SCALE.items()}
INVESTMENT_YI = {category: yi for category, (_days, yi) in SCALE.items()}
_METHOD = {"总": DeliveryMethod.GENERAL_CONTRACT, "E": DeliveryMethod.EPC, "全": DeliveryMethod.WHOLE_PROCESS}
_METHOD |= {"代": DeliveryMethod.AGENT, "D": DeliveryMethod.DB}
DELIVERY = {  # drawn from, so repeats weigh more
    CategoryGroup.BUILDING: [_METHOD[c] for c in "EE总总全代D"],
    CategoryGroup.MUNICIPAL: [_METHOD[c] for c in "总总总ED"],
    None: [_METHOD[c] for c in "总总E"],
}
# 前期手续 before the permit, in order (built-in kinds, migration 0002), then those after completion.
PRE_PERMIT = ["立项", "可研批复", "用地预审", "用地规划许可证", "工程规划许可证", "概算批复", "施工图审查"]
DOCUMENTS = {
    "立项": "示发改〔{y}〕{n}号",
    "可研批复": "示发改批〔{y}〕{n}号",
    "用地预审": "示规资预〔{y}〕{n}号",
    "用地规划许可证": "地字第440300{y}{n:05d}号",
    "工程规划许可证": "建字第440300{y}{n:05d}号",
    "概算批复": "示发改概〔{y}〕{n}号",
    "施工图审查": "示审图〔{y}〕{n}号",
    "施工许可证": "440300{y}{n:06d}",
    "竣工验收": "示建竣验〔{y}〕{n}号",
    "竣工备案": "示建竣备〔{y}〕{n}号",
    "不动产权证": "粤（{y}）示范市不动产权第{n:07d}号",
}
NATIONAL_AWARDS_2023 = [  # (award, issuer, which project)
    ("第十二届“龙图杯”全国BIM大赛施工组二等奖", "中国图学学会", "hospital"),
    ("第十二届“龙图杯”全国BIM大赛设计组优秀奖", "中国图学学会", "school"),
    ("第六届建模大师杯全国建筑信息模型（BIM）建模大赛二等奖", "中国建筑学会", "school"),
    ("中国风景园林学会科学技术奖园林工程金奖", "中国风景园林学会", "water"),
]
AWARDS = {
    AwardLevel.NATIONAL: [("中国建设工程鲁班奖", "中国建筑业协会"), ("国家优质工程奖", "中国施工企业管理协会")],
    AwardLevel.PROVINCIAL: [
        ("广东省建设工程优质奖", "广东省建筑业协会"),
        ("广东省建设工程优质结构奖", "广东省建筑业协会"),
        ("广东省房屋市政工程安全生产文明施工示范工地", "广东省住房和城乡建设厅"),
        ("广东省优秀工程勘察设计奖", "广东省工程勘察设计行业协会"),
        ("广东省建筑信息模型（BIM）应用大赛一等奖", "广东省建筑业协会"),
    ],
    AwardLevel.CITY: [
        ("示范市优质工程金牛奖", "示范市建筑业协会"),
        ("示范市优质结构工程奖", "示范市建筑业协会"),
        ("示范市安全生产与文明施工优良工地", "示范市住房和建设局"),
        ("示范市绿色施工示范工程", "示范市住房和建设局"),
        ("示范市优秀工程设计奖", "示范市勘察设计行业协会"),
    ],
    AwardLevel.DISTRICT: [
        ("东城区安全文明施工样板工地", "示范市东城区住房和建设局"),
        ("西城区优质工程奖", "示范市西城区住房和建设局"),
        ("东城区高颜值建设项目", "示范市东城区人民政府"),
    ],
}
SCHOOL_PLACES_2023 = [2160, 1800, 1620, 1620, 1350, 1350, 1500, 1080, 1080, 1200, 900, 720, 1620, 600]  # 18,600
SCHOOL_PLACES_2022 = [2160, 1620, 1500, 1350, 1350, 1080, 1800, 1200, 900, 540, 480]  # 13,980
ROAD_KM_2023 = Decimal("17.000")


def chinese_number(n: int) -> str:
    """1–99 as written in names: 三, 十四, 二十三."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones or not tens else "")


def plus(day: Day, days: int) -> Day:
    return day + datetime.timedelta(days=days)


@dataclass
class Spec:
    """One demo project: its key dates and attributes, before anything is written."""

    agency: str
    category: str
    name: str = ""
    area: str = ""
    start: Day | None = None
    planned_start: Day | None = None
    topping: Day | None = None
    planned_topping: Day | None = None
    completion: Day | None = None
    planned_completion: Day | None = None
    registered: Day | None = None  # 立项
    permit: Day | None = None
    reserve_since: Day | None = None
    approvals_done: int = 0  # before the permit: how many of PRE_PERMIT are done
    stages: list[tuple[str, Day]] = field(default_factory=list)
    # The plan category this project is given in its plan year: investment's demo writes it into the annual
    # plans (`planned_categories`), the only place it is kept.
    plan_year: int | None = None
    plan_category: str = ""
    received_on: Day | None = None  # 项目接收
    received_source: str = ""
    received_from: str = ""
    tasks: dict[int, tuple[str, Day | None]] = field(default_factory=dict)
    outcomes: dict[str, object] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    awards: list[tuple[str, str, int, str]] = field(default_factory=list)
    parent: Spec | None = None
    code: str = ""
    project: Project | None = None

    @property
    def group(self) -> str:
        return GROUP_OF_CATEGORY.get(self.category, CategoryGroup.OTHER)

    @property
    def is_building(self) -> bool:
        return self.group == CategoryGroup.BUILDING


class Planner:
    """Plans the portfolio as Specs: cohorts of projects with their fates, from the seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.specs: list[Spec] = []
        self.names: set[str] = set()
        self.roads = [p + s for s in ROAD_SUFFIXES for p in PLACES]
        rng.shuffle(self.roads)
        self.school_number = 3  # 第三实验学校 is named in the 2023 starts

    # ---- dates ----

    def between(self, start: Day, end: Day) -> Day:
        if end <= start:
            return start
        return plus(start, self.rng.randint(0, (end - start).days))

    def duration(self, category: str) -> int:
        return self.rng.randint(*DURATION[category])

    def finish(self, fate: str, year: int, earliest: Day | None = None) -> tuple[Day, Day | None]:
        """(planned completion, actual completion) for a fate: on_time/late/missed/overdue/done in `year`, ongoing."""
        floor = max(Day(year, 1, 10), earliest or Day(year, 1, 10))
        if fate == "on_time":
            planned = self.between(max(Day(year, 3, 1), plus(floor, 45)), Day(year, 12, 20))
            return planned, max(floor, plus(planned, -self.rng.randint(0, 45)))
        if fate == "late":
            planned = self.between(max(Day(year, 2, 1), floor), Day(year, 10, 15))
            return planned, plus(planned, self.rng.randint(10, 60))
        if fate == "missed":
            planned = self.between(max(Day(year, 8, 1), floor), Day(year, 12, 15))
            return planned, self.between(Day(year + 1, 3, 1), Day(year + 1, 9, 30))
        if fate == "overdue":
            return self.between(max(Day(year, 6, 1), floor), Day(year, 12, 15)), None
        if fate == "done":
            actual = self.between(floor, min(Day(year, 12, 25), plus(AS_OF, -10)))
            return plus(actual, self.rng.randint(-30, 40)), actual
        return self.between(Day(2026, 12, 10), Day(2028, 6, 30)), None  # ongoing

    def construction(
        self,
        spec: Spec,
        start: Day,
        planned_completion: Day,
        completion: Day | None,
        topping: Day | None = None,
    ) -> Spec:
        """A started project: permit before the start, 立项 before the permit, topping out between."""
        rng = self.rng
        spec.start = start
        spec.planned_start = spec.planned_start or plus(start, rng.randint(-10, 25))
        spec.permit = plus(start, -rng.randint(3, 30))
        if spec.permit.year <= 2021:
            lead = rng.randint(150, 280)  # before the approval reform
        else:
            lead = rng.randint(95, 170) if rng.random() < 0.2 else rng.randint(45, 88)
        spec.registered = plus(spec.permit, -lead)
        spec.planned_completion, spec.completion = planned_completion, completion
        if spec.is_building:
            span = ((completion or planned_completion) - start).days
            spec.planned_topping = plus(start, int(((planned_completion - start).days) * 0.45))
            spec.topping = topping or plus(start, int(span * rng.uniform(0.35, 0.55)))
            if spec.topping > AS_OF:
                spec.topping = None
        return spec

    def preparation(self, spec: Spec, registered: Day, planned_start: Day, done: int) -> Spec:
        rng = self.rng
        spec.registered, spec.planned_start, spec.approvals_done = registered, planned_start, done
        spec.planned_completion = plus(planned_start, self.duration(spec.category))
        if rng.random() < 0.4:
            spec.reserve_since = plus(registered, -rng.randint(90, 400))
        return spec

    def history(self, spec: Spec) -> None:
        """The stage steps: 储备 → 前期 → 在建 → 完工 → 结算 → 决算 → 移交 → 保修, as far as the dates reach."""
        steps: list[tuple[str, Day]] = []
        if spec.reserve_since:
            steps.append((Stage.RESERVE, spec.reserve_since))
        if spec.registered and spec.registered <= AS_OF:
            steps.append((Stage.PREPARATION, spec.registered))
        if spec.start:
            steps.append((Stage.CONSTRUCTION, spec.start))
        if spec.completion:
            steps.append((Stage.COMPLETED, spec.completion))
            day = spec.completion
            for stage, low, high in (
                (Stage.SETTLEMENT, 120, 300),
                (Stage.FINAL_ACCOUNTS, 150, 400),
                (Stage.HANDOVER, 30, 150),
                (Stage.WARRANTY, 15, 90),
            ):
                day = plus(day, self.rng.randint(low, high))
                if day > AS_OF or self.rng.random() < 0.12:
                    break
                steps.append((stage, day))
        spec.stages = steps

    # ---- names and attributes ----

    def name(self, spec: Spec) -> str:
        for _attempt in range(60):
            template = self.rng.choice(NAME_TEMPLATES[spec.category])
            if spec.agency in DISTRICT_NAMES:
                template = template.replace("示范市", f"示范市{DISTRICT_NAMES[spec.agency]}", 1)
            road = self.roads.pop() if "{road}" in template else ""
            name = template.format(place=self.rng.choice(PLACES), area=spec.area, road=road, n=self.number(template))
            if name not in self.names:
                return name
        return f"{name}（{self.rng.randint(2, 9)}期）"

    def number(self, template: str) -> str:
        if "{n}" not in template:
            return ""
        self.school_number += 1
        return chinese_number(self.school_number)

    def add(self, agency: str, category: str, name: str = "", **fields: object) -> Spec:
        spec = Spec(agency=agency, category=category, area=self.rng.choice(AREAS), **fields)
        if name in self.names:
            raise ValueError(f"Two demo projects named {name}")
        spec.name = name or self.name(spec)
        self.names.add(spec.name)
        self.specs.append(spec)
        return spec

    def outcomes(self, spec: Spec) -> None:
        rng, found = self.rng, spec.outcomes
        if spec.category == Category.ROAD:
            found.setdefault("road_length_km", Decimal(rng.randint(300, 2800)) / 1000)
        elif spec.category == Category.SCHOOL:
            found.setdefault("school_places", rng.choice([900, 1080, 1350, 1620, 1800, 2160, 2400]))
            found.setdefault("floor_area", Decimal(found["school_places"] * rng.randint(18, 26)))
            found.setdefault("parking_spaces", rng.randint(80, 300))
        elif spec.category == Category.HOSPITAL:
            found.setdefault("hospital_beds", rng.choice([800, 1000, 1200, 1500, 2000]))
            found.setdefault("floor_area", Decimal(found["hospital_beds"] * rng.randint(150, 220)))
            found.setdefault("parking_spaces", rng.randint(800, 2000))
        elif spec.is_building:
            found.setdefault("floor_area", Decimal(rng.randint(60, 800) * 100))
            found.setdefault("parking_spaces", rng.randint(40, 600))


# ---- the cohorts --------------------------------------------------------------------------------

BUILDINGS_OTHER = [Category.CULTURE_SPORTS, Category.OFFICE, Category.HOUSING, Category.BUILDING_OTHER]


def mix(*pairs: tuple[str, int]) -> list[str]:
    return [category for category, count in pairs for _n in range(count)]


def fates(rng: random.Random, *pairs: tuple[str, int]) -> list[str]:
    found = mix(*pairs)
    rng.shuffle(found)
    return found


def plan_completed(planner: Planner) -> None:
    """Completed before 2022, in 2022 (13,980 school places) and in 2023 (the 57)."""
    rng = planner.rng
    old = mix((Category.ROAD, 8), (Category.SCHOOL, 4), (Category.OFFICE, 3), (Category.WATER, 2))
    for category in [*old, Category.HOSPITAL, Category.LANDSCAPE, Category.BRIDGE]:
        name = "示范市第二人民医院改扩建工程" if category == Category.HOSPITAL else ""
        spec = planner.add("city", category, name)
        completion = planner.between(Day(2019, 3, 1), Day(2021, 12, 20))
        planner.construction(spec, plus(completion, -planner.duration(category)), plus(completion, 20), completion)
    categories_2022 = mix((Category.SCHOOL, 11), (Category.ROAD, 15)) + rng.sample(BUILDINGS_OTHER * 2, 8)
    places = iter(SCHOOL_PLACES_2022)
    for category in categories_2022:
        spec = planner.add("city", category, plan_year=2022, plan_category=PlanCategory.CONTINUING)
        if category == Category.SCHOOL:
            spec.outcomes["school_places"] = next(places)
        planned, completion = planner.finish("done", 2022)
        start = min(plus(completion, -planner.duration(category)), Day(2021, 12, 20))
        planner.construction(spec, start, planned, completion)
    lengths = [rng.randint(250, 1050) for _n in range(30)]
    scale = ROAD_KM_2023 * 1000 / sum(lengths)
    km = [Decimal(int(n * scale)) / 1000 for n in lengths]
    km[-1] += ROAD_KM_2023 - sum(km)
    places = iter(SCHOOL_PLACES_2023)
    named = {0: "示范市东湖路市政工程", 30: "示范市公明中学改扩建工程（二期）", 44: "示范市委党校1号楼改造工程"}
    named |= {45: "示范市侨文化博物馆", 46: "示范市知青楼修缮工程"}
    categories_2023 = mix((Category.ROAD, 30), (Category.SCHOOL, 14))
    categories_2023 += [Category.OFFICE, Category.CULTURE_SPORTS, Category.BUILDING_OTHER]
    categories_2023 += mix((Category.OFFICE, 2), (Category.CULTURE_SPORTS, 2), (Category.HOUSING, 3))
    categories_2023 += mix((Category.BUILDING_OTHER, 3))
    for index, category in enumerate(categories_2023):
        spec = planner.add("city", category, named.get(index, ""), plan_year=2023)
        if category == Category.ROAD:
            spec.outcomes["road_length_km"] = km[index]
        if category == Category.SCHOOL:
            spec.outcomes["school_places"] = next(places)
        if index < 6:  # short road works started and completed within 2023
            start = planner.between(Day(2023, 1, 5), Day(2023, 5, 31))
            completion = plus(start, rng.randint(150, 210))
            spec.plan_category = PlanCategory.NEW_START
        else:
            completion = planner.between(Day(2023, 1, 15), Day(2023, 12, 25))
            start = min(plus(completion, -planner.duration(category)), plus(Day(2022, 12, 20), -rng.randint(0, 120)))
            spec.plan_category = PlanCategory.CONTINUING
        planner.construction(spec, start, plus(completion, rng.randint(-30, 20)), completion)
        if index == 44:
            spec.flags["is_near_zero_carbon"] = True


def plan_advancing(planner: Planner) -> list[Spec]:
    """The 80 started before 2023 and still under construction at its end; the three hospitals top out in 2023."""
    rng = planner.rng
    complete_2024 = mix((Category.ROAD, 20), (Category.SCHOOL, 6), (Category.BRIDGE, 2), (Category.PIPELINE, 2))
    complete_2024 += [Category.LANDSCAPE, *rng.sample(BUILDINGS_OTHER, 3)]
    advance_2024 = mix((Category.ROAD, 6), (Category.SCHOOL, 4), (Category.TUNNEL, 2), (Category.BRIDGE, 1))
    advance_2024 += [Category.WATER, *rng.sample(BUILDINGS_OTHER, 3)]
    unlisted = mix((Category.ROAD, 8), (Category.SCHOOL, 2), (Category.PIPELINE, 2), (Category.WATER, 3))
    unlisted += mix((Category.LANDSCAPE, 3), (Category.MUNICIPAL_OTHER, 3), (Category.BRIDGE, 1)) + BUILDINGS_OTHER
    cohort: list[tuple[str, str, int, str | None]] = []  # (category, fate, year, task)
    cohort += [
        (c, f, 2024, "complete")
        for c, f in zip(
            complete_2024, fates(rng, ("on_time", 28), ("late", 3), ("missed", 2), ("overdue", 1)), strict=True
        )
    ]
    advance_fates = fates(rng, ("done", 9), ("ongoing", 8))
    cohort += [
        (c, f, 2025 if f == "done" and i % 2 else 2026, "advance")
        for i, (c, f) in enumerate(zip(advance_2024, advance_fates, strict=True))
    ]
    unlisted_fates = fates(rng, ("done", 20), ("ongoing", 6))
    cohort += [(c, f, 2024 + i % 3, None) for i, (c, f) in enumerate(zip(unlisted, unlisted_fates, strict=True))]
    hospitals = [
        ("示范市中心医院续建（二期）工程", "done", 2025),
        ("示范市公共卫生服务中心", "done", 2026),
        ("示范市人民医院新院工程", "ongoing", 2027),
    ]
    specs = []
    for name, fate, year in hospitals:
        spec = planner.add("city", Category.HOSPITAL, name, plan_year=2023, plan_category=PlanCategory.CONTINUING)
        planned, completion = planner.finish(fate, year)
        start = planner.between(Day(2021, 2, 1), Day(2022, 6, 30))
        planner.construction(
            spec, start, planned, completion, topping=planner.between(Day(2023, 3, 1), Day(2023, 11, 30))
        )
        spec.tasks[2024] = (TaskKind.ADVANCE, None)
        specs.append(spec)
    names = [
        "燃机电厂配套路（环玉路）工程",
        "燃机电厂配套路（南岗路）工程",
        "燃机电厂配套路（南长路）工程",
        "狮山片区配套路（狮明路）工程",
        "狮山片区配套路（狮山二街）工程",
    ]
    for index, (category, fate, year, task) in enumerate(cohort):
        name = names[index - 34] if task == "advance" and index - 34 < len(names) else ""
        if category == Category.WATER and not task and "示范河水环境综合整治工程" not in planner.names:
            name = "示范河水环境综合整治工程"
        spec = planner.add("city", category, name, plan_year=2023, plan_category=PlanCategory.CONTINUING)
        planned, completion = planner.finish(fate, year)
        start = min(
            plus(completion or planned, -planner.duration(category)), plus(Day(2022, 12, 20), -rng.randint(0, 150))
        )
        planner.construction(spec, start, planned, completion)
        if task == "complete":
            spec.tasks[2024] = (TaskKind.COMPLETE, planned)
        elif task == "advance":
            spec.tasks[2024] = (TaskKind.ADVANCE, None)
        specs.append(spec)
    return specs


def natural_end(planner: Planner, spec: Spec, start: Day) -> tuple[Day, Day | None]:
    """(planned, actual) completion of a project started on `start`: done if its duration has run out."""
    end = plus(start, planner.duration(spec.category))
    if end <= plus(AS_OF, -15):
        return plus(end, planner.rng.randint(-20, 40)), end
    if planner.rng.random() < 0.12 and plus(start, 200) < plus(AS_OF, -20):
        return planner.between(plus(start, 200), plus(AS_OF, -20)), None  # overdue
    return end, None


def plan_started_2023(planner: Planner) -> None:
    """The 66 started in 2023 and not completed in it (with the 6 short roads, 72 starts: 42 roads, 30 buildings)."""
    rng = planner.rng
    cohort: list[tuple[str, str, int, str | None]] = []
    complete_fates = fates(rng, ("on_time", 13), ("late", 5), ("missed", 2))
    complete = [Category.SCHOOL, Category.OFFICE, *mix((Category.ROAD, 18))]
    cohort += [(c, f, 2024, "complete") for c, f in zip(complete, complete_fates, strict=True)]
    advance = mix((Category.CULTURE_SPORTS, 1), (Category.SCHOOL, 8), (Category.CULTURE_SPORTS, 2))
    advance += mix((Category.HOUSING, 3), (Category.OFFICE, 2))
    advance_fates = [("ongoing", 2027)]
    advance_fates += [(f, 2025 + i % 2) for i, f in enumerate(fates(rng, ("done", 9), ("ongoing", 6)))]
    cohort += [(c, f, y, "advance") for c, (f, y) in zip(advance, advance_fates, strict=True)]
    unlisted = mix((Category.ROAD, 18), (Category.SCHOOL, 4), (Category.CULTURE_SPORTS, 1), (Category.HOUSING, 2))
    unlisted += mix((Category.OFFICE, 1), (Category.BUILDING_OTHER, 4))
    unlisted_fates = fates(rng, ("done", 24), ("ongoing", 6))
    cohort += [(c, f, 2024 + i % 3, None) for i, (c, f) in enumerate(zip(unlisted, unlisted_fates, strict=True))]
    names = {20: "示范市科学城体育中心新建工程", 21: "示范市长圳中学新建工程", 22: "示范市李松第二学校新建工程"}
    names |= {23: "示范市外国语学校改扩建工程", 24: "示范市第三实验学校新建工程", 36: "白花片区配套路工程"}
    for index, (category, fate, year, task) in enumerate(cohort):
        unplanned = task is None and index % 5 == 0
        spec = planner.add(
            "city",
            category,
            names.get(index, ""),
            plan_year=2023,
            plan_category=PlanCategory.UNPLANNED if unplanned else PlanCategory.NEW_START,
        )
        last = Day(2023, 3, 31) if task == "complete" and spec.is_building else Day(2023, 7, 31)
        start = planner.between(Day(2023, 1, 10), last if task == "complete" else Day(2023, 12, 20))
        planned, completion = planner.finish(fate, year, plus(start, DURATION[category][0]))
        planner.construction(spec, start, planned, completion)
        if task == "complete":
            spec.tasks[2024] = (TaskKind.COMPLETE, planned)
        elif task == "advance":
            spec.tasks[2024] = (TaskKind.ADVANCE, None)
        if index == 20:
            plan_sub_projects(planner, spec)


def plan_sub_projects(planner: Planner, parent: Spec) -> None:
    """The 科学城体育中心's 子项目: they have their own dates but do not count in the portfolio's figures."""
    parts = [
        ("体育馆", Category.CULTURE_SPORTS),
        ("游泳馆", Category.CULTURE_SPORTS),
        ("全民健身中心", Category.CULTURE_SPORTS),
    ]
    parts += [("地下车库及配套用房", Category.CULTURE_SPORTS), ("室外配套道路", Category.ROAD)]
    for part, category in parts:
        name = f"{parent.name}（{part}）"
        spec = planner.add("city", category, name, plan_year=2023, plan_category=PlanCategory.NEW_START, parent=parent)
        spec.area = parent.area
        start = planner.between(parent.start, plus(parent.start, 100))
        if category == Category.ROAD:
            planned, completion = planner.finish("done", 2025, plus(start, 300))
        else:
            planned, completion = parent.planned_completion, None
        planner.construction(spec, start, planned, completion)


def plan_later(planner: Planner) -> None:
    """The 2024 start list (30: most on time, a few missed), unplanned 2024 starts, 2025 and 2026 starts."""
    rng = planner.rng
    starts = mix((Category.ROAD, 12), (Category.SCHOOL, 8), (Category.HOUSING, 3), (Category.CULTURE_SPORTS, 2))
    starts += [Category.OFFICE, Category.BRIDGE, Category.WATER, Category.LANDSCAPE]
    cohort = [(Category.HOSPITAL, "on_time", "示范市人民医院二期")]
    cohort += [
        (c, f, "")
        for c, f in zip(starts, fates(rng, ("on_time", 20), ("late", 6), ("missed", 2), ("prep", 1)), strict=True)
    ]
    for category, fate, name in cohort:
        spec = planner.add("city", category, name, plan_year=2024, plan_category=PlanCategory.NEW_START)
        if fate == "on_time":
            spec.planned_start = planner.between(Day(2024, 2, 15), Day(2024, 12, 10))
            start = max(Day(2024, 1, 5), plus(spec.planned_start, -rng.randint(0, 30)))
        elif fate == "late":
            spec.planned_start = planner.between(Day(2024, 2, 1), Day(2024, 10, 15))
            start = plus(spec.planned_start, rng.randint(10, 60))
        elif fate == "missed":
            spec.planned_start = planner.between(Day(2024, 6, 1), Day(2024, 11, 30))
            start = planner.between(Day(2025, 3, 1), Day(2025, 8, 31))
        else:
            planner.preparation(spec, planner.between(Day(2023, 10, 1), Day(2024, 2, 28)), Day(2024, 9, 30), 4)
            spec.tasks[2024] = (TaskKind.START, spec.planned_start)
            continue
        spec.tasks[2024] = (TaskKind.START, spec.planned_start)
        planner.construction(spec, start, *natural_end(planner, spec, start))
    for category in [Category.ROAD, Category.ROAD, Category.BUILDING_OTHER, Category.PIPELINE]:
        spec = planner.add("city", category, plan_year=2024, plan_category=PlanCategory.UNPLANNED)
        start = planner.between(Day(2024, 3, 1), Day(2024, 11, 30))
        planner.construction(spec, start, *natural_end(planner, spec, start))
    plan_2025_2026(planner)


def plan_2025_2026(planner: Planner) -> None:
    rng = planner.rng
    later = mix((Category.ROAD, 10), (Category.SCHOOL, 6), (Category.HOUSING, 2), (Category.CULTURE_SPORTS, 1))
    later += [Category.PIPELINE, Category.LANDSCAPE, Category.BRIDGE]
    rng.shuffle(later)
    later = [Category.HOSPITAL, *later]
    for index, category in enumerate(later[:18]):
        name = "示范市妇幼保健院新建工程" if category == Category.HOSPITAL else ""
        spec = planner.add("city", category, name, plan_year=2025, plan_category=PlanCategory.NEW_START)
        spec.planned_start = planner.between(Day(2025, 2, 1), Day(2025, 11, 30))
        if index < 2:  # on the 2024 advance list while still in preparation: missed there
            spec.tasks[2024] = (TaskKind.ADVANCE, None)
            spec.plan_year, spec.plan_category = 2024, PlanCategory.CONTINUING
            spec.reserve_since = planner.between(Day(2023, 3, 1), Day(2023, 9, 30))
        delay = rng.choice([0, 0, 0, 0, 5, 20, 45]) if index != 17 else 200
        start = max(Day(2025, 1, 6), plus(spec.planned_start, delay - rng.randint(0, 15)))
        planner.construction(spec, start, *natural_end(planner, spec, start))
    for index, category in enumerate(later[18:] + mix((Category.ROAD, 4), (Category.SCHOOL, 3), (Category.OFFICE, 1))):
        spec = planner.add("city", category, plan_year=2026, plan_category=PlanCategory.NEW_START)
        if index < 7:  # started in 2026
            spec.planned_start = planner.between(Day(2026, 1, 10), Day(2026, 9, 30))
            start = min(plus(spec.planned_start, rng.choice([-10, 0, 0, 15, 40])), plus(AS_OF, -20))
            planner.construction(spec, start, *natural_end(planner, spec, start))
        elif index < 10:  # permit in hand, starting in December
            start = planner.between(Day(2026, 12, 5), Day(2026, 12, 28))
            planner.construction(spec, start, plus(start, planner.duration(category)), None)
            spec.start = spec.topping = None
            spec.planned_start, spec.permit = start, min(spec.permit, plus(AS_OF, -rng.randint(3, 40)))
            spec.registered = plus(spec.permit, -rng.randint(50, 85))
        else:  # behind: approvals late, the planned start has passed
            registered = planner.between(Day(2025, 3, 1), Day(2025, 9, 30))
            planner.preparation(spec, registered, planner.between(Day(2026, 3, 1), Day(2026, 9, 30)), rng.randint(3, 5))
    for index in range(18):
        category = rng.choice(list(DURATION))
        name = "示范市中医院新院工程" if index == 0 else ""
        spec = planner.add("city", Category.HOSPITAL if index == 0 else category, name)
        if index < 10:
            registered = planner.between(Day(2025, 6, 1), Day(2026, 10, 31))
            planner.preparation(
                spec, registered, planner.between(Day(2027, 3, 1), Day(2027, 12, 20)), rng.randint(1, 6)
            )
            spec.plan_year, spec.plan_category = 2026, PlanCategory.RESERVE
        else:
            spec.reserve_since = planner.between(Day(2024, 5, 1), Day(2026, 10, 31))
            spec.planned_start = planner.between(Day(2028, 3, 1), Day(2029, 6, 30))


def plan_districts(planner: Planner) -> None:
    """A small portfolio for each district: nothing started, completed or advancing in 2022 or 2023."""
    rng = planner.rng
    for agency, old in (
        ("east", [Category.SCHOOL, Category.ROAD, Category.OFFICE]),
        ("west", [Category.ROAD, Category.CULTURE_SPORTS, Category.PIPELINE]),
    ):
        for category in old:
            spec = planner.add(agency, category)
            completion = planner.between(Day(2019, 6, 1), Day(2021, 12, 20))
            planner.construction(spec, plus(completion, -planner.duration(category)), plus(completion, 15), completion)
        for category, first in ((Category.ROAD, Day(2024, 2, 1)), (Category.SCHOOL, Day(2024, 3, 1))):
            spec = planner.add(agency, category, plan_year=2024, plan_category=PlanCategory.NEW_START)
            start = planner.between(first, Day(2024, 10, 31))
            planner.construction(spec, start, *natural_end(planner, spec, start))
        for year in (2025, 2026):
            spec = planner.add(agency, rng.choice([Category.ROAD, Category.HOUSING, Category.LANDSCAPE]))
            spec.plan_year, spec.plan_category = year, PlanCategory.NEW_START
            start = planner.between(Day(year, 2, 1), Day(year, 9, 30))
            planner.construction(spec, start, *natural_end(planner, spec, start))
        spec = planner.add(agency, Category.SCHOOL, plan_year=2026, plan_category=PlanCategory.RESERVE)
        planner.preparation(spec, planner.between(Day(2025, 9, 1), Day(2026, 6, 30)), Day(2027, 4, 30), 3)
        spec = planner.add(agency, Category.BUILDING_OTHER)
        spec.reserve_since = planner.between(Day(2025, 1, 1), Day(2026, 9, 30))


def plan_awards(planner: Planner) -> None:
    """38 awards in 2023 (4 national) on the city's projects; a realistic sprinkling in the other years."""
    rng = planner.rng
    city = [s for s in planner.specs if s.agency == "city" and s.parent is None]
    by_name = {s.name: s for s in city}
    winners = {"hospital": "示范市人民医院新院工程", "school": "示范市公明中学改扩建工程（二期）"}
    winners["water"] = "示范河水环境综合整治工程"
    for award, issuer, which in NATIONAL_AWARDS_2023:
        by_name[winners[which]].awards.append((award, AwardLevel.NATIONAL, 2023, issuer))
    levels_2023 = [AwardLevel.PROVINCIAL] * 11 + [AwardLevel.CITY] * 15 + [AwardLevel.DISTRICT] * 8
    plan = [(2023, level) for level in levels_2023]
    weights = [AwardLevel.NATIONAL] + [AwardLevel.PROVINCIAL] * 6 + [AwardLevel.CITY] * 9 + [AwardLevel.DISTRICT] * 4
    plan += [
        (year, rng.choice(weights))
        for year, count in ((2022, 12), (2024, 26), (2025, 20), (2026, 8))
        for _n in range(count)
    ]
    for year, level in plan:
        active = [
            s
            for s in city
            if s.start and s.start.year <= year and (s.completion is None or s.completion.year >= year - 1)
        ]
        while True:
            spec = rng.choice(active)
            name, issuer = rng.choice(AWARDS[level])
            if all((a[0], a[2]) != (name, year) for a in spec.awards):
                spec.awards.append((name, level, year, issuer))
                break


def finished_by(spec: Spec, year: int) -> bool:
    return spec.completion is not None and spec.completion.year <= year


def plan_tasks(planner: Planner) -> None:
    """The 2025 and 2026 lists follow the plans (the 2024 list is set cohort by cohort above)."""
    city = [s for s in planner.specs if s.agency == "city" and s.parent is None]
    for year in (2025, 2026):
        for spec in city:
            if year in spec.tasks or spec.planned_completion is None:
                continue
            started_before = spec.start is not None and spec.start.year < year
            if spec.planned_start and spec.planned_start.year == year and not started_before:
                spec.tasks[year] = (TaskKind.START, spec.planned_start)
            elif spec.planned_completion.year == year and started_before:
                if spec.completion is None or spec.completion.year >= year:
                    spec.tasks[year] = (TaskKind.COMPLETE, spec.planned_completion)
            elif started_before and spec.planned_completion.year > year and not finished_by(spec, year):
                spec.tasks[year] = (TaskKind.ADVANCE, None)


def plan_portfolio(rng: random.Random) -> list[Spec]:
    planner = Planner(rng)
    plan_completed(planner)
    plan_advancing(planner)
    plan_started_2023(planner)
    plan_later(planner)
    plan_districts(planner)
    plan_awards(planner)
    plan_tasks(planner)
    for spec in planner.specs:
        planner.history(spec)
        planner.outcomes(spec)
        if spec.tasks.get(2024):
            spec.tags.add("重点")
    return planner.specs


# ---- writing --------------------------------------------------------------------------------------


def money(rng: random.Random, low_yi: float, high_yi: float) -> Decimal:
    """An amount in 元, rounded to 万元."""
    return Decimal(round(rng.uniform(low_yi, high_yi) * 10000)) * 10000


class Writer:
    """Writes the planned specs: projects in bulk, then what hangs on them, then the change-log entries."""

    def __init__(self, orgs: dict[str, Organization], actor: User, rng: random.Random) -> None:
        self.orgs, self.actor, self.rng = orgs, actor, rng
        self.kinds = {k.name: k for k in ApprovalKind.objects.filter(agency=None)}
        self.director = User.objects.filter(username="director").first()
        units = list(Organization.objects.filter(kind=OrganizationKind.USER_UNIT).order_by("name"))
        self.units = {
            Category.SCHOOL: [u for u in units if "学" in u.name],
            Category.HOSPITAL: [u for u in units if "医院" in u.name],
            Category.CULTURE_SPORTS: [u for u in units if "文化" in u.name],
        }
        self.tags: dict[tuple[str, str], ProjectTag] = {}

    def settings_and_tags(self) -> None:
        for key, code in AGENCY_CODES.items():
            agency = self.orgs[key]
            if not ProjectSettings.objects.filter(agency=agency).exists():
                settings = ProjectSettings(agency=agency, agency_code=code, code_pattern="{agency}-{year}-{seq:04d}")
                core_services.create_object(instance=settings, actor=self.actor)
            for name, color in TAGS if key == "city" else TAGS[:2]:
                tag = ProjectTag.objects.filter(agency=agency, name=name).first() or core_services.create_object(
                    instance=ProjectTag(agency=agency, name=name, color=color), actor=self.actor
                )
                self.tags[key, name] = tag

    def assign_codes(self, specs: list[Spec]) -> None:
        taken: dict[tuple[str, int], int] = {}
        top = [s for s in specs if s.parent is None]
        for spec in sorted(top, key=lambda s: (s.agency, s.registered or s.reserve_since)):
            year = (spec.registered or spec.reserve_since).year
            taken[spec.agency, year] = taken.get((spec.agency, year), 0) + 1
            spec.code = f"{AGENCY_CODES[spec.agency]}-{year}-{taken[spec.agency, year]:04d}"
        for spec in specs:
            if spec.parent is not None:
                siblings = [s for s in specs if s.parent is spec.parent]
                spec.code = f"{spec.parent.code}-{siblings.index(spec) + 1:02d}"

    def project(self, spec: Spec) -> Project:
        rng, agency = self.rng, self.orgs[spec.agency]
        started = spec.start is not None
        department = (
            ("工程管理处" if started else "前期处") if spec.agency == "city" else ("工程科" if started else "前期科")
        )
        scale = 1.0 if spec.agency == "city" else 0.4
        low, high = INVESTMENT_YI[spec.category]
        investment = money(rng, low * scale, high * scale)
        delivery = DELIVERY.get(spec.group, DELIVERY[None])
        if spec.category == Category.HOSPITAL:
            delivery = [DeliveryMethod.AGENT, DeliveryMethod.WHOLE_PROCESS]
        bim_chance = {CategoryGroup.BUILDING: 0.55, CategoryGroup.MUNICIPAL: 0.15}.get(spec.group, 0.1)
        floor_area = spec.outcomes.get("floor_area")
        prefabricated = spec.category in (Category.SCHOOL, Category.HOUSING) and rng.random() < 0.4
        district = rng.choice(DISTRICTS) if spec.agency == "city" else DISTRICT_NAMES[spec.agency]
        place = rng.choice(PLACES)
        return Project(
            agency=agency,
            code=spec.code,
            name=spec.name,
            parent=spec.parent.project if spec.parent else None,
            department=self.orgs.get(department if spec.agency == "city" else f"{agency.short_name}{department}"),
            director=self.director
            if spec.agency == "city" and (started or rng.random() < 0.3) and rng.random() < 0.6
            else None,
            category=spec.category,
            area=spec.area,
            delivery_method=rng.choice(delivery),
            received_on=spec.received_on,
            received_source=spec.received_source,
            received_from=spec.received_from,
            stage=spec.stages[-1][0],
            stage_entered_on=spec.stages[-1][1],
            approved_investment=investment,
            budget_estimate=(investment * Decimal(rng.uniform(0.9, 1.0))).quantize(Decimal("10000")),
            user_unit=rng.choice(self.units[spec.category]) if spec.category in self.units else None,
            address=f"示范市{district}{place}街道{rng.choice(PLACES)}{rng.choice(ROAD_SUFFIXES)}{rng.randint(1, 300)}号",
            latitude=Decimal(rng.uniform(22.70, 22.85)).quantize(Decimal("0.000001")),
            longitude=Decimal(rng.uniform(113.85, 114.00)).quantize(Decimal("0.000001")),
            uses_bim=spec.category == Category.HOSPITAL or rng.random() < bim_chance,
            is_green=spec.is_building and rng.random() < 0.45,
            is_near_zero_carbon=spec.flags.get("is_near_zero_carbon", False),
            is_prefabricated=prefabricated,
            prefabricated_area=(floor_area * Decimal(rng.uniform(0.3, 0.6))).quantize(Decimal("1"))
            if prefabricated
            else None,
            school_places=spec.outcomes.get("school_places"),
            hospital_beds=spec.outcomes.get("hospital_beds"),
            parking_spaces=spec.outcomes.get("parking_spaces"),
            road_length_km=spec.outcomes.get("road_length_km"),
            floor_area=floor_area,
            description=self.description(spec),
            started_on=spec.start,
            completed_on=spec.completion,
        )

    def description(self, spec: Spec) -> str:
        found = spec.outcomes
        if "road_length_km" in found:
            width = self.rng.choice([20, 26, 30, 36, 40, 50])
            return f"道路全长约{found['road_length_km']}公里，红线宽度{width}米，建设内容包括道路、桥涵、给排水、电力、照明、交通及绿化工程。"
        if "school_places" in found:
            return f"提供学位{found['school_places']}个，总建筑面积约{found['floor_area']}平方米。"
        if "hospital_beds" in found:
            return f"设置床位{found['hospital_beds']}张，总建筑面积约{found['floor_area']}平方米。"
        if "floor_area" in found:
            return f"总建筑面积约{found['floor_area']}平方米。"
        return ""

    def document(self, kind: str, day: Day) -> str:
        return DOCUMENTS[kind].format(y=day.year, n=self.rng.randint(12, 998))

    def approvals(self, spec: Spec, project: Project) -> list[Approval]:
        """前期手续 in order; planned on a 90-day track (276 days before the reform), so long lead times show as late."""
        rng, found = self.rng, []
        start = spec.registered
        if start is None:
            return found
        kinds = [*PRE_PERMIT, "施工许可证"]
        track = 240 if start.year <= 2020 else 85
        if spec.planned_start:
            track = max(20, min(track, (spec.planned_start - start).days - 5))
        planned = [plus(start, round(track * i / 7)) for i in range(8)]
        if spec.permit:
            middle = sorted(plus(start, rng.randint(1, (spec.permit - start).days - 1)) for _n in range(6))
            actual: list[Day | None] = [start, *middle, spec.permit]
        else:
            stretch = rng.randint(70, 200)
            actual = [plus(start, round(stretch * i / 7)) if i < spec.approvals_done else None for i in range(8)]
            actual = [d if d is not None and d <= AS_OF else None for d in actual]
        for name, plan, done in zip(kinds, planned, actual, strict=True):
            found.append(Approval(project=project, kind=self.kinds[name], planned_date=plan, actual_date=done))
        if spec.planned_completion and spec.start:
            after = [("竣工验收", spec.planned_completion, spec.completion)]
            if spec.completion:
                after.append(("竣工备案", plus(spec.completion, 30), plus(spec.completion, rng.randint(15, 45))))
                if spec.is_building:
                    after.append(
                        ("不动产权证", plus(spec.completion, 180), plus(spec.completion, rng.randint(120, 360)))
                    )
            for name, plan, done in after:
                done = done if done is not None and done <= AS_OF else None
                found.append(Approval(project=project, kind=self.kinds[name], planned_date=plan, actual_date=done))
        for approval in found:
            if approval.actual_date:
                approval.document_number = self.document(approval.kind.name, approval.actual_date)
        return found

    def milestones(self, spec: Spec, project: Project) -> list[Milestone]:
        delivery = plus(spec.completion, self.rng.randint(15, 60)) if spec.completion else None
        rows = [
            (MilestoneKind.START, spec.planned_start, spec.start),
            (MilestoneKind.COMPLETION_ACCEPTANCE, spec.planned_completion, spec.completion),
            (
                MilestoneKind.DELIVERY,
                plus(spec.planned_completion, 30) if spec.planned_completion else None,
                delivery if delivery and delivery <= AS_OF else None,
            ),
        ]
        if spec.is_building and spec.planned_completion:
            planned = spec.planned_topping
            if planned is None and spec.planned_start:
                planned = plus(spec.planned_start, int((spec.planned_completion - spec.planned_start).days * 0.45))
            rows.insert(1, (MilestoneKind.TOPPING_OUT, planned, spec.topping))
        return [
            Milestone(project=project, kind=kind, planned_date=planned, actual_date=actual)
            for kind, planned, actual in rows
            if planned or actual
        ]

    def progress_reports(self, spec: Spec, project: Project) -> list[ProgressReport]:
        """Monthly physical progress on an S-curve, reaching 100% in the month of completion acceptance."""
        if spec.start is None:
            return []
        end = spec.completion or AS_OF
        planned_end = spec.completion or spec.planned_completion
        total = max(30, (planned_end - spec.start).days)
        month, reports, last = spec.start.replace(day=1), [], Decimal("0")
        while month <= end:
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            x = min(1.0, max(0.0, (min(following, end) - spec.start).days / total))
            percent = Decimal(100 * (3 * x * x - 2 * x * x * x)).quantize(Decimal("0.1"))
            if spec.completion is None:
                percent = min(percent, Decimal("96.0"))
            elif following > end:
                percent = Decimal("100.0")
            last = max(last, percent, Decimal("0.5"))
            reports.append(ProgressReport(project=project, month=month, percent=last))
            month = following
        return reports

    def stage_changes(self, spec: Spec, project: Project) -> list[StageChange]:
        changes, previous = [], ""
        for stage, day in spec.stages:
            changes.append(
                StageChange(project=project, from_stage=previous, stage=stage, entered_on=day, actor=self.actor)
            )
            previous = stage
        return changes

    def awards(self, spec: Spec, project: Project) -> list[Award]:
        return [
            Award(project=project, name=name, level=level, year=year, issuer=issuer)
            for name, level, year, issuer in spec.awards
        ]

    def task_lists(self, specs: list[Spec]) -> list[TaskItem]:
        city = self.orgs["city"]
        items = []
        for year in (2024, 2025, 2026):
            task_list = TaskList.objects.filter(agency=city, year=year).first() or core_services.create_object(
                instance=TaskList(
                    agency=city,
                    year=year,
                    name=f"{year}年重点工务项目年度任务",
                    note="开工一批、推进一批、完工一批；完成情况按项目节点自动统计。",
                ),
                actor=self.actor,
            )
            for spec in specs:
                if year in spec.tasks:
                    kind, planned = spec.tasks[year]
                    items.append(TaskItem(task_list=task_list, project=spec.project, kind=kind, planned_date=planned))
        return items

    def write(self, specs: list[Spec], progress: Progress) -> None:
        steps = 7
        self.settings_and_tags()
        self.assign_codes(specs)
        progress(1, steps, "项目")
        reports: dict[int, list[ProgressReport]] = {}
        for level in (False, True):  # parents first, so sub-projects can point at them
            batch = [s for s in specs if (s.parent is not None) == level]
            for spec in batch:
                spec.project = self.project(spec)
                reports[id(spec)] = self.progress_reports(spec, spec.project)
                spec.project.progress = reports[id(spec)][-1].percent if reports[id(spec)] else None
            Project.objects.bulk_create([s.project for s in batch], batch_size=500)
        progress(2, steps, "项目")
        through = Project.tags.through
        tag_rows = [
            through(project_id=s.project.pk, projecttag_id=self.tags[s.agency, name].pk)
            for s in specs
            for name in sorted(s.tags)
        ]
        through.objects.bulk_create(tag_rows, batch_size=1000)
        progress(3, steps, "项目")
        Approval.objects.bulk_create([a for s in specs for a in self.approvals(s, s.project)], batch_size=1000)
        Milestone.objects.bulk_create([m for s in specs for m in self.milestones(s, s.project)], batch_size=1000)
        progress(4, steps, "项目")
        ProgressReport.objects.bulk_create([r for s in specs for r in reports[id(s)]], batch_size=1000)
        StageChange.objects.bulk_create([c for s in specs for c in self.stage_changes(s, s.project)], batch_size=1000)
        progress(5, steps, "项目")
        Award.objects.bulk_create([a for s in specs for a in self.awards(s, s.project)], batch_size=1000)
        TaskItem.objects.bulk_create(self.task_lists(specs), batch_size=1000)
        progress(6, steps, "项目")
        for spec in specs:
            core_services.log_change(
                instance=spec.project,
                action=ChangeAction.CREATE,
                actor=self.actor,
                before=None,
                after=core_services.snapshot(spec.project),
            )
        progress(7, steps, "项目")


def tag_people(specs: list[Spec], rng: random.Random) -> None:
    """民生 on schools, hospitals and housing; 市投市建 on some city projects."""
    for spec in specs:
        if spec.parent is not None:
            continue
        if spec.category in (Category.SCHOOL, Category.HOSPITAL, Category.HOUSING):
            spec.tags.add("民生")
        if spec.agency == "city" and rng.random() < 0.15:
            spec.tags.add("市投市建")
        if spec.agency != "city" and spec.start and spec.start.year >= 2024 and rng.random() < 0.5:
            spec.tags.add("重点")


# Who hands a project over, by how it came (项目接收); a user unit's projects come through its authority.
AUTHORITIES = {
    Category.SCHOOL: "示范市教育局",
    Category.HOSPITAL: "示范市卫生健康委员会",
    Category.CULTURE_SPORTS: "示范市文化广电旅游体育局",
    Category.HOUSING: "示范市住房保障署",
    Category.ROAD: "示范市交通运输局",
    Category.BRIDGE: "示范市交通运输局",
    Category.TUNNEL: "示范市交通运输局",
    Category.WATER: "示范市水务局",
    Category.PIPELINE: "示范市水务局",
    Category.LANDSCAPE: "示范市城市管理和综合执法局",
}
FIRST_RECEIVED = Day(2022, 1, 1)  # the agency has kept its intake register since 2022


def plan_intake(specs: list[Spec], rng: random.Random) -> None:
    """When and from whom each project since 2022 was received (接收): most assigned by the 发改委's plan some
    weeks before their 立项 (or reserve listing), others handed over by their user unit's authority, the
    preliminary-works centre or another agency. The unplanned additions of a year (计划外新增) were received
    during that year from another agency or a user unit. Sub-projects come with their parent."""
    sources = [IntakeSource.PLAN] * 10 + [IntakeSource.USER_UNIT] * 5 + [IntakeSource.PRELIMINARY] * 2
    sources += [IntakeSource.AGENCY, IntakeSource.AGENCY, IntakeSource.OTHER]
    for spec in specs:
        if spec.parent is not None:
            continue
        if spec.plan_category == PlanCategory.UNPLANNED and spec.start and spec.plan_year:
            day = plus(spec.start, -rng.randint(20, 60))
            spec.received_on = max(day, Day(spec.plan_year, 1, 5))
            spec.received_source = rng.choice([IntakeSource.AGENCY, IntakeSource.AGENCY, IntakeSource.USER_UNIT])
        else:
            anchor = spec.reserve_since or spec.registered or (plus(spec.start, -200) if spec.start else None)
            if anchor is None:
                continue
            day = plus(anchor, -rng.randint(15, 150))
            if not FIRST_RECEIVED <= day <= AS_OF:
                continue
            spec.received_on = day
            spec.received_source = rng.choice(sources)
        spec.received_from = intake_party(spec, rng)


def intake_party(spec: Spec, rng: random.Random) -> str:
    source = spec.received_source
    if source == IntakeSource.PLAN:
        return "示范市发展和改革委员会" if spec.agency == "city" else f"示范市{DISTRICT_NAMES[spec.agency]}发展和改革局"
    if source == IntakeSource.USER_UNIT:
        return AUTHORITIES.get(spec.category, "示范市机关事务管理局")
    if source == IntakeSource.PRELIMINARY:
        return "示范市政府投资项目前期工作中心"
    if source == IntakeSource.AGENCY:
        if spec.agency != "city":
            return "示范市建筑工务署"
        return rng.choice(["示范市东城区建筑工务署", "示范市西城区建设事务中心", "示范市南山区建筑工务署"])
    return "示范市城市更新和土地整备局"


def planned_categories() -> dict[str, tuple[int, str]]:
    """The plan year and category the demo gives each project, by name (planned again, in memory, from the same
    seed): investment's demo puts them into the annual plans."""
    return {
        spec.name: (spec.plan_year, spec.plan_category)
        for spec in plan_portfolio(random.Random(SEED))  # noqa: S311 — demo data, reproducible on purpose
        if spec.plan_year and spec.plan_category
    }


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    """Load the projects demo for the agencies of the core demo. Writes nothing when the city has projects."""
    if Project.objects.filter(agency=orgs["city"]).exists():
        progress(1, 1, "项目")
        return
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    with transaction.atomic():
        specs = plan_portfolio(rng)
        tag_people(specs, rng)
        plan_intake(specs, random.Random(SEED + 1))  # noqa: S311 — its own draws: the rest stays as it was
        Writer(orgs, actor, rng).write(specs, progress)


# ---- sections (标段) --------------------------------------------------------------------------------------

SECTION_YEARS = (2023, 2026)  # a city project under way in one of these years has its sections
LARGE_SECTIONS = Decimal(500_000_000)  # projects from 5 亿 have two sections


def section_windows(city: Organization) -> tuple[dict[int, dict[int, tuple[Day, Day]]], dict[int, Project]]:
    """The days each city project is under way in each of SECTION_YEARS (at least a week), and those projects."""
    windows: dict[int, dict[int, tuple[Day, Day]]] = {year: {} for year in SECTION_YEARS}
    found: dict[int, Project] = {}
    projects = Project.objects.filter(agency=city, parent=None).exclude(started_on=None).order_by("code")
    for project in projects:
        for year in SECTION_YEARS:
            first = max(Day(year, 1, 1), project.started_on)
            last = min(
                AS_OF if year == SECTION_YEARS[-1] else Day(year, 12, 31), project.completed_on or Day(9999, 1, 1)
            )
            if (last - first).days >= 7:
                windows[year][project.pk] = (first, last)
                found[project.pk] = project
    return windows, found


def write_sections(city: Organization, actor: User) -> dict[int, list[Section]]:
    """The sections (标段) of the city's projects under way in SECTION_YEARS, each with a contractor and a
    supervisor (four projects under way in 2026 have the demo company on a section), written the first time
    (bulk, logged, their parties taking part in the projects) and found afterwards. The contracts demo (their
    contracts) and the inspections demo (their inspections) both start from them, whichever runs first."""
    from gongwu.projects import services as project_services

    existing = Section.objects.filter(project__agency=city).order_by("pk")
    if existing.exists():
        grouped: dict[int, list[Section]] = {}
        for section in existing:
            grouped.setdefault(section.project_id, []).append(section)
        return grouped
    windows, projects = section_windows(city)
    current_year = SECTION_YEARS[-1]
    company_user = User.objects.get(username="company")
    company = company_user.organization
    contractors = list(Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).order_by("name"))
    supervisors = list(Organization.objects.filter(kind=OrganizationKind.SUPERVISOR).order_by("name"))
    current = [
        pk
        for pk, (first, last) in sorted(windows[current_year].items())
        if first <= Day(current_year, 1, 31) and last == AS_OF
    ]
    mine = set(current[3 : 3 + 4 * 5 : 5])  # four projects under way in 2026 have 深建工 on a section
    rows = []
    for n, (pk, project) in enumerate(sorted(projects.items())):
        large = (project.approved_investment or 0) >= LARGE_SECTIONS
        names = ["施工总承包1标段", "施工总承包2标段"] if large else ["施工总承包标段"]
        for i, name in enumerate(names):
            contractor = contractors[(n * 7 + i * 3) % len(contractors)]
            if pk in mine and i == 0:
                contractor = company
            elif contractor == company and pk not in mine:
                contractor = contractors[(n * 7 + i * 3 + 1) % len(contractors)]
            supervisor = supervisors[(n * 5 + i) % len(supervisors)]
            rows.append(Section(project=project, name=name, contractor=contractor, supervisor=supervisor))
    Section.objects.bulk_create(rows, batch_size=1000)
    sections: dict[int, list[Section]] = {}
    for section in rows:
        sections.setdefault(section.project_id, []).append(section)
    core_services.log_changes([(s, ChangeAction.CREATE, None, core_services.snapshot(s)) for s in rows], actor=actor)
    project_services.record_sections(rows, actor)  # their parties take part in the projects
    return sections
