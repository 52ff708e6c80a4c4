"""Features for "who replies to whom", per (child, candidate) window and per child.

Every message may answer one of the ``WINDOW`` messages before it, or start a thread of its
own. The features only look at who spoke when, who named whom, which uncommon words two
messages share and the shape of the text (a question mark, the length), so they carry over
from the IRC logs the model learns on to Chinese groups. Each is an ``(n, WINDOW)`` (or
``(n,)``) array built with numpy over whole windows, never pair by pair in Python, and only
when a model asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .speech import MAX_NAMED, NONE, WINDOW, Speech, speech_arrays

__all__ = ["NONE", "WINDOW", "LazyFeatures", "Speech", "Threads", "child_features", "child_link_features",
           "link_features", "pair_features", "speech_arrays", "thread_roots", "threads_from"]


class LazyFeatures(Mapping[str, np.ndarray]):
    """Named feature arrays computed on first use, so a model pays only for what it reads."""

    def __init__(self, makers: dict[str, Callable[[], np.ndarray]]):
        self._makers = makers
        self._done: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._done:
            self._done[name] = self._makers[name]()
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _names(sp: Speech, messages: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Whether each of ``messages`` names the member ``who`` (arrays that broadcast together)."""
    out = sp.named[0][messages] == who
    for r in range(1, MAX_NAMED):  # one 2-D comparison per slot beats a 3-D one and a reduction
        out |= sp.named[r][messages] == who
    return out


def _pace(sp: Speech, children: np.ndarray) -> np.ndarray:
    """Messages per minute over the ten before each child: busy rooms link further back."""
    span = sp.seconds[children] - sp.seconds[np.clip(children - 10, 0, None)]
    return (np.minimum(children, 10) * 60 / np.maximum(span, 60)).astype(np.float32)


def pair_features(sp: Speech, children: np.ndarray) -> tuple[np.ndarray, LazyFeatures]:
    """Features of each child against each of the WINDOW messages before it.

    Returns ``(valid, features)``: ``valid[r, k]`` says candidate ``children[r] - k - 1`` exists;
    each feature is a ``(len(children), WINDOW)`` array, computed when first read.
    """
    m = len(sp)
    children = children.astype(np.int32)
    i = children[:, None]
    distance = np.arange(1, WINDOW + 1, dtype=np.int32)[None, :]
    cand = i - distance
    valid = cand >= 0
    j = np.where(valid, cand, 0)
    a, b = sp.speaker[i], sp.speaker[j]
    same = a == b
    prev_a = sp.previous_own[children][:, None]
    next_a = sp.next_own[children][:, None]
    f: dict[str, Callable[[], np.ndarray]] = {}
    f["distance"] = lambda: np.broadcast_to(np.arange(1, WINDOW + 1, dtype=np.float32), j.shape)
    f["gap"] = lambda: (sp.seconds[i] - sp.seconds[j]).astype(np.float32)
    f["same_speaker"] = lambda: same
    f["child_opens_with_candidate"] = lambda: sp.addressee[i] == b
    f["child_names_candidate"] = lambda: _names(sp, i, b)
    f["candidate_opens_with_child"] = lambda: sp.addressee[j] == a
    f["candidate_names_child"] = lambda: _names(sp, j, a)
    f["child_addresses_other"] = lambda: sp.addresses_anyone[i] & ~feats["child_names_candidate"]
    f["candidate_addresses_other"] = lambda: sp.addresses_anyone[j] & ~feats["candidate_names_child"] & ~same
    f["candidate_speaker_later"] = lambda: (sp.next_own[j] < i).astype(np.int8) + (sp.next_own2[j] < i)
    f["child_speaker_between"] = lambda: prev_a > j
    f["same_addressee"] = lambda: (sp.addressee[i] != NONE) & (sp.addressee[i] == sp.addressee[j])
    f["candidate_question"] = lambda: sp.question[j]
    f["candidate_length"] = lambda: sp.length[j]
    f["last_naming_child"] = lambda: j == sp.last_naming_me[i]
    f["child_previous_names_candidate"] = lambda: (prev_a >= 0) & ~same & _names(
        sp, np.clip(prev_a, 0, None), b)
    f["candidate_speaker_named_child_last"] = lambda: (sp.last_naming_me[i] >= 0) & (
        sp.speaker[np.clip(sp.last_naming_me[i], 0, None)] == b) & ~same
    f["candidate_latest_question"] = lambda: j == sp.last_question[i]

    def child_previous2_names_candidate() -> np.ndarray:
        prev2 = sp.previous_own[np.clip(prev_a, 0, None)]
        return (prev_a >= 0) & (prev2 >= 0) & ~same & _names(sp, np.clip(prev2, 0, None), b)

    f["child_previous2_names_candidate"] = child_previous2_names_candidate
    f["shared_words"] = lambda: sp.shared_words[children]
    f["candidate_speaker_new"] = lambda: sp.speaker_new[j]
    f["candidate_speaker_continues"] = lambda: sp.speaker_continues[j] & (distance > 1)
    f["candidate_speaker_continued"] = lambda: sp.speaker_continues[np.clip(j - 1, 0, None)] & (j > 0)
    f["child_next_names_candidate"] = lambda: (next_a < m) & ~same & _names(sp, np.minimum(next_a, m - 1), b)
    f["candidate_speaker_names_child_next"] = lambda: (sp.next_naming_me[i] < m) & (
        sp.speaker[np.minimum(sp.next_naming_me[i], m - 1)] == b) & ~same
    f["pace"] = lambda: np.broadcast_to(_pace(sp, children)[:, None], j.shape)
    f["addressing_rate"] = lambda: np.broadcast_to(sp.addressing_rate[children][:, None], j.shape)
    feats = LazyFeatures(f)
    return valid, feats


def child_features(sp: Speech, children: np.ndarray) -> LazyFeatures:
    """Features of each child alone: what makes a message open a thread rather than answer."""
    before = np.clip(children - 1, 0, None)
    prev_own = sp.previous_own[children]
    naming = sp.last_naming_me[children]
    t = sp.seconds[children]
    return LazyFeatures({
        "child_addresses_anyone": lambda: sp.addresses_anyone[children],
        "child_question": lambda: sp.question[children],
        "child_length": lambda: sp.length[children],
        "gap_previous": lambda: np.where(children > 0, t - sp.seconds[before], 1e6).astype(np.float32),
        "gap_own_previous": lambda: np.where(prev_own >= 0, t - sp.seconds[np.clip(prev_own, 0, None)],
                                             1e6).astype(np.float32),
        "since_named": lambda: np.where(naming >= 0, children - naming, 1000).astype(np.float32),
        "candidates": lambda: np.minimum(children, WINDOW).astype(np.float32),
        "pace": lambda: _pace(sp, children),
        "addressing_rate": lambda: sp.addressing_rate[children],
    })


@dataclass(frozen=True)
class Threads:
    """A first guess of every message's parent, and the threads it draws."""

    parent: np.ndarray  # int64: the parent message, NONE where the message starts a thread
    parent_speaker: np.ndarray  # int32: the parent's speaker, NONE if none
    first_answer: np.ndarray  # int64: the earliest message whose parent this is, M if none
    root: np.ndarray  # int64: the first message of the thread
    next_in_thread: np.ndarray  # int64: the next message of the same thread, M if none
    rank_in_thread: np.ndarray  # int64: how many messages of the thread come before this one


def thread_roots(parent: np.ndarray) -> np.ndarray:
    """The first message of each message's thread, following ``parent`` links (NONE: starts one);
    parents come before their children, so the links hold no cycle."""
    root = np.where(parent == NONE, np.arange(len(parent)), parent)
    for _ in range(64):  # pointer doubling: log2(M) rounds reach every root
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return root


def threads_from(sp: Speech, parent: np.ndarray) -> Threads:
    """The thread arrays of a parent guess (parents must come before their children)."""
    m = len(parent)
    has = parent != NONE
    first_answer = np.full(m + 1, m, np.int64)
    np.minimum.at(first_answer, np.where(has, parent, m), np.arange(m))
    root = thread_roots(parent)
    order = np.lexsort((np.arange(m), root))
    next_in_thread = np.full(m, m, np.int64)
    same = root[order][1:] == root[order][:-1]
    next_in_thread[order[:-1][same]] = order[1:][same]
    rank = np.empty(m, np.int64)
    rank[order] = np.arange(m) - np.searchsorted(root[order], root[order], side="left")
    return Threads(parent=parent, parent_speaker=np.where(has, sp.speaker[np.clip(parent, 0, None)], NONE),
                   first_answer=first_answer[:m], root=root, next_in_thread=next_in_thread, rank_in_thread=rank)


def link_features(sp: Speech, th: Threads, children: np.ndarray) -> LazyFeatures:
    """Features of each (child, candidate) pair from a first guess of the threads.

    They say how a candidate sits in the threads that guess draws: does it answer the child's
    speaker, was it answered already, is it in the thread the child's speaker was last in, is it
    that thread's latest message.
    """
    i = children[:, None]
    j = np.clip(i - np.arange(1, WINDOW + 1)[None, :], 0, None)
    a, b = sp.speaker[i], sp.speaker[j]
    prev = sp.previous_own[children][:, None]
    has_prev = prev >= 0
    prev = np.clip(prev, 0, None)
    prev2 = sp.previous_own[prev]
    has_prev2 = has_prev & (prev2 >= 0)
    prev2 = np.clip(prev2, 0, None)
    return LazyFeatures({
        "candidate_answers_child_previous": lambda: has_prev & (th.parent[j] == prev),
        "same_thread_as_child_previous2": lambda: has_prev2 & (th.root[j] == th.root[prev2]),
        "candidate_thread_size": lambda: th.rank_in_thread[j].astype(np.int32),
        "candidate_answers_child_speaker": lambda: th.parent_speaker[j] == a,
        "child_previous_answers_candidate_speaker": lambda: has_prev & (th.parent_speaker[prev] == b) & (a != b),
        "candidate_parent_of_child_previous": lambda: has_prev & (th.parent[prev] == j),
        "candidate_answered": lambda: th.first_answer[j] < i,
        "same_thread_as_child_previous": lambda: has_prev & (th.root[j] == th.root[prev]),
        "candidate_thread_latest": lambda: th.next_in_thread[j] >= i,
    })


def child_link_features(sp: Speech, th: Threads, children: np.ndarray) -> LazyFeatures:
    """Features of each child alone from the thread guess: was its speaker's last message answered."""
    prev = sp.previous_own[children]
    return LazyFeatures({
        "child_previous_answered": lambda: (prev >= 0) & (th.first_answer[np.clip(prev, 0, None)] < children),
    })
