"""Reply threads: a group's speech as a forest of replies, who answers whom, whom each message names.

``thread_structure`` turns messages whose reply links are resolved (explicit quotes, the reply
model's inferred links, ``links.infer_reply_links``) into ``ReplyStructure``: each message's
parent, thread root and depth, every (ancestor, descendant) pair, and the members it @-mentions,
as numpy arrays aligned with the messages. Engagement, influence, roles and reports read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema as S

NO_PARENT = -1


@dataclass(frozen=True)
class ReplyStructure:
    """A group's speech as threads: who answers whom, and whom each message names.

    Arrays are aligned with ``messages`` (positional index 0..n-1, time order); members are
    codes into ``member_ids`` (the members table's order, so members who never spoke are there).
    """

    messages: pd.DataFrame  # the speech, with the message-class columns
    member_ids: np.ndarray  # object array: member code -> member_id
    author: np.ndarray  # int64 member code of each message's sender
    parent: np.ndarray  # int64 position of the message answered, NO_PARENT if none
    score: np.ndarray  # float64 certainty of the link: 1.0 explicit, the model's probability; 0 none
    explicit: np.ndarray  # bool: the export itself shows the quote or reply
    root: np.ndarray  # int64 position of the thread's first message (itself for a root)
    depth: np.ndarray  # int64 replies between the message and its root (0 for a root)
    seconds: np.ndarray  # float64 seconds since the epoch
    mention_message: np.ndarray  # int64: one entry per (message, member it @-mentions)
    mention_member: np.ndarray  # int64 member code
    ancestor: np.ndarray  # int64: one entry per (ancestor, descendant) pair of a thread
    descendant: np.ndarray  # int64
    links_inferred: bool  # whether the reply model supplied links (besides explicit + @-addressing)

    def __len__(self) -> int:
        return len(self.author)

    @property
    def parent_author(self) -> np.ndarray:
        """The member code of the author each message answers, -1 for none."""
        has = self.parent >= 0
        return np.where(has, self.author[np.where(has, self.parent, 0)], -1)


def thread_structure(speech: pd.DataFrame, members: pd.DataFrame, *, address_window_seconds: float,
                     max_depth: int, links_inferred: bool) -> ReplyStructure:
    """The threads of ``speech`` (time order, positional index) whose reply links are resolved.

    Explicit quotes come first; a message that opens by @-addressing a member answers that
    member's latest message within ``address_window_seconds`` (stronger evidence than the reply
    model's guess, so it replaces an inferred link, never an explicit quote, and counts as
    certain); the model's links (``reply_to`` with ``reply_source``/``reply_score``) fill in the
    rest. ``members`` is the members table: every sender and everyone they can @-mention.
    """
    n = len(speech)
    member_ids = members[S.MEMBER_ID].astype(object).to_numpy()
    code_of = pd.Index(member_ids)
    author = code_of.get_indexer(speech[S.SENDER_ID].astype(object))
    if (author < 0).any():  # the members table holds every sender; guard against a stale one
        missing = pd.unique(speech[S.SENDER_ID].astype(object)[author < 0])
        member_ids = np.concatenate([member_ids, missing])
        code_of = pd.Index(member_ids)
        author = code_of.get_indexer(speech[S.SENDER_ID].astype(object))
    author = author.astype(np.int64)
    seconds = _seconds(speech[S.TS])

    position = pd.Series(np.arange(n), index=speech[S.MSG_ID].astype(object))
    position = position[~position.index.duplicated()]
    reply_ids = speech[S.REPLY_TO].astype(object).where(speech[S.REPLY_TO].notna(), None)
    parent = reply_ids.map(position).fillna(NO_PARENT).to_numpy().astype(np.int64)
    if S.REPLY_SCORE in speech:
        score = pd.to_numeric(speech[S.REPLY_SCORE], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    else:
        score = np.ones(n)
    if S.REPLY_SOURCE in speech:
        explicit = (speech[S.REPLY_SOURCE].astype(object) == "explicit").to_numpy()
    else:
        explicit = parent >= 0
    # Only links back in time within the period count (a quote of a message before --since has
    # no parent here).
    parent = np.where((parent >= 0) & (parent < np.arange(n)), parent, NO_PARENT)

    mention_message, mention_member = _mentions(speech, members, code_of)
    # A message that opens by @-addressing a member answers that member: stronger evidence than
    # the reply model's guess, so it replaces an inferred link (never an explicit quote) and
    # counts as certain; the model's links fill in the rest.
    addressed = _addressed_parents(speech, author, seconds, mention_message, mention_member,
                                   address_window_seconds)
    fill = ~explicit & (addressed >= 0)
    parent = np.where(fill, addressed, parent)
    score = np.where(fill, 1.0, score)
    explicit = explicit & ~fill
    score = np.where(parent >= 0, np.clip(score, 0.0, 1.0), 0.0)

    root, depth, ancestor, descendant = _threads(parent, max_depth)
    return ReplyStructure(messages=speech, member_ids=member_ids, author=author, parent=parent, score=score,
                          explicit=explicit & (parent >= 0), root=root, depth=depth, seconds=seconds,
                          mention_message=mention_message, mention_member=mention_member,
                          ancestor=ancestor, descendant=descendant, links_inferred=links_inferred)


def _seconds(ts: pd.Series) -> np.ndarray:
    return pd.to_datetime(ts, utc=True).dt.as_unit("us").astype("int64").to_numpy() / 1e6


def member_name_codes(members: pd.DataFrame, code_of: pd.Index) -> dict[str, int]:
    """Every name (and id) a member is known by -> member code; a name two members used goes to
    the one who used it last."""
    out: dict[str, int] = {}
    rows: list[tuple[pd.Timestamp, str, str]] = []
    for mid, seen in zip(members[S.MEMBER_ID], members[S.NAMES_SEEN]):
        if seen is None:
            continue
        for entry in seen:
            if entry and isinstance(entry.get(S.NAME), str):
                rows.append((entry.get("last_seen"), entry[S.NAME], mid))
    for mid, name in zip(members[S.MEMBER_ID], members[S.NAME]):
        if isinstance(name, str) and name:
            out.setdefault(name, int(code_of.get_loc(mid)))
    epoch = pd.Timestamp(0, tz="UTC")
    for _, name, mid in sorted(rows, key=lambda r: (r[0] if isinstance(r[0], pd.Timestamp) and not pd.isna(r[0])
                                                    else epoch)):
        out[name] = int(code_of.get_loc(mid))
    for mid in members[S.MEMBER_ID]:
        out[str(mid)] = int(code_of.get_loc(mid))
    return out


def _mentions(speech: pd.DataFrame, members: pd.DataFrame, code_of: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(message position, member code) for every known member a message @-mentions, each once."""
    if S.MENTIONS not in speech or speech.empty:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    exploded = speech[S.MENTIONS].explode()
    exploded = exploded[exploded.notna()]
    if exploded.empty:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    names = member_name_codes(members, code_of)
    codes = exploded.astype(str).str.strip().map(names)
    known = codes.notna()
    pairs = pd.DataFrame({"m": exploded.index[known].to_numpy(np.int64),
                          "c": codes[known].to_numpy(np.int64)}).drop_duplicates()
    return pairs["m"].to_numpy(np.int64), pairs["c"].to_numpy(np.int64)


def _addressed_parents(speech: pd.DataFrame, author: np.ndarray, seconds: np.ndarray,
                       mention_message: np.ndarray, mention_member: np.ndarray, window: float) -> np.ndarray:
    """For messages that open with ``@name``: the named member's latest earlier message within
    ``window`` seconds (NO_PARENT otherwise)."""
    n = len(speech)
    parent = np.full(n, NO_PARENT, np.int64)
    if not len(mention_message):
        return parent
    opens = speech[S.TEXT].astype(object).fillna("").str.lstrip().str.startswith("@").to_numpy()
    first = np.ones(len(mention_message), bool)
    first[1:] = mention_message[1:] != mention_message[:-1]  # the first member named is the addressee
    keep = first & opens[mention_message] & (author[mention_message] != mention_member)
    msg, target = mention_message[keep], mention_member[keep]
    if not len(msg):
        return parent
    # The latest message of ``target`` before ``msg``: search in the (author, position) order.
    order = np.lexsort((np.arange(n), author))
    key_sorted = author[order] * (n + 1) + order
    pos = np.searchsorted(key_sorted, target * (n + 1) + msg, side="left") - 1
    ok = pos >= 0
    found = order[np.clip(pos, 0, None)]
    ok &= author[found] == target
    ok &= seconds[msg] - seconds[found] <= window
    parent[msg[ok]] = found[ok]
    return parent


def _threads(parent: np.ndarray, max_depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each message's thread root and depth, and every (ancestor, descendant) pair up to
    ``max_depth`` levels (parents always come earlier, so there are no cycles)."""
    n = len(parent)
    index = np.arange(n, dtype=np.int64)
    root = index.copy()
    depth = np.zeros(n, np.int64)
    ancestors: list[np.ndarray] = []
    descendants: list[np.ndarray] = []
    current = parent.copy()
    active = np.flatnonzero(current >= 0)
    level = 0
    while len(active) and level < max_depth:
        level += 1
        anc = current[active]
        ancestors.append(anc)
        descendants.append(active)
        root[active] = anc
        depth[active] = level
        current[active] = parent[anc]
        active = active[current[active] >= 0]
    if ancestors:
        return root, depth, np.concatenate(ancestors), np.concatenate(descendants)
    return root, depth, np.empty(0, np.int64), np.empty(0, np.int64)
