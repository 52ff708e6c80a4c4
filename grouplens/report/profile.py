"""A member's page (``grouplens report member MEMBER``): one member of one group over a period.

What an operator looks up before talking to someone: how much they say week by week, their
layer (``layers``) and their role and tags each week with the reason (``grouplens.roles``, over
the ``[members] core_window_weeks`` weeks up to the week, as the weekly review's key people),
the names they used, whom they answer and who answers them, the questions they asked and
whether they got an answer, the answers they gave, their check-ins and the messages flagged
for compliance, and the other groups of the store the same account is in.

Roles are a whole-group computation, so the page gives them for the period's last
``ROLE_WEEKS`` weeks only, and only where the member said something in the weeks judged (else
they are simply silent); messages and layers cover every week.
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..analysis.accounts import account_groups
from ..analysis.influence import INFLUENCE
from ..errors import UsageError
from ..roles import REASON, ROLE, TAGS_COLUMN
from ..store.store import Store
from .accounts import accounts_part
from .checkins import checkins_section
from .common import iso_time, member_rows, message_rows, rounded, week_text
from .compliance import CATEGORIES, FLOODING, flood_bursts
from .context import DAY, WEEK, ReportContext
from .kol import roles_between
from .layers import ABSENT_CODE, layer_name, layers_of
from .people import MEMBER
from .period import local_midnight
from .questions import ANSWERED, question_rows, question_table

ROLE_WEEKS = 12  # the last weeks of the period whose role and tags are computed


# --- finding the member -------------------------------------------------------------------------

def _known_names(members: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Each member id with every name it was seen with (the latest first)."""
    out = []
    for mid, name, seen in zip(members[S.MEMBER_ID].astype(str), members[S.NAME], members[S.NAMES_SEEN]):
        names = [name] if isinstance(name, str) else []
        names += [e[S.NAME] for e in (seen if seen is not None else []) if e and isinstance(e.get(S.NAME), str)]
        out.append((mid, list(dict.fromkeys(names))))
    return out


def member_matches(members: pd.DataFrame, query: str) -> tuple[list[str], int]:
    """The ids ``query`` names in a members table, and how strongly: 3 an id, 2 a name the
    member was seen with, 1 part of a name (case-insensitive); 0 with no match."""
    q = query.strip()
    ids = members[S.MEMBER_ID].astype(str)
    if q and (ids == q).any():
        return [q], 3
    known = _known_names(members)
    exact = [mid for mid, names in known if q in names]
    if exact:
        return exact, 2
    part = [mid for mid, names in known if q and any(q.casefold() in n.casefold() for n in names)]
    return part, (1 if part else 0)


def resolve_member(members: pd.DataFrame, query: str) -> str:
    """The one member ``query`` names (an id, a name, or part of a name); a UsageError listing
    the candidates when several match, or the closest names when none does."""
    found, _ = member_matches(members, query)
    if len(found) == 1:
        return found[0]
    names = dict(_known_names(members))
    if found:
        listed = ", ".join(f"{names[m][0] if names[m] else m} ({m})" for m in found[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        raise UsageError(f"{len(found)} members match {query!r}: {listed}{more}; give the full name or the "
                         "member id")
    every = [n for ns in names.values() for n in ns]
    close = difflib.get_close_matches(query.strip(), list(dict.fromkeys(every)), n=5, cutoff=0.3)
    hint = f"; close names: {', '.join(close)}" if close else ""
    raise UsageError(f"no member {query!r} in this group{hint} (see 'grouplens members')")


def member_group(store: Store, query: str) -> str:
    """The group chat of the store in which ``query`` names a member, when no ``--group`` was
    given: the one group with the strongest match. A UsageError when none or several do."""
    best: list[tuple[str, str]] = []
    strength = 0
    for gid, gname in zip(store.groups(private=False)[S.GROUP_ID], store.groups(private=False)[S.GROUP_NAME]):
        found, how = member_matches(store.members(gid), query)
        if how > strength:
            best, strength = [(str(gid), str(gname))], how
        elif how == strength and how:
            best.append((str(gid), str(gname)))
    if len(best) == 1:
        return best[0][0]
    if not best:
        raise UsageError(f"no member {query!r} in any group of the store (see 'grouplens members --group …')")
    listed = ", ".join(name for _, name in best[:8]) + (f" and {len(best) - 8} more" if len(best) > 8 else "")
    raise UsageError(f"{query!r} names members of {len(best)} groups ({listed}); pick one with --group")


# --- the page's data ------------------------------------------------------------------------------

def member_section(ctx: ReportContext) -> dict[str, Any]:
    """The ``member`` report's data: ``ctx.member`` over ``ctx.period``."""
    if ctx.member is None:
        raise UsageError("the member report needs a member: grouplens report member MEMBER")
    mid = str(ctx.member)
    speech = ctx.speech
    mine = (speech[S.SENDER_ID].astype(str) == mid).to_numpy()
    inside = ctx.in_period(speech).to_numpy()
    own = speech[mine & inside]
    weekly = _weekly(ctx, mid, own)
    questions = question_table(ctx)
    questions = questions[ctx.in_period(questions)]
    asked = questions[questions[S.SENDER_ID].astype(str) == mid]
    answered = questions[(questions["answerer"].astype(object) == mid) & (questions["status"] == ANSWERED)]
    checkins = _checkins(ctx, mid)
    compliance = _compliance(ctx, own)
    latest = next((w for w in reversed(weekly) if w["role"] is not None), None)
    return {
        "profile": _profile(ctx, mid),
        "names_seen": _names_seen(ctx, mid),
        "other_groups": (others := _other_groups(ctx, mid)),
        "cross_group": _cross_group(ctx, mid) if others else None,
        "totals": {
            "messages": len(own), "active_days": int(own[DAY].nunique()),
            "weeks_spoken": sum(1 for w in weekly if w["messages"]),
            "questions": len(asked), "questions_answered": int((asked["status"] == ANSWERED).sum()),
            "answers_given": len(answered), "checkins": checkins["checkins"] if checkins else 0,
            "flagged": sum(c["messages"] for c in compliance["categories"]),
        },
        "now": {"week": latest["week"], "layer": latest["layer"], "role": latest["role"], "tags": latest["tags"],
                "reason": latest["reason"], "influence": latest["influence"]} if latest else None,
        "role_weeks": ROLE_WEEKS,
        "weekly": weekly,
        "replies_to": _partners(ctx, mid, inside, outgoing=True),
        "replied_by": _partners(ctx, mid, inside, outgoing=False),
        "questions": question_rows(ctx, asked.reset_index(drop=True)),
        "answers": question_rows(ctx, answered.reset_index(drop=True)),
        "checkins": checkins,
        "compliance": compliance,
    }


def _time(value: Any, tz) -> str | None:
    return None if value is None or pd.isna(value) else iso_time(pd.Timestamp(value), tz)


def _profile(ctx: ReportContext, mid: str) -> dict[str, Any]:
    """The member's reference with what the members table knows (all of the group's history)."""
    tz = ctx.period.tz
    ref = ctx.people.ref(mid)
    rows = ctx.members[ctx.members[S.MEMBER_ID].astype(str) == mid]
    if rows.empty:
        return {**ref, "list_role": None, "in_roster": False, "joined_at": None, "left_at": None,
                "first_message": None, "last_message": None, "messages_all_time": 0}
    r = rows.iloc[0]
    role = r[S.ROLE]
    return {**ref, "list_role": role if isinstance(role, str) else None, "in_roster": bool(r[S.IN_ROSTER]),
            "joined_at": _time(r[S.JOINED_AT], tz), "left_at": _time(r[S.LEFT_AT], tz),
            "first_message": _time(r[S.FIRST_MESSAGE], tz), "last_message": _time(r[S.LAST_MESSAGE], tz),
            "messages_all_time": int(r[S.MESSAGE_COUNT]) if not pd.isna(r[S.MESSAGE_COUNT]) else 0}


def _names_seen(ctx: ReportContext, mid: str) -> list[dict[str, Any]]:
    """Every name the member used, first used first; each entry is a member reference (so the
    privacy step hides the names with the rest)."""
    rows = ctx.members[ctx.members[S.MEMBER_ID].astype(str) == mid]
    seen = rows.iloc[0][S.NAMES_SEEN] if len(rows) else None
    entries = [e for e in (seen if seen is not None else []) if e and isinstance(e.get(S.NAME), str)]
    entries.sort(key=lambda e: (pd.Timestamp(e["first_seen"]) if e.get("first_seen") is not None
                                else pd.Timestamp.max.tz_localize("UTC"), e[S.NAME]))
    ref = ctx.people.ref(mid)
    return [{MEMBER: ref[MEMBER], S.MEMBER_ID: ref[S.MEMBER_ID], S.NAME: e[S.NAME],
             "first_seen": _time(e.get("first_seen"), ctx.period.tz),
             "last_seen": _time(e.get("last_seen"), ctx.period.tz)} for e in entries]


def _other_groups(ctx: ReportContext, mid: str) -> list[dict[str, Any]]:
    """The other group chats of the store that know the same account (QQ number, wxid)."""
    rows = account_groups(ctx.data.store, mid, platform=ctx.data.platform)
    return [{"group_id": r["group_id"], "group_name": r["group_name"], "messages": r["messages"],
             "first_message": _time(r["first_message"], ctx.period.tz),
             "last_message": _time(r["last_message"], ctx.period.tz), "list_role": r["list_role"]}
            for r in rows if r["group_id"] != ctx.data.group_id]


def _cross_group(ctx: ReportContext, mid: str) -> dict[str, Any] | None:
    """The member's account flagged for ads or scheduled posts in several groups, on every day
    the store holds (what they do elsewhere matters whatever this page's period), or None."""
    part = accounts_part(ctx.data.store, ctx.period.tz, ctx.config, members={mid})
    found = [a for a in part["accounts"] if a[S.PLATFORM] == ctx.data.platform]
    return found[0] if found else None


def _weekly(ctx: ReportContext, mid: str, own: pd.DataFrame) -> list[dict[str, Any]]:
    """Messages, layer, and (for the last ``ROLE_WEEKS`` weeks) role, tags, reason and influence
    of each week of the period."""
    period = ctx.period
    mondays = period.weeks()
    per_week = own.groupby(WEEK).size()
    table = layers_of(ctx)
    row = np.flatnonzero(table.member_ids.astype(str) == mid)
    window = ctx.config.members.core_window_weeks
    said = ctx.speech.loc[ctx.speech[S.SENDER_ID].astype(str) == mid, S.TS]  # the loaded weeks, not only the period
    out = []
    for i, monday in enumerate(mondays):
        layer = None
        if len(row) and monday in table.weeks:
            code = int(table.layer[row[0], table.week_index(monday)])
            layer = layer_name(code) if code != ABSENT_CODE else "absent"
        entry = {"week": week_text(monday), "messages": int(per_week.get(pd.Timestamp(monday), 0)), "layer": layer,
                 "role": None, "tags": None, "reason": None, "influence": None}
        end = pd.Timestamp(min(local_midnight(monday + timedelta(days=7), period.tz), period.end))
        start = end - pd.Timedelta(weeks=window)
        if i >= len(mondays) - ROLE_WEEKS and ((said >= start) & (said < end)).any():
            roles = roles_between(ctx, start, end, ctx.lang)
            found = roles[roles[S.MEMBER_ID].astype(str) == mid]
            if len(found):
                r = found.iloc[0]
                entry.update(role=r[ROLE], tags=list(r[TAGS_COLUMN]), reason=r[REASON],
                             influence=rounded(r[INFLUENCE], 3))
        out.append(entry)
    return out


def _partners(ctx: ReportContext, mid: str, inside: np.ndarray, *, outgoing: bool) -> list[dict[str, Any]]:
    """Whom the member answered in the period (``outgoing``), or who answered them: replies by
    quote, by the reply model's link or by @-addressing, most first."""
    rs = ctx.replies
    codes = np.flatnonzero(rs.member_ids.astype(str) == mid)
    if not len(codes):
        return []
    me = codes[0]
    parent = rs.parent_author
    if outgoing:
        hit = inside & (rs.author == me) & (parent >= 0) & (parent != me)
        other = parent[hit]
    else:
        hit = inside & (parent == me) & (rs.author != me)
        other = rs.author[hit]
    if not len(other):
        return []
    counts = pd.Series(other).value_counts()
    frame = pd.DataFrame({"id": rs.member_ids[counts.index.to_numpy()].astype(str), "replies": counts.to_numpy()})
    frame = frame.sort_values(["replies", "id"], ascending=[False, True], kind="stable").head(ctx.config.report.top)
    return member_rows(ctx.people, frame["id"], replies=frame["replies"])


def _checkins(ctx: ReportContext, mid: str) -> dict[str, Any] | None:
    """The member's check-in row of the period (days, streaks, status), or None."""
    key = ctx.people.ref(mid)[MEMBER]
    section = checkins_section(ctx)
    found = next((m for m in section["members"] if m[MEMBER] == key), None)
    if found is None:
        return None
    return {"challenge_days": section["challenge_days"],
            **{k: found[k] for k in ("checkins", "days", "first_day", "last_day", "current_streak",
                                     "longest_streak", "status")}}


def _compliance(ctx: ReportContext, own: pd.DataFrame) -> dict[str, Any]:
    """The member's flagged messages of the period: per category, and the latest of each."""
    cfg = ctx.config.report
    own = own.copy()
    own[FLOODING] = flood_bursts(own[S.SENDER_ID], own[S.TS], cfg.flood_burst_messages, cfg.flood_burst_seconds)
    categories, examples = [], {}
    for c in CATEGORIES:
        if c not in own:
            continue
        flag = (own[c] > 0) if c == FLOODING else own[c].fillna(False).astype(bool)
        hits = own[flag.to_numpy()]
        categories.append({"category": c, "messages": len(hits), "days": int(hits[DAY].nunique())})
        latest = hits.sort_values(S.TS, ascending=False, kind="stable").head(cfg.examples)
        examples[c] = message_rows(ctx.people, latest, ctx.period.tz)
    return {"categories": categories, "examples": examples}
