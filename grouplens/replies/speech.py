"""Per-message arrays for reply-link features: who said each message, whom it names, its words.

A conversation's messages (system lines aside, in time order) become a ``Speech``: speaker
codes, the member each message opens by addressing (``nick:``, ``<nick>``, ``@名字``), the
members it names anywhere, its uncommon words shared with each of the ``WINDOW`` messages
before it, and pointers to each speaker's previous and next messages. Text is handled with
Arrow's compute kernels over whole columns; names and words are matched after lower-casing and
trimming punctuation, so Chinese and IRC conventions read alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WINDOW = 40  # candidates per message: 97.8% of the corpus' links reach back at most this far
MAX_NAMED = 4  # members named per message that are kept
NONE = -1
RARE_WORD_SHARE = 0.02  # a word used more often than this (a share of all messages) ties nothing together
_WORD_LAGS = 8  # an uncommon word is matched with its previous 8 uses at most

# Trimmed off both ends of a word (and of a name) so that "nick:", "<nick>" and "@名字" match the name.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。：；！？（）【】「」《》、～…"
# A first word that addresses someone: "@名字", "<nick>", "nick:", "nick,", "名字：" (RE2 syntax).
_ADDRESSING = r"^[@<]|[:,：，>]$"
# A question ends with ? (or 吗/呢 and the like), or holds a full-width ？ anywhere: Chinese
# messages go on after the question ("还有吗？给我留四个"); an ASCII ? mid-text is often a URL's.
_QUESTION = r"(?:[?？]|[吗呢嘛么][?？!！。.~～]*)\s*$|？"


@dataclass(frozen=True)
class Speech:
    """What the features need of each message that can reply or be replied to (length M)."""

    seconds: np.ndarray  # float64 send times
    speaker: np.ndarray  # int32 code of the sender
    addressee: np.ndarray  # int32 code of the member the message opens by naming, NONE if none
    named: np.ndarray  # (MAX_NAMED, M) int32: named[r] is the r-th member each message names, NONE if fewer
    addresses_anyone: np.ndarray  # bool: opens with a name or @-mentions someone, known or not
    addressing_rate: np.ndarray  # float32: share of the messages around (WINDOW each side) that address someone
    question: np.ndarray  # bool: asks something (see _QUESTION)
    length: np.ndarray  # int32 characters
    previous_own: np.ndarray  # int32: the speaker's previous message, NONE if none
    next_own: np.ndarray  # int32: the speaker's next message, M if none
    next_own2: np.ndarray  # int32: the speaker's second-next message, M if none
    last_naming_me: np.ndarray  # int32: the latest earlier message naming this speaker, NONE if none
    next_naming_me: np.ndarray  # int32: the first later message naming this speaker, M if none
    last_question: np.ndarray  # int32: the latest earlier message that asks a question, NONE if none
    speaker_new: np.ndarray  # bool: the speaker's first message in WINDOW messages
    speaker_continues: np.ndarray  # bool: the next message is the same speaker's
    shared_words: np.ndarray  # (M, WINDOW) int8: uncommon words shared with the message k + 1 before

    def __len__(self) -> int:
        return len(self.speaker)


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _key(names: pa.Array) -> pa.Array:
    """Names as they are matched: lower-cased, surrounding punctuation trimmed."""
    return pc.utf8_trim(pc.utf8_lower(names), characters=_PUNCTUATION)


@dataclass(frozen=True)
class _Words:
    """The words of lower-cased texts: split at (any Unicode) white space, punctuation trimmed,
    and numbered by a vocabulary so that equal words compare as equal integers."""

    vocab: pa.Array  # the distinct words
    ids: np.ndarray  # int64: each word's place in ``vocab``
    message: np.ndarray  # int64: the text each word belongs to
    starts: np.ndarray  # int64: where each text's words begin in ``ids`` (len(texts) + 1 offsets)
    first_raw: pa.Array  # each text's first word untrimmed ("" for an empty text)

    @staticmethod
    def of(lowered: pa.Array) -> _Words:
        raw = pc.utf8_split_whitespace(lowered)
        flat_raw = raw.flatten()
        starts = _np(raw.offsets).astype(np.int64)
        starts = starts - starts[0]
        nonempty = starts[1:] > starts[:-1]
        first = pc.take(flat_raw, pa.array(np.minimum(starts[:-1], max(len(flat_raw) - 1, 0)))) \
            if len(flat_raw) else pa.nulls(len(raw), pa.string())
        encoded = pc.dictionary_encode(pc.utf8_trim(flat_raw, characters=_PUNCTUATION))
        message = np.repeat(np.arange(len(raw), dtype=np.int64), np.diff(starts))
        return _Words(encoded.dictionary, _np(encoded.indices).astype(np.int64), message, starts,
                      pc.if_else(pa.array(nonempty), first, ""))


def _codes_of(keys: pa.Array, lookup: pa.Array, owner: np.ndarray) -> np.ndarray:
    """The speaker each (already keyed) name belongs to, NONE where it is nobody's name."""
    idx = _np(pc.fill_null(pc.index_in(keys, value_set=lookup), NONE)).astype(np.int64)
    return np.where(idx == NONE, NONE, owner[np.clip(idx, 0, None)]).astype(np.int32)


def _named_members(words: _Words, word_codes: np.ndarray, mentions: pa.Array, lookup: pa.Array,
                   owner: np.ndarray) -> np.ndarray:
    """(MAX_NAMED, M) speakers a message names: its words that are someone's name (``word_codes``),
    and its structured @-list; each speaker once, in order of first appearance."""
    m = len(words.starts) - 1
    msg = np.concatenate([words.message, _np(pc.list_parent_indices(mentions)).astype(np.int64)])
    code = np.concatenate([word_codes, _codes_of(_key(pc.list_flatten(mentions)), lookup, owner)])
    keep = code != NONE
    msg, code, pos = msg[keep], code[keep], np.nonzero(keep)[0]
    order = np.lexsort((pos, code, msg))
    msg, code, pos = msg[order], code[order], pos[order]
    first = np.ones(len(msg), bool)
    first[1:] = (msg[1:] != msg[:-1]) | (code[1:] != code[:-1])
    msg, code, pos = msg[first], code[first], pos[first]
    order = np.lexsort((pos, msg))  # back to the order the names appear in
    msg, code = msg[order], code[order]
    rank = np.arange(len(msg)) - np.searchsorted(msg, msg, side="left")
    keep = rank < MAX_NAMED
    out = np.full((MAX_NAMED, m), NONE, np.int32)
    out[rank[keep], msg[keep]] = code[keep]
    return out


def _same_speaker_neighbours(speaker: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each message, the index of the same speaker's previous, next and second-next message."""
    m = len(speaker)
    order = np.lexsort((np.arange(m), speaker))
    s = speaker[order]
    prev_same = np.r_[False, s[1:] == s[:-1]]
    next_same = np.r_[prev_same[1:], False]
    next2_same = np.r_[s[2:] == s[:-2], False, False] if m > 1 else np.zeros(m, bool)
    prev, nxt, nxt2 = np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m, np.int32)
    prev[order] = np.where(prev_same, np.r_[NONE, order[:-1]], NONE)
    nxt[order] = np.where(next_same, np.r_[order[1:], m], m)
    nxt2[order] = np.where(next2_same, np.r_[order[2:], m, m][:m], m)
    return prev, nxt, nxt2


def _naming_neighbours(named: np.ndarray, speaker: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each message, the latest earlier and the first later message that names its speaker
    (NONE and M where there is none)."""
    m = len(speaker)
    slots, msgs = np.nonzero(named != NONE)
    key = np.sort(named[slots, msgs].astype(np.int64) * (m + 1) + msgs)
    query = speaker.astype(np.int64) * (m + 1) + np.arange(m)
    if not len(key):
        return np.full(m, NONE, np.int32), np.full(m, m, np.int32)
    before = np.searchsorted(key, query, side="left") - 1
    found = key[np.clip(before, 0, None)]
    last = np.where((before >= 0) & (found // (m + 1) == speaker), found % (m + 1), NONE)
    after = np.searchsorted(key, query, side="right")
    found = key[np.minimum(after, len(key) - 1)]
    first = np.where((after < len(key)) & (found // (m + 1) == speaker), found % (m + 1), m)
    return last.astype(np.int32), first.astype(np.int32)


def _spaced_han(text: pa.Array) -> pa.Array:
    """The text with a space around every Han character, so each one splits off as a word."""
    non_ascii = pc.invert(pc.string_is_ascii(text))
    if not pc.any(non_ascii).as_py():
        return text
    spaced = pc.replace_substring_regex(pc.filter(text, non_ascii), r"(\p{Han})", r" \1 ")
    return pc.replace_with_mask(text, non_ascii, spaced)


def _shared_words(lowered: pa.Array, words: _Words) -> np.ndarray:
    """(M, WINDOW) counts of uncommon words each message shares with each of the messages before it.

    In texts with Han characters each character counts as a word, so Chinese needs no segmenter.
    Single ASCII characters are no words. Only words used rarely in the conversation count:
    those tie two messages together.
    """
    m = len(lowered)
    spaced = _spaced_han(lowered)
    if spaced is not lowered:
        words = _Words.of(spaced)
    word, msg = words.ids, words.message
    uses = np.bincount(word, minlength=len(words.vocab))
    long_enough = _np(pc.greater(pc.binary_length(words.vocab), 1))
    keep = (uses[word] <= max(2, RARE_WORD_SHARE * m)) & long_enough[word]
    pairs = np.sort(word[keep] * (m + 1) + msg[keep])  # by word, then message
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # once per message
    word, msg = pairs // (m + 1), pairs % (m + 1)
    cells = [np.zeros(0, np.int64)]
    for lag in range(1, _WORD_LAGS + 1):
        earlier = np.flatnonzero(word[lag:] == word[:-lag])
        if not len(earlier):  # no word is used lag + 1 times, so none more often either
            break
        later = msg[earlier + lag]
        gap = later - msg[earlier]
        hit = gap <= WINDOW
        cells.append(later[hit] * WINDOW + gap[hit] - 1)
    cell = np.sort(np.concatenate(cells))
    out = np.zeros(m * WINDOW, np.int8)
    if len(cell):
        first = np.r_[True, cell[1:] != cell[:-1]]
        counts = np.diff(np.r_[np.nonzero(first)[0], len(cell)])
        out[cell[first]] = np.minimum(counts, 127)
    return out.reshape(m, WINDOW)


def _local_share(flags: np.ndarray) -> np.ndarray:
    """For each message, the share of the messages within WINDOW on either side that are flagged:
    how a room talks around it (IRC names the addressee in half its lines, WeChat groups rarely)."""
    m = len(flags)
    total = np.r_[0, np.cumsum(flags)]
    lo, hi = np.clip(np.arange(m) - WINDOW, 0, None), np.minimum(np.arange(m) + WINDOW + 1, m)
    return ((total[hi] - total[lo]) / np.maximum(hi - lo, 1)).astype(np.float32)


def speech_arrays(seconds: np.ndarray, speaker_key: pa.Array, speaker_name: pa.Array,
                  text: pa.Array, mentions: pa.Array) -> Speech:
    """The per-message arrays for a conversation's messages in time order.

    Args:
        seconds: send times in seconds (any origin), non-decreasing.
        speaker_key: a stable key per sender (the sender id, else the name).
        speaker_name: the display name at each message; a member answers to every name and id used.
        text: message texts (nulls allowed).
        mentions: list<string> of structured @-mentions (names or ids).
    """
    speaker = _np(pc.dictionary_encode(speaker_key).indices).astype(np.int32)
    # Every id and display name a speaker used maps to that speaker; the first owner wins a clash.
    names = _key(pa.concat_arrays([speaker_key.cast(pa.string()), pc.fill_null(speaker_name.cast(pa.string()), "")]))
    owners = np.concatenate([speaker, speaker])
    encoded = pc.dictionary_encode(names)
    lookup = encoded.dictionary
    owner = np.full(len(lookup), NONE, np.int32)
    idx = _np(encoded.indices)
    owner[idx[::-1]] = owners[::-1]  # first occurrence wins
    owner[_np(pc.equal(lookup, ""))] = NONE
    text = pc.fill_null(text.cast(pa.string()), "")
    lowered = pc.utf8_lower(text)
    words = _Words.of(lowered)
    word_codes = _codes_of(words.vocab, lookup, owner)[words.ids]
    starts = words.starts[:-1]
    opens = _np(pc.match_substring_regex(words.first_raw, _ADDRESSING)) & (starts < words.starts[1:])
    first_code = word_codes[np.minimum(starts, len(word_codes) - 1)] if len(word_codes) else np.full(len(starts), NONE)
    addressee = np.where(opens, first_code, NONE).astype(np.int32)
    named = _named_members(words, word_codes, mentions, lookup, owner)
    opens_with_at = _np(pc.starts_with(words.first_raw, "@"))
    has_mentions = _np(pc.fill_null(pc.greater(pc.list_value_length(mentions), 0), False))
    prev, nxt, nxt2 = _same_speaker_neighbours(speaker)
    question = _np(pc.match_substring_regex(text, _QUESTION))
    asked = np.where(question, np.arange(len(question)), NONE)
    last_question = np.r_[NONE, np.maximum.accumulate(asked)[:-1]] if len(asked) else asked
    last_naming, next_naming = _naming_neighbours(named, speaker)
    position = np.arange(len(speaker))
    addresses_anyone = (addressee != NONE) | opens_with_at | has_mentions
    return Speech(
        seconds=np.asarray(seconds, np.float64),
        speaker=speaker,
        addressee=addressee,
        named=named,
        addresses_anyone=addresses_anyone,
        addressing_rate=_local_share(addresses_anyone),
        question=question,
        length=_np(pc.utf8_length(text)).astype(np.int32),
        previous_own=prev,
        next_own=nxt,
        next_own2=nxt2,
        last_naming_me=last_naming,
        next_naming_me=next_naming,
        last_question=last_question.astype(np.int32),
        speaker_new=(prev < 0) | (position - prev > WINDOW),
        speaker_continues=np.r_[speaker[1:] == speaker[:-1], False] if len(speaker) else np.zeros(0, bool),
        shared_words=_shared_words(lowered, words),
    )
