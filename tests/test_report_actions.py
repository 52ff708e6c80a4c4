"""The operator's to-do list: each weekly review ends with actions, records them per week in the
store, and the next week's review says which of them happened."""

from __future__ import annotations

import io
import json
import shutil
from datetime import timedelta

import pytest
from report_groups import Group, Msg, build_store, fading_group
from typer.testing import CliRunner

from grouplens.cli import app
from grouplens.cli.output import wide_console
from grouplens.report import build_report
from grouplens.report.actions import actions_file, load_actions, record_actions
from grouplens.report.period import week_label
from grouplens.report.terminal import render_terminal
from grouplens.store.store import open_store

runner = CliRunner()
GROUP = "待办测试群"


def todo_group() -> Group:
    """渐冷群's weeks 10-13 (老郑 core from W12, silent in W13), then:

    W12: 四号 asks where to sign up for the weekend 活动 and 五号 answers; 三号 asks about pills
    and 二号 answers (a different topic). W13: 新来的 (60008) joins and says nothing.
    W14: 广告号 posts two ads; 二号 asks 请问还有活动吗？ and nobody answers; a risky claim; a
    remark. W15: 五号 answers 二号's question by quoting it, 新来的 speaks, 广告号 leaves, 老郑
    comes back for one message, 二号 says goodbye.
    """
    base = fading_group()
    names = {**base.names, "60008": "新来的"}
    messages = base.messages[:-5] + [
        Msg("2024-03-20 15:00", "60004", "周末活动在哪里报名？", id="a1"),
        Msg("2024-03-20 15:10", "60006", "在群公告里报名", reply="a1"),
        Msg("2024-03-21 15:00", "60003", "降压药饭前吃还是饭后吃？", id="a2"),
        Msg("2024-03-21 15:05", "60002", "饭后吃", reply="a2"),
        Msg("2024-03-27 09:00", None, "新来的加入本群", kind="join", event=("新来的",)),
        Msg("2024-04-01 10:00", "60007", "加V：sale8888 低价代购"),
        Msg("2024-04-02 10:00", "60002", "请问还有活动吗？", id="q14"),
        Msg("2024-04-03 10:00", "60003", "这个秘方包治百病"),
        Msg("2024-04-05 10:00", "60007", "加V：sale8888 低价代购"),
        Msg("2024-04-07 20:00", "60004", "好久没人说话了"),
        Msg("2024-04-08 09:00", "60006", "周六上午，群公告里报名", reply="q14"),
        Msg("2024-04-09 10:00", "60008", "大家好，我是新来的"),
        Msg("2024-04-10 09:00", None, "广告号退出了群聊", kind="leave", event=("广告号",)),
        Msg("2024-04-11 10:00", "60001", "我回来了"),
        Msg("2024-04-14 20:00", "60002", "下周见"),
    ]
    return Group(GROUP, names, messages, base.roster)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("todo") / "store", todo_group()).path


def copy(template, folder):
    shutil.copytree(template, folder / "store")
    return folder / "store"


def review(store, *args: str) -> dict:
    """The weekly review on the command line (which records the week's actions), as JSON."""
    result = runner.invoke(app, ["report", "weekly", "--store", str(store), "-g", GROUP, "--format", "json",
                                 "--show-ids", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def reviewed(template, tmp_path_factory):
    """A copy of the store reviewed for 2024-W14, then for 2024-W15, as an operator would."""
    store = copy(template, tmp_path_factory.mktemp("reviewed"))
    return store, review(store, "--week", "2024-W14"), review(store, "--week", "2024-W15")


def by_kind(items: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for i in items:
        out.setdefault(i["kind"], []).append(i)
    return out


def actions_path(store, week: str):
    s = open_store(store)
    return actions_file(s, s.resolve_group(GROUP), week)


def test_a_review_ends_with_the_weeks_concrete_actions(reviewed):
    actions = reviewed[1]["data"]["actions"]
    assert actions["week"] == "2024-W14" and actions["recorded"] is True
    kinds = by_kind(actions["items"])
    assert sorted(kinds) == ["answer_question", "check_advertiser", "keep_core", "welcome_newcomer"]
    [question] = kinds["answer_question"]
    assert (question["member_id"], question["text"], question["status"]) == ("60002", "请问还有活动吗？", "unanswered")
    # 五号 answered the other 活动 question; 二号 answered only about pills, so is not suggested
    assert [(c["member_id"], c["on_topic"], c["reason"]) for c in question["candidates"]] == [("60006", 1, "活动")]
    assert [(i["member_id"], i["joined_at"][:10]) for i in kinds["welcome_newcomer"]] == [("60008", "2024-03-27")]
    assert [(i["member_id"], i["from"], i["to"]) for i in kinds["keep_core"]] == [("60001", "core", "churned")]
    assert [(i["member_id"], i["ads"]) for i in kinds["check_advertiser"]] == [("60007", 2)]


def test_the_next_review_says_which_of_last_weeks_actions_happened(reviewed):
    follow = reviewed[2]["data"]["follow_up"]
    assert (follow["week"], follow["source"], follow["done"], follow["total"]) == ("2024-W14", "recorded", 3, 4)
    outcomes = {i["kind"]: i for i in follow["items"]}
    answered = outcomes["answer_question"]
    assert (answered["outcome"], answered["done"], answered["by"]["member_id"], answered["at"][:16]) == \
        ("answered", True, "60006", "2024-04-08T09:00")
    assert (outcomes["welcome_newcomer"]["outcome"], outcomes["welcome_newcomer"]["at"][:10]) == ("spoke", "2024-04-09")
    assert (outcomes["check_advertiser"]["outcome"], outcomes["check_advertiser"]["done"]) == ("left", True)
    assert (outcomes["keep_core"]["outcome"], outcomes["keep_core"]["done"]) == ("active", False)  # one message


def test_a_me_too_is_not_the_answer_the_follow_up_reports(tmp_path):
    """60003 replies 同问 to 60002's open question a few minutes later: a reply, no answer. W14's
    review lists the question as unanswered, and W15's follow-up names the real answer (60006's
    quote of it on 04-08), not the 同问 W14 had already seen."""
    group = todo_group()
    at = next(i for i, m in enumerate(group.messages) if m.id == "q14") + 1
    group.messages.insert(at, Msg("2024-04-02 10:03", "60003", "+1 同问"))
    store = build_store(tmp_path / "store", group).path
    w14 = review(store, "--week", "2024-W14")["data"]["actions"]["items"]
    assert [(i["text"], i["status"]) for i in w14 if i["kind"] == "answer_question"] == \
        [("请问还有活动吗？", "unanswered")]
    follow = review(store, "--week", "2024-W15")["data"]["follow_up"]["items"]
    [answer] = [i for i in follow if i["kind"] == "answer_question"]
    assert (answer["outcome"], answer["by"]["member_id"], answer["at"][:16]) == ("answered", "60006", "2024-04-08T09:00")


def test_whom_an_open_question_names_is_asked_first(tmp_path):
    """In W14 60005 asks 60003 (named 二号) by name about pills and nobody answers: 60003 comes
    first among who could answer (shown with @), then 60002, who answered the earlier 降压药
    question of 60003's."""
    group = todo_group()
    group.messages.insert(next(i for i, m in enumerate(group.messages) if m.id == "q14") + 1,
                          Msg("2024-04-02 15:00", "60005", "@二号 降压药要吃多久？", mentions=("二号",)))
    store = build_store(tmp_path / "store", group).path
    items = review(store, "--week", "2024-W14", "--no-record")["data"]["actions"]["items"]
    [named] = [i for i in items if i["kind"] == "answer_question" and "降压药" in i["text"]]
    assert [(c["member_id"], c["addressed"], c["reason"]) for c in named["candidates"]] == \
        [("60003", True, "@"), ("60002", False, "降压药")]


def test_re_running_a_week_neither_duplicates_nor_loses_actions(reviewed, tmp_path):
    store, w14, _ = reviewed
    first = w14["data"]["actions"]["items"]
    path = actions_path(store, "2024-W14")
    written, stamp = path.read_bytes(), path.stat().st_mtime_ns
    again = review(store, "--week", "2024-W14")["data"]["actions"]
    assert again["items"] == first and again["new"] == 0
    assert path.read_bytes() == written and path.stat().st_mtime_ns == stamp  # not even rewritten
    # an action recorded earlier that the data no longer gives stays on the list, once
    other = copy(store, tmp_path)
    s = open_store(other)
    extra = {"id": "welcome_newcomer:60005", "kind": "welcome_newcomer", "member_id": "60005",
             "joined_at": "2024-03-26T01:00:00+00:00"}
    record_actions(s, s.resolve_group(GROUP), "2024-W14", [extra, first[0] | {"member_id": "60002"}])
    items = review(other, "--week", "2024-W14")["data"]["actions"]["items"]
    assert [i["id"] for i in items] == [i["id"] for i in first] + [extra["id"]]
    assert [a["id"] for a in load_actions(s, s.resolve_group(GROUP), "2024-W14")] == [i["id"] for i in items]


def test_an_unrecorded_week_is_followed_up_from_the_data_the_same_way(reviewed, template):
    recomputed = build_report(open_store(template), "weekly", GROUP, week="2024-W15", show_ids=True).data["follow_up"]
    assert recomputed["source"] == "recomputed"
    assert not (template / "actions").exists()  # the library records nothing unless asked
    recorded = reviewed[2]["data"]["follow_up"]
    assert recorded["source"] == "recorded"
    strip = [{k: v for k, v in i.items() if k != "candidates"} for i in recorded["items"]]
    assert strip == [{k: v for k, v in i.items() if k != "candidates"} for i in recomputed["items"]]


def test_a_month_gets_actions_but_no_record_and_no_follow_up_and_no_record_records_nothing(template, tmp_path):
    store = copy(template, tmp_path)
    data = review(store, "--month", "2024-04")["data"]
    assert data["actions"]["items"] and data["actions"]["recorded"] is False and data["follow_up"] is None
    assert review(store, "--week", "2024-W14", "--no-record")["data"]["actions"]["recorded"] is False
    assert not (store / "actions").exists()


def test_the_page_ends_with_the_follow_up_then_the_to_do_list(reviewed):
    store, w14, w15 = reviewed
    pages = {}
    for name, report, lang in (("w14", w14, "zh"), ("w15", w15, "en")):
        out = io.StringIO()
        render_terminal({**report, "lang": lang}, wide_console(out), fit=False)
        pages[name] = out.getvalue()
    follow, todo = pages["w15"].index("Last week's to-do list (2024-W14)"), pages["w15"].index("To do (")
    assert follow < todo and "3 of 4 done · as recorded last week" in pages["w15"]
    assert "answered by 五号" in pages["w15"] and "left the group" in pages["w15"]
    assert "可请 五号 (60006) (活动) 回答" in pages["w14"] and "已记入数据库，下周周报会跟进" in pages["w14"]
    hidden = runner.invoke(app, ["report", "--store", str(store), "-g", GROUP, "--week", "2024-W15",
                                 "--pseudonymize", "--format", "json"]).stdout
    assert "五号" not in hidden and "新来的" not in hidden and "60006" not in hidden


def test_a_damaged_record_is_one_line_naming_the_file(reviewed, tmp_path):
    store = copy(reviewed[0], tmp_path)
    actions_path(store, "2024-W14").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["report", "--store", str(store), "-g", GROUP, "--week", "2024-W15"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "2024-W14.json" in result.stderr


def test_on_a_simulated_group_every_recorded_action_is_followed_up(simulated_store, tmp_path):
    """Two consecutive weeks of a simulated group reviewed on the command line: the second
    review follows up exactly the first one's recorded actions, each with an outcome the data
    supports; ids are unique."""
    store = copy(simulated_store, tmp_path)
    last = open_store(store).groups()["last_ts"].iloc[0].tz_convert("Asia/Shanghai").date()
    weeks = [week_label(last - timedelta(weeks=k)) for k in (2, 1)]
    first = runner.invoke(app, ["report", "--store", str(store), "--week", weeks[0], "--format", "json",
                                "--show-ids"])  # 90 members: more than one week's actions
    second = runner.invoke(app, ["report", "--store", str(store), "--week", weeks[1], "--format", "json",
                                 "--show-ids"])
    assert first.exit_code == 0 and second.exit_code == 0, (first.output, second.output)
    actions = json.loads(first.stdout)["data"]["actions"]["items"]
    follow = json.loads(second.stdout)["data"]["follow_up"]
    assert actions and len({a["id"] for a in actions}) == len(actions)
    assert follow["source"] == "recorded" and [i["id"] for i in follow["items"]] == [a["id"] for a in actions]
    assert follow["done"] == sum(1 for i in follow["items"] if i["done"])
    for item in follow["items"]:
        if item["outcome"] == "answered":
            assert item["by"]["member_id"] != item["member_id"] and item["at"] > item["ts"]
        if item["outcome"] == "spoke":
            assert item["at"] >= item["joined_at"]
        assert item["outcome"] in {"answered", "unanswered", "gone", "spoke", "silent", "left", "back", "active",
                                   "quiet", "stopped", "continues"}


def test_verify_knows_the_records_and_forget_takes_them_away(reviewed, tmp_path):
    """``grouplens verify`` reads recorded lists as part of the store (a damaged one is set
    aside, never a foreign file); they are owner-only; ``forget`` drops a group's lists with
    the member (they name members)."""
    from grouplens.store.forget import forget_member
    from grouplens.store.verify import verify_store

    store = copy(reviewed[0], tmp_path)
    path = actions_path(store, "2024-W14")
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert (store / "actions").stat().st_mode & 0o777 == 0o700
    assert [f.code for f in verify_store(store).findings] == []
    path.write_text("[1, 2", encoding="utf-8")
    found = verify_store(store, repair=True).findings
    assert [(f.code, f.path) for f in found] == [("damaged-record", str(path.relative_to(store)))]
    assert not path.exists() and actions_path(store, "2024-W15").exists()
    forget_member(store, "60002")
    assert not (store / "actions" / path.parent.name).exists()
