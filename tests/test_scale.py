"""Scale-out: the work on every group runs in this process, on local worker processes or on a
dask.distributed LocalCluster (processes, 2 workers) and gives the same output byte for byte;
a store is read from an fsspec URL; compaction keeps every message and the order it is read in.

One cluster and two small stores per module keep this to some seconds.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import re
import shutil
import threading
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest
from exports import chatlab_jsonl
from exports import qq_txt as write_qq_txt
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.cli import app
from grouplens.config import config_from_dict
from grouplens.engine import Engine, map_groups, run_task, store_location
from grouplens.errors import StoreError
from grouplens.simulate import SimParams, simulate_group, write_simulation
from grouplens.store import store as store_module
from grouplens.store.compact import compact_store
from grouplens.store.verify import verify_store

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import logging
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("samples") / "store"
    import_paths(store, [ROOT / "sample_logs"])
    return store


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """Three small simulated groups: a healthy, a declining and an ad-ridden one."""
    tmp = tmp_path_factory.mktemp("simulated")
    store = tmp / "store"
    for seed, scenario in ((11, "healthy"), (12, "declining"), (13, "ad-takeover")):
        sim = write_simulation(tmp / scenario, simulate_group(25, 2, seed, SimParams(scenario=scenario)))
        import_paths(store, [p for k, p in sim.items() if k != "truth"])
    return store


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output[-2000:])
    return result.stdout


def pinned(output: str) -> str:
    """The output with its "generated_at" time fixed (the only thing that may differ)."""
    return re.sub(r'"generated_at": "[^"]*"', '"generated_at": "-"', output)


OVERVIEW, ROLES, ENGAGEMENT = (("report", "--all", "-f", "json"), ("roles", "--all", "-f", "json"),
                               ("engagement", "--all", "-f", "json", "--top", "3"))
_references: dict[tuple, str] = {}


def here(store: Path, command: tuple[str, ...]) -> str:
    """The command's output with every group run in this process (computed once per module)."""
    key = (str(store), command)
    if key not in _references:
        _references[key] = pinned(cli(*command, "--store", str(store), "--jobs", "1"))
    return _references[key]


def test_on_simulated_groups_dask_and_worker_processes_give_this_process_output_byte_for_byte(simulated, cluster):
    for command in (OVERVIEW, ROLES, ENGAGEMENT):
        on_dask = pinned(cli(*command, "--store", str(simulated), "--engine", "dask", "--scheduler", cluster))
        assert on_dask == here(simulated, command) and len(on_dask) > 1000, command
    assert pinned(cli(*OVERVIEW, "--store", str(simulated), "--jobs", "2")) == here(simulated, OVERVIEW)


def test_on_the_sample_store_dask_gives_this_process_output_byte_for_byte(samples, cluster):
    on_dask = pinned(cli(*OVERVIEW, "--store", str(samples), "--engine", "dask", "--scheduler", cluster))
    assert on_dask == here(samples, OVERVIEW) and len(json.loads(on_dask)["data"]["groups"]) == 27


def test_report_groups_kind_and_report_all_are_the_same_overview(simulated, cluster):
    by_kind = cli("report", "groups", "--store", str(simulated), "--engine", "dask", "--scheduler", cluster, "-f", "json")
    assert pinned(by_kind) == pinned(cli("report", "--all", "--store", str(simulated), "-f", "json"))


def test_results_come_back_in_group_order_whichever_worker_ran_them(simulated, cluster):
    st = open_store(simulated)
    ids = list(reversed(st.group_ids()))
    for engine in (Engine("local", jobs=2), Engine("dask", scheduler=cluster)):
        got = map_groups(_count_and_pid, st, ids, "x", engine=engine)
        assert [g for g, _, _ in got] == ids
        assert [n for _, n, _ in got] == [st.message_table(g).num_rows for g in ids]
        assert {pid for _, _, pid in got} != {os.getpid()}  # they ran in other processes


def _count_and_pid(store, group_id, tag):
    assert tag == "x"
    return group_id, store.message_table(group_id, [S.MSG_ID]).num_rows, os.getpid()


def test_a_group_error_on_a_worker_is_one_line_naming_the_file(simulated, tmp_path, cluster):
    store = tmp_path / "damaged"
    shutil.copytree(simulated, store)
    gid = open_store(store).group_ids()[0]
    members = store / "members" / f"group_id={gid}" / "members.parquet"
    members.write_bytes(b"not parquet")
    result = runner.invoke(app, ["report", "--all", "--store", str(store), "--engine", "dask", "--scheduler", cluster])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "members.parquet" in result.output and "damaged file" in result.output


def test_a_worker_process_holds_one_group_at_a_time(simulated):
    # dask may give a worker several threads; the groups it runs still wait for each other
    spans: list[tuple[float, float]] = []
    task = _task_of(simulated, _sleepy, spans)
    threads = [threading.Thread(target=run_task, args=(task,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans.sort()
    assert len(spans) == 3 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def _sleepy(store, group_id, spans):
    start = time.monotonic()
    time.sleep(0.05)
    spans.append((start, time.monotonic()))


def _task_of(store: Path, fn, *args):
    from grouplens.engine import _Task
    return _Task(fn, store_location(store), "run", open_store(store).group_ids()[0], args, {})


def test_engine_errors_are_one_line(simulated, monkeypatch):
    monkeypatch.setattr("grouplens.engine.CONNECT_TIMEOUT", 1)
    gone = runner.invoke(app, ["roles", "--all", "--store", str(simulated), "--engine", "dask", "--scheduler",
                               "tcp://127.0.0.1:9"])
    assert gone.exit_code == 1 and gone.output.count("\n") == 1
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in gone.output
    wrong = runner.invoke(app, ["report", "--all", "--store", str(simulated), "--engine", "local", "--scheduler",
                                "tcp://127.0.0.1:9"])
    assert wrong.exit_code == 1 and "--scheduler is for --engine dask" in wrong.output
    both = runner.invoke(app, ["roles", "--all", "--group", "x", "--store", str(simulated)])
    assert both.exit_code == 1 and "--all and --group cannot be combined" in both.output


def test_without_dask_installed_the_dask_engine_says_how_to_install_it(simulated, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)
    result = runner.invoke(app, ["engagement", "--all", "--store", str(simulated), "--engine", "dask"])
    assert result.exit_code == 1
    assert result.output.strip() == ("error: --engine dask needs dask.distributed, which is not installed: pip "
                                     "install 'grouplens[dask]'")


def test_settings_travel_to_workers_intact(tmp_path):
    cfg = config_from_dict({"classes": {"ad": {"keywords": ["团购"]}}, "engine": {"jobs": 3},
                            "store": {"compact_after": 5}})
    back = pickle.loads(pickle.dumps(cfg))
    assert back == cfg and dict(back.classes) == dict(cfg.classes) and back.engine.jobs == 3


# --- a store read from a URL -----------------------------------------------------------------------

def test_a_store_read_from_a_url_gives_the_same_output(samples):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.put(str(samples), "/copy", recursive=True)
    try:
        assert pinned(cli(*OVERVIEW, "--store", "memory://copy", "--jobs", "1")) == here(samples, OVERVIEW)
        weekly = ["report", "weekly", "-g", "周末羽毛球交流群", "-f", "json", "--no-record"]
        for command in (["groups", "-f", "json"], weekly,
                        ["sql", "select group_id, count(*) n from messages group by 1 order by 1", "-f", "jsonl"]):
            local = pinned(cli(*command, "--store", str(samples)))
            assert pinned(cli(*command, "--store", "memory://copy")) == local, command
        # The weekly review's to-do list is not recorded in a store read from a URL, and says so.
        assert pinned(cli(*weekly[:-1], "--store", "memory://copy")) == pinned(cli(*weekly, "--store", str(samples)))
        assert cli("groups", "-f", "json", "--store", samples.as_uri()) == cli("groups", "-f", "json", "--store",
                                                                                str(samples))
    finally:
        fs.rm("/copy", recursive=True)


def test_writing_to_an_object_store_is_refused_with_the_reason(samples, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fsspec.filesystem("memory").put(str(samples), "/refuse", recursive=True)
    for command in (["import", str(ROOT / "sample_logs" / "qq-txt")], ["compact"], ["verify", "--repair"],
                    ["forget", "--member", "10001"]):
        result = runner.invoke(app, [*command, "--store", "memory://refuse"])
        assert result.exit_code == 1, command
        assert "object stores have no atomic rename" in result.output and result.output.count("\n") == 1, command
    with pytest.raises(StoreError, match="cannot create a store at this URL"):
        open_store("memory://nothing-here", create=True)


def test_a_file_url_is_a_local_store_that_imports_work_on(tmp_path):
    url = (tmp_path / "store").as_uri()
    cli("import", str(ROOT / "sample_logs" / "qq-txt"), "--store", url)
    assert open_store(tmp_path / "store").group_ids()


# --- compaction -------------------------------------------------------------------------------------

def weekly_imports(tmp_path: Path, store: Path, weeks: range, compact_after: int = 0) -> list:
    """One import a week of two groups (one with member lists); messages of the same second in
    different weeks' exports, so the order a reader gives them depends on the files' order."""
    reports = []
    for week in weeks:
        day = f"2024-03-{4 + week:02d}"
        msgs = [(f"{day} 9:00:00", f"成员{i}({10000 + i})", f"第{week}周 第{i}条") for i in range(4)]
        msgs += [("2024-03-04 9:00:00", f"成员{week}({20000 + week})", f"同一秒 {week}")]
        lab = chatlab_jsonl(tmp_path / f"lab{week}.jsonl", "33445566@chatroom", "丙群",
                            [(1710000000 + 3600 * week + 60 * i, "wxid_a", "阿甲", f"{week}-{i}") for i in range(3)],
                            members={"wxid_a": "阿甲", "wxid_b": f"阿乙{week}"})
        reports.append(import_paths(store, [write_qq_txt(tmp_path / f"w{week}.txt", {"测试群": msgs}), lab],
                                    compact_after=compact_after))
    return reports


def snapshot(store: Path) -> dict:
    st = open_store(store)
    return {g: (st.message_table(g), st.roster_table(g), st.members_table(g)) for g in st.group_ids()}


def part_files(store: Path, table: str = "messages") -> dict[str, int]:
    return {p.name: len(list(p.glob("part-*.parquet"))) for p in (store / table).iterdir()}


def test_compaction_keeps_every_message_in_the_order_it_is_read(tmp_path):
    store = tmp_path / "store"
    weekly_imports(tmp_path, store, range(4))
    before = snapshot(store)
    assert set(part_files(store).values()) == {4}
    report = compact_store(store)
    assert set(part_files(store).values()) == {1} and set(part_files(store, "rosters").values()) == {1}
    after = snapshot(store)
    assert after.keys() == before.keys()
    for gid in before:  # the same rows and ids, read back in the same order, members untouched
        for old, new in zip(before[gid], after[gid]):
            assert new.equals(old), gid
        ids = before[gid][0].column(S.MSG_ID)
        assert pc.count_distinct(ids).as_py() == len(ids)
    assert {g.rows for g in report.groups if g.table == "messages"} == {t[0].num_rows for t in before.values()}
    assert verify_store(store).ok and not verify_store(store).findings
    assert compact_store(store).groups == []  # nothing left to do


def test_a_compacted_store_reads_like_one_never_compacted_after_more_imports(tmp_path):
    plain, compacted = tmp_path / "plain", tmp_path / "compacted"
    weekly_imports(tmp_path, plain, range(5))
    weekly_imports(tmp_path, compacted, range(3))
    compact_store(compacted)
    weekly_imports(tmp_path, compacted, range(3, 5))
    a, b = snapshot(plain), snapshot(compacted)
    for gid in a:
        assert b[gid][0].drop_columns([S.IMPORT_ID]).equals(a[gid][0].drop_columns([S.IMPORT_ID]))


def test_an_import_compacts_the_groups_it_leaves_with_too_many_part_files(tmp_path):
    store = tmp_path / "store"
    reports = weekly_imports(tmp_path, store, range(4), compact_after=3)
    assert [r.compacted for r in reports[:3]] == [[], [], []]
    assert len(reports[3].compacted) == 2 and set(part_files(store).values()) == {1}
    result = runner.invoke(app, ["import", str(write_qq_txt(tmp_path / "more.txt", {"测试群": [
        ("2024-04-01 9:00:00", "成员1(10001)", "再来")]})), "--store", str(store)])
    assert result.exit_code == 0 and "compacted" not in result.output


def test_compaction_swaps_folders_in_two_renames_where_the_filesystem_cannot_exchange(tmp_path, monkeypatch):
    def unsupported(a, b):
        raise OSError(errno.EINVAL, "no exchange here")

    store = tmp_path / "store"
    weekly_imports(tmp_path, store, range(3))
    before = snapshot(store)
    monkeypatch.setattr(store_module, "exchange", unsupported)
    compact_store(store)
    assert set(part_files(store).values()) == {1}
    after = snapshot(store)
    assert all(after[g][0].equals(before[g][0]) for g in before)


def test_compact_command_names_what_it_did(tmp_path):
    store = tmp_path / "store"
    weekly_imports(tmp_path, store, range(2))
    out = cli("compact", "--store", str(store), "--json")
    assert '"files_before": 2' in out and '"files_after": 1' in out
    assert "nothing to compact" in cli("compact", "--store", str(store))
