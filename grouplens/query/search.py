"""Find messages by their text, with the messages around each match.

``search_messages`` reads one group at a time (only the columns it shows), matches the text
column with Arrow's string kernels (a plain substring, or an RE2 regular expression), and takes
``context`` messages before and after each match with array arithmetic — no Python loop over
rows, so millions of messages are searched in seconds and memory stays bounded by one group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..config import zone_or_default
from ..errors import UsageError
from ..store.store import Store, day_bounds

MATCH = "match"  # the number of the match a row belongs to (1, 2, …), in time order over the groups searched
IS_MATCH = "is_match"  # True for the matching message, False for its context
COLUMNS = (S.GROUP_ID, S.GROUP_NAME, S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.TEXT)
_READ = [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.TEXT]


@dataclass(frozen=True)
class SearchResult:
    """Matches and their context: ``rows`` holds ``MATCH``, ``IS_MATCH`` and ``COLUMNS``, one row
    per message shown, in time order within each group (a match with its context around it)."""

    rows: pd.DataFrame
    matches: int  # messages that matched
    groups: int  # groups searched
    pattern: str
    regex: bool
    case_sensitive: bool


def search_messages(store: Store, text: str, *, group: str | None = None, all_groups: bool = False,
                    member: str | None = None, since: date | datetime | str | None = None,
                    until: date | datetime | str | None = None, kinds: list[str] | None = None,
                    context: int = 0, regex: bool = False, case_sensitive: bool = False,
                    limit: int | None = None, tz: ZoneInfo | None = None) -> SearchResult:
    """Messages whose text contains ``text`` (or matches it as an RE2 regex), each with the
    ``context`` messages before and after it in its group.

    Args:
        group: a group's name or id; ``all_groups`` searches every group instead (one at a time).
        member: only messages sent by this member (id, name or a part of a name that picks out one
            member); context messages are anyone's.
        since, until: inclusive days in ``tz``.
        kinds: only messages of these kinds (``schema.KINDS``).
        limit: stop after this many matches (the earliest).
        tz: the zone days are read in (default: ``config.DEFAULT_TZ``).
    """
    tz = zone_or_default(tz)
    if not text:
        raise UsageError("give the text to search for")
    if context < 0:
        raise UsageError("--context must be 0 or more")
    if kinds:
        unknown = sorted(set(kinds) - set(S.KINDS))
        if unknown:
            raise UsageError(f"unknown kind {unknown[0]!r}; kinds are: {', '.join(S.KINDS)}")
    if regex:
        _check_regex(text)
    if all_groups and group:
        raise UsageError("--all and --group cannot be combined")
    group_ids = store.group_ids() if all_groups else [store.resolve_group(group)]
    start, end = day_bounds(since, until, tz)
    frames, found = [], 0
    for gid in group_ids:
        table = store.message_table(gid, _READ, start, end)
        senders = _member_ids(store, gid, member) if member else None
        hits = _matching_rows(table, text, regex=regex, case_sensitive=case_sensitive, kinds=kinds, senders=senders)
        if limit is not None:
            hits = hits[:max(limit - found, 0)]
        if len(hits):
            frames.append(_with_context(table, hits, context, gid, store, first_match=found + 1))
            found += len(hits)
        if limit is not None and found >= limit:
            break
    rows = pd.concat(frames, ignore_index=True) if frames else _empty()
    return SearchResult(rows=rows, matches=found, groups=len(group_ids), pattern=text, regex=regex,
                        case_sensitive=case_sensitive)


def _check_regex(pattern: str) -> None:
    try:
        pc.match_substring_regex(pa.array([""]), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise UsageError(f"not a valid regular expression (RE2 syntax): {e}") from None


def _matching_rows(table: pa.Table, text: str, *, regex: bool, case_sensitive: bool, kinds: list[str] | None,
                   senders: list[str] | None) -> np.ndarray:
    """Positions (in the table's time order) of the messages that match every condition."""
    texts = table.column(S.TEXT)
    match = (pc.match_substring_regex if regex else pc.match_substring)(texts, text, ignore_case=not case_sensitive)
    keep = pc.fill_null(match, False)
    if kinds:
        keep = pc.and_(keep, pc.is_in(table.column(S.KIND), value_set=pa.array(kinds, pa.string())))
    if senders is not None:
        keep = pc.and_(keep, pc.fill_null(pc.is_in(table.column(S.SENDER_ID), value_set=pa.array(senders)), False))
    return np.flatnonzero(np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool))


def _with_context(table: pa.Table, hits: np.ndarray, context: int, group_id: str, store: Store,
                  first_match: int) -> pd.DataFrame:
    """The rows of each hit's window [hit - context, hit + context]; a message in the windows of
    two matches is shown once: with its own match if it is one, else with the earlier match."""
    n = table.num_rows
    offsets = np.arange(-context, context + 1)
    window = hits[:, None] + offsets[None, :]
    owner = np.broadcast_to(np.arange(len(hits))[:, None], window.shape)
    inside = (window >= 0) & (window < n)
    positions, owners = window[inside], owner[inside]
    positions, first = np.unique(positions, return_index=True)  # sorted positions, each once
    owners = owners[first]
    is_hit = np.isin(positions, hits)
    owners[is_hit] = np.searchsorted(hits, positions[is_hit])
    out = table.take(pa.array(positions)).to_pandas()
    out.insert(0, MATCH, owners + first_match)
    out.insert(1, IS_MATCH, is_hit)
    out[S.GROUP_ID] = group_id
    out[S.GROUP_NAME] = _group_name(store, group_id)
    return out[[MATCH, IS_MATCH, *COLUMNS]]


def _group_name(store: Store, group_id: str) -> str | None:
    groups = store.groups_table()
    names = dict(zip(groups.column(S.GROUP_ID).to_pylist(), groups.column(S.GROUP_NAME).to_pylist()))
    return names.get(group_id)


def _member_ids(store: Store, group_id: str, member: str) -> list[str]:
    """The sender ids ``member`` names: an id, a name seen, or a part of a name that only one
    member's names contain."""
    members = store.members(group_id)
    ids = members[S.MEMBER_ID].astype(str)
    if (ids == member).any():
        return [member]
    names = [(mid, {e[S.NAME] for e in (seen if seen is not None else []) if e and e.get(S.NAME)} | {name})
             for mid, seen, name in zip(ids, members[S.NAMES_SEEN], members[S.NAME].astype(str))]
    exact = [mid for mid, known in names if member in known]
    if exact:
        return exact
    partial = [mid for mid, known in names if any(member in k for k in known)]
    if len(partial) == 1:
        return partial
    if not partial:
        raise UsageError(f"no member {member!r} in this group; see 'grouplens members'")
    shown = ", ".join(sorted({n for mid, known in names if mid in partial for n in known if member in n})[:8])
    raise UsageError(f"{len(partial)} members' names contain {member!r} ({shown}); give more of the name or the id")


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({MATCH: pd.Series(dtype="int64"), IS_MATCH: pd.Series(dtype=bool)})
    for col in COLUMNS:
        frame[col] = pd.Series(dtype="datetime64[us, UTC]" if col == S.TS else object)
    return frame
