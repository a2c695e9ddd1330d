"""Scoring of JGJ 59-2011 《建筑施工安全检查标准》 sheets: pure functions, no Django.

The rules are those of chapter 4 (检查评分方法, §4.0.1–§4.0.3) and chapter 5 (检查评定等级,
§5.0.1–§5.0.3). Each function names the clause it implements.

Arithmetic is in ``Decimal``. The standard prescribes no rounding; its worked examples and the exam keys
built on them write scores with two decimals (72.3 / 85 × 100 = 85.06). So every figure a sheet shows —
a sub-table's 实得分, a line's average, a line's 汇总 score A1, the 汇总 total — is rounded half up to
0.01 and the next step works from that written figure, as on paper. The grade is read from the written
total. The guarantee-subtotal test compares exact values (no 66.7 % approximation of 40/60).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from gongwu.inspections.jgj59 import SUMMARY_SHEETS, Item, ScoreTable, Sheet, sheet_for_table

Points = Decimal | int | str

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
GUARANTEE_FULL = Decimal(60)  # 保证项目 小计 full value in every table that has them
GUARANTEE_MINIMUM = Decimal(40)  # §4.0.3-3: 保证项目小计得分不足40分 → the table scores 0
GOOD_MINIMUM = Decimal(80)  # §5.0.2-1
PASS_MINIMUM = Decimal(70)  # §5.0.2-2


class Grade(StrEnum):
    """建筑施工安全检查评定等级 (§5.0.1)."""

    GOOD = "good"
    PASS = "pass"  # noqa: S105 — the grade 合格, not a password
    FAIL = "fail"

    @property
    def label(self) -> str:
        return {"good": "优良", "pass": "合格", "fail": "不合格"}[self.value]


class ZeroReason(StrEnum):
    """Why a 分项检查评分表 scored 0 under §4.0.3-3."""

    GUARANTEE_ITEM_AT_ZERO = "guarantee_item_at_zero"
    GUARANTEE_SUBTOTAL_BELOW_40 = "guarantee_subtotal_below_40"


@dataclass(frozen=True)
class ItemResult:
    item: Item
    applicable: bool
    deduction: Decimal  # after the cap of §4.0.3-2; 0 when not applicable
    score: Decimal | None  # None when the item is 缺项


@dataclass(frozen=True)
class TableScore:
    """The result of one filled-in 分项检查评分表."""

    table: ScoreTable
    items: tuple[ItemResult, ...]
    points_scored: Decimal  # D: 实查项目实得分值之和
    points_checked: int  # E: 实查项目应得满分值之和
    guarantee_scored: Decimal  # 保证项目小计 of the items checked
    guarantee_checked: int
    zero_reason: ZeroReason | None
    score: Decimal  # 实得分, out of 100, two decimals

    @property
    def is_zero(self) -> bool:
        return self.score == 0


@dataclass(frozen=True)
class SummaryLine:
    """One line of the 检查评分汇总表; ``tables`` is empty when the whole line is 缺项."""

    sheet: Sheet
    tables: tuple[TableScore, ...]
    table_score: Decimal | None  # C: the table's score, or the mean of several (§4.0.3-6)
    score: Decimal | None  # A1 = B × C / 100 (§4.0.3-4)

    @property
    def applicable(self) -> bool:
        return bool(self.tables)


@dataclass(frozen=True)
class SummaryScore:
    lines: tuple[SummaryLine, ...]
    points_scored: Decimal  # sum of A1 over the lines checked
    points_checked: int  # sum of B over the lines checked
    total: Decimal  # 汇总表 总得分, two decimals
    has_zero_table: bool
    grade: Grade


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _points(value: object, *, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"{what}: points must be a Decimal, an int or a numeric string, not {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{what}: a deduction cannot be negative ({number})")
    return number


def _item_deduction(item: Item, given: Points | Sequence[Points], table: ScoreTable) -> Decimal:
    """§4.0.3-2: deductions are subtracted from the item; their sum never exceeds the item's points.

    ``given`` is either the item's deduction or the list of deductions for each 扣分标准 it broke. A
    single deduction larger than the item's points is a mistake, not something to cap.
    """
    what = f"{table.name} {item.code} {item.text}"
    parts = list(given) if isinstance(given, list | tuple) else [given]
    total = Decimal(0)
    for part in parts:
        deduction = _points(part, what=what)
        if deduction > item.points:
            raise ValueError(f"{what}: a deduction of {deduction} exceeds the item's {item.points} points")
        total += deduction
    return min(total, Decimal(item.points))


def score_table(
    table: ScoreTable,
    deductions: Mapping[str, Points | Sequence[Points]] | None = None,
    *,
    not_applicable: Iterable[str] = (),
) -> TableScore:
    """Score one 分项检查评分表 from the deductions on its items (keyed by item code, the row's 序号).

    Items not in ``deductions`` score full marks. Items in ``not_applicable`` are 缺项.

    - §4.0.3-1: the table is out of 100; its score is the sum of its items' scores.
    - §4.0.3-2: scoring is by deduction, capped at each item's 应得分值.
    - §4.0.3-5: with 缺项, the table scores A2 = D / E × 100 (D: points scored on the items checked,
      E: their full points).
    - §4.0.3-3: the table scores 0 when any 保证项目 scores 0 or the 保证项目小计 is under 40. With a
      保证项目 缺项 the subtotal is first rescaled to the 60 points of the full set, i.e. the table scores
      0 when (scored / checked) × 60 < 40.
    - §4.0.1 asks that every 保证项目 be checked; one that does not exist on the site is 缺项.
    """
    deductions = dict(deductions or {})
    missing = set(not_applicable)
    for code in [*deductions, *missing]:
        table.item(code)  # raises ValueError for an unknown item
    both = sorted(missing & deductions.keys(), key=int)
    if both:
        raise ValueError(f"{table.name}: items {', '.join(both)} are marked 缺项 and also given deductions")

    results: list[ItemResult] = []
    for item in table.items:
        if item.code in missing:
            results.append(ItemResult(item, applicable=False, deduction=Decimal(0), score=None))
            continue
        deduction = _item_deduction(item, deductions.get(item.code, 0), table)
        results.append(ItemResult(item, applicable=True, deduction=deduction, score=item.points - deduction))

    checked = [result for result in results if result.applicable]
    if not checked:
        raise ValueError(f"{table.name}: every item is 缺项; leave the table out of the summary instead")
    guarantee = [result for result in checked if result.item.guarantee]
    if table.has_guarantee_items and not guarantee:
        raise ValueError(f"{table.name}: every 保证项目 is 缺项; the table cannot be scored (§4.0.1)")

    points_scored = sum((result.score for result in checked if result.score is not None), Decimal(0))
    points_checked = sum(result.item.points for result in checked)
    guarantee_scored = sum((result.score for result in guarantee if result.score is not None), Decimal(0))
    guarantee_checked = sum(result.item.points for result in guarantee)

    zero_reason = _guarantee_zero_reason(guarantee, guarantee_scored, guarantee_checked)
    score = Decimal(0) if zero_reason else _round(points_scored * HUNDRED / points_checked)
    return TableScore(
        table=table,
        items=tuple(results),
        points_scored=points_scored,
        points_checked=points_checked,
        guarantee_scored=guarantee_scored,
        guarantee_checked=guarantee_checked,
        zero_reason=zero_reason,
        score=score,
    )


def _guarantee_zero_reason(
    guarantee: Sequence[ItemResult], guarantee_scored: Decimal, guarantee_checked: int
) -> ZeroReason | None:
    """§4.0.3-3, with the 缺项 rescaling of §4.0.3-5 applied to the 保证项目小计."""
    if not guarantee:
        return None  # 高处作业 and 施工机具 have no 保证项目
    if any(result.score == 0 for result in guarantee):
        return ZeroReason.GUARANTEE_ITEM_AT_ZERO
    # (scored / checked) × 60 < 40, kept exact by cross-multiplying
    if guarantee_scored * GUARANTEE_FULL < GUARANTEE_MINIMUM * guarantee_checked:
        return ZeroReason.GUARANTEE_SUBTOTAL_BELOW_40
    return None


def average_table_scores(scores: Sequence[TableScore]) -> Decimal:
    """§4.0.3-6: 脚手架, 物料提升机与施工升降机 and 塔式起重机与起重吊装 take the arithmetic mean of the
    分项检查评分表 filled in for them (several scaffolds, a hoist and a lift, two tower cranes …).
    """
    if not scores:
        raise ValueError("no score tables to average")
    lines = {sheet_for_table(score.table).code for score in scores}
    if len(lines) > 1:
        raise ValueError(f"cannot average score tables of different summary lines: {', '.join(sorted(lines))}")
    return _round(sum((score.score for score in scores), Decimal(0)) / len(scores))


def summary_line_score(sheet: Sheet, table_score: Decimal) -> Decimal:
    """§4.0.3-4: A1 = B × C / 100, B the line's weight in the 汇总表 and C its table's score."""
    return _round(sheet.weight * table_score / HUNDRED)


def score_summary(table_scores: Iterable[TableScore]) -> SummaryScore:
    """Fill the 检查评分汇总表 (附录 A) from the 分项检查评分表 scored on this inspection.

    Each table goes to its line; a line with no table is 缺项. A line that has one variant takes exactly
    one table; the three lines with variants take any number and average them (§4.0.3-6).

    - §4.0.3-1: the 汇总表 is out of 100; §4.0.3-4: each line scores A1 = B × C / 100.
    - §4.0.3-5: with lines 缺项, the total is A2 = D / E × 100 (D: the A1 of the lines checked,
      E: their weights).
    - The grade follows :func:`grade`.
    """
    by_line: dict[str, list[TableScore]] = {sheet.code: [] for sheet in SUMMARY_SHEETS}
    for table_score in table_scores:
        by_line[sheet_for_table(table_score.table).code].append(table_score)

    lines: list[SummaryLine] = []
    for sheet in SUMMARY_SHEETS:
        filled = by_line[sheet.code]
        if not filled:
            lines.append(SummaryLine(sheet, (), None, None))
            continue
        if len(sheet.variants) == 1 and len(filled) > 1:
            raise ValueError(
                f"{sheet.name}: {len(filled)} score tables given; only 脚手架, 物料提升机与施工升降机 and "
                "塔式起重机与起重吊装 average several (§4.0.3-6)"
            )
        table_score = average_table_scores(filled)
        lines.append(SummaryLine(sheet, tuple(filled), table_score, summary_line_score(sheet, table_score)))

    checked = [line for line in lines if line.applicable]
    if not checked:
        raise ValueError("the summary needs at least one score table")
    points_scored = sum((line.score for line in checked if line.score is not None), Decimal(0))
    points_checked = sum(line.sheet.weight for line in checked)
    total = _round(points_scored * HUNDRED / points_checked)
    has_zero_table = any(table.is_zero for line in checked for table in line.tables)
    return SummaryScore(
        lines=tuple(lines),
        points_scored=points_scored,
        points_checked=points_checked,
        total=total,
        has_zero_table=has_zero_table,
        grade=grade(total, has_zero_table=has_zero_table),
    )


def grade(total: Decimal, *, has_zero_table: bool) -> Grade:
    """§5.0.1–§5.0.2: the grade from the 汇总表 total and whether any 分项检查评分表 scored 0.

    - 优良: no 分项检查评分表 at 0 and a total of 80 or more.
    - 合格: no 分项检查评分表 at 0 and a total under 80 but at least 70.
    - 不合格: a total under 70, or any 分项检查评分表 at 0 (also one that was averaged with others).

    §5.0.3 (mandatory): a 不合格 site must be rectified within a deadline until it is 合格.
    """
    if not isinstance(total, Decimal) or not total.is_finite() or not 0 <= total <= HUNDRED:
        raise ValueError(f"a summary total must be a Decimal between 0 and 100, not {total!r}")
    if has_zero_table or total < PASS_MINIMUM:
        return Grade.FAIL
    if total < GOOD_MINIMUM:
        return Grade.PASS
    return Grade.GOOD
