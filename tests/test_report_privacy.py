"""Privacy: ids hidden by default, stable aliases, names and contact numbers masked in quotes."""

from __future__ import annotations

import json

import pytest
from report_groups import Group, Msg, build_store, fading_group

from grouplens.report import Report, apply_privacy, build_report
from grouplens.report.people import member_key
from grouplens.report.privacy import alias, text_fixer

NAMES = {"70001": "张三", "70002": "李四"}
SECRET = ("请问谁能帮忙？我的电话13812345678，邮箱zhang@example.com，身份证110101199003071234，"
          "或者找李四，QQ：70002")

GROUP = Group("隐私测试群", NAMES, [
    Msg("2024-03-04 10:00", "70001", SECRET, id="q"),
    Msg("2024-03-04 10:30", "70002", "我来帮你", reply="q"),
    Msg("2024-03-11 10:00", "70002", "下周见"),
])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("privacy") / "store", GROUP, fading_group())


def question_of(report) -> dict:
    return report.to_dict()["data"]["questions"][0]


def test_member_ids_are_hidden_unless_asked_for(store):
    hidden = build_report(store, "questions", group="隐私测试群")
    dump = json.dumps(hidden.to_dict(), ensure_ascii=False)
    assert "70001" not in dump and "70002" not in dump
    q = question_of(hidden)
    assert q["member_id"] is None and q["name"] == "张三"
    assert "QQ：[号码]" in q["text"] and "[号码]" in q["text"]
    assert hidden.privacy == {"pseudonymized": False, "redacted": False, "ids_shown": False}
    shown = question_of(build_report(store, "questions", group="隐私测试群", show_ids=True))
    assert shown["member_id"] == "70001" and "70002" in shown["text"]


def test_redact_masks_phone_id_card_and_email_numbers(store):
    text = question_of(build_report(store, "questions", group="隐私测试群", redact=True, lang="en"))["text"]
    assert "13812345678" not in text and "zhang@example.com" not in text and "110101199003071234" not in text
    assert "[phone]" in text and "[email]" in text and "[ID number]" in text


def test_pseudonyms_are_stable_across_reports_and_weeks_and_replace_names_in_texts(store):
    key = member_key(store.salt, "70002")
    expected = alias(key, "zh")
    q = question_of(build_report(store, "questions", group="隐私测试群", pseudonymize=True))
    assert q["name"] == alias(member_key(store.salt, "70001"), "zh") and q["answer"]["name"] == expected
    assert "李四" not in q["text"] and expected in q["text"] and "张三" not in json.dumps(q, ensure_ascii=False)
    later = build_report(store, "activity", group="隐私测试群", week="2024-W11", pseudonymize=True)
    assert later.to_dict()["data"]["top_talkers"][0]["name"] == expected
    assert later.to_dict()["data"]["top_talkers"][0]["member"] == key


def test_privacy_reaches_alert_sentences(store):
    data = build_report(store, "weekly", group="渐冷群", week="2024-W14", pseudonymize=True).to_dict()["data"]
    churned = next(a for a in data["alerts"] if a["code"] == "core_churned")
    assert "老郑" not in churned["message"]
    assert "老郑" not in json.dumps(data, ensure_ascii=False)


def test_wxids_and_labelled_qq_numbers_in_texts_are_masked_even_for_strangers():
    fix = text_fixer({}, "en", pseudonymize=False, redact=False, show_ids=False)
    assert fix("加我 wxid_abc123 或 QQ: 123456789，房间号 123456789") == "加我 [id] 或 QQ: [id]，房间号 123456789"
    keep = text_fixer({}, "en", pseudonymize=False, redact=False, show_ids=True)
    assert keep("wxid_abc123") == "wxid_abc123"


def test_a_name_that_is_only_the_members_id_is_hidden_with_the_id():
    row = {"member": "ABCDEFGH", "member_id": "wxid_x1y2z3", "name": "wxid_x1y2z3"}
    report = Report("activity", None, {}, {"top_talkers": [row, {**row, "name": "阿明"}]}, {}, lang="en")
    hidden = apply_privacy(report).data["top_talkers"]
    assert [(r["member_id"], r["name"]) for r in hidden] == [(None, "member-ABCDEF"), (None, "阿明")]
    shown = apply_privacy(report, show_ids=True).data["top_talkers"]
    assert shown[0]["name"] == "wxid_x1y2z3"


# --- every alias of a member, private chats, and contact details in any shape -----------------------

from conftest import SAMPLES  # noqa: E402

from grouplens import import_paths, open_store  # noqa: E402
from grouplens.report.people import Person  # noqa: E402

HEART = "wechat-45812376901@chatroom"  # 心内科患者交流群 in the chatlog samples
NURSE_CHAT = "wechat-wxid_zhou_hs"  # a private chat with 护士小周


@pytest.fixture(scope="module")
def chatlog_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("chatlog") / "store"
    layouts = ["chatlog-text", "chatlog-text-multi", "chatlog-csv", "chatlog-json"]
    assert import_paths(path, [SAMPLES / layout for layout in layouts]).ok
    return open_store(path)


def dump(report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False)


def person(key: str, mid: str, *names: str) -> Person:
    return Person(key, mid, names[0], tuple(names), None)


def test_pseudonyms_cover_surname_and_title_forms_derived_from_names(chatlog_store):
    report = build_report(chatlog_store, "weekly", group=HEART, week="2024-W12", pseudonymize=True)
    text = dump(report)
    for alias_form in ("王医生", "李静", "小周", "护士长", "老陈", "赵大爷"):
        assert alias_form not in text, alias_form
    doctor = alias(member_key(chatlog_store.salt, "wxid_wangys_0921"), "zh")
    assert f"{doctor}，我吃的是氨氯地平" in text


def test_derived_forms_are_replaced_only_when_one_member_can_be_meant():
    people = [person("K1AAAAAA", "1001", "王建国"), person("K2BBBBBB", "1002", "心内科-王医生"),
              person("K3CCCCCC", "1003", "上海-小林")]
    directory = {p.key: p for p in people}
    fix = text_fixer(directory, "zh", pseudonymize=True, redact=False, show_ids=True)
    # two members are surnamed 王: 老王 could be either, and stays; 王医生 is a name seen
    assert fix("老王说王医生今天在") == "老王说成员K2BBBB今天在"
    assert fix("小林和林医生都来了") == "成员K3CCCC和成员K3CCCC都来了"
    assert fix("林业局的通知") == "林业局的通知"


def test_one_character_names_are_replaced_where_they_are_mentioned():
    fix = text_fixer({"KJIAAAAA": person("KJIAAAAA", "2001", "甲")}, "zh", pseudonymize=True, redact=False,
                     show_ids=True)
    assert fix("@甲 你好，甲级联赛开始了") == "@成员KJIAAA 你好，甲级联赛开始了"
    assert fix("谢谢@甲") == "谢谢@成员KJIAAA"


def test_a_private_chat_named_after_its_contact_shows_neither_name_nor_id(chatlog_store):
    report = build_report(chatlog_store, "activity", group=NURSE_CHAT, pseudonymize=True)
    text = dump(report)
    assert "小周" not in text and "wxid" not in text
    nurse = alias(member_key(chatlog_store.salt, "wxid_zhou_hs"), "zh")
    assert report.to_dict()["group"]["name"] == nurse
    hidden = build_report(chatlog_store, "activity", group=NURSE_CHAT)  # ids hidden by default
    assert "wxid" not in json.dumps(hidden.to_dict()["group"], ensure_ascii=False)
    shown = build_report(chatlog_store, "activity", group=NURSE_CHAT, show_ids=True)
    assert shown.to_dict()["group"]["id"] == NURSE_CHAT


@pytest.mark.parametrize("secret", [
    "１３８１２３４５６７８", "138.1234.5678", "138 1234 5678", "+86 138-1234-5678", "＋８６　１３８１２３４５６７８",
    "liming_1990", "vx: Li-Ming2024", "微信：zhangwei88", "11010119900307123X", "zhang＠example.com",
])
def test_redaction_catches_contact_details_in_any_common_shape(secret):
    fix = text_fixer({}, "en", pseudonymize=False, redact=True, show_ids=True)
    masked = fix(f"有事找我 {secret} 谢谢")
    assert secret.split()[-1].split("：")[-1] not in masked and "[" in masked and masked.endswith(" 谢谢"), masked


@pytest.mark.parametrize("ordinary", [
    "2024-03-12 13:45 开会", "血压 126/80，心率 70", "价格 138 元", "第 15 天", "Python3 入门", "hello_world",
    "版本 v1.2.3", "http://example.com/page", "订单号 20240312",
])
def test_redaction_leaves_ordinary_numbers_and_words(ordinary):
    fix = text_fixer({}, "en", pseudonymize=False, redact=True, show_ids=True)
    assert fix(ordinary) == ordinary


def test_a_phone_number_inside_a_sender_name_is_redacted():
    row = {"member": "ABCDEFGH", "member_id": "3001", "name": "张伟-13912345678"}
    report = Report("activity", None, {}, {"top_talkers": [row]}, {}, lang="zh")
    assert apply_privacy(report, redact=True).data["top_talkers"][0]["name"] == "张伟-[电话]"
    assert apply_privacy(report).data["top_talkers"][0]["name"] == "张伟-13912345678"


def test_private_chats_in_the_groups_overview_are_neither_named_nor_identified(chatlog_store):
    text = dump(build_report(chatlog_store, "groups", pseudonymize=True))
    assert "小周" not in text and "刘先生" not in text and "wxid" not in text
    assert "心内科患者交流群" in text  # group chats keep their names
