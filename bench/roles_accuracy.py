"""How well ``grouplens roles`` finds the true roles and tags of simulated groups.

Each case simulates a group (``grouplens.simulate``), imports its QQ TXT export and member list
into a temporary store through ``grouplens.import_paths``, runs ``group_roles`` and compares
with ``truth.json``: macro-F1 of the four roles (target >= 0.9), F1 of each tag (target >= 0.85)
and the confusion matrix. Members are matched by QQ number, or by name for members the export
knows only from a notice.

This is family A alone. The shipped ``[roles]`` thresholds are tuned on an independent family and
measured across families by ``bench/roles_families.py`` (issue 15); family A's truth tags some
KOLs that others do not take up more than anyone else, so its KOL F1 here stays below target.

    python bench/roles_accuracy.py                 # the report seeds
    python bench/roles_accuracy.py --set tune      # the seeds used for tuning
    python bench/roles_accuracy.py --scale         # also time a 500-member, ~1M-message group
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.roles import ROLES, TAGS, group_roles
from grouplens.simulate import SimParams, simulate_group, write_simulation

# (members, weeks, scenario, activity): group sizes 150-500, 4-12 weeks, every scenario.
SETTINGS = (
    (150, 4, "healthy", 1.0),
    (300, 8, "declining", 1.0),
    (500, 12, "ad-takeover", 1.0),
    (250, 6, "healthy", 2.0),
    (400, 10, "declining", 0.6),
    (200, 12, "healthy", 1.0),
)
TUNE_SEEDS = (1, 2, 3, 4, 5)
# Never looked at while tuning. Earlier report seeds (101-103, then 301-303) were retired after
# their figures prompted another round of tuning on the tune seeds.
REPORT_SEEDS = (401, 402, 403)


def run_case(members: int, weeks: int, scenario: str, activity: float, seed: int, work: Path
             ) -> tuple[list[tuple[dict, dict | None]], float, int]:
    """(truth member, predicted row) pairs for one simulated group, the roles runtime, messages."""
    group = simulate_group(members, weeks, seed, SimParams(scenario=scenario, activity=activity))
    out = work / f"sim-{members}-{weeks}-{scenario}-{activity}-{seed}"
    paths = write_simulation(out, group)
    store = out / "store"
    import_paths(store, [paths["txt"], paths["members"]])
    started = time.perf_counter()
    result = group_roles(open_store(store))
    elapsed = time.perf_counter() - started
    by_id = {row[S.MEMBER_ID]: row for row in result.to_dict("records")}
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    pairs = []
    for m in truth["members"]:
        row = by_id.get(m[S.MEMBER_ID])
        if row is None:  # known only by name from a join/leave notice
            row = next((by_id[S.name_based_id(n)] for n in reversed(m["names"]) if S.name_based_id(n) in by_id), None)
        pairs.append((m, row))
    return pairs, elapsed, len(group.messages)


def f1(tp: int, fp: int, fn: int) -> float:
    """F1; NaN when there was nothing to find and nothing was found (a tag no member has)."""
    if tp + fp + fn == 0:
        return float("nan")
    return 2 * tp / (2 * tp + fp + fn)


def fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def score(pairs: list[tuple[dict, dict | None]]) -> dict:
    confusion: Counter = Counter()
    tag_counts = {t: Counter() for t in TAGS}
    for m, row in pairs:
        predicted = row["role"] if row else "missing"
        confusion[(m["role"], predicted)] += 1
        true_tags, got = set(m["tags"]), set(row["tags"]) if row else set()
        for t in TAGS:
            tag_counts[t]["tp"] += t in true_tags and t in got
            tag_counts[t]["fp"] += t not in true_tags and t in got
            tag_counts[t]["fn"] += t in true_tags and t not in got
    role_f1 = {}
    for r in ROLES:
        tp = confusion[(r, r)]
        fp = sum(v for (t, p), v in confusion.items() if p == r and t != r)
        fn = sum(v for (t, p), v in confusion.items() if t == r and p != r)
        role_f1[r] = f1(tp, fp, fn)
    return {"macro_f1": sum(role_f1.values()) / len(ROLES), "role_f1": role_f1,
            "tag_f1": {t: f1(c["tp"], c["fp"], c["fn"]) for t, c in tag_counts.items()},
            "tag_support": {t: c["tp"] + c["fn"] for t, c in tag_counts.items()}, "confusion": confusion}


def print_scores(title: str, s: dict) -> None:
    print(f"\n== {title}: macro-F1 of roles {s['macro_f1']:.3f}")
    print("   role F1: " + ", ".join(f"{r} {v:.3f}" for r, v in s["role_f1"].items()))
    print("   tag F1:  " + ", ".join(f"{t} {v:.3f} (n={s['tag_support'][t]})" for t, v in s["tag_f1"].items()))
    predicted = list(ROLES) + (["missing"] if any(p == "missing" for _, p in s["confusion"]) else [])
    print("   confusion (rows: truth, columns: predicted)")
    print("   " + " " * 10 + "".join(f"{p:>10}" for p in predicted))
    for t in ROLES:
        print("   " + f"{t:<10}" + "".join(f"{s['confusion'][(t, p)]:>10}" for p in predicted))


def scale_run(work: Path) -> None:
    """Time roles on a 500-member group over 52 weeks with ~1M messages."""
    t0 = time.perf_counter()
    group = simulate_group(500, 52, 7, SimParams(activity=42))  # about a million messages
    paths = write_simulation(work / "scale", group)
    t1 = time.perf_counter()
    import_paths(work / "scale" / "store", [paths["txt"], paths["members"]])
    t2 = time.perf_counter()
    result = group_roles(open_store(work / "scale" / "store"))
    t3 = time.perf_counter()
    print(f"\n== scale: {len(group.messages):,} messages, {len(result)} members; simulate+write {t1 - t0:.1f}s, "
          f"import {t2 - t1:.1f}s, roles {t3 - t2:.1f}s")
    pairs = []
    by_id = {row[S.MEMBER_ID]: row for row in result.to_dict("records")}
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    for m in truth["members"]:
        row = by_id.get(m[S.MEMBER_ID]) or next(
            (by_id[S.name_based_id(n)] for n in reversed(m["names"]) if S.name_based_id(n) in by_id), None)
        pairs.append((m, row))
    print_scores("scale group", score(pairs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("report", "tune"), default="report")
    parser.add_argument("--scale", action="store_true", help="also time a ~1M-message group")
    parser.add_argument("--quick", action="store_true", help="only the first three settings")
    args = parser.parse_args(argv)
    seeds = REPORT_SEEDS if args.set == "report" else TUNE_SEEDS
    settings = SETTINGS[:3] if args.quick else SETTINGS
    all_pairs = []
    with tempfile.TemporaryDirectory(prefix="grouplens-roles-bench-") as tmp:
        work = Path(tmp)
        for seed in seeds:
            for members, weeks, scenario, activity in settings:
                pairs, elapsed, n = run_case(members, weeks, scenario, activity, seed, work)
                s = score(pairs)
                print(f"seed {seed:>3} {members:>3} members {weeks:>2} weeks {scenario:<11} activity {activity:<4} "
                      f"{n:>7,} messages: macro-F1 {s['macro_f1']:.3f}  "
                      + " ".join(f"{t} {fmt(v)}" for t, v in s["tag_f1"].items()) + f"  ({elapsed:.1f}s)")
                sys.stdout.flush()
                all_pairs += pairs
        total = score(all_pairs)
        print_scores(f"all {args.set} cases", total)
        ok = total["macro_f1"] >= 0.9 and all(v >= 0.85 for v in total["tag_f1"].values())
        print(f"\ntargets (macro-F1 >= 0.9, every tag F1 >= 0.85): {'met' if ok else 'NOT met'}")
        if args.scale:
            scale_run(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
