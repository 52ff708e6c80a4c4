"""How fast `grouplens import` reads a classic QQ TXT export, against two references measured in
the same run on the same messages:

- the floor: pyarrow reading the same rows from a CSV (the least work to get them into Arrow);
- whatstk parsing the same messages as a WhatsApp export (a popular chat-export parser).

Each step runs in its own process, timed inside it (interpreter start-up excluded), and reports
its peak resident memory. Usage:

    python bench/import_speed.py                  # 1,000,000 messages
    python bench/import_speed.py --messages 200000 --skip-whatstk
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import synthesize, write_csv, write_qq_txt, write_whatsapp

CHILD = r"""
import json, resource, sys, time
what, path, extra = sys.argv[1], sys.argv[2], sys.argv[3]
if what == "pyarrow":
    import pyarrow.csv as pacsv
    opts = pacsv.ParseOptions(newlines_in_values=True)  # some messages span lines
    t = time.perf_counter(); table = pacsv.read_csv(path, parse_options=opts); rows = table.num_rows
elif what == "grouplens":
    from grouplens import import_paths
    t = time.perf_counter(); report = import_paths(extra, [path]); rows = report.totals()["added"]
    assert report.ok, report.to_dict()
elif what == "whatstk":
    from whatstk import df_from_whatsapp
    t = time.perf_counter(); df = df_from_whatsapp(path, hformat="[%Y-%m-%d, %H:%M:%S] %name:", max_size=None)
    rows = len(df)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(what: str, path: Path, extra: str = "-") -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, what, str(path), extra], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{what} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(what: str, path: Path, repeat: int, fresh_store: Path | None = None) -> dict:
    results = []
    for _ in range(repeat):
        extra = "-"
        if fresh_store is not None:
            shutil.rmtree(fresh_store, ignore_errors=True)
            extra = str(fresh_store)
        results.append(run(what, path, extra))
    return min(results, key=lambda r: r["seconds"]) | {"peak_mb": max(r["peak_mb"] for r in results)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-whatstk", action="store_true", help="whatstk takes minutes on 1M messages")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grouplens-bench-"))
    try:
        s = synthesize(args.messages)
        write_qq_txt(s, work / "qq.txt")
        write_csv(s, work / "same.csv")
        if not args.skip_whatstk:
            write_whatsapp(s, work / "whatsapp.txt")
        size = (work / "qq.txt").stat().st_size / 1e6
        print(f"{args.messages:,} messages; QQ TXT {size:.0f} MB")
        floor = best("pyarrow", work / "same.csv", args.repeat + 1)
        ours = best("grouplens", work / "qq.txt", args.repeat, fresh_store=work / "store")
        assert ours["rows"] == args.messages, ours
        print(f"pyarrow CSV read (floor): {floor['seconds']:.2f} s, peak {floor['peak_mb']:.0f} MB")
        print(f"grouplens import:         {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB, "
              f"{args.messages / ours['seconds']:,.0f} messages/s")
        print(f"ratio to the floor:       {ours['seconds'] / floor['seconds']:.1f}x  (aim <= 5x)")
        print(f"peak memory:              {ours['peak_mb'] / 1024:.2f} GB  (aim <= 1.5 GB)")
        if not args.skip_whatstk:
            wk = best("whatstk", work / "whatsapp.txt", 1)
            print(f"whatstk parse:            {wk['seconds']:.2f} s, peak {wk['peak_mb']:.0f} MB")
            print(f"grouplens vs whatstk:     {wk['seconds'] / ours['seconds']:.1f}x faster  (aim >= 3x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
