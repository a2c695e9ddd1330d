"""Validators for identifiers Chinese agencies use."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 §4: the code character set (digits and upper-case letters without I, O, Z, S, V).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 §5 / Annex: weights of positions 1–17 for the check character (mod 31).
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code, computed from the first 17 (GB 32100-2015)."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Reject a 统一社会信用代码 that is not 18 valid characters or whose check character is wrong.

    The message names the first offending position, so a clerk can find a typo in a long code.
    """
    code = (value or "").strip()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.") % {"count": len(code)},
            code="length",
        )
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_CHARSET:
            hint = _(" (letters must be upper case)") if char.upper() in CREDIT_CODE_CHARSET else ""
            raise ValidationError(
                _("Character %(position)d (“%(char)s”) is not allowed in a unified social credit code%(hint)s.")
                % {"position": position, "char": char, "hint": hint},
                code="character",
            )
    for position in range(3, 9):
        if not code[position - 1].isdigit():
            raise ValidationError(
                _("Character %(position)d must be a digit: positions 3–8 are the administrative division code.")
                % {"position": position},
                code="division",
            )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character (position 18) is “%(given)s” but should be “%(expected)s”: a character is mistyped.")
            % {"given": code[17], "expected": expected},
            code="checksum",
        )
