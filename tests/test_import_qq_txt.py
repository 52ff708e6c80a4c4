"""The classic QQ 消息管理器 TXT importer, on the sample export and on hand-made variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import utc

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import ParseOptions, detect, get, sniff

SEP = "=" * 64


def parse(path: Path) -> dict:
    return {c.name: c for c in get("qq-txt").parse(path, ParseOptions())}


def write(tmp_path: Path, body: list[str], *, encoding: str = "utf-8-sig", eol: str = "\r\n",
          name: str = "x.txt") -> Path:
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP,
             "消息对象:测试群", SEP, "", *body]
    path = tmp_path / name
    path.write_bytes(eol.join(lines).encode(encoding))
    return path


def test_the_sample_is_detected_as_qq_txt_and_nothing_else(qq_txt: Path) -> None:
    assert detect(qq_txt).name == "qq-txt"
    assert [i.name for i in sniff(qq_txt)] == ["qq-txt"]


def test_an_export_all_file_gives_one_conversation_per_section(qq_txt: Path) -> None:
    convs = parse(qq_txt)
    assert list(convs) == ["周末羽毛球交流群", "TRPG 跑团群", "老王"]
    assert [c.messages.num_rows for c in convs.values()] == [20, 7, 2]
    assert [c.is_group for c in convs.values()] == [True, True, False]


def test_group_section_counts_and_time_range(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    assert df[S.SENDER_ID].nunique() == 8  # the system sender has no id
    assert (df[S.KIND] == "join").sum() == 1
    assert (df[S.KIND] == "leave").sum() == 1
    assert (df[S.KIND] == "recall").sum() == 1
    assert df[S.TS].min() == utc(2024, 3, 2, 0, 4, 5)  # 8:04:05 in Shanghai
    assert df[S.TS].max() == utc(2024, 3, 9, 6, 3, 10)
    assert df[S.MSG_ID].isna().all()  # the export has no ids; ingest derives them


def test_senders_keep_brackets_emoji_and_email_ids(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    names = dict(zip(df[S.SENDER_ID].dropna(), df[S.SENDER_NAME][df[S.SENDER_ID].notna()]))
    assert names["55667788"] == "羽球老王(队长)"
    assert names["13579246"] == "夜猫子🦉"
    assert names["qiuqiu@example.com"] == "球球"
    assert names["24681357"] == "24681357"  # a header with only an id uses the id as the name


def test_title_prefixes_are_moved_out_of_the_name(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    first = df.iloc[1]
    assert first[S.SENDER_NAME] == "阿杰" and first[S.SENDER_ID] == "123456789"
    assert first[S.EXTRA] == '{"title": "管理员"}'


def test_multi_line_messages_keep_inner_blank_lines(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    assert df.iloc[5][S.TEXT] == "下午两点，老地方体育馆3号场\n\n记得带球拍和水"
    assert df.iloc[5][S.SOURCE_LINE] == 26


def test_system_senders_become_events_with_the_members_they_name(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    join = df[df[S.KIND] == "join"].iloc[0]
    assert join[S.SENDER_ID] is None or join[S.SENDER_ID] != join[S.SENDER_ID]
    assert join[S.SENDER_NAME] == "系统消息"
    assert list(join[S.EVENT_MEMBERS]) == ["小林"]
    leave = df[df[S.KIND] == "leave"].iloc[0]
    assert list(leave[S.EVENT_MEMBERS]) == ["代购小美"]


def test_placeholders_decide_the_kind(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    kinds = df[S.KIND].value_counts().to_dict()
    assert kinds["image"] == 2 and kinds["red_packet"] == 1
    assert df.iloc[2][S.KIND] == "text"  # text plus [表情] is still text


def test_mentions_are_read_from_the_text(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    assert list(df.iloc[4][S.MENTIONS]) == ["阿杰"]
    assert list(df.iloc[13][S.MENTIONS]) == ["夜猫子🦉"]


def test_twelve_hour_clocks_in_english_and_chinese(qq_txt: Path) -> None:
    df = parse(qq_txt)["TRPG 跑团群"].messages.to_pandas()
    assert df.iloc[0][S.TS] == utc(2024, 3, 5, 12, 43, 38)  # 8:43:38 PM
    assert df.iloc[4][S.TS] == utc(2024, 3, 5, 16, 0, 5)  # 12:00:05 AM is just after midnight
    assert df.iloc[5][S.TS] == utc(2024, 3, 6, 0, 0, 0)  # 上午 08:00:00
    assert df.iloc[6][S.TS] == utc(2024, 3, 6, 5, 15, 0)  # 下午 1:15:00
    assert df.iloc[2][S.TEXT] == ""  # an empty message stays a message


def test_private_chats_key_senders_by_name(qq_txt: Path) -> None:
    df = parse(qq_txt)["老王"].messages.to_pandas()
    assert df[S.SENDER_ID].tolist() == ["name:老王", "name:我的昵称"]


def test_a_content_line_starting_with_a_timestamp_stays_content(qq_txt: Path) -> None:
    df = parse(qq_txt)["周末羽毛球交流群"].messages.to_pandas()
    assert df.iloc[18][S.TEXT] == "人到齐了吗？2024-03-09 14:00 开始热身"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_encodings_and_line_ends(tmp_path: Path, encoding: str, eol: str) -> None:
    path = write(tmp_path, ["2024-01-02 9:00:00 张三(10001)", "你好，世界", "第二行", "",
                            "2024-01-02 9:01:00 李四(10002)", "收到", ""], encoding=encoding, eol=eol)
    df = parse(path)["测试群"].messages.to_pandas()
    assert df[S.TEXT].tolist() == ["你好，世界\n第二行", "收到"]
    assert df[S.SENDER_NAME].tolist() == ["张三", "李四"]


def test_an_impossible_date_in_a_header_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, ["2024-01-02 9:00:00 张三(10001)", "好", "", "2024-13-45 9:01:00 李四(10002)", "收到", ""])
    with pytest.raises(FormatError) as err:
        parse(path)
    assert err.value.line == 12 and "impossible date" in err.value.message


def test_february_30th_is_impossible(tmp_path: Path) -> None:
    path = write(tmp_path, ["2023-02-30 9:00:00 张三(10001)", "好", ""])
    with pytest.raises(FormatError) as err:
        parse(path)
    assert err.value.line == 9


def test_text_before_the_first_header_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, ["这不是消息头", "2024-01-02 9:00:00 张三(10001)", "好", ""])
    with pytest.raises(FormatError) as err:
        parse(path)
    assert err.value.line == 9


def test_zero_width_characters_survive_parsing_for_ingest_to_clean(tmp_path: Path) -> None:
    path = write(tmp_path, ["2024-01-02 9:00:00 张三(10001)", "你\u200b好", ""])
    assert parse(path)["测试群"].messages.column(S.TEXT).to_pylist() == ["你\u200b好"]


def test_a_discussion_group_without_ids_is_a_group_keyed_by_name(tmp_path: Path) -> None:
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:多人聊天", SEP, "消息对象:番茄,土豆,茄子",
             SEP, "", "2017-08-29 20:28:30 番茄", "晚上吃什么", "", "2017-08-29 20:29:00 土豆", "火锅", "",
             "2017-08-29 20:29:30 茄子", "同意", ""]
    path = tmp_path / "d.txt"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    (conversation,) = parse(path).values()
    assert conversation.is_group
    assert conversation.messages.column(S.SENDER_ID).to_pylist() == ["name:番茄", "name:土豆", "name:茄子"]


def test_a_friend_section_where_only_your_own_side_shows_an_id_keeps_both_sides(tmp_path: Path) -> None:
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的好友", SEP, "消息对象:老王", SEP, "",
             "2019-09-23 8:43:38 PM 老王", "在吗", "", "2019-09-23 8:44:09 PM 我的昵称(12345678)", "在", "",
             "2019-09-23 8:45:00 PM 老王", "周末打球？", ""]
    path = tmp_path / "f.txt"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    (conversation,) = parse(path).values()
    assert not conversation.is_group and conversation.lines.unaccepted == []
    assert conversation.messages.column(S.SENDER_ID).to_pylist() == ["name:老王", "12345678", "name:老王"]
