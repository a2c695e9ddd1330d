"""The city agency's quality and safety inspections for 2023 and 2026, so the figures page reads like the
seeds' reports.

`build(orgs=…, actor=…, progress=…)` is called by `gongwu demo` after the projects, alerts and investment
demos. Every city project under construction in a year is inspected in proportion to its size and the
months it was under way that year: 安全常态化巡查, 专项检查 (深基坑, 高边坡, 起重机械, 临时用电, 高处作业,
防汛防台 in the rainy season, 消防), 夜间/节假日检查, 文明施工, 质量巡查 and 质量评估, at the three levels
(自查 by the section's contractor, 抽查 by its supervisor, 督查 by the 质量安全处 inspector or one of three
third-party inspection companies). Each project inspected has its sections (标段) with a contractor and a
supervisor of the core demo's companies; the large projects have their 危大工程 (deep excavations, high
formwork, tower cranes, tall scaffolding), some beyond the scale with the expert review of their plan.

What the city agency's figures page reproduces:

- 000 "安全 1098 次, 质量 832 次": 2023 has exactly 1,098 safety inspections and 832 quality ones.
- 001 "质量督导通知书 225 份, 安全督导通知书 139 份": issued on 2023's 督查 findings, all closed (销项);
  6 of them after their deadline. Every 2023 finding is closed (rate 100%): those not on a notice were
  rectified on the spot (立行立改).
- 001 "全年未发生一起生产安全事故": no accident is recorded in 2023 (nor in 2026).

2026, up to the demo's last day AS_OF (2026-11-20), is lighter: 655 safety and 498 quality inspections,
61 安全 and 94 质量督导通知书. The notices up to October are closed; the recent ones went through the
services, so their timelines, notifications and the change log are real: open ones, two overdue (escalated
by the scheduled job on AS_OF, on the leader's board), one answered awaiting the re-inspection, one sent
back once and closed, a 重大 finding (a deep excavation's support) with its red case, and five notices to
the demo "company" user's company (深建工: two closed, one after a send-back, one answered, one overdue and
one still open, to be answered in the UI). Five large
projects have a JGJ 59-2011 scored 督查 every two months (scored through `add_sheet`, `record_results`
and `score_inspection`), their scores rising through the year. Some findings carry photos (tiny JPEGs
made here, stored through `attach_photos`).

Writes are bulk inserts for the bulk (sections, hazardous works and notices are in the change log, not
each inspection or finding); the services stamp "now", so what they wrote is then moved to the simulated
days (the change log keeps the moment the demo wrote it). Deterministic (seeded); when the city's projects
already have inspections, nothing is written.
"""

from __future__ import annotations

import datetime
import functools
import random
import struct
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.alerts import services as alerts_services
from gongwu.alerts.models import Case, CaseEvent, EventAction, Kind, Notification, Status
from gongwu.core import calendar
from gongwu.core import services as core_services
from gongwu.core.models import Attachment, ChangeAction, Organization, OrganizationKind, User
from gongwu.inspections import services
from gongwu.inspections.models import (
    CASE_SOURCE,
    ChecklistTemplate,
    Finding,
    FindingCategory,
    FindingStatus,
    HazardKind,
    HazardousWork,
    HazardStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    Level,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
    Severity,
    Topic,
)
from gongwu.projects.demo import AS_OF, write_sections
from gongwu.projects.models import Project, Section

Day = datetime.date
Progress = Callable[[int, int, str], None]

SEED = 20230917
PAST, CURRENT = 2023, 2026
# The totals of each year (those of 2026 include what the services write), asserted by tests/test_demo.py.
INSPECTIONS = {PAST: {"safety": 1098, "quality": 832}, CURRENT: {"safety": 655, "quality": 498}}
NOTICES = {
    PAST: {NoticeKind.SAFETY: 139, NoticeKind.QUALITY: 225},
    CURRENT: {NoticeKind.SAFETY: 61, NoticeKind.QUALITY: 94},
}
LATE_2023 = 6  # notices of 2023 closed after their deadline
CLOSED_BEFORE = Day(CURRENT, 9, 1)
# What `Story.run` writes through the services besides the scored inspections.
STORY_INSPECTIONS = {"safety": 5, "quality": 4}
STORY_NOTICES = {
    NoticeKind.SAFETY: 5,
    NoticeKind.QUALITY: 4,
}  # the bulk 2026 notices are issued (and closed) before November
SCORED_PROJECTS = 5
SCORED_MONTHS = (1, 3, 5, 7, 9, 11)
SCORED_SHEETS = ("safety_management", "civilized_construction", "fastener_scaffold", "temporary_power", "tower_crane")
THIRD_PARTIES = 3  # third-party inspection companies (the first consultants of the core demo)
BUILDING_WORKS = [  # 危大工程 of a large building: kind, name, from and to (days after the start)
    (HazardKind.DEEP_EXCAVATION, "基坑支护及土方开挖", 20, 150),
    (HazardKind.LIFTING, "塔式起重机安装及使用", 90, 700),
    (HazardKind.FORMWORK, "高大模板支撑体系", 200, 420),
    (HazardKind.SCAFFOLD, "悬挑式脚手架", 260, 560),
]
CIVIL_WORKS = [
    (HazardKind.DEEP_EXCAVATION, "深基坑（管廊/桥台）开挖支护", 30, 200),
    (HazardKind.LIFTING, "预制梁起重吊装", 150, 330),
]
LARGE = Decimal(500_000_000)  # projects from 5 亿 have two sections and their 危大工程
BUILDINGS = {"school", "hospital", "housing", "culture_sports", "office", "building_other"}

SAFETY_MIX = [  # kind, topic, share
    (InspectionKind.SAFETY_ROUTINE, "", 0.58),
    (InspectionKind.SPECIAL, "*", 0.22),
    (InspectionKind.NIGHT_HOLIDAY, "", 0.08),
    (InspectionKind.CIVILIZED, "", 0.12),
]
QUALITY_MIX = [(InspectionKind.QUALITY_PATROL, "", 0.66), (InspectionKind.QUALITY_ASSESSMENT, "", 0.34)]
TOPICS = [
    (Topic.DEEP_EXCAVATION, 3),
    (Topic.HIGH_SLOPE, 1),
    (Topic.LIFTING, 3),
    (Topic.TEMPORARY_POWER, 2),
    (Topic.WORK_AT_HEIGHT, 2),
    (Topic.FLOOD, 2),
    (Topic.FIRE, 2),
]
CATEGORIES_OF_TOPIC = {
    Topic.DEEP_EXCAVATION: [FindingCategory.EXCAVATION],
    Topic.HIGH_SLOPE: [FindingCategory.EXCAVATION],
    Topic.LIFTING: [FindingCategory.CRANES, FindingCategory.HOISTS],
    Topic.TEMPORARY_POWER: [FindingCategory.POWER],
    Topic.WORK_AT_HEIGHT: [FindingCategory.WORK_AT_HEIGHT, FindingCategory.SCAFFOLD],
    Topic.FLOOD: [FindingCategory.EXCAVATION, FindingCategory.SAFETY_MANAGEMENT],
    Topic.FIRE: [FindingCategory.FIRE],
}
SAFETY_CATEGORIES = [
    (FindingCategory.SAFETY_MANAGEMENT, 4),
    (FindingCategory.SCAFFOLD, 4),
    (FindingCategory.POWER, 4),
    (FindingCategory.WORK_AT_HEIGHT, 3),
    (FindingCategory.FORMWORK, 2),
    (FindingCategory.CRANES, 2),
    (FindingCategory.HOISTS, 1),
    (FindingCategory.MACHINERY, 2),
    (FindingCategory.FIRE, 2),
    (FindingCategory.CIVILIZED, 3),
]
QUALITY_CATEGORIES = [
    (FindingCategory.QUALITY_STRUCTURE, 4),
    (FindingCategory.QUALITY_MATERIALS, 3),
    (FindingCategory.QUALITY_FINISHES, 3),
    (FindingCategory.QUALITY_DOCUMENTS, 2),
]
# What inspectors write, by category: (description, regulation).
TEXTS = {
    FindingCategory.SAFETY_MANAGEMENT: [
        ("安全技术交底记录缺少作业人员签字", "JGJ 59-2011 第3.1.3条"),
        ("项目专职安全员配备不足，未按规定到岗履职", "JGJ 59-2011 第3.1.3条"),
        ("特种作业人员操作资格证未见原件，台账不全", "JGJ 59-2011 第3.1.4条"),
        ("应急救援预案未组织演练，应急物资配备不足", "JGJ 59-2011 第3.1.4条"),
    ],
    FindingCategory.CIVILIZED: [
        ("施工现场围挡不连续，局部破损未修复", "JGJ 59-2011 第3.2.3条"),
        ("裸露土方未覆盖，现场扬尘控制措施不到位", "JGJ 59-2011 第3.2.3条"),
        ("材料堆放杂乱，未挂标识牌", "JGJ 59-2011 第3.2.4条"),
        ("生活区宿舍私拉电线，使用大功率电器", "JGJ 59-2011 第3.2.4条"),
    ],
    FindingCategory.SCAFFOLD: [
        ("外架连墙件设置不足，局部缺失", "JGJ 130-2011 第6.4条"),
        ("脚手板未满铺，存在探头板", "JGJ 130-2011 第6.2条"),
        ("剪刀撑未连续设置，搭接长度不足", "JGJ 130-2011 第6.6条"),
        ("悬挑工字钢锚固不符合专项方案要求", "JGJ 130-2011 第6.10条"),
    ],
    FindingCategory.EXCAVATION: [
        ("基坑周边堆载超过设计允许值", "JGJ 120-2012 第8.1条"),
        ("基坑监测数据未按频率报送，水平位移接近预警值", "GB 50497-2019 第7.0.4条"),
        ("基坑临边防护栏杆缺失，未设挡脚板", "JGJ 59-2011 第3.11.3条"),
        ("坡顶截水沟堵塞，雨后坡面有冲刷", "GB 50330-2013 第18.3条"),
    ],
    FindingCategory.FORMWORK: [
        ("高支模立杆间距大于专项方案要求", "JGJ 162-2008 第6.1条"),
        ("模板支架扫地杆缺失，立杆底部未设垫板", "JGJ 162-2008 第6.2条"),
        ("混凝土浇筑前未组织模板支架验收", "JGJ 59-2011 第3.12.3条"),
    ],
    FindingCategory.WORK_AT_HEIGHT: [
        ("楼层临边防护栏杆高度不足1.2m", "JGJ 80-2016 第4.1条"),
        ("电梯井口未设防护门，井内未设水平安全网", "JGJ 80-2016 第4.2条"),
        ("作业人员高处作业未系挂安全带", "JGJ 80-2016 第3.0.5条"),
        ("预留洞口盖板未固定", "JGJ 80-2016 第4.2条"),
    ],
    FindingCategory.POWER: [
        ("开关箱未做到一机一闸一漏一箱", "JGJ 46-2005 第8.2条"),
        ("电缆沿地面明敷，未采取防护措施", "JGJ 46-2005 第7.2条"),
        ("配电箱PE线连接不可靠，箱门未上锁", "JGJ 46-2005 第8.1条"),
        ("漏电保护器动作电流不符合要求", "JGJ 46-2005 第8.2条"),
    ],
    FindingCategory.HOISTS: [
        ("施工升降机防坠安全器超过标定期限", "JGJ 215-2010 第5.2条"),
        ("升降机层门未关闭，楼层卸料平台防护不全", "JGJ 215-2010 第5.3条"),
    ],
    FindingCategory.CRANES: [
        ("塔吊附着装置未按说明书设置，缺少验收记录", "JGJ 196-2010 第4.0条"),
        ("塔吊力矩限制器失效", "JGJ 196-2010 第2.0.14条"),
        ("起重吊装作业无专人指挥，吊索具磨损", "JGJ 276-2012 第3.0条"),
        ("群塔作业未制定防碰撞措施", "JGJ 196-2010 第2.0.14条"),
    ],
    FindingCategory.MACHINERY: [
        ("圆盘锯未设防护罩", "JGJ 33-2012 第10.3条"),
        ("钢筋机械未做保护接零", "JGJ 33-2012 第9.1条"),
        ("挖掘机作业半径内有人员逗留", "JGJ 33-2012 第5.1条"),
    ],
    FindingCategory.FIRE: [
        ("动火作业未办理审批手续，未配置看火人", "GB 50720-2011 第6.3条"),
        ("消防通道被材料占用", "GB 50720-2011 第3.3条"),
        ("灭火器过期或压力不足", "GB 50720-2011 第5.2条"),
    ],
    FindingCategory.QUALITY_STRUCTURE: [
        ("剪力墙钢筋保护层厚度不足", "GB 50204-2015 第5.5.3条"),
        ("柱混凝土表面蜂窝麻面，局部露筋", "GB 50204-2015 第8.2条"),
        ("梁柱节点箍筋加密区间距超过设计要求", "GB 50204-2015 第5.5.1条"),
        ("楼板厚度实测偏差超过允许值", "GB 50204-2015 第8.3条"),
    ],
    FindingCategory.QUALITY_MATERIALS: [
        ("进场钢筋未按批次见证取样复试", "GB 50204-2015 第5.2.1条"),
        ("防水卷材进场验收资料不全", "GB 50208-2011 第3.0.6条"),
        ("砌块龄期不足即上墙砌筑", "GB 50203-2011 第3.0.4条"),
    ],
    FindingCategory.QUALITY_FINISHES: [
        ("外墙涂料空鼓开裂", "GB 50210-2018 第12.2条"),
        ("卫生间闭水试验记录缺失，地面有渗漏", "GB 50209-2010 第4.10条"),
        ("机电管线穿墙处未封堵", "GB 50303-2015 第3.1条"),
        ("沥青面层压实度检测不合格", "CJJ 1-2008 第8.5条"),
    ],
    FindingCategory.QUALITY_DOCUMENTS: [
        ("隐蔽工程验收记录滞后，监理签字不全", "GB 50300-2013 第3.0.6条"),
        ("检验批验收资料与实际进度不符", "GB 50300-2013 第5.0条"),
    ],
}
LOCATIONS_BUILDING = ["1#楼3层", "2#楼屋面", "3#楼7层", "地下室负一层", "基坑北侧", "塔吊TC1", "钢筋加工场", "生活区"]
LOCATIONS_ROAD = ["K0+350", "K1+120", "K2+480", "桥台东侧", "管廊节点井", "施工便道", "拌合站", "项目部"]
WEATHER = ["晴", "多云", "阴", "小雨", "阵雨"]
INSPECTORS = ["陈巡查员", "林工", "吴工", "郑工", "何工", "罗工"]
RESULTS = ["现场安全管理总体受控，发现隐患已当场交底整改。", "总体情况良好，个别问题已责令限期整改。"]
RECTIFIED = ["已按要求整改完毕，附整改后照片。", "已现场整改，并对作业班组重新交底。", "已更换合格材料并复验合格。"]
REQUIREMENTS = "请于期限内完成整改，举一反三开展自查，并将整改情况书面回复（附整改前后照片）。"


# ---- tiny photos --------------------------------------------------------------------------------


def _huffman_codes(bits: list[int], values: list[int]) -> dict[int, tuple[int, int]]:
    codes, code, k = {}, 0, 0
    for length, count in enumerate(bits, start=1):
        for _n in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]  # JPEG Annex K luminance DC table
DC_VALUES = list(range(12))
AC_BITS = [0, 1] + [0] * 14  # only the end of block: a flat colour per 8×8 block
AC_VALUES = [0]


def jpeg(blocks: list[list[tuple[int, int, int]]]) -> bytes:
    """A baseline JPEG whose 8×8 blocks are flat colours (rows of (r, g, b)): a valid image for thumbnails,
    made without an imaging library."""
    rows, cols = len(blocks), len(blocks[0])
    dc, ac = _huffman_codes(DC_BITS, DC_VALUES), _huffman_codes(AC_BITS, AC_VALUES)
    out, acc, n = bytearray(), 0, 0

    def put(value: int, length: int) -> None:
        nonlocal acc, n
        acc, n = (acc << length) | value, n + length
        while n >= 8:
            byte = (acc >> (n - 8)) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)
            n -= 8

    previous = [0, 0, 0]
    for row in blocks:
        for r, g, b in row:
            ycc = (
                0.299 * r + 0.587 * g + 0.114 * b,
                128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
                128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
            )
            for i, value in enumerate(ycc):
                coefficient = 8 * (round(min(255, max(0, value))) - 128)  # DC of a flat block, quantiser 1
                diff, previous[i] = coefficient - previous[i], coefficient
                size = abs(diff).bit_length()
                put(*dc[size])
                if size:
                    put(diff if diff > 0 else diff + (1 << size) - 1, size)
                put(*ac[0])
    if n:
        put((1 << (8 - n)) - 1, 8 - n)

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">HH", marker, len(body) + 2) + body

    components = b"".join(bytes([i, 0x11, 0]) for i in (1, 2, 3))
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            segment(0xFFDB, b"\x00" + b"\x01" * 64),
            segment(0xFFC0, struct.pack(">BHHB", 8, rows * 8, cols * 8, 3) + components),
            segment(0xFFC4, b"\x00" + bytes(DC_BITS) + bytes(DC_VALUES) + b"\x10" + bytes(AC_BITS) + bytes(AC_VALUES)),
            segment(0xFFDA, b"\x03" + b"".join(bytes([i, 0]) for i in (1, 2, 3)) + b"\x00\x3f\x00"),
            bytes(out),
            b"\xff\xd9",
        ]
    )


def site_photo(n: int, after: bool = False) -> SimpleUploadedFile:
    """A 64×48 picture of a site: sky, a building, a barrier (orange, or green once rectified), ground."""
    sky, wall, ground = (150, 190, 235), (150 + 10 * (n % 4), 150, 145), (140, 110, 80)
    mark = (60, 170, 90) if after else (240, 130, 30)
    blocks = [[sky] * 8, [wall] * 8, [wall] * 8, [wall] * 3 + [mark] * 2 + [wall] * 3, [ground] * 8, [ground] * 8]
    blocks[1][(n % 3) * 2 + 1] = (90, 110, 140)  # a window
    name = f"{'after' if after else 'site'}-{n:03d}.jpg"
    return SimpleUploadedFile(name, jpeg(blocks), content_type="image/jpeg")


# ---- planning -----------------------------------------------------------------------------------


def moment(day: Day, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@functools.cache
def is_working_day(day: Day) -> bool:
    return calendar.is_working_day(day)


@functools.cache
def add_working_days(start: Day, days: int) -> Day:
    """As core.calendar's (thousands of deadlines here), with the calendar's answers kept."""
    day = start
    while days:
        day += datetime.timedelta(days=1)
        days -= is_working_day(day)
    return day


def workday(day: Day) -> Day:
    return day if is_working_day(day) else add_working_days(day, 1)


def apportion(weights: list[float], total: int) -> list[int]:
    """`total` split in proportion to `weights` into whole numbers that add up to it (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts


def pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


@dataclass(eq=False)
class Visit:
    """One inspection to write, with its findings (dicts of Finding fields)."""

    project: Project
    section: Section
    kind: str
    topic: str
    level: str
    org: Organization
    day: Day
    hour: int
    lead: User | None = None
    inspectors: str = ""
    hazardous_work: HazardousWork | None = None
    findings: list[dict] = field(default_factory=list)
    notice: str = ""  # the notice kind it leads to, if any
    pk: int | None = None

    @property
    def safety(self) -> bool:
        return self.kind not in (InspectionKind.QUALITY_PATROL, InspectionKind.QUALITY_ASSESSMENT)


class Planner:
    def __init__(self, orgs: dict[str, Organization], actor: User, rng: random.Random) -> None:
        self.orgs, self.actor, self.rng = orgs, actor, rng
        self.city = orgs["city"]
        self.inspector = User.objects.get(username="inspector")
        self.company_user = User.objects.get(username="company")
        self.office = orgs.get("质量安全处") or self.city
        self.contractors = list(Organization.objects.filter(kind=OrganizationKind.CONTRACTOR).order_by("name"))
        self.supervisors = list(Organization.objects.filter(kind=OrganizationKind.SUPERVISOR).order_by("name"))
        self.third_parties = list(Organization.objects.filter(kind=OrganizationKind.CONSULTANT).order_by("name"))
        self.third_parties = self.third_parties[:THIRD_PARTIES]
        projects = Project.objects.filter(agency=self.city, parent=None).exclude(started_on=None).order_by("code")
        self.windows: dict[int, dict[int, tuple[Day, Day]]] = {PAST: {}, CURRENT: {}}
        self.projects: dict[int, Project] = {}
        for project in projects:
            for year in (PAST, CURRENT):
                first = max(Day(year, 1, 1), project.started_on)
                last = min(AS_OF if year == CURRENT else Day(year, 12, 31), project.completed_on or Day(9999, 1, 1))
                if (last - first).days >= 7:
                    self.windows[year][project.pk] = (first, last)
                    self.projects[project.pk] = project
        self.sections: dict[int, list[Section]] = {}
        self.hazards: dict[int, list[HazardousWork]] = defaultdict(list)

    # -- sections and 危大工程 --

    def write_sections(self) -> None:
        """The sections of the projects inspected: the projects demo's (`write_sections`), written by the
        contracts demo already when it ran."""
        self.sections = write_sections(self.city, self.actor)

    def write_hazards(self) -> None:
        rows = []
        for pk, project in sorted(self.projects.items()):
            if (project.approved_investment or 0) < LARGE:
                continue
            start = project.started_on
            building = project.category in BUILDINGS
            works = BUILDING_WORKS if building else CIVIL_WORKS
            section = self.sections[pk][0]
            for kind, name, begin, end in works:
                starts, ends = start + datetime.timedelta(days=begin), start + datetime.timedelta(days=end)
                over = kind in (HazardKind.DEEP_EXCAVATION, HazardKind.FORMWORK) or self.rng.random() < 0.3
                approved = starts - datetime.timedelta(days=self.rng.randint(15, 30))
                status = HazardStatus.PLANNED
                if starts <= AS_OF:
                    status = HazardStatus.FINISHED if ends < AS_OF else HazardStatus.UNDER_WAY
                rows.append(
                    HazardousWork(
                        project=project,
                        section=section,
                        kind=kind,
                        name=name,
                        over_scale=over,
                        plan_approved_on=approved,
                        expert_review_on=approved - datetime.timedelta(days=self.rng.randint(7, 14)) if over else None,
                        starts_on=starts,
                        ends_on=ends,
                        status=status,
                        note="超过一定规模，专项方案已经专家论证" if over else "",
                    )
                )
        HazardousWork.objects.bulk_create(rows, batch_size=1000)
        for work in rows:
            self.hazards[work.project_id].append(work)
        core_services.log_changes(
            [(w, ChangeAction.CREATE, None, core_services.snapshot(w)) for w in rows], actor=self.actor
        )

    # -- inspections --

    def visits(self, year: int, safety: int, quality: int) -> list[Visit]:
        windows = self.windows[year]
        ids = sorted(windows)
        weights = [
            ((windows[i][1] - windows[i][0]).days + 30)
            * float(self.projects[i].approved_investment or LARGE / 10) ** 0.5
            for i in ids
        ]
        visits = []
        for total, mix in ((safety, SAFETY_MIX), (quality, QUALITY_MIX)):
            for pk, count in zip(ids, apportion(weights, total), strict=True):
                for _n in range(count):
                    visits.append(self.visit(self.projects[pk], windows[pk], mix))
        visits.sort(key=lambda v: (v.day, v.hour, v.project.code))
        return visits

    def visit(self, project: Project, window: tuple[Day, Day], mix: list[tuple]) -> Visit:
        rng = self.rng
        kind, topic, _share = pick(rng, mix)
        span = (window[1] - window[0]).days
        day = window[0] + datetime.timedelta(days=rng.randint(0, span))
        if kind == InspectionKind.SPECIAL:
            topic = pick(rng, TOPICS)[0]
            if topic == Topic.FLOOD and not 4 <= day.month <= 9:
                topic = Topic.LIFTING
        hour = rng.randint(9, 15)
        if kind == InspectionKind.NIGHT_HOLIDAY:
            hour = 21 if is_working_day(day) else 10
        elif not is_working_day(day):
            day = min(workday(day), window[1])
        section = rng.choice(self.sections[project.pk])
        draw = rng.random()
        if draw < 0.15 and kind != InspectionKind.NIGHT_HOLIDAY:
            level, org, lead, names = Level.SELF, section.contractor, None, "项目安全员、质量员"
        elif draw < 0.45:
            level, org, lead, names = Level.SPOT, section.supervisor, None, "总监理工程师、专监"
        elif draw < 0.67:
            level, org, lead, names = (
                Level.SUPERVISION,
                self.office,
                self.inspector,
                "、".join(rng.sample(INSPECTORS[1:], 2)),
            )
        else:
            level, org, lead, names = Level.SUPERVISION, rng.choice(self.third_parties), None, "第三方巡查组"
        visit = Visit(project, section, kind, topic, level, org, day, hour, lead, names)
        hazards = [h for h in self.hazards.get(project.pk, []) if h.starts_on <= day <= h.ends_on]
        if hazards and kind == InspectionKind.SPECIAL:
            visit.hazardous_work = rng.choice(hazards)
        counts = [0, 1, 2, 3, 4]
        weights = [0.5, 0.3, 0.15, 0.05, 0] if level != Level.SUPERVISION else [0.2, 0.3, 0.27, 0.15, 0.08]
        for _n in range(rng.choices(counts, weights=weights)[0]):
            visit.findings.append(self.finding(visit))
        return visit

    def finding(self, visit: Visit) -> dict:
        rng = self.rng
        if not visit.safety:
            category = pick(rng, QUALITY_CATEGORIES)[0]
        elif visit.topic:
            category = rng.choice(CATEGORIES_OF_TOPIC[visit.topic])
        elif visit.kind == InspectionKind.CIVILIZED:
            category = rng.choice([FindingCategory.CIVILIZED, FindingCategory.CIVILIZED, FindingCategory.FIRE])
        else:
            category = pick(rng, SAFETY_CATEGORIES)[0]
        text, regulation = rng.choice(TEXTS[category])
        locations = LOCATIONS_BUILDING if visit.project.category in BUILDINGS else LOCATIONS_ROAD
        severity = Severity.MAJOR if rng.random() < 0.1 else Severity.GENERAL
        return {
            "category": category,
            "severity": severity,
            "description": text,
            "location": rng.choice(locations),
            "regulation": regulation,
            "responsible_org": visit.section.contractor,
            "deadline": add_working_days(visit.day, 7 if severity == Severity.GENERAL else 3),
        }


# ---- writing the bulk ---------------------------------------------------------------------------


class Writer:
    def __init__(self, planner: Planner) -> None:
        self.planner, self.rng = planner, planner.rng

    def case_number(self, year: int) -> str:
        """The city's next case number of the year, taken from its counter as the services take one."""
        return alerts_services.case_number(year, alerts_services.reserve_numbers(self.planner.city.pk, year))

    def year(self, year: int, visits: list[Visit], notices: dict[str, int], *, until: Day | None = None) -> None:
        """The year's inspections and findings; its notices (all closed, `late` of them after the deadline)."""
        rng = self.rng
        rows = Inspection.objects.bulk_create(
            [
                Inspection(
                    project=v.project,
                    section=v.section,
                    hazardous_work=v.hazardous_work,
                    kind=v.kind,
                    topic=v.topic,
                    level=v.level,
                    inspecting_org=v.org,
                    lead=v.lead,
                    inspectors=v.inspectors,
                    started_at=moment(v.day, v.hour, rng.choice([0, 15, 30, 45])),
                    weather=rng.choice(WEATHER),
                    result=rng.choice(RESULTS) if v.findings else "未发现明显隐患。",
                    status=InspectionStatus.COMPLETED,
                )
                for v in visits
            ],
            batch_size=1000,
        )
        for visit, row in zip(visits, rows, strict=True):
            visit.pk = row.pk
        for kind, count in notices.items():
            safety = kind == NoticeKind.SAFETY
            candidates = [
                v
                for v in visits
                if v.level == Level.SUPERVISION
                and v.findings
                and v.safety == safety
                and (until is None or v.day < until)
            ]
            for visit in rng.sample(candidates, count):
                visit.notice = kind
        self.write_findings_and_notices(year, visits)

    def write_findings_and_notices(self, year: int, visits: list[Visit]) -> None:
        rng, planner = self.rng, self.planner
        notices: list[tuple[Visit, RectificationNotice, Case]] = []
        late = set(rng.sample([v for v in visits if v.notice], LATE_2023)) if year == PAST else set()
        numbers: dict[str, int] = defaultdict(int)
        for visit in visits:
            if not visit.notice:
                continue
            issued = min(add_working_days(visit.day, rng.randint(0, 2)), Day(year, 12, 31))
            working_days = rng.choice([5, 7, 7, 10, 15])
            deadline = add_working_days(issued, working_days)
            answered = (
                add_working_days(deadline, rng.randint(1, 6))
                if visit in late
                else add_working_days(issued, rng.randint(1, working_days))
            )
            closed = add_working_days(answered, rng.randint(1, 3))
            numbers[visit.notice] += 1
            notice = RectificationNotice(
                agency=planner.city,
                project=visit.project,
                section=visit.section,
                kind=visit.notice,
                number=f"{services.NOTICE_PREFIX[visit.notice]}〔{year}〕{numbers[visit.notice]}号",
                year=year,
                company=visit.section.contractor,
                issued_on=issued,
                working_days=working_days,
                deadline=deadline,
                requirements=REQUIREMENTS,
                issued_by=planner.inspector,
            )
            worst = max((f["severity"] for f in visit.findings), key=services.SEVERITY_RANK.get)
            case = Case(
                agency=planner.city,
                number=self.case_number(year),
                source=CASE_SOURCE,
                kind=Kind.RECTIFICATION,
                level=services.LEVEL_OF_SEVERITY[worst],
                title=(
                    _("%(number)s: %(count)d findings at %(project)s")
                    % {"number": notice.number, "count": len(visit.findings), "project": visit.project.name}
                )[:200],
                description="\n".join(f"{i}. {f['description']}" for i, f in enumerate(visit.findings, start=1)),
                measures=REQUIREMENTS,
                responsible_org=notice.company,
                opened_on=issued,
                deadline=deadline,
                status=Status.CLOSED,
                response=rng.choice(RECTIFIED),
                responded_on=answered,
                closed_on=closed,
                resolution="经复查，整改到位，同意销项。",
                department=visit.project.department,
                created_by=planner.inspector,
            )
            notices.append((visit, notice, case))
        RectificationNotice.objects.bulk_create([n for _v, n, _c in notices], batch_size=1000)
        for _visit, notice, case in notices:
            case.set_subject(notice)
        Case.objects.bulk_create([c for _v, _n, c in notices], batch_size=1000)
        for _visit, notice, case in notices:
            notice.case = case
        RectificationNotice.objects.bulk_update([n for _v, n, _c in notices], ["case"], batch_size=1000)
        events = []
        for _visit, _notice, case in notices:
            inspector, company = planner.inspector, None
            steps = [
                (case.opened_on, 10, EventAction.OPENED, "", Status.OPEN, inspector, ""),
                (case.opened_on, 10, EventAction.ASSIGNED, Status.OPEN, Status.ASSIGNED, inspector, ""),
                (
                    case.responded_on,
                    16,
                    EventAction.RESPONDED,
                    Status.ASSIGNED,
                    Status.SUBMITTED,
                    company,
                    case.response,
                ),
                (case.closed_on, 11, EventAction.CLOSED, Status.SUBMITTED, Status.CLOSED, inspector, case.resolution),
            ]
            for day, hour, action, before, after, actor, text in steps:
                events.append(
                    CaseEvent(
                        case=case,
                        time=moment(day, hour),
                        action=action,
                        actor=actor,
                        from_status=before,
                        to_status=after,
                        text=text,
                    )
                )
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        core_services.log_changes(
            [(n, ChangeAction.CREATE, None, core_services.snapshot(n)) for _v, n, _c in notices], actor=planner.actor
        )
        by_visit = {id(v): (n, c) for v, n, c in notices}
        rows = []
        for visit in visits:
            notice, case = by_visit.get(id(visit), (None, None))
            for values in visit.findings:
                row = Finding(inspection_id=visit.pk, project=visit.project, found_on=visit.day, **values)
                if notice is not None:
                    row.notice, row.status = notice, FindingStatus.CLOSED
                    row.rectification, row.rectified_on, row.closed_on = (
                        case.response,
                        case.responded_on,
                        case.closed_on,
                    )
                    row.deadline = notice.deadline
                elif year == CURRENT and visit.day > AS_OF - datetime.timedelta(days=12) and self.rng.random() < 0.4:
                    pass  # found lately, not yet rectified
                else:
                    row.status = FindingStatus.CLOSED
                    row.rectification = "现场立即整改（立行立改）。"
                    row.rectified_on = row.closed_on = min(
                        visit.day + datetime.timedelta(days=self.rng.randint(0, 3)), AS_OF
                    )
                rows.append(row)
        Finding.objects.bulk_create(rows, batch_size=2000)


# ---- through the services -----------------------------------------------------------------------


class Story:
    """The 2026 notices, the 重大 finding and the scored inspections, through the services, each step then
    moved to its simulated day."""

    def __init__(self, planner: Planner) -> None:
        self.planner, self.rng = planner, planner.rng
        self.inspector, self.company = planner.inspector, planner.company_user
        self.photos = 0
        self.counts = {"safety": 0, "quality": 0}  # inspections
        self.notice_counts = {NoticeKind.SAFETY: 0, NoticeKind.QUALITY: 0}
        company = self.company.organization
        self.mine = self.sections_of(company)
        self.others = [s for s in self.sections_of(large=True) if s.contractor_id != company.pk]
        scored = [s for s in self.others[4:] if s.name.endswith("1标段")][:SCORED_PROJECTS]
        self.scored_plan = [
            (section, day, m, s)
            for s, section in enumerate(scored)
            for m, month in enumerate(SCORED_MONTHS)
            if section.project.started_on < (day := workday(Day(CURRENT, month, 10 + s))) <= AS_OF
        ]

    def planned(self) -> tuple[dict[str, int], dict[str, int]]:
        """The inspections and notices `run` writes through the services, so the bulk makes up the rest."""
        inspections = {
            "safety": STORY_INSPECTIONS["safety"] + len(self.scored_plan),
            "quality": STORY_INSPECTIONS["quality"],
        }
        return inspections, dict(STORY_NOTICES)

    def settle(self, day: Day, hour: int = 10) -> None:
        when = moment(day, hour, self.rng.randint(0, 59))
        if CaseEvent.objects.filter(pk__gt=self.event_mark).update(time=when):
            self.event_mark = CaseEvent.objects.aggregate(m=Max("pk"))["m"]
        if Notification.objects.filter(pk__gt=self.note_mark).update(created=when):
            self.note_mark = Notification.objects.aggregate(m=Max("pk"))["m"]
        if Attachment.objects.filter(pk__gt=self.attachment_mark).update(created=when):
            self.attachment_mark = Attachment.objects.aggregate(m=Max("pk"))["m"]

    def photo(self, after: bool = False) -> SimpleUploadedFile:
        self.photos += 1
        return site_photo(self.photos, after)

    def inspection(self, section: Section, day: Day, kind: str, topic: str = "", hour: int = 9) -> Inspection:
        inspection = Inspection(
            project=section.project,
            section=section,
            kind=kind,
            topic=topic,
            level=Level.SUPERVISION,
            inspecting_org=self.planner.office,
            lead=self.inspector,
            inspectors="林工、吴工",
            started_at=moment(day, hour, 30),
            weather=self.rng.choice(WEATHER),
            status=InspectionStatus.IN_PROGRESS,
        )
        core_services.create_object(instance=inspection, actor=self.inspector)
        self.counts[
            "quality" if kind in (InspectionKind.QUALITY_PATROL, InspectionKind.QUALITY_ASSESSMENT) else "safety"
        ] += 1
        return inspection

    def finding(
        self, inspection: Inspection, category: str, severity: str, n: int, *, photos: int = 1, deadline: bool = True
    ) -> Finding:
        """A finding through `record_finding`, with photos. Without `deadline` its red case's is "now" + 3
        working days (a case cannot be due before it is opened), moved to the simulated days after."""
        text, regulation = TEXTS[category][n % len(TEXTS[category])]
        found = timezone.localtime(inspection.started_at).date()
        finding = Finding(
            inspection=inspection,
            project=inspection.project,
            category=category,
            severity=severity,
            description=text,
            location=LOCATIONS_BUILDING[n % len(LOCATIONS_BUILDING)],
            responsible_org=inspection.section.contractor,
            regulation=regulation,
            deadline=add_working_days(found, 3 if severity != Severity.GENERAL else 7) if deadline else None,
        )
        return services.record_finding(finding, self.inspector, [self.photo() for _ in range(photos)])

    def notice(self, findings: list[Finding], kind: str, issued: Day, working_days: int) -> RectificationNotice:
        notice = services.open_rectification_notice(
            findings, self.inspector, kind=kind, working_days=working_days, requirements=REQUIREMENTS
        )
        self.notice_counts[kind] += 1
        deadline = add_working_days(issued, working_days)
        if notice.year != CURRENT:  # the demo run after 2026
            notice.number = services.next_notice_number(notice.agency_id, kind, CURRENT)
        RectificationNotice.objects.filter(pk=notice.pk).update(
            issued_on=issued, deadline=deadline, year=CURRENT, number=notice.number
        )
        case_number = notice.case.number
        if not case_number.startswith(f"{CURRENT}-"):
            case_number = alerts_services.case_number(
                CURRENT, alerts_services.reserve_numbers(notice.agency_id, CURRENT)
            )
        Case.objects.filter(pk=notice.case_id).update(opened_on=issued, deadline=deadline, number=case_number)
        self.settle(issued, 15)
        notice.refresh_from_db()
        return notice

    def answer(self, notice: RectificationNotice, day: Day) -> None:
        answers = {
            f.pk: services.Answer(self.rng.choice(RECTIFIED), [self.photo(after=True)]) for f in notice.findings.all()
        }
        services.answer_notice(notice, answers, self.company)
        Finding.objects.filter(notice=notice).update(rectified_on=day)
        Case.objects.filter(pk=notice.case_id).update(responded_on=day)
        self.settle(day, 16)

    def reinspect(self, notice: RectificationNotice, day: Day, *, close: bool) -> None:
        text = "经复查，整改到位，同意销项。" if close else "整改照片未反映全部问题部位，请补充后重新回复。"
        services.reinspect(notice, self.inspector, close=close, text=text)
        if close:
            Finding.objects.filter(notice=notice).update(closed_on=day)
            Case.objects.filter(pk=notice.case_id).update(closed_on=day)
        self.settle(day, 11)

    def sections_of(self, company: Organization | None = None, large: bool = False) -> list[Section]:
        found = []
        for pk in sorted(self.planner.windows[CURRENT]):
            first, last = self.planner.windows[CURRENT][pk]
            if last != AS_OF or first > Day(CURRENT, 1, 31):
                continue
            for section in self.planner.sections[pk]:
                if company is not None and section.contractor_id != company.pk:
                    continue
                if large and (section.project.approved_investment or 0) < LARGE:
                    continue
                found.append(section)
        return found

    def run(self) -> None:
        self.event_mark = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        self.note_mark = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        self.attachment_mark = Attachment.objects.aggregate(m=Max("pk"))["m"] or 0
        mine, others = self.mine, self.others
        F = FindingCategory
        # 深建工: closed after one send-back, closed, answered awaiting re-inspection, overdue, open.
        inspection = self.inspection(mine[0], Day(CURRENT, 9, 8), InspectionKind.SAFETY_ROUTINE)
        findings = [self.finding(inspection, F.SCAFFOLD, Severity.GENERAL, n) for n in range(2)]
        notice = self.notice(findings, NoticeKind.SAFETY, Day(CURRENT, 9, 8), 7)
        self.answer(notice, Day(CURRENT, 9, 14))
        self.reinspect(notice, Day(CURRENT, 9, 15), close=False)
        self.answer(notice, Day(CURRENT, 9, 17))
        self.reinspect(notice, Day(CURRENT, 9, 18), close=True)
        inspection = self.inspection(mine[1 % len(mine)], Day(CURRENT, 10, 13), InspectionKind.QUALITY_PATROL)
        notice = self.notice(
            [self.finding(inspection, F.QUALITY_STRUCTURE, Severity.GENERAL, 1)],
            NoticeKind.QUALITY,
            Day(CURRENT, 10, 13),
            10,
        )
        self.answer(notice, Day(CURRENT, 10, 22))
        self.reinspect(notice, Day(CURRENT, 10, 23), close=True)
        inspection = self.inspection(
            mine[2 % len(mine)], Day(CURRENT, 11, 9), InspectionKind.SPECIAL, Topic.TEMPORARY_POWER
        )
        notice = self.notice(
            [self.finding(inspection, F.POWER, Severity.GENERAL, n) for n in range(3)],
            NoticeKind.SAFETY,
            Day(CURRENT, 11, 9),
            10,
        )
        self.answer(notice, Day(CURRENT, 11, 13))
        inspection = self.inspection(mine[3 % len(mine)], Day(CURRENT, 10, 21), InspectionKind.QUALITY_ASSESSMENT)
        self.notice(
            [self.finding(inspection, F.QUALITY_MATERIALS, Severity.MAJOR, 0)],
            NoticeKind.QUALITY,
            Day(CURRENT, 10, 21),
            7,
        )
        inspection = self.inspection(mine[0], Day(CURRENT, 11, 17), InspectionKind.NIGHT_HOLIDAY, hour=21)
        findings = [self.finding(inspection, F.WORK_AT_HEIGHT, Severity.GENERAL, n) for n in (0, 2)]
        self.notice(findings, NoticeKind.SAFETY, Day(CURRENT, 11, 18), 15)
        # Other contractors: the 重大 finding and its notice, an overdue one, open ones.
        inspection = self.inspection(others[0], Day(CURRENT, 11, 16), InspectionKind.SPECIAL, Topic.DEEP_EXCAVATION)
        serious = self.finding(inspection, F.EXCAVATION, Severity.SERIOUS, 1, photos=2, deadline=False)
        deadline = add_working_days(Day(CURRENT, 11, 16), 5)
        Finding.objects.filter(pk=serious.pk).update(deadline=deadline)
        Case.objects.filter(subject_type=ContentType.objects.get_for_model(Finding), subject_id=str(serious.pk)).update(
            opened_on=Day(CURRENT, 11, 16), deadline=deadline
        )
        self.settle(Day(CURRENT, 11, 16), 11)
        general = self.finding(inspection, F.EXCAVATION, Severity.GENERAL, 2)
        self.notice([serious, general], NoticeKind.SAFETY, Day(CURRENT, 11, 16), 10)
        inspection = self.inspection(others[1], Day(CURRENT, 10, 15), InspectionKind.SAFETY_ROUTINE)
        self.notice([self.finding(inspection, F.CRANES, Severity.MAJOR, 0)], NoticeKind.SAFETY, Day(CURRENT, 10, 16), 7)
        for i, day in enumerate((Day(CURRENT, 11, 12), Day(CURRENT, 11, 19))):
            inspection = self.inspection(others[2 + i], day, InspectionKind.QUALITY_PATROL)
            findings = [self.finding(inspection, F.QUALITY_FINISHES, Severity.GENERAL, n) for n in range(i + 1)]
            self.notice(findings, NoticeKind.QUALITY, day, 20)
        self.scored()
        if (self.counts, self.notice_counts) != self.planned():
            raise ValueError(
                f"The story wrote {self.counts, self.notice_counts}, not {self.planned()}"
            )  # a mistake in the demo's design

    def scored(self) -> None:
        """A JGJ 59 督查 every two months on each section, its deductions shrinking through the year."""
        templates = {t.code: t for t in ChecklistTemplate.objects.filter(agency=None, code__in=SCORED_SHEETS)}
        items = {code: list(t.items.order_by("number")) for code, t in templates.items()}
        last = {section.pk: day for section, day, _m, _s in self.scored_plan}
        for section, day, m, s in self.scored_plan:
            inspection = self.inspection(section, day, InspectionKind.SAFETY_ROUTINE)
            strictness = max(0.2, 1.0 - 0.16 * m - 0.04 * s)
            cuts = {
                code: {
                    item: Decimal(self.rng.randint(1, 2) + round(3 * strictness)).min(item.points)
                    for item in self.rng.sample(items[code], 3)
                }
                for code in SCORED_SHEETS
            }
            if day == last[section.pk]:  # the latest, as the inspector fills it in on site
                for code in SCORED_SHEETS:
                    sheet = services.add_sheet(inspection, templates[code], self.inspector)
                    entries = {
                        item.pk: services.ItemEntry(cut, note="现场检查扣分") for item, cut in cuts[code].items()
                    }
                    services.record_results(sheet, entries, self.inspector)
            else:  # the earlier ones written at once, scored by the service
                sheets = ScoreSheet.objects.bulk_create(
                    ScoreSheet(inspection=inspection, template=templates[code]) for code in SCORED_SHEETS
                )
                ItemResult.objects.bulk_create(
                    ItemResult(
                        sheet=sheet,
                        item=item,
                        deduction=cuts[code].get(item, 0),
                        note="现场检查扣分" if item in cuts[code] else "",
                    )
                    for sheet, code in zip(sheets, SCORED_SHEETS, strict=True)
                    for item in items[code]
                )
            services.complete_inspection(inspection, self.inspector, "按JGJ 59-2011评分，已当场反馈项目部。")
            self.settle(day, 12)


def escalate_on_as_of(agency_id: int) -> None:
    """The scheduled job on AS_OF: the overdue notices' cases escalate, dated AS_OF."""
    events = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    notes = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
    alerts_services.escalate(today=AS_OF, agency_ids=[agency_id])
    CaseEvent.objects.filter(pk__gt=events).update(time=moment(AS_OF, 6))
    Notification.objects.filter(pk__gt=notes).update(created=moment(AS_OF, 6))


def build(*, orgs: dict[str, Organization], actor: User, progress: Progress) -> None:
    """Load the inspections demo. Writes nothing when the city's projects already have inspections."""
    city = orgs.get("city")
    if city is None or Inspection.objects.filter(project__agency=city).exists():
        progress(1, 1, "质量安全")
        return
    if not Project.objects.filter(agency=city).exists() or not User.objects.filter(username="inspector").exists():
        progress(1, 1, "质量安全")
        return
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    steps = 5
    with transaction.atomic():
        planner = Planner(orgs, actor, rng)
        planner.write_sections()
        planner.write_hazards()
        progress(1, steps, "质量安全")
        writer = Writer(planner)
        past = planner.visits(PAST, INSPECTIONS[PAST]["safety"], INSPECTIONS[PAST]["quality"])
        writer.year(PAST, past, NOTICES[PAST])
        progress(2, steps, "质量安全")
        story = Story(planner)
        counts, notice_counts = story.planned()
        current = planner.visits(
            CURRENT,
            INSPECTIONS[CURRENT]["safety"] - counts["safety"],
            INSPECTIONS[CURRENT]["quality"] - counts["quality"],
        )
        notices = {kind: NOTICES[CURRENT][kind] - notice_counts[kind] for kind in NOTICES[CURRENT]}
        writer.year(CURRENT, current, notices, until=CLOSED_BEFORE)
        progress(3, steps, "质量安全")
        story.run()
        progress(4, steps, "质量安全")
        escalate_on_as_of(city.pk)
        progress(5, steps, "质量安全")
