"""Questions and their answers the way Chinese group chat has them (invented chat): a question
expects information, help or an opinion (not a ping, a bare ？？？, surprise or banter); its answer
is the first later message from someone else that gives the information, says where to find it
or says it cannot be answered, quoted or not, @-mentioning the asker or not."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.answers import question_flags
from grouplens.analysis.engagement import reply_structure
from grouplens.analysis.group import load_group
from grouplens.report import build_report
from grouplens.text.classes import QUESTION, classify_messages

SEP = "=" * 64
NAMES = {"1": "报名的小李", "2": "老学长", "3": "路过的小赵", "4": "班长阿芳"}


def qq_txt(rows: list[tuple[int, str, str]]) -> str:
    """A QQ TXT export; rows are (minutes after 2024-03-04 09:00, QQ number, text)."""
    start = datetime(2024, 3, 4, 9, 0, 0)
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:考研交流群",
             SEP, ""]
    for minutes, who, text in rows:
        t = start + timedelta(minutes=minutes)
        lines += [f"{t:%Y-%m-%d} {t.hour}:{t:%M:%S} {NAMES[who]}({who})", text, ""]
    return "\n".join(lines)


def speech_of(tmp_path: Path, rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    (tmp_path / "chat.txt").write_text(qq_txt(rows), encoding="utf-8")
    import_paths(tmp_path / "store", [tmp_path / "chat.txt"])
    rs = reply_structure(load_group(open_store(tmp_path / "store")))
    speech = rs.messages.copy()
    speech["is_question"] = question_flags(speech)
    ids = speech[S.MSG_ID].astype(str).tolist()
    speech["answer_text"] = [speech[S.TEXT].iat[ids.index(a)] if isinstance(a, str) else None
                             for a in speech[S.ANSWERED_BY].astype(object)]
    return speech.set_index(S.TEXT)


@pytest.mark.parametrize("text", ["在吗", "@老学长 在吗", "有人吗？", "？？？", "???", "啥？", "真的假的？", "不会吧？",
                                  "难道不是2016年的？", "我怎么知道", "不知道有没有", "什么人都能进来", "你们干嘛呢",
                                  "哈哈哈你是魔鬼吗", "[表情] 这也行？", "问我什么叫单例"])
def test_pings_bare_marks_surprise_rhetoric_and_banter_are_no_questions(text: str) -> None:
    classes = classify_messages(pd.DataFrame({S.TEXT: [text], S.KIND: ["text"], S.TS: [pd.Timestamp("2024-03-04", tz="UTC")]}))
    assert not classes[QUESTION].iat[0]


@pytest.mark.parametrize("text", ["导师申请表要贴照片么", "请问报名费多少？", "开卷还是闭卷", "有书没", "分呢", "同求",
                                  "大物实验3是啥", "加班嘛", "校医院看病有报销咩", "明天几点集合"])
def test_questions_without_a_question_mark_or_in_dialect_are_questions(text: str) -> None:
    classes = classify_messages(pd.DataFrame({S.TEXT: [text], S.KIND: ["text"], S.TS: [pd.Timestamp("2024-03-04", tz="UTC")]}))
    assert classes[QUESTION].iat[0]


def test_an_answer_that_neither_quotes_nor_mentions_the_asker_is_found(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "请问今年还需要交医保费吗？"),
        (2, "2", "不用交了，学校统一交过了"),
        (3, "1", "好的谢谢"),
    ])
    assert speech.loc["请问今年还需要交医保费吗？", "answer_text"] == "不用交了，学校统一交过了"


def test_chatter_after_a_question_is_passed_over_for_the_real_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "复试的英语自我介绍要准备多久？"),
        (1, "3", "[表情]"),
        (1, "3", "哈哈哈"),
        (3, "2", "一般准备两三分钟的内容就够，提前背熟"),
    ])
    assert speech.loc["复试的英语自我介绍要准备多久？", "answer_text"] == "一般准备两三分钟的内容就够，提前背熟"


def test_saying_where_to_find_it_or_that_nobody_knows_is_an_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "考场安排在哪里查？"),
        (2, "4", "看群公告，上面有链接"),
        (60, "3", "补报名还来得及吗？"),
        (62, "2", "不知道，问问研招办吧"),
    ])
    assert speech.loc["考场安排在哪里查？", "answer_text"] == "看群公告，上面有链接"
    assert speech.loc["补报名还来得及吗？", "answer_text"] == "不知道，问问研招办吧"


def test_a_question_nobody_answers_has_no_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "有人知道今年的分数线什么时候出吗？"),
        (240, "3", "今天天气不错"),
        (241, "4", "[图片]"),
    ])
    assert pd.isna(speech.loc["有人知道今年的分数线什么时候出吗？", S.ANSWERED_BY])


def test_a_late_unrelated_message_is_no_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "有人知道图书馆考研自习室几点关门吗？"),
        (110, "3", "大家晚安，明天见"),
    ])
    assert pd.isna(speech.loc["有人知道图书馆考研自习室几点关门吗？", S.ANSWERED_BY])


def test_a_greeting_right_after_a_question_is_no_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "复试要带哪些材料？"),
        (1, "3", "大家早上好呀，今天也要加油"),
        (5, "2", "身份证、准考证和学历证明，群文件有清单"),
    ])
    assert speech.loc["复试要带哪些材料？", "answer_text"] == "身份证、准考证和学历证明，群文件有清单"


def test_asking_the_same_again_or_thanking_someone_else_is_no_answer(tmp_path: Path) -> None:
    speech = speech_of(tmp_path, [
        (0, "1", "调剂系统什么时候开放？"),
        (1, "3", "同问"),
        (2, "4", "好的，谢谢学长"),
        (4, "2", "一般四月初开放，看研招网通知"),
    ])
    assert speech.loc["调剂系统什么时候开放？", "answer_text"] == "一般四月初开放，看研招网通知"


def test_the_questions_report_counts_unquoted_answers(tmp_path: Path) -> None:
    asked = ("请问第一套模拟卷的答案在哪里下载？", "数学真题有电子版吗？", "英语作文模板谁有？", "政治背诵手册在哪买？",
             "复试名单什么时候出？")
    answers = ("群文件里有，按套数找", "有的，群公告里有链接", "我有，私发你", "学校书店就有", "一般四月初，看研招网")
    rows = []
    for day, (q, a) in enumerate(zip(asked, answers)):
        base = day * 24 * 60 + day * 97  # different times of day
        rows += [(base, "1", q), (base + 3, "2", a)]
    (tmp_path / "chat.txt").write_text(qq_txt(rows), encoding="utf-8")
    import_paths(tmp_path / "store", [tmp_path / "chat.txt"])
    report = build_report(open_store(tmp_path / "store"), "questions", since="2024-03-04", until="2024-03-10")
    totals = report.data["totals"]
    assert totals["questions"] == 5 and totals["answered"] == 5 and totals["answered_share"] == 1.0
