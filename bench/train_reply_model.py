"""Train the reply-link model on the IRC disentanglement corpus and write it into the package.

Reads the ``train/`` split (Kummerfeld et al., ACL 2019, CC-BY-4.0) with grouplens' own ``irc``
importer and feature code, fits each stage's lookup tables as a conditional logit (a softmax
over each message's candidates and the "opens a thread" option, L2-regularised, L-BFGS), picks
the regularisation on ``dev/`` and writes ``grouplens/models/reply_links.json`` with what it was
trained on and its dev figures. The second stage learns from the first stage's guesses on train
made out-of-fold (5 folds by sample), so it sees guesses as wrong as the ones it gets later.

IRC names the addressee ("nick: ...") in about half its lines; WeChat and QQ groups @ someone in
about one line in ten. So that the model also links messages that name nobody, it learns from
each training sample twice: as logged, and with the opening nick removed from 80% of the lines
that have one (same gold links). ``addressing_rate`` tells it which kind of room it is in. The
dev figures are given both ways too.

    python bench/train_reply_model.py [--data ../shared/data/irc-disentanglement] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from grouplens import schema as S
from grouplens.importers import ParseOptions, get
from grouplens.replies import features as F
from grouplens.replies.links import best_parents, conversation_speech, infer_reply_links
from grouplens.replies.model import BinCache, ReplyModel, Stage, Term, save_model

sys.path.insert(0, str(Path(__file__).parent))
from reply_links import DATA, LinkCounts, predicted_lines, read_gold, samples, sparse_addressing

OUT = Path(__file__).parent.parent / "grouplens" / "models" / "reply_links.json"
FOLDS = 5
L2_CHOICES = (0.3, 1.0, 3.0)
SPARSE_SHARE = 0.8  # of the lines that open with a nick, the share whose nick a sparse copy drops
SEED = 0

B = [0.5]  # a yes/no feature
DIST = [1.5, 2.5, 3.5, 5.5, 8.5, 13.5, 20.5, 30.5]
DIST5 = [1.5, 2.5, 4.5, 9.5]
GAP = [30, 60, 120, 240, 600, 1800]  # seconds
LATER = [0.5, 1.5]  # the candidate's speaker spoke 0, 1, 2+ times since
LENGTH = [10, 30, 80]
PACE = [2, 5, 10]  # messages per minute
RATE = [0.12, 0.22, 0.35]  # share of nearby lines that address someone

# Each term is a table over the listed features; the first one holds the core interactions.
STAGE1_PAIRS = [
    [("same_speaker", B), ("child_opens_with_candidate", B), ("child_names_candidate", B),
     ("candidate_opens_with_child", B), ("candidate_names_child", B), ("child_addresses_other", B),
     ("candidate_speaker_later", LATER), ("child_speaker_between", B), ("distance", DIST)],
    [("shared_words", [0.5, 1.5, 2.5]), ("distance", DIST)],
    [("gap", GAP), ("distance", DIST)],
    [("gap", GAP), ("same_speaker", B), ("child_speaker_between", B), ("child_addresses_other", B)],
    [("candidate_question", B), ("same_speaker", B), ("child_speaker_between", B), ("candidate_speaker_later", LATER),
     ("distance", DIST5)],
    [("candidate_length", LENGTH), ("same_speaker", B), ("candidate_question", B)],
    [("last_naming_child", B), ("same_addressee", B), ("candidate_addresses_other", B),
     ("child_previous_names_candidate", B), ("candidate_names_child", B), ("child_speaker_between", B)],
    [("candidate_speaker_new", B), ("candidate_question", B), ("distance", DIST)],
    [("candidate_speaker_continues", B), ("candidate_speaker_continued", B), ("candidate_speaker_later", LATER),
     ("same_speaker", B)],
    [("addressing_rate", RATE), ("child_next_names_candidate", B), ("candidate_speaker_names_child_next", B),
     ("child_names_candidate", B), ("candidate_speaker_later", LATER)],
    [("addressing_rate", RATE), ("child_addresses_other", B), ("candidate_addresses_other", B),
     ("candidate_question", B), ("same_speaker", B), ("distance", DIST5)],
    [("addressing_rate", RATE), ("gap", GAP), ("same_speaker", B)],
    [("pace", PACE), ("distance", DIST)],
    [("candidate_speaker_named_child_last", B), ("last_naming_child", B), ("child_speaker_between", B),
     ("child_previous2_names_candidate", B), ("child_previous_names_candidate", B)],
    [("candidate_latest_question", B), ("same_speaker", B), ("candidate_speaker_later", LATER), ("distance", DIST5)],
]
STAGE1_SELF = [
    [("addressing_rate", RATE), ("child_addresses_anyone", B), ("child_question", B),
     ("since_named", [1.5, 3.5, 10.5, 50])],
    [("gap_previous", GAP), ("gap_own_previous", [60, 300, 1800, 1e5])],
    [("child_length", LENGTH), ("child_question", B)],
    [("candidates", [0.5, 5.5, 49.5])],
    [("pace", PACE)],
]
# The second stage adds to the first stage's scores what the first stage's threads tell.
STAGE2_PAIRS = [
    [("candidate_answers_child_speaker", B), ("child_previous_answers_candidate_speaker", B),
     ("candidate_parent_of_child_previous", B), ("same_thread_as_child_previous", B),
     ("candidate_thread_latest", B), ("candidate_answered", B), ("same_speaker", B)],
    [("same_thread_as_child_previous", B), ("candidate_thread_latest", B), ("distance", DIST)],
    [("candidate_answered", B), ("candidate_question", B), ("child_names_candidate", B),
     ("candidate_speaker_later", LATER)],
    [("candidate_answers_child_previous", B), ("same_thread_as_child_previous2", B),
     ("same_thread_as_child_previous", B), ("same_speaker", B)],
    [("candidate_thread_size", [0.5, 1.5, 3.5, 7.5]), ("candidate_thread_latest", B), ("candidate_answered", B)],
]
STAGE2_SELF = [
    [("child_previous_answered", B), ("child_addresses_anyone", B), ("child_question", B)],
]
Spec = list[list[tuple[str, list[float]]]]


@dataclass
class Sample:
    """One annotated sample: its messages, their feature arrays and the gold links."""

    name: str
    frame: pd.DataFrame
    gold: dict[int, set[int]]  # 0-based child line -> parent lines
    sp: F.Speech
    annotated: np.ndarray  # positions (among the speech messages) of the annotated children
    labels: np.ndarray  # (len(annotated), WINDOW + 1) bool: which options are gold, self last
    parent: np.ndarray | None = None  # a first-stage guess of every message's parent
    first_scores: np.ndarray | None = None  # the first stage's scores of the annotated children's options


def read_split(split_dir: Path) -> list[tuple[str, pd.DataFrame, dict[int, set[int]]]]:
    """(name, messages, gold links) of every sample of a split, read with the irc importer (times
    in UTC, as the logs are); message ids are the 0-based line numbers the annotations use."""
    importer, options = get("irc"), ParseOptions(tz=ZoneInfo("UTC"))
    out = []
    for stem, log, annotation in samples(split_dir):
        frame = next(importer.parse(log, options)).messages.to_pandas()
        frame[S.MSG_ID] = "L" + (frame[S.SOURCE_LINE] - 1).astype(str)
        out.append((stem, frame, read_gold(annotation)))
    return out


def make_sample(name: str, frame: pd.DataFrame, gold: dict[int, set[int]]) -> Sample:
    """A sample's feature arrays and which options of each annotated message are gold."""
    rows, sp, _ = conversation_speech(frame)
    line = (frame[S.SOURCE_LINE].to_numpy() - 1)[rows]
    annotated = np.nonzero(np.isin(line, list(gold)))[0]
    labels = np.zeros((len(annotated), F.WINDOW + 1), bool)
    for r, child in enumerate(annotated):
        parents = gold[int(line[child])]
        labels[r, F.WINDOW] = int(line[child]) in parents
        cand = child - np.arange(1, F.WINDOW + 1)
        labels[r, :F.WINDOW] = (cand >= 0) & np.isin(line[np.clip(cand, 0, None)], list(parents))
    return Sample(name, frame, gold, sp, annotated, labels)


def load_samples(split_dir: Path, sparse_copies: bool) -> list[Sample]:
    """A split's samples; with ``sparse_copies``, each followed by its sparse-addressing copy."""
    out = []
    for k, (name, frame, gold) in enumerate(read_split(split_dir)):
        out.append(make_sample(name, frame, gold))
        if sparse_copies:
            out.append(make_sample(name + "~sparse", sparse_addressing(frame, SPARSE_SHARE, SEED + k), gold))
    return out


def empty_stage(pairs: Spec, selves: Spec) -> Stage:
    def term(spec: list[tuple[str, list[float]]]) -> Term:
        edges = tuple(np.asarray(e, np.float32) for _, e in spec)
        return Term(tuple(n for n, _ in spec), edges, np.zeros(int(np.prod([len(e) + 1 for e in edges])), np.float32))
    return Stage(tuple(term(t) for t in pairs), tuple(term(t) for t in selves))


def features_of(sample: Sample, children: np.ndarray, with_links: bool) -> tuple[np.ndarray, Mapping, Mapping]:
    valid, pairs = F.pair_features(sample.sp, children)
    child: Mapping = F.child_features(sample.sp, children)
    if with_links:
        assert sample.parent is not None
        threads = F.threads_from(sample.sp, sample.parent)
        pairs = ChainMap(F.link_features(sample.sp, threads, children), pairs)
        child = ChainMap(F.child_link_features(sample.sp, threads, children), child)
    return valid, pairs, child


def design(stage: Stage, data: list[Sample], with_links: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Table cells every option of every annotated child falls in, as global weight columns."""
    sizes = [len(t.weights) for t in (*stage.pair_terms, *stage.self_terms)]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
    n_pair = len(stage.pair_terms)
    pair_cols, self_cols, valids, labels = [], [], [], []
    for s in data:
        valid, pairs, child = features_of(s, s.annotated, with_links)
        pb, cb = BinCache(pairs), BinCache(child)
        pair_cols.append(np.stack([t.index(pb) + offsets[k] for k, t in enumerate(stage.pair_terms)], -1))
        self_cols.append(np.stack([t.index(cb) + offsets[n_pair + k] for k, t in enumerate(stage.self_terms)], -1))
        valids.append(valid)
        labels.append(s.labels)
    return np.concatenate(pair_cols), np.concatenate(self_cols), np.concatenate(valids), np.concatenate(labels)


def fit_stage(stage: Stage, data: list[Sample], with_links: bool, l2: float) -> Stage:
    """The stage's tables fitted by maximising the log-probability of the gold options (with a
    weight on the first stage's scores when ``with_links``: the second stage refines them)."""
    pair_cols, self_cols, valid, labels = design(stage, data, with_links)
    offset = np.concatenate([s.first_scores for s in data]) if with_links else np.zeros(labels.shape, np.float32)
    reachable = (labels & np.concatenate([valid, np.ones((len(valid), 1), bool)], 1)).any(1)
    pair_cols, self_cols, valid, labels = pair_cols[reachable], self_cols[reachable], valid[reachable], labels[reachable]
    offset = np.where(np.isfinite(offset[reachable]), offset[reachable], 0).astype(np.float32)
    n_weights = sum(len(t.weights) for t in (*stage.pair_terms, *stage.self_terms))
    flat_pairs, flat_self = pair_cols.reshape(-1), self_cols.reshape(-1)

    def loss_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        w, alpha = x[:-1], x[-1]
        w32 = w.astype(np.float32)
        scores = alpha * offset.astype(np.float64)
        scores[:, :-1] += w32[pair_cols].sum(-1)
        scores[:, -1] += w32[self_cols].sum(-1)
        scores[:, :-1][~valid] = -np.inf
        # log-sum-exp over all options and over the gold ones, kept finite however far apart they are
        top = scores.max(1, keepdims=True)
        log_total = top + np.log(np.exp(scores - top).sum(1, keepdims=True))
        gold_scores = np.where(labels, scores, -np.inf)
        gold_top = gold_scores.max(1, keepdims=True)
        log_gold = gold_top + np.log(np.exp(gold_scores - gold_top).sum(1, keepdims=True))
        diff = np.exp(scores - log_total) - np.exp(gold_scores - log_gold)
        grad = np.bincount(flat_pairs, np.repeat(diff[:, :-1].reshape(-1), pair_cols.shape[-1]), n_weights)
        grad += np.bincount(flat_self, np.repeat(diff[:, -1], self_cols.shape[-1]), n_weights)
        grad_alpha = float((diff * offset).sum()) if with_links else 0.0
        loss = float((log_total - log_gold).sum()) + 0.5 * l2 * float(w @ w)
        return loss, np.r_[grad + l2 * w, grad_alpha]

    start = np.r_[np.zeros(n_weights), 1.0 if with_links else 0.0]
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": 400})
    w, alpha = result.x[:-1].astype(np.float32), float(result.x[-1])
    terms, at = [], 0
    for t in (*stage.pair_terms, *stage.self_terms):
        terms.append(Term(t.features, t.edges, w[at: at + len(t.weights)]))
        at += len(t.weights)
    return Stage(tuple(terms[: len(stage.pair_terms)]), tuple(terms[len(stage.pair_terms):]), round(alpha, 5))


def guess_parents(stage: Stage, data: list[Sample]) -> None:
    """The first stage's parents of every message and scores of the annotated ones' options."""
    for s in data:
        s.parent, _, scores = best_parents(s.sp, stage, keep_scores=True)
        assert scores is not None
        s.first_scores = scores[s.annotated]


def dev_figures(model: ReplyModel, dev: list[Sample]) -> dict[str, float]:
    counts = LinkCounts()
    for s in dev:
        counts.add(predicted_lines(infer_reply_links(s.frame, model)), s.gold)
    p, r, f = counts.prf()
    return {"precision": round(p, 2), "recall": round(r, 2), "f1": round(f, 2)}


def train(data: Path, out: Path) -> None:
    started = time.perf_counter()
    log = lambda msg: print(f"[{time.perf_counter() - started:6.0f}s] {msg}", flush=True)
    train_set = load_samples(data / "train", sparse_copies=True)
    dev_split = read_split(data / "dev")
    dev = [make_sample(name, frame, gold) for name, frame, gold in dev_split]
    dev_sparse = [make_sample(name, sparse_addressing(frame, SPARSE_SHARE, SEED + 1000 + k), gold)
                  for k, (name, frame, gold) in enumerate(dev_split)]
    log(f"{len(train_set)} train samples with their sparse copies "
        f"({sum(len(s.annotated) for s in train_set)} annotated messages), {len(dev)} dev samples")
    stage1 = fit_stage(empty_stage(STAGE1_PAIRS, STAGE1_SELF), train_set, False, 1.0)
    one_stage = ReplyModel(F.WINDOW, (stage1,))
    first = dev_figures(one_stage, dev)
    log(f"stage 1 on dev: {first}")
    fold_of = [(k // 2) % FOLDS for k in range(len(train_set))]  # a sample and its sparse copy share a fold
    for k in range(FOLDS):  # out-of-fold first-stage guesses for the second stage to learn from
        held_out = [s for s, f in zip(train_set, fold_of, strict=True) if f == k]
        rest = [s for s, f in zip(train_set, fold_of, strict=True) if f != k]
        guess_parents(fit_stage(empty_stage(STAGE1_PAIRS, STAGE1_SELF), rest, False, 1.0), held_out)
        log(f"fold {k + 1}/{FOLDS} guessed")
    best: tuple[float, float, ReplyModel, dict[str, float]] | None = None
    for l2 in L2_CHOICES:
        stage2 = fit_stage(empty_stage(STAGE2_PAIRS, STAGE2_SELF), train_set, True, l2)
        model = ReplyModel(F.WINDOW, (stage1, stage2))
        figures = dev_figures(model, dev)
        log(f"stage 2, l2={l2}: dev {figures}")
        if best is None or figures["f1"] > best[0]:
            best = (figures["f1"], l2, model, figures)
    assert best is not None
    _, l2, model, figures = best
    sparse = dev_figures(model, dev_sparse)
    log(f"dev with {SPARSE_SHARE:.0%} of opening nicks removed: {sparse}")
    info = {
        "trained_on": {
            "corpus": "IRC disentanglement (Kummerfeld et al., ACL 2019), train split, CC-BY-4.0",
            "samples": len(train_set) // 2, "annotated_messages": int(sum(len(s.annotated) for s in train_set) // 2),
            "sparse_copies": f"each sample also with {SPARSE_SHARE:.0%} of opening nicks removed (seed {SEED})",
        },
        "dev": {"samples": len(dev), "stage1": first, "final": figures,
                f"final_{SPARSE_SHARE:.0%}_nicks_removed": sparse},
        "l2": l2,
        "folds": FOLDS,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "protocol": "one predicted parent (or itself) per annotated line; system lines link to themselves",
    }
    final = ReplyModel(model.window, model.stages, info)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(final, out)
    log(f"wrote {out} ({out.stat().st_size // 1024} KB): dev {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the corpus folder (holding train/ and dev/)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the model")
    args = parser.parse_args()
    train(args.data, args.out)


if __name__ == "__main__":
    main()
