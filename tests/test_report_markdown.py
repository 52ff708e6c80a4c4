"""The Markdown report: headings and tables to paste into a weekly-review document, ▲/▼ on the
week's changes, and chat text that cannot break a table or become a link, emphasis or HTML.

Figures are those of ``report_groups.fading_group`` (2024-W14 against W13, hand-checked in
``test_report_weekly``) and of ``test_report_html.hostile_group``.
"""

from __future__ import annotations

import re

import pytest
from report_groups import build_store, fading_group
from test_report_checkins import CHALLENGE
from test_report_compliance import RISKY
from test_report_html import PIPE_TEXT, hostile_group

from grouplens.report import KINDS, build_report, render_markdown
from grouplens.report.markdown import md_escape


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("markdown") / "store", fading_group(), hostile_group(), CHALLENGE,
                       RISKY)


@pytest.fixture(scope="module")
def weekly(store):
    return render_markdown(build_report(store, "weekly", "渐冷群", week="2024-W14").to_dict())


def section(md: str, title: str) -> str:
    """The text of the ``## title`` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |^---$)", md, re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text`` (separator rows left out), split on unescaped |."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(?:-+:?\|)+", line):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_the_weekly_review_opens_with_title_stage_and_alerts(weekly):
    lines = weekly.splitlines()
    assert lines[0] == "# 周报 · 渐冷群 · 2024-W14"
    assert lines[2].startswith("**阶段：死群** · 上期 2024-W13：活跃 · 2024-04-01 … 2024-04-07")
    assert section(weekly, "预警").split("\n")[1:7] == [
        "- 🔴 **严重** 阶段变化：活跃 → 死群", "- 🔴 **严重** 1 位核心成员流失：老郑",
        "- 🔴 **严重** 广告占比上升：0% → 40%", "- 🟠 **注意** 消息量下降 80%", "- 🟠 **注意** 1 个问题无人回答",
        "- 🔴 **严重** 1 条风险医疗宣称"]


def test_changes_carry_arrows_and_whether_they_are_better(weekly):
    rows = {r[0]: r[1:] for r in table_rows(section(weekly, "本周 vs 上周 (2024-W14 / 2024-W13)"))}
    assert rows["指标"] == ["2024-W14", "2024-W13", "变化"]
    assert rows["消息数"] == ["5", "25", "🔴 ▼ 80%"]  # 25 → 5, and fewer messages is worse
    assert rows["发言率"] == ["57.1%", "71.4%", "🔴 ▼ 14.3个百分点"]  # 5/7 → 4/7 speakers: points, not percent
    assert rows["退群"] == ["0", "0", "＝"]
    assert rows["本周流失"] == ["1", "0", "🔴 ▲ 1"]  # nothing before: the difference
    assert rows["提问数"] == ["1", "0", "▲ 1"]  # neither better nor worse: no colour
    assert rows["回答中位(分钟)"] == ["—", "—", ""]


def test_the_review_lists_layers_key_people_unanswered_questions_and_flagged_messages(weekly):
    layers = {r[0]: r[1:] for r in table_rows(section(weekly, "成员分层"))}
    assert layers["核心"] == ["0", "1", "▼ 1"] and layers["流失"] == ["1", "0", "▲ 1"]
    moves = table_rows(section(weekly, "层级流动"))
    assert ["核心", "→ 流失", "1"] in moves
    people = table_rows(section(weekly, "关键人物"))
    assert people[1][:2] == ["1", "老郑"] and people[1][2].startswith("思想者")  # (and a KOL: the top of a discussing group)
    assert table_rows(section(weekly, "未回答 (1)"))[1] == ["04-02 10:00", "一号", "请问还有活动吗？"]
    assert ["04-03 10:00", "二号", "这个秘方包治百病"] in table_rows(section(weekly, "示例"))


def test_every_table_row_has_as_many_cells_as_its_header(store):
    for kind in KINDS:
        group = None if kind == "groups" else "注入测试群"
        md = render_markdown(build_report(store, kind, group, week="2024-W14",
                                          member="70003" if kind == "member" else None).to_dict())
        assert md.startswith("# ") and "\n## " in md, kind
        for block in re.split(r"\n\n", md):
            rows = table_rows(block)
            assert all(len(r) == len(rows[0]) for r in rows), (kind, block)


def test_check_ins_and_compliance_have_their_own_tables(store):
    checkins = render_markdown(build_report(store, "checkins", "早睡打卡群").to_dict())
    assert "| 成员 | 天数 | 当前连续 | 最长连续 | 状态 |" in checkins
    compliance = render_markdown(build_report(store, "compliance", "合规测试群", week="2024-W10").to_dict())
    assert {"广告", "刷屏", "风险医疗宣称", "人身攻击"} <= {r[0] for r in table_rows(section(compliance, "合规风险"))}


def test_chat_html_and_markdown_in_texts_and_names_stay_literal(store):
    md = render_markdown(build_report(store, "weekly", "注入测试群", week="2024-W14").to_dict())
    assert "<script" not in md and "<img" not in md and "<b " not in md
    assert "&lt;script&gt;document.title=\"pwned\"" in md
    assert "&lt;b onmouseover=\"alert(1)\"&gt;老板&lt;/b&gt;" in md
    assert md_escape(PIPE_TEXT) == r"价格 \| 数量 \| 备注 \*重要\*"


def test_escaping_defuses_links_emphasis_tags_and_line_starts():
    assert md_escape("[点此](http://x.cn) _斜_ `码`") == r"\[点此\](http://x.cn) \_斜\_ \`码\`"
    assert md_escape("日均 0.7 < 3") == "日均 0.7 < 3"  # a comparison is not a tag
    assert md_escape("&lt;b&gt; 与 A & B") == "&amp;lt;b&amp;gt; 与 A & B"  # entities stay as typed
    assert md_escape("第一行\n第二行|") == r"第一行 第二行\|"
    assert md_escape("# 标题", line_start=True) == r"\# 标题" and md_escape("1. 一", line_start=True) == r"1\. 一"


def test_english_reports_use_english_labels(store):
    md = render_markdown(build_report(store, "weekly", "渐冷群", week="2024-W14", lang="en").to_dict())
    assert md.startswith("# Weekly review · 渐冷群 · 2024-W14\n\n**Stage: dead** · before 2024-W13: active")
    assert "## Alerts" in md and "## Key people now" in md and "## Unanswered (1)" in md
    assert "| messages | 5 | 25 | 🔴 ▼ 80% |" in md and "| participation | 57.1% | 71.4% | 🔴 ▼ 14.3 pp |" in md
