"""A member's page (``grouplens report member MEMBER``): a hand-made group whose figures are
checked by hand, the sample store held against the other reports, and a simulated group held
to invariants."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from report_groups import Group, Msg, build_store, fading_group
from typer.testing import CliRunner

from grouplens import schema as S
from grouplens.cli import app
from grouplens.errors import UsageError
from grouplens.report import build_report, render_html, render_markdown
from grouplens.report.period import week_label
from grouplens.report.profile import resolve_member
from grouplens.store.store import open_store

runner = CliRunner()
NAMES = {"60101": "老王", "60102": "小李", "60103": "阿梅", "60104": "广告号", "60105": "老李"}


def member_group() -> Group:
    """2024-W10 of a small group, every reply explicit and everything else hours apart (so the
    reply model links nothing). 老王 (60101, called 王哥 on 03-04; seven messages) answers 小李's question, asks
    two questions (阿梅 answers the first, nobody the second), checks in three days running, and
    answers 阿梅's greeting; 广告号 posts one ad; 小李 says goodbye in W11."""
    messages = [
        Msg("2024-03-04 09:00", "60102", "请问周末活动几点开始？", id="q1"),
        Msg("2024-03-04 09:10", "60101", "早上九点", reply="q1", name="王哥"),
        Msg("2024-03-05 20:00", "60101", "请问羽毛球拍推荐哪款？", id="q2"),
        Msg("2024-03-05 20:30", "60103", "推荐YY的", reply="q2"),
        Msg("2024-03-06 10:00", "60101", "请问场地费怎么交？", id="q3"),
        Msg("2024-03-06 21:00", "60101", "#打卡 第1天"),
        Msg("2024-03-07 12:00", "60104", "加V：sale8888 低价代购"),
        Msg("2024-03-07 21:00", "60101", "#打卡 第2天"),
        Msg("2024-03-08 21:00", "60101", "#打卡 第3天"),
        Msg("2024-03-09 09:00", "60103", "周末愉快", id="c1"),
        Msg("2024-03-09 09:05", "60101", "同乐", reply="c1"),
        Msg("2024-03-11 15:00", "60102", "下周见"),
        Msg("2024-03-12 15:00", "60105", "来了"),
    ]
    roster = [(mid, name, "2024-01-01 08:00", "member") for mid, name in NAMES.items()]
    return Group("成员页测试群", NAMES, messages, roster)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("member") / "store", member_group(), fading_group())


@pytest.fixture(scope="module")
def page(store) -> dict:
    return build_report(store, "member", "成员页测试群", member="老王", week="2024-W10", show_ids=True).to_dict()


def test_the_page_counts_what_the_member_did_that_week(page):
    d = page["data"]
    assert page["kind"] == "member" and d["profile"]["member_id"] == "60101" and d["profile"]["name"] == "老王"
    assert d["totals"] == {"messages": 7, "active_days": 6, "weeks_spoken": 1, "questions": 2,
                           "questions_answered": 1, "answers_given": 1, "checkins": 3, "flagged": 0}
    assert [w["week"] for w in d["weekly"]] == ["2024-W10"] and d["weekly"][0]["messages"] == 7
    assert d["now"]["week"] == "2024-W10" and d["now"]["role"] and d["now"]["reason"]


def test_names_partners_questions_answers_and_checkins_are_the_members_own(page):
    d = page["data"]
    assert [n["name"] for n in d["names_seen"]] == ["王哥", "老王"]
    assert {(p["name"], p["replies"]) for p in d["replies_to"]} == {("小李", 1), ("阿梅", 1)}
    assert [(p["name"], p["replies"]) for p in d["replied_by"]] == [("阿梅", 1)]
    asked = {q["text"]: (q["status"], q["answer"]["name"] if q["answer"] else None) for q in d["questions"]}
    assert asked == {"请问羽毛球拍推荐哪款？": ("answered", "阿梅"), "请问场地费怎么交？": ("unanswered", None)}
    assert [(a["name"], a["text"], a["answer"]["text"]) for a in d["answers"]] == \
        [("小李", "请问周末活动几点开始？", "早上九点")]
    assert d["checkins"]["days"] == 3 and d["checkins"]["longest_streak"] == 3
    assert d["other_groups"] == []


def test_an_advertisers_page_shows_the_ad(store):
    d = build_report(store, "member", "成员页测试群", member="广告号", week="2024-W10").to_dict()["data"]
    ads = next(c for c in d["compliance"]["categories"] if c["category"] == "ad")
    assert ads == {"category": "ad", "messages": 1, "days": 1} and d["totals"]["flagged"] == 1
    assert [e["text"] for e in d["compliance"]["examples"]["ad"]] == ["加V：sale8888 低价代购"]


def test_a_member_is_found_by_id_by_a_former_name_and_by_part_of_a_name(store, page):
    members = store.members("成员页测试群")
    assert [resolve_member(members, q) for q in ("60101", "王哥", "王", " 老王 ")] == ["60101"] * 4
    assert page["data"]["profile"]["member_id"] == "60101"  # the page was asked for by name


def test_without_a_group_the_member_is_looked_for_in_every_group(store):
    assert build_report(store, "member", member="阿梅", week="2024-W10").group["name"] == "成员页测试群"
    with pytest.raises(UsageError, match=r"names members of 2 groups \(.*\); pick one with --group"):
        build_report(store, "member", member="号", week="2024-W10")  # 广告号 here, 一号…五号 in 渐冷群


def test_an_unclear_or_unknown_member_is_one_line_naming_the_candidates(store):
    with pytest.raises(UsageError, match=r"2 members match '李': 小李 \(60102\), 老李 \(60105\)"):
        build_report(store, "member", "成员页测试群", member="李")
    with pytest.raises(UsageError, match=r"no member '老黄' in this group; close names: 老王"):
        build_report(store, "member", "成员页测试群", member="老黄")
    with pytest.raises(UsageError, match="is about one member"):
        build_report(store, "member", "成员页测试群")
    with pytest.raises(UsageError, match="not about one member"):
        build_report(store, "weekly", "成员页测试群", member="老王")
    result = runner.invoke(app, ["report", "member", "李", "--store", str(store.path), "-g", "成员页测试群"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "小李" in result.stderr


def test_pseudonymized_pages_show_no_name_or_id_of_the_member(store):
    for fmt, used in (("md", "用过的名字 (1)"), ("table", "Names used (1)")):  # HTML renders the same data
        result = runner.invoke(app, ["report", "member", "老王", "--store", str(store.path), "-g", "成员页测试群",
                                     "--week", "2024-W10", "--pseudonymize", "--format", fmt,
                                     "--lang", "zh" if fmt == "md" else "en"])
        assert result.exit_code == 0, result.output
        for secret in ("老王", "王哥", "60101", "小李", "阿梅"):
            assert secret not in result.stdout, (fmt, secret)
        assert used in result.stdout  # both names are the one alias: shown once, over both names' dates
    hidden = runner.invoke(app, ["report", "member", "老王", "--store", str(store.path), "-g", "成员页测试群",
                                 "--pseudonymize", "--format", "json"]).stdout
    assert not [secret for secret in ("老王", "王哥", "60101", "小李", "阿梅") if secret in hidden]
    data = json.loads(hidden)["data"]
    assert len(data["names_seen"]) == 2 and len({n["name"] for n in data["names_seen"]}) == 1


def test_every_format_says_the_same(page, store):
    md, html = render_markdown(page), render_html(page)
    for text in ("请问场地费怎么交？", "早上九点", "王哥"):
        assert text in md and text in html
    result = runner.invoke(app, ["report", "member", "老王", "--store", str(store.path), "-g", "成员页测试群",
                                 "--week", "2024-W10", "--format", "csv"])
    assert result.exit_code == 0 and result.stdout.splitlines()[1].startswith("2024-W10,7,")
    table = runner.invoke(app, ["report", "member", "老王", "--store", str(store.path), "-g", "成员页测试群",
                                "--week", "2024-W10", "--lang", "en"]).stdout
    assert table.startswith("Member · 成员页测试群 · 2024-W10") and "replied to them" in table


@pytest.mark.parametrize("name", ["老陈", "心内科-王医生", "张阿姨(高血压)"])
def test_on_the_samples_the_page_agrees_with_the_store_and_the_other_reports(sample_store, name):
    """心内科患者交流群 over its whole history: a member's messages are those the store holds
    for them, their questions and first answers those of the questions report, their check-ins
    those of the check-ins report."""
    store = open_store(sample_store)
    group = "心内科患者交流群"
    page = build_report(store, "member", group, member=name, show_ids=True).data
    mid = page["profile"]["member_id"]
    messages = store.messages(group)
    own = messages[(messages["sender_id"] == mid) & ~messages["kind"].isin(S.EVENT_KINDS)]
    assert page["totals"]["messages"] == len(own) == sum(w["messages"] for w in page["weekly"]) > 0
    questions = build_report(store, "questions", group, show_ids=True).data
    key = page["profile"]["member"]
    assert [q["msg_id"] for q in page["questions"]] == [q["msg_id"] for q in questions["questions"]
                                                        if q["member"] == key]
    first_answers = [q["msg_id"] for q in questions["questions"] if q["answer"] and q["answer"]["member"] == key]
    assert [q["msg_id"] for q in page["answers"]] == first_answers
    checkins = build_report(store, "checkins", group, show_ids=True).data
    row = next((m for m in checkins["members"] if m["member"] == key), None)
    assert (page["checkins"] is None) == (row is None)
    if row:
        assert page["checkins"]["days"] == row["days"] and page["checkins"]["status"] == row["status"]
    assert sum(p["replies"] for p in page["replies_to"]) <= page["totals"]["messages"]


def test_on_a_simulated_group_weeks_add_up_and_speaking_weeks_are_never_silent(simulated_store, simulated_group):
    """Members of a simulated group: one who left, and the busiest speaker. Their weeks
    add up to their totals; in a week they spoke they are new, core, returned or active (or
    absent, when they left before the week ended); once they left they are absent; roles come
    only with the last weeks."""
    truth = json.loads((simulated_group / "truth.json").read_text(encoding="utf-8"))
    store = open_store(simulated_store)
    members = store.members()
    busiest = members.sort_values("message_count", ascending=False)["member_id"].head(1).tolist()
    last = store.groups()["last_ts"].iloc[0].tz_convert("Asia/Shanghai").date()
    left = next(m["member_id"] for m in truth["members"] if "left" in m["tags"] and m["member_id"] in set(
        members.loc[members["message_count"] > 0, "member_id"]))
    for mid, since in [(left, None), (busiest[0], str(last - timedelta(days=20)))]:  # the busiest: 3 weeks
        d = build_report(store, "member", member=mid, show_ids=True, since=since).data
        assert d["profile"]["member_id"] == mid
        messages = store.messages(since=since)
        assert sum(w["messages"] for w in d["weekly"]) == d["totals"]["messages"] == \
            int(((messages["sender_id"] == mid) & ~messages["kind"].isin(S.EVENT_KINDS)).sum())
        left_week = week_label(date.fromisoformat(d["profile"]["left_at"][:10])) if d["profile"]["left_at"] else None
        for w in d["weekly"]:
            if w["messages"]:
                assert w["layer"] in ("new", "core", "returned", "active") or \
                    (w["layer"] == "absent" and w["week"] == left_week), (mid, w)
        assert len([w for w in d["weekly"] if w["role"]]) <= d["role_weeks"]
        if mid == left:
            assert d["profile"]["left_at"] and d["weekly"][-1]["layer"] == "absent"
