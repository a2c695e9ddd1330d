"""The read layer every figure page shares: what is asked for (`Selection`), one number (`Figure`), and the
registry of named figures that dashboards, the API and the reports compute from a selection.

An app keeps its figure queries in its own `figures.py` and registers the figures others may ask for in its
`AppConfig.ready()` with `register_figure`; `compute(key, selection)` gives one.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.money import format_money
from gongwu.core.periods import Period, change_percent

if TYPE_CHECKING:
    from gongwu.core.models import Organization

FIRST_YEAR, LAST_YEAR = 1990, 2100
ALL = "all"


class Unit(TextChoices):
    COUNT = "count", gettext_lazy("count")
    YUAN = "yuan", gettext_lazy("yuan")
    PERCENT = "percent", gettext_lazy("percent")
    DAYS = "days", gettext_lazy("days")
    AREA = "m2", gettext_lazy("square metres")
    SCORE = "score", gettext_lazy("score")


class PeriodKind(TextChoices):
    """The shapes of period a figure may be asked for; `ANY` is every from/to."""

    YEAR = "year", gettext_lazy("calendar year")
    QUARTER = "quarter", gettext_lazy("quarter")
    MONTH = "month", gettext_lazy("month")
    YEAR_TO_MONTH = "year_to_month", gettext_lazy("year to the end of a month")
    ANY = "any", gettext_lazy("any period")


def period_kinds(period: Period) -> set[str]:
    """Every shape `period` has: 2026-01-01…2026-03-31 is a quarter and a year to the end of March."""
    start, end = period.start, period.end
    month_end = end.day == calendar.monthrange(end.year, end.month)[1]
    kinds = {PeriodKind.ANY.value}
    if start.year != end.year or start.day != 1 or not month_end:
        return kinds
    if start.month == 1:
        kinds.add(PeriodKind.YEAR_TO_MONTH)
        if end.month == 12:
            kinds.add(PeriodKind.YEAR)
    if start.month == end.month:
        kinds.add(PeriodKind.MONTH)
    if start.month % 3 == 1 and end.month == start.month + 2:
        kinds.add(PeriodKind.QUARTER)
    return kinds


# ---- who may see which agency's figures -----------------------------------------------------------


def visible_agencies(user: Any) -> list[Organization]:
    """The agencies whose figures `user` may see: every agency for a superuser, otherwise their own and, for a
    regulator, every agency below it. A company's user sees no agency's figures."""
    from gongwu.core.models import Organization, OrganizationKind, Role

    if not getattr(user, "is_authenticated", False) or getattr(user, "role", None) == Role.COMPANY:
        return []
    agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
    if not user.is_superuser:
        agencies = agencies.filter(pk__in=user.visible_agency_ids())
    return list(agencies.order_by("parent_id", "name"))


# ---- the selection -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What a figure page or query asks for: a period, and one agency or all the agencies on offer.

    `agencies` are the agencies the user may choose from (already narrowed to what they may see); `agency` is
    the one chosen, or None for all of them. `months` says the selection is "a year to the end of a month"
    (the investment dashboard's shape) rather than a year or from/to.
    """

    period: Period
    agencies: tuple[Organization, ...]
    agency: Organization | None = None
    errors: tuple[str, ...] = ()
    months: bool = False
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per selection: several figures read from the same totals (and `previous()` is a
        new selection, so the year before is computed apart)."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    @property
    def agency_ids(self) -> list[int]:
        return [self.agency.pk] if self.agency is not None else [a.pk for a in self.agencies]

    @property
    def year(self) -> int:
        return self.period.end.year if self.months else self.period.start.year

    @property
    def month(self) -> int:
        return self.period.end.month

    @property
    def whole_year(self) -> bool:
        return PeriodKind.YEAR in period_kinds(self.period)

    @property
    def kinds(self) -> set[str]:
        return period_kinds(self.period)

    @property
    def years(self) -> list[int]:
        """The years to offer: the last ten and the one shown."""
        this_year = timezone.localdate().year
        return sorted(set(range(this_year, this_year - 10, -1)) | {self.year}, reverse=True)

    @property
    def month_choices(self) -> range:
        return range(1, 13)

    def previous(self) -> Selection:
        """The same selection a year earlier (the comparison every report makes)."""
        return self.memo("core.previous", lambda: replace(self, period=self.period.previous_year(), errors=()))

    def with_agency(self, agency: Organization | None) -> Selection:
        return replace(self, agency=agency)

    def query(self, **extra: Any) -> dict[str, Any]:
        """The query string that asks for this selection again (for links and the filter form)."""
        query: dict[str, Any] = {}
        if self.months:
            query.update(year=self.year, month=self.month)
        elif self.whole_year:
            query["year"] = self.year
        else:
            query.update({"from": self.period.start.isoformat(), "to": self.period.end.isoformat()})
        if self.agency is not None:
            query["agency"] = self.agency.pk
        elif len(self.agencies) > 1:
            query["agency"] = ALL
        query.update(extra)
        return {k: v for k, v in query.items() if v not in (None, "", [], ())}

    def querystring(self, **extra: Any) -> str:
        return urlencode(self.query(**extra), doseq=True)

    def url(self, name: str, params: Mapping[str, Any] | None = None) -> str:
        """The address of a list behind a figure, narrowed to the chosen agency; `params` are the list's own
        filters (the period is the list's to express, in its filter names)."""
        query: dict[str, Any] = {"agency": self.agency.pk} if self.agency is not None else {}
        query.update(params or {})
        clean = {k: v for k, v in query.items() if v not in (None, "", [], ())}
        return reverse(name) + ("?" + urlencode(clean, doseq=True) if clean else "")

    @classmethod
    def from_query(
        cls,
        user: Any,
        query: Mapping[str, Any],
        *,
        agencies: Iterable[Organization] | None = None,
        own_agency_first: bool = False,
        default_month: tuple[int, int] | None = None,
    ) -> Selection:
        """The selection `query` asks for, within what `user` may see; bad input is reported in `errors`
        and replaced by the default (this year; all agencies, or the user's own with `own_agency_first`).

        The period is `year` (this year by default) or `from`/`to` (YYYY-MM-DD); with `default_month`
        (year, month) it is `year` and `month`, from 1 January to the end of that month.
        """
        offered = tuple(visible_agencies(user) if agencies is None else agencies)
        errors: list[str] = []
        months = default_month is not None
        period = _year_to_month(query, default_month, errors) if default_month else _period(query, errors)
        agency = _agency(user, query.get("agency") or "", offered, own_agency_first, errors)
        return cls(period, offered, agency, tuple(errors), months=months)

    @classmethod
    def from_request(cls, request: Any, **options: Any) -> Selection:
        return cls.from_query(request.user, request.GET, **options)


def _year(value: Any, default: int, errors: list[str]) -> int:
    try:
        year = int(value or default)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            _("The year must be a number between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
        return default
    return year


def _period(query: Mapping[str, Any], errors: list[str]) -> Period:
    year = _year(query.get("year"), timezone.localdate().year, errors)
    period = Period.year(year)
    start, end = query.get("from"), query.get("to")
    if not (start or end):
        return period
    try:
        chosen = Period(
            datetime.date.fromisoformat(str(start)) if start else period.start,
            datetime.date.fromisoformat(str(end)) if end else period.end,
        )
    except ValueError:
        errors.append(_("Dates are written YYYY-MM-DD."))
        return period
    if chosen.end < chosen.start:
        errors.append(_("The period ends before it starts."))
        return period
    if chosen.start.year < FIRST_YEAR or chosen.end.year > LAST_YEAR:
        errors.append(
            _("The year must be a number between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
        return period
    return chosen


def _year_to_month(query: Mapping[str, Any], default: tuple[int, int], errors: list[str]) -> Period:
    default_year, default_month = default
    year = _year(query.get("year"), default_year, errors)
    fallback = default_month if year == default_year else 12
    try:
        month = int(query.get("month") or fallback)
        if not 1 <= month <= 12:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(_("The month must be a number from 1 to 12."))
        month = fallback
    return Period(datetime.date(year, 1, 1), datetime.date(year, month, calendar.monthrange(year, month)[1]))


def _agency(
    user: Any, wanted: Any, offered: tuple[Organization, ...], own_first: bool, errors: list[str]
) -> Organization | None:
    wanted = str(wanted)
    by_id = {str(a.pk): a for a in offered}
    if wanted == ALL:
        return None
    if wanted:
        if wanted in by_id:
            return by_id[wanted]
        errors.append(_("You may not see that agency's figures; showing what you may see."))
    if own_first or len(offered) == 1:
        own = getattr(user, "agency", None)
        if own is not None and str(own.pk) in by_id:
            return by_id[str(own.pk)]
        if len(offered) == 1:
            return offered[0]
    return None


# ---- one figure ------------------------------------------------------------------------------------


def number(value: Any) -> str:
    """A count or quantity as reports write it: 18,600 · 17.25 (no trailing zeros); — for none."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value:,f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def shown(value: Any, unit: str) -> str:
    """A figure's value in the unit reports use: money in 万元/亿元, rates with one or two places and %."""
    if value is None:
        return "—"
    if isinstance(value, (str, Promise)):
        return str(value)
    if unit == Unit.YUAN:
        return format_money(value)
    if unit == Unit.PERCENT:
        return f"{number(value)}%"
    if unit == Unit.DAYS:
        return _("%(days)s days") % {"days": number(value)}
    return number(value)


@dataclass(frozen=True)
class Figure:
    """One number of a page, the same number for the previous period (when compared), and the address of the
    list of exactly the records it counts."""

    key: str
    label: str
    value: Any
    unit: str = Unit.COUNT
    url: str = ""
    previous: Any = None
    note: str = ""
    children: tuple[Figure, ...] = ()

    @property
    def shown(self) -> str:
        return shown(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        return shown(self.previous, self.unit)

    @property
    def change(self) -> Decimal | None:
        """The change against the previous period in % (one decimal); None without a comparison.

        For a rate the change is in percentage points (80.3% after 75.1% is +5.2)."""
        if self.previous is None or isinstance(self.value, str) or isinstance(self.previous, str):
            return None
        if self.unit == Unit.PERCENT:
            if self.value is None:
                return None
            return (Decimal(self.value) - Decimal(self.previous)).quantize(Decimal("0.1"))
        return change_percent(self.value, self.previous)

    @property
    def change_shown(self) -> str:
        change = self.change
        if change is None:
            return ""
        sign = "+" if change > 0 else ""
        if self.unit == Unit.PERCENT:
            return _("%(sign)s%(points)s points") % {"sign": sign, "points": change}
        return f"{sign}{change}%"

    @property
    def trend(self) -> str:
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"

    def as_json(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Promise):
            value = str(value)
        return {
            "key": self.key,
            "label": str(self.label),
            "value": value,
            "unit": str(self.unit),
            "shown": self.shown,
            "previous": self.previous,
            "change": self.change,
            "url": self.url,
        }


def reading(value: Any, *, url: str = "", note: str = "", children: tuple[Figure, ...] = ()) -> Figure:
    """What a registered figure function returns when the registration already names the figure: its value and
    the list behind it (key, label and unit come from `register_figure`)."""
    return Figure(key="", label="", value=value, url=url, note=note, children=children)


# ---- the registry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    """A figure other pages and the reports may ask for by its key ("projects.completed")."""

    key: str
    label: Any
    unit: str
    periods: frozenset[str]
    function: Callable[[Selection], Any]
    description: Any = ""
    compared: bool = True
    model: type | None = None

    def visible_to(self, user: Any) -> bool:
        """Whether `user`'s role may read the records this figure counts (the figure itself is scoped to the
        selection's agencies)."""
        from gongwu.core.models import Action, user_may

        return self.model is None or user_may(user, self.model, Action.VIEW)

    def unsupported_message(self) -> str:
        periods = ", ".join(str(PeriodKind(p).label) for p in sorted(self.periods))
        return _("%(figure)s is given for: %(periods)s.") % {"figure": self.label, "periods": periods}

    def compute(self, selection: Selection) -> Figure:
        result = self.function(selection)
        if not isinstance(result, Figure):
            return Figure(key=self.key, label=str(self.label), value=result, unit=self.unit)
        if not result.key:  # a `reading`: the registration names it
            return replace(result, key=self.key, label=str(self.label), unit=self.unit)
        return result

    def supports(self, selection: Selection) -> bool:
        return bool(self.periods & selection.kinds)


_REGISTRY: dict[str, FigureSpec] = {}


def register_figure(
    key: str,
    label: Any,
    *,
    unit: str = Unit.COUNT,
    periods: Iterable[str] = (PeriodKind.ANY,),
    description: Any = "",
    compared: bool = True,
    model: type | None = None,
) -> Callable[[Callable[[Selection], Any]], Callable[[Selection], Any]]:
    """Register `fn(selection) -> Figure | value` as figure `key`; used as a decorator in an app's figures.py
    and called (by importing that module) from its AppConfig.ready(). `model` is the kind of record counted:
    a user whose role may not view it is not given the figure. Registering the same key again with
    the same function is allowed (ready() can run twice); with another function it is an error."""
    if "." not in key:
        raise ValueError(f"A figure key is app.name, not {key!r}.")
    kinds = frozenset(str(p) for p in periods)
    unknown = kinds - set(PeriodKind.values)
    if unknown:
        raise ValueError(f"Unknown period kinds {sorted(unknown)} for figure {key!r}.")

    def decorate(fn: Callable[[Selection], Any]) -> Callable[[Selection], Any]:
        existing = _REGISTRY.get(key)
        if existing is not None and _name(existing.function) != _name(fn):
            raise ValueError(f"Figure {key!r} is registered twice.")
        _REGISTRY[key] = FigureSpec(key, label, str(unit), kinds, fn, description, compared, model)
        return fn

    return decorate


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def unregister_figure(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered_figures(app_label: str | None = None) -> list[FigureSpec]:
    specs = sorted(_REGISTRY.values(), key=lambda s: s.key)
    return [s for s in specs if app_label is None or s.key.split(".", 1)[0] == app_label]


def figure_spec(key: str) -> FigureSpec | None:
    return _REGISTRY.get(key)


class UnsupportedPeriod(ValueError):
    pass


def compute(key: str, selection: Selection, *, compare: bool = True) -> Figure:
    """Figure `key` for `selection`, with its value for the previous period when it is compared."""
    spec = _REGISTRY.get(key)
    if spec is None:
        raise KeyError(key)
    if not spec.supports(selection):
        raise UnsupportedPeriod(spec.unsupported_message())
    figure = spec.compute(selection)
    if compare and spec.compared and figure.previous is None and selection.period.start.year > FIRST_YEAR:
        figure = replace(figure, previous=spec.compute(selection.previous()).value)
    return figure


def require_agencies(selection: Selection, message: str | None = None) -> None:
    """Refuse (403) a figure page to a user who may see no agency's figures."""
    if not selection.agencies:
        raise PermissionDenied(message or _("You may not view these figures."))
