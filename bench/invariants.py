"""Report invariants and order of import over many simulated groups (tests/ run a small share).

For each seed (drawn from ``--seed``; the scenario too) a group is simulated and imported; every
report kind's JSON and the weekly review of every week are checked against the rules of
tests/invariants.py (shares within [0, 1], counts that add up). With ``--orders`` the export is
also cut into overlapping pieces, imported backwards and shuffled (one piece twice), and the
stores, ``roles`` and every weekly review must equal those of the whole export. Usage:

    python bench/invariants.py                       # 5 groups
    python bench/invariants.py --groups 20 --seed 9 --orders
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from invariants import all_reports, violations
from test_import_order import assert_same_analyses, assert_same_stores, pieces_in_orders

from grouplens.report import build_report
from grouplens.simulate import SCENARIOS, SimParams, simulate_group, write_simulation
from grouplens.store.ingest import import_paths
from grouplens.store.store import open_store


def weeks_of(store) -> list[str]:
    local = store.messages(columns=["ts"])["ts"].dt.tz_convert("Asia/Shanghai").dt.isocalendar()
    return sorted({f"{y}-W{w:02d}" for y, w in zip(local["year"], local["week"])})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--groups", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--members", type=int, default=120)
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--orders", action="store_true", help="also import each group in pieces in other orders")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failed = 0
    for _ in range(args.groups):
        seed = rng.randrange(1_000_000)
        scenario = rng.choice(SCENARIOS)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            group = simulate_group(members=args.members, weeks=args.weeks, seed=seed,
                                   params=SimParams(scenario=scenario))
            written = write_simulation(Path(tmp) / "export", group)
            import_paths(Path(tmp) / "store", [written["txt"], written["members"]])
            store = open_store(Path(tmp) / "store")
            reports = all_reports(store, None)
            reports += [build_report(store, "weekly", None, week=w).to_dict() for w in weeks_of(store)]
            problems = [p for r in reports for p in violations(r)]
            if args.orders:
                reference, stores = pieces_in_orders(Path(tmp) / "orders", seed, members=args.members)
                for how, other in stores.items():
                    try:
                        assert_same_stores(reference, other, how)
                        assert_same_analyses(reference, other, how)
                    except AssertionError as e:
                        problems.append(f"order of import: {str(e).splitlines()[0]}")
        failed += bool(problems)
        print(f"seed {seed} ({scenario}): {len(reports)} reports, {len(problems)} problems, "
              f"{time.perf_counter() - started:.1f} s")
        for p in problems[:20]:
            print("   ", p)
    print(f"{args.groups - failed} of {args.groups} groups keep every rule")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
