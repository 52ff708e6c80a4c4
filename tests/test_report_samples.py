"""Reports over every sample export: messages counted once, every kind renders in every format,
and no member id reaches a report unless asked for."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.errors import UsageError
from grouplens.report import KINDS, build_report
from grouplens.report.tables import write_report_csv
from grouplens.report.terminal import render_terminal

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("samples") / "store"
    import_paths(path, [SAMPLES])
    return open_store(path)


def test_every_members_message_is_counted_once_in_activity(store):
    for gid in store.group_ids():
        messages = store.messages(gid)
        speech = messages[messages[S.SENDER_ID].notna() & ~messages[S.KIND].isin(S.EVENT_KINDS)]
        try:
            data = build_report(store, "activity", gid).data
        except UsageError:  # a group with notices only
            assert speech.empty
            continue
        assert data["totals"]["messages"] == len(speech), gid
        assert sum(d["messages"] for d in data["daily"]) == len(speech)
        assert sum(map(sum, data["heatmap"]["messages"])) == len(speech)
        assert sum(k["messages"] for k in data["kinds"]) == len(speech)


def test_every_kind_renders_in_every_format_and_hides_ids(store):
    biggest = store.groups()[S.GROUP_ID].head(3).tolist()
    for gid in biggest:
        ids = [m for m in store.members(gid)[S.MEMBER_ID] if len(m) >= 6 and not m.startswith(S.NAME_ID_PREFIX)]
        for kind in KINDS:
            if kind == "groups" and gid != biggest[0]:
                continue  # the overview is the same for every group: built once
            busiest = store.members(gid).sort_values(S.MESSAGE_COUNT)[S.MEMBER_ID].iloc[-1]
            report = build_report(store, kind, None if kind == "groups" else gid, lang="en",
                                  member=busiest if kind == "member" else None).to_dict()
            dump = json.dumps(report, ensure_ascii=False)
            assert not [m for m in ids if f'"{m}"' in dump], (gid, kind)
            out = io.StringIO()
            render_terminal(report, Console(file=out, width=80, color_system=None))
            assert out.getvalue().strip()
            write_report_csv(report, io.StringIO())
