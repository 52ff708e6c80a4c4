"""Message classes over whole columns vs the per-row Python path they replaced, same run.

Simulates a group of about 200k messages (``grouplens.simulate``, 500 members, 53 weeks,
activity 8.5: the pipeline row of ``bench/speed.py``), gives the messages every kind in turn,
and times, alternating and taking medians of ``--repeat`` runs:

- rules: every built-in rule's ``ClassRule.match`` (RE2 candidates, ``re`` on those) vs the
  per-row reference kept in ``tests/test_classes_vectorised.py``, on the same ``own_words``;
- classify: the whole ``classify_messages`` (``own_words``, the rules, operator templates) vs
  the same with the reference rules.

Both give the same classes (checked here too); the ratios are new / old (target ≤ ×0.5 for the
rules).

    python bench/classes_speed.py [--members 500 --weeks 53 --activity 8.5 --repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_classes_vectorised import old_classify, old_match  # noqa: E402  (the reference)

from grouplens import schema  # noqa: E402
from grouplens.simulate import SimParams, simulate_group  # noqa: E402
from grouplens.text.classes import BUILTIN_RULES, _kinds, classify_messages, own_words  # noqa: E402
from grouplens.text.prefilter import arrow_texts  # noqa: E402


def simulated_messages(members: int, weeks: int, activity: float, seed: int) -> pd.DataFrame:
    sim = simulate_group(members, weeks, seed, SimParams(activity=activity, start=date(2024, 1, 1)))
    texts = list(sim.messages.text)
    kinds = ["text"] * 8 + ["link", "card", "forward", "image"]
    return pd.DataFrame({
        schema.GROUP_ID: "sim",
        schema.TS: pd.to_datetime(list(sim.messages.ts), unit="s", utc=True),
        schema.KIND: [kinds[i % len(kinds)] for i in range(len(texts))],
        schema.TEXT: texts,
    })


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=500)
    ap.add_argument("--weeks", type=int, default=53)
    ap.add_argument("--activity", type=float, default=8.5)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    messages = simulated_messages(args.members, args.weeks, args.activity, args.seed)
    print(f"{len(messages):,} simulated messages", file=sys.stderr)
    texts = own_words(messages[schema.TEXT])
    kinds = _kinds(messages)

    def new_rules() -> pd.DataFrame:
        column = arrow_texts(texts)
        return pd.DataFrame({n: r.match(texts, kinds, column) for n, r in BUILTIN_RULES.items()})

    def old_rules() -> pd.DataFrame:
        return pd.DataFrame({n: old_match(r, texts, kinds) for n, r in BUILTIN_RULES.items()})

    rows = []
    for what, new, old in (("rules", new_rules, old_rules),
                           ("classify", lambda: classify_messages(messages), lambda: old_classify(messages))):
        new_t, old_t = [], []
        for _ in range(args.repeat):
            t, a = timed(new)
            new_t.append(t)
            t, b = timed(old)
            old_t.append(t)
            pd.testing.assert_frame_equal(a, b)  # the same classes, or no figure
        n, o = statistics.median(new_t), statistics.median(old_t)
        rows.append((what, n, o))
    print(f"{'step':<10} {'new s':>7} {'old s':>7} {'new/old':>8}")
    for what, n, o in rows:
        print(f"{what:<10} {n:7.2f} {o:7.2f} {n / o:8.2f}")


if __name__ == "__main__":
    main()
