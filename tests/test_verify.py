"""grouplens verify [--repair] on a store of every sample layout: finds each kind of damage, says
what is wrong in its file's name, and repairs what can be rebuilt."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.cli import app
from grouplens.store.verify import verify_store

runner = CliRunner()
QCE_GROUP = "周末羽毛球交流群"
QCE_COUNT = 48  # the QQChatExporter JSON's 28 messages and the classic TXT's 20 of the same group


# A few layouts (the QQ group appears in two of them, ChatLab brings a member list); the clean
# check below runs on every sample.
LAYOUTS = ["qce-json", "qq-txt", "chatlab-jsonl", "pywxdump-csv", "weflow-json"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("verify") / "store"
    report = import_paths(store, [SAMPLES / layout for layout in LAYOUTS])
    assert report.ok and report.totals()["added"] > 100
    return store


@pytest.fixture
def store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(pristine, copy)
    return copy


def groups_rows(store: Path) -> list[dict]:
    rows = pq.read_table(store / "groups.parquet").to_pylist()
    for r in rows:
        r[S.NAMES] = sorted(r[S.NAMES] or [])
    return sorted(rows, key=lambda r: r[S.GROUP_ID])


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def qce_partition(store: Path, table: str = "messages") -> Path:
    gid = open_store(store).resolve_group(QCE_GROUP)
    return store / table / f"{S.GROUP_ID}={gid}"


def test_a_fresh_store_of_every_layout_verifies_clean_and_is_private_to_its_owner(tmp_path: Path) -> None:
    store = tmp_path / "store"
    import_paths(store, [SAMPLES])
    result = runner.invoke(app, ["verify", "--store", str(store)])
    assert result.exit_code == 0 and "no problems" in result.stdout
    for p in [store, *store.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_a_garbled_groups_table_is_found_and_rebuilt_as_it_was(store: Path) -> None:
    before = groups_rows(store)
    path = store / "groups.parquet"
    path.write_bytes(path.read_bytes()[:100] + os.urandom(64) + path.read_bytes()[164:])
    result = runner.invoke(app, ["verify", "--store", str(store)])
    assert result.exit_code == 1 and "groups.parquet" in result.stdout and "damaged-file" in result.stdout
    assert "verify --repair" in result.stderr
    assert runner.invoke(app, ["verify", "--repair", "--store", str(store)]).exit_code == 0
    assert groups_rows(store) == before
    assert verify_store(store).findings == []


def test_a_deleted_groups_table_is_rebuilt_with_names_and_native_ids(store: Path) -> None:
    before = groups_rows(store)
    (store / "groups.parquet").unlink()
    report = verify_store(store)
    assert not report.ok and "missing-groups" in codes(report)
    assert verify_store(store, repair=True).ok
    assert groups_rows(store) == before
    assert len(open_store(store).messages(group=QCE_GROUP)) == QCE_COUNT


@pytest.mark.parametrize("damage", ["delete", "garble", "stale"])
def test_a_members_table_that_is_missing_garbled_or_stale_is_rebuilt(store: Path, damage: str) -> None:
    path = qce_partition(store, "members") / "members.parquet"
    before = pq.read_table(path)
    if damage == "delete":
        path.unlink()
    elif damage == "garble":
        path.write_bytes(b"PAR1" + os.urandom(200))
    else:
        pq.write_table(before.slice(1), path)  # one member fewer
    report = verify_store(store)
    assert not report.ok and codes(report) & {"missing-members", "damaged-file", "wrong-schema", "stale-members"}
    assert verify_store(store, repair=True).ok
    assert pq.read_table(path).sort_by(S.MEMBER_ID).equals(before.sort_by(S.MEMBER_ID))


def test_counts_in_the_groups_table_that_do_not_match_the_messages_are_found(store: Path) -> None:
    table = pq.read_table(store / "groups.parquet")
    counts = [c + 1000 for c in table.column(S.MESSAGE_COUNT).to_pylist()]
    pq.write_table(table.set_column(table.schema.get_field_index(S.MESSAGE_COUNT), S.MESSAGE_COUNT,
                                    pa.array(counts, pa.int64())), store / "groups.parquet")
    assert "stale-groups" in codes(verify_store(store))
    assert verify_store(store, repair=True).ok and verify_store(store).findings == []


def test_a_foreign_parquet_in_a_partition_is_reported_and_set_aside(store: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    folder = qce_partition(store)
    pq.write_table(pa.table({"x": [1, 2]}), folder / "other.parquet")
    report = verify_store(store)
    found = [f for f in report.findings if f.code == "foreign-file"]
    assert len(found) == 1 and found[0].path.endswith("other.parquet") and report.ok  # a warning
    verify_store(store, repair=True)
    assert not (folder / "other.parquet").exists()
    assert list((store / "set-aside").rglob("other.parquet"))
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{store}/messages/*/*.parquet', hive_partitioning=true, "
                   "union_by_name=true)").fetchall()[0][0]
    assert n == open_store(store).groups()[S.MESSAGE_COUNT].sum()


def test_a_garbled_messages_file_is_set_aside_and_its_export_named(store: Path) -> None:
    damaged = next(qce_partition(store).glob("part-*.parquet"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 3: len(data) // 3 + 64] = os.urandom(64)
    damaged.write_bytes(bytes(data))
    report = verify_store(store)
    [finding] = [f for f in report.findings if f.code == "damaged-file"]
    assert damaged.name in finding.path and "group_周末羽毛球交流群_20250503.json" in finding.fix
    result = runner.invoke(app, ["verify", "--repair", "--store", str(store), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"][0]["repaired"]
    assert not damaged.exists()
    st = open_store(store)
    assert len(st.messages(group=QCE_GROUP)) == 0 and st.groups().set_index(S.GROUP_NAME).loc[QCE_GROUP,
                                                                                               S.MESSAGE_COUNT] == 0
    # importing the exports again brings the messages back
    assert import_paths(store, [SAMPLES / layout for layout in LAYOUTS]).totals()["added"] == QCE_COUNT
    assert len(open_store(store).messages(group=QCE_GROUP)) == QCE_COUNT
    assert {f.code for f in verify_store(store).findings} == {"set-aside"}


def test_messages_stored_twice_are_found_and_the_copies_removed(store: Path) -> None:
    original = next(qce_partition(store).glob("part-*.parquet"))
    shutil.copy(original, original.with_name("part-copied-in.parquet"))
    report = verify_store(store)
    assert {"duplicate-ids", "unknown-import"} <= codes(report)
    assert verify_store(store, repair=True).ok
    assert len(open_store(store).messages(group=QCE_GROUP)) == QCE_COUNT
    assert "duplicate-ids" not in codes(verify_store(store))


def test_journals_temporary_files_and_permissions_are_checked_and_tidied(store: Path) -> None:
    pending = store / "imports" / "pending"
    pending.mkdir(exist_ok=True)
    (pending / "20240101T000000.000000-abcdef.json").write_bytes(b"\x00garbage")
    open_store(store)  # any open sets the unreadable journal aside
    (pending / ".20240102T000000.000000-abcdef.json.123.tmp").write_bytes(b"")  # tidied by any open
    leftover = qce_partition(store) / ".part-x.parquet.4242.tmp"
    leftover.write_bytes(b"")
    os.chmod(store / "groups.parquet", 0o644)
    os.chmod(store / "messages", 0o755)
    report = verify_store(store)
    assert {"damaged-journal", "temp-file", "permissions"} <= codes(report), codes(report)
    assert report.ok
    verify_store(store, repair=True)
    assert not any(pending.iterdir()) and not leftover.exists()
    assert stat.S_IMODE((store / "groups.parquet").stat().st_mode) == 0o600
    assert stat.S_IMODE((store / "messages").stat().st_mode) == 0o700
    assert codes(verify_store(store)) == {"set-aside"}


def test_a_damaged_token_cache_is_dropped(store: Path) -> None:
    assert runner.invoke(app, ["keywords", "--group", QCE_GROUP, "--store", str(store)]).exit_code == 0
    cache = next((store / "tokens").rglob("part-*.parquet"))
    cache.write_bytes(b"garbage")  # as a crash or a bad disk would leave it
    (cache.parent / ".part-half-written.parquet.tmp").write_bytes(b"PAR1")
    # readers do not need the cache: the words are segmented again
    assert runner.invoke(app, ["keywords", "--group", QCE_GROUP, "--store", str(store)]).exit_code == 0
    assert "damaged-cache" in codes(verify_store(store))
    verify_store(store, repair=True)
    assert not cache.exists() and verify_store(store).findings == []
    assert runner.invoke(app, ["keywords", "--group", QCE_GROUP, "--store", str(store)]).exit_code == 0
