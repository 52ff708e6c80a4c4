"""How well ``grouplens report lifecycle`` finds the true stage of each week of simulated groups.

Each case simulates a group (``grouplens.simulate``) through one lifecycle scenario (healthy,
declining, ad-takeover), imports its QQ TXT export and member list into a temporary store
through ``grouplens.import_paths``, builds the lifecycle report for all its days and compares
every ISO week's stage with ``truth.json``. A simulated week starts on the group's first day;
an ISO week's true stage is that of the simulated week holding its Thursday. With ``--aligned``
(the default) groups start on a Monday, so ISO weeks and simulated weeks coincide; ``--unaligned``
lets the seed choose the first day, and weeks straddling a change of stage become ambiguous.

The thresholds in ``[lifecycle]`` were tuned on seeds 1-10; the figures to report are those of
the REPORT seeds (11-30), which tuning never looked at.

    python bench/lifecycle_accuracy.py                # the report seeds, Monday starts
    python bench/lifecycle_accuracy.py --unaligned    # start days drawn by the seed
    python bench/lifecycle_accuracy.py --set tune     # the seeds used for tuning
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from grouplens import import_paths, open_store
from grouplens.report import build_report
from grouplens.report.lifecycle import STAGES
from grouplens.simulate import SimParams, simulate_group, write_simulation

# (scenario, weeks): long enough for every stage of the scenario to last a week or more.
SCENARIOS = (("healthy", 12), ("declining", 16), ("ad-takeover", 20))
MEMBERS = 300
TUNE_SEEDS = tuple(range(1, 11))
REPORT_SEEDS = tuple(range(11, 31))


def run_case(scenario: str, weeks: int, seed: int, aligned: bool, work: Path) -> list[tuple[str, str | None, int]]:
    """(true stage, found stage, simulated week) for every ISO week of one simulated group."""
    start = date(2023, 1, 2) + timedelta(weeks=seed) if aligned else None  # 2023-01-02 is a Monday
    group = simulate_group(MEMBERS, weeks, seed, SimParams(scenario=scenario, start=start))
    paths = write_simulation(work / f"{scenario}-{seed}", group)
    store = work / f"{scenario}-{seed}" / "store"
    import_paths(store, [paths["txt"], paths["members"]])
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    first = date.fromisoformat(truth["group"]["start"][:10])
    report = build_report(open_store(store), "lifecycle", since=first.isoformat(),
                          until=(first + timedelta(weeks=weeks, days=-1)).isoformat())
    out = []
    for week in report.data["weekly"]:
        thursday = date.fromisoformat(week["start"]) + timedelta(days=3)
        sim_week = (thursday - first).days // 7
        if 0 <= sim_week < len(truth["stages"]):
            out.append((truth["stages"][sim_week]["stage"], week["stage"], sim_week))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("report", "tune"), default="report")
    parser.add_argument("--unaligned", action="store_true", help="let each seed choose the group's first day")
    args = parser.parse_args()
    seeds = REPORT_SEEDS if args.set == "report" else TUNE_SEEDS
    results: dict[str, list[tuple[str, str | None, int]]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for scenario, weeks in SCENARIOS:
            rows: list[tuple[str, str | None, int]] = []
            for seed in seeds:
                print(f"  {scenario} seed {seed}", file=sys.stderr, end="\r")
                rows += run_case(scenario, weeks, seed, not args.unaligned, Path(tmp))
            results[scenario] = rows
    elapsed = time.perf_counter() - started
    everything = [r for rows in results.values() for r in rows]
    print(f"lifecycle stage accuracy per week: {len(seeds)} seeds x {len(SCENARIOS)} scenarios, {MEMBERS} members, "
          f"{'unaligned' if args.unaligned else 'Monday'} starts, {args.set} seeds ({elapsed:.0f} s)")
    print(f"\n{'scenario':<14}{'weeks':>7}{'accuracy':>10}")
    for scenario, rows in results.items():
        print(f"{scenario:<14}{len(rows):>7}{_accuracy(rows):>10.1%}")
    print(f"{'all':<14}{len(everything):>7}{_accuracy(everything):>10.1%}")
    print("\nper true stage: recall (weeks)  precision")
    found = Counter(got for _, got, _ in everything)
    for stage in STAGES:
        truth_rows = [r for r in everything if r[0] == stage]
        hits = sum(1 for t, g, _ in truth_rows if g == t)
        precision = hits / found[stage] if found[stage] else float("nan")
        print(f"  {stage:<13}{hits / len(truth_rows) if truth_rows else float('nan'):>7.1%} ({len(truth_rows):>3})"
              f"  {precision:>8.1%}")
    for scenario, rows in results.items():
        by_week: dict[int, list[bool]] = {}
        for t, g, w in rows:
            by_week.setdefault(w, []).append(t == g)
        line = " ".join(f"{sum(v) / len(v):.0%}" for _, v in sorted(by_week.items()))
        print(f"\n{scenario}: accuracy by simulated week\n  {line}")
    print("\nconfusion (rows: true, columns: found)")
    print(" " * 14 + "".join(f"{s[:9]:>10}" for s in STAGES))
    pairs = Counter((t, g) for t, g, _ in everything)
    for t in STAGES:
        print(f"{t:<14}" + "".join(f"{pairs[(t, g)]:>10}" for g in STAGES))


def _accuracy(rows: list[tuple[str, str | None, int]]) -> float:
    return sum(1 for t, g, _ in rows if t == g) / len(rows) if rows else float("nan")


if __name__ == "__main__":
    main()
