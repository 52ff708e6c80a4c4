"""Issue 10's table in one run: how fast grouplens is at every step, as ratios against a reference
measured in the same run, on CLI processes started the way a user starts them.

Every figure is wall-clock time of whole processes (interpreter start-up and imports included),
taken as the median of ``--repeat`` runs, the measured command and its reference alternating so
that a noisy, shared machine slows both alike. Nothing is timed inside a process.

| row | measured (A) | reference (B) | target |
|---|---|---|---|
| help | ``grouplens --help`` | ``python -c "import typer, rich"`` | A/B <= 3 |
| groups | ``grouplens groups`` on a small store | ``python -c "import pyarrow.parquet"`` | A/B <= 1.5 |
| import | ``grouplens import`` of a 1M-message QQ TXT into a new store | pyarrow reading the same rows from CSV | A/B <= 5 |
| whatstk | ``grouplens import`` of 200k messages | whatstk parsing them as a WhatsApp export | A/B <= 0.5 |
| pipeline | ``import`` + ``roles`` + ``report weekly`` of a year of a simulated group (~200k messages) | ``jieba.lcut`` of their texts | A/B <= 1.0 |
| roles again | ``roles`` a second time on an unchanged store | the first ``roles`` after the import | A/B <= 0.10 |
| next week | ``import`` of one more week + ``report weekly``, on a store holding a year that was reported before | ``import`` of the year and the week into a new store + ``report weekly`` | A/B <= 0.10 |
| memory | peak RSS of the process tree of ``grouplens import`` of a 2M-message QQ TXT | | <= 1.5 GB |

The import rows use bench/generate.py's synthetic messages (one conversation, random phrases:
right for parsers); the pipeline, roles and next-week rows use a group simulated with
``grouplens.simulate`` over 53 weeks (the year is its first 52). Generated files are kept in
bench/out/ and reused.

    python bench/speed.py                    # the issue's sizes (about half an hour on 2 cores)
    python bench/speed.py --quick            # a fifth of the sizes, a few minutes
    python bench/speed.py --rows import,memory --repeat 5
    python bench/speed.py --quick --compare-with main   # also check that this tree writes the store REF writes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import CACHE, ensure_synthetic, ensure_weeks

ROOT = Path(__file__).resolve().parents[1]
ROWS = ("help", "groups", "import", "whatstk", "pipeline", "roles-again", "next-week", "memory")


@dataclass(frozen=True)
class Sizes:
    import_messages: int  # the import row
    whatstk_messages: int  # the whatstk row
    members: int  # the simulated group of the pipeline, roles and next-week rows
    weeks: int
    activity: float
    memory_messages: int  # the memory row
    small_messages: int  # the store of the groups row


FULL = Sizes(1_000_000, 200_000, 500, 53, 8.5, 2_000_000, 2_000)
QUICK = Sizes(200_000, 40_000, 300, 27, 3.0, 400_000, 2_000)


@dataclass
class Row:
    name: str
    what: str
    target: float
    unit: str = "x"  # "x": a ratio A/B; "GB": an absolute figure
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    c: list[float] = field(default_factory=list)  # a third command, for a note
    value: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value <= self.target

    def figure(self) -> str:
        if self.value is None:
            return "-"
        return f"{self.value:.2f} GB" if self.unit == "GB" else f"x{self.value:.2f}"

    def seconds(self) -> str:
        if not self.a:
            return ""
        text = f"{statistics.median(self.a):.2f} s"
        return text + (f" vs {statistics.median(self.b):.2f} s" if self.b else "")


class Runner:
    """Runs commands as a user would: the venv's ``grouplens`` script, bytecode caches allowed."""

    def __init__(self, work: Path, verbose: bool):
        self.work = work
        self.verbose = verbose
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "GROUPLENS_STORE")}
        self.env.setdefault("COLUMNS", "100")
        script = Path(sys.executable).with_name("grouplens")
        self.grouplens = [str(script)] if script.exists() else [sys.executable, "-m", "grouplens.cli"]

    def gl(self, *args: str) -> list[str]:
        return [*self.grouplens, *args]

    def py(self, code: str, *args: str) -> list[str]:
        return [sys.executable, "-c", code, *args]

    def run(self, cmd: Sequence[str]) -> float:
        """Seconds the command took; a failure stops the benchmark with its stderr."""
        started = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=self.work)
        elapsed = time.perf_counter() - started
        if out.returncode != 0:
            raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr.decode(errors='replace')[-3000:]}")
        if self.verbose:
            print(f"    {elapsed:7.2f} s  {' '.join(Path(c).name if '/' in c else c for c in cmd)[:110]}",
                  file=sys.stderr)
        return elapsed

    def peak_rss(self, cmd: Sequence[str]) -> float:
        """Peak resident memory in bytes of the command's process tree (sampled every 20 ms, and
        the kernel's own maximum for the process)."""
        import psutil

        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=self.work)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            try:
                root = psutil.Process(proc.pid)
                while not done.is_set():
                    try:
                        tree = [root, *root.children(recursive=True)]
                        peak = max(peak, sum(p.memory_info().rss for p in tree))
                    except psutil.Error:
                        pass
                    time.sleep(0.02)
            except psutil.Error:
                pass

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        watcher.join()
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr.decode(errors='replace')[-3000:]}")
        return max(peak, usage.ru_maxrss * 1024)


def alternate(repeat: int, a: Callable[[], float], b: Callable[[], float], row: Row,
              c: Callable[[], float] | None = None) -> None:
    """Run A and B (and C, if given) ``repeat`` times each, alternating which goes first; the
    row's figure is the ratio of the medians of A and B; C's times go to ``row.c``."""
    for i in range(repeat):
        if i % 2 == 0:
            row.a.append(a())
            row.b.append(b())
        else:
            row.b.append(b())
            row.a.append(a())
        if c is not None:
            row.c.append(c())
    row.value = statistics.median(row.a) / statistics.median(row.b)


def _k(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1000:.0f}k"


def library_note(row: Row) -> None:
    """Note on ``row`` what the same import costs as a library call in a plain process (row.c):
    what the CLI's own start-up adds shows in the difference."""
    seconds = statistics.median(row.c)
    row.note = f"the same import as a library call (no CLI start-up): {seconds:.2f} s, " \
               f"x{seconds / statistics.median(row.b):.2f}"


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def copy_store(src: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


CSV_READ = ("import sys, pyarrow.csv as c; "
            "c.read_csv(sys.argv[1], parse_options=c.ParseOptions(newlines_in_values=True))")
WHATSTK_READ = ("import sys; from whatstk import df_from_whatsapp; "
                "df_from_whatsapp(sys.argv[1], hformat='[%Y-%m-%d, %H:%M:%S] %name:', max_size=None)")
LIBRARY_IMPORT = "import sys; from grouplens import import_paths; import_paths(sys.argv[1], sys.argv[2:])"
JIEBA_CUT = ("import json, sys, jieba; texts = json.load(open(sys.argv[1], encoding='utf-8')); "
             "[jieba.lcut(t) for t in texts]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="Rows: " + ", ".join(ROWS), formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (see QUICK in this file), a few minutes")
    ap.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run (default: all)")
    ap.add_argument("--repeat", type=int, help="runs of each command (default 5 for start-up rows, 3 for others)")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where generated exports are kept")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--compare-with", metavar="REF",
                    help="import the generated exports with the code of git REF too and check both stores are equal")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command and its time")
    args = ap.parse_args()
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = set(rows) - set(ROWS)
    if unknown:
        ap.error(f"unknown rows: {', '.join(sorted(unknown))} (rows: {', '.join(ROWS)})")
    sizes = QUICK if args.quick else FULL
    short, long = (args.repeat or 5), (args.repeat or 3)
    work = Path(tempfile.mkdtemp(prefix="grouplens-speed-"))
    r = Runner(work, args.verbose)
    results: list[Row] = []

    def step(title: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {title}", file=sys.stderr)

    try:
        r.run(r.gl("--version"))  # bytecode caches written once, outside any timing
        if "help" in rows:
            step("help")
            row = Row("help", "--help / import typer, rich", 3.0)
            alternate(short, lambda: r.run(r.gl("--help")), lambda: r.run(r.py("import typer, rich")), row)
            results.append(row)
        if "groups" in rows:
            step("groups")
            small = ensure_synthetic(sizes.small_messages, ("qq.txt",), args.cache)["qq.txt"]
            store = work / "small-store"
            r.run(r.gl("import", str(small), "--store", str(fresh(store))))
            row = Row("groups", "groups (small store) / import pyarrow.parquet", 1.5)
            alternate(short, lambda: r.run(r.gl("groups", "--store", str(store))),
                      lambda: r.run(r.py("import pyarrow.parquet")), row)
            results.append(row)
        # The two import rows: the CLI import of a QQ TXT (and the same import as a library call)
        # against a reference reading the same messages in another form.
        for name, n, label, target, (reference_file, reference_code) in (
                ("import", sizes.import_messages, "QQ TXT / pyarrow CSV read", 5.0, ("same.csv", CSV_READ)),
                ("whatstk", sizes.whatstk_messages, "/ whatstk parse", 0.5, ("whatsapp.txt", WHATSTK_READ))):
            if name not in rows:
                continue
            step(f"{name} ({n:,} messages)")
            files = ensure_synthetic(n, ("qq.txt", reference_file), args.cache)
            store = work / f"{name}-store"
            row = Row(name, f"import {_k(n)} {label}", target)
            qq, reference = str(files["qq.txt"]), r.py(reference_code, str(files[reference_file]))
            alternate(long, lambda qq=qq, store=store: r.run(r.gl("import", qq, "--store", str(fresh(store)))),
                      lambda reference=reference: r.run(reference), row,
                      lambda qq=qq, store=store: r.run(r.py(LIBRARY_IMPORT, str(fresh(store)), qq)))
            library_note(row)
            results.append(row)
        if {"pipeline", "roles-again", "next-week"} & set(rows):
            step(f"simulating {sizes.weeks} weeks of a {sizes.members}-member group (cached)")
            sim = ensure_weeks(sizes.members, sizes.weeks, sizes.activity, cache=args.cache)
            info = json.loads(sim["info"].read_text(encoding="utf-8"))
            year, week, members = str(sim["year"]), str(sim["week"]), str(sim["members"])

            def imported(store: Path, *paths: str) -> float:
                return r.run(r.gl("import", *paths, "--store", str(store)))

            pristine = work / "year-store"
            imported(fresh(pristine), year, members)
            if "pipeline" in rows:
                step(f"pipeline ({info['year']:,} messages)")
                store = work / "pipeline-store"

                def pipeline() -> float:
                    return (imported(fresh(store), year, members) + r.run(r.gl("roles", "--store", str(store)))
                            + r.run(r.gl("report", "weekly", "--store", str(store))))

                row = Row("pipeline", f"import+roles+report {_k(info['year'])} / jieba.lcut", 1.0)
                alternate(long, pipeline, lambda: r.run(r.py(JIEBA_CUT, str(sim["texts"]))), row)
                results.append(row)
            if "roles-again" in rows:
                step("roles again")
                row = Row("roles-again", "roles 2nd run / 1st run", 0.10)
                store = work / "roles-store"
                for _ in range(long):
                    copy_store(pristine, store)
                    row.b.append(r.run(r.gl("roles", "--store", str(store))))
                    row.a.append(r.run(r.gl("roles", "--store", str(store))))
                row.value = statistics.median(row.a) / statistics.median(row.b)
                results.append(row)
            if "next-week" in rows:
                step("next week")
                row = Row("next-week", f"week {_k(info['week'])}: import+report / full", 0.10)
                store = work / "week-store"
                parts_a: list[tuple[float, float]] = []
                parts_b: list[tuple[float, float]] = []

                def incremental() -> float:
                    copy_store(pristine, store)
                    r.run(r.gl("report", "weekly", "--store", str(store)))  # last week's review, before the import
                    parts_a.append((imported(store, week), r.run(r.gl("report", "weekly", "--store", str(store)))))
                    return sum(parts_a[-1])

                def full() -> float:
                    parts_b.append((imported(fresh(store), year, members, week),
                                    r.run(r.gl("report", "weekly", "--store", str(store)))))
                    return sum(parts_b[-1])

                alternate(long, incremental, full, row)
                med = lambda parts, i: statistics.median(p[i] for p in parts)
                row.note = (f"import {med(parts_a, 0):.2f} s + report {med(parts_a, 1):.2f} s vs "
                            f"import {med(parts_b, 0):.2f} s + report {med(parts_b, 1):.2f} s")
                results.append(row)
        if "memory" in rows:
            n = sizes.memory_messages
            step(f"memory ({n:,} messages)")
            qq = ensure_synthetic(n, ("qq.txt",), args.cache)["qq.txt"]
            store = work / "memory-store"
            row = Row("memory", f"peak RSS, import {_k(n)} QQ TXT", 1.5, "GB")
            peaks = [r.peak_rss(r.gl("import", str(qq), "--store", str(fresh(store)))) for _ in range(min(long, 2))]
            row.value = max(peaks) / 2**30
            results.append(row)
        if args.compare_with:
            step(f"comparing the stores this tree and {args.compare_with} write")
            compare_with(args.compare_with, sizes, args.cache, work, r)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results, sizes, args.quick)
    if args.json:
        args.json.write_text(json.dumps([{"row": x.name, "what": x.what, "figure": x.value, "unit": x.unit,
                                          "target": x.target, "met": x.met, "a_seconds": x.a, "b_seconds": x.b, "c_seconds": x.c,
                                          "note": x.note} for x in results], indent=1), encoding="utf-8")


def print_table(results: list[Row], sizes: Sizes, quick: bool) -> None:
    print(f"\ngrouplens speed ({'quick' if quick else 'full'} sizes; {os.cpu_count()} cores; medians of alternating "
          "runs of whole processes)\n")
    width = max(len(x.what) for x in results) if results else 10
    print(f"{'what (A / B)':<{width}}  {'seconds (A vs B)':>18}  {'figure':>8}  {'target':>8}  result")
    for x in results:
        target = f"<= {x.target:g} GB" if x.unit == "GB" else f"<= x{x.target:g}"
        result = "-" if x.met is None else ("met" if x.met else "MISSED")
        print(f"{x.what:<{width}}  {x.seconds():>18}  {x.figure():>8}  {target:>8}  {result}")
        if x.note:
            print(f"{'':<{width}}    ({x.note})")


# --- the store this tree writes is the store REF writes ------------------------------------------

REF_IMPORT = ("import sys; sys.path.insert(0, sys.argv[1]); from grouplens import import_paths; "
              "assert import_paths.__module__ and sys.modules['grouplens'].__file__.startswith(sys.argv[1]); "
              "report = import_paths(sys.argv[2], sys.argv[3:]); assert report.ok, report.to_dict()")


def compare_with(ref: str, sizes: Sizes, cache: Path, work: Path, r: Runner) -> None:
    """Import the same exports with this tree's CLI and with REF's library; the stores must hold
    the same messages (every column but import_id), members and groups."""
    src = work / "ref-src"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "grouplens"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    sim = ensure_weeks(sizes.members, sizes.weeks, sizes.activity, cache=cache)
    coarse = ensure_synthetic(sizes.whatstk_messages, ("qq-coarse.txt",), cache)["qq-coarse.txt"]
    cases = {  # each: the batches of files imported one after the other
        "synthetic": [[str(ensure_synthetic(sizes.import_messages, ("qq.txt",), cache)["qq.txt"])]],
        "synthetic by the minute, double posts, imported twice": [[str(coarse)], [str(coarse)]],
        "simulated, year then week": [[str(sim["year"]), str(sim["members"])], [str(sim["week"])]],
    }
    for name, batches in cases.items():
        ours, theirs = work / "ours", work / "theirs"
        for batch in batches:
            r.run(r.gl("import", *batch, "--store", str(ours)))
            r.run(r.py(REF_IMPORT, str(src), str(theirs), *batch))
        differences = store_differences(ours, theirs)
        print(f"  {name}: " + ("the stores are equal" if not differences else "DIFFERENT: " + "; ".join(differences)),
              file=sys.stderr)
        if differences:
            raise SystemExit(f"this tree and {ref} write different stores for the {name} exports")
        shutil.rmtree(ours)
        shutil.rmtree(theirs)


def store_differences(a: Path, b: Path) -> list[str]:
    """How two stores' contents differ (import ids, file names and times aside)."""
    import pyarrow.compute as pc

    from grouplens import open_store
    from grouplens import schema as S

    sa, sb = open_store(a), open_store(b)
    out = []
    ga, gb = sa.groups_table(), sb.groups_table()
    if not ga.sort_by(S.GROUP_ID).equals(gb.sort_by(S.GROUP_ID)):
        out.append("groups tables differ")
    for gid in ga.column(S.GROUP_ID).to_pylist():
        cols = [c for c in S.FILE_SCHEMA.names if c != S.IMPORT_ID]
        ma, mb = (s.message_table(gid, cols) for s in (sa, sb))
        ma, mb = (t.take(pc.sort_indices(t, [(S.TS, "ascending"), (S.MSG_ID, "ascending")])) for t in (ma, mb))
        if ma.num_rows != mb.num_rows:
            out.append(f"{gid}: {ma.num_rows} vs {mb.num_rows} messages")
        else:
            out += [f"{gid}: column {c} differs" for c in cols if not ma.column(c).equals(mb.column(c))]
        members = [s.members(gid).sort_values(S.MEMBER_ID, ignore_index=True) for s in (sa, sb)]
        if not members[0].equals(members[1]):  # the same members, whatever their order
            out.append(f"{gid}: members differ")
    return out


if __name__ == "__main__":
    main()
