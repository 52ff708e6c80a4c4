"""The weekly review as an operator reads it (issue 12): rates that cannot exceed 100%, a week
without messages said as such, what the health score is made of, the stage of the last weeks,
every unanswered question reachable, members told apart, private chats kept out of group
reports, and times in the report's zone."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from report_groups import Group, Msg, conversation, fading_group
from rich.console import Console

from grouplens import schema as S
from grouplens.report import build_report, charts, render_html, render_markdown
from grouplens.report.terminal import render_terminal
from grouplens.store.ingest import import_conversations
from grouplens.store.store import open_store


def days(start: str, n: int) -> list[str]:
    first = datetime.strptime(start, "%Y-%m-%d")
    return [(first + timedelta(days=k)).strftime("%Y-%m-%d") for k in range(n)]


def leaving_group() -> Group:
    """W10 (2024-03-04…10): 甲, 乙, 丙 on the member list; 丁 and 戊 speak on Monday and leave on
    Tuesday. Five people were members during the week, four spoke: participation 80% (counting
    only the three still there at the week's end it would read 133%)."""
    names = {"1": "甲", "2": "乙", "3": "丙", "4": "丁", "5": "戊"}
    messages = [Msg("2024-03-04 09:00", "1", "早"), Msg("2024-03-04 09:05", "2", "早上好"),
                Msg("2024-03-04 10:00", "4", "我先撤了"), Msg("2024-03-04 10:01", "5", "我也是"),
                Msg("2024-03-05 09:00", None, "丁退出了群聊", kind="leave", event=("丁",)),
                Msg("2024-03-05 09:01", None, "戊退出了群聊", kind="leave", event=("戊",)),
                Msg("2024-03-06 09:00", "1", "人少了")]
    roster = [(mid, names[mid], "2024-01-01 08:00", "member") for mid in ("1", "2", "3")]
    return Group("退群测试群", names, messages, roster)


def gap_group() -> Group:
    """Messages in W10 and W12, none in W11."""
    names = {"1": "甲", "2": "乙"}
    messages = [Msg(f"{d} 10:00", "1", "有人吗") for d in days("2024-03-04", 3)]
    messages += [Msg(f"{d} 10:00", "2", "在的") for d in days("2024-03-18", 3)]
    return Group("断档群", names, messages)


def long_group() -> Group:
    """Twenty weeks (2024-01-01…05-19) of a little daily talk."""
    names = {"1": "甲", "2": "乙", "3": "丙"}
    messages = [Msg(f"{d} {9 + k}:00", who, "今天打卡") for d in days("2024-01-01", 140)
                for k, who in enumerate(("1", "2", "3"))]
    return Group("长跑群", names, messages)


def asking_group() -> Group:
    """Two members named 小安 (and 丁) talk in 2024-W09; in W10 甲 asks fifteen questions that
    nobody answers; 甲 says one more thing in W11."""
    names = {"1": "甲", "2": "小安", "3": "小安", "4": "丁"}
    messages = [Msg(f"2024-03-0{1 + k} {20 + j}:00", who, "我来说两句") for k in range(2)
                for j, who in enumerate(("2", "3", "4"))]
    messages += [Msg(f"2024-03-0{4 + k // 5} {9 + k % 5}:00", "1", f"第{k + 1}个问题：怎么报名？") for k in range(15)]
    messages.append(Msg("2024-03-12 10:00", "1", "还是没人理"))  # the data runs past the answer window
    return Group("提问群", names, messages)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("operator") / "store"
    private = conversation(Group("老王", {"9": "老王", "8": "我"}, [Msg("2024-03-05 10:00", "9", "在吗"),
                                                                  Msg("2024-03-05 10:01", "8", "在")]))
    private.is_group = False
    convs = [conversation(g) for g in (leaving_group(), gap_group(), long_group(), asking_group(), fading_group())]
    import_conversations(path, [*convs, private], source="operator-tests")
    return open_store(path)


def markdown(store, kind: str, group: str | None, **options) -> str:
    return render_markdown(build_report(store, kind, group, **options).to_dict())


def test_participation_counts_everyone_who_was_a_member_during_the_week(store):
    totals = build_report(store, "activity", "退群测试群", week="2024-W10").data["totals"]
    assert (totals["speakers"], totals["members"], totals["participation_rate"]) == (4, 5, 0.8)
    week = build_report(store, "lifecycle", "退群测试群", week="2024-W10").data["weekly"][0]["metrics"]
    assert (week["speakers"], week["members"], week["speaker_share"]) == (4, 5, 0.8)


def test_no_rate_of_speakers_is_ever_above_one(store):
    for gid in store.group_ids():
        data = build_report(store, "activity", gid).data
        rates = [data["totals"]["participation_rate"], *[w["participation_rate"] for w in data["weekly"]]]
        assert all(r is None or 0 <= r <= 1 for r in rates), gid
    rows = build_report(store, "groups", private=True).data["groups"]
    assert all(g["speaker_share"] is None or g["speaker_share"] <= 1 for g in rows)


def test_a_week_without_messages_says_so_and_names_the_weeks_that_have_some(store):
    data = build_report(store, "weekly", "断档群", week="2024-W11").data
    assert data["no_messages"] and data["message_weeks"] == ["2024-W10", "2024-W12"]
    page = markdown(store, "weekly", "断档群", week="2024-W11")
    assert "2024-W11 群里没有成员消息。有消息的周：2024-W10, 2024-W12。" in page
    assert "## 关键人物" not in page and "## 每日消息与发言人数" not in page  # no all-zero review
    english = markdown(store, "weekly", "断档群", week="2024-W11", lang="en")
    assert "No member said anything in 2024-W11. Weeks with messages: 2024-W10, 2024-W12." in english
    assert build_report(store, "weekly", "断档群", week="2024-W12").data["message_weeks"] is None


def test_the_page_says_what_the_health_score_is_made_of(store):
    report = build_report(store, "weekly", "长跑群", week="2024-W19").to_dict()
    health = report["data"]["current"]["lifecycle"]["health"]
    parts = round(35 * health["volume"]) + round(35 * health["participation"]) + round(15 * health["clean"]) \
        + round(15 * health["level"])
    page = render_markdown(report)
    line = next(x for x in page.splitlines() if x.startswith(f"健康分 {health['score']} = "))
    assert "消息量(满分≥30/天)" in line and "发言率(满分≥20%)" in line and "不含回答率" in line
    assert [int(x) for x in re.findall(r" (\d+)/(?:35|15)", line)] == [round(35 * health["volume"]),
                                                                      round(35 * health["participation"]),
                                                                      round(15 * health["clean"]),
                                                                      round(15 * health["level"])]
    assert abs(parts - health["score"]) <= 2
    assert "answering is not part of it" in markdown(store, "weekly", "长跑群", week="2024-W19", lang="en")


def test_the_weekly_review_shows_the_stage_of_the_last_twelve_weeks(store):
    history = build_report(store, "weekly", "长跑群", week="2024-W19").data["stage_history"]
    assert [h["week"] for h in history] == [f"2024-W{w:02d}" for w in range(8, 20)]
    lifecycle = {w["week"]: w for w in build_report(store, "lifecycle", "长跑群").data["weekly"]}
    assert [(h["stage"], h["health"]) for h in history] == \
        [(lifecycle[h["week"]]["stage"], lifecycle[h["week"]]["health"]["score"]) for h in history]
    short = build_report(store, "weekly", "长跑群", week="2024-W03").data["stage_history"]
    assert [h["week"] for h in short] == ["2024-W01", "2024-W02", "2024-W03"]  # none before the first message
    page = render_html(build_report(store, "weekly", "长跑群", week="2024-W19").to_dict())
    assert page.count("<title>2024-W") == 12  # one cell (with its tooltip) a week in the strip


def test_every_unanswered_question_is_on_the_page_in_a_list_that_opens(store):
    report = build_report(store, "weekly", "提问群", week="2024-W10").to_dict()
    assert report["data"]["unanswered"]["count"] == 15 and len(report["data"]["unanswered"]["questions"]) == 10
    page = render_html(report)
    assert all(f"第{k}个问题：怎么报名？" in page for k in range(1, 16))
    assert re.search(r"<details><summary>另有 5 项</summary>", page)
    assert "另有 5 项" in render_markdown(report) and "第1个问题" in render_markdown(report)


def test_two_members_with_one_name_are_told_apart_and_each_listed_once(store):
    report = build_report(store, "weekly", "提问群", week="2024-W10", lang="en").to_dict()
    people = [p for p in report["data"]["key_people"] if p["name"] == "小安"]
    assert len(people) == 2 and people[0]["member"] != people[1]["member"]
    page = render_markdown(report)
    for p in people:
        assert f"小安 · {p['member'][:4]}" in page


def test_a_sender_keyed_by_one_name_but_shown_with_an_id_holders_name_is_that_member(tmp_path):
    """An export's own account ("我" in chatlog) shown as 小安, after an export that gave 小安's wxid."""
    with_id = conversation(Group("群", {"wxid_an": "小安"}, [Msg("2024-03-04 10:00", "wxid_an", "大家好")]))
    keyed_by_me = conversation(Group("群", {"name:我": "小安"}, [Msg("2024-03-05 10:00", "name:我", "收到", id="b1")]))
    import_conversations(tmp_path / "s", [with_id], source="a")
    import_conversations(tmp_path / "s", [keyed_by_me], source="b")
    messages = open_store(tmp_path / "s").messages()
    assert messages[S.SENDER_ID].tolist() == ["wxid_an", "wxid_an"]


def test_stage_changes_have_from_and_to_headings(store):
    assert "| 周 | 从 | 到 |" in markdown(store, "lifecycle", "渐冷群")
    assert "| week | from | to |" in markdown(store, "lifecycle", "渐冷群", lang="en")


def test_the_footer_gives_the_build_time_in_the_reports_zone(store):
    report = build_report(store, "activity", "渐冷群").to_dict()
    report["generated_at"] = "2024-04-08T01:02:03+00:00"
    assert "生成于 2024-04-08 09:02 (Asia/Shanghai)" in render_markdown(report)
    assert "生成于 2024-04-08 09:02 (Asia/Shanghai)</footer>" in render_html(report)


def test_private_chats_stay_out_of_group_reports_unless_asked(store):
    names = [g["name"] for g in build_report(store, "groups").data["groups"]]
    assert "老王" not in names and len(names) == 5
    assert "老王" in [g["name"] for g in build_report(store, "groups", private=True).data["groups"]]
    assert len(store.groups(private=False)) == 5 and len(store.groups()) == 6
    assert build_report(store, "activity", "老王").group["name"] == "老王"  # asked for by name


def test_roles_and_tags_of_key_people_are_in_the_report_language(store):
    report = build_report(store, "weekly", "长跑群", week="2024-W19").to_dict()
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=80, color_system=None))
    roles = {p["role"] for p in report["data"]["key_people"]}
    words = {"thinker": "思想者", "critic": "批判者", "onlooker": "围观者", "silent": "沉默者"}
    assert all(words[r] in out.getvalue() for r in roles)
    assert not any(r in out.getvalue() for r in roles)


def test_charts_name_their_axes_and_layer_labels_do_not_overlap(store):
    page = render_html(build_report(store, "weekly", "长跑群", week="2024-W19").to_dict())
    svgs = re.findall(r"<svg .*?</svg>", page, re.DOTALL)
    texts = [re.findall(r"<text [^>]*>([^<]*)</text>", svg) for svg in svgs]
    by_title = {re.search(r'aria-label="([^"]*)"', svg).group(1): t for svg, t in zip(svgs, texts)}
    assert {"消息数", "发言人数", "日期"} <= set(by_title["每日消息与发言人数"])
    assert "时（当地时间）" in by_title["活跃时段"]
    assert "影响力 →" in by_title["影响力（1.0 = 普通成员）"]
    # A flow where a few newcomers sit beside a big layer: their labels are still apart.
    colors = "#000"
    flow = charts.flow([("joined", "新入群", colors), ("new", "新人", colors), ("core", "核心", colors)],
                       [("new", "新人", colors), ("core", "核心", colors), ("left", "退群", colors)],
                       [("joined", "new", 1), ("new", "core", 1), ("core", "core", 200), ("core", "left", 1)],
                       title="flow", left_title="上周", right_title="本周")
    for anchor in ("end", "start"):  # the labels left of the flow, then right of it
        ys = sorted(float(y) for y in re.findall(rf'<text x="[\d.]+" y="([\d.]+)" text-anchor="{anchor}"', flow))
        assert len(ys) == 3 and all(b - a >= charts.SMALL + 4 for a, b in zip(ys, ys[1:])), ys


def test_chinese_text_names_the_fonts_linux_has_after_those_of_mac_and_windows(store):
    page = render_html(build_report(store, "activity", "长跑群").to_dict())
    stack = re.search(r"font-family: ([^;]*);", page).group(1)
    order = ['"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"']
    assert [stack.index(f) for f in order] == sorted(stack.index(f) for f in order)
