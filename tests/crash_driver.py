"""Run ``grouplens`` commands and kill them with a signal right after their Nth file rename.

Used by test_crash.py: ``python crash_driver.py PLAN.json`` loads grouplens once, then for each
run copies the seed store, forks, and in the child runs the real command line (``grouplens.
__main__.main``, Ctrl-C handler included) with ``os.replace`` counting renames; after rename N
the child sends itself the run's signal (a swap of two folders, ``store.exchange``, counts as a
rename). The first run of each plan kills nothing and counts
the renames, so the plan covers every one. Prints one JSON object per run on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path


def run_child(argv: list[str], store: Path, sig: int | None, after: int, stderr_path: Path,
              count_path: Path) -> None:
    fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    real_replace = os.replace
    count = 0

    def counted(src, dst, *args, **kwargs):
        nonlocal count
        real_replace(src, dst, *args, **kwargs)
        count += 1
        count_path.write_text(str(count))
        if sig is not None and count == after:
            os.kill(os.getpid(), sig)

    os.replace = counted
    # A compaction swaps group folders in one step (store.exchange): a rename too.
    import grouplens.store.store as store_module
    real_exchange = store_module.exchange

    def counted_exchange(a, b):
        nonlocal count
        real_exchange(a, b)
        count += 1
        count_path.write_text(str(count))
        if sig is not None and count == after:
            os.kill(os.getpid(), sig)

    store_module.exchange = counted_exchange
    sys.argv = ["grouplens", *[a.replace("{store}", str(store)) for a in argv]]
    code = 0
    try:
        from grouplens.__main__ import main
        main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # reported through the exit code
        code = 99
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    import grouplens.cli  # noqa: F401 - load everything once, before forking

    work = Path(plan["work"])
    signals = [getattr(signal, f"SIG{name}") for name in plan["signals"]]
    jobs = max(1, min(int(plan.get("jobs", 2)), os.cpu_count() or 1))

    def start(sig: int | None, after: int) -> tuple[int, dict]:
        name = "reference" if sig is None else f"{signal.Signals(sig).name}-after-{after}"
        store = work / name
        if Path(plan["seed"]).exists():
            shutil.copytree(plan["seed"], store)
        stderr_path, count_path = work / f"{name}.stderr", work / f"{name}.count"
        count_path.write_text("0")
        pid = os.fork()
        if pid == 0:
            run_child(plan["argv"], store, sig, after, stderr_path, count_path)
        return pid, {"name": name, "store": str(store), "signal": sig and signal.Signals(sig).name,
                     "after": after, "stderr_path": stderr_path, "count_path": count_path}

    def finish(run: dict, status: int) -> dict:
        run["exit"] = os.waitstatus_to_exitcode(status)
        run["renames"] = int(run.pop("count_path").read_text() or 0)
        run["stderr"] = run.pop("stderr_path").read_text("utf-8")
        return run

    pid, reference = start(None, 0)
    results = [finish(reference, os.waitpid(pid, 0)[1])]
    todo = [(s, n) for n in range(1, reference["renames"] + 1) for s in signals]
    running: dict[int, dict] = {}
    while todo or running:
        while todo and len(running) < jobs:
            pid, run = start(*todo.pop(0))
            running[pid] = run
        pid, status = os.wait()
        results.append(finish(running.pop(pid), status))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
