"""Python regexes searched over whole text columns: RE2 (``pyarrow.compute``) picks the
candidate rows, Python's ``re`` decides on those alone.

RE2 has no lookarounds or backreferences, and its ``\\w``, ``\\d``, ``\\b`` and case folding are
not Python's. So a Python pattern is not run in RE2 as it is: ``re2_superset`` rewrites it into
an RE2 pattern that matches at least every string the Python one matches (a *superset*):

- lookarounds, word boundaries and ``$`` are dropped (an assertion removed only lets more
  strings through);
- ``\\w``, ``\\d``, ``\\s`` and their negations, and any character set holding one, become "any
  character";
- literals and character sets are written as code points (``\\x{...}``); under IGNORECASE each
  cased one also admits every cased code point Python's ``re`` would match it with, found by
  asking ``re`` itself (so RE2's case folding never matters);
- atomic groups and possessive or lazy repeats become plain groups and repeats (same or more
  strings); repeats beyond RE2's limit of 1,000 lose their upper bound.

Anything else (backreferences, conditionals) gives no superset, and ``search`` then runs the
exact pattern on every row, as it always did. The result of ``search`` is exactly
``texts.str.contains(rx)``: the superset only decides which rows ``re`` has to look at.
"""

from __future__ import annotations

import functools
import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_ANY = r"[\x{0}-\x{10FFFF}]"
_MAX_RE2_REPEAT = 1000
_PROBES = pa.array(["", "a", "0", "我们今天下午开会", "ok, see you at 5."])


class _NoSuperset(Exception):
    """The pattern has a part RE2 cannot stand in for."""


@functools.lru_cache(maxsize=1)
def _cased() -> str:
    """Every code point Python's ``re`` treats as cased under IGNORECASE."""
    import _sre

    return "".join(map(chr, filter(_sre.unicode_iscased, range(0x110000))))


def _cp(c: int) -> str:
    return f"\\x{{{c:x}}}"


def _ranges(codes: list[int]) -> str:
    codes = sorted(set(codes))
    out = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(_cp(codes[i]) if i == j else f"{_cp(codes[i])}-{_cp(codes[j])}")
        i = j + 1
    return "".join(out)


def _cased_matches(item: tuple, flags: int) -> list[int]:
    """The cased code points Python's ``re`` matches with this one-character item."""
    state = P.State()
    state.flags = flags
    sub = P.SubPattern(state, [item])
    from re import _compiler

    rx = _compiler.compile(sub, flags)
    return [ord(m.group()) for m in rx.finditer(_cased())]


@functools.lru_cache(maxsize=2)
def _sure_word(ascii_only: bool) -> str:
    r"""Code points surely in ``\w`` (a subset is enough): ASCII letters and digits, and the CJK
    Unified Ideographs when this Python's Unicode tables say they all are."""
    han = "".join(map(chr, range(0x4E00, 0xA000)))
    if not ascii_only and re.fullmatch(r"\w+", han):
        return r"0-9A-Za-z\x{4e00}-\x{9fff}"
    return "0-9A-Za-z"


_SURE_SPACE = r"\x{9}-\x{d}\x{20}"  # surely in \s
_SURE_DIGIT = "0-9"  # surely in \d


def _category_sure(av, flags: int) -> str:
    """A class body of code points surely matched by the category (possibly none)."""
    if av is C.CATEGORY_WORD:
        return _sure_word(bool(flags & re.ASCII))
    if av is C.CATEGORY_SPACE:
        return _SURE_SPACE
    if av is C.CATEGORY_DIGIT:
        return _SURE_DIGIT
    return ""


def _category_superset(av, flags: int) -> str:
    """A class matching at least what the category matches."""
    positive = {C.CATEGORY_NOT_WORD: C.CATEGORY_WORD, C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
                C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT}.get(av)
    sure = _category_sure(positive, flags) if positive is not None else ""
    return f"[^{sure}]" if sure else _ANY


def _char(op, av, flags: int) -> str:
    """One character item (LITERAL, NOT_LITERAL, IN, ANY, CATEGORY) as an RE2 superset."""
    ignore = bool(flags & re.IGNORECASE)
    if op is C.ANY:
        return _ANY if flags & re.DOTALL else r"[^\n]"
    if op is C.CATEGORY:
        return _category_superset(av, flags)
    if op is C.LITERAL:
        direct = _cp(av)
    elif op is C.NOT_LITERAL:
        direct = f"[^{_cp(av)}]"
    else:  # IN
        negate = False
        parts = []
        categories = []
        for sop, sav in av:
            if sop is C.NEGATE:
                negate = True
            elif sop is C.LITERAL:
                parts.append(_cp(sav))
            elif sop is C.RANGE:
                parts.append(f"{_cp(sav[0])}-{_cp(sav[1])}")
            elif sop is C.CATEGORY:
                categories.append(sav)
            else:
                return _ANY
        if negate:
            # Not in (literals and categories): not in (literals and a subset of each category).
            parts += [_category_sure(c, flags) for c in categories]
            body = "".join(parts)
            direct = f"[^{body}]" if body else _ANY
        else:
            options = ([f"[{''.join(parts)}]"] if parts else []) + [_category_superset(c, flags) for c in categories]
            if not options:
                return _ANY
            direct = options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
    if not ignore:
        return direct
    # Uncased code points match as they are written; cased ones as Python folds them.
    extra = _cased_matches((op, av), flags)
    return f"(?:{direct}|[{_ranges(extra)}])" if extra else direct


# Items rewritten as nothing: an item followed only by these is at the end of what is matched.
def _dropped(op, av, flags: int) -> bool:
    if op in (C.ASSERT, C.ASSERT_NOT):
        return True
    return op is C.AT and av in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY)


def _seq(items, flags: int, tail: bool = True) -> str:
    """``items`` as an RE2 superset; ``tail``: nothing after them is matched or tested but
    assertions that are dropped."""
    items = list(items)
    out = []
    for k, (op, av) in enumerate(items):
        at_tail = tail and all(_dropped(o, a, flags) for o, a in items[k + 1:])
        if op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY, C.CATEGORY):
            out.append(_char(op, av, flags))
        elif op is C.SUBPATTERN:
            _group, add, remove, body = av
            out.append(f"(?:{_seq(body, (flags | add) & ~remove, at_tail)})")
        elif op is C.ATOMIC_GROUP:
            out.append(f"(?:{_seq(av, flags, at_tail)})")
        elif op is C.BRANCH:
            out.append("(?:" + "|".join(_seq(b, flags, at_tail) for b in av[1]) + ")")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, body = av
            inner = f"(?:{_seq(body, flags, False)})"
            if lo > _MAX_RE2_REPEAT:
                out.append(f"{inner}*")
            elif hi is C.MAXREPEAT or hi > _MAX_RE2_REPEAT:
                out.append(f"{inner}{{{lo},}}")
            else:
                out.append(f"{inner}{{{lo},{hi}}}")
        elif op is C.AT:
            multiline = bool(flags & re.MULTILINE)
            if av is C.AT_BEGINNING_STRING or (av is C.AT_BEGINNING and not multiline):
                out.append(r"\A")
            elif av in (C.AT_BEGINNING, C.AT_BEGINNING_LINE):
                out.append("(?m:^)")
            elif av is C.AT_END_STRING:
                out.append(r"\z")
            elif av is C.AT_END_LINE or (av is C.AT_END and multiline):
                out.append("(?m:$)")  # before any newline or at the end, in both engines
            elif av is C.AT_END and at_tail:
                # Python's $: at the end or before a final newline. Taking that newline in is
                # safe only where nothing else is matched or tested after it.
                out.append(r"\n?\z")
            # $ elsewhere, \b, \B: dropped (an assertion fewer)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            pass  # lookarounds: dropped
        else:  # backreferences, conditionals, ...
            raise _NoSuperset(op)
    return "".join(out)


@functools.lru_cache(maxsize=512)
def re2_superset(pattern: str, flags: int) -> str | None:
    """An RE2 pattern matching (``search``) every string the Python pattern matches, or None
    when there is none worth running (one part cannot be rewritten, RE2 rejects the result,
    or it keeps plain chat lines of every sort, which all rows would then be)."""
    try:
        parsed = P.parse(pattern, flags)
        out = _seq(parsed, flags | parsed.state.flags)
        if all(pc.match_substring_regex(_PROBES, out).to_pylist()):
            return None  # it would keep every row
    except (_NoSuperset, re.error, pa.ArrowException, ValueError, RecursionError):
        return None
    return out


def arrow_texts(texts: pd.Series) -> pa.Array | None:
    """``texts`` (strings) as an Arrow string array, or None if they cannot be one."""
    try:
        column = pa.array(texts.to_numpy(dtype=object), type=pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return column if column.null_count == 0 else None


def _literals(words: tuple[str, ...]) -> str:
    return "|".join("".join(_cp(ord(ch)) for ch in w) for w in words)


def _candidates(column: pa.Array, pre: str) -> np.ndarray:
    keep = pc.fill_null(pc.match_substring_regex(column, pre), True)
    return keep.to_numpy(zero_copy_only=False)


def search(texts: pd.Series, rx: re.Pattern[str], column: pa.Array | None = None,
           words: tuple[str, ...] = ()) -> pd.Series:
    """``texts.str.contains(rx)`` as booleans: RE2 over ``column`` (``texts`` as Arrow, from
    ``arrow_texts``) keeps the candidate rows, ``rx.search`` decides on those. Without a column
    or a superset, ``texts.str.contains(rx)`` itself.

    ``words``: literal strings that ``rx`` matches wherever they occur (its keywords); rows
    holding one are hits without asking ``re`` (RE2 finds literals exactly as ``re`` does)."""
    pre = re2_superset(rx.pattern, rx.flags) if column is not None else None
    if pre is None:
        return texts.str.contains(rx).astype(bool)
    values = texts.to_numpy(dtype=object)
    keep = _candidates(column, pre)
    hit = np.zeros(len(values), dtype=bool)
    if words:
        hit = _candidates(column, _literals(words)).copy()
        keep = keep & ~hit
    find = rx.search
    candidates = np.flatnonzero(keep)
    if len(candidates):
        hit[candidates] = [find(values[i]) is not None for i in candidates]
    return pd.Series(hit, index=texts.index)


def replace_where(texts: pd.Series, rx: re.Pattern[str], repl: str,
            column: pa.Array | None = None) -> tuple[pd.Series, pa.Array | None]:
    """``texts.str.replace(rx, repl, regex=True)`` and its Arrow column (None without one): only
    the rows RE2 finds candidates in are rewritten, the others cannot hold a match."""
    pre = re2_superset(rx.pattern, rx.flags) if column is not None else None
    if pre is None:
        out = texts.str.replace(rx, repl, regex=True)
        return out, arrow_texts(out) if column is not None else None
    values = texts.to_numpy(dtype=object).copy()
    candidates = np.flatnonzero(_candidates(column, pre))
    if not len(candidates):
        return texts, column
    sub = rx.sub
    values[candidates] = [sub(repl, values[i]) for i in candidates]
    out = pd.Series(values, index=texts.index, name=texts.name, dtype=texts.dtype)
    return out, arrow_texts(out)
