"""The registry of report kinds: each kind is one record, in one module of this folder.

A ``ReportKind`` holds everything grouplens knows about a kind: its name, its title in each
language, a one-line summary (``--help``, README), the function that computes its data, the
period it covers by default, the list in its data that is its main table (``--format csv``),
and the function that lays out its page (terminal, Markdown and HTML all render that page).

Adding a kind is one module here that defines ``KIND = ReportKind(...)`` and its name in
``BUILTIN`` (or ``register_kind(kind)`` from outside the package), the way datasette's
output renderers register themselves. The JSON shape of each built-in kind is documented in
``docs/report-json.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ...errors import UsageError
from ..period import Period, whole_span

if TYPE_CHECKING:
    from ..context import ReportContext
    from ..page import Page

# The built-in kinds, in the order help texts list them; each is a module of this folder.
BUILTIN: tuple[str, ...] = ("weekly", "activity", "members", "lifecycle", "kol", "questions", "checkins",
                            "compliance", "member", "groups")


@dataclass(frozen=True)
class ReportKind:
    """One kind of report.

    Attributes:
        name: the ``grouplens report NAME`` argument and the JSON ``kind``.
        titles: the page title in Chinese and in English.
        summary: what it shows, in one line of English (``--help``).
        section: the kind's ``data`` for one group, from the group's context.
        page: lays out the page: appends sections to a ``Page`` from the report's dict.
        main_table: the list in ``data`` that ``--format csv`` writes.
        default_period: the period without --week/--month/--since/--until, from the local days
            of the group's first and last message.
        overview: for a kind about every group in the store (``groups``) instead of one:
            ``(store, zone, config, week=, month=, since=, until=, lang=, private=) -> (data, period dict)``.
        history_weeks: weeks of messages loaded before the period beyond what every kind loads
            (``context.lookback_weeks``), for a kind that looks further back.
        takes_member: the kind is about one member (``grouplens report member MEMBER``): the
            member named is resolved to an id and handed to the section as ``context.member``.
        record: what the kind keeps in the store after its data is computed, when the report is
            built with ``record=True`` (the weekly review's to-do list): ``(context, data) -> None``.
    """

    name: str
    titles: tuple[str, str]
    summary: str
    page: Callable[[dict[str, Any], Page], None]
    main_table: str
    section: Callable[[ReportContext], dict[str, Any]] | None = None
    default_period: Callable[[date, date, ZoneInfo], Period] = whole_span
    overview: Callable[..., tuple[dict[str, Any], dict[str, Any]]] | None = None
    history_weeks: int = 0
    takes_member: bool = False
    record: Callable[[ReportContext, dict[str, Any]], None] | None = None

    def __post_init__(self) -> None:
        if (self.section is None) == (self.overview is None):
            raise ValueError(f"report kind {self.name!r} needs either a section (one group) or an overview "
                             "(every group)")

    def title(self, lang: str) -> str:
        return self.titles[0] if lang == "zh" else self.titles[1]

    @property
    def per_group(self) -> bool:
        return self.section is not None


_REGISTRY: dict[str, ReportKind] = {}


def register_kind(kind: ReportKind) -> ReportKind:
    """Make ``kind`` available to ``build_report``, every writer and the CLI (an error when the
    name is taken)."""
    _load_builtin()
    if kind.name in _REGISTRY and _REGISTRY[kind.name] is not kind:
        raise ValueError(f"a report kind named {kind.name!r} is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """Remove a kind registered with ``register_kind`` (built-in kinds stay)."""
    if name in BUILTIN:
        raise ValueError(f"{name!r} is a built-in report kind")
    _REGISTRY.pop(name, None)


@contextmanager
def registered(kind: ReportKind) -> Iterator[ReportKind]:
    """``kind`` registered for the duration of a ``with`` block (tests, plug-ins trying a kind)."""
    register_kind(kind)
    try:
        yield kind
    finally:
        unregister_kind(kind.name)


def get_kind(name: str) -> ReportKind:
    """The registered kind called ``name``; a UsageError listing the kinds otherwise."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown report {name!r}; choose one of: {', '.join(_REGISTRY)}") from None


def kind_names() -> tuple[str, ...]:
    """Every registered kind's name: the built-in ones first, in ``BUILTIN`` order."""
    _load_builtin()
    return tuple(_REGISTRY)


def all_kinds() -> tuple[ReportKind, ...]:
    _load_builtin()
    return tuple(_REGISTRY.values())


def _load_builtin() -> None:
    if all(name in _REGISTRY for name in BUILTIN):
        return
    for name in BUILTIN:
        module = importlib.import_module(f"{__name__}.{name}")
        _REGISTRY.setdefault(name, module.KIND)
    # built-in kinds first, in their order, then any registered before they were loaded
    ordered = {name: _REGISTRY[name] for name in BUILTIN} | _REGISTRY
    _REGISTRY.clear()
    _REGISTRY.update(ordered)
