"""Cells that hold what people typed stay text in Excel.

openpyxl writes a string that starts with "=" as a live formula (`=HYPERLINK(…)`, `=cmd|…`), and Excel
turns a text cell that starts with = + - @, a tab or a carriage return into a formula as soon as someone
edits it (the CSV-injection prefixes of OWASP). Every export writes user text through `text_cell`: a
string cell, marked with Excel's quote prefix when it starts with one of those characters, so the value
is shown, kept and read back exactly as stored. Numbers (a negative amount included) stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_risky_text(value: Any) -> bool:
    """A string that Excel would (or might, once edited) take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def text_cell(cell: Cell) -> Cell:
    """Make a cell holding a string a text cell that Excel keeps as text (see the module's note)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_risky_text(cell.value):
            cell.quotePrefix = True
    return cell


def write_only_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet with every risky string wrapped in a text cell (others left as values,
    which openpyxl writes as plain strings and numbers: wrapping every cell would slow large exports)."""
    return [text_cell(WriteOnlyCell(sheet, value=v)) if is_risky_text(v) else v for v in values]


def append_text_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` for a normal (not write-only) sheet, with every string cell kept as text."""
    values = list(values)
    sheet.append(values)
    # the row just written (`max_row` would scan every cell of the sheet: quadratic over a large report)
    row = sheet._current_row  # type: ignore[attr-defined]  # openpyxl's own counter, not in its stubs
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and isinstance(cell := sheet.cell(row=row, column=column), Cell):
            text_cell(cell)  # (a row just appended has no merged cells)
