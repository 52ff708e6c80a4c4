"""``build_report``: one call from a store, a kind and a group to a finished ``Report``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from .. import schema as S
from ..config import Config, load_config, zone_or_default
from ..errors import GroupNotFoundError, UsageError
from ..progress import phase
from ..store.store import Store
from .context import load_context
from .kinds import get_kind
from .model import Report
from .period import resolve_period
from .privacy import apply_privacy
from .profile import member_group, resolve_member


def build_report(store: Store, kind: str = "weekly", group: str | None = None, *, week: str | None = None,
                 month: str | None = None, since: str | None = None, until: str | None = None,
                 tz: ZoneInfo | None = None, config: Config | None = None, lang: str | None = None,
                 pseudonymize: bool = False, redact: bool = False, show_ids: bool = False,
                 private: bool = False, member: str | None = None, record: bool = False) -> Report:
    """A report of one registered kind (``report.kinds``) for one group, or for every group
    (``groups``).

    Without a period it covers the kind's default period. Days and weeks are those of ``tz``
    (default: ``[time] tz`` of the config). Privacy is applied before the report is returned:
    member ids are hidden unless ``show_ids``; names become stable aliases with
    ``pseudonymize``; phone, ID-card and email numbers in quoted texts are masked with ``redact``.
    Private (one-to-one) chats are not groups: the overview leaves them out unless ``private``,
    and without ``group`` a report is about the store's one group chat.

    ``member`` (an id, a name, or part of a name) is the member a kind about one member
    (``member``) is about; without ``group`` it is looked for in every group chat.

    ``record``: let the kind keep what it records in the store (the weekly review's to-do list
    of an ISO week, which the next week's review follows up; see ``report.actions``).
    """
    spec = get_kind(kind)
    if spec.takes_member and not (member or "").strip():
        raise UsageError(f"the {spec.name} report is about one member: name them, e.g. "
                         f"grouplens report {spec.name} 老王 --group 群名 (an id, a name or part of a name)")
    if member is not None and not spec.takes_member:
        raise UsageError(f"the {spec.name} report is not about one member; for a member's page use "
                         "grouplens report member MEMBER")
    config = config or load_config()
    zone = zone_or_default(tz, config)
    lang = lang or config.report.lang
    if lang not in S.LANGS:
        raise UsageError(f"unknown language {lang!r}; choose zh or en")
    settings = {name: _plain(asdict(getattr(config, name))) for name in ("members", "lifecycle", "report")}
    if spec.overview is not None:
        phase("every group")
        data, period = spec.overview(store, zone, config, week=week, month=month, since=since, until=until,
                                     lang=lang, private=private)
        report = Report(spec.name, None, period, data, settings, lang=lang)
        return apply_privacy(report, pseudonymize=pseudonymize, redact=redact, show_ids=show_ids)
    if spec.takes_member and group is None and len(store.groups(private=False)) > 1:
        group = member_group(store, member)
    group_id = report_group(store, group)
    member_id = resolve_member(store.members(group_id), member) if spec.takes_member else None
    row = store.groups().set_index(S.GROUP_ID).loc[group_id]
    if pd.isna(row[S.FIRST_TS]):
        raise UsageError(f"group {row[S.GROUP_NAME]!r} has no messages to report on")
    first_day = pd.Timestamp(row[S.FIRST_TS]).tz_convert(zone).date()
    last_day = pd.Timestamp(row[S.LAST_TS]).tz_convert(zone).date()
    period = resolve_period(spec.default_period, first_day, last_day, zone, week=week, month=month, since=since,
                            until=until)
    if period.last_day < first_day or period.first_day > last_day:
        raise UsageError(f"{period.label} holds no messages of {row[S.GROUP_NAME]}; its messages run from "
                         f"{first_day} to {last_day}")
    ctx = load_context(store, group_id, period, config, lang, extra_weeks=spec.history_weeks)
    ctx.member = member_id
    phase("sections")
    data = spec.section(ctx)
    if record and spec.record is not None and store.writable:  # a store read from a URL is not written to
        spec.record(ctx, data)
    group_info = {"id": group_id, "name": row[S.GROUP_NAME], "platform": row[S.PLATFORM],
                  "first_day": first_day.isoformat(), "last_day": last_day.isoformat()}
    report = Report(spec.name, group_info, period.to_dict(), data, settings, lang=lang,
                    directory=ctx.people.directory())
    return apply_privacy(report, pseudonymize=pseudonymize, redact=redact, show_ids=show_ids)


def report_group(store: Store, group: str | None) -> str:
    """The group a report is about; with several group chats in the store, one must be named
    (private chats do not count: they are not groups)."""
    if group is None:
        groups = store.groups(private=False)
        if len(groups) > 1:
            raise GroupNotFoundError(f"the store holds {len(groups)} groups; pick one with --group, or pass --all "
                                     "for the groups overview (see 'grouplens groups')")
        if len(groups) == 1:
            return str(groups[S.GROUP_ID].iloc[0])
    return store.resolve_group(group)


def _plain(section: dict[str, Any]) -> dict[str, Any]:
    """A settings section as JSON types (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
