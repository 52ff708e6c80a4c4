"""The operator's to-do list: what to do after a weekly review, and whether last week's was done.

Every weekly review ends with concrete actions (codes as in the JSON):

- ``answer_question``: a question of the period still without an answer (``unanswered``, or
  ``pending`` when it was asked less than ``[report] answer_window_hours`` before the data
  ends), with up to ``CANDIDATES`` members who could answer it: those it @-names, then those who
  gave the first answer to the most earlier questions sharing its words (none when it names
  nobody and nobody answered anything like it);
- ``welcome_newcomer``: a member who joined and said nothing in ``[members] newly_active_days``
  days, in the period in which those days ran out, and still nothing at its end;
- ``keep_core``: a member who was core in the week before the period and is not in its last
  week (speaking less, silent, or gone);
- ``check_advertiser``, ``check_shill``: a member tagged advertiser or shill (``grouplens roles``
  over the ``[members] core_window_weeks`` weeks up to the period's end, as the review's key
  people) who posted in the period.

Owners and admins are never the subject of an action. Each action has a stable ``id`` (its code
and the message or member it is about).

For an ISO week, the list is recorded in the store, one JSON file per group and week in the
group's folder of the store (``Store.group_dir("actions", group)/<week>.json``), written
atomically under the store's lock. Re-running a week's review keeps what was recorded and adds
only actions not yet in it, so nothing is duplicated or lost. The next week's review follows up
each of last week's actions (those recorded, else the ones the data gives for that week), from
the data up to its own end, the same way every time:

- ``answer_question``: ``answered`` (by whom, when: the answer ``analysis.answers`` finds, as
  the questions report, a quote however late), ``unanswered``, or ``gone`` (the message is no
  longer in the store);
- ``welcome_newcomer``: ``spoke`` (when), ``left``, or ``silent``;
- ``keep_core``: ``back`` (core again), ``active`` (speaks, not core), ``quiet``, or ``left``;
- ``check_advertiser``: ``left``, ``stopped`` (no ad in the week), or ``continues``;
- ``check_shill``: ``left``, ``stopped`` (no message in the week), or ``continues``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..errors import StoreError
from ..roles import TAGS_COLUMN
from ..roles.classifier import ADVERTISER, SHILL
from ..store.store import Store, private_dir
from ..text.classes import AD
from ..text.segment import Segmenter
from .common import iso_time
from .context import ReportContext
from .kol import roles_between
from .layers import ABSENT_CODE, CORE, layer_name, layers_of
from .period import Period, week_monday, week_period
from .questions import ANSWERED, PENDING, UNANSWERED, question_table

ANSWER_QUESTION, WELCOME_NEWCOMER, KEEP_CORE = "answer_question", "welcome_newcomer", "keep_core"
CHECK_ADVERTISER, CHECK_SHILL = "check_advertiser", "check_shill"
KINDS: tuple[str, ...] = (ANSWER_QUESTION, WELCOME_NEWCOMER, KEEP_CORE, CHECK_ADVERTISER, CHECK_SHILL)
# Outcomes of the follow-up that mean the action happened (or its reason went away).
DONE: frozenset[str] = frozenset({"answered", "spoke", "back", "left", "stopped"})
CANDIDATES = 3  # members suggested to answer a question
FILE_FORMAT, FILE_VERSION = "grouplens-actions", 1
TABLE = "actions"  # the store's folder of recorded actions
RECORD_KEY = "actions_to_record"  # where the weekly section leaves the week's list for ``record_period_actions``

# Words of asking, not of the topic: they would make every question look like every other.
QUESTION_WORDS: frozenset[str] = frozenset(
    "请问 问下 问一下 请教 大家 有没有 有人 谁 怎么 怎么办 怎样 如何 什么 哪里 哪个 哪些 哪款 哪家 知道 是不是 可以 能不能 "
    "一下 谢谢 麻烦 求助 需要 要不要 想问 为什么 多少 几点 吗 呢".split())
_MIN_DOCS_FOR_FREQUENCY = 8  # with this many past answers, words in more than a quarter of them are too common


# --- this period's actions ---------------------------------------------------------------------

def period_actions(ctx: ReportContext, period: Period, *, candidates: bool = True) -> list[dict[str, Any]]:
    """The actions the data gives for ``period``, as records (ids, no names): see the module
    docstring. ``candidates``: suggest who could answer each question."""
    staff = ctx.people.staff_ids()
    actions = _question_actions(ctx, period, staff, candidates)
    actions += _newcomer_actions(ctx, period, staff)
    actions += _core_actions(ctx, period, staff)
    actions += _suspect_actions(ctx, period, staff)
    return actions


def _until(ctx: ReportContext, period: Period) -> pd.Timestamp:
    """The end of what can be seen of the period: its end, or the data's end when sooner."""
    return min(pd.Timestamp(period.end), ctx.data_end)


def _left_before(ctx: ReportContext, instant: pd.Timestamp) -> set[str]:
    left = ctx.members[S.LEFT_AT]
    return set(ctx.members.loc[left.notna() & (left < instant), S.MEMBER_ID].astype(str))


def _question_actions(ctx: ReportContext, period: Period, staff: set[str], candidates: bool) -> list[dict[str, Any]]:
    table = question_table(ctx)
    open_ = table[ctx.in_period(table, period) & table["status"].isin([UNANSWERED, PENDING])]
    open_ = open_.sort_values([S.TS, "position"], kind="stable")
    if open_.empty:
        return []
    suggest = _answer_candidates(ctx, table, open_, period) if candidates else {}
    out = []
    for row in open_.to_dict("records"):
        pos = int(row["position"])
        out.append({"id": f"{ANSWER_QUESTION}:{ctx.speech[S.MSG_ID].iat[pos]}", "kind": ANSWER_QUESTION,
                    S.MEMBER_ID: str(row[S.SENDER_ID]), S.MSG_ID: str(ctx.speech[S.MSG_ID].iat[pos]),
                    S.TS: pd.Timestamp(row[S.TS]).isoformat(), "status": row["status"],
                    "candidates": suggest.get(pos, [])})
    return out


def _answer_candidates(ctx: ReportContext, table: pd.DataFrame, open_: pd.DataFrame,
                       period: Period) -> dict[int, list[dict[str, Any]]]:
    """Per open question (its position): the members it @-names, then who gave the first answer
    to most earlier questions sharing its words (words of asking, and words in over a quarter of
    the answered questions, do not count); never the asker or members who left."""
    past = table[(table["status"] == ANSWERED) & table["answerer"].notna()]
    texts = ctx.speech[S.TEXT]
    segmenter = Segmenter(ctx.config)
    past_words = [set(q) | set(a) for q, a in zip(
        segmenter.tokens(texts.iloc[past["position"].to_numpy()].tolist()),
        segmenter.tokens(texts.iloc[past["answer_position"].to_numpy()].tolist()))]
    common = set(QUESTION_WORDS)
    if len(past_words) >= _MIN_DOCS_FOR_FREQUENCY:
        frequency = Counter(w for words in past_words for w in words)
        common |= {w for w, n in frequency.items() if n > len(past_words) / 4}
    past_words = [words - common for words in past_words]
    gone = _left_before(ctx, _until(ctx, period))
    rs = ctx.replies
    named: dict[int, list[str]] = {}  # question position -> the members it @-names, in order
    for message, member in zip(rs.mention_message.tolist(), rs.mention_member.tolist()):
        named.setdefault(message, []).append(str(rs.member_ids[member]))
    answerers = past["answerer"].astype(str).to_numpy()
    asked_at = pd.to_datetime(past[S.TS], utc=True)
    out: dict[int, list[dict[str, Any]]] = {}
    for row, words in zip(open_.to_dict("records"), segmenter.tokens(texts.iloc[open_["position"].to_numpy()].tolist())):
        wanted = set(words) - common
        asker = str(row[S.SENDER_ID])
        earlier = (asked_at < pd.Timestamp(row[S.TS])).to_numpy()
        answers: Counter[str] = Counter()
        on_topic: Counter[str] = Counter()
        shared: dict[str, Counter[str]] = {}
        for i in np.flatnonzero(earlier):
            who = answerers[i]
            if who == asker or who in gone:
                continue
            answers[who] += 1
            common_words = wanted & past_words[i]
            if common_words:
                on_topic[who] += 1
                shared.setdefault(who, Counter()).update(common_words)
        # Whom the question @-names comes first: the asker chose them.
        addressed = [m for m in dict.fromkeys(named.get(int(row["position"]), [])) if m != asker and m not in gone]
        ranked = addressed + sorted((m for m in on_topic if m not in addressed),
                                    key=lambda m: (-on_topic[m], -answers[m], m))
        out[int(row["position"])] = [{S.MEMBER_ID: m, "on_topic": on_topic[m], "answers": answers[m],
                                      "addressed": m in addressed,
                                      "words": [w for w, _ in sorted(shared.get(m, Counter()).items(),
                                                                    key=lambda kv: (-kv[1], kv[0]))[:3]]}
                                     for m in ranked[:CANDIDATES]]
    return out


def _newcomer_actions(ctx: ReportContext, period: Period, staff: set[str]) -> list[dict[str, Any]]:
    days = ctx.config.members.newly_active_days
    until = _until(ctx, period)
    m = ctx.members
    joined = pd.to_datetime(m[S.JOINED_AT], utc=True)
    due = joined + pd.Timedelta(days=days)
    left = pd.to_datetime(m[S.LEFT_AT], utc=True)
    chosen = joined.notna() & (due >= pd.Timestamp(period.start)) & (due < pd.Timestamp(period.end)) & (due <= until)
    chosen &= left.isna() | (left >= until)
    chosen &= ~m[S.MEMBER_ID].astype(str).isin(staff)
    if not chosen.any():
        return []
    speech = ctx.speech
    out = []
    for mid, since in sorted(zip(m.loc[chosen, S.MEMBER_ID].astype(str), joined[chosen]), key=lambda x: (x[1], x[0])):
        said = (speech[S.SENDER_ID].astype(str) == mid) & (speech[S.TS] >= since) & (speech[S.TS] < until)
        if not said.any():
            out.append({"id": f"{WELCOME_NEWCOMER}:{mid}", "kind": WELCOME_NEWCOMER, S.MEMBER_ID: mid,
                        S.JOINED_AT: since.isoformat()})
    return out


def _core_actions(ctx: ReportContext, period: Period, staff: set[str]) -> list[dict[str, Any]]:
    table = layers_of(ctx)
    first, last = week_monday(period.first_day), week_monday(period.last_day)
    if first not in table.weeks or table.week_index(first) == 0:
        return []
    before, now = table.week_index(first) - 1, table.week_index(last)
    slipped = (table.layer[:, before] == CORE) & (table.layer[:, now] != CORE)
    out = []
    for i in np.flatnonzero(slipped):
        mid = str(table.member_ids[i])
        if mid in staff:
            continue
        code = int(table.layer[i, now])
        out.append({"id": f"{KEEP_CORE}:{mid}", "kind": KEEP_CORE, S.MEMBER_ID: mid, "from": "core",
                    "to": "left" if code == ABSENT_CODE else layer_name(code),
                    "messages": int(table.messages[i, now])})
    return sorted(out, key=lambda a: (a["to"] != "left", -a["messages"], a[S.MEMBER_ID]))


def _suspect_actions(ctx: ReportContext, period: Period, staff: set[str]) -> list[dict[str, Any]]:
    weeks = ctx.config.members.core_window_weeks
    end = pd.Timestamp(period.end)
    roles = roles_between(ctx, min(pd.Timestamp(period.start), end - pd.Timedelta(weeks=weeks)), end, ctx.lang)
    speech = ctx.speech[ctx.in_period(ctx.speech, period)]
    senders = speech[S.SENDER_ID].astype(str)
    posts = senders.value_counts()
    ads = speech[AD].fillna(False).astype(bool) if AD in speech else pd.Series(False, index=speech.index)
    out: list[dict[str, Any]] = []
    for tag, kind in ((ADVERTISER, CHECK_ADVERTISER), (SHILL, CHECK_SHILL)):
        found = []
        for mid, tags in zip(roles[S.MEMBER_ID].astype(str), roles[TAGS_COLUMN]):
            if tag not in tags or mid in staff or not posts.get(mid, 0):
                continue
            own = speech[(senders == mid).to_numpy()]
            own_ads = own[ads[(senders == mid).to_numpy()].to_numpy()]
            example = own_ads if kind == CHECK_ADVERTISER and len(own_ads) else own
            found.append({"id": f"{kind}:{mid}", "kind": kind, S.MEMBER_ID: mid, "messages": int(posts[mid]),
                          "ads": len(own_ads), S.MSG_ID: str(example[S.MSG_ID].iloc[-1])})
        out += sorted(found, key=lambda a: (-a["ads"], -a["messages"], a[S.MEMBER_ID]))
    return out


# --- following last week's actions up ------------------------------------------------------------

def follow_up(ctx: ReportContext, action: dict[str, Any], period: Period) -> dict[str, Any]:
    """What became of ``action`` by the end of ``period`` (the data up to then): ``outcome``
    (see the module docstring), ``done`` (bool, None when it cannot be told), ``at`` (time?),
    ``by`` (member id?), ``count`` (int?)."""
    until = _until(ctx, period)
    mid = str(action[S.MEMBER_ID])
    kind = action["kind"]
    speech = ctx.speech
    mine = (speech[S.SENDER_ID].astype(str) == mid).to_numpy()
    seen = (speech[S.TS] < until).to_numpy()
    left = ctx.members.loc[ctx.members[S.MEMBER_ID].astype(str) == mid, S.LEFT_AT]
    left_at = pd.Timestamp(left.iloc[0]) if len(left) and pd.notna(left.iloc[0]) else None
    has_left = left_at is not None and left_at < until
    result: dict[str, Any] = {"outcome": None, "at": None, "by": None, "count": None}
    if kind == ANSWER_QUESTION:
        positions = np.flatnonzero((speech[S.MSG_ID].astype(str) == str(action[S.MSG_ID])).to_numpy())
        if not len(positions):
            result["outcome"] = "gone"
        else:
            first = _answer_position(ctx, int(positions[0]))
            if first is not None and seen[first]:
                result.update(outcome="answered", at=speech[S.TS].iat[first],
                              by=str(ctx.replies.member_ids[ctx.replies.author[first]]))
            else:
                result["outcome"] = "unanswered"
    elif kind == WELCOME_NEWCOMER:
        since = pd.Timestamp(action[S.JOINED_AT])
        said = np.flatnonzero(mine & seen & (speech[S.TS] >= since).to_numpy())
        if len(said):
            result.update(outcome="spoke", at=speech[S.TS].iat[said[0]])
        else:
            result["outcome"] = "left" if has_left else "silent"
    elif kind == KEEP_CORE:
        table = layers_of(ctx)
        row = np.flatnonzero(table.member_ids.astype(str) == mid)
        monday = week_monday(period.last_day)
        code = int(table.layer[row[0], table.week_index(monday)]) if len(row) and monday in table.weeks else ABSENT_CODE
        result["outcome"] = ("left" if code == ABSENT_CODE else "back" if code == CORE else
                             "quiet" if layer_name(code) in ("churned", "silent") else "active")
    elif kind in (CHECK_ADVERTISER, CHECK_SHILL):
        inside = mine & ctx.in_period(speech, period).to_numpy()
        if kind == CHECK_ADVERTISER and AD in speech:
            inside &= speech[AD].fillna(False).to_numpy(bool)
        count = int(inside.sum())
        result.update(outcome="left" if has_left else "stopped" if not count else "continues", count=count)
        if has_left:
            result["at"] = left_at
    result["done"] = None if result["outcome"] == "gone" else result["outcome"] in DONE
    return result


def _answer_position(ctx: ReportContext, pos: int) -> int | None:
    """The position of the message that answers the question at ``pos``, as the questions
    report finds it (``analysis.answers``: never a mere reply such as 同问 or 同意), however late
    it came; None when nothing answers it."""
    found = ctx.replies.messages
    answer = found[S.ANSWERED_BY].iat[pos] if S.ANSWERED_BY in found else None
    if answer is None or pd.isna(answer):
        return None
    later = np.flatnonzero((found[S.MSG_ID].astype(str) == str(answer)).to_numpy())
    later = later[later > pos]
    return int(later[0]) if len(later) else None


# --- the weekly review's two lists ---------------------------------------------------------------

def actions_section(ctx: ReportContext, period: Period) -> dict[str, Any]:
    """The review's ``actions`` (this period's list) and ``follow_up`` (last week's list and what
    became of each), readable (``action_items``). For an ISO week, recorded lists are read from
    the store, and the week's merged list is left in ``ctx.cache[RECORD_KEY]`` for
    ``record_period_actions``."""
    store, group = ctx.data.store, ctx.data.group_id
    computed = period_actions(ctx, period)
    stored = load_actions(store, group, period.week) if period.week else None
    records = merge_actions(stored or [], computed)
    if period.week:
        ctx.cache[RECORD_KEY] = (period.week, records)
    actions = {"week": period.label, "recorded": stored is not None, "new": len(records) - len(stored or []),
               "items": action_items(ctx, records)}
    if not period.week:
        return {"actions": actions, "follow_up": None}
    before = week_period(period.first_day - timedelta(days=7), period.tz)
    previous = load_actions(store, group, before.label)
    source = "recorded" if previous is not None else "recomputed"
    if previous is None:
        previous = period_actions(ctx, before, candidates=False)
    items = [{**a, **follow_up(ctx, a, period)} for a in previous]
    return {"actions": actions,
            "follow_up": {"week": before.label, "source": source, "total": len(items),
                          "done": sum(1 for i in items if i["done"]), "items": action_items(ctx, items)}}


def merge_actions(stored: list[dict[str, Any]], computed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The recorded list with the computed actions it does not hold yet appended (by ``id``)."""
    ids = {a["id"] for a in stored}
    return [*stored, *(a for a in computed if a["id"] not in ids)]


# --- the store's record -------------------------------------------------------------------------

def actions_file(store: Store, group_id: str, week: str) -> Path:
    """Where a group's actions of an ISO week are recorded: in the group's folder of the store."""
    return store.group_dir(TABLE, group_id) / f"{week}.json"


def load_actions(store: Store, group_id: str, week: str) -> list[dict[str, Any]] | None:
    """The actions recorded for ``week``, or None when none were."""
    path = actions_file(store, group_id, week)
    try:
        record = json.loads(store.read_text(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StoreError(f"cannot read the recorded actions ({e}); delete the file to record the week afresh",
                         path=path) from None
    if not isinstance(record, dict) or record.get("format") != FILE_FORMAT or not isinstance(record.get("actions"), list):
        raise StoreError("not a grouplens actions file; delete it to record the week afresh", path=path)
    if record.get("version") != FILE_VERSION:
        raise StoreError(f"actions file version {record.get('version')} is not supported by this grouplens",
                         path=path)
    return [a for a in record["actions"] if isinstance(a, dict) and a.get("kind") in KINDS and "id" in a]


def record_actions(store: Store, group_id: str, week: str, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record ``actions`` for ``week``, keeping those already recorded (merged by id, under the
    store's lock); the file is rewritten only when something was added. Gives the list as
    recorded."""
    path = actions_file(store, group_id, week)
    with store.lock():
        stored = load_actions(store, group_id, week)
        merged = merge_actions(stored or [], actions)
        if stored is None or len(merged) != len(stored):
            _write_atomic(path, {"format": FILE_FORMAT, "version": FILE_VERSION, "group_id": group_id, "week": week,
                                 "actions": merged}, store.path)
    return merged


def record_period_actions(ctx: ReportContext, data: dict[str, Any]) -> None:
    """The weekly review's record step (``ReportKind.record``): its week's list into the store."""
    pending = ctx.cache.get(RECORD_KEY)
    if not pending:
        return
    week, records = pending
    try:
        record_actions(ctx.data.store, ctx.data.group_id, week, records)
    except OSError as e:
        raise StoreError(f"cannot record the week's actions ({e.strerror}); pass --no-record to report without "
                         "recording them", path=actions_file(ctx.data.store, ctx.data.group_id, week)) from None
    data["actions"]["recorded"] = True


def _write_atomic(path: Path, data: dict[str, Any], root: Path) -> None:
    """Write JSON to ``path`` through a temporary file renamed into place; folders and file
    readable by the owner only, as the rest of the store."""
    private_dir(path.parent, root)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --- readable items for the report ----------------------------------------------------------------

def action_items(ctx: ReportContext, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the report shows them: members as references (the privacy step hides their
    names and ids), the question's text, local times."""
    tz, people = ctx.period.tz, ctx.people
    texts = pd.Series(ctx.speech[S.TEXT].to_numpy(), index=ctx.speech[S.MSG_ID].astype(str))
    texts = texts[~texts.index.duplicated()]
    out = []
    for a in records:
        item: dict[str, Any] = {"id": a["id"], "kind": a["kind"], **people.ref(a[S.MEMBER_ID])}
        if S.MSG_ID in a:
            item[S.MSG_ID] = a[S.MSG_ID]
            text = texts.get(str(a[S.MSG_ID]))
            item[S.TEXT] = None if text is None or pd.isna(text) else str(text)
        if a["kind"] == ANSWER_QUESTION:
            item.update({S.TS: iso_time(pd.Timestamp(a[S.TS]), tz), "status": a.get("status"),
                         "candidates": [{**people.ref(c[S.MEMBER_ID]), "on_topic": c["on_topic"],
                                         "answers": c["answers"], "addressed": bool(c.get("addressed")),
                                         "reason": "、".join((["@"] if c.get("addressed") else [])
                                                            + list(c.get("words") or []))}
                                        for c in a.get("candidates", [])]})
        elif a["kind"] == WELCOME_NEWCOMER:
            item[S.JOINED_AT] = iso_time(pd.Timestamp(a[S.JOINED_AT]), tz)
        elif a["kind"] == KEEP_CORE:
            item.update({"from": a["from"], "to": a["to"], "messages": a.get("messages")})
        else:
            item.update({"messages": a.get("messages"), "ads": a.get("ads")})
        if "outcome" in a:
            item.update({"outcome": a["outcome"], "done": a["done"], "count": a.get("count"),
                         "at": iso_time(pd.Timestamp(a["at"]), tz) if a.get("at") is not None else None,
                         "by": people.ref(a["by"]) if a.get("by") else None})
        out.append(item)
    return out


__all__ = ["ANSWER_QUESTION", "CHECK_ADVERTISER", "CHECK_SHILL", "KEEP_CORE", "KINDS", "WELCOME_NEWCOMER",
           "action_items", "actions_file", "actions_section", "follow_up", "load_actions", "merge_actions",
           "period_actions", "record_actions", "record_period_actions"]
