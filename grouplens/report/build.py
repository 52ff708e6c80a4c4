"""``build_report``: one call from a store, a kind and a group to a finished ``Report``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .. import schema as S
from ..config import Config, load_config
from ..errors import GroupNotFoundError, UsageError
from ..store.store import Store
from .activity import activity_section
from .checkins import checkins_section
from .compliance import compliance_section
from .context import ReportContext, load_context
from .kol import kol_section
from .lifecycle import lifecycle_section
from .members import members_section
from .model import KINDS, Report
from .period import resolve_period
from .portfolio import portfolio_section
from .privacy import apply_privacy
from .questions import questions_section
from .weekly import weekly_section

SECTIONS: dict[str, Callable[[ReportContext], dict[str, Any]]] = {
    "weekly": weekly_section, "activity": activity_section, "members": members_section,
    "lifecycle": lifecycle_section, "kol": kol_section, "questions": questions_section,
    "checkins": checkins_section, "compliance": compliance_section,
}


def build_report(store: Store, kind: str = "weekly", group: str | None = None, *, week: str | None = None,
                 month: str | None = None, since: str | None = None, until: str | None = None,
                 tz: str = "Asia/Shanghai", config: Config | None = None, lang: str | None = None,
                 pseudonymize: bool = False, redact: bool = False, show_ids: bool = False) -> Report:
    """A report of one kind (see ``KINDS``) for one group, or for every group (``groups``).

    Without a period it covers the kind's default (see ``period.resolve_period``). Privacy is
    applied before the report is returned: member ids are hidden unless ``show_ids``; names
    become stable aliases with ``pseudonymize``; phone, ID-card and email numbers in quoted
    texts are masked with ``redact``.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown report {kind!r}; choose one of: {', '.join(KINDS)}")
    config = config or load_config()
    zone = _zone(tz)
    lang = lang or config.report.lang
    if lang not in S.LANGS:
        raise UsageError(f"unknown language {lang!r}; choose zh or en")
    settings = {name: _plain(asdict(getattr(config, name))) for name in ("members", "lifecycle", "report")}
    if kind == "groups":
        data, period = portfolio_section(store, zone, config, week=week, month=month, since=since, until=until,
                                         lang=lang)
        report = Report(kind, None, period, data, settings, lang=lang)
        return apply_privacy(report, pseudonymize=pseudonymize, redact=redact, show_ids=show_ids)
    group_id = report_group(store, group)
    row = store.groups().set_index(S.GROUP_ID).loc[group_id]
    if pd.isna(row[S.FIRST_TS]):
        raise UsageError(f"group {row[S.GROUP_NAME]!r} has no messages to report on")
    first_day = pd.Timestamp(row[S.FIRST_TS]).tz_convert(zone).date()
    last_day = pd.Timestamp(row[S.LAST_TS]).tz_convert(zone).date()
    period = resolve_period(kind, first_day, last_day, zone, week=week, month=month, since=since, until=until)
    if period.last_day < first_day or period.first_day > last_day:
        raise UsageError(f"{period.label} holds no messages of {row[S.GROUP_NAME]}; its messages run from "
                         f"{first_day} to {last_day}")
    ctx = load_context(store, group_id, period, config, lang)
    data = SECTIONS[kind](ctx)
    group_info = {"id": group_id, "name": row[S.GROUP_NAME], "platform": row[S.PLATFORM],
                  "first_day": first_day.isoformat(), "last_day": last_day.isoformat()}
    report = Report(kind, group_info, period.to_dict(), data, settings, lang=lang,
                    directory=ctx.people.directory())
    return apply_privacy(report, pseudonymize=pseudonymize, redact=redact, show_ids=show_ids)


def report_group(store: Store, group: str | None) -> str:
    """The group a report is about; with several groups in the store, one must be named."""
    if group is None:
        count = len(store.group_ids())
        if count > 1:
            raise GroupNotFoundError(f"the store holds {count} groups; pick one with --group, or pass --all "
                                     "for the groups overview (see 'grouplens groups')")
    return store.resolve_group(group)


def _plain(section: dict[str, Any]) -> dict[str, Any]:
    """A settings section as JSON types (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r}; use a name like Asia/Shanghai") from None
