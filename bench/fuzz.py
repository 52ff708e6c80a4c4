"""Long fuzzing runs of the importers and the import command (tests/test_fuzz.py runs a small,
fixed share in CI). Uses the strategies of tests/fuzzing.py: valid exports generated from drawn
messages and the sample export of every layout, damaged in the ways real files get damaged.

Each case is read twice (same rows, or a grouplens error naming the file both times); a share
of the cases goes through ``grouplens import`` twice (no traceback or internal error; the second
import adds nothing). Failures are counted by kind and the first bytes of each kind are kept in
``--out`` to reproduce them. Usage:

    python bench/fuzz.py                         # 2,000 cases, 10% through the command line
    python bench/fuzz.py --cases 50000 --cli-share 0.05 --seed 7 --out bench/out/fuzz
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import (
    check_import,
    check_parse,
    generated_exports,
    mutated,
    sample_exports,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--cli-share", type=float, default=0.1, help="share of cases also imported with the CLI")
    ap.add_argument("--seed", type=int, default=None, help="a seed for a reproducible run")
    ap.add_argument("--out", type=Path, default=Path("bench/out/fuzz"), help="where failing inputs are kept")
    args = ap.parse_args()

    outcomes: collections.Counter[str] = collections.Counter()
    failures: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix="grouplens-fuzz-"))
    started = time.monotonic()
    count = {"n": 0}
    cases = st.one_of(mutated(sample_exports()), mutated(generated_exports()),
                      generated_exports().map(lambda e: (e, [])))

    @settings(max_examples=args.cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(cases)
    def run(case) -> None:
        export, ops = case
        count["n"] += 1
        folder = work / f"case{count['n']}"
        through_cli = (count["n"] * 0.6180339887) % 1 < args.cli_share  # an even spread of the share
        checks = [("parse", check_parse)] + ([("cli", check_import)] if through_cli else [])
        for what, check in checks:
            try:
                outcomes[f"{what}: {check(export, folder)}"] += 1
            except BaseException as e:  # a finding: keep it, go on
                frames = traceback.extract_tb(e.__traceback__)
                where = next((f"{f.filename.rsplit('grouplens/', 1)[-1]}:{f.lineno}" for f in reversed(frames)
                              if "/grouplens/" in f.filename), "?")
                kind = f"{what}: {e.__class__.__name__} at {where}"
                outcomes[kind] += 1
                if kind not in failures:
                    keep = args.out / f"failure{len(failures) + 1}"
                    export.write(keep)
                    failures[kind] = {"export": export.name, "mutations": ops, "kept_in": str(keep),
                                      "message": str(e)[:300]}
        if count["n"] % 500 == 0:
            print(f"{count['n']} cases, {time.monotonic() - started:.0f} s", file=sys.stderr)

    if args.seed is not None:
        run = seed(args.seed)(run)
    run()
    print(json.dumps({"cases": count["n"], "seconds": round(time.monotonic() - started, 1),
                      "outcomes": dict(outcomes.most_common()), "failures": failures},
                     ensure_ascii=False, indent=2))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
