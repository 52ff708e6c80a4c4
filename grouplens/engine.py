"""Per-group work, here or on a cluster: one function mapped over group ids, results in group order.

grouplens' heavy work splits by group: the roles of every group, the groups overview, the
engagement of every group, and (later) the derived data kept in the store. ``map_groups`` runs
such a function once per group and returns its results in the order of the ids given, whichever
engine runs it:

- ``Engine("local", jobs=N)``: N worker processes on this machine (default: its cores); with one
  job, one group or a ``memory://`` store everything runs in this process;
- ``Engine("dask", scheduler="tcp://HOST:PORT")``: the workers of a dask.distributed cluster
  (``pip install 'grouplens[dask]'``); without a scheduler, a LocalCluster on this machine.

The function is ``fn(store, group_id, *args, **kwargs) -> result``: a module-level function
(picklable by reference) that reads its own group's partition from the store it is handed and
returns a small picklable result (a row, a DataFrame of one group's members). Workers open the
store themselves by its location (an absolute path or an fsspec URL), so they need grouplens
installed and the store reachable at that same location. A worker process runs one group at a
time, so its memory is bounded by the largest group, not by the store.

Commands take the engine from ``--engine/--jobs/--scheduler``; library code that maps groups
uses the one set with ``using(engine)`` (default: local, all cores), the way dask itself takes
its scheduler from ``dask.config``.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EngineError, UsageError

if TYPE_CHECKING:
    from .store.store import Store

ENGINES = ("local", "dask")
DASK_MISSING = "--engine dask needs dask.distributed, which is not installed: pip install 'grouplens[dask]'"
CONNECT_TIMEOUT = 20  # seconds to reach a scheduler
WORKER_WAIT = 30  # seconds to wait for a scheduler's first worker
# Below this many messages in all, starting worker processes costs more than it saves: without an
# explicit --jobs the local engine then runs the groups in this process.
SMALL_WORK = 200_000

Progress = Callable[[int, int], None]  # (groups done, groups in all)


def machine_cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Engine:
    """Where per-group work runs.

    Attributes:
        kind: ``local`` (processes on this machine) or ``dask`` (a dask.distributed cluster).
        jobs: local: how many worker processes (None: the machine's cores, or this process
            alone when the groups hold fewer than ``SMALL_WORK`` messages in all); dask without
            a scheduler: how many workers the LocalCluster starts.
        scheduler: dask: the scheduler's address, ``tcp://HOST:PORT`` (None: a LocalCluster).
    """

    kind: str = "local"
    jobs: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENGINES:
            raise UsageError(f"unknown engine {self.kind!r}; choose local or dask")
        if self.jobs is not None and self.jobs < 1:
            raise UsageError(f"--jobs must be at least 1 (got {self.jobs})")
        if self.scheduler and self.kind != "dask":
            raise UsageError("--scheduler is for --engine dask")

    @property
    def workers(self) -> int:
        return self.jobs or machine_cores()


_current: ContextVar[Engine | None] = ContextVar("grouplens_engine", default=None)


def current() -> Engine:
    """The engine ``map_groups`` uses when it is given none."""
    return _current.get() or Engine()


@contextmanager
def using(engine: Engine | None) -> Iterator[Engine]:
    """Run the block's per-group work on ``engine`` (None: leave the current one)."""
    if engine is None:
        yield current()
        return
    token = _current.set(engine)
    try:
        yield engine
    finally:
        _current.reset(token)


def store_location(store: Store | str | Path) -> str:
    """Where workers find the store: an fsspec URL as given, a local folder as an absolute path
    (a worker's working folder is not this process's)."""
    if not isinstance(store, (str, Path)):
        store = getattr(store, "url", None) or store.path
    text = str(store)
    if "://" in text and not text.startswith("file://"):
        return text
    if text.startswith("file://"):
        text = text[len("file://"):]
    return str(Path(text).expanduser().absolute())


def map_groups(fn: Callable[..., Any], store: Store, group_ids: Sequence[str], *args: Any,
               engine: Engine | None = None, progress: Progress | None = None, **kwargs: Any) -> list[Any]:
    """``[fn(store, gid, *args, **kwargs) for gid in group_ids]``, run on ``engine`` (default:
    ``current()``); the results come back in the order of ``group_ids`` whichever worker ran
    them. The first error a group raises is raised here (the other groups are cancelled)."""
    engine = engine or current()
    ids = list(group_ids)
    notify = progress or (lambda done, total: None)
    in_process = (not ids or (engine.kind == "local" and (engine.workers == 1 or len(ids) == 1
                                                          or (engine.jobs is None and _small(store, ids))))
                  or str(getattr(store, "url", "")).startswith("memory://"))
    if in_process:  # a memory:// store lives in this process only
        out = []
        for i, gid in enumerate(ids):
            out.append(fn(store, gid, *args, **kwargs))
            notify(i + 1, len(ids))
        return out
    tasks = [_Task(fn, store_location(store), secrets.token_hex(8), gid, args, kwargs) for gid in ids]
    if engine.kind == "local":
        return _run_local(tasks, min(engine.workers, len(ids)), notify)
    return _run_dask(tasks, engine, notify)


def _small(store: Store, ids: list[str]) -> bool:
    """Whether the groups hold fewer than SMALL_WORK messages in all (by the groups table)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from . import schema as S
    table = store.groups_table()
    chosen = table.filter(pc.is_in(table.column(S.GROUP_ID), value_set=pa.array(ids, pa.string())))
    return (pc.sum(chosen.column(S.MESSAGE_COUNT)).as_py() or 0) < SMALL_WORK


@dataclass(frozen=True)
class _Task:
    """One group's work as sent to a worker."""

    fn: Callable[..., Any]
    location: str
    run: str  # one id per map_groups call: a worker opens the store once per run
    group_id: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


_one_group_at_a_time = threading.Lock()  # a dask worker with several threads still holds one group
_opened: dict[tuple[str, str], Any] = {}


def run_task(task: _Task) -> Any:
    """Run one group's work in a worker: open the store (once per run and process), call fn."""
    with _one_group_at_a_time:
        key = (task.location, task.run)
        store = _opened.get(key)
        if store is None:
            from .store.store import open_store
            store = open_store(task.location)
            _opened.clear()  # only the current run's store stays open
            _opened[key] = store
        return task.fn(store, task.group_id, *task.args, **task.kwargs)


# --- local processes ------------------------------------------------------------------------------

def _quiet_worker() -> None:
    """Ctrl-C in the terminal reaches every process of the group: the parent stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_local(tasks: list[_Task], workers: int, notify: Progress) -> list[Any]:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # forkserver: workers fork from a clean process that imported grouplens once (fork from a
    # process with Arrow's threads running is unsafe; spawn would import it in every worker).
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["grouplens.engine", tasks[0].fn.__module__])
    results: list[Any] = [None] * len(tasks)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_quiet_worker)
    try:
        futures = {executor.submit(run_task, t): i for i, t in enumerate(tasks)}
        pending, done_count = set(futures), 0
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for f in done:
                results[futures[f]] = f.result()  # raises a group's error here
                done_count += 1
            notify(done_count, len(tasks))
    except BaseException:
        for process in list(getattr(executor, "_processes", {}).values()):
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()
    return results


# --- dask.distributed ----------------------------------------------------------------------------

def _grouplens_version() -> str:
    from . import __version__
    return __version__


def _run_dask(tasks: list[_Task], engine: Engine, notify: Progress) -> list[Any]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise UsageError(DASK_MISSING) from None
    cluster = None
    try:
        if engine.scheduler:
            client = Client(engine.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        else:
            cluster = LocalCluster(n_workers=min(engine.workers, len(tasks)), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise EngineError(f"cannot reach the dask scheduler at {engine.scheduler} ({_first_line(e)}); start it "
                          "with 'dask scheduler' and its workers with 'dask worker ADDRESS'") from None
    try:
        _check_workers(client, engine)
        futures = client.map(run_task, tasks, pure=False)
        try:
            for done, _ in enumerate(as_completed(futures, loop=client.loop), 1):
                notify(done, len(tasks))
            return client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client: Any, engine: Engine) -> None:
    """Workers must be there and run this grouplens (another version may give other results)."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (TimeoutError, OSError):
        raise EngineError(f"the dask scheduler at {engine.scheduler} has no workers; start some with "
                          f"'dask worker {engine.scheduler} --nthreads 1'") from None
    mine = _grouplens_version()
    try:
        theirs = client.run(_grouplens_version)
    except (ImportError, AttributeError):
        raise EngineError("a dask worker cannot import grouplens: install it on every worker "
                          "(pip install 'grouplens[dask]')") from None
    other = sorted({v for v in theirs.values() if v != mine})
    if other:
        raise EngineError(f"dask workers run grouplens {', '.join(other)} and this is grouplens {mine}: install "
                          "the same version everywhere (results must not depend on where a group ran)")


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else e.__class__.__name__
