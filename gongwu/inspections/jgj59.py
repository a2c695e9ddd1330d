"""The built-in safety inspection sheets of JGJ 59-2011 《建筑施工安全检查标准》.

Plain data, no Django: the 19 分项检查评分表 of 附录 B and the ten lines of the 汇总表 in 附录 A.
Scoring lives in :mod:`gongwu.inspections.scoring`.

Item points and names are transcribed from the standard's tables. Each item cites its clause in
chapter 3 as ``条-款``: in JGJ 59-2011 clause 3.n.3 gives the checks of a table's 保证项目 and 3.n.4 those
of its 一般项目; for the two tables without that split (高处作业 3.13, 施工机具 3.19) 3.n.3 gives all
checks. The 款 number follows the item's order in the table.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD = "JGJ 59-2011"

GUARANTEE = "保证项目"
GENERAL = "一般项目"
UNSPLIT = "检查项目"  # 高处作业 and 施工机具 have no 保证/一般 split


@dataclass(frozen=True)
class Item:
    """One 检查项目 row of a 分项检查评分表: its 应得分数 and whether it is a 保证项目."""

    code: str  # the row's 序号 in the table, "1", "2", …
    group: str  # GUARANTEE, GENERAL or UNSPLIT
    text: str
    points: int
    guarantee: bool
    clause: str  # e.g. "3.1.3-1": JGJ 59-2011 clause 3.1.3, 款 1


@dataclass(frozen=True)
class ScoreTable:
    """A 分项检查评分表 of 附录 B (full score 100, §4.0.3-1)."""

    code: str
    table_no: str  # "B.1" … "B.19"
    name: str
    clause: str  # the chapter-3 section that defines the checks, e.g. "3.1"
    items: tuple[Item, ...]

    @property
    def has_guarantee_items(self) -> bool:
        return any(item.guarantee for item in self.items)

    @property
    def full_points(self) -> int:
        return sum(item.points for item in self.items)

    @property
    def guarantee_points(self) -> int:
        return sum(item.points for item in self.items if item.guarantee)

    @property
    def general_points(self) -> int:
        return sum(item.points for item in self.items if not item.guarantee)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise ValueError(f"{self.name} ({self.table_no}) has no check item {code!r}")

    def item_named(self, text: str) -> Item:
        for item in self.items:
            if item.text == text:
                return item
        raise ValueError(f"{self.name} ({self.table_no}) has no check item named {text!r}")


@dataclass(frozen=True)
class Sheet:
    """A line of the 检查评分汇总表 (附录 A): its weight (满分分值) and the 分项检查评分表 that feed it.

    A line with several variants (脚手架, 物料提升机与施工升降机, 塔式起重机与起重吊装) takes the
    arithmetic mean of the tables filled in for it (§4.0.3-6).
    """

    code: str
    name: str
    weight: int
    variants: tuple[ScoreTable, ...]


def _table(
    code: str, number: int, name: str, guarantee: list[tuple[str, int]], general: list[tuple[str, int]]
) -> ScoreTable:
    section = f"3.{number}"
    items: list[Item] = []
    for index, (text, points) in enumerate(guarantee, start=1):
        items.append(Item(str(len(items) + 1), GUARANTEE, text, points, True, f"{section}.3-{index}"))
    for index, (text, points) in enumerate(general, start=1):
        items.append(Item(str(len(items) + 1), GENERAL, text, points, False, f"{section}.4-{index}"))
    return ScoreTable(code, f"B.{number}", name, section, tuple(items))


def _unsplit_table(code: str, number: int, name: str, checks: list[tuple[str, int]]) -> ScoreTable:
    section = f"3.{number}"
    items = tuple(
        Item(str(index), UNSPLIT, text, points, False, f"{section}.3-{index}")
        for index, (text, points) in enumerate(checks, start=1)
    )
    return ScoreTable(code, f"B.{number}", name, section, items)


SAFETY_MANAGEMENT = _table(
    "safety_management",
    1,
    "安全管理",
    [
        ("安全生产责任制", 10),
        ("施工组织设计及专项施工方案", 10),
        ("安全技术交底", 10),
        ("安全检查", 10),
        ("安全教育", 10),
        ("应急救援", 10),
    ],
    [("分包单位安全管理", 10), ("持证上岗", 10), ("生产安全事故处理", 10), ("安全标志", 10)],
)

CIVILIZED_CONSTRUCTION = _table(
    "civilized_construction",
    2,
    "文明施工",
    [
        ("现场围挡", 10),
        ("封闭管理", 10),
        ("施工场地", 10),
        ("材料管理", 10),
        ("现场办公与住宿", 10),
        ("现场防火", 10),
    ],
    [("综合治理", 10), ("公示标牌", 10), ("生活设施", 10), ("社区服务", 10)],
)

FASTENER_SCAFFOLD = _table(
    "fastener_scaffold",
    3,
    "扣件式钢管脚手架",
    [
        ("施工方案", 10),
        ("立杆基础", 10),
        ("架体与建筑结构拉结", 10),
        ("杆件间距与剪刀撑", 10),
        ("脚手板与防护栏杆", 10),
        ("交底与验收", 10),
    ],
    [("横向水平杆设置", 10), ("杆件连接", 10), ("层间防护", 10), ("构配件材质", 5), ("通道", 5)],
)

PORTAL_SCAFFOLD = _table(
    "portal_scaffold",
    4,
    "门式钢管脚手架",
    [
        ("施工方案", 10),
        ("架体基础", 10),
        ("架体稳定", 10),
        ("杆件锁臂", 10),
        ("脚手板", 10),
        ("交底与验收", 10),
    ],
    [("架体防护", 10), ("构配件材质", 10), ("荷载", 10), ("通道", 10)],
)

CUPLOK_SCAFFOLD = _table(
    "cuplok_scaffold",
    5,
    "碗扣式钢管脚手架",
    [
        ("施工方案", 10),
        ("架体基础", 10),
        ("架体稳定", 10),
        ("杆件锁件", 10),
        ("脚手板", 10),
        ("交底与验收", 10),
    ],
    [("架体防护", 10), ("构配件材质", 10), ("荷载", 10), ("通道", 10)],
)

DISK_LOCK_SCAFFOLD = _table(
    "disk_lock_scaffold",
    6,
    "承插型盘扣式钢管脚手架",
    [
        ("施工方案", 10),
        ("架体基础", 10),
        ("架体稳定", 10),
        ("杆件设置", 10),
        ("脚手板", 10),
        ("交底与验收", 10),
    ],
    [("架体防护", 10), ("杆件连接", 10), ("构配件材质", 10), ("通道", 10)],
)

FULL_HALL_SCAFFOLD = _table(
    "full_hall_scaffold",
    7,
    "满堂脚手架",
    [
        ("施工方案", 10),
        ("架体基础", 10),
        ("架体稳定", 10),
        ("杆件锁件", 10),
        ("脚手板", 10),
        ("交底与验收", 10),
    ],
    [("架体防护", 10), ("构配件材质", 10), ("荷载", 10), ("通道", 10)],
)

CANTILEVER_SCAFFOLD = _table(
    "cantilever_scaffold",
    8,
    "悬挑式脚手架",
    [
        ("施工方案", 10),
        ("悬挑钢梁", 10),
        ("架体稳定", 10),
        ("脚手板", 10),
        ("荷载", 10),
        ("交底与验收", 10),
    ],
    [("杆件间距", 10), ("架体防护", 10), ("层间防护", 10), ("构配件材质", 10)],
)

ATTACHED_LIFTING_SCAFFOLD = _table(
    "attached_lifting_scaffold",
    9,
    "附着式升降脚手架",
    [
        ("施工方案", 10),
        ("安全装置", 10),
        ("架体构造", 10),
        ("附着支座", 10),
        ("架体安装", 10),
        ("架体升降", 10),
    ],
    [("检查验收", 10), ("脚手板", 10), ("架体防护", 10), ("安全作业", 10)],
)

SUSPENDED_PLATFORM = _table(
    "suspended_platform",
    10,
    "高处作业吊篮",
    [
        ("施工方案", 10),
        ("安全装置", 10),
        ("悬挂机构", 10),
        ("钢丝绳", 10),
        ("安装作业", 10),
        ("升降作业", 10),
    ],
    [("交底与验收", 10), ("安全防护", 10), ("吊篮稳定", 10), ("荷载", 10)],
)

FOUNDATION_PIT = _table(
    "foundation_pit",
    11,
    "基坑工程",
    [
        ("施工方案", 10),
        ("基坑支护", 10),
        ("降排水", 10),
        ("基坑开挖", 10),
        ("坑边荷载", 10),
        ("安全防护", 10),
    ],
    [("基坑监测", 10), ("支撑拆除", 10), ("作业环境", 10), ("应急预案", 10)],
)

FORMWORK_SUPPORT = _table(
    "formwork_support",
    12,
    "模板支架",
    [
        ("施工方案", 10),
        ("支架基础", 10),
        ("支架构造", 10),
        ("支架稳定", 10),
        ("施工荷载", 10),
        ("交底与验收", 10),
    ],
    [("杆件连接", 10), ("底座与托撑", 10), ("构配件材质", 10), ("支架拆除", 10)],
)

WORK_AT_HEIGHT = _unsplit_table(
    "work_at_height",
    13,
    "高处作业",
    [
        ("安全帽", 10),
        ("安全网", 10),
        ("安全带", 10),
        ("临边防护", 10),
        ("洞口防护", 10),
        ("通道口防护", 10),
        ("攀登作业", 10),
        ("悬空作业", 10),
        ("移动式操作平台", 10),
        ("悬挑式物料钢平台", 10),
    ],
)

TEMPORARY_POWER = _table(
    "temporary_power",
    14,
    "施工用电",
    [("外电防护", 10), ("接地与接零保护系统", 20), ("配电线路", 10), ("配电箱与开关箱", 20)],
    [("配电室与配电装置", 15), ("现场照明", 15), ("用电档案", 10)],
)

MATERIAL_HOIST = _table(
    "material_hoist",
    15,
    "物料提升机",
    [
        ("安全装置", 15),
        ("防护设施", 15),
        ("附墙架与缆风绳", 10),
        ("钢丝绳", 10),
        ("安拆、验收与使用", 10),
    ],
    [("基础与导轨架", 10), ("动力与传动", 10), ("通信装置", 5), ("卷扬机操作棚", 10), ("避雷装置", 5)],
)

CONSTRUCTION_HOIST = _table(
    "construction_hoist",
    16,
    "施工升降机",
    [
        ("安全装置", 10),
        ("限位装置", 10),
        ("防护设施", 10),
        ("附墙架", 10),
        ("钢丝绳、滑轮与对重", 10),
        ("安拆、验收与使用", 10),
    ],
    [("导轨架", 10), ("基础", 10), ("电气安全", 10), ("通信装置", 10)],
)

TOWER_CRANE = _table(
    "tower_crane",
    17,
    "塔式起重机",
    [
        ("载荷限制装置", 10),
        ("行程限位装置", 10),
        ("保护装置", 10),
        ("吊钩、滑轮、卷筒与钢丝绳", 10),
        ("多塔作业", 10),
        ("安拆、验收与使用", 10),
    ],
    [("附着", 10), ("基础与轨道", 10), ("结构设施", 10), ("电气安全", 10)],
)

LIFTING_OPERATIONS = _table(
    "lifting_operations",
    18,
    "起重吊装",
    [
        ("施工方案", 10),
        ("起重机械", 10),
        ("钢丝绳与地锚", 10),
        ("索具", 10),
        ("作业环境", 10),
        ("作业人员", 10),
    ],
    [("起重吊装", 10), ("高处作业", 10), ("构件码放", 10), ("警戒监护", 10)],
)

CONSTRUCTION_MACHINERY = _unsplit_table(
    "construction_machinery",
    19,
    "施工机具",
    [
        ("平刨", 10),
        ("圆盘锯", 10),
        ("手持电动工具", 8),
        ("钢筋机械", 10),
        ("电焊机", 10),
        ("搅拌机", 10),
        ("气瓶", 8),
        ("翻斗车", 8),
        ("潜水泵", 6),
        ("振捣器", 8),
        ("桩工机械", 12),
    ],
)

TABLES: tuple[ScoreTable, ...] = (
    SAFETY_MANAGEMENT,
    CIVILIZED_CONSTRUCTION,
    FASTENER_SCAFFOLD,
    PORTAL_SCAFFOLD,
    CUPLOK_SCAFFOLD,
    DISK_LOCK_SCAFFOLD,
    FULL_HALL_SCAFFOLD,
    CANTILEVER_SCAFFOLD,
    ATTACHED_LIFTING_SCAFFOLD,
    SUSPENDED_PLATFORM,
    FOUNDATION_PIT,
    FORMWORK_SUPPORT,
    WORK_AT_HEIGHT,
    TEMPORARY_POWER,
    MATERIAL_HOIST,
    CONSTRUCTION_HOIST,
    TOWER_CRANE,
    LIFTING_OPERATIONS,
    CONSTRUCTION_MACHINERY,
)

# 附录 A 检查评分汇总表. Note 文明施工 15 and 施工机具 5; the JGJ 59-99 weights (文明施工 20,
# separate 塔吊 10 and 起重吊装 5 lines) no longer apply.
SUMMARY_SHEETS: tuple[Sheet, ...] = (
    Sheet("safety_management", "安全管理", 10, (SAFETY_MANAGEMENT,)),
    Sheet("civilized_construction", "文明施工", 15, (CIVILIZED_CONSTRUCTION,)),
    Sheet(
        "scaffold",
        "脚手架",
        10,
        (
            FASTENER_SCAFFOLD,
            PORTAL_SCAFFOLD,
            CUPLOK_SCAFFOLD,
            DISK_LOCK_SCAFFOLD,
            FULL_HALL_SCAFFOLD,
            CANTILEVER_SCAFFOLD,
            ATTACHED_LIFTING_SCAFFOLD,
            SUSPENDED_PLATFORM,
        ),
    ),
    Sheet("foundation_pit", "基坑工程", 10, (FOUNDATION_PIT,)),
    Sheet("formwork_support", "模板支架", 10, (FORMWORK_SUPPORT,)),
    Sheet("work_at_height", "高处作业", 10, (WORK_AT_HEIGHT,)),
    Sheet("temporary_power", "施工用电", 10, (TEMPORARY_POWER,)),
    Sheet("hoists", "物料提升机与施工升降机", 10, (MATERIAL_HOIST, CONSTRUCTION_HOIST)),
    Sheet("cranes", "塔式起重机与起重吊装", 10, (TOWER_CRANE, LIFTING_OPERATIONS)),
    Sheet("construction_machinery", "施工机具", 5, (CONSTRUCTION_MACHINERY,)),
)

TABLES_BY_CODE: dict[str, ScoreTable] = {table.code: table for table in TABLES}
SHEETS_BY_CODE: dict[str, Sheet] = {sheet.code: sheet for sheet in SUMMARY_SHEETS}


def table(code: str) -> ScoreTable:
    """The 分项检查评分表 with this code."""
    try:
        return TABLES_BY_CODE[code]
    except KeyError:
        raise ValueError(f"no JGJ 59-2011 score table {code!r}") from None


def sheet(code: str) -> Sheet:
    """The 汇总表 line with this code."""
    try:
        return SHEETS_BY_CODE[code]
    except KeyError:
        raise ValueError(f"no JGJ 59-2011 summary line {code!r}") from None


def sheet_for_table(score_table: ScoreTable) -> Sheet:
    """The 汇总表 line a 分项检查评分表 feeds."""
    for summary_sheet in SUMMARY_SHEETS:
        if score_table in summary_sheet.variants:
            return summary_sheet
    raise ValueError(f"{score_table.name} ({score_table.table_no}) feeds no summary line")
