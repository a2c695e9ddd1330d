"""Data for bench/projects.py: agencies, users and 100,000 projects with approvals and milestones, loaded by COPY.

Deterministic (one seeded `random.Random`). Every project is consistent with the platform's rules:
- its key dates `started_on` / `completed_on` are the actual dates of its 开工 / 竣工验收 milestones;
- its stage agrees with them (储备/前期: not started; 在建: started, not completed; 完工 and later: completed),
  and with its approvals (在建 and later have a 施工许可证, 完工 and later a 竣工验收 with actual dates);
- 立项 ≤ 施工许可 ≤ 开工 ≤ 封顶 ≤ 竣工验收 ≤ today;
- a sub-project's parent is a top-level project of the same agency.
About 3 approvals and 3 milestones per project; names are realistic Chinese project names, so a search
for a word such as 大道 matches a realistic share of them.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

DISTRICTS = ("光明", "龙华", "宝安", "南山", "福田", "罗湖", "龙岗", "坪山", "盐田", "大鹏")
PLACES = (
    "凤凰", "公明", "新湖", "玉塘", "马田", "观澜", "民治", "大浪", "西乡", "沙井", "松岗", "福永", "科学城", "留仙",
    "创新", "光侨", "华夏", "东明", "长圳", "楼村", "甲子塘", "塘家", "上村", "合水口", "白花", "迳口", "新围",
    "田寮", "翠湖", "碧眼", "茅洲河", "观光", "同观", "南光", "龙大", "桂花", "梅林", "香蜜湖", "沙河", "前海",
    "蛇口", "后海", "深湾", "侨城", "红荔", "笋岗", "布心", "坂田", "平湖", "横岗", "葵涌", "南澳", "碧岭", "石井",
    "金沙", "坑梓", "龙田", "马峦", "聚龙", "星河",
)  # fmt: skip
ROAD_WORDS = ("大道", "路", "一路", "二路", "东路", "西路", "北路", "南路", "大街", "街")
ROAD_WORKS = ("新建工程", "改造工程", "拓宽改造工程", "市政工程", "品质提升工程", "综合整治工程")
SCHOOL_KINDS = ("小学", "中学", "实验学校", "九年一贯制学校", "高级中学", "外国语学校", "幼儿园")
SCHOOL_ORDINALS = ("第一", "第二", "第三", "第四", "", "", "")
BUILD_WORKS = ("新建工程", "改扩建工程", "扩建工程", "二期工程", "拆建工程")
HOSPITALS = ("人民医院", "中医院", "妇幼保健院", "中心医院", "第二人民医院", "社区健康服务中心", "精神卫生中心")
CULTURE = ("体育中心", "文化中心", "图书馆", "美术馆", "青少年活动中心", "全民健身中心", "博物馆")
OFFICES = ("行政服务中心", "街道办事处综合楼", "政务中心", "公安分局业务用房", "消防站", "党群服务中心")
HOUSING = ("保障性住房", "人才住房", "安居房", "公共租赁住房")
BUILDING_OTHER = ("综合楼", "垃圾转运站", "公交首末站", "停车楼", "养老院", "殡仪馆改造")
BRIDGES = ("大桥", "人行天桥", "跨线桥", "立交桥")
TUNNELS = ("隧道", "下穿通道", "综合管廊")
PIPES = ("雨污分流管网", "给水管网", "燃气管网", "排水管网", "再生水管网")
MUNICIPAL_OTHER = ("交通设施", "路灯照明", "公交站台", "慢行系统")
WATER = ("河道综合整治工程", "水库除险加固工程", "排涝泵站工程", "碧道工程", "水质净化厂扩建工程")
LANDSCAPE = ("公园", "郊野公园", "口袋公园", "绿道", "山体公园")
OTHER = ("智慧城市平台", "应急物资储备库", "边坡治理工程")

# (category, weight %)
CATEGORY_WEIGHTS = (
    ("school", 12),
    ("hospital", 4),
    ("culture_sports", 4),
    ("office", 5),
    ("housing", 8),
    ("building_other", 5),
    ("road", 25),
    ("bridge", 5),
    ("tunnel", 2),
    ("pipeline", 10),
    ("municipal_other", 5),
    ("water", 7),
    ("landscape", 6),
    ("other", 2),
)
BUILDINGS = {"school", "hospital", "culture_sports", "office", "housing", "building_other"}
STAGE_WEIGHTS = (
    ("reserve", 5),
    ("preparation", 20),
    ("construction", 30),
    ("completed", 8),
    ("settlement", 10),
    ("final_accounts", 10),
    ("handover", 10),
    ("warranty", 7),
)
NOT_STARTED = {"reserve", "preparation"}
DELIVERY = ("general_contract", "general_contract", "general_contract", "epc", "epc", "db", "agent", "whole_process")
INTAKE_SOURCES = ("plan", "user_unit", "preliminary", "agency", "other")
AREAS = ("科学城片区", "中心区", "凤凰城", "高新区", "老城片区", "滨海片区")
AWARD_NAMES = (
    ("鲁班奖", "national"),
    ("省优质工程奖", "provincial"),
    ("市优质工程奖", "city"),
    ("区安全文明工地", "district"),
)

PROJECT_COLUMNS = (
    "id, agency_id, code, name, parent_id, department_id, director_id, category, area, delivery_method,"
    " received_on, received_source, received_from, stage, stage_entered_on, approved_investment, budget_estimate,"
    " address, uses_bim, is_green,"
    " is_near_zero_carbon, is_prefabricated, prefabricated_area, school_places, hospital_beds, parking_spaces,"
    " road_length_km, floor_area, description, started_on, completed_on, progress, created, updated"
)
APPROVAL_COLUMNS = "project_id, kind_id, planned_date, actual_date, document_number, note"
MILESTONE_COLUMNS = "project_id, kind, name, planned_date, actual_date, note"
AWARD_COLUMNS = "project_id, name, level, year, issuer"
ANNUAL_PLAN_COLUMNS = (
    "project_id, year, plan_category, funding_source, amount, adjusted_amount, over_approved, note, created, updated"
)
PLAN_CATEGORIES = ("continuing", "new_start", "unplanned", "reserve")


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def project_name(rng: random.Random, category: str, district: str) -> str:
    place = rng.choice(PLACES)
    if category == "road":
        return f"{place}{rng.choice(ROAD_WORDS)}{rng.choice(ROAD_WORKS)}"
    if category == "school":
        return f"{district}区{place}{rng.choice(SCHOOL_ORDINALS)}{rng.choice(SCHOOL_KINDS)}{rng.choice(BUILD_WORKS)}"
    if category == "hospital":
        return f"{district}区{rng.choice(HOSPITALS)}{rng.choice(BUILD_WORKS)}"
    simple = {
        "culture_sports": (CULTURE, BUILD_WORKS),
        "office": (OFFICES, BUILD_WORKS),
        "housing": (HOUSING, ("项目", "（一期）", "（二期）")),
        "building_other": (BUILDING_OTHER, BUILD_WORKS),
        "bridge": (BRIDGES, ("新建工程", "改造工程", "加固工程")),
        "tunnel": (TUNNELS, ("工程", "新建工程")),
        "pipeline": (PIPES, ("工程", "完善工程", "改造工程")),
        "municipal_other": (MUNICIPAL_OTHER, ("提升工程", "改造工程")),
        "water": (WATER, ("",)),
        "landscape": (LANDSCAPE, ("建设工程", "提升工程")),
        "other": (OTHER, ("",)),
    }
    kinds, works = simple[category]
    return f"{district}区{place}{rng.choice(kinds)}{rng.choice(works)}"


def day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def later(day: datetime.date, low: int, high: int, rng: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=rng.randint(low, high))


@dataclass
class Counts:
    projects: int = 0
    approvals: int = 0
    milestones: int = 0
    awards: int = 0


@dataclass
class Agency:
    id: int
    size: int
    district: str
    departments: list[int]
    directors: list[int]


def generate(
    agencies: list[Agency],
    kinds: dict[str, int],
    today: datetime.date,
    seed: int = 2023,
    *,
    annual_plans: bool = False,
) -> Iterator[tuple[str, tuple]]:
    """Yield (table, row) for every project, approval, milestone and award, projects before their children.

    With `annual_plans`, also one annual plan per project ("annualplan"), in its plan year (the year of its
    start, or of its planned start), in a plan category drawn from a generator of its own, so the other rows
    are the same with or without plans (the projects summary reads a year's plan categories from them, as
    the projects' own plan year and category were read before issue 11)."""
    rng = random.Random(seed)
    earliest = datetime.date(2012, 1, 1)
    now = datetime.datetime.now(datetime.UTC)
    pid = 0
    for agency in agencies:
        tops: list[int] = []
        seq_by_year: dict[int, int] = {}
        for _i in range(agency.size):
            pid += 1
            category = weighted(rng, CATEGORY_WEIGHTS)
            stage = weighted(rng, STAGE_WEIGHTS)
            # Key dates, consistent with the stage and with each other.
            if stage in NOT_STARTED:
                approved = day_between(rng, today - datetime.timedelta(days=900), today - datetime.timedelta(days=5))
                start = completion = permit = None
                planned_start = later(approved, 120, 500, rng)
            elif stage == "construction":
                start = day_between(rng, datetime.date(2017, 1, 1), today - datetime.timedelta(days=10))
                permit = start - datetime.timedelta(days=rng.randint(0, 40))
                approved = permit - datetime.timedelta(days=rng.randint(60, 420))
                completion = None
                planned_start = start - datetime.timedelta(days=rng.randint(-20, 60))
            else:
                completion = day_between(
                    rng, earliest + datetime.timedelta(days=1200), today - datetime.timedelta(days=30)
                )
                start = completion - datetime.timedelta(days=rng.randint(300, 1100))
                permit = start - datetime.timedelta(days=rng.randint(0, 40))
                approved = permit - datetime.timedelta(days=rng.randint(60, 420))
                planned_start = start - datetime.timedelta(days=rng.randint(-20, 60))
            planned_completion = later(planned_start, 360, 1100, rng)
            plan_year = (start or planned_start).year
            seq_by_year[plan_year] = seq_by_year.get(plan_year, 0) + 1
            code = f"{plan_year}-{seq_by_year[plan_year]:04d}"
            parent = rng.choice(tops) if tops and rng.random() < 0.05 else None
            if parent is None:
                tops.append(pid)
            building = category in BUILDINGS
            investment = Decimal(rng.randrange(5_000_000, 2_000_000_000, 10_000))
            prefab = building and rng.random() < 0.2
            floor = Decimal(rng.randrange(3_000, 200_000)) if building else None
            if stage == "construction":
                progress = Decimal(rng.randrange(100, 9_900)) / 100
            elif completion is not None:
                progress = Decimal(100)
            else:
                progress = None
            entered = completion or start or approved
            yield (
                "project",
                (
                    pid,
                    agency.id,
                    code,
                    project_name(rng, category, agency.district),
                    parent,
                    rng.choice(agency.departments) if agency.departments else None,
                    rng.choice(agency.directors) if agency.directors else None,
                    category,
                    rng.choice(AREAS),
                    rng.choice(DELIVERY),
                    approved - datetime.timedelta(days=30),
                    rng.choice(INTAKE_SOURCES),
                    "",
                    stage,
                    entered,
                    investment,
                    (investment * Decimal("0.95")).quantize(Decimal("0.01")),
                    f"{agency.district}区{rng.choice(PLACES)}片区",
                    rng.random() < 0.3,
                    rng.random() < 0.2,
                    rng.random() < 0.03,
                    prefab,
                    (floor * Decimal("0.4")).quantize(Decimal("0.01")) if prefab else None,
                    rng.randrange(10, 60) * 90 if category == "school" else None,
                    rng.randrange(2, 40) * 50 if category == "hospital" else None,
                    rng.randrange(50, 1500) if building and rng.random() < 0.6 else None,
                    Decimal(rng.randrange(300, 6000)) / 1000 if category == "road" else None,
                    floor,
                    "",
                    start,
                    completion,
                    progress,
                    now,
                    now,
                ),
            )
            # Approvals (前期手续): 立项 always; 施工许可证 and 竣工验收 planned, with actual dates once reached.
            yield ("approval", (pid, kinds["立项"], approved, approved, f"发改〔{approved.year}〕{pid % 997}号", ""))
            permit_planned = planned_start - datetime.timedelta(days=20)
            yield (
                "approval",
                (pid, kinds["施工许可证"], permit_planned, permit, f"施许{pid:07d}" if permit else "", ""),
            )
            if stage not in NOT_STARTED:
                yield ("approval", (pid, kinds["竣工验收"], planned_completion, completion, "", ""))
            else:
                yield ("approval", (pid, kinds["可研批复"], later(approved, 20, 90, rng), None, "", ""))
            # Milestones: 开工, 主体结构封顶 (buildings) or 交付使用, 竣工验收.
            yield ("milestone", (pid, "start", "", planned_start, start, ""))
            middle = "topping_out" if building else "delivery"
            if middle == "topping_out":
                planned_mid = planned_start + (planned_completion - planned_start) * 2 / 3
                actual_mid = None
                if start is not None:
                    limit = completion or today
                    candidate = start + (limit - start) * 2 / 3
                    actual_mid = candidate if completion is not None or rng.random() < 0.5 else None
            else:
                planned_mid = later(planned_completion, 10, 60, rng)
                actual_mid = min(later(completion, 5, 60, rng), today) if completion is not None else None
            yield ("milestone", (pid, middle, "", planned_mid, actual_mid, ""))
            yield ("milestone", (pid, "completion_acceptance", "", planned_completion, completion, ""))
            if annual_plans:
                plan_rng = random.Random(seed * 1_000_003 + pid)
                amount = (investment * Decimal(plan_rng.randrange(10, 60)) / 100).quantize(Decimal("0.01"))
                yield (
                    "annualplan",
                    (
                        pid,
                        plan_year,
                        plan_rng.choice(PLAN_CATEGORIES),
                        "city_fiscal",
                        amount,
                        amount,
                        False,
                        "",
                        now,
                        now,
                    ),
                )
            if completion is not None and rng.random() < 0.04:
                name, level = rng.choice(AWARD_NAMES)
                yield (
                    "award",
                    (pid, name, level, completion.year, "住房和城乡建设部" if level == "national" else "主管部门"),
                )
