"""Data for bench/inspections.py: inspections, findings (隐患), rectification notices with their alerts cases,
and accidents over an agency's projects, for several years.

Deterministic (one seeded `random.Random`). For each agency:
- inspections spread evenly over the years up to today, in the kinds of the seed statistics (安全巡查 the
  most, 质量巡查/质量评估, 专项检查 with a topic, 文明施工, 夜间/节假日, 自查 by the contractor), levels 自查/抽查/
  督查, mostly completed; the agency's 督查 safety patrols carry a JGJ 59 score and grade (for the score trend);
- findings on random inspections of the agency, found on the inspection's local day, in categories that fit
  the inspection's kind (quality categories for quality inspections), severity 一般 85 % / 较大 13 % / 重大 2 %,
  addressed to one of the project's two or three companies (about 500 in all); those older than a month are
  mostly closed (closed_on 1–30 days after), the recent ones open, on a notice or reported rectified;
- rectification notices (安全/质量督导通知书, 整改通知书) on its projects, each with its alerts case (source
  inspection, kind 整改); old cases mostly closed or archived, recent ones open, assigned, in progress or
  answered, so some are overdue;
- a few accidents, most without deaths.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")

INSPECTION_COLUMNS = (
    "id, project_id, kind, topic, level, inspectors, started_at, weather, result, status, score, grade, lead_id,"
    " void_reason"
)
FINDING_COLUMNS = (
    "inspection_id, project_id, category, severity, description, location, responsible_org_id, regulation,"
    " deadline, status, rectification, rectified_on, closed_on, found_on"
)
CASE_COLUMNS = (
    "id, agency_id, number, source, kind, level, title, description, subject_id, subject_label, opened_on,"
    " deadline, deadline_working_days, status, evidence_required, measures, response, responded_on, closed_on,"
    " resolution, feedback, rule_code, trigger, escalation_step, version, created, updated, responsible_org_id,"
    " void_reason"
)
NOTICE_COLUMNS = (
    "agency_id, project_id, kind, number, year, company_id, issued_on, working_days, deadline, requirements,"
    " issued_by_id, case_id, void_reason"
)
ACCIDENT_COLUMNS = "project_id, occurred_on, kind, severity, deaths, serious_injuries, minor_injuries, description"

KINDS = (
    ("safety_routine", 34),
    ("special", 9),
    ("quality_patrol", 16),
    ("quality_assessment", 10),
    ("civilized", 8),
    ("night_holiday", 5),
    ("self_check", 18),
)
QUALITY = {"quality_patrol", "quality_assessment"}
TOPICS = ("deep_excavation", "high_slope", "lifting", "temporary_power", "work_at_height", "formwork", "fire", "flood")
SAFETY_CATEGORIES = (
    ("safety_management", 14),
    ("civilized", 16),
    ("scaffold", 14),
    ("excavation", 6),
    ("formwork", 7),
    ("work_at_height", 12),
    ("power", 13),
    ("hoists", 4),
    ("cranes", 5),
    ("machinery", 5),
    ("fire", 8),
    ("other", 3),
)
QUALITY_CATEGORIES = (
    ("quality_structure", 35),
    ("quality_materials", 25),
    ("quality_finishes", 25),
    ("quality_documents", 15),
)
SEVERITIES = (("general", 85), ("major", 13), ("serious", 2))
NOTICE_KINDS = (("safety", 40), ("quality", 35), ("rectification", 25))
NOTICE_PREFIX = {"safety": "安督", "quality": "质督", "rectification": "整改"}
DESCRIPTIONS = (
    "临边防护栏杆缺失",
    "配电箱未设置漏电保护器",
    "脚手架连墙件设置不足",
    "基坑周边堆载超限",
    "钢筋保护层厚度不足",
    "混凝土试块留置不足",
    "塔吊限位装置失灵",
    "消防通道被占用",
    "施工日志记录不全",
    "高支模未按方案搭设",
)
LOCATIONS = ("1#楼", "2#楼", "地下室", "基坑北侧", "塔吊区域", "生活区", "钢筋加工场", "3#楼屋面")


@dataclass
class Agency:
    id: int
    projects: list[int]
    inspections: int
    findings: int
    notices: int
    accidents: int
    staff: int  # the agency's staff user: inspection lead and notice issuer


def _pick(rng: random.Random, table: tuple) -> str:
    return rng.choices([row[0] for row in table], weights=[row[-1] for row in table])[0]


def _closed_status(rng: random.Random, opened: datetime.date, today: datetime.date) -> str:
    age = (today - opened).days
    if age > 45:
        return _pick(rng, (("closed", 86), ("archived", 6), ("in_progress", 4), ("submitted", 2), ("assigned", 2)))
    if age > 10:
        return _pick(rng, (("closed", 55), ("in_progress", 20), ("submitted", 12), ("assigned", 8), ("open", 5)))
    return _pick(rng, (("open", 35), ("assigned", 30), ("in_progress", 25), ("submitted", 10)))


def generate(
    agencies: list[Agency], years: list[int], today: datetime.date, companies: list[int], seed: int = 6
) -> Iterator[tuple[str, tuple]]:
    """Yield (table, row) for inspections (ids from 1), findings, cases (ids from 1), notices and accidents."""
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    first = datetime.date(years[0], 1, 1)
    last = min(datetime.date(years[-1], 12, 31), today)
    span = (last - first).days
    kind_names, kind_weights = [k for k, _w in KINDS], [w for _k, w in KINDS]
    inspection_id = case_id = 0
    for agency in agencies:
        parties = {p: rng.sample(companies, rng.choice((2, 2, 3))) for p in agency.projects}
        inspections: list[tuple[int, int, str, datetime.date]] = []  # (id, project, kind, local day)
        kinds = rng.choices(kind_names, weights=kind_weights, k=agency.inspections)
        for kind in kinds:
            inspection_id += 1
            project = rng.choice(agency.projects)
            day = first + datetime.timedelta(days=rng.randint(0, span))
            started = datetime.datetime.combine(
                day, datetime.time(rng.randint(0, 23) if kind == "night_holiday" else rng.randint(8, 17)), LOCAL
            ).replace(minute=rng.randrange(60))
            level = "self" if kind == "self_check" else ("spot" if rng.random() < 0.35 else "supervision")
            scored = kind == "safety_routine" and level == "supervision" and rng.random() < 0.5
            score = round(rng.uniform(62, 95), 2) if scored else None
            grade = ("good" if score >= 80 else "pass" if score >= 70 else "fail") if score is not None else ""
            recent = (today - day).days < 3
            inspections.append((inspection_id, project, kind, day))
            yield (
                "inspection",
                (
                    inspection_id,
                    project,
                    kind,
                    rng.choice(TOPICS) if kind == "special" else "",
                    level,
                    "李工、王工",
                    started,
                    rng.choice(("晴", "多云", "阴", "小雨")),
                    "",
                    "in_progress" if recent else "completed",
                    score,
                    grade,
                    agency.staff,
                    "",  # void_reason: NOT NULL without a database default (core's VoidableModel)
                ),
            )
        for _n in range(agency.findings):
            iid, project, kind, day = rng.choice(inspections)
            category = _pick(rng, QUALITY_CATEGORIES if kind in QUALITY else SAFETY_CATEGORIES)
            severity = _pick(rng, SEVERITIES)
            age = (today - day).days
            if age > 30:
                status = "closed" if rng.random() < 0.93 else rng.choice(("notified", "rectified"))
            else:
                status = _pick(rng, (("open", 30), ("notified", 30), ("rectified", 15), ("closed", 25)))
            rectified = min(day + datetime.timedelta(days=rng.randint(1, 25)), today)
            closed = min(rectified + datetime.timedelta(days=rng.randint(0, 5)), today) if status == "closed" else None
            yield (
                "finding",
                (
                    iid,
                    project,
                    category,
                    severity,
                    rng.choice(DESCRIPTIONS),
                    rng.choice(LOCATIONS),
                    rng.choice(parties[project]),
                    "JGJ 59-2011",
                    day + datetime.timedelta(days=7 if severity == "general" else 3),
                    status,
                    "已按要求整改" if status in ("rectified", "closed") else "",
                    rectified if status in ("rectified", "closed") else None,
                    closed,
                    day,
                ),
            )
        numbers: dict[tuple[str, int], int] = {}
        for _n in range(agency.notices):
            project = rng.choice(agency.projects)
            kind = _pick(rng, NOTICE_KINDS)
            issued = first + datetime.timedelta(days=rng.randint(0, span))
            working_days = rng.choice((3, 5, 7, 7, 7, 10, 15))
            deadline = issued + datetime.timedelta(days=working_days + 2 * (working_days // 5) + 1)
            company = rng.choice(parties[project])
            numbers[kind, issued.year] = numbers.get((kind, issued.year), 0) + 1
            number = f"{NOTICE_PREFIX[kind]}〔{issued.year}〕{numbers[kind, issued.year]}号"
            status = _closed_status(rng, issued, today)
            done = status in ("closed", "archived")
            responded = (
                min(deadline - datetime.timedelta(days=rng.randint(0, 3)), today)
                if done or status == "submitted"
                else None
            )
            case_id += 1
            stamp = datetime.datetime.combine(issued, datetime.time(10), LOCAL)
            yield (
                "case",
                (
                    case_id,
                    agency.id,
                    "",
                    "inspection",
                    "rectification",
                    "red" if rng.random() < 0.03 else "yellow",
                    f"{number} 限期整改",
                    "",
                    "",
                    "",
                    issued,
                    deadline,
                    working_days,
                    status,
                    True,
                    "按通知书要求整改并回复",
                    "已整改完毕" if responded else "",
                    responded,
                    min(responded + datetime.timedelta(days=rng.randint(1, 6)), today) if done and responded else None,
                    "复查合格，予以销项" if done else "",
                    "",
                    "",
                    json.dumps({}),
                    0,
                    1,
                    stamp,
                    now,
                    company,
                    "",
                ),
            )
            yield (
                "notice",
                (
                    agency.id,
                    project,
                    kind,
                    number,
                    issued.year,
                    company,
                    issued,
                    working_days,
                    deadline,
                    "立即整改，并于期限内书面回复",
                    agency.staff,
                    case_id,
                    "",
                ),
            )
        for _n in range(agency.accidents):
            deaths = 1 if rng.random() < 0.15 else 0
            yield (
                "accident",
                (
                    rng.choice(agency.projects),
                    first + datetime.timedelta(days=rng.randint(0, span)),
                    rng.choice(("fall", "struck", "collapse", "lifting", "electric", "machinery")),
                    "general",
                    deaths,
                    rng.randint(0, 2),
                    rng.randint(0, 3),
                    "高处坠落致人受伤",
                ),
            )
