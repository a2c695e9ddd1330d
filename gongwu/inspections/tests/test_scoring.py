"""JGJ 59-2011 scoring on worked examples built from the standard (§4.0.1–§4.0.3, §5.0.1–§5.0.2)."""

from decimal import Decimal

import pytest

from gongwu.inspections import jgj59
from gongwu.inspections.jgj59 import (
    CANTILEVER_SCAFFOLD,
    CIVILIZED_CONSTRUCTION,
    CONSTRUCTION_HOIST,
    CONSTRUCTION_MACHINERY,
    FASTENER_SCAFFOLD,
    FORMWORK_SUPPORT,
    FOUNDATION_PIT,
    LIFTING_OPERATIONS,
    MATERIAL_HOIST,
    SAFETY_MANAGEMENT,
    SUMMARY_SHEETS,
    TABLES,
    TEMPORARY_POWER,
    TOWER_CRANE,
    WORK_AT_HEIGHT,
    ScoreTable,
)
from gongwu.inspections.scoring import (
    Grade,
    ZeroReason,
    average_table_scores,
    grade,
    score_summary,
    score_table,
    summary_line_score,
)

D = Decimal


def by_name(table: ScoreTable, deductions: dict) -> dict:
    """Deductions keyed by item name, as an inspector reads the sheet, turned into item codes."""
    return {table.item_named(name).code: value for name, value in deductions.items()}


def codes(table: ScoreTable, *names: str) -> list[str]:
    return [table.item_named(name).code for name in names]


def filled(table: ScoreTable, score: int | str):
    """A table scored ``score`` by deductions on its 一般项目 only (all items when it has no split)."""
    remaining = D(100) - D(score)
    deductions = {}
    for item in table.items:
        if item.guarantee or remaining == 0:
            continue
        deductions[item.code] = min(remaining, D(item.points))
        remaining -= deductions[item.code]
    assert remaining == 0, "filled() only reaches scores the 一般项目 can absorb"
    return score_table(table, deductions)


# --- the built-in sheets -------------------------------------------------------------------------


def test_appendix_b_has_nineteen_tables_numbered_in_order():
    assert [table.table_no for table in TABLES] == [f"B.{n}" for n in range(1, 20)]
    assert [table.clause for table in TABLES] == [f"3.{n}" for n in range(1, 20)]


def test_summary_weights_are_those_of_appendix_a_and_total_100():
    assert {sheet.name: sheet.weight for sheet in SUMMARY_SHEETS} == {
        "安全管理": 10,
        "文明施工": 15,
        "脚手架": 10,
        "基坑工程": 10,
        "模板支架": 10,
        "高处作业": 10,
        "施工用电": 10,
        "物料提升机与施工升降机": 10,
        "塔式起重机与起重吊装": 10,
        "施工机具": 5,
    }
    assert sum(sheet.weight for sheet in SUMMARY_SHEETS) == 100


def test_every_table_feeds_exactly_one_summary_line():
    variants = [table for sheet in SUMMARY_SHEETS for table in sheet.variants]
    assert sorted(table.table_no for table in variants) == sorted(table.table_no for table in TABLES)
    assert [table.name for table in jgj59.sheet("scaffold").variants] == [
        "扣件式钢管脚手架",
        "门式钢管脚手架",
        "碗扣式钢管脚手架",
        "承插型盘扣式钢管脚手架",
        "满堂脚手架",
        "悬挑式脚手架",
        "附着式升降脚手架",
        "高处作业吊篮",
    ]
    assert jgj59.sheet("hoists").variants == (MATERIAL_HOIST, CONSTRUCTION_HOIST)
    assert jgj59.sheet("cranes").variants == (TOWER_CRANE, LIFTING_OPERATIONS)


@pytest.mark.parametrize("table", [t for t in TABLES if t.has_guarantee_items], ids=lambda t: t.name)
def test_tables_with_guarantee_items_split_60_and_40(table):
    assert table.guarantee_points == 60
    assert table.general_points == 40
    assert all(item.group == jgj59.GUARANTEE for item in table.items if item.guarantee)
    assert all(item.group == jgj59.GENERAL for item in table.items if not item.guarantee)


def test_work_at_height_and_construction_machinery_have_no_guarantee_items():
    assert [t.name for t in TABLES if not t.has_guarantee_items] == ["高处作业", "施工机具"]
    assert WORK_AT_HEIGHT.full_points == CONSTRUCTION_MACHINERY.full_points == 100


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_each_table_is_out_of_100_with_sequential_codes_and_clauses(table):
    assert table.full_points == 100
    assert [item.code for item in table.items] == [str(n) for n in range(1, len(table.items) + 1)]
    assert len({item.text for item in table.items}) == len(table.items)
    for item in table.items:
        section, paragraph = item.clause.split("-")
        assert section in (f"{table.clause}.3", f"{table.clause}.4")
        assert int(paragraph) >= 1


def test_transcribed_points_of_tables_with_uneven_items():
    assert [(i.text, i.points, i.guarantee) for i in TEMPORARY_POWER.items] == [
        ("外电防护", 10, True),
        ("接地与接零保护系统", 20, True),
        ("配电线路", 10, True),
        ("配电箱与开关箱", 20, True),
        ("配电室与配电装置", 15, False),
        ("现场照明", 15, False),
        ("用电档案", 10, False),
    ]
    assert [(i.text, i.points) for i in FASTENER_SCAFFOLD.items if not i.guarantee] == [
        ("横向水平杆设置", 10),
        ("杆件连接", 10),
        ("层间防护", 10),
        ("构配件材质", 5),
        ("通道", 5),
    ]
    assert [(i.text, i.points) for i in MATERIAL_HOIST.items if i.guarantee] == [
        ("安全装置", 15),
        ("防护设施", 15),
        ("附墙架与缆风绳", 10),
        ("钢丝绳", 10),
        ("安拆、验收与使用", 10),
    ]
    assert SAFETY_MANAGEMENT.item("1").clause == "3.1.3-1"
    assert SAFETY_MANAGEMENT.item("7").clause == "3.1.4-1"


# --- one table: deductions (§4.0.3-1, -2) ----------------------------------------------------------


def test_a_table_without_deductions_scores_100():
    result = score_table(SAFETY_MANAGEMENT)
    assert result.score == D("100.00")
    assert result.zero_reason is None


def test_table_score_is_the_sum_of_item_scores():
    result = score_table(
        CIVILIZED_CONSTRUCTION,
        by_name(CIVILIZED_CONSTRUCTION, {"现场围挡": 4, "封闭管理": 6, "综合治理": 4}),
    )
    assert result.guarantee_scored == D(50)
    assert result.points_scored - result.guarantee_scored == D(36)
    assert result.score == D("86.00")


def test_exam_case_civilized_construction_86_is_12_9_in_the_summary():
    # A published exam case on JGJ 59-2011: 文明施工 保证项目 50, 一般项目 36 → 12.9 in the 汇总表.
    result = score_table(
        CIVILIZED_CONSTRUCTION,
        by_name(CIVILIZED_CONSTRUCTION, {"现场围挡": 4, "封闭管理": 6, "综合治理": 4}),
    )
    assert summary_line_score(jgj59.sheet("civilized_construction"), result.score) == D("12.90")


def test_several_deductions_on_one_item_are_capped_at_its_points():
    result = score_table(SAFETY_MANAGEMENT, by_name(SAFETY_MANAGEMENT, {"安全标志": [6, 5, 3]}))
    assert result.items[9].deduction == D(10)
    assert result.items[9].score == D(0)
    assert result.score == D("90.00")


def test_decimal_and_string_deductions_are_accepted():
    result = score_table(SAFETY_MANAGEMENT, {"7": D("2.5"), "8": "1.5"})
    assert result.score == D("96.00")


# --- one table: guarantee items (§4.0.3-3) ---------------------------------------------------------


def test_a_guarantee_item_at_zero_scores_the_table_zero():
    result = score_table(SAFETY_MANAGEMENT, by_name(SAFETY_MANAGEMENT, {"安全生产责任制": [6, 5]}))
    assert result.points_scored == D(90)  # what the items add up to …
    assert result.score == D(0)  # … but the table does not score
    assert result.zero_reason == ZeroReason.GUARANTEE_ITEM_AT_ZERO


def test_a_general_item_at_zero_does_not_zero_the_table():
    result = score_table(SAFETY_MANAGEMENT, by_name(SAFETY_MANAGEMENT, {"安全标志": 10}))
    assert result.score == D("90.00")
    assert result.zero_reason is None


def test_guarantee_subtotal_of_exactly_40_still_scores():
    deductions = dict.fromkeys(["1", "2", "3", "4", "5"], 4)
    result = score_table(SAFETY_MANAGEMENT, deductions)
    assert result.guarantee_scored == D(40)
    assert result.score == D("80.00")


def test_guarantee_subtotal_under_40_scores_the_table_zero():
    deductions = {"1": 4, "2": 4, "3": 4, "4": 4, "5": D("4.5")}
    result = score_table(SAFETY_MANAGEMENT, deductions)
    assert result.guarantee_scored == D("39.5")
    assert result.points_scored == D("79.5")
    assert result.score == D(0)
    assert result.zero_reason == ZeroReason.GUARANTEE_SUBTOTAL_BELOW_40


def test_items_without_guarantee_split_never_zero_the_table():
    result = score_table(WORK_AT_HEIGHT, by_name(WORK_AT_HEIGHT, {"安全帽": 10, "安全网": 10, "安全带": 10}))
    assert result.score == D("70.00")
    assert result.zero_reason is None


# --- one table: 缺项 (§4.0.3-5) -------------------------------------------------------------------


def test_missing_item_rescales_the_table_d_over_e_times_100():
    # The classic case: no overhead line near the site, so 外电防护 is 缺项; the other items score 72 of 90.
    result = score_table(
        TEMPORARY_POWER,
        by_name(TEMPORARY_POWER, {"接地与接零保护系统": 5, "配电室与配电装置": 8, "现场照明": 5}),
        not_applicable=codes(TEMPORARY_POWER, "外电防护"),
    )
    assert (result.points_scored, result.points_checked) == (D(72), 90)
    assert result.score == D("80.00")
    assert result.items[0].applicable is False
    assert result.items[0].score is None


def test_missing_item_rescaling_carried_into_the_summary_line():
    # 外电防护 缺项, the rest scoring 76.5 of 90: 85 on the table, 8.5 in the 汇总表.
    result = score_table(
        TEMPORARY_POWER,
        by_name(TEMPORARY_POWER, {"接地与接零保护系统": 3, "配电室与配电装置": D("5.5"), "现场照明": 5}),
        not_applicable=codes(TEMPORARY_POWER, "外电防护"),
    )
    assert result.score == D("85.00")
    assert summary_line_score(jgj59.sheet("temporary_power"), result.score) == D("8.50")


def test_rescaled_scores_are_written_to_two_decimals_half_up():
    # 74 / 90 × 100 = 82.222…; 65.3 / 80 × 100 = 81.625 → 81.63 (half up, not half even)
    first = score_table(
        TEMPORARY_POWER,
        by_name(TEMPORARY_POWER, {"配电室与配电装置": 10, "现场照明": 6}),
        not_applicable=codes(TEMPORARY_POWER, "外电防护"),
    )
    second = score_table(
        TEMPORARY_POWER,
        by_name(TEMPORARY_POWER, {"配电室与配电装置": 10, "现场照明": D("4.7")}),
        not_applicable=codes(TEMPORARY_POWER, "接地与接零保护系统"),
    )
    assert first.score == D("82.22")
    assert second.score == D("81.63")


def test_missing_guarantee_item_rescales_the_40_point_test_exactly_at_two_thirds():
    # 安全装置 (15) 缺项: the other 保证项目 are worth 45; 30 of 45 rescales to exactly 40 → still scores.
    # (A 66.7 % shortcut would wrongly zero this table.)
    deductions = by_name(MATERIAL_HOIST, {"防护设施": 5, "附墙架与缆风绳": 5, "钢丝绳": 3, "安拆、验收与使用": 2})
    result = score_table(MATERIAL_HOIST, deductions, not_applicable=codes(MATERIAL_HOIST, "安全装置"))
    assert (result.guarantee_scored, result.guarantee_checked) == (D(30), 45)
    assert result.zero_reason is None
    assert result.score == D("82.35")  # 70 / 85 × 100


def test_missing_guarantee_item_rescaled_subtotal_under_40_zeroes_the_table():
    # The exam case of the 1999 edition, on 2011 points: 外电防护 缺项, the other 保证项目 score 30 of 50.
    result = score_table(
        TEMPORARY_POWER,
        by_name(TEMPORARY_POWER, {"接地与接零保护系统": 8, "配电线路": 4, "配电箱与开关箱": 8}),
        not_applicable=codes(TEMPORARY_POWER, "外电防护"),
    )
    assert (result.guarantee_scored, result.guarantee_checked) == (D(30), 50)
    assert result.score == D(0)
    assert result.zero_reason == ZeroReason.GUARANTEE_SUBTOTAL_BELOW_40


# --- one table: bad input ---------------------------------------------------------------------------


def test_a_single_deduction_over_the_items_points_is_refused():
    with pytest.raises(ValueError, match=r"安全管理 1 安全生产责任制: a deduction of 11 exceeds the item's 10 points"):
        score_table(SAFETY_MANAGEMENT, {"1": 11})


def test_a_negative_deduction_is_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        score_table(SAFETY_MANAGEMENT, {"1": -2})


def test_an_unknown_item_is_refused():
    with pytest.raises(ValueError, match=r"安全管理 \(B.1\) has no check item '11'"):
        score_table(SAFETY_MANAGEMENT, {"11": 2})
    with pytest.raises(ValueError, match="has no check item"):
        score_table(SAFETY_MANAGEMENT, not_applicable=["0"])


@pytest.mark.parametrize("value", [1.5, True, None, "abc", D("NaN"), D("Infinity")])
def test_non_numeric_deductions_are_refused(value):
    with pytest.raises(ValueError, match="安全管理 7 分包单位安全管理"):
        score_table(SAFETY_MANAGEMENT, {"7": value})


def test_an_item_cannot_be_both_missing_and_deducted():
    with pytest.raises(ValueError, match=r"items 1 are marked 缺项 and also given deductions"):
        score_table(TEMPORARY_POWER, {"1": 2}, not_applicable=["1"])


def test_a_table_with_every_item_missing_is_refused():
    with pytest.raises(ValueError, match="every item is 缺项"):
        score_table(WORK_AT_HEIGHT, not_applicable=[item.code for item in WORK_AT_HEIGHT.items])


def test_a_table_with_every_guarantee_item_missing_is_refused():
    with pytest.raises(ValueError, match="every 保证项目 is 缺项"):
        score_table(FOUNDATION_PIT, not_applicable=["1", "2", "3", "4", "5", "6"])


# --- several tables of one line (§4.0.3-6) ------------------------------------------------------------


def test_scaffold_variants_are_averaged():
    fastener, cantilever = filled(FASTENER_SCAFFOLD, 86), filled(CANTILEVER_SCAFFOLD, 80)
    assert average_table_scores([fastener, cantilever]) == D("83.00")
    assert summary_line_score(jgj59.sheet("scaffold"), D("83.00")) == D("8.30")


def test_two_tower_cranes_and_a_lifting_sheet_are_averaged_together():
    scores = [filled(TOWER_CRANE, 90), filled(TOWER_CRANE, 85), filled(LIFTING_OPERATIONS, 81)]
    assert average_table_scores(scores) == D("85.33")  # 256 / 3


def test_tables_of_different_lines_cannot_be_averaged():
    with pytest.raises(ValueError, match="different summary lines"):
        average_table_scores([filled(TOWER_CRANE, 90), filled(MATERIAL_HOIST, 90)])
    with pytest.raises(ValueError, match="no score tables"):
        average_table_scores([])


# --- the summary sheet (§4.0.3-4, -5) and the grade (§5.0.2) -----------------------------------------


def every_line_at(score: int) -> list:
    return [filled(sheet.variants[0], score) for sheet in SUMMARY_SHEETS]


def test_summary_of_every_line_at_80_is_80_and_good():
    summary = score_summary(every_line_at(80))
    assert summary.total == D("80.00")
    assert summary.grade == Grade.GOOD
    assert summary.grade.label == "优良"


def test_summary_of_every_line_at_70_is_70_and_pass():
    summary = score_summary(every_line_at(70))
    assert [line.score for line in summary.lines] == [
        D(n) for n in ("7", "10.5", "7", "7", "7", "7", "7", "7", "7", "3.5")
    ]
    assert summary.total == D("70.00")
    assert summary.grade == Grade.PASS


def test_summary_with_missing_lines_rescales_over_the_weights_checked():
    # 塔式起重机与起重吊装 (10) and 施工机具 (5) 缺项: 72.3 of 85 → 85.06
    tables = [
        filled(SAFETY_MANAGEMENT, 85),
        filled(CIVILIZED_CONSTRUCTION, 90),
        filled(FASTENER_SCAFFOLD, 80),
        filled(FOUNDATION_PIT, 82),
        filled(FORMWORK_SUPPORT, 85),
        filled(WORK_AT_HEIGHT, 85),
        filled(TEMPORARY_POWER, 85),
        filled(MATERIAL_HOIST, 86),
    ]
    summary = score_summary(tables)
    assert [line.score for line in summary.lines] == [
        D("8.50"),
        D("13.50"),
        D("8.00"),
        D("8.20"),
        D("8.50"),
        D("8.50"),
        D("8.50"),
        D("8.60"),
        None,
        None,
    ]
    assert (summary.points_scored, summary.points_checked) == (D("72.30"), 85)
    assert summary.total == D("85.06")
    assert summary.grade == Grade.GOOD


def test_summary_averages_scaffold_variants_and_rescales_a_missing_line():
    tables = [
        filled(SAFETY_MANAGEMENT, 85),
        filled(CIVILIZED_CONSTRUCTION, 80),
        filled(FASTENER_SCAFFOLD, 86),
        filled(CANTILEVER_SCAFFOLD, 80),
        filled(FOUNDATION_PIT, 82),
        filled(FORMWORK_SUPPORT, 85),
        filled(WORK_AT_HEIGHT, 85),
        filled(TEMPORARY_POWER, 85),
        filled(MATERIAL_HOIST, 86),
        filled(CONSTRUCTION_MACHINERY, 90),
    ]
    summary = score_summary(tables)
    scaffold = summary.lines[2]
    assert (scaffold.table_score, scaffold.score) == (D("83.00"), D("8.30"))
    assert summary.lines[8].applicable is False
    assert (summary.points_scored, summary.points_checked) == (D("75.60"), 90)
    assert summary.total == D("84.00")
    assert summary.grade == Grade.GOOD


def test_a_zero_table_fails_the_site_whatever_the_total():
    tables = every_line_at(100)
    tables[0] = score_table(SAFETY_MANAGEMENT, {"1": 10})  # 安全管理 at zero
    summary = score_summary(tables)
    assert summary.total == D("90.00")
    assert summary.has_zero_table is True
    assert summary.grade == Grade.FAIL
    assert summary.grade.label == "不合格"


def test_a_zero_scaffold_averaged_with_a_good_one_still_fails_the_site():
    tables = [*every_line_at(100), score_table(CANTILEVER_SCAFFOLD, {"2": 10})]
    summary = score_summary(tables)
    assert summary.lines[2].table_score == D("50.00")
    assert summary.total == D("95.00")
    assert summary.grade == Grade.FAIL


def test_a_line_with_one_variant_takes_only_one_table():
    with pytest.raises(ValueError, match="安全管理: 2 score tables given"):
        score_summary([filled(SAFETY_MANAGEMENT, 90), filled(SAFETY_MANAGEMENT, 80)])


def test_a_summary_needs_at_least_one_table():
    with pytest.raises(ValueError, match="at least one score table"):
        score_summary([])


@pytest.mark.parametrize(
    ("total", "has_zero_table", "expected"),
    [
        ("100", False, Grade.GOOD),
        ("80.00", False, Grade.GOOD),
        ("79.99", False, Grade.PASS),
        ("70.00", False, Grade.PASS),
        ("69.99", False, Grade.FAIL),
        ("0", False, Grade.FAIL),
        ("100", True, Grade.FAIL),
        ("80.00", True, Grade.FAIL),
        ("75", True, Grade.FAIL),
    ],
)
def test_grade_thresholds_at_their_edges(total, has_zero_table, expected):
    assert grade(D(total), has_zero_table=has_zero_table) == expected


@pytest.mark.parametrize("total", [D("-0.01"), D("100.01"), D("NaN"), 80])
def test_grade_refuses_a_total_outside_0_to_100(total):
    with pytest.raises(ValueError, match="between 0 and 100"):
        grade(total, has_zero_table=False)


def test_unknown_codes_are_refused():
    with pytest.raises(ValueError, match="no JGJ 59-2011 score table 'crane'"):
        jgj59.table("crane")
    with pytest.raises(ValueError, match="no JGJ 59-2011 summary line 'crane'"):
        jgj59.sheet("crane")
