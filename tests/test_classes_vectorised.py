"""Message classes searched over whole columns (RE2 picks candidates, Python's ``re`` decides)
give exactly the classes of the per-row Python path they replaced, kept here as the reference:
on every sample export, on simulated groups, with configured rules, and on generated text built
from the rules' own words."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grouplens import schema
from grouplens.config import Config, config_from_dict
from grouplens.store.store import Store
from grouplens.text.classes import (
    _NOT_OWN_WORDS,
    BUILTIN_RULES,
    OPERATOR_TEMPLATE,
    ClassRule,
    _any_of,
    _kinds,
    class_rules,
    classify_messages,
    find_templates,
    own_words,
)
from grouplens.text.prefilter import re2_superset, search

# --- the reference: the per-row path as it was ---------------------------------------------------


def old_own_words(texts: pd.Series) -> pd.Series:
    t = texts.astype(object).where(texts.notna(), "")
    return t.str.replace(_NOT_OWN_WORDS, " ", regex=True).str.lower()


def _old_contains(texts: pd.Series, rx: re.Pattern[str] | None) -> pd.Series:
    if rx is None:
        return pd.Series(False, index=texts.index)
    return texts.str.contains(rx).astype(bool)


def old_match(rule: ClassRule, texts: pd.Series, kinds: pd.Series) -> pd.Series:
    hit = pd.Series(False, index=texts.index)
    applies = kinds.isin(rule.kinds)
    strong = _any_of(rule.keywords, rule.patterns)
    weak = _any_of(rule.weak_keywords, rule.weak_patterns)
    if not applies.any() or (strong is None and weak is None):
        return hit
    t = texts[applies]
    found = _old_contains(t, strong)
    maybe = _old_contains(t, weak) & ~found
    exclude = _any_of(rule.exclude_keywords, rule.exclude_patterns)
    candidates = found | maybe
    if exclude is not None and candidates.any():
        t = t[candidates].str.replace(exclude, "\x00", regex=True)
        found, maybe = _old_contains(t, strong), _old_contains(t, weak)
        maybe &= ~found
    if maybe.any():
        in_context = kinds[maybe[maybe].index].isin(rule.context_kinds)
        context = _any_of((), rule.context_patterns)
        if context is not None:
            in_context |= _old_contains(t[maybe], context)
        found[in_context[in_context].index] = True
    hit[found[found].index] = True
    return hit


def old_classify(messages: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    config = config or Config()
    texts = old_own_words(messages[schema.TEXT])
    kinds = _kinds(messages)
    out = pd.DataFrame(index=messages.index)
    for name, rule in class_rules(config).items():
        hit = old_match(rule, texts, kinds)
        if name == OPERATOR_TEMPLATE:
            hit |= find_templates(messages, config).notna() & kinds.isin(rule.kinds)
        out[name] = hit.astype(bool)
    return out


def assert_same_classes(messages: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    pd.testing.assert_series_equal(own_words(messages[schema.TEXT]), old_own_words(messages[schema.TEXT]))
    new = classify_messages(messages, config)
    old = old_classify(messages, config)
    pd.testing.assert_frame_equal(new, old)
    return new


# --- real-shaped and simulated chat ---------------------------------------------------------------


def test_every_sample_group_gets_the_classes_of_the_per_row_path(sample_store):
    store = Store(sample_store)
    hits = 0
    for group in store.group_ids():
        new = assert_same_classes(store.messages(group))
        hits += int(new.to_numpy().sum())
    assert hits > 50  # the samples do contain questions, greetings, ads ...


def test_a_simulated_store_gets_the_classes_of_the_per_row_path(simulated_store):
    messages = Store(simulated_store).messages()
    new = assert_same_classes(messages)
    assert new.drop(columns=OPERATOR_TEMPLATE).to_numpy().sum() > 100


@pytest.mark.parametrize("seed", [2, 9])
def test_simulated_groups_get_the_classes_of_the_per_row_path(seed):
    from grouplens.simulate import simulate_group

    sim = simulate_group(members=120, weeks=4, seed=seed)
    texts = list(sim.messages.text)
    kinds = ["text", "link", "card", "file", "forward", "image"]
    messages = pd.DataFrame({
        schema.GROUP_ID: "sim",
        schema.TS: pd.to_datetime(list(sim.messages.ts), unit="s", utc=True),
        schema.KIND: [kinds[i % 11] if i % 11 < len(kinds) else "text" for i in range(len(texts))],
        schema.TEXT: texts,
    })
    new = assert_same_classes(messages)
    assert new.drop(columns=OPERATOR_TEMPLATE).to_numpy().sum() > 100


@pytest.mark.filterwarnings("ignore:This pattern is interpreted as a regular expression")
def test_configured_rules_keep_working_including_ones_re2_cannot_rewrite():
    config = config_from_dict({"classes": {
        "question": {"patterns": [r"(?<=想)知道(?!了)", r"(\w)\1{2}吗"]},  # a backreference
        "ad": {"weak_keywords": ["Promo"], "context_patterns": [r"\bCODE\d{4}\b"]},
        "shout": {"patterns": [r"^[A-Z\s!]{6,}$", "Straße"]},
    }})
    texts = [
        "我想知道答案", "想知道了", "好好好吗", "对对对吗", "promo code1234", "promo CODE1234x",
        "HELLO THERE!", "hello there!", "STRASSE", "strasse", "Straße ok", "ſtraße", None, "",
    ]
    ts = pd.date_range("2024-04-01", periods=len(texts), freq="h", tz="UTC")
    new = assert_same_classes(pd.DataFrame({schema.TS: ts, schema.TEXT: texts}), config)
    assert new["question"].iloc[:4].tolist() == [True, False, True, True]
    assert new["shout"].any()


# --- generated text from the rules' own words -----------------------------------------------------


def _rule_words() -> list[str]:
    words: set[str] = set()
    for rule in BUILTIN_RULES.values():
        for keyword in (*rule.keywords, *rule.weak_keywords, *rule.exclude_keywords):
            words.add(keyword)
        for pattern in (*rule.patterns, *rule.weak_patterns, *rule.context_patterns, *rule.exclude_patterns):
            # the literal runs of a pattern: 怎么, 还是, 打卡, http ...
            words.update(w for w in re.findall(r"[\u4e00-\u9fffA-Za-z]{1,6}", pattern) if w not in "uxAZaz")
    return sorted(words)


WORDS = _rule_words()
NOISE = st.sampled_from(list(
    " \n\t，,。.！!？?~～：:“”「」\"'‘’[]()（）#@%％+＋-_/|…✅☑✔😀🙂"
    "0123456789０１２３ABCDEFKSXYZabcdefkxyzſKİı我你他好的了吗么呢不没是在有"
    "\u200b\u3000\U0001f600"
))
# What own_words takes out: quotes, CQ codes, @mentions, invisible characters.
MARKUP = st.sampled_from([
    "引用:", "引用：", "\n引用：他说的 ", "[引用](x)", "\n> ", ">", "「", "」\n---\n", "[CQ:at,qq=1]", "[CQ:",
    "[", "]", "@", "@小王 ", "@所有人\u2005", "\u200b", "\u2060", "\ufeff", "\n",
])
PIECE = st.one_of(st.sampled_from(WORDS), NOISE, MARKUP, st.text(max_size=3))
TEXT = st.lists(PIECE, max_size=12).map("".join)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=40), kinds=st.lists(st.sampled_from(
    ["text", "link", "card", "file", "forward", "image", "system"]), min_size=40, max_size=40))
def test_generated_texts_get_the_classes_of_the_per_row_path(texts, kinds):
    frame = pd.DataFrame({schema.TEXT: texts, schema.KIND: kinds[:len(texts)]})
    own = own_words(frame[schema.TEXT])
    pd.testing.assert_series_equal(own, old_own_words(frame[schema.TEXT]))
    kind = _kinds(frame)
    for rule in BUILTIN_RULES.values():
        pd.testing.assert_series_equal(rule.match(own, kind), old_match(rule, own, kind))


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_the_re2_superset_of_every_builtin_pattern_keeps_every_python_match(text):
    column = pa.array([text, text.lower()])
    for rule in BUILTIN_RULES.values():
        for part in (*rule.keywords, *rule.patterns, *rule.weak_patterns, *rule.context_patterns,
                     *rule.exclude_patterns):
            rx = _any_of((part,), ()) if part in rule.keywords else _any_of((), (part,))
            pre = re2_superset(rx.pattern, rx.flags)
            if pre is None:
                continue
            kept = pc.match_substring_regex(column, pre).to_pylist()
            for value, keep in zip(column.to_pylist(), kept, strict=True):
                assert keep or rx.search(value) is None, (part, value)


# --- the rewriting itself -------------------------------------------------------------------------


def test_lookarounds_and_boundaries_are_dropped_and_han_is_kept():
    pre = re2_superset(r"(?<![不没])怎么(?![也都])\b", 0)
    assert pre == r"\x{600e}\x{4e48}"


def test_python_case_folding_is_kept_under_ignorecase():
    pre = re2_superset(r"(?i:ks)", 0)
    found = pc.match_substring_regex(pa.array(["ks", "KS", "\u212aſ", "kx"]), pre).to_pylist()
    assert found == [True, True, True, False]


def test_no_superset_for_a_backreference_or_a_pattern_matching_everything():
    assert re2_superset(r"(a)\1", 0) is None
    assert re2_superset(r"(?=x)|y?", 0) is None


def test_search_equals_str_contains_with_and_without_a_superset():
    texts = pd.Series(["有没有人", "没有", "a\nb", "", "怎么也"], index=[5, 3, 9, 1, 0])
    column = pa.array(texts.tolist())
    for pattern in (r"有没有", r"(?<!没)有", r"^b", r"(.)\1", r"b$", r"怎么(?!也)"):
        rx = re.compile(pattern)
        pd.testing.assert_series_equal(search(texts, rx, column), texts.str.contains(rx).astype(bool))
