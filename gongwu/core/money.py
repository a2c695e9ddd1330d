"""Money is stored in 元 as Decimal and shown the way agencies write it: 万元 or 亿元."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _fmt(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def format_wan(value: object, places: int = 2) -> str:
    """12,345,678 元 → '1,234.57 万元'."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    return _("%(amount)s ten-thousand yuan") % {"amount": _fmt(amount / WAN, places)}


def format_yi(value: object, places: int = 2) -> str:
    """8,960,000,000 元 → '89.60 亿元'."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    return _("%(amount)s hundred-million yuan") % {"amount": _fmt(amount / YI, places)}


def format_money(value: object) -> str:
    """亿元 from one 亿 up, 万元 below; small sums in 元."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    if abs(amount) >= YI:
        return format_yi(amount)
    if abs(amount) >= WAN:
        return format_wan(amount)
    return _("%(amount)s yuan") % {"amount": _fmt(amount, 2)}
