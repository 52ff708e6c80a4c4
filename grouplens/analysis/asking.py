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
real QQ chat of ``bench/labels`` (the first labelling round only;
``python bench/questions_real.py ROOT --fit-questions``). A rule-flagged message asks when its
probability reaches the model's threshold.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

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
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

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


def _bigrams(text: str) -> frozenset[str]:
    out: set[str] = set()
    for run in _HAN_RUN.findall(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(out)


def context_features(rs: ReplyStructure, candidate: np.ndarray) -> pd.DataFrame:
    """The features ``ask_probability`` reads, one row per ``candidate`` message (the positions
    where ``candidate`` is true, in order; column ``position``)."""
    m = rs.messages
    n = len(rs)
    raw = m[S.TEXT].astype(object).fillna("").tolist() if S.TEXT in m else [""] * n
    texts = [strip_noise(t) if isinstance(t, str) else "" for t in raw]
    kinds = m[S.KIND].astype(object).fillna("text").to_numpy() if S.KIND in m else np.full(n, "text", object)
    no_words = np.array([not _HAN.search(t) and not re.search(r"[A-Za-z0-9]", t) for t in texts], dtype=bool)
    sticker = (kinds != "text") & ~np.isin(kinds, ("image", "link", "file")) | no_words
    laugh = np.array([bool(_LAUGH.search(r)) for r in raw], dtype=bool)
    chatter = np.array([bool(_CHATTER.match(t)) for t in texts], dtype=bool) | sticker
    author, seconds, parent = rs.author, rs.seconds, rs.parent
    # The asker's habit: the share of their lines that are chatter, laughter or stickers.
    per_author = pd.DataFrame({"a": author, "c": chatter | laugh}).groupby("a")["c"].mean()
    chatter_share = per_author.reindex(author).to_numpy(float)
    units = [_bigrams(t) for t in texts]
    df = Counter(u for s in units for u in s)
    common = max(20.0, 0.02 * n)
    rare = [frozenset(u for u in s if df[u] <= common) for s in units]
    mentioned = np.zeros(n, bool)
    mentioned[rs.mention_message[rs.mention_message < n]] = True
    rows = []
    positions = np.flatnonzero(candidate)
    for q in positions.tolist():
        t, r = texts[q], raw[q]
        body = re.sub(r"[\W_]+$", "", t)
        han = len(_HAN.findall(t))
        # Context before: laughter/stickers among the last four lines of the last five minutes.
        before = [p for p in range(q - 1, max(-1, q - 5), -1) if seconds[q] - seconds[p] <= 300]
        banter_before = float(np.mean([chatter[p] or laugh[p] for p in before])) if before else 0.0
        burst = sum(1 for p in range(q - 1, max(-1, q - 60), -1) if seconds[q] - seconds[p] <= 300)
        silence = (seconds[q] - seconds[q - 1]) / 60.0 if q > 0 else 60.0
        copy = any(texts[p] == t and author[p] != author[q] for p in range(max(0, q - 30), min(n, q + 30))
                   if p != q and abs(seconds[p] - seconds[q]) <= 600) if len(t) >= 2 else False
        # Context after: the next lines by others within 30 minutes.
        picked = answer_like = ack = laugh_after = False
        others = 0
        for c in range(q + 1, min(n, q + 40)):
            if seconds[c] - seconds[q] > 1800:
                break
            if author[c] == author[q]:
                if others and _ACK.search(texts[c]):
                    ack = True
                continue
            if chatter[c]:
                laugh_after = laugh_after or others < 3
                continue
            others += 1
            if others > 6:
                break
            if parent[c] == q or (rare[q] & rare[c]):
                picked = True
            if others == 1 and _ANSWER_START.match(texts[c]):
                answer_like = True
            if others <= 3 and laugh[c]:
                laugh_after = True
        # A short echo of what someone just said (明天啊？ 红灯区？ 代码？) and a line in the middle of a
        # quick exchange with someone else: follow-ups of a chat, seldom requests for information.
        prev = next((p for p in range(q - 1, max(-1, q - 6), -1) if author[p] != author[q] and not chatter[p]), -1)
        recent = prev >= 0 and seconds[q] - seconds[prev] <= 180
        echo = recent and han <= 6 and bool(set(_HAN.findall(t)) & set(_HAN.findall(texts[prev])))
        mid = recent and (parent[q] == prev or (prev > 0 and author[prev - 1] == author[q]
                                                 and seconds[q] - seconds[prev - 1] <= 300))
        rows.append((
            q, float("?" in r or "？" in r), float(bool(re.search(r"[吗么呢嘛咩]$", body))),
            float(bool(_INFO.search(t))), float(bool(_ADDRESS.search(t))), float(bool(_YOU.search(t))),
            float(bool(_BANTER.search(t))), float(bool(laugh[q])), float(bool(_RHETORIC.search(t))),
            math.log1p(han), float(mentioned[q]), banter_before, math.log1p(burst), math.log1p(max(silence, 0.0)),
            float(copy), float(chatter_share[q]), float(picked), float(answer_like), float(ack), float(laugh_after),
            float(echo), float(mid),
        ))
    columns = ["position", *FEATURES]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype({"position": np.int64})
    return pd.DataFrame(rows, columns=columns).astype({"position": np.int64})


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
    model = model or load_model()
    n = len(rs)
    asks = np.zeros(n, bool)
    prob = np.full(n, np.nan)
    feats = context_features(rs, np.asarray(candidate, bool))
    if len(feats):
        p = ask_probability(feats, model)
        pos = feats["position"].to_numpy()
        prob[pos] = p
        asks[pos] = p >= float(model["threshold"])
    return asks, prob
