"""Which of the messages the ``question`` rule flags really ask something, read in context.

The ``question`` class (``text.classes``) reads one message's own words: a question mark, 吗/么
at a clause end, a question word. In real group chat many such lines ask nothing: friends tease
each other with a question mark (豪神都转正了 要不要脸？), react in surprise or laughter, repeat a
line as a meme, or say "X不是Y么" as a retort. What tells them apart is mostly around the line,
not in it: whether it comes in a burst of laughter and stickers among a few friends, whether the
asker is someone who mostly banters, whether it names a person or the group, whether it is a
copy of a line others just posted, whether anyone takes it up (a reply sharing its words, a
reply that opens like an answer, the asker's thanks), and whether it asks for something
(请问, 什么时候, 哪里, 多少 …) or reacts (哈哈, 你这…, 不是…么).

``ask_probability`` scores every rule-flagged message with a small logistic model over these
features; its weights ship in ``grouplens/models/questions.json``, fitted on the hand-labelled
real QQ chat of ``bench/labels`` (the first two labelling rounds;
``python bench/questions_real.py ROOT --fit-questions``). A rule-flagged message asks when its
probability reaches the model's threshold.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from .. import schema as S
from ..replies.threads import ReplyStructure
from ..text.segment import strip_noise

MODEL_FILE = "questions.json"

# What a line asks for: time, place, amount, way, a person who knows, a polite opener.
_INFO = re.compile(
    r"什么时候|啥时候|几号|几点|几月|哪天|哪里|哪儿|在哪|哪个|哪些|哪家|多少|多久|多长|怎么(?:办|弄|查|交|登|去|写|填|买|"
    r"报|申请|注册|操作|处理|算|用|找|看|领|下载|走)|如何|请问|求问|想问|问一下|问下|请教|有没有人|有人知道|有谁|谁有|"
    r"谁知道|求助|求推荐|能不能|可不可以|是否|要不要|需不需要|需要|可以.{0,8}[吗么]|行不行|还是")
# Whom a line is put to: staff, seniors, the group.
_ADDRESS = re.compile(r"老师|学长|学姐|师兄|师姐|前辈|各位|大家|同学们?|群里|小伙伴|大神|大佬")
# Teasing and banter words: nicknames (X神, 大师), flirting, showing off.
_BANTER = re.compile(r"[\u4e00-\u9fff]神(?![经奇秘话])|大师|gay|基友|女票|男票|女朋友|男朋友|情侣|妹子|撩|约会|约饭|约吗|约不约|壕|"
                     r"装逼|逗逼|要不要脸|丢不丢人|厉害|羡慕|狗粮|土豪|吹牛", re.IGNORECASE)
_LAUGH = re.compile(r"哈哈|呵呵|嘿嘿|嘻嘻|233|hhh|噗|笑死|\[表情\]|\[[\u4e00-\u9fff]{1,4}\]|😂|🙃|/笑|/斜眼|/托腮",
                    re.IGNORECASE)
# A retort or rhetorical line: 不是…么, 不就…嘛, 怎么可能, 有什么好…, 还…?
_RHETORIC = re.compile(r"不是[^，,。！!？?]{0,14}[吗么嘛]|不就|怎么可能|有什么好|有啥好|还[^，,。！!？?]{0,6}[吗么][\W_]*$|"
                       r"凭什么|难道|何必|至于吗|好吗[\W_]*$|还用说|你说呢")
_YOU = re.compile(r"你(?!们)")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CHATTER = re.compile(r"^[\W_\d]*(?:[哈呵嘿嘻嗯哦噢啊呀哇呜额呃噗]+|h{2,}|2333+|6+|卧槽|我去|我靠|牛|厉害|笑死|赞|\+1|[.。…]+)?"
                      r"[\W_\d]*$", re.IGNORECASE)
_ANSWER_START = re.compile(
    r"^[\W_]*(?:可以|不可以|能|不能|不行|行|不用|要|不要|需要|不需要|没有|没|有|是|不是|对|嗯|恩|应该|好像|貌似|听说|据说|"
    r"一般|直接|找|问|去|在|看|填|选|会|不会|当然|肯定|估计|不知道|不清楚|都|就是|暂时|目前|因为|大概|差不多|\d)")
_ACK = re.compile(r"谢|^[\W_]*(?:好的|好哒|好滴|好嘞|哦+|噢+|嗯嗯|明白|懂了|了解|原来|这样啊|ok|thx)", re.IGNORECASE)
_ALNUM = re.compile(r"[A-Za-z0-9]")
_FINAL_PARTICLE = re.compile(r"[吗么呢嘛咩]$")
# Latin words (topic units besides Han character pairs).
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.]{1,}")

FEATURES: tuple[str, ...] = (
    "question_mark", "final_particle", "asks_info", "addresses", "second_person", "banter_words", "laughs",
    "rhetoric", "log_chars", "mentions", "banter_before", "log_burst", "log_silence_before", "copy",
    "asker_chatter", "picked_up", "answer_like_next", "asker_ack", "laugh_after", "echo", "mid_exchange",
)


@lru_cache(maxsize=1)
def load_model() -> dict:
    """The shipped model: ``weights`` (per feature), ``intercept``, ``threshold``."""
    text = resources.files("grouplens.models").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    model = json.loads(text)
    missing = set(FEATURES) - set(model["weights"])
    if missing:  # a packaging fault, not a user error
        raise RuntimeError(f"{MODEL_FILE} lacks weights for {sorted(missing)}")
    return model


class Topic(NamedTuple):
    """Each message's words (``strip_noise``) and its uncommon content units: Han character pairs
    and lower-cased Latin words found in at most max(20, 2%) of the messages. ``units`` is a binary
    message x unit matrix; ``han`` marks the units that are Han character pairs."""

    texts: list[str]
    units: sparse.csr_matrix
    han: np.ndarray


def topic_units(rs: ReplyStructure) -> Topic:
    """The uncommon content units of every message of ``rs`` (what topic overlap reads; computed
    once per reply structure and shared by the question and answer steps)."""
    raw = rs.messages[S.TEXT].astype(object).tolist() if S.TEXT in rs.messages else [""] * len(rs)
    texts = [strip_noise(t) if isinstance(t, str) else "" for t in raw]
    n = len(texts)
    # Han character pairs, read off the code points of all texts at once (a NUL between texts).
    cp = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype=np.uint32) if n else np.zeros(0, np.uint32)
    is_han = ((cp >= 0x3400) & (cp <= 0x4DBF)) | ((cp >= 0x4E00) & (cp <= 0x9FFF))
    at = np.flatnonzero(is_han[:-1] & is_han[1:])
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if n else np.zeros(0, np.int64)
    docs = [np.searchsorted(starts, at, side="right") - 1]
    keys = [cp[at].astype(np.int64) * 0x110000 + cp[at + 1]]
    # Latin words get keys past every character pair.
    latin: dict[str, int] = {}
    for i, t in enumerate(texts):
        words = {w.lower() for w in _LATIN_WORD.findall(t)} if _LATIN.search(t) else ()
        for w in words:
            docs.append(np.array([i]))
            keys.append(np.array([0x110000 ** 2 + latin.setdefault(w, len(latin))]))
    doc, key = np.concatenate(docs).astype(np.int64), np.concatenate(keys)
    col, vocab = pd.factorize(key)
    width = max(1, len(vocab))
    cell = pd.unique(doc * width + col)  # one entry per (message, unit)
    doc, col = cell // width, cell % width
    rare = np.bincount(col, minlength=len(vocab)) <= max(20.0, 0.02 * n)
    keep = rare[col]
    new_col = np.cumsum(rare) - 1
    units = sparse.csr_matrix((np.ones(int(keep.sum()), np.int32), (doc[keep], new_col[col[keep]])),
                              shape=(n, int(rare.sum())))
    return Topic(texts, units, vocab[rare] < 0x110000 ** 2)


def shared_units(units: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many units messages ``a[i]`` and ``b[i]`` share, for every i."""
    if not len(a):
        return np.zeros(0, np.int64)
    return np.asarray(units[a].multiply(units[b]).sum(axis=1)).ravel().astype(np.int64)


def _matches(pattern: re.Pattern, texts: list[str], how: str = "search") -> np.ndarray:
    find = getattr(pattern, how)
    return np.fromiter((bool(find(t)) for t in texts), dtype=bool, count=len(texts))


def _matches_at(pattern: re.Pattern, texts: list[str], at: np.ndarray, how: str = "search") -> np.ndarray:
    """``_matches`` of the texts at positions ``at`` (any shape), each distinct text tried once."""
    where, inverse = np.unique(at, return_inverse=True)
    return _matches(pattern, [texts[i] for i in where], how)[inverse].reshape(at.shape)


def context_features(rs: ReplyStructure, candidate: np.ndarray, topic: Topic | None = None) -> pd.DataFrame:
    """The features ``ask_probability`` reads, one row per ``candidate`` message (the positions
    where ``candidate`` is true, in order; column ``position``). ``topic``: ``topic_units(rs)``
    when the caller has it already."""
    m = rs.messages
    n = len(rs)
    raw = m[S.TEXT].astype(object).fillna("").tolist() if S.TEXT in m else [""] * n
    topic = topic or topic_units(rs)
    texts = topic.texts
    kinds = m[S.KIND].astype(object).fillna("text").to_numpy() if S.KIND in m else np.full(n, "text", object)
    no_words = ~(_matches(_HAN, texts) | _matches(_ALNUM, texts))
    sticker = (kinds != "text") & ~np.isin(kinds, ("image", "link", "file")) | no_words
    laugh = _matches(_LAUGH, raw)
    chatter = _matches(_CHATTER, texts, "match") | sticker
    author, seconds, parent = rs.author, rs.seconds, rs.parent
    # The asker's habit: the share of their lines that are chatter, laughter or stickers.
    per_author = pd.DataFrame({"a": author, "c": chatter | laugh}).groupby("a")["c"].mean()
    chatter_share = per_author.reindex(author).to_numpy(float)
    han_units = topic.units[:, np.flatnonzero(topic.han)].tocsr()
    mentioned = np.zeros(n, bool)
    mentioned[rs.mention_message[rs.mention_message < n]] = True
    q = np.flatnonzero(candidate)
    columns = ["position", *FEATURES]
    if not len(q):
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype({"position": np.int64})
    tq = [texts[i] for i in q]
    rq = [raw[i] for i in q]
    han = np.array([len(_HAN.findall(t)) for t in tq])
    # Context before (messages are in time order): laughter/stickers among the last four lines of
    # the last five minutes; how many lines the last five minutes hold (up to 59).
    first_recent = np.searchsorted(seconds, seconds[q] - 300, side="left")
    noisy = np.concatenate([[0], np.cumsum(chatter | laugh)])
    lo = np.maximum(first_recent, q - 4)
    k = q - lo
    banter_before = np.where(k > 0, (noisy[q] - noisy[lo]) / np.maximum(k, 1), 0.0)
    burst = q - np.maximum(first_recent, q - 59)
    silence = np.where(q > 0, (seconds[q] - seconds[np.maximum(q - 1, 0)]) / 60.0, 60.0)
    # A copy: the same words from someone else within 30 lines and ten minutes.
    code = pd.factorize(pd.Series(texts, dtype=object))[0]
    copy = np.zeros(len(q), bool)
    for d in (*range(-30, 0), *range(1, 30)):
        p = q + d
        ok = (p >= 0) & (p < n)
        pc = np.clip(p, 0, n - 1)
        copy |= ok & (code[pc] == code[q]) & (author[pc] != author[q]) & (np.abs(seconds[pc] - seconds[q]) <= 600)
    copy &= np.array([len(t) >= 2 for t in tq])
    # Context after: the next lines (up to 39) within 30 minutes, until the seventh line by
    # someone else that is not chatter.
    after = q[:, None] + np.arange(1, 40)[None, :]
    pa = np.clip(after, 0, n - 1)
    valid = (after < n) & (seconds[pa] - seconds[q][:, None] <= 1800)
    same = author[pa] == author[q][:, None]
    other = valid & ~same & ~chatter[pa]
    others = np.cumsum(other, axis=1)
    alive = valid & (others <= 6)
    ack = (alive & same & (others > 0) & _matches_at(_ACK, texts, pa)).any(axis=1)
    laugh_after = (alive & ~same & chatter[pa] & (others < 3)).any(axis=1)
    said = alive & other
    laugh_after |= (said & (others <= 3) & laugh[pa]).any(axis=1)
    answer_like = (said & (others == 1) & _matches_at(_ANSWER_START, texts, pa, "match")).any(axis=1)
    linked = said & (parent[pa] == q[:, None])
    row, col = np.nonzero(said & ~linked)
    overlap = np.zeros(said.shape, bool)
    overlap[row, col] = shared_units(han_units, q[row], pa[row, col]) > 0
    picked = (linked | overlap).any(axis=1)
    # A short echo of what someone just said (明天啊？ 红灯区？ 代码？) and a line in the middle of a
    # quick exchange with someone else: follow-ups of a chat, seldom requests for information.
    prev = np.full(len(q), -1)
    for d in range(5, 0, -1):
        p = q - d
        pc = np.maximum(p, 0)
        prev = np.where((p >= 0) & (author[pc] != author[q]) & ~chatter[pc], p, prev)
    recent = (prev >= 0) & (seconds[q] - seconds[np.maximum(prev, 0)] <= 180)
    echo = np.array([bool(r and h <= 6 and set(_HAN.findall(t)) & set(_HAN.findall(texts[p])))
                     for r, h, t, p in zip(recent, han, tq, prev)], dtype=bool)
    before_prev = np.maximum(prev - 1, 0)
    mid = recent & ((parent[q] == prev) | ((prev > 0) & (author[before_prev] == author[q])
                                           & (seconds[q] - seconds[before_prev] <= 300)))
    bodies = [re.sub(r"[\W_]+$", "", t) for t in tq]
    out = pd.DataFrame({
        "position": q.astype(np.int64),
        "question_mark": [float("?" in r or "？" in r) for r in rq],
        "final_particle": _matches(_FINAL_PARTICLE, bodies).astype(float),
        "asks_info": _matches(_INFO, tq).astype(float),
        "addresses": _matches(_ADDRESS, tq).astype(float),
        "second_person": _matches(_YOU, tq).astype(float),
        "banter_words": _matches(_BANTER, tq).astype(float),
        "laughs": laugh[q].astype(float),
        "rhetoric": _matches(_RHETORIC, tq).astype(float),
        "log_chars": np.log1p(han),
        "mentions": mentioned[q].astype(float),
        "banter_before": banter_before,
        "log_burst": np.log1p(burst),
        "log_silence_before": np.log1p(np.maximum(silence, 0.0)),
        "copy": copy.astype(float),
        "asker_chatter": chatter_share[q],
        "picked_up": picked.astype(float),
        "answer_like_next": answer_like.astype(float),
        "asker_ack": ack.astype(float),
        "laugh_after": laugh_after.astype(float),
        "echo": echo.astype(float),
        "mid_exchange": mid.astype(float),
    })
    return out[columns]


def ask_probability(features: pd.DataFrame, model: dict | None = None) -> np.ndarray:
    """The model's probability that each row's message asks something."""
    model = model or load_model()
    z = np.full(len(features), float(model["intercept"]))
    for name in FEATURES:
        z += float(model["weights"][name]) * features[name].to_numpy(float)
    return 1.0 / (1.0 + np.exp(-z))


def asking(rs: ReplyStructure, candidate: np.ndarray, model: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which ``candidate`` messages (those the ``question`` rule flags) ask something in context,
    and each message's probability (NaN where not a candidate)."""
    return asking_in(rs, candidate, model)


def asking_in(rs: ReplyStructure, candidate: np.ndarray, model: dict | None = None,
              topic: Topic | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``asking`` with the reply structure's ``topic_units`` given when the caller has them."""
    model = model or load_model()
    n = len(rs)
    asks = np.zeros(n, bool)
    prob = np.full(n, np.nan)
    feats = context_features(rs, np.asarray(candidate, bool), topic)
    if len(feats):
        p = ask_probability(feats, model)
        pos = feats["position"].to_numpy()
        prob[pos] = p
        asks[pos] = p >= float(model["threshold"])
    return asks, prob
