"""A QQ join notice shows the newcomer's nickname, their messages the group card: the newcomer
who speaks right after the notice is one member, not a speaker plus a silent namesake."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from report_groups import Group, Msg, build_store

from grouplens import schema as S

NAMES = {"1": "老班长", "2": "16-软工-阿青", "3": "16-金融-小溪", "4": "15-会计-大海", "5": "14-法学-山风"}


def store_of(tmp_path: Path, messages: list[Msg]):
    return build_store(tmp_path / "store", Group("迎新群", NAMES, messages))


def members(store) -> pd.DataFrame:
    return store.members(store.group_ids()[0]).set_index(S.MEMBER_ID)


def test_a_newcomer_greeting_at_the_notice_second_is_the_member_the_notice_names(tmp_path: Path) -> None:
    store = store_of(tmp_path, [
        Msg("2017-01-02 10:00:00", "1", "欢迎新同学"),
        Msg("2017-01-02 10:05:07", None, "青青草原加入本群", kind="join", event=("青青草原",)),
        Msg("2017-01-02 10:05:07", "2", "大家好，我是青青草原。"),
        Msg("2017-01-02 10:06:00", "1", "欢迎"),
    ])
    m = members(store)
    assert sorted(m.index) == ["1", "2"]  # no silent "name:青青草原" beside member 2
    assert m.loc["2", S.JOINED_AT] == pd.Timestamp("2017-01-02 02:05:07", tz="UTC")


def test_two_newcomers_at_once_are_not_guessed(tmp_path: Path) -> None:
    store = store_of(tmp_path, [
        Msg("2017-01-02 10:05:07", None, "阿青加入本群", kind="join", event=("阿青",)),
        Msg("2017-01-02 10:05:07", None, "小溪加入本群", kind="join", event=("小溪",)),
        Msg("2017-01-02 10:05:08", "2", "大家好"),
        Msg("2017-01-02 10:05:09", "3", "大家好呀"),
    ])
    assert {"name:阿青", "name:小溪", "2", "3"} == set(members(store).index)


def test_a_member_who_spoke_before_the_notice_is_not_taken_for_the_newcomer(tmp_path: Path) -> None:
    store = store_of(tmp_path, [
        Msg("2017-01-02 09:00:00", "4", "早"),
        Msg("2017-01-02 10:05:07", None, "山风加入本群", kind="join", event=("山风",)),
        Msg("2017-01-02 10:05:30", "4", "欢迎"),
        Msg("2017-01-02 10:30:00", "5", "谢谢大家"),  # too late to be the greeting
    ])
    assert {"4", "5", "name:山风"} == set(members(store).index)


def test_a_notice_naming_a_known_member_keeps_naming_them(tmp_path: Path) -> None:
    store = store_of(tmp_path, [
        Msg("2017-01-02 10:00:00", "5", "我回来了"),
        Msg("2017-01-02 10:05:07", None, "14-法学-山风加入本群", kind="join", event=("14-法学-山风",)),
        Msg("2017-01-02 10:05:08", "2", "大家好"),
    ])
    m = members(store)
    assert set(m.index) == {"5", "2"}
    assert pd.isna(m.loc["2", S.JOINED_AT])


def test_a_name_holding_a_comma_is_one_newcomer_not_two(tmp_path: Path) -> None:
    names = {**NAMES, "6": "阿青，小溪！", "7": "大海、"}
    store = build_store(tmp_path / "store", Group("迎新群", names, [
        Msg("2017-01-02 09:00:00", "6", "早"),
        Msg("2017-01-02 09:01:00", "7", "早上好"),
        Msg("2017-01-02 10:05:07", None, "阿青，小溪！加入本群", kind="join", event=("阿青", "小溪！")),
        Msg("2017-01-02 10:06:07", None, "大海、加入本群", kind="join", event=("大海",)),
        Msg("2017-01-02 10:07:07", None, "山风、老班长加入本群", kind="join", event=("山风", "老班长")),
    ]))
    m = store.members(store.group_ids()[0]).set_index(S.MEMBER_ID)
    assert set(m.index) == {"6", "7", "name:山风", "name:老班长"}
    assert m.loc["6", S.JOINED_AT] == pd.Timestamp("2017-01-02 02:05:07", tz="UTC")
    assert m.loc["7", S.JOINED_AT] == pd.Timestamp("2017-01-02 02:06:07", tz="UTC")
