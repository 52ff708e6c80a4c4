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
