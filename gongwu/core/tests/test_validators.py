"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongwu.core.validators import credit_code_check_character, validate_credit_code


def message(code: str) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("first17", "check"),
    [("91350100M000100Y4", "3"), ("91110000100000000", "R"), ("91440300MA5F00000", "7")],
)
def test_check_character_is_computed_mod_31(first17: str, check: str) -> None:
    assert credit_code_check_character(first17) == check


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000100000000R", "91440300MA5F000007"])
def test_valid_codes_pass(code: str) -> None:
    validate_credit_code(code)


def test_wrong_check_character_names_the_expected_one() -> None:
    assert message("91350100M000100Y44") == (
        "The check character (position 18) is “4” but should be “3”: a character is mistyped."
    )


def test_lower_case_letter_is_refused_with_a_hint() -> None:
    assert message("91350100m000100Y43") == (
        "Character 9 (“m”) is not allowed in a unified social credit code (letters must be upper case)."
    )


@pytest.mark.parametrize(("letter", "position"), [("I", 9), ("O", 10), ("Z", 11), ("S", 12), ("V", 13)])
def test_letters_i_o_z_s_v_are_not_in_the_character_set(letter: str, position: int) -> None:
    code = "91350100M000100Y43"
    bad = code[: position - 1] + letter + code[position:]
    assert message(bad) == f"Character {position} (“{letter}”) is not allowed in a unified social credit code."


@pytest.mark.parametrize(("code", "count"), [("91350100M000100Y4", 17), ("91350100M000100Y431", 19), ("", 0)])
def test_wrong_length_is_refused_with_the_count(code: str, count: int) -> None:
    assert message(code) == f"A unified social credit code has 18 characters; this one has {count}."


def test_letter_in_the_division_code_is_refused() -> None:
    first17 = "9135A100M000100Y4"
    code = first17 + credit_code_check_character(first17)
    assert message(code) == "Character 5 must be a digit: positions 3–8 are the administrative division code."
