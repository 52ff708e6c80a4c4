"""The reply-link model: lookup tables over binned features, stored as JSON inside the package.

A score for "child answers candidate" is a sum of table entries: each term bins a few features
(cut points) and looks up the weight of that combination, so the interactions that matter
(being named x distance, say) get a table of their own. The self option ("starts a thread")
has its own terms over the child's features. Per child, a softmax over its candidates and the
self option gives probabilities. Tables are plain numbers: loading needs neither scikit-learn
nor pickle, and scoring is a handful of numpy gathers per term.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GrouplensError
from .features import WINDOW

MODEL_FORMAT = "grouplens-reply-links/1"
DEFAULT_MODEL = "reply_links.json"
FUSED_CELLS = 16384  # largest table that terms are fused into for scoring


@dataclass(frozen=True)
class Term:
    """One table: the features it bins, their cut points, and a weight per bin combination."""

    features: tuple[str, ...]
    edges: tuple[np.ndarray, ...]  # float32 cut points per feature; bin = number of cut points <= value
    weights: np.ndarray  # float32, len == prod(len(e) + 1)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(e) + 1 for e in self.edges)

    def index(self, binned: BinCache) -> np.ndarray:
        """The table cell of every row: the bins of this term's features, combined."""
        dtype = np.int16 if len(self.weights) <= np.iinfo(np.int16).max else np.int32
        idx: np.ndarray | None = None
        for name, edges, size in zip(self.features, self.edges, self.shape, strict=True):
            b = binned.get(name, edges)
            idx = b.astype(dtype) if idx is None else idx * dtype(size) + b
        assert idx is not None
        return idx


class BinCache:
    """Feature arrays and their bins, each binned once however many terms use it."""

    def __init__(self, features: Mapping[str, np.ndarray]):
        self.features = features
        self._bins: dict[tuple[str, bytes], np.ndarray] = {}

    def get(self, name: str, edges: np.ndarray) -> np.ndarray:
        key = (name, edges.tobytes())
        if key not in self._bins:
            self._bins[key] = _bins(self.features[name], edges)
        return self._bins[key]


def _bins(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """uint8 bin of every value: how many cut points are <= it."""
    if x.ndim == 2 and 0 in x.strides:  # a broadcast row or column: bin it once
        axis = x.strides.index(0)
        return np.broadcast_to(_bins(np.take(x, [0], axis=axis), edges), x.shape)
    if x.dtype == np.bool_ and len(edges) == 1 and 0 < edges[0] <= 1:
        return x.view(np.uint8)
    if len(edges) > 8:
        return np.searchsorted(edges, x.astype(np.float32, copy=False), side="right").astype(np.uint8)
    # A few comparisons beat a binary search per value; integer arrays compare with whole cut points.
    cuts = np.ceil(edges).astype(np.int64).tolist() if np.issubdtype(x.dtype, np.integer) else edges.tolist()
    out = (x >= cuts[0]).view(np.uint8)
    for cut in cuts[1:]:
        out += (x >= cut).view(np.uint8)
    return out


def fuse_terms(terms: tuple[Term, ...], max_cells: int) -> tuple[Term, ...]:
    """The same sum of tables in fewer lookups: two terms become one table over the union of
    their features (shared features once) while it stays under ``max_cells``. Exact: the fused
    table holds the two tables' sums."""
    out = list(terms)
    while True:
        best: tuple[int, int, int] | None = None
        for x in range(len(out)):
            for y in range(x + 1, len(out)):
                cells = int(np.prod([n for _, _, n in _union(out[x], out[y])]))
                if cells <= max_cells and (best is None or cells < best[0]):
                    best = (cells, x, y)
        if best is None:
            return tuple(out)
        _, x, y = best
        fused = _fuse(out[x], out[y])
        out = [t for k, t in enumerate(out) if k not in (x, y)] + [fused]


def _union(a: Term, b: Term) -> list[tuple[str, np.ndarray, int]]:
    keys = [(f, e.tobytes()) for f, e in zip(a.features, a.edges, strict=True)]
    extra = [(f, e) for f, e in zip(b.features, b.edges, strict=True) if (f, e.tobytes()) not in keys]
    return [(f, e, len(e) + 1) for f, e in [*zip(a.features, a.edges, strict=True), *extra]]


def _fuse(a: Term, b: Term) -> Term:
    union = _union(a, b)
    keys = [(f, e.tobytes()) for f, e, _ in union]
    cells = np.indices([n for _, _, n in union]).reshape(len(union), -1)  # every cell's bins

    def lookup(t: Term) -> np.ndarray:
        dims = [cells[keys.index((f, e.tobytes()))] for f, e in zip(t.features, t.edges, strict=True)]
        return t.weights[np.ravel_multi_index(dims, t.shape)]

    return Term(tuple(f for f, _, _ in union), tuple(e for _, e, _ in union), lookup(a) + lookup(b))


@dataclass(frozen=True)
class Stage:
    """One pass of scoring: terms over (child, candidate) pairs and over the child alone, plus a
    weight on the previous pass' scores (a later pass refines the first one's scores)."""

    pair_terms: tuple[Term, ...]
    self_terms: tuple[Term, ...]
    previous_weight: float = 0.0

    @functools.cached_property
    def _lookups(self) -> tuple[tuple[Term, ...], tuple[Term, ...]]:
        """The terms fused into as few tables as stay small enough to be looked up from cache."""
        return fuse_terms(self.pair_terms, FUSED_CELLS), fuse_terms(self.self_terms, FUSED_CELLS)

    def scores(self, pairs: Mapping[str, np.ndarray], child: Mapping[str, np.ndarray], valid: np.ndarray,
               previous: np.ndarray | None = None) -> np.ndarray:
        """(n, window + 1) scores: one per candidate (−inf where there is none), the self option last."""
        n, window = valid.shape
        pair_bins, child_bins = BinCache(pairs), BinCache(child)
        pair_score = np.zeros((n, window), np.float32)
        pair_terms, self_terms = self._lookups
        for t in pair_terms:
            pair_score += t.weights[t.index(pair_bins)]
        self_score = np.zeros(n, np.float32)
        for t in self_terms:
            self_score += t.weights[t.index(child_bins)]
        out = np.concatenate([pair_score, self_score[:, None]], axis=1)
        if previous is not None and self.previous_weight:
            out += np.float32(self.previous_weight) * np.where(np.isfinite(previous), previous, np.float32(0))
        if not valid.all():
            out[:, :window][~valid] = -np.inf
        return out


@dataclass(frozen=True)
class ReplyModel:
    """The stages of the reply-link model, and what it was trained on and how well it did."""

    window: int
    stages: tuple[Stage, ...]
    info: dict[str, Any] = field(default_factory=dict)


def softmax(scores: np.ndarray) -> np.ndarray:
    top = scores.max(axis=1, keepdims=True)
    e = np.exp(scores - top)
    return e / e.sum(axis=1, keepdims=True)


def _term_to_json(t: Term) -> dict[str, Any]:
    return {"features": list(t.features), "edges": [[float(v) for v in e] for e in t.edges],
            "weights": [round(float(w), 5) for w in t.weights]}


def _term_from_json(d: dict[str, Any]) -> Term:
    edges = tuple(np.asarray(e, np.float32) for e in d["edges"])
    term = Term(tuple(d["features"]), edges, np.asarray(d["weights"], np.float32))
    if len(term.weights) != int(np.prod(term.shape)) or len(term.features) != len(edges):
        raise ValueError(f"term over {term.features} has {len(term.weights)} weights for shape {term.shape}")
    return term


def model_to_json(model: ReplyModel) -> dict[str, Any]:
    return {
        "format": MODEL_FORMAT,
        "window": model.window,
        "info": model.info,
        "stages": [{"previous_weight": s.previous_weight,
                    "pair_terms": [_term_to_json(t) for t in s.pair_terms],
                    "self_terms": [_term_to_json(t) for t in s.self_terms]} for s in model.stages],
    }


def model_from_json(d: dict[str, Any]) -> ReplyModel:
    if d.get("format") != MODEL_FORMAT:
        raise ValueError(f"not a {MODEL_FORMAT} model (format {d.get('format')!r})")
    if int(d["window"]) != WINDOW:
        raise ValueError(f"model looks {d['window']} messages back; this grouplens looks {WINDOW}")
    stages = tuple(Stage(tuple(_term_from_json(t) for t in s["pair_terms"]),
                         tuple(_term_from_json(t) for t in s["self_terms"]),
                         float(s.get("previous_weight", 0.0))) for s in d["stages"])
    return ReplyModel(window=int(d["window"]), stages=stages, info=d.get("info", {}))


def save_model(model: ReplyModel, path: Path) -> None:
    path.write_text(json.dumps(model_to_json(model), ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8")


def load_model(path: Path | str | None = None) -> ReplyModel:
    """The reply-link model at ``path``, or the one shipped in ``grouplens/models/``."""
    try:
        if path is None:
            text = resources.files("grouplens").joinpath("models", DEFAULT_MODEL).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return model_from_json(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise GrouplensError(f"cannot load the reply-link model: {e}", path=path) from None
