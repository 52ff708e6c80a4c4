"""Reply-link accuracy on the IRC disentanglement corpus' dev split, scored the paper's way.

Imports each dev sample with the ``irc`` importer into a scratch store, reads it back, runs
``grouplens.replies.infer_reply_links`` and prints link precision, recall and F1 next to the
"previous message" baseline, then inference throughput.

Protocol (Kummerfeld et al., ACL 2019, Table 3): every annotated line gets one predicted parent
(itself when it opens a conversation; system lines always link to themselves); precision =
correct links / predicted links, recall = correct links / gold links (a line may have several
gold parents). Published test figures, P/R/F: previous 35.7/34.4/35.0, linear 64.7/62.3/63.5,
feed-forward 73.7/71.0/72.3, 10-model vote 74.9/72.2/73.5.

    python bench/reply_links.py [--data ../shared/data/irc-disentanglement] [--split dev]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from grouplens import schema as S
from grouplens.replies.links import infer_reply_links

# The corpus lives in ../shared beside the repository (the shared reference folder), not in it.
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "irc-disentanglement"
PUBLISHED = {"previous": (35.7, 34.4, 35.0), "linear": (64.7, 62.3, 63.5), "feed-forward": (73.7, 71.0, 72.3),
             "10-model vote": (74.9, 72.2, 73.5)}


@dataclass
class LinkCounts:
    """Counts behind link precision and recall."""

    correct: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, predicted: dict[int, int], gold: dict[int, set[int]]) -> None:
        for child, parents in gold.items():
            self.predicted += 1
            self.gold += len(parents)
            self.correct += predicted.get(child, child) in parents

    def prf(self) -> tuple[float, float, float]:
        p = 100 * self.correct / max(self.predicted, 1)
        r = 100 * self.correct / max(self.gold, 1)
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def read_gold(path: Path) -> dict[int, set[int]]:
    """Annotated links: 0-based child line -> its gold parent lines (itself for a new conversation)."""
    gold: dict[int, set[int]] = {}
    for row in path.read_text(encoding="utf-8").split("\n"):
        if row.strip():
            parent, child = (int(v) for v in row.split()[:2])
            gold.setdefault(child, set()).add(parent)
    return gold


def samples(split_dir: Path) -> list[tuple[str, Path, Path]]:
    """(stem, log, annotation) for every sample of a split."""
    out = []
    for log in sorted(split_dir.glob("*.ascii.txt")):
        stem = log.name[: -len(".ascii.txt")]
        out.append((stem, log, log.with_name(stem + ".annotation.txt")))
    return out


def predicted_lines(frame: pd.DataFrame) -> dict[int, int]:
    """0-based line -> 0-based line of its predicted parent, for the rows that have one."""
    line = (frame[S.SOURCE_LINE].astype("int64") - 1).to_numpy()
    line_of = pd.Series(line, index=frame[S.MSG_ID].astype(object).to_numpy())
    line_of = line_of[~line_of.index.duplicated()]
    linked = frame[S.REPLY_TO].notna().to_numpy()
    parents = line_of.reindex(frame[S.REPLY_TO].astype(object).to_numpy()[linked]).to_numpy()
    return {int(c): int(p) for c, p in zip(line[linked], parents, strict=True) if not np.isnan(p)}


_OPENING_NICK = re.compile(r"^\s*(?:<([^>\s]+)>|([^\s:,<>]+)\s*[:,])\s*")


def sparse_addressing(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """A copy where ``share`` of the lines that open by addressing a nick (as the importer read
    them: the nick is their first mention) lose that opening, as if the room did not name people."""
    rng = np.random.default_rng(seed)
    texts, mentions = frame[S.TEXT].tolist(), [list(m) for m in frame[S.MENTIONS]]
    for r, (text, named) in enumerate(zip(texts, mentions, strict=True)):
        m = _OPENING_NICK.match(text or "")
        if m and named and named[0].lower() == (m[1] or m[2]).lower() and rng.random() < share:
            texts[r], mentions[r] = text[m.end():], named[1:]
    out = frame.copy()
    out[S.TEXT], out[S.MENTIONS] = texts, mentions
    return out


def previous_message_lines(frame: pd.DataFrame) -> dict[int, int]:
    """The baseline: every message links to the previous non-system line."""
    ordered = frame.sort_values(S.SOURCE_LINE)
    speech = ordered[~ordered[S.KIND].isin(S.EVENT_KINDS)]
    line = (speech[S.SOURCE_LINE].astype("int64") - 1).to_numpy()
    return {int(c): int(p) for c, p in zip(line[1:], line[:-1], strict=True)}


def load_split(split_dir: Path, store_dir: Path) -> dict[str, pd.DataFrame]:
    """Each sample imported through the store (as ``grouplens import --format irc`` would) and read back."""
    from grouplens import import_paths, open_store

    frames = {}
    for stem, log, _ in samples(split_dir):
        report = import_paths(store_dir, [log], fmt="irc", group=stem, tz=ZoneInfo("UTC"))
        if not report.ok:
            raise SystemExit(f"import failed: {report.failed[0].error}")
        frames[stem] = open_store(store_dir).messages(group=stem, tz=ZoneInfo("UTC"))
    return frames


def throughput(frames: list[pd.DataFrame], target: int = 120_000, runs: int = 3) -> tuple[int, list[float]]:
    """(messages, seconds of each run) to infer links over one long conversation of at least
    ``target`` messages, built by laying the samples end to end, one day apart."""
    parts, total, day = [], 0, pd.Timedelta(days=1)
    while total < target:
        for f in frames:
            shifted = f.copy()
            shifted[S.TS] = shifted[S.TS] + day * len(parts)
            shifted[S.MSG_ID] = shifted[S.MSG_ID].astype(object) + f"#{len(parts)}"
            shifted[S.REPLY_TO] = None
            parts.append(shifted)
            total += len(f)
    big = pd.concat(parts, ignore_index=True).drop(columns=[S.GROUP_ID])
    infer_reply_links(big.iloc[:2000])  # load the model
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        infer_reply_links(big)
        seconds.append(time.perf_counter() - start)
    return len(big), seconds


def evaluate(data: Path, split: str) -> None:
    split_dir = data / split
    with tempfile.TemporaryDirectory() as tmp:
        frames = load_split(split_dir, Path(tmp) / "store")
    model, baseline, sparse = LinkCounts(), LinkCounts(), LinkCounts()
    infer_reply_links(next(iter(frames.values())))  # load the model before the clock starts
    seconds = 0.0
    messages = 0
    baseline_seen: list[str] = []
    for stem, _, annotation in samples(split_dir):
        gold = read_gold(annotation)
        frame = frames[stem]
        start = time.perf_counter()
        linked = infer_reply_links(frame)
        seconds += time.perf_counter() - start
        messages += len(frame)
        model.add(predicted_lines(linked), gold)
        baseline.add(previous_message_lines(frame), gold)
        # as in a WeChat/QQ group, where few lines name whom they answer (same seeds as training's dev)
        fewer_names = sparse_addressing(frame, 0.8, 1000 + len(baseline_seen))
        baseline_seen.append(stem)
        sparse.add(predicted_lines(infer_reply_links(fewer_names)), gold)
    print(f"IRC disentanglement, {split} split: {len(frames)} samples, {model.predicted} annotated lines, "
          f"{model.gold} gold links")
    print(f"{'':24}{'P':>6}{'R':>6}{'F1':>6}")
    for name, counts in (("previous message", baseline), ("grouplens reply model", model),
                         ("  80% of nicks removed", sparse)):
        p, r, f = counts.prf()
        print(f"{name:24}{p:6.1f}{r:6.1f}{f:6.1f}")
    print("published (test split):")
    for name, (p, r, f) in PUBLISHED.items():
        print(f"  {name:22}{p:6.1f}{r:6.1f}{f:6.1f}")
    print(f"throughput, per sample: {messages / seconds:,.0f} messages/s ({messages} messages in {seconds:.2f}s)")
    n, runs = throughput(list(frames.values()))
    print(f"throughput, one conversation of {n:,} messages: {n / np.median(runs):,.0f} messages/s "
          f"(median of {len(runs)} runs: {', '.join(f'{r:.2f}s' for r in runs)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the corpus folder (holding train/ and dev/)")
    parser.add_argument("--split", default="dev", help="which split to score (never the held-out test split)")
    args = parser.parse_args()
    evaluate(args.data, args.split)


if __name__ == "__main__":
    main()
