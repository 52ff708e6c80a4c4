"""The group simulator: deterministic, faithful to DOMAIN.md's roles, and written exactly as
the classic QQ TXT export (formats-qq.md §A) that the qq-txt importer reads."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from grouplens import schema as S
from grouplens.errors import UsageError
from grouplens.importers import ParseOptions, detect, get
from grouplens.importers.textutil import classify_event
from grouplens.simulate import (
    INTENTS,
    ROLES,
    STAGES,
    SYSTEM,
    TAGS,
    SimParams,
    SimulatedGroup,
    simulate_group,
    write_simulation,
)
from grouplens.simulate.export import SEPARATOR
from grouplens.simulate.params import stage_schedule

HEADER = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2}) (.+)\((\d+)\)$")
AD_CONTACT = re.compile(r"https?://|加V|加微信|微信同号|(?<!\d)1[35789]\d{9}(?!\d)")
AD_WORD = re.compile(r"代购|优惠|招代理|代发|兼职|免费领取|特价|清仓|包治百病|根治")
OBJECTION_WORDS = re.compile(r"不同意|其实|但是|未必|保留意见|不同意见|不太同意")
CODE = {name: code for code, name in enumerate(INTENTS)}


def intent_of(group: SimulatedGroup, name: str) -> list[int]:
    return [i for i, code in enumerate(group.messages.intent) if code == CODE[name]]


@pytest.fixture(scope="module")
def group() -> SimulatedGroup:
    return simulate_group(members=200, weeks=4, seed=7)


@pytest.fixture(scope="module")
def written(group: SimulatedGroup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_simulation(tmp_path_factory.mktemp("sim"), group)


# --- determinism ------------------------------------------------------------------------------

def test_the_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    a = write_simulation(tmp_path / "a", simulate_group(members=60, weeks=3, seed=11))
    b = write_simulation(tmp_path / "b", simulate_group(members=60, weeks=3, seed=11))
    for kind in ("txt", "members", "truth"):
        assert a[kind].name == b[kind].name
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


def test_another_seed_gives_another_group() -> None:
    one, two = simulate_group(members=60, weeks=3, seed=1), simulate_group(members=60, weeks=3, seed=2)
    assert one.messages.text != two.messages.text
    assert [m.member_id for m in one.members] != [m.member_id for m in two.members]


# --- the cast ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_role_proportions_follow_the_key_person_rule(seed: int) -> None:
    g = simulate_group(members=300, weeks=2, seed=seed)
    roles = Counter(m.role for m in g.members)
    assert set(roles) <= set(ROLES) and sum(roles.values()) == 300
    assert 1 <= roles["thinker"] <= 2
    assert 2 <= roles["critic"] <= 9  # 1-3% of 300, at least two
    assert 0.33 <= roles["onlooker"] / 300 <= 0.45
    assert roles["silent"] / 300 > 0.5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_few_key_people_carry_the_conversation(seed: int) -> None:
    g = simulate_group(members=200, weeks=4, seed=seed)
    counts = g.message_counts()
    people = [m for m in g.members if not m.tags & {"operator", "shill", "advertiser"}]

    def mean(role: str) -> float:
        said = [counts[m.index] for m in people if m.role == role]
        return sum(said) / len(said)

    assert mean("thinker") > mean("critic") > 1.5 * mean("onlooker") > 0
    top5 = sum(sorted((counts[m.index] for m in people), reverse=True)[:5])
    assert top5 > 0.25 * sum(counts[m.index] for m in people)


def test_function_accounts_are_tagged_onlookers_and_operators_run_the_group(group: SimulatedGroup) -> None:
    for m in group.members:
        assert m.tags <= set(TAGS)
        if m.tags & {"shill", "advertiser"}:
            assert m.role == "onlooker"
        if "kol" in m.tags:
            assert m.role in ("thinker", "critic", "onlooker")
    operators = [m for m in group.members if "operator" in m.tags]
    assert operators and all(m.list_role in ("群主", "管理员") for m in operators)
    assert all(group.brand in m.name for m in operators)  # assistants' names echo the brand
    assert sum(m.list_role == "群主" for m in group.members) == 1
    tagged = Counter(t for m in group.members for t in m.tags)
    assert tagged["kol"] >= 1 and tagged["shill"] >= 2 and tagged["advertiser"] >= 1


def test_newcomer_and_left_tags_match_join_and_leave_times(group: SimulatedGroup) -> None:
    cutoff = group.end_s - 14 * 86400
    assert any("newcomer" in m.tags for m in group.members)
    assert any("left" in m.tags for m in group.members)
    for m in group.members:
        assert ("newcomer" in m.tags) == (m.join_s >= cutoff)
        assert ("left" in m.tags) == (m.left_s is not None) == (m.left_how is not None)


def test_silent_members_never_speak_but_every_member_but_the_owner_has_a_join_notice(group: SimulatedGroup) -> None:
    silent = {m.index for m in group.members if m.role == "silent"}
    assert silent
    assert not silent & set(group.messages.sender)
    joined = Counter(group.messages.text[i][: -len("加入本群。")] for i in intent_of(group, "join"))
    for m in group.members:
        assert joined[m.names[0]] == (0 if m.list_role == "群主" else 1), m.names[0]


def test_every_message_is_said_while_its_sender_is_in_the_group(group: SimulatedGroup) -> None:
    msgs = group.messages
    assert list(msgs.ts) == sorted(msgs.ts)
    for t, who in zip(msgs.ts, msgs.sender):
        assert 0 <= t < group.end_s
        if who != SYSTEM:
            assert group.members[who].present_at(t)


def test_replies_point_at_earlier_messages(group: SimulatedGroup) -> None:
    msgs = group.messages
    replies = [(i, r) for i, r in enumerate(msgs.reply_to) if r >= 0]
    assert len(replies) > len(msgs) / 3
    assert all(r < i and msgs.ts[r] <= msgs.ts[i] for i, r in replies)


# --- behaviour --------------------------------------------------------------------------------

def test_advertisers_post_ads_with_a_contact_and_a_sales_word(group: SimulatedGroup) -> None:
    advertisers = {m.index for m in group.members if "advertiser" in m.tags}
    ads = [group.messages.text[i] for i, s in enumerate(group.messages.sender) if s in advertisers]
    assert ads
    for text in ads:
        assert AD_CONTACT.search(text) and AD_WORD.search(text), text


def test_removed_advertisers_get_a_removal_notice_and_say_nothing_after() -> None:
    g = simulate_group(members=200, weeks=4, seed=3, params=SimParams(advertiser_share=(0.05, 0.05)))
    removed = [m for m in g.members if m.left_how == "removed"]
    assert removed and all("advertiser" in m.tags for m in removed)
    notices = {g.messages.text[i] for i in intent_of(g, "removal")}
    for m in removed:
        assert f"{m.name_at(m.left_s)}被管理员移出了本群。" in notices
        assert not any(s == m.index and t >= m.left_s for t, s in zip(g.messages.ts, g.messages.sender))


def test_critics_answer_thinkers_with_objections(group: SimulatedGroup) -> None:
    msgs, members = group.messages, group.members
    objections = intent_of(group, "objection")
    assert objections
    for i in objections:
        assert members[msgs.sender[i]].role == "critic"
        assert OBJECTION_WORDS.search(msgs.text[i]), msgs.text[i]
        assert members[msgs.sender[msgs.reply_to[i]]].role == "thinker"
    topics = Counter(members[msgs.sender[i]].role for i in intent_of(group, "topic"))
    assert topics["thinker"] > 3 * topics["critic"]  # critics rarely start a topic


def test_a_kols_posts_draw_replies_from_more_people() -> None:
    distinct: dict[bool, list[int]] = {True: [], False: []}
    for seed in range(1, 6):
        g = simulate_group(members=200, weeks=3, seed=seed)
        repliers: dict[int, set[int]] = {i: set() for i in intent_of(g, "topic")}
        for who, r in zip(g.messages.sender, g.messages.reply_to):
            if r in repliers:
                repliers[r].add(who)
        for topic, people in repliers.items():
            distinct["kol" in g.members[g.messages.sender[topic]].tags].append(len(people))
    mean = {k: sum(v) / len(v) for k, v in distinct.items()}
    assert mean[True] > 1.5 * mean[False]


@pytest.mark.parametrize("seed", [4, 9, 17])
def test_the_member_most_people_reply_to_is_a_kol(seed: int) -> None:
    """The definition (issue 15): the highest-influence member who is no operator or advertiser
    account is a KOL. The first KOL is a thinker (these seeds once drew only critics or onlookers
    while the group's one thinker had several times anyone's uptake)."""
    g = simulate_group(members=120, weeks=2, seed=seed)
    thinkers = [m for m in g.members if m.role == "thinker"]
    assert any("kol" in m.tags for m in thinkers)
    repliers: dict[int, set[int]] = {}
    for who, r in zip(g.messages.sender, g.messages.reply_to):
        if r >= 0 and who != g.messages.sender[r] and who >= 0:
            repliers.setdefault(g.messages.sender[r], set()).add(who)
    ordinary = [m for m in g.members if not m.tags & {"operator", "shill", "advertiser"}]
    top = max(ordinary, key=lambda m: len(repliers.get(m.index, ())))
    assert "kol" in top.tags


def test_operators_post_the_morning_briefing_at_about_eight() -> None:
    g = simulate_group(members=100, weeks=2, seed=4)
    briefings = intent_of(g, "briefing")
    assert len(briefings) >= 12  # every morning of two weeks but possibly the first, before the group existed
    for i in briefings:
        assert 8 * 3600 <= g.messages.ts[i] % 86400 < 8 * 3600 + 120
        assert "operator" in g.members[g.messages.sender[i]].tags
        assert g.messages.text[i].startswith(f"【{g.brand}早报】")


def test_joins_are_welcomed_by_an_operator_with_mentions(group: SimulatedGroup) -> None:
    welcomes = [group.messages.text[i] for i in intent_of(group, "welcome")]
    assert welcomes and all("@" in w for w in welcomes)


def test_shills_post_at_fixed_minutes_and_in_near_duplicate_bursts() -> None:
    g = simulate_group(members=200, weeks=4, seed=2)
    shills = {m.index for m in g.members if "shill" in m.tags}
    firsts = [i for i in intent_of(g, "shill") + intent_of(g, "question")
              if g.messages.sender[i] in shills and g.messages.reply_to[i] < 0]
    slots = {(g.messages.ts[i] % 86400) // 60 for i in firsts}
    assert firsts and len(slots) <= 4  # one or two slots a day, a burst may spill into the next minute
    bursts = [g.messages.text[i] for i in intent_of(g, "shill") if g.messages.reply_to[i] < 0]
    core = Counter(re.sub(r"[！～。 ，]|\[表情\]|👍|😊|真的|确实|哈哈", "", t) for t in bursts)
    assert core.most_common(1)[0][1] >= 4


def test_some_questions_go_unanswered_and_most_are_answered(group: SimulatedGroup) -> None:
    answered = [q for q in group.questions if q.answer >= 0]
    assert 0 < len(group.questions) - len(answered) < len(answered)
    for q in answered:
        assert group.messages.reply_to[q.answer] == q.message
        assert group.messages.intent[q.answer] == CODE["answer"]


def test_mentions_name_members_as_they_were_called_at_the_time(group: SimulatedGroup) -> None:
    names = {n for m in group.members for n in m.names}
    mentioned = [n for t in group.messages.text for n in re.findall(r"@(\S+?)(?= |$)", t)]
    assert mentioned
    assert {n for n in mentioned if n != "全体成员"} <= names


def test_no_member_message_reads_as_a_platform_notice(group: SimulatedGroup) -> None:
    for text, who in zip(group.messages.text, group.messages.sender):
        if who != SYSTEM:
            assert classify_event(text) is None, text
        assert text and "\n\n" not in text and not text.startswith("\n")


# --- lifecycle --------------------------------------------------------------------------------

def test_scenarios_follow_the_lifecycle() -> None:
    assert stage_schedule("healthy", 8) == ("new", "growing", "growing", "active", "active", "active",
                                            "active", "active")
    declining = stage_schedule("declining", 10)
    assert declining[0] == "new" and "declining" in declining and declining[-1] == "dead"
    takeover = stage_schedule("ad-takeover", 12)
    assert set(takeover) == set(STAGES)
    assert [s for i, s in enumerate(takeover) if i == 0 or s != takeover[i - 1]] == list(STAGES)


def test_in_an_ad_takeover_ads_dominate_the_ad_weeks_and_the_dead_weeks_are_quiet() -> None:
    g = simulate_group(members=200, weeks=12, seed=5, params=SimParams(scenario="ad-takeover"))
    week = [t // (7 * 86400) for t in g.messages.ts]
    said = Counter(w for w, s in zip(week, g.messages.sender) if s != SYSTEM)
    ads = Counter(w for w, code in zip(week, g.messages.intent) if code == CODE["ad"])
    ad_weeks = [w for w, s in enumerate(g.stages) if s == "ad-dominated"]
    active_weeks = [w for w, s in enumerate(g.stages) if s == "active"]
    assert sum(ads[w] for w in ad_weeks) > 0.4 * sum(said[w] for w in ad_weeks)
    assert sum(ads[w] for w in active_weeks) < 0.05 * sum(said[w] for w in active_weeks)
    dead = [w for w, s in enumerate(g.stages) if s == "dead"]
    assert max(said[w] for w in dead) < 0.05 * min(said[w] for w in active_weeks)


# --- the files ----------------------------------------------------------------------------------

def test_the_txt_has_the_classic_qq_layout(group: SimulatedGroup, written: dict[str, Path]) -> None:
    raw = written["txt"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n\r\n")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[:8] == ["消息记录（此消息记录为文本格式，不支持重新导入）", "", "=" * 64, "消息分组:我的群聊",
                         "=" * 64, f"消息对象:{group.name}", "=" * 64, ""]
    assert SEPARATOR == "=" * 64
    headers = [HEADER.match(line) for line in lines[8:] if line and line[:4].isdigit() and line[4] == "-"]
    assert len(headers) == len(group.messages) and all(headers)
    hours = [h.group(4) for h in headers]
    assert any(len(h) == 1 for h in hours) and not any(h.startswith("0") and len(h) == 2 for h in hours)
    system = [h for h in headers if h.group(7) == "系统消息"]
    assert {h.group(8) for h in system} == {"10000"}
    assert len(system) == sum(1 for s in group.messages.sender if s == SYSTEM)


def test_the_member_list_holds_the_members_still_in_the_group(group: SimulatedGroup, written: dict[str, Path]) -> None:
    raw = written["members"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig").split("\r\n")[0] == "QQ号,群名片,入群时间,身份,群名"
    assert detect(written["members"]).name == "member-list"
    assert get("member-list").group_named(written["members"]) == group.name  # import needs no --group
    roster = get("member-list").parse_roster(written["members"], ParseOptions()).to_pylist()
    current = {m.member_id: m for m in group.members if m.left_s is None}
    assert len(roster) == len(current) < len(group.members)
    for row in roster:
        m = current[row[S.MEMBER_ID]]
        assert row[S.NAME] == m.name
        assert row[S.ROLE] == {"群主": "owner", "管理员": "admin", "成员": "member"}[m.list_role]


def test_truth_json_describes_every_member_and_week(group: SimulatedGroup, written: dict[str, Path]) -> None:
    truth = json.loads(written["truth"].read_text(encoding="utf-8"))
    assert truth["seed"] == 7 and truth["group"]["name"] == group.name
    assert truth["params"]["scenario"] == "healthy" and truth["params"]["onlooker_share"] == [0.34, 0.44]
    assert truth["rates"] and all(truth["params"][name][0] <= value <= truth["params"][name][1]
                                  for name, value in truth["rates"].items())
    assert [w["stage"] for w in truth["stages"]] == list(group.stages) and len(truth["stages"]) == 4
    assert truth["messages"]["total"] == len(group.messages)
    assert sum(w["messages"] for w in truth["weekly"]) == len(group.messages)
    members = truth["members"]
    assert len(members) == 200 and len({m[S.MEMBER_ID] for m in members}) == 200
    for m in members:
        assert {S.MEMBER_ID, S.NAME, S.ROLE, "tags", S.JOINED_AT, S.LEFT_AT, S.MESSAGE_COUNT} <= set(m)
        assert m[S.ROLE] in ROLES and set(m["tags"]) <= set(TAGS)
        assert m[S.JOINED_AT].endswith("+08:00")
        assert (m[S.LEFT_AT] is None) == ("left" not in m["tags"])
        if m[S.ROLE] == "silent":
            assert m[S.MESSAGE_COUNT] == 0
    assert sum(m[S.MESSAGE_COUNT] for m in members) == truth["messages"]["from_members"]


def test_the_qq_txt_importer_reads_every_message_as_generated(group: SimulatedGroup, written: dict[str, Path]) -> None:
    assert detect(written["txt"]).name == "qq-txt"
    (conv,) = list(get("qq-txt").parse(written["txt"], ParseOptions()))
    assert conv.name == group.name
    rows = conv.messages.to_pylist()
    assert len(rows) == len(group.messages)
    msgs = group.messages
    for i, row in enumerate(rows):
        who = msgs.sender[i]
        assert row[S.TEXT] == msgs.text[i]
        assert row[S.SENDER_ID] == (None if who == SYSTEM else group.members[who].member_id)
        assert row[S.TS] == group.at(msgs.ts[i]).replace(tzinfo=ParseOptions().tz).astimezone(row[S.TS].tzinfo)
    kinds = Counter(r[S.KIND] for r in rows)
    intents = group.intent_counts()
    assert kinds["join"] == intents["join"]
    assert kinds["leave"] == intents["leave"] + intents["removal"]
    assert kinds["recall"] == intents["recall"]


# --- settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"members": 5}, "--members"),
    ({"weeks": 0}, "--weeks"),
    ({"params": SimParams(scenario="boom")}, "healthy, declining, ad-takeover"),
    ({"params": SimParams(theme="games")}, "health, retail, course"),
    ({"params": SimParams(critic_share=(0.5, 0.1))}, "critic_share"),
    ({"members": 20, "params": SimParams(shills=(30, 30))}, "raise --members"),
])
def test_settings_that_cannot_work_are_usage_errors(kwargs: dict, words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)):
        simulate_group(**kwargs)


def test_activity_scales_the_conversation() -> None:
    quiet = simulate_group(members=100, weeks=2, seed=9)
    busy = simulate_group(members=100, weeks=2, seed=9, params=SimParams(activity=4))
    assert len(busy.messages) > 2.5 * len(quiet.messages)
