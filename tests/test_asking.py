"""Which question-class lines ask something where they stand (grouplens.analysis.asking), on
small invented chats: a request put to the group stays a question; friends teasing each other
with a question mark in a burst of laughter, a meme line copied by several members, and quoted
speech do not."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import pandas as pd

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.answers import question_flags
from grouplens.analysis.asking import FEATURES, MODEL_FILE, asking, context_features
from grouplens.analysis.engagement import reply_structure
from grouplens.analysis.group import load_group
from grouplens.text.classes import QUESTION, classify_messages

SEP = "=" * 64
NAMES = {"1": "新生小王", "2": "学长老周", "3": "阿杰", "4": "大刘", "5": "小美"}


def qq_txt(rows: list[tuple[float, str, str]]) -> str:
    """A QQ TXT export; rows are (minutes after 2024-05-06 20:00, QQ number, text)."""
    start = datetime(2024, 5, 6, 20, 0, 0)
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:新生群", SEP, ""]
    for minutes, who, text in rows:
        t = start + timedelta(minutes=minutes)
        lines += [f"{t:%Y-%m-%d} {t.hour}:{t:%M:%S} {NAMES[who]}({who})", text, ""]
    return "\n".join(lines)


def asks_of(tmp_path: Path, rows: list[tuple[float, str, str]]) -> dict[str, bool]:
    """Each text's verdict: True/False for question-class lines (asks or not), absent otherwise."""
    (tmp_path / "chat.txt").write_text(qq_txt(rows), encoding="utf-8")
    import_paths(tmp_path / "store", [tmp_path / "chat.txt"])
    speech = reply_structure(load_group(open_store(tmp_path / "store"))).messages
    rule = question_flags(speech)
    return {t: bool(a) for t, a, r in zip(speech[S.TEXT], speech[S.ASKS], rule) if r}


# A quiet group: a newcomer asks the group, a senior answers, the newcomer thanks him. In the
# evening the friends 阿杰 and 大刘 trade jokes among laughter and stickers; 小美 posts a line and
# two others copy it word for word.
CHAT = [
    (0, "1", "请问宿舍什么时候可以入住？"),
    (3, "2", "9月1号，带上录取通知书去楼下登记"),
    (4, "1", "好的谢谢学长"),
    (60, "3", "哈哈哈哈"),
    (60.2, "4", "[表情]"),
    (60.4, "3", "刘神又去约会了"),
    (60.6, "4", "哈哈哈"),
    (60.8, "3", "刘神你要不要脸？"),
    (61, "4", "[表情][表情]"),
    (61.2, "3", "哈哈哈哈哈"),
    (90, "5", "谁是今晚最靓的仔？"),
    (90.3, "3", "谁是今晚最靓的仔？"),
    (90.5, "4", "谁是今晚最靓的仔？"),
]


def test_a_request_put_to_the_group_asks_and_is_answered(tmp_path: Path) -> None:
    asks = asks_of(tmp_path, CHAT)
    assert asks["请问宿舍什么时候可以入住？"] is True


def test_teasing_a_friend_among_laughter_asks_nothing(tmp_path: Path) -> None:
    asks = asks_of(tmp_path, CHAT)
    assert asks["刘神你要不要脸？"] is False


def test_a_line_copied_word_for_word_by_others_is_a_meme_not_a_question(tmp_path: Path) -> None:
    asks = asks_of(tmp_path, CHAT)
    assert asks["谁是今晚最靓的仔？"] is False


def test_unanswered_questions_stay_questions_when_nobody_replies(tmp_path: Path) -> None:
    asks = asks_of(tmp_path, [(0, "1", "请问图书馆周末几点开门？"), (200, "3", "今天好热")])
    assert asks["请问图书馆周末几点开门？"] is True


def test_quoted_speech_laments_and_surprise_are_not_question_class() -> None:
    texts = ["面试官问“项目做了多久？”我说半年", "怎么办。。。", "是么", "这么牛？"]
    classes = classify_messages(pd.DataFrame({S.TEXT: texts, S.KIND: ["text"] * len(texts),
                                              S.TS: [pd.Timestamp("2024-05-06", tz="UTC")] * len(texts)}))
    assert not classes[QUESTION].any()


def test_only_question_class_lines_are_scored(tmp_path: Path) -> None:
    (tmp_path / "chat.txt").write_text(qq_txt(CHAT), encoding="utf-8")
    import_paths(tmp_path / "store", [tmp_path / "chat.txt"])
    rs = reply_structure(load_group(open_store(tmp_path / "store")), answers=False)
    rule = question_flags(rs.messages)
    asks, prob = asking(rs, rule)
    assert not (asks & ~rule).any()
    assert pd.isna(prob[~rule]).all() and ((prob[rule] >= 0) & (prob[rule] <= 1)).all()
    assert list(context_features(rs, rule).columns) == ["position", *FEATURES]


def test_the_shipped_model_has_a_weight_for_every_feature_and_a_threshold() -> None:
    model = json.loads(resources.files("grouplens.models").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    assert set(model["weights"]) == set(FEATURES)
    assert 0 < model["threshold"] < 1
