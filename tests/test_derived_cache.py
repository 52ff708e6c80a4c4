"""What grouplens works out about each message is kept in the store (``analysis.derived``):
a second run reads it, a new week extends it, a changed setting recomputes only what depends on it,
and the results are those of a store that never had a cache."""

from __future__ import annotations

import dataclasses
import json
import shutil
from array import array
from pathlib import Path

import pandas as pd
import pytest

from grouplens import import_paths, open_store
from grouplens.analysis import derived
from grouplens.analysis.group import load_group
from grouplens.config import load_config
from grouplens.roles import group_roles, role_records
from grouplens.simulate import simulate_group
from grouplens.simulate.export import member_list_csv, write_qq_txt
from grouplens.text import classes

WEEKS = 4


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """A simulated group's first three weeks and its fourth as two QQ TXT exports, and its member list."""
    group = simulate_group(members=60, weeks=WEEKS, seed=11)
    folder = tmp_path_factory.mktemp("weeks")
    msgs = group.messages
    cut = next(i for i, t in enumerate(msgs.ts) if t >= (WEEKS - 1) * 7 * 86400)
    paths = {}
    for name, lo, hi in (("early", 0, cut), ("last", cut, len(msgs))):
        part = dataclasses.replace(msgs, ts=array("q", msgs.ts[lo:hi]), sender=array("i", msgs.sender[lo:hi]),
                                   text=msgs.text[lo:hi], intent=array("B", msgs.intent[lo:hi]),
                                   reply_to=array("i", [-1] * (hi - lo)))
        paths[name] = folder / f"{name}.txt"
        write_qq_txt(paths[name], dataclasses.replace(group, messages=part))
    paths["members"] = folder / "members.csv"
    paths["members"].write_bytes(member_list_csv(group).encode("utf-8-sig"))
    return paths


def imported(tmp_path: Path, name: str, *files: Path) -> Path:
    store = tmp_path / name
    for f in files:
        assert import_paths(store, [f], group=None).ok
    return store


def roles_json(store: Path, config=None) -> list[dict]:
    return json.loads(json.dumps(role_records(group_roles(open_store(store), config=config)), default=str))


class Calls:
    """Counts calls of the steps the cache saves (and the rows they got)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.weeks: list[pd.Timestamp] = []
        self.rule_rows = 0
        self.templates = 0
        self.role_features = 0
        compute_week, classify, find, features = (derived._compute_week, classes.classify_messages,
                                                  classes.find_templates, _roles_module()._role_features)

        def week(frame, members, config, monday):
            self.weeks.append(monday)
            return compute_week(frame, members, config, monday)

        def rules(messages, *a, **k):
            self.rule_rows += len(messages)
            return classify(messages, *a, **k)

        def templates(*a, **k):
            self.templates += 1
            return find(*a, **k)

        def role_features(data):
            self.role_features += 1
            return features(data)

        monkeypatch.setattr(derived, "_compute_week", week)
        monkeypatch.setattr(classes, "classify_messages", rules)
        monkeypatch.setattr(classes, "find_templates", templates)
        monkeypatch.setattr(_roles_module(), "_role_features", role_features)


def _roles_module():
    import grouplens.roles as roles
    return roles


def test_a_second_run_reads_every_derived_result_from_the_store(tmp_path, exports, monkeypatch) -> None:
    store = imported(tmp_path, "store", exports["early"], exports["last"], exports["members"])
    first = roles_json(store)
    assert (store / "derived").is_dir()
    calls = Calls(monkeypatch)
    assert roles_json(store) == first
    assert (calls.weeks, calls.rule_rows, calls.templates, calls.role_features) == ([], 0, 0, 0)


def no_scripts():
    """Settings under which no post is a recurring script (scripts recur over the whole group, so a
    new week can turn older posts into one: see the test after next)."""
    base = load_config()
    return dataclasses.replace(base, templates=dataclasses.replace(base.templates, min_days=10_000))


def test_a_new_week_computes_that_week_and_the_one_before_it_only(tmp_path, exports, monkeypatch) -> None:
    config = no_scripts()
    store = imported(tmp_path, "store", exports["early"], exports["members"])
    roles_json(store, config)
    new_rows = len(open_store(store).messages())
    assert import_paths(store, [exports["last"]]).ok
    new_rows = len(open_store(store).messages()) - new_rows
    calls = Calls(monkeypatch)
    after = roles_json(store, config)
    weeks = sorted(calls.weeks)
    stored = sorted(p.name for p in next((store / "derived").glob("*/replies-*")).glob("week-*.parquet"))
    assert len(stored) >= WEEKS
    # the new week and the one before it, whose answers may lie in the new one
    assert [f"week-{w.date().isoformat()}.parquet" for w in weeks] == stored[-2:]
    assert calls.rule_rows == new_rows  # the written rules read only the new messages
    assert calls.templates == 1  # scripts recur over the whole group: looked for again, once
    # ... and the results are those of a store that imported everything at once, with no cache
    monkeypatch.undo()
    fresh = imported(tmp_path, "fresh", exports["last"], exports["early"], exports["members"])
    assert after == roles_json(fresh, config)


def test_a_week_whose_posts_a_new_week_makes_a_script_is_computed_again(tmp_path, exports, monkeypatch) -> None:
    store = imported(tmp_path, "store", exports["early"], exports["members"])
    from grouplens.analysis.group import with_classes
    before = with_classes(load_group(open_store(store)))
    roles_json(store)
    assert import_paths(store, [exports["last"]]).ok
    old = before.messages.set_index("msg_id")[classes.OPERATOR_TEMPLATE]
    now = with_classes(load_group(open_store(store))).messages.set_index("msg_id")[classes.OPERATOR_TEMPLATE]
    flipped = old.index[old != now.reindex(old.index)]
    changed_weeks = {derived.week_start(t) for t in before.messages.set_index("msg_id").loc[flipped, "ts"]}
    calls = Calls(monkeypatch)
    after = roles_json(store)
    assert changed_weeks and changed_weeks <= set(calls.weeks)
    monkeypatch.undo()
    assert after == roles_json(imported(tmp_path, "fresh", exports["early"], exports["last"], exports["members"]))


def test_a_changed_setting_recomputes_what_depends_on_it_and_nothing_else(tmp_path, exports, monkeypatch) -> None:
    store = imported(tmp_path, "store", exports["early"], exports["last"], exports["members"])
    base = load_config()
    roles_json(store, base)

    answers = dataclasses.replace(base, engagement=dataclasses.replace(base.engagement, answer_window_minutes=60.0))
    calls = Calls(monkeypatch)
    roles_json(store, answers)
    assert len(calls.weeks) >= WEEKS and calls.role_features == 1  # replies and what reads them
    assert (calls.rule_rows, calls.templates) == (0, 0)  # the classes do not depend on answers
    monkeypatch.undo()

    roles_only = dataclasses.replace(base, roles=dataclasses.replace(base.roles, outlier_quantile=0.85))
    calls = Calls(monkeypatch)
    roles_json(store, roles_only)
    assert (calls.weeks, calls.rule_rows, calls.templates) == ([], 0, 0)  # roles thresholds: figures only
    monkeypatch.undo()

    scripts = dataclasses.replace(base, templates=dataclasses.replace(base.templates, min_days=base.templates.min_days + 1))
    calls = Calls(monkeypatch)
    roles_json(store, scripts)
    assert calls.templates == 1 and calls.rule_rows == 0  # templates again, the written rules kept
    assert len(calls.weeks) >= WEEKS  # answers read the classes


def test_derived_columns_equal_those_worked_out_without_a_store(tmp_path, exports) -> None:
    from grouplens.analysis.engagement import reply_structure
    store = imported(tmp_path, "store", exports["early"], exports["last"], exports["members"])
    data = load_group(open_store(store))
    cached = reply_structure(data).messages
    plain = reply_structure(dataclasses.replace(load_group(open_store(store)), stored=False)).messages
    whole = classes.classify_messages(load_group(open_store(store)).messages, data.config, tz=data.tz)
    assert (data.messages[whole.columns].to_numpy() == whole.to_numpy()).all()  # classes: the whole group's
    # Reply links and answers: the same as one pass over the whole group for nearly every
    # message (a week is read with a day of context on each side, not the whole year).
    same = (cached[derived.REPLY_COLUMNS[0]].fillna("") == plain[derived.REPLY_COLUMNS[0]].fillna("")).mean()
    answered = (cached["answered_by"].fillna("") == plain["answered_by"].fillna("")).mean()
    assert same > 0.97 and answered > 0.97


def test_a_damaged_cache_file_is_worked_out_again(tmp_path, exports) -> None:
    store = imported(tmp_path, "store", exports["early"], exports["last"], exports["members"])
    first = roles_json(store)
    for f in (store / "derived").rglob("*.parquet"):
        f.write_bytes(b"not parquet")
    assert roles_json(store) == first
    shutil.rmtree(store / "derived")
    assert roles_json(store) == first  # deleting the cache is safe


def test_forgetting_a_member_drops_the_groups_derived_data(tmp_path, exports) -> None:
    from grouplens.store.forget import forget_member
    store = imported(tmp_path, "store", exports["early"], exports["last"], exports["members"])
    roles = roles_json(store)
    member = next(r["member_id"] for r in roles if r["evidence"]["messages"])
    forget_member(store, member)
    assert not any((store / "derived").rglob("*.parquet"))
    assert member not in {r["member_id"] for r in roles_json(store)}
