"""Cutting chat messages into words for keywords and topics.

Chat text is full of things that are not words: placeholders (``[图片]``, ``[语音 3秒]``),
WeChat's inline face codes (``[捂脸]``), CQ codes (``[CQ:at,qq=123]``), quoted messages,
@mentions, URLs, emoji, numbers and punctuation. ``strip_noise`` removes them first, so they
never become "words"; then jieba's dictionary cuts what is left, and ``Segmenter`` keeps only
tokens that carry meaning: no stop words, no single CJK characters (except a short allow-list
of nouns), no bare numbers, Latin words lower-cased.

The default engine is rjieba, a Rust port of jieba with the same dictionary and the same
output (HMM on, as jieba's default); it is about an order of magnitude faster. rjieba takes
user words through ``add_word`` on a private instance, so it serves user dictionaries too;
the ``jieba`` engine is there for comparison and for platforms without an rjieba wheel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from .. import schema
from ..config import Config, TextConfig
from ..errors import UsageError
from ..importers.textutil import INVISIBLE_PATTERN

Engine = Literal["auto", "rjieba", "jieba"]

# Kinds whose text is someone's words: messages, shared articles' titles, forwarded chats,
# red-packet wishes. Other kinds hold placeholders, file names, media paths, contact names
# or transfer receipts; events are the platform's words.
WORD_KINDS: tuple[str, ...] = ("text", "link", "forward", "red_packet")

# --- what is not a word ----------------------------------------------------------------------

# Quoted messages are someone else's words. Each exporter writes them differently
# (shared/research/formats-wechat.md): MemoTrace `引用:name:text`, PyWxDump `[引用](time)name:text`,
# chatlog `> ` lines, the iOS exporter `「name：text」` followed by a dashed line.
QUOTE_PATTERN = (
    r"(?m:^引用[:：].*$)"
    r"|\[引用\]\([^)\n]*\)[^\n]*"
    r"|(?m:^>.*$)"
    r"|「[^」]*」\s*\n\s*(?:-\s*){3,}"
)
# CQ codes may nest one bracket level: [CQ:image,file=a.jpg,summary=[动画表情]].
CQ_PATTERN = r"\[CQ:[^\[\]]*(?:\[[^\]]*\][^\[\]]*)*\]"
# Placeholders: a short tag in brackets, optionally followed by a detail after ':', '|' or a
# space: [图片], [图片:x.jpg], [语音 3秒], [链接|title], [OK], face codes like [捂脸], and the
# full-width 【语音】 some exporters write. A bracketed phrase longer than a tag is left alone.
PLACEHOLDER_PATTERN = (
    r"\[[\u4e00-\u9fffA-Za-z/]{1,8}(?:[:：| ][^\[\]\n]{0,80})?\]|【[\u4e00-\u9fffA-Za-z]{1,6}】"
)
URL_PATTERN = r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]+|www\.[A-Za-z0-9\-._~/?#=&%]+"
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# An @mention runs to a space or U+2005 (WeChat's separator) or punctuation.
MENTION_PATTERN = r"@[^\s\u2005\u3000@:：，,。！？!?]{1,32}"
EMOJI_PATTERN = (
    "[\U0001f000-\U0001faff\U0001f1e6-\U0001f1ff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff"
    "\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)

# Order matters: quotes and CQ codes contain brackets, URLs and @s of their own.
_NOISE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (QUOTE_PATTERN, CQ_PATTERN, URL_PATTERN, EMAIL_PATTERN, PLACEHOLDER_PATTERN,
                  MENTION_PATTERN, EMOJI_PATTERN, INVISIBLE_PATTERN)
    )
)
# Full-width Latin letters and digits (ｍｅｅｔｉｎｇ, ３) read as ASCII; CJK punctuation is left alone.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c).isalnum()}
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def strip_noise(text: str | None) -> str:
    """A message's own words: quotes, CQ codes, URLs, e-mail addresses, placeholders, face
    codes, @mentions, emoji and zero-width characters replaced by spaces, newlines folded."""
    if not text:
        return ""
    text = _NOISE.sub(" ", text)
    if _FULLWIDTH_ALNUM.search(text):  # rare; translate() costs more than the search
        text = text.translate(_FULLWIDTH)
    return text.replace("\n", " ")


# --- which tokens are words ------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# Laughter and fillers in any length: 哈哈哈哈, 嗯嗯嗯, hhhh, 2333, 666.
_FILLER = re.compile(r"^(?:[哈呵嘿嘻嗯哦噢啊呀哇呜额呃]{2,}|h{2,}|(?:ha){2,}|2333+|6{2,})$", re.IGNORECASE)

# Counts and ordinals: 一天, 两次, 三点, 第一, 十几个 say how much, not what about.
_NUMERAL_WORD = re.compile(r"^第?[0-9一二三四五六七八九十百千万亿两几半零〇]+[天次个点号年月日周岁分秒块元斤位条遍份]?$")
# jieba's HMM glues a sentence-final particle onto an unknown word (有用吗); the word is the stem.
_TRAILING_PARTICLE = re.compile(r"(?<=..)[吗呢吧呀啊哦嘛啦]$")

# Single characters that name a topic in the groups grouplens serves (health, parenting,
# retail, study); every other lone character is a function word, a verb or a fragment.
SINGLE_CHAR_WORDS: frozenset[str] = frozenset("药病癌痛疼血钱课书娃猫狗茶酒车房饭菜奶肉鱼蛋鞋票税股币猪牛羊虾米面糖盐油烟医奖")


def _is_word(token: str) -> bool:
    """A token worth counting: has a CJK character or a Latin letter, is no filler, and is not
    a lone CJK character outside the allow-list."""
    if _HAN.search(token):
        if len(token) == 1:
            return token in SINGLE_CHAR_WORDS
        return not (_FILLER.match(token) or _NUMERAL_WORD.match(token))
    if _LATIN.search(token):
        return len(token) >= 2 and not _FILLER.match(token)
    return False  # numbers, punctuation, symbols


# --- stop words --------------------------------------------------------------------------------


def read_word_list(path: Path | str) -> list[str]:
    """Words from a UTF-8 list file, one a line; blank lines and ``#`` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError("word list not found", path=path) from None
    except UnicodeDecodeError:
        raise UsageError("word list is not UTF-8 text", path=path) from None
    except OSError as e:
        raise UsageError(f"cannot read word list ({e.strerror})", path=path) from None
    return [w for line in text.splitlines() if (w := line.strip()) and not w.startswith("#")]


def builtin_stopwords() -> frozenset[str]:
    """grouplens' own stop-word list for Chinese+English chat (``grouplens/data/stopwords_zh.txt``)."""
    source = resources.files("grouplens") / "data" / "stopwords_zh.txt"
    with resources.as_file(source) as p:
        return frozenset(w.lower() for w in read_word_list(p))


def stopwords_for(text_config: TextConfig) -> frozenset[str]:
    """The stop words a configuration asks for: built-in list, extra file, extra words."""
    words: set[str] = set(builtin_stopwords()) if text_config.builtin_stopwords else set()
    if text_config.stopwords_file is not None:
        words.update(w.lower() for w in read_word_list(text_config.stopwords_file))
    words.update(w.strip().lower() for w in text_config.stopwords_extra if w.strip())
    return frozenset(words)


# --- user dictionaries -------------------------------------------------------------------------

# jieba's own user-dictionary line format: a word, then optionally a frequency and a POS tag.
_USER_DICT_LINE = re.compile(r"^(.+?)(?: +([0-9]+))?(?: +([A-Za-z]+))?$")


def read_user_dict(path: Path | str) -> list[tuple[str, int | None, str | None]]:
    """``(word, freq, tag)`` from a jieba-format user dictionary (``word [freq] [tag]`` a line)."""
    entries: list[tuple[str, int | None, str | None]] = []
    for line in read_word_list(path):
        m = _USER_DICT_LINE.match(line)
        if m:  # the pattern matches every non-empty line; the guard is for the type checker
            entries.append((m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3)))
    return entries


# --- the segmenter ---------------------------------------------------------------------------


class Segmenter:
    """Cuts message texts into meaningful words, following a configuration's ``[text]`` section.

    One Segmenter owns its own dictionary when the configuration adds user words, so two
    configurations never leak words into each other (jieba's module-level API would).

    Example:
        >>> Segmenter().tokens(["今天的meeting改到3点[捂脸]"])
        [['meeting', '改到']]
    """

    def __init__(self, config: Config | TextConfig | None = None, *, engine: Engine = "auto"):
        text_config = config.text if isinstance(config, Config) else (config or TextConfig())
        self.text_config = text_config
        self.stopwords = stopwords_for(text_config)
        user_words: list[tuple[str, int | None, str | None]] = []
        if text_config.user_dict is not None:
            user_words.extend(read_user_dict(text_config.user_dict))
        user_words.extend((w.strip(), None, None) for w in text_config.user_words if w.strip())
        self.engine = _pick_engine(engine)
        self._cut = _make_cutter(self.engine, user_words)
        self._keep: dict[str, str] = {}  # token -> the word it counts as, or "" for none

    def tokens(self, texts: Iterable[str | None]) -> list[list[str]]:
        """The words of each text, in order, one list per text (empty for None or no words)."""
        cache: dict[str, list[str]] = {}  # chat repeats itself: 收到, 打卡, 早
        out: list[list[str]] = []
        for text in texts:
            if not isinstance(text, str) or not text:  # None, or NaN from a pandas str column
                out.append([])
                continue
            words = cache.get(text)
            if words is None:
                words = cache[text] = self._words(strip_noise(text))
            out.append(list(words))
        return out

    def tokens_series(self, texts: pd.Series) -> pd.Series:
        """``tokens`` over a Series of texts: a Series of word lists with the same index."""
        return pd.Series(self.tokens(texts.tolist()), index=texts.index, dtype=object)

    def message_tokens(self, messages: pd.DataFrame) -> pd.Series:
        """The words of each message in a messages table, index-aligned. Only ``WORD_KINDS``
        are read (a missing kind counts as text); platform events and media get an empty list."""
        texts = messages[schema.TEXT]
        if schema.KIND in messages:
            kinds = messages[schema.KIND]
            texts = texts.where(kinds.isin(WORD_KINDS) | kinds.isna(), None)
        return self.tokens_series(texts)

    def _words(self, cleaned: str) -> list[str]:
        tokens = self._cut(cleaned)
        keep = self._keep
        words = list(map(keep.get, tokens))  # per-token work in C: most tokens were seen before
        if None in words:
            for i, token in enumerate(tokens):
                if words[i] is None:
                    words[i] = keep[token] = self._word_for(token)
        return [w for w in words if w]

    def _word_for(self, token: str) -> str:
        """The word a token counts as, or "" when it is no word."""
        word = _TRAILING_PARTICLE.sub("", token.strip().lower())
        return word if word and word not in self.stopwords and _is_word(word) else ""


def _pick_engine(engine: Engine) -> Literal["rjieba", "jieba"]:
    if engine not in ("auto", "rjieba", "jieba"):
        raise UsageError(f"unknown segmentation engine {engine!r}; use auto, rjieba or jieba")
    if engine == "auto":
        try:
            import rjieba  # noqa: F401
        except ImportError:
            return "jieba"
        return "rjieba"
    return engine


def _make_cutter(engine: str, user_words: list[tuple[str, int | None, str | None]]):
    """A function text -> tokens for the engine, with the user's words added to its dictionary."""
    if engine == "rjieba":
        import rjieba

        if not user_words:
            return rjieba.cut  # the shared default dictionary, already loaded
        cutter = rjieba.Jieba()
        for word, freq, tag in user_words:
            cutter.add_word(word, freq, tag)
        return cutter.cut
    import jieba

    jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
    tokenizer = jieba.Tokenizer()  # a private dictionary, loaded from jieba's bundled dict.txt
    for word, freq, tag in user_words:
        tokenizer.add_word(word, freq, tag)
    return tokenizer.lcut
