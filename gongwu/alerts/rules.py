"""A small, explicit rule framework.

A rule is a named Python function with a code, a description shown to users and parameters an agency
edits in the UI (thresholds, levels). Given the agency, its parameters and today's date, it yields a
`Match` for every subject that meets the condition, with the data that triggered it. The daily scan
(`services.scan`) opens a case per new match, raises the level of a live case whose condition worsens,
and clears a case whose condition has gone. Domain apps declare their rules in their own `rules.py`:

    @rule("projects.milestone_overdue", title=_("Milestone overdue"), description=…,
          params=[Param("grace_days", _("grace days"), default=0, minimum=0, maximum=90)])
    def milestone_overdue(agency_id, params, today): ...

and register them from their `ready()`: `register_rules(milestone_overdue, …)`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongwu.alerts.models import Kind, Level


@dataclass(frozen=True)
class Param:
    name: str
    label: Any
    default: int
    minimum: int = 0
    maximum: int = 10_000
    help: Any = ""

    def clean(self, value: Any) -> int:
        if value in (None, ""):
            return self.default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(_("%(param)s: write a whole number.") % {"param": self.label}) from None
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(
                _("%(param)s must be between %(min)s and %(max)s.")
                % {"param": self.label, "min": self.minimum, "max": self.maximum}
            )
        return number


@dataclass
class Match:
    """A subject that meets a rule's condition, and why."""

    subject: Any
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    level: str | None = None  # None: the level set for the rule
    kind: str | None = None  # None: the rule's kind; a 督办 here turns a live 提请关注 case into 督办
    severity: int = 0  # larger is worse (e.g. days late): recorded with the trigger
    deadline: datetime.date | None = None
    department_id: int | None = None
    responsible_person_id: int | None = None


@dataclass
class Rule:
    code: str
    title: Any
    description: Any
    find: Callable[[int, dict[str, int], datetime.date], Iterable[Match]]
    params: list[Param] = field(default_factory=list)
    level: str = Level.YELLOW
    kind: str = Kind.WARNING
    deadline_working_days: int = 10

    def defaults(self) -> dict[str, int]:
        return {p.name: p.default for p in self.params}

    def clean_params(self, values: dict[str, Any] | None) -> dict[str, int]:
        """The parameters with defaults filled in; a clear error for a value out of range."""
        values = dict(values or {})
        unknown = sorted(set(values) - {p.name for p in self.params})
        errors = []
        if unknown:
            errors.append(_("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)})
        cleaned = {}
        for param in self.params:
            try:
                cleaned[param.name] = param.clean(values.get(param.name))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError({"params": errors})
        return cleaned


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    *,
    title: Any,
    description: Any,
    params: list[Param] | None = None,
    level: str = Level.YELLOW,
    kind: str = Kind.WARNING,
    deadline_working_days: int = 10,
) -> Callable[[Callable], Rule]:
    """Make the decorated function a rule (see the module docstring); its app registers it with
    `register_rules` from its `ready()`."""

    def declare(find: Callable) -> Rule:
        return Rule(code, title, description, find, list(params or []), level, kind, deadline_working_days)

    return declare


def register_rules(*rules: Rule) -> None:
    """Called from a domain app's `ready()` (again, it replaces the rules of the same codes)."""
    for declared in rules:
        RULES[declared.code] = declared
