"""Money shown the way agencies write it, in 万元 and 亿元 (English wording for stable assertions)."""

from decimal import Decimal

import pytest
from django.utils import translation

from gongwu.core.money import format_money, format_wan, format_yi


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12_345_678, "1,234.57 ten-thousand yuan"),
        (Decimal("12345"), "1.23 ten-thousand yuan"),
        (Decimal("12350"), "1.24 ten-thousand yuan"),  # half up, not half even
        ("250000.00", "25.00 ten-thousand yuan"),
        (0, "0.00 ten-thousand yuan"),
        (None, "—"),
        ("", "—"),
        ("abc", "—"),
    ],
)
def test_format_wan(value, text) -> None:
    assert format_wan(value) == text


def test_format_wan_with_one_place() -> None:
    assert format_wan(12_345_678, places=1) == "1,234.6 ten-thousand yuan"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (8_960_000_000, "89.60 hundred-million yuan"),
        (Decimal("123456789012"), "1,234.57 hundred-million yuan"),
        (None, "—"),
    ],
)
def test_format_yi(value, text) -> None:
    assert format_yi(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100_000_000, "1.00 hundred-million yuan"),
        (99_999_999, "10,000.00 ten-thousand yuan"),
        (10_000, "1.00 ten-thousand yuan"),
        (9_999.5, "9,999.50 yuan"),
        (-20_000, "-2.00 ten-thousand yuan"),
        (None, "—"),
    ],
)
def test_format_money_picks_the_unit(value, text) -> None:
    assert format_money(value) == text
