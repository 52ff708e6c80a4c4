"""The same messages give the same results in whatever order they are imported.

An export is cut into overlapping pieces (cuts fall between two different seconds, as the date
ranges of real exports do); the pieces are imported into separate stores in different orders,
with one piece imported twice, and the whole export into another. Every store must then hold
the same messages (ids and every column but where each came from), the same members and
groups, and give the same ``roles`` and ``report weekly`` JSON (its time of writing aside).

Two sources: simulated QQ groups written as QQ TXT files and cut as text (so the importer
reads each piece as the file a user would have), and every sample export, read once and cut
into pieces of its parsed conversations.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fuzzing import sample_paths

from grouplens import schema as S
from grouplens.importers import ParsedConversation, detect, is_export_dir
from grouplens.importers.base import MessageRows
from grouplens.report import build_report
from grouplens.roles import group_roles, role_records
from grouplens.simulate import simulate_group, write_simulation
from grouplens.store.ingest import import_conversations, import_paths, make_options
from grouplens.store.store import Store, open_store

SALT = "0" * 32  # one salt for every store, so that member keys can be compared
PROVENANCE = [S.SOURCE_FILE, S.SOURCE_LINE, S.IMPORT_ID]
QQ_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2}) .*\S$")


def overlapping_ranges(cuts: list[int], n: int, rng: random.Random) -> list[tuple[int, int]]:
    """Pieces [start, end) covering 0…n, each reaching a little past the next one's start."""
    edges = [0, *cuts, n]
    pieces = []
    for k in range(len(edges) - 1):
        later = [c for c in edges if c > edges[k + 1]]
        end = rng.choice(later) if later and rng.random() < 0.7 else edges[k + 1]
        pieces.append((edges[k], end))
    return pieces


def import_orders(pieces: list, rng: random.Random) -> dict[str, list]:
    """Backwards, and shuffled with one piece again at the end (in order is the whole export's)."""
    shuffled = rng.sample(pieces, len(pieces))
    return {"backward": pieces[::-1], "shuffled": [*shuffled, rng.choice(pieces)]}


# --- comparing stores -----------------------------------------------------------------------------

def messages_of(store: Store) -> pd.DataFrame:
    """Every group's messages in the order the analyses read them (time, then export order)."""
    frames = [store.message_table(gid).to_pandas() for gid in sorted(store.group_ids())]
    return pd.concat(frames, ignore_index=True).drop(columns=PROVENANCE)


def members_of(store: Store) -> pd.DataFrame:
    return pd.concat([store.members(gid) for gid in sorted(store.group_ids())], ignore_index=True)


def groups_of(store: Store) -> list[dict]:
    return sorted(store.groups_table().to_pylist(), key=lambda r: r[S.GROUP_ID])


def analyses_of(store: Store) -> dict[str, object]:
    """What ``roles --format json`` and ``report weekly --format json`` print for each group."""
    store.meta["salt"] = SALT
    out: dict[str, object] = {}
    for gid in store.group_ids():
        out[f"roles {gid}"] = role_records(group_roles(store, gid))
        weekly = build_report(store, "weekly", gid).to_dict()
        weekly.pop("generated_at")
        out[f"weekly {gid}"] = weekly
    return out


def assert_same_stores(reference: Store, other: Store, how: str) -> None:
    """The same rows in the same order: the analyses read nothing else, so they agree too (one
    order per simulated group runs them to show it)."""
    assert sorted(other.group_ids()) == sorted(reference.group_ids()), how
    for gid in sorted(reference.group_ids()):
        pd.testing.assert_frame_equal(other.message_table(gid).to_pandas().drop(columns=PROVENANCE),
                                      reference.message_table(gid).to_pandas().drop(columns=PROVENANCE),
                                      obj=f"messages of {gid} ({how})")
    pd.testing.assert_frame_equal(members_of(other), members_of(reference), obj=f"members ({how})")
    assert groups_of(other) == groups_of(reference), how


def assert_same_analyses(reference: Store, other: Store, how: str) -> None:
    mine, theirs = analyses_of(other), analyses_of(reference)
    assert mine.keys() == theirs.keys(), how
    for key in theirs:
        assert mine[key] == theirs[key], f"{key} differs ({how})"


# --- simulated QQ groups, cut as text -------------------------------------------------------------

def cut_qq_txt(path: Path, out: Path, rng: random.Random, pieces: int) -> list[Path]:
    """The export cut into overlapping QQ TXT files, each with the export's banner."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if QQ_HEADER.match(line.rstrip("\r\n"))]
    stamps = [QQ_HEADER.match(lines[i].rstrip("\r\n")).group(1) for i in starts]
    banner = lines[:starts[0]]
    blocks = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)])]
    between = [k for k in range(1, len(blocks)) if stamps[k] != stamps[k - 1]]
    cuts = sorted(rng.sample(between, pieces - 1))
    files = []
    for k, (a, b) in enumerate(overlapping_ranges(cuts, len(blocks), rng)):
        file = out / f"piece{k}.txt"
        file.write_text("".join(banner + [line for block in blocks[a:b] for line in block]), encoding="utf-8-sig")
        files.append(file)
    return files


def pieces_in_orders(tmp_path: Path, seed: int, members: int) -> tuple[Store, dict[str, Store]]:
    """A simulated group imported whole, and in pieces in several orders (the member list somewhere
    in between)."""
    rng = random.Random(seed)
    written = write_simulation(tmp_path / "export", simulate_group(members=members, weeks=2, seed=seed))
    pieces = cut_qq_txt(written["txt"], tmp_path, rng, pieces=3)
    import_paths(tmp_path / "whole", [written["txt"], written["members"]])
    stores = {}
    for how, order in import_orders(pieces, rng).items():
        at = rng.randrange(len(order) + 1)
        for item in [*order[:at], written["members"], *order[at:]]:
            report = import_paths(tmp_path / how, [item])
            assert report.ok, report.failed
        stores[how] = open_store(tmp_path / how)
    return open_store(tmp_path / "whole"), stores


@pytest.mark.parametrize("seed", [3, 17])
def test_a_simulated_group_imported_in_pieces_in_any_order_is_the_same_group(tmp_path: Path, seed: int) -> None:
    reference, stores = pieces_in_orders(tmp_path, seed, members=30)
    for how, store in stores.items():
        assert_same_stores(reference, store, how)


def test_roles_and_the_weekly_review_do_not_depend_on_the_order_of_import(tmp_path: Path) -> None:
    reference, stores = pieces_in_orders(tmp_path, 29, members=20)
    assert_same_analyses(reference, stores["shuffled"], "shuffled")


# --- every sample export, cut as parsed conversations ---------------------------------------------

def parsed(path: Path) -> list[ParsedConversation]:
    return list((is_export_dir(path) or detect(path)).parse(path, make_options()))


def cut_conversation(conv: ParsedConversation, rng: random.Random, pieces: int) -> list[ParsedConversation]:
    table = conv.messages
    table = table.take(pc.sort_indices(table, [(S.TS, "ascending")]))  # stable: export order within a second
    ts = pc.cast(table.column(S.TS), pa.int64()).to_numpy(zero_copy_only=False)
    between = [k for k in range(1, len(ts)) if ts[k] != ts[k - 1]]
    cuts = sorted(rng.sample(between, min(pieces - 1, len(between))))
    out = []
    for k, (a, b) in enumerate(overlapping_ranges(cuts, len(ts), rng)):
        out.append(ParsedConversation(platform=conv.platform, name=conv.name, messages=table.slice(a, b - a),
                                      native_id=conv.native_id, is_group=conv.is_group,
                                      roster=conv.roster if k == 0 else None))
    return out


SAMPLE_FILES = [f for p in sample_paths() for f in ([p] if p.is_file() or is_export_dir(p) else sorted(p.iterdir()))]


def apart(convs: list[tuple[Path, ParsedConversation]]) -> list[list[tuple[Path, ParsedConversation]]]:
    """The samples in as few sets as can be where no two samples name the same group (by id or
    by name): exports of one group in two layouts merge by order of import (see the report)."""
    sets: list[tuple[set, list]] = []
    for sample in dict.fromkeys(s for s, _ in convs):
        mine = [(s, c) for s, c in convs if s == sample]
        keys = {(c.platform, k) for _, c in mine for k in (f"id:{c.native_id}", f"name:{c.name}")}
        home = next((x for x in sets if not x[0] & keys), None)
        if home is None:
            home = (set(), [])
            sets.append(home)
        home[0].update(keys)
        home[1].extend(mine)
    return [x[1] for x in sets]


def test_every_sample_export_imported_in_pieces_in_any_order_is_the_same_store(tmp_path: Path) -> None:
    """The samples, each its own group, several in one store; the pieces of all of them shuffled
    and imported in two steps (each piece is a conversation of its own, as if from its own file)."""
    rng = random.Random(11)
    for n, convs in enumerate(apart([(sample, conv) for sample in SAMPLE_FILES for conv in parsed(sample)])):
        import_conversations(tmp_path / f"whole{n}", [c for _, c in convs], source="whole")
        reference = open_store(tmp_path / f"whole{n}")
        pieces = [piece for _, conv in convs for piece in cut_conversation(conv, rng, pieces=3)]
        order = import_orders(pieces, rng)["shuffled"]
        half = len(order) // 2
        for batch in (order[:half], order[half:]):
            import_conversations(tmp_path / f"pieces{n}", batch, source="pieces")
        assert_same_stores(reference, open_store(tmp_path / f"pieces{n}"), "shuffled")


# --- quotes carried as text ------------------------------------------------------------------------

def wechat_piece(rows: list[tuple[str, str, str, str | None]]) -> ParsedConversation:
    """(local time, wxid, text, quoted text) rows of one invented WeChat group."""
    out = MessageRows()
    for when, who, text, quoted in rows:
        out.add(ts=datetime.fromisoformat(f"2024-05-06T{when}+08:00"), sender_id=who, sender_name=who[5:],
                kind="text", text=text, quote_sender="wxid_laowang" if quoted else None, quote_text=quoted)
    return ParsedConversation(platform="wechat", name="引用测试群", native_id="12345@chatroom", messages=out.to_table())


EARLIER = [("09:00:00", "wxid_laowang", "周六上午九点集合，地点在东门", None)]
LATER = [("09:30:00", "wxid_xiaoli", "东门哪个口？", "周六上午九点集合"), ("09:31:00", "wxid_laowang", "北口", None)]


@pytest.mark.parametrize("apart", [True, False], ids=["two imports", "one import"])
def test_a_quote_imported_before_the_message_it_quotes_is_linked_when_that_message_comes(tmp_path: Path,
                                                                                          apart: bool) -> None:
    if apart:
        import_conversations(tmp_path, [wechat_piece(LATER)], source="later.txt")
        import_conversations(tmp_path, [wechat_piece(EARLIER)], source="earlier.txt")
    else:
        import_conversations(tmp_path, [wechat_piece(LATER), wechat_piece(EARLIER)], source="both.txt")
    df = open_store(tmp_path).messages()
    first = df.loc[df[S.TEXT].str.startswith("周六"), S.MSG_ID].item()
    assert df.set_index(S.TEXT).loc["东门哪个口？", S.REPLY_TO] == first
    assert pd.isna(df.set_index(S.TEXT).loc["北口", S.REPLY_TO])
