"""Reply links: explicit quotes kept, the rest inferred by the shipped reply-link model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from grouplens import schema as S
from grouplens.errors import UsageError
from grouplens.importers import ParseOptions, get
from grouplens.importers.textutil import find_mentions
from grouplens.replies import features as F
from grouplens.replies.links import infer_reply_links
from grouplens.replies.model import load_model, model_from_json, model_to_json, save_model

FIXTURE = Path(__file__).parent.parent / "sample_logs" / "irc" / "2024-03-05_ubuntu.txt"
START = datetime(2024, 3, 5, 20, 0, tzinfo=UTC)


def chat(*rows: tuple, group: str | None = None) -> pd.DataFrame:
    """Messages from (minute, sender, text[, kind[, reply_to]]) tuples; ids m0, m1, ..."""
    records = []
    for n, row in enumerate(rows):
        minute, sender, text = row[:3]
        kind = row[3] if len(row) > 3 else "text"
        system = kind in S.EVENT_KINDS
        records.append({
            S.MSG_ID: f"m{n}",
            S.TS: START + timedelta(minutes=minute),
            S.SENDER_ID: None if system else "wxid_" + sender,
            S.SENDER_NAME: "系统消息" if system else sender,
            S.KIND: kind,
            S.TEXT: text,
            S.MENTIONS: [] if system else find_mentions(text),
            S.REPLY_TO: row[4] if len(row) > 4 else None,
        })
    frame = pd.DataFrame.from_records(records)
    frame[S.REPLY_TO] = frame[S.REPLY_TO].astype("string")
    if group is not None:
        frame.insert(0, S.GROUP_ID, group)
    return frame


def links(frame: pd.DataFrame) -> dict[str, str | None]:
    out = infer_reply_links(frame)
    return {m: (None if pd.isna(r) else r) for m, r in zip(out[S.MSG_ID], out[S.REPLY_TO], strict=True)}


def test_an_at_answer_links_to_the_asker():
    frame = chat((0, "阿杰", "周六的徒步活动几点集合？"),
                 (1, "小美", "今天的打卡完成了，走了一万二千步"),
                 (2, "王老师", "@阿杰 早上8点，南门集合"))
    assert links(frame)["m2"] == "m0"


def test_nick_colon_answer_links_to_that_nicks_last_message():
    frame = chat((0, "bob", "my wifi died after the upgrade"),
                 (1, "alice", "anyone tried the new gnome yet"),
                 (1, "bob", "driver is iwlwifi, any idea?"),
                 (2, "dave", "alice: yes, it is fast"),
                 (3, "carol", "bob: reinstall linux-firmware and reboot"))
    result = links(frame)
    assert result["m4"] == "m2"
    assert result["m3"] == "m1"


def test_an_explicit_quote_always_wins_over_the_model():
    frame = chat((0, "阿杰", "周六的徒步活动几点集合？"),
                 (1, "小美", "报名表在哪里填？"),
                 (2, "王老师", "@阿杰 早上8点，南门集合", "text", "m1"))
    out = infer_reply_links(frame)
    row = out.iloc[2]
    assert (row[S.REPLY_TO], row[S.REPLY_SOURCE], row[S.REPLY_SCORE]) == ("m1", "explicit", 1.0)


def test_an_explicit_link_to_a_message_outside_the_frame_is_kept():
    frame = chat((0, "阿杰", "收到"), (1, "小美", "好的", "text", "older-message-id"))
    assert links(frame)["m1"] == "older-message-id"


def test_system_lines_never_get_or_receive_links():
    frame = chat((0, "", "“小林”加入了群聊", "join"),
                 (1, "小林", "大家好，我是新来的，请多关照"),
                 (2, "", "群公告：本周六徒步活动，8点南门集合", "system"),
                 (3, "阿杰", "@小林 欢迎欢迎！"),
                 (4, "", "“老周”退出了群聊", "leave"),
                 (5, "小林", "谢谢阿杰"))
    result = links(frame)
    assert result["m0"] is None and result["m2"] is None and result["m4"] is None
    assert not {"m0", "m2", "m4"} & set(result.values())
    assert result["m3"] == "m1"


def test_the_first_message_has_no_parent_and_no_score():
    out = infer_reply_links(chat((0, "阿杰", "早上好"), (1, "小美", "@阿杰 早")))
    first = out.iloc[0]
    assert pd.isna(first[S.REPLY_TO]) and pd.isna(first[S.REPLY_SOURCE]) and np.isnan(first[S.REPLY_SCORE])
    second = out.iloc[1]
    assert (second[S.REPLY_TO], second[S.REPLY_SOURCE]) == ("m0", "inferred")
    assert 0.0 < second[S.REPLY_SCORE] <= 1.0


def test_output_columns_and_dtypes():
    frame = chat((0, "阿杰", "周六几点集合？"), (1, "小美", "@阿杰 8点"), (2, "阿杰", "好的"))
    out = infer_reply_links(frame)
    assert list(out.columns) == [*frame.columns, S.REPLY_SOURCE, S.REPLY_SCORE]
    assert isinstance(out[S.REPLY_TO].dtype, pd.StringDtype)
    assert isinstance(out[S.REPLY_SOURCE].dtype, pd.StringDtype)
    assert out[S.REPLY_SCORE].dtype == np.float64
    assert set(out[S.REPLY_SOURCE].dropna()) <= set(S.REPLY_SOURCES)
    pd.testing.assert_frame_equal(out[[c for c in frame.columns if c != S.REPLY_TO]],
                                  frame[[c for c in frame.columns if c != S.REPLY_TO]])
    assert list(frame.columns) == [S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.TEXT, S.MENTIONS, S.REPLY_TO]


def test_rows_out_of_time_order_keep_their_places():
    frame = chat((0, "阿杰", "周六的徒步活动几点集合？"), (1, "小美", "今天打卡了"), (2, "王老师", "@阿杰 早上8点"))
    shuffled = frame.iloc[[2, 0, 1]].set_index(pd.Index([10, 11, 12]))
    out = infer_reply_links(shuffled)
    assert list(out.index) == [10, 11, 12]
    assert out.loc[10, S.REPLY_TO] == "m0"


def test_links_never_cross_groups():
    a = chat((0, "阿杰", "周六几点集合？"), group="wechat-1@chatroom")
    b = chat((1, "王老师", "@阿杰 早上8点"), group="wechat-2@chatroom")
    b[S.MSG_ID] = "n0"
    out = infer_reply_links(pd.concat([a, b], ignore_index=True))
    assert out[S.REPLY_TO].isna().all()


def test_results_are_deterministic():
    frame = irc_fixture()
    first, second = infer_reply_links(frame), infer_reply_links(frame.copy())
    pd.testing.assert_frame_equal(first, second)


def irc_fixture() -> pd.DataFrame:
    frame = next(get("irc").parse(FIXTURE, ParseOptions(tz=ZoneInfo("UTC")))).messages.to_pandas()
    frame[S.MSG_ID] = "L" + frame[S.SOURCE_LINE].astype(str)
    return frame


def test_irc_log_answers_link_to_what_they_answer():
    out = infer_reply_links(irc_fixture())
    parent = dict(zip(out[S.MSG_ID], out[S.REPLY_TO], strict=True))
    assert parent["L5"] == "L4"  # "tomreyn: Intel Wireless 8265" answers tomreyn's question
    assert parent["L11"] == "L10"  # "Bashing-om: thanks, will try that"
    assert parent["L25"] == "L24"  # "mkdir_p_laptop: great, you're welcome"
    assert parent["L33"] == "L32"  # "Bashing-om: firefox was open"
    events = out[out[S.KIND].isin(S.EVENT_KINDS)]
    assert events[S.REPLY_TO].isna().all()
    assert not set(events[S.MSG_ID]) & set(out[S.REPLY_TO].dropna())


def test_missing_columns_are_a_usage_error():
    with pytest.raises(UsageError, match="text"):
        infer_reply_links(pd.DataFrame({S.MSG_ID: ["a"], S.TS: [START]}))


def test_an_empty_frame_gets_the_columns():
    out = infer_reply_links(chat((0, "阿杰", "x")).iloc[:0])
    assert len(out) == 0 and {S.REPLY_SOURCE, S.REPLY_SCORE} <= set(out.columns)


def test_the_shipped_model_loads_and_says_what_it_was_trained_on():
    model = load_model()
    assert model.window == F.WINDOW
    assert len(model.stages) >= 1 and all(s.pair_terms and s.self_terms for s in model.stages)
    assert "IRC disentanglement" in model.info["trained_on"]["corpus"]
    assert model.info["dev"]["final"]["f1"] > 50


def test_a_model_survives_a_round_trip_through_json(tmp_path):
    model = load_model()
    path = tmp_path / "model.json"
    save_model(model, path)
    again = load_model(path)
    assert model_to_json(again) == model_to_json(model)
    assert json.loads(path.read_text())["format"] == model_to_json(model)["format"]


def test_a_model_of_the_wrong_shape_is_refused():
    broken = model_to_json(load_model())
    broken["stages"][0]["pair_terms"][0]["weights"] = [0.0]
    with pytest.raises(ValueError, match="weights"):
        model_from_json(broken)
