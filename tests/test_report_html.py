"""The HTML report: one self-contained page per report kind, with inline SVG charts, no network
reference, a Content-Security-Policy that forbids loads, and chat text that stays text.

``hostile_group`` is a small group whose member name and messages are HTML: a ``<script>`` that
would rename the page, an ``<img>`` pointing at a local address, a name with an event handler.
2024-W13: 小白, 小红 and 小绿 chat once a day Monday to Friday (15 messages). 2024-W14: the
member named ``NAME`` posts ``SCRIPT_TEXT`` (message x1) and the three others reply to it; 小红
asks ``question_text()`` (nobody answers); 小白 says ``PIPE_TEXT`` and 小绿 replies to it.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from report_groups import Group, Msg, build_store, fading_group

from grouplens.report import KINDS, build_report, charts, render_html
from grouplens.report.html import CONTENT_SECURITY_POLICY
from grouplens.report.markdown import word

NAME = '<b onmouseover="alert(1)">老板</b>'
SCRIPT_TEXT = '<script>document.title="pwned";document.body.setAttribute("data-pwned","1")</script>大家看这个'
PIPE_TEXT = "价格 | 数量 | 备注 *重要*"
LOCAL_IMAGE = "http://127.0.0.1:9/x"


def question_text(image_url: str = LOCAL_IMAGE) -> str:
    return f'请问<img src="{image_url}">这个怎么用？'


def hostile_group(image_url: str = LOCAL_IMAGE) -> Group:
    """The group described in the module docstring; ``image_url`` is what the ``<img>`` in the
    question points at (the browser test points it at a server that counts requests)."""
    names = {"70001": NAME, "70002": "小白", "70003": "小红", "70004": "小绿"}
    others = ["70002", "70003", "70004"]
    messages = []
    for k in range(5):
        stamp = (datetime(2024, 3, 25) + timedelta(days=k)).strftime("%Y-%m-%d")
        messages += [Msg(f"{stamp} {12 + i}:00", who, "今天天气不错") for i, who in enumerate(others)]
    messages += [
        Msg("2024-04-01 10:00", "70001", SCRIPT_TEXT, id="x1"),
        Msg("2024-04-01 10:05", "70002", "收到", reply="x1"),
        Msg("2024-04-01 10:06", "70003", "好的", reply="x1"),
        Msg("2024-04-01 10:07", "70004", "明白", reply="x1"),
        Msg("2024-04-02 09:00", "70003", question_text(image_url)),
        Msg("2024-04-03 20:00", "70002", PIPE_TEXT, id="p1"),
        Msg("2024-04-03 20:05", "70004", "收到", reply="p1"),
    ]
    roster = [(mid, name, "2024-01-01 08:00", "member") for mid, name in names.items()]
    return Group("注入测试群", names, messages, roster)


def hostile_reports(store, lang: str = "zh") -> dict[str, dict]:
    """Every report kind of the hostile group for 2024-W14 (the groups overview over the store)."""
    return {kind: build_report(store, kind, None if kind == "groups" else "注入测试群", week="2024-W14",
                               lang=lang, member="70003" if kind == "member" else None).to_dict() for kind in KINDS}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("html") / "store", hostile_group(), fading_group())


@pytest.fixture(scope="module")
def pages(store):
    return {kind: render_html(report) for kind, report in hostile_reports(store).items()}


def charts_named(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<svg [^>]*aria-label="([^"]*)"', page)]


def test_every_kind_is_one_complete_html_document(pages):
    for kind, page in pages.items():
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>"), kind
        assert page.count("<html") == 1 and page.count("</body>") == 1, kind
        assert "<h2>" in page, kind


def test_the_weekly_review_draws_trend_heatmap_layer_moves_key_people_and_stages(pages):
    names = charts_named(pages["weekly"])
    assert set(names) == {word("daily_trend", "zh"), "活跃时段", "层级流动 2024-W14",
                          word("influence_chart", "zh"), word("stage_timeline", "zh")}


def test_the_trend_has_one_bar_per_covered_day_of_both_weeks(pages):
    trend = re.search(r'<svg [^>]*aria-label="每日消息与发言人数".*?</svg>', pages["weekly"], re.DOTALL).group(0)
    bars = re.findall(r"<rect[^>]*><title>(\d{4}-\d\d-\d\d) · 消息数 (\d+)</title>", trend)
    assert len(bars) == 10  # W13's seven days, W14 up to the last message (2024-04-03)
    assert [int(n) for _, n in bars] == [3, 3, 3, 3, 3, 0, 0, 4, 1, 2]  # 04-01: x1 and its three replies
    assert bars[0][0] == "2024-03-25" and bars[-1][0] == "2024-04-03"


def test_each_other_kind_shows_the_charts_its_data_holds(pages):
    assert {word("daily_trend", "zh"), "活跃时段"} <= set(charts_named(pages["activity"]))
    assert "层级流动 2024-W14" in charts_named(pages["members"])
    assert word("stage_timeline", "zh") in charts_named(pages["lifecycle"])
    assert word("influence_chart", "zh") in charts_named(pages["kol"])
    assert word("by_stage", "zh") in charts_named(pages["groups"])


def test_the_page_references_nothing_outside_itself(pages):
    for kind, page in pages.items():
        tags = re.findall(r"<[a-zA-Z][^>]*>", page)  # real tags: escaped chat text starts with &lt;
        assert [t for t in tags if re.search(r"\s(?:src|href|srcset|action|formaction|poster|background|data)\s*=", t)] \
            == [], kind
        assert "url(" not in page and "@import" not in page and "<link" not in page, kind
        # the only URL on the page is the one a member typed, shown as text
        assert "http://" not in page.replace(LOCAL_IMAGE, "") and "https://" not in page, kind


def test_a_content_security_policy_forbids_every_network_load(pages):
    assert CONTENT_SECURITY_POLICY == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    for page in pages.values():
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
        assert meta and html.unescape(meta.group(1)) == CONTENT_SECURITY_POLICY
        assert page.index("Content-Security-Policy") < page.index("<style>")  # in force before anything loads
        assert "<script" not in page.replace("&lt;script", "")  # the page itself runs no script


def test_html_in_chat_text_and_names_is_shown_as_text(pages):
    page = pages["weekly"]
    assert "&lt;script&gt;document.title=&#34;pwned&#34;" in page
    assert "<script" not in page and "<img" not in page and "<b onmouseover" not in page
    assert "请问&lt;img src=&#34;http://127.0.0.1:9/x&#34;&gt;这个怎么用？" in page  # the unanswered question
    assert page.count("&lt;b onmouseover=&#34;alert(1)&#34;&gt;老板&lt;/b&gt;") >= 2  # table and key people
    for chart in re.findall(r"<svg .*?</svg>", page, re.DOTALL):  # SVG text is escaped too
        assert "<b " not in chart and "<script" not in chart
    influence = re.search(r'<svg [^>]*aria-label="影响力.*?</svg>', page, re.DOTALL).group(0)
    assert "&lt;b onmouseover" in influence


def test_labels_follow_the_reports_language(store):
    page = render_html(build_report(store, "weekly", "注入测试群", week="2024-W14", lang="en").to_dict())
    assert '<html lang="en">' in page and "<title>Weekly review · 注入测试群 · 2024-W14</title>" in page
    assert ">Alerts</h2>" in page and ">Key people now</h2>" in page and 'aria-label="Messages and speakers per day"' in page
    assert "周报" not in page and "消息数" not in page


def test_the_page_is_laid_out_for_phones_and_for_print(pages):
    page = pages["weekly"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width: 560px)" in page and "@media print" in page
    assert 'class="scroll"' in page  # wide tables scroll sideways inside their card
    svgs = re.findall(r"<svg [^>]*>", page)
    assert svgs and all(re.search(r'viewBox="0 0 \d+ [\d.]+"', s) for s in svgs)
    assert not any(" width=" in s or " height=" in s for s in svgs)  # no fixed size: CSS scales them


def test_the_weekly_review_of_a_dying_group_names_its_stage_and_alerts(store):
    page = render_html(build_report(store, "weekly", "渐冷群", week="2024-W14").to_dict())
    assert '<span class="stage st-dead">死群</span>' in page
    assert '<li class="sev-high"><b>严重</b> 阶段变化：活跃 → 死群</li>' in page
    assert '<li class="sev-high"><b>严重</b> 1 位核心成员流失：老郑</li>' in page
    assert "请问还有活动吗？" in page


def test_chart_text_is_escaped_and_cut_before_escaping():
    bars = charts.hbars([('<script>alert("x")</script>' * 3, 2.0, "2 & more")], title="<t>")
    assert "<script" not in bars and "&lt;script&gt;alert(&#34;x&#34;)" in bars
    assert "2 &amp; more" in bars and "<title>&lt;t&gt;</title>" in bars
    assert charts.fit("&&&&&&&&&&&&&&&&&&&&", 40, 13).endswith("…")  # cut as characters, then escaped whole
    label = re.search(r'<text [^>]*text-anchor="end"[^>]*>(.*?)</text>', bars).group(1)
    assert label.endswith("…") and not re.search(r"&[a-z#0-9]*…", label)
