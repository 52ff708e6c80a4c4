"""Which message answers each question, quoted or not.

In Chinese group chat most answers neither quote nor @-mention the asker: someone else simply
says the answer a minute later. A question's answer is the first later message from someone
else that gives the information, says where to find it, or says it cannot be answered. To find
it, each question's candidates (the next messages by others, within ``answer_window_minutes``
and ``answer_max_candidates`` messages by others) are scored from evidence read together:

- the reply links (an explicit quote; the reply model's link to the question, or to some other
  message instead; an @-mention of the asker or of someone else);
- proximity and turn-taking (the first message by someone else after the question; how many
  others spoke in between; minutes since the question);
- topic overlap (uncommon Han character pairs and Latin words shared with the question);
- what the candidate is (a question itself, a picture, a reply that opens like an answer:
  可以 / 不用 / 没有 / 在… / 不知道…); chatter (哈哈, 666, +1) and stickers are never answers;
- what the asker does next (thanks or "I see" right after it);
- what rules a candidate out: thanks or "OK" from a third person, asking the same again (同问,
  +1, the same words), and, the later it comes, having nothing to do with the question (no
  shared words, no link, not put by or to the people asked: a good-night, a new topic).

The score is a logistic model over these features (``WEIGHTS``), fitted on the first two rounds of
the hand-labelled real QQ chat in ``bench/labels`` (``python bench/questions_real.py ROOT --fit``); the
first candidate whose probability reaches ``answer_min_probability`` is the answer. An explicit
quote of the question is always its answer.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import EngagementConfig
from ..replies.threads import ReplyStructure
from ..text.classes import AD, AGREEMENT, GREETING, OBJECTION, OPERATOR_TEMPLATE
from .asking import Topic, asking_in, shared_units, topic_units

FEATURES: tuple[str, ...] = (
    "linked", "linked_elsewhere", "addressed", "addresses_other", "by_addressee", "not_addressee", "first_other",
    "others_before", "overlap", "is_question", "image", "answer_start", "number_answer", "has_link", "log_minutes",
    "asker_ack", "thanks", "same_question", "late_unrelated",
)
# Logistic weights per feature and the intercept, fitted on the first two rounds of bench/labels
# (``python bench/questions_real.py ROOT --fit``: C and the cut-off chosen by 5-fold
# cross-validation, folds by question).
WEIGHTS: dict[str, float] = {
    "linked": 0.12, "linked_elsewhere": -0.30, "addressed": 1.41, "addresses_other": -1.54, "by_addressee": 0.48,
    "not_addressee": -0.60, "first_other": 1.80, "others_before": -0.47, "overlap": 0.32, "is_question": -2.01,
    "image": -1.11, "answer_start": 0.87, "number_answer": 0.19, "has_link": 0.81, "log_minutes": -0.15,
    "asker_ack": 0.63, "thanks": -1.32, "same_question": -2.80, "late_unrelated": -0.11,
}
# The fitted intercept (-1.43) shifted by 0.54 so that the default answer_min_probability (0.3)
# applies the cross-validated cut-off (0.2).
INTERCEPT = -0.89
# Never an answer, whatever the score: a message that has nothing to do with the question (see
# ``late_unrelated``: a good-night, a new topic) once this many minutes have passed.
UNRELATED_MINUTES = 30.0

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.]{1,}")
_CHATTER = re.compile(
    r"^[\W_\d]*(?:[哈呵嘿嘻嗯哦噢啊呀哇呜额呃]{1,}|h{2,}|(?:ha)+|2333+|6+|卧槽|我去|我靠|牛|厉害|笑死|赞|"
    r"\+1|[.。…]+)?[\W_\d]*$", re.IGNORECASE)
_ANSWER_START = re.compile(
    r"^[\W_]*(?:可以|不可以|能|不能|不行|行|不用|用|要|不要|需要|不需要|没有|没|有|是|不是|对|嗯|恩|应该|好像|貌似|听说|"
    r"据说|一般|先|直接|找|问|去|在|看|填|选|会|不会|别|当然|肯定|估计|反正|不知道|不清楚|没听说|都|全|只|就是|还是|"
    r"暂时|目前|因为|大概|差不多)")
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十半][点号月天个次分岁周]")
_ASKS_NUMBER = re.compile(r"几|多少|多久|什么时候|啥时候|哪天|哪年|何时")
_URL = re.compile(r"https?://|www\.")
_DIGIT = re.compile(r"\d")
# Asking the same thing again: 同问, +1, 我也想知道.
_SAME_QUESTION = re.compile(r"同问|同求|^[\W_]*\+1|我也想(?:知道|问)|求告知")
_ACK = re.compile(r"谢|感谢|^[\W_]*(?:好的|好哒|好滴|好嘞|好吧|哦+|噢+|嗯嗯|明白|懂了|了解|原来|这样|ok|thx|thank)",
                  re.IGNORECASE)


def _sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


def candidate_features(rs: ReplyStructure, question: np.ndarray, *, window_minutes: float, max_candidates: int,
                       asked: np.ndarray | None = None, topic: Topic | None = None) -> pd.DataFrame:
    """Every (question, candidate answer) pair with the features the score reads.

    Columns: ``question`` and ``candidate`` (positions in ``rs``), ``explicit`` (the candidate
    quotes the question), ``ruled_out`` (unrelated and later than ``UNRELATED_MINUTES``: never
    the answer), then ``FEATURES``. Candidates of a question are the messages after it by someone
    other than the asker that say something (no chatter, sticker or greeting), within
    ``window_minutes`` and the first ``max_candidates`` of them, in time order. ``question`` says which messages are questions;
    ``asked`` which of them to find answers for (all of them by default).
    """
    m = rs.messages
    n = len(rs)
    texts, units = (topic or topic_units(rs))[:2]
    kinds = m[S.KIND].astype(object).fillna("text").to_numpy() if S.KIND in m else np.full(n, "text", object)
    raw = m[S.TEXT].astype(object).fillna("").to_numpy()

    def flag(name: str) -> np.ndarray:
        return m[name].fillna(False).to_numpy(bool) if name in m else np.zeros(n, bool)

    def matches(pattern: re.Pattern, values, how: str = "search") -> np.ndarray:
        find = getattr(pattern, how)
        return np.fromiter((bool(find(v)) for v in values), dtype=bool, count=len(values))

    greeting = flag(GREETING)
    ack_class = flag(AGREEMENT) | greeting
    no_words = ~(matches(_HAN_RUN, texts) | matches(_LATIN_WORD, texts) | matches(_DIGIT, texts))
    image = np.isin(kinds, ("image", "video", "file", "link")) | np.array(["[图片]" in r for r in raw], dtype=bool)
    sticker = no_words & ~image
    chatter = matches(_CHATTER, texts, "match") & ~no_words | (ack_class & (np.char.str_len(
        np.array(texts, dtype=str)) <= 6))
    author, parent, seconds = rs.author, rs.parent, rs.seconds
    # The candidates, found for all questions at once: step one message further each round.
    asker_of = np.flatnonzero(question if asked is None else asked)
    qs, cs = [], []
    active, found = asker_of, np.zeros(len(asker_of), np.int64)
    step = 1
    while len(active):
        c = active + step
        inside = c < n
        inside[inside] = seconds[c[inside]] - seconds[active[inside]] <= window_minutes * 60.0
        keep = inside & (found < max_candidates)
        active, found, c = active[keep], found[keep], c[keep]
        # Chatter, stickers and greetings (哈哈, 666, [表情], 大家早上好) say nothing.
        takes = (author[c] != author[active]) & ~chatter[c] & ~sticker[c] & ~(greeting[c] & (parent[c] != active))
        qs.append(active[takes])
        cs.append(c[takes])
        found = found + takes
        step += 1
    q = np.concatenate(qs) if qs else np.zeros(0, np.int64)
    c = np.concatenate(cs) if cs else np.zeros(0, np.int64)
    order = np.lexsort((c, q))  # each question's candidates in time order, questions in order
    q, c = q[order].astype(np.int64), c[order].astype(np.int64)
    columns = ["question", "candidate", "explicit", "ruled_out"] + list(FEATURES)
    if not len(q):
        return pd.DataFrame({k: pd.Series(dtype=float) for k in columns}).astype(
            {"question": np.int64, "candidate": np.int64, "explicit": bool, "ruled_out": bool})
    rank = np.arange(len(q)) - np.searchsorted(q, q, side="left")  # others' messages before this one
    asker = author[q]
    # Whom the question is put to: the members it @-names, or whose message it answers.
    width = np.int64(max(len(rs.member_ids), int(author.max(initial=0)) + 1, 1))
    named_keys = np.unique(rs.mention_message.astype(np.int64) * width + rs.mention_member)
    named_any = np.zeros(n, bool)
    named_any[rs.mention_message] = True
    names_asker = np.isin(c * width + asker, named_keys)
    names_other = np.array([0], np.int64)
    if len(rs.mention_message):  # how many members each message names besides its own author
        self_named = rs.mention_member == author[rs.mention_message]
        names_other = np.bincount(rs.mention_message[~self_named], minlength=n)
    pq = parent[q]
    parent_author = np.where(pq >= 0, author[np.maximum(pq, 0)], -1)
    to_parent = (pq >= 0) & (parent_author != asker)
    addressed_q = to_parent | (names_other[q] > 0 if len(rs.mention_message) else False)
    by_addressee = np.isin(q * width + author[c], named_keys) | (to_parent & (author[c] == parent_author))
    pc = parent[c]
    linked = pc == q
    # A link to the asker's own follow-up after the question still points at this exchange.
    to_asker_turn = (pc > q) & (author[np.maximum(pc, 0)] == asker)
    # What the asker does next: thanks or "I see" within ten minutes of the candidate.
    ack_next = np.zeros(len(q), bool)
    undecided = np.ones(len(q), bool)
    for d in range(1, 8):
        at = c + d
        ok = undecided & (at < n)
        ok[ok] = seconds[at[ok]] - seconds[c[ok]] <= 600
        undecided &= ok
        hit = undecided & (author[np.minimum(at, n - 1)] == asker)
        where = np.flatnonzero(hit)
        ack_next[where] = matches(_ACK, [texts[i] for i in at[where]]) & ~question[at[where]]
        undecided &= ~hit
    code = pd.factorize(pd.Series(texts, dtype=object))[0]
    at_c = np.unique(c)
    at_q = np.unique(q)

    def on(values_at: np.ndarray, pattern: re.Pattern, source, where: np.ndarray, how: str = "search") -> np.ndarray:
        out = np.zeros(n, bool)
        out[values_at] = matches(pattern, [source[i] for i in values_at], how)
        return out[where]

    gap = seconds[c] - seconds[q]
    overlap = np.minimum(shared_units(units, q, c), 3)
    # Unrelated to the question: no shared words, no link to it, not put to or by the people asked.
    unrelated = (overlap == 0) & ~linked & ~to_asker_turn & ~names_asker & ~(addressed_q & by_addressee)
    ruled_out = unrelated & (gap > UNRELATED_MINUTES * 60.0)
    log_minutes = np.log1p(np.maximum(gap, 0.0) / 60.0)
    out = pd.DataFrame({
        "question": q, "candidate": c, "explicit": linked & rs.explicit[c], "ruled_out": ruled_out,
        "linked": (linked | to_asker_turn).astype(float),
        "linked_elsewhere": ((pc >= 0) & ~linked & ~to_asker_turn).astype(float),
        "addressed": names_asker.astype(float),
        "addresses_other": (named_any[c] & ~names_asker).astype(float),
        "by_addressee": (addressed_q & by_addressee).astype(float),
        "not_addressee": (addressed_q & ~by_addressee).astype(float),
        "first_other": (rank == 0).astype(float),
        "others_before": rank.astype(float),
        "overlap": overlap.astype(float),
        "is_question": question[c].astype(float),
        "image": image[c].astype(float),
        "answer_start": on(at_c, _ANSWER_START, texts, c, "match").astype(float),
        "number_answer": (on(at_q, _ASKS_NUMBER, texts, q) & on(at_c, _NUMBER, texts, c)).astype(float),
        "has_link": on(at_c, _URL, raw, c).astype(float),
        "log_minutes": log_minutes,
        "asker_ack": ack_next.astype(float),
        "thanks": on(at_c, _ACK, texts, c).astype(float),
        "same_question": (on(at_c, _SAME_QUESTION, texts, c) | (code[c] == code[q])).astype(float),
        "late_unrelated": np.where(unrelated, log_minutes, 0.0),
    })
    return out[columns]


def answer_probability(pairs: pd.DataFrame, weights: dict[str, float] | None = None,
                       intercept: float | None = None) -> np.ndarray:
    """The model's probability that each candidate answers its question."""
    w = WEIGHTS if weights is None else weights
    b = INTERCEPT if intercept is None else intercept
    z = np.full(len(pairs), b, float)
    for name in FEATURES:
        z += w[name] * pairs[name].to_numpy(float)
    return np.asarray(_sigmoid(z), float)


def find_answers(rs: ReplyStructure, question: np.ndarray, *, window_minutes: float = 180.0,
                 max_candidates: int = 8, min_probability: float = 0.3,
                 weights: dict[str, float] | None = None, intercept: float | None = None,
                 topic: Topic | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each message's answer: the position of the message answering it (-1 when it is no
    question or nobody answered it) and that answer's probability (0 for none)."""
    n = len(rs)
    answer = np.full(n, -1, np.int64)
    prob = np.zeros(n)
    # A reply that quotes the question is an answer however late it comes.
    has = rs.parent >= 0
    quoting = np.flatnonzero(has & rs.explicit & question[np.where(has, rs.parent, 0)]
                             & (rs.author != rs.author[np.where(has, rs.parent, 0)]))
    first_quote = np.full(n, n, np.int64)
    np.minimum.at(first_quote, rs.parent[quoting], quoting)
    pairs = candidate_features(rs, question, window_minutes=window_minutes, max_candidates=max_candidates,
                               topic=topic)
    if not pairs.empty:
        p = answer_probability(pairs, weights, intercept)
        p = np.where(pairs["explicit"].to_numpy(bool), 1.0, np.where(pairs["ruled_out"].to_numpy(bool), 0.0, p))
        ok = p >= min_probability
        hit = pairs[ok].assign(p=p[ok])
        first = hit.groupby("question", sort=False).head(1)  # candidates are in time order
        answer[first["question"].to_numpy()] = first["candidate"].to_numpy()
        prob[first["question"].to_numpy()] = first["p"].to_numpy()
    later = question & (first_quote < n) & ((answer < 0) | (first_quote < np.where(answer < 0, n, answer)))
    answer[later] = first_quote[later]
    prob[later] = 1.0
    return answer, prob


def _flag(messages: pd.DataFrame, name: str) -> np.ndarray:
    return messages[name].fillna(False).to_numpy(bool) if name in messages else np.zeros(len(messages), bool)


def question_flags(messages: pd.DataFrame) -> np.ndarray:
    """Which messages are questions for answering: the ``question`` class, not an ad or a
    scripted operator post."""
    from ..text.classes import QUESTION

    def flag(name: str) -> np.ndarray:
        return messages[name].fillna(False).to_numpy(bool) if name in messages else np.zeros(len(messages), bool)

    return flag(QUESTION) & ~flag(AD) & ~flag(OPERATOR_TEMPLATE)


def reaction_parents(rs: ReplyStructure, reactive: np.ndarray, continuing: np.ndarray, *,
                     window_minutes: float = 10.0, topic: Topic | None = None) -> np.ndarray:
    """Parents for messages the reply links left without one, read from proximity and topic.

    A reaction (``reactive``: agreement, thanks, objections such as 同意, 有道理, 不同意, 未必)
    answers something by its nature: it reacts to the latest message of the last
    ``window_minutes`` by someone else that says something (not a sticker, chatter or another bare
    reaction), or to the latest such one sharing words with it. Another message that may continue
    a conversation (``continuing``) is linked only to a recent message by someone else it shares
    uncommon words with (the same topic). -1 where there is none or the message has a parent.
    """
    n = len(rs)
    out = np.full(n, -1, np.int64)
    c = np.flatnonzero((reactive | continuing) & (rs.parent < 0))
    if not len(c):
        return out
    texts, units = (topic or topic_units(rs))[:2]
    says = np.fromiter((bool(_HAN_RUN.search(t) or _LATIN_WORD.search(t)) and not _CHATTER.match(t) for t in texts),
                       dtype=bool, count=n) & ~reactive
    has_units = np.diff(units.indptr) > 0
    author, seconds = rs.author, rs.seconds
    latest = np.full(len(c), -1, np.int64)
    shared = np.full(len(c), -1, np.int64)
    active = np.ones(len(c), bool)
    for d in range(1, 30):  # the 29 messages before, latest first, within the window
        p = c - d
        ok = active & (p >= 0)
        ok[ok] = seconds[c[ok]] - seconds[p[ok]] <= window_minutes * 60.0
        active &= ok
        pp = np.maximum(p, 0)
        eligible = active & (author[pp] != author[c]) & says[pp]
        latest = np.where(eligible & (latest < 0), p, latest)
        idx = np.flatnonzero(eligible & has_units[pp] & has_units[c])
        idx = idx[shared_units(units, p[idx], c[idx]) > 0]
        shared[idx] = p[idx]
        active[idx] = False
    out[c] = np.where(shared >= 0, shared, np.where(reactive[c], latest, -1))
    return out


def with_answers(rs: ReplyStructure, config: EngagementConfig, rebuild) -> ReplyStructure:
    """``rs`` with each question's answer found (``schema.ANSWERED_BY``, ``schema.ANSWER_SCORE``
    on its messages) and each answer linked to its question where the export shows no quote;
    ``rebuild(speech)`` turns the updated speech back into threads."""
    speech = rs.messages.copy()
    # The question rule reads a line's own words; the context model (analysis.asking) drops the
    # flagged lines that ask nothing where they stand: teasing, retorts, meme copies.
    topic = topic_units(rs)
    question, ask_p = asking_in(rs, question_flags(speech), topic=topic)
    speech[S.ASKS] = pd.Series(question, index=speech.index, dtype="bool")
    speech[S.ASK_SCORE] = pd.Series(ask_p, index=speech.index, dtype="float64")
    answer, prob = find_answers(rs, question, window_minutes=config.answer_window_minutes, topic=topic,
                                max_candidates=config.answer_max_candidates,
                                min_probability=config.answer_min_probability)
    ids = speech[S.MSG_ID].astype(object).to_numpy()
    has = answer >= 0
    answered_by = np.full(len(speech), None, dtype=object)
    answered_by[has] = ids[answer[has]]
    speech[S.ANSWERED_BY] = pd.Series(answered_by, index=speech.index, dtype="string")
    speech[S.ANSWER_SCORE] = pd.Series(np.where(has, prob, np.nan), index=speech.index, dtype="float64")
    q = np.flatnonzero(has)
    a = answer[q]
    relink = (rs.parent[a] != q) & ~rs.explicit[a]
    # Reactions the reply links left alone (同意, 有道理, 谢谢, 不同意 …) answer the post before them.
    # Other unlinked posts that share uncommon words with a recent post by someone else continue it.
    reactive = (_flag(speech, AGREEMENT) | _flag(speech, OBJECTION)) & ~question
    settled = np.zeros(len(speech), bool)
    settled[a] = True  # answers are linked to their questions already
    kinds = speech[S.KIND].astype(object).fillna("text").to_numpy() if S.KIND in speech else np.full(len(speech), "text")
    continuing = (kinds == "text") & ~question & ~_flag(speech, OPERATOR_TEMPLATE) & ~_flag(speech, AD)
    reacts_to = reaction_parents(rs, reactive & ~settled, continuing & ~settled, topic=topic,
                                 window_minutes=config.reaction_window_minutes)
    r = np.flatnonzero(reacts_to >= 0)
    q = np.concatenate([q[relink], reacts_to[r]])
    a = np.concatenate([a[relink], r])
    link_prob = np.concatenate([prob[q[:int(relink.sum())]], np.full(len(r), 0.5)])
    if len(a):
        reply_to = speech[S.REPLY_TO].astype(object).to_numpy(copy=True) if S.REPLY_TO in speech \
            else np.full(len(speech), None, dtype=object)
        source = speech[S.REPLY_SOURCE].astype(object).to_numpy(copy=True) if S.REPLY_SOURCE in speech \
            else np.where(pd.notna(reply_to), S.REPLY_SOURCES[0], None).astype(object)
        score = pd.to_numeric(speech[S.REPLY_SCORE], errors="coerce").to_numpy(copy=True) \
            if S.REPLY_SCORE in speech else np.where(pd.notna(reply_to), 1.0, np.nan)
        reply_to[a] = ids[q]
        source[a] = S.REPLY_SOURCES[1]
        score[a] = link_prob
        speech[S.REPLY_TO] = pd.Series(reply_to, index=speech.index, dtype="string")
        speech[S.REPLY_SOURCE] = pd.Series(source, index=speech.index, dtype="string")
        speech[S.REPLY_SCORE] = pd.Series(score, index=speech.index, dtype="float64")
    return rebuild(speech)
