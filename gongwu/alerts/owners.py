"""Cases whose loop belongs to their subject: a record with its own answer rules (a rectification notice is
answered finding by finding, with photos, then re-inspected) registers here, by its model, which of the
case's actions it owns. Those actions are then refused on the generic case page, the API and imports, with
a message pointing to the record's own page; the record's services take them with `by_subject=True`.

A registry rather than an import, because alerts imports no domain app (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from gongwu.alerts.models import Case

# Every step of the loop a subject may own; `archive` (feedback after closing) stays the case's own.
LOOP_ACTIONS = frozenset({"assign", "start", "respond", "close", "send_back", "reschedule", "reassign", "void"})


@dataclass(frozen=True)
class SubjectOwner:
    """What a subject model owns of its cases' loop, and where it is done instead."""

    actions: frozenset[str]
    url: Callable[[Any], str]  # the subject (a record of any model) → the page where its cases are answered
    where: str | Promise  # e.g. “its rectification notice”, lazily translated


OWNERS: dict[str, SubjectOwner] = {}


def register_subject_owner(
    model: type[models.Model],
    *,
    url: Callable[[Any], str],
    where: str | Promise,
    actions: frozenset[str] = LOOP_ACTIONS,
) -> None:
    """Called from a domain app's `ready()`: cases about `model` are answered through the record's own rules."""
    OWNERS[model._meta.label_lower] = SubjectOwner(actions=frozenset(actions), url=url, where=where)


def owner_of(case: Case) -> SubjectOwner | None:
    if case.subject_type is None:
        return None
    return OWNERS.get(f"{case.subject_type.app_label}.{case.subject_type.model}")


def owns(case: Case, action: str) -> bool:
    owner = owner_of(case)
    return owner is not None and action in owner.actions


def owner_link(case: Case) -> dict[str, str] | None:
    """The subject's own page, where this case is answered; None for a case with no owning subject."""
    owner = owner_of(case)
    if owner is None:
        return None
    subject = case.subject
    return {"url": owner.url(subject) if subject is not None else "", "where": str(owner.where)}


def refusal(case: Case) -> str:
    """Why a generic action on an owned case is refused, and where to go instead."""
    link = owner_link(case) or {"url": "", "where": ""}
    message = _("This case is answered and closed only on %(where)s, by its own rules.") % {"where": link["where"]}
    if link["url"]:
        message += " " + _("Go to %(url)s.") % {"url": link["url"]}
    return message
