"""A company's portfolio of groups: the work on every group with 1 local job, with all cores and
on a 2-worker dask LocalCluster (ratios in the same run), each worker's peak memory, and the
weekly increment (one new week imported into the store, then ``report --all``).

Every step is a ``grouplens`` CLI process, as a user runs it. The groups are synthetic QQ TXT
exports (bench/generate.py's phrases), many groups per file: group sizes vary (a few big groups,
many small ones), a year of messages each, plus one more week for the increment. The three
engines' outputs are compared byte for byte (the generated time aside). Usage::

    python bench/portfolio.py                                  # 1,000 groups, 5,000,000 messages
    python bench/portfolio.py --groups 200 --messages 500000   # a quicker run
    python bench/portfolio.py --work roles                     # roles --all instead of report --all

Memory is sampled every 0.1 s from the process tree for local runs (the CLI process and its
worker processes); dask workers report their own peak (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import GIVEN, PHRASES, SURNAMES

SEP = "=" * 64
START = datetime(2024, 1, 1, 8, 0, 0)  # a Monday: the year is weeks 1-52 of 2024, the increment week 53
YEAR_SECONDS = 52 * 7 * 86400
WEEK_SECONDS = 7 * 86400


def group_sizes(groups: int, messages: int, rng: np.random.Generator) -> np.ndarray:
    """Messages per group: log-normal (a few big groups, many small ones), summing to ``messages``."""
    raw = rng.lognormal(mean=0.0, sigma=1.0, size=groups)
    sizes = np.maximum(50, np.floor(raw / raw.sum() * messages)).astype(np.int64)
    sizes[np.argmax(sizes)] += messages - sizes.sum()
    return sizes


def write_exports(folder: Path, groups: int, messages: int, seed: int, *, week: bool = False,
                  per_file: int = 50) -> int:
    """QQ TXT files of ``per_file`` groups each: a year of messages, or (``week``) the week after
    it with a 52nd of each group's volume. Returns how many messages were written."""
    rng = np.random.default_rng(seed + (1 if week else 0))
    sizes = group_sizes(groups, messages, np.random.default_rng(seed))
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for first in range(0, groups, per_file):
        parts = ["\ufeff消息记录（此消息记录为文本格式，不支持重新导入）", ""]
        for g in range(first, min(first + per_file, groups)):
            n = max(5, int(sizes[g] / 52)) if week else int(sizes[g])
            members = int(np.clip(n // 10, 20, 2000))
            offset = YEAR_SECONDS if week else 0
            span = WEEK_SECONDS if week else YEAR_SECONDS
            ts = np.sort(rng.integers(0, span, size=n)) + offset
            weights = 1.0 / np.arange(1, members + 1) ** 0.9
            sender = rng.choice(members, size=n, p=weights / weights.sum())
            phrase = rng.integers(0, len(PHRASES), size=n)
            num = rng.integers(1, 100, size=n)
            parts += [SEP, "消息分组:我的群聊", SEP, f"消息对象:组合群{g:04d}", SEP, ""]
            for t, who, p, k in zip(ts.tolist(), sender.tolist(), phrase.tolist(), num.tolist()):
                when = START + timedelta(seconds=t)
                name = f"{SURNAMES[who % len(SURNAMES)]}{GIVEN[(who * 7) % len(GIVEN)]}{who}"
                parts.append(f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {name}({100000000 + g * 10000 + who})")
                parts.append(PHRASES[p].format(n=k, name=f"成员{(who + k) % members}"))
                parts.append("")
            written += n
        (folder / f"groups-{first:04d}.txt").write_bytes("\r\n".join(parts).encode("utf-8"))
    return written


class Sampler:
    """Peak resident memory of a process and its children, sampled from a thread."""

    def __init__(self, pid: int, every: float = 0.1):
        import psutil
        self.root = psutil.Process(pid)
        self.peaks: dict[int, int] = {}
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        import psutil
        while not self.stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[p.pid] = max(self.peaks.get(p.pid, 0), rss)
            self.stop.wait(self.every)

    def finish(self) -> dict[int, int]:
        self.stop.set()
        self.thread.join()
        return self.peaks


def grouplens(*args: str, output: Path | None = None) -> dict:
    """Run one grouplens command; its time, the peak memory of its main process and of its
    busiest worker process (sampled)."""
    command = [sys.executable, "-m", "grouplens", *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE if output is None else output.open("wb"),
                            stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    peaks = sampler.finish()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{err.decode('utf-8', 'replace')[-2000:]}")
    main = peaks.pop(proc.pid, 0)
    return {"seconds": seconds, "main_mb": main / 2**20, "worker_mb": max(peaks.values(), default=0) / 2**20,
            "workers": len(peaks)}


def _warm_up() -> None:
    import importlib
    for module in ("grouplens.every_group", "grouplens.report.portfolio"):  # the analysis stack
        importlib.import_module(module)


def pinned(path: Path) -> str:
    return re.sub(r'"generated_at": "[^"]*"', '"generated_at": "-"', path.read_text("utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--messages", type=int, default=5_000_000)
    ap.add_argument("--work", choices=("report", "roles"), default="report",
                    help="report --all (the groups overview) or roles --all")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=None, help="keep the exports and the store here")
    args = ap.parse_args()
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="grouplens-portfolio-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    results: dict = {"groups": args.groups, "cores": cores, "work": args.work}
    try:
        t = time.perf_counter()
        year = work / "year"
        if not year.exists():
            results["messages"] = write_exports(year, args.groups, args.messages, args.seed)
        results["generate_seconds"] = time.perf_counter() - t
        if not store.exists():
            results["import"] = grouplens("import", str(year), "--store", str(store), "--json",
                                          output=work / "import.json")
        command = ["report", "--all", "-f", "json"] if args.work == "report" else ["roles", "--all", "-f", "json"]
        runs = {}
        runs["local, 1 job"] = grouplens(*command, "--store", str(store), "--jobs", "1", output=work / "one.json")
        runs[f"local, {cores} jobs"] = grouplens(*command, "--store", str(store), "--jobs", str(cores),
                                                 output=work / "cores.json")
        import logging

        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            # A standing cluster's workers have grouplens imported already; a fresh one pays that once.
            t = time.perf_counter()
            client.run(_warm_up)
            results["dask_warm_up_seconds"] = time.perf_counter() - t
            runs["dask, 2 workers"] = grouplens(*command, "--store", str(store), "--engine", "dask", "--scheduler",
                                                cluster.scheduler_address, output=work / "dask.json")

            def peak_mb() -> float:
                import resource
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            runs["dask, 2 workers"]["worker_mb"] = max(client.run(peak_mb).values())
            runs["dask, 2 workers"]["workers"] = 2
        same = pinned(work / "one.json") == pinned(work / "cores.json") == pinned(work / "dask.json")
        results["runs"], results["identical"] = runs, same
        base = runs["local, 1 job"]["seconds"]

        week = work / "week53"
        written = write_exports(week, args.groups, args.messages, args.seed, week=True)
        results["increment"] = {"messages": written,
                                "import": grouplens("import", str(week), "--store", str(store), "--json",
                                                    output=work / "import-week.json"),
                                "report": grouplens("report", "--all", "-f", "json", "--store", str(store),
                                                    output=work / "after.json")}
        stored = json.loads(subprocess.run([sys.executable, "-m", "grouplens", "sql", "select count(*) n, "
                                            "count(distinct group_id) g from messages", "-f", "jsonl", "--store",
                                            str(store)], capture_output=True, text=True, check=True).stdout)
        results["stored"] = stored

        print(f"portfolio: {stored['g']:,} groups, {stored['n']:,} messages after the increment "
              f"({results.get('messages', 0):,} in the year; {cores} cores); work: {args.work} --all")
        if "import" in results:
            print(f"  import of the year: {results['import']['seconds']:.1f} s, peak {results['import']['main_mb']:.0f} MB")
        print(f"  {'engine':<18}{'seconds':>9}{'ratio':>8}{'main MB':>9}{'worker MB':>11}")
        for name, r in runs.items():
            print(f"  {name:<18}{r['seconds']:>9.1f}{base / r['seconds']:>7.2f}x{r['main_mb']:>9.0f}"
                  f"{r['worker_mb']:>11.0f}")
        print(f"  outputs identical byte for byte: {same}; dask workers warmed up first "
              f"({results['dask_warm_up_seconds']:.1f} s importing grouplens, as a standing cluster has)")
        inc = results["increment"]
        print(f"  weekly increment: import of {inc['messages']:,} messages {inc['import']['seconds']:.1f} s; "
              f"then report --all {inc['report']['seconds']:.1f} s (all cores)")
        (work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        print(f"  details: {work / 'results.json'}")
        if not same:
            raise SystemExit("the engines' outputs differ")
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
