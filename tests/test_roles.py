"""Members' roles and tags on small hand-built groups: the one who starts debates is the thinker,
the one who objects is the critic, a listed member who never spoke is silent, an account
posting the same ad is an advertiser; reasons say why, and results never change between runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.group import load_group
from grouplens.config import Config, RolesConfig
from grouplens.errors import UsageError
from grouplens.roles import ROLES, TAGS, explain_member, group_roles, member_roles, role_records
from grouplens.roles.classifier import activity_tiers

SEP = "=" * 64
# QQ numbers of the cast.
THINKER, CRITIC, ZHANG, HONG, LIU, AD, ASSISTANT, SILENT = (
    "10001", "10002", "10003", "10004", "10005", "10006", "10007", "10008")
NAMES = {THINKER: "王医生", CRITIC: "李质疑", ZHANG: "小张", HONG: "小红", LIU: "老刘", AD: "好物分享",
         ASSISTANT: "睡眠小助手", SILENT: "潜水的人"}
OPINIONS = ("我认为失眠首先要做认知行为治疗，药物只能作为辅助手段。",
            "我的看法是睡前一小时不碰手机，比吃任何保健品都管用。",
            "个人观点：午睡超过半小时反而会让晚上更难入睡。",
            "我觉得褪黑素对倒时差有用，但对慢性失眠帮助不大。",
            "我一直主张固定起床时间，比固定上床时间更重要。",
            "我认为运动改善睡眠的效果被低估了，每天快走半小时就够。")
OBJECTIONS = ("我不同意，很多人根本坚持不了这么久的治疗。", "未必吧，这个说法没有依据。",
              "不同意，我们门诊的情况恰恰相反。")
AD_TEXT = "招代理！助眠枕一件代发，加V：haowu8888 了解详情"


def qq_txt(rows: list[tuple[datetime, str, str]], names: dict[str, str] = NAMES) -> str:
    """A classic QQ 消息管理器 TXT export of ``rows`` (time, QQ number or "system", text)."""
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP,
             "消息对象:睡眠健康交流群", SEP, ""]
    for when, who, text in sorted(rows, key=lambda r: r[0]):
        sender = "系统消息(10000)" if who == "system" else f"{names[who]}({who})"
        lines += [f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {sender}", text, ""]
    return "\n".join(lines)


def debate_group() -> tuple[list[tuple[datetime, str, str]], str]:
    """Six evenings of debate started by the thinker and disputed by the critic, questions,
    an advertiser who posts the same ad three times, an assistant who welcomes a newcomer,
    and a member on the list who never says anything. Returns the rows and the member list."""
    rows: list[tuple[datetime, str, str]] = []
    start = datetime(2024, 3, 4, 20, 0, 0)
    for day, opinion in enumerate(OPINIONS):
        t = start + timedelta(days=day, minutes=day * 7)
        rows.append((t, THINKER, opinion))
        rows.append((t + timedelta(minutes=2), CRITIC, f"@{NAMES[THINKER]} {OBJECTIONS[day % 3]}"))
        rows.append((t + timedelta(minutes=4), THINKER, f"@{NAMES[CRITIC]} 临床上坚持下来的人效果很稳定。"))
        if day % 2 == 0:  # on three evenings the critic comes back for a second round
            rows.append((t + timedelta(minutes=6), CRITIC, f"@{NAMES[THINKER]} 未必，这个结论以偏概全了。"))
        rows.append((t + timedelta(minutes=8), ZHANG if day % 2 else HONG, f"@{NAMES[THINKER]} 有道理，学习了"))
    # Onlookers ask; the thinker answers.
    rows.append((datetime(2024, 3, 6, 9, 0), ZHANG, "请问褪黑素可以长期吃吗？"))
    rows.append((datetime(2024, 3, 6, 9, 5), THINKER, f"@{NAMES[ZHANG]} 不建议长期吃，最好咨询医生。"))
    rows.append((datetime(2024, 3, 8, 12, 0), LIU, "中午好"))
    rows.append((datetime(2024, 3, 9, 12, 30), LIU, "今天天气不错，出去走走"))
    # The advertiser: the same ad on three days.
    for day in (1, 3, 5):
        rows.append((datetime(2024, 3, 4 + day, 14, 0), AD, AD_TEXT))
    # A newcomer joins and the assistant welcomes them.
    rows.append((datetime(2024, 3, 7, 10, 0), "system", f"{NAMES[LIU]}加入本群。"))
    rows.append((datetime(2024, 3, 7, 10, 2), ASSISTANT, f"欢迎@{NAMES[LIU]} 进群！请先看群公告～"))
    members = "QQ号,群名片,入群时间,身份\n" + "\n".join([
        f"{ASSISTANT},{NAMES[ASSISTANT]},2024-02-01 09:00:00,管理员",
        f"{THINKER},{NAMES[THINKER]},2024-02-01 09:10:00,成员",
        f"{CRITIC},{NAMES[CRITIC]},2024-02-01 09:20:00,成员",
        f"{ZHANG},{NAMES[ZHANG]},2024-02-01 09:30:00,成员",
        f"{HONG},{NAMES[HONG]},2024-02-01 09:40:00,成员",
        f"{LIU},{NAMES[LIU]},2024-03-07 10:00:00,成员",
        f"{AD},{NAMES[AD]},2024-02-01 10:00:00,成员",
        f"{SILENT},{NAMES[SILENT]},2024-02-01 10:10:00,成员",
    ]) + "\n"
    return rows, members


@pytest.fixture
def debate_store(tmp_path: Path) -> Path:
    return build_debate_store(tmp_path)


def build_debate_store(tmp_path: Path) -> Path:
    """A store holding the debate group's export and member list."""
    rows, members = debate_group()
    (tmp_path / "chat.txt").write_text(qq_txt(rows), encoding="utf-8")
    (tmp_path / "members.csv").write_text(members, encoding="utf-8")
    store = tmp_path / "store"
    import_paths(store, [tmp_path / "chat.txt"])
    import_paths(store, [tmp_path / "members.csv"], group="睡眠健康交流群")
    return store


def by_member(result: pd.DataFrame) -> dict[str, dict]:
    return {row[S.MEMBER_ID]: row for row in result.to_dict("records")}


def test_every_member_gets_one_role_even_those_only_on_the_member_list(debate_store: Path) -> None:
    result = group_roles(open_store(debate_store))
    assert sorted(result[S.MEMBER_ID]) == sorted(NAMES)
    assert set(result["role"]) <= set(ROLES)
    assert all(set(tags) <= set(TAGS) for tags in result["tags"])


def test_the_member_who_starts_debates_is_the_thinker(debate_store: Path) -> None:
    rows = by_member(group_roles(open_store(debate_store)))
    assert rows[THINKER]["role"] == "thinker"
    assert rows[THINKER]["conversations_started"] >= 6  # every opinion drew a reply
    assert [m for m, r in rows.items() if r["role"] == "thinker"] == [THINKER]


def test_the_member_who_objects_is_the_critic(debate_store: Path) -> None:
    rows = by_member(group_roles(open_store(debate_store)))
    assert rows[CRITIC]["role"] == "critic"
    assert rows[CRITIC]["objections"] == 9  # six first rounds, three second rounds
    assert rows[THINKER]["objections_drawn"] >= 6
    assert [m for m, r in rows.items() if r["role"] == "critic"] == [CRITIC]


def test_a_listed_member_who_never_spoke_is_silent(debate_store: Path) -> None:
    row = by_member(group_roles(open_store(debate_store)))[SILENT]
    assert row["role"] == "silent" and row["messages"] == 0 and row["in_roster"]


def test_occasional_speakers_are_onlookers(debate_store: Path) -> None:
    rows = by_member(group_roles(open_store(debate_store)))
    assert {rows[m]["role"] for m in (ZHANG, HONG, LIU)} == {"onlooker"}


def test_an_account_posting_the_same_ad_is_an_advertiser(debate_store: Path) -> None:
    rows = by_member(group_roles(open_store(debate_store)))
    assert "advertiser" in rows[AD]["tags"] and rows[AD]["ad_share"] == 1.0
    assert rows[AD]["role"] == "onlooker"
    assert [m for m, r in rows.items() if "advertiser" in r["tags"]] == [AD]


def test_an_admin_who_welcomes_newcomers_is_an_operator(debate_store: Path) -> None:
    rows = by_member(group_roles(open_store(debate_store)))
    assert "operator" in rows[ASSISTANT]["tags"] and rows[ASSISTANT]["welcomes"] == 1
    assert rows[ASSISTANT]["list_role"] == "admin"
    assert [m for m, r in rows.items() if "operator" in r["tags"]] == [ASSISTANT]


def test_newcomers_joined_within_newcomer_days_of_the_period_end(debate_store: Path) -> None:
    # The last message is on 9 March at 20:43; 老刘 joined on 7 March, the others on 1 February.
    rows = by_member(group_roles(open_store(debate_store)))
    assert [m for m, r in rows.items() if "newcomer" in r["tags"]] == [LIU]
    config = Config(roles=RolesConfig(newcomer_days=2))
    rows = by_member(member_roles(load_group(open_store(debate_store), config=config)))
    assert not any("newcomer" in r["tags"] for r in rows.values())


def test_reasons_come_in_chinese_or_english(debate_store: Path) -> None:
    zh = by_member(group_roles(open_store(debate_store), lang="zh"))
    en = by_member(group_roles(open_store(debate_store), lang="en"))
    assert zh[THINKER]["reason"].startswith("思想者：") and "讨论" in zh[THINKER]["reason"]
    assert en[CRITIC]["reason"].startswith("Critic: disputed others' points 9 times")
    assert en[SILENT]["reason"] == "Silent: said nothing in the period."
    assert "ads" in en[AD]["reason"]
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        group_roles(open_store(debate_store), lang="fr")


def test_explain_says_why_with_each_figure_against_its_threshold(debate_store: Path) -> None:
    result = group_roles(open_store(debate_store), lang="en")
    lines = explain_member(result, NAMES[CRITIC], "en")
    assert lines[0] == f"{NAMES[CRITIC]} ({CRITIC}): critic"
    assert any(line.startswith("✓ critic: objections to others 9 (needs ≥") for line in lines)
    assert any(line.startswith("✗ thinker:") for line in lines)
    assert explain_member(result, THINKER, "zh")[0].startswith(f"{NAMES[THINKER]} ({THINKER}): 思想者")
    with pytest.raises(UsageError, match="no member '无名氏'"):
        explain_member(result, "无名氏")


def test_results_do_not_change_between_runs(debate_store: Path) -> None:
    first = group_roles(open_store(debate_store))
    second = group_roles(open_store(debate_store))
    pd.testing.assert_frame_equal(first, second)


def test_json_records_carry_the_required_fields_with_evidence(debate_store: Path) -> None:
    records = role_records(group_roles(open_store(debate_store)))
    assert {"member_id", "name", "role", "tags", "influence", "evidence", "reason"} <= set(records[0])
    assert records[0]["role"] == "thinker"  # thinkers are listed first
    assert {"messages", "active_days", "conversations_started", "replies_drawn", "objections",
            "people_engaged", "regularity", "ad_share", "template_posts", "discussions", "sources",
            "agreement_drawn", "questions_drawn", "scheduled_days", "kol_basis"} <= set(records[0]["evidence"])


def test_thresholds_come_from_the_config(debate_store: Path) -> None:
    strict = Config(roles=RolesConfig(critic_min_objections=20))
    data = load_group(open_store(debate_store), config=strict)
    rows = by_member(member_roles(data))
    assert rows[CRITIC]["role"] == "onlooker"


def test_a_period_with_nobody_speaking_leaves_everyone_silent_or_staff(debate_store: Path) -> None:
    result = group_roles(open_store(debate_store), since="2025-01-01", until="2025-01-31")
    roles = dict(zip(result[S.MEMBER_ID], result["role"]))
    assert roles[ASSISTANT] == "onlooker"  # an admin follows the group by duty
    assert {r for m, r in roles.items() if m != ASSISTANT} == {"silent"}


def test_activity_tiers_are_numbered_from_the_least_active() -> None:
    import numpy as np

    rates = np.array([0.0, 0.5, 0.6, 5.0, 5.5, 40.0, 42.0])
    speaks = rates > 0
    tiers = activity_tiers(rates, speaks, RolesConfig())
    assert tiers.tolist() == [-1, 0, 0, 1, 1, 2, 2]
    assert activity_tiers(rates, speaks, RolesConfig()).tolist() == tiers.tolist()


def test_the_member_others_turn_to_for_answers_is_a_kol_once_the_group_really_discusses(tmp_path: Path) -> None:
    # 老刘 answers four members' questions and is thanked; 小张 chats and answers nobody. Nothing
    # else is discussed: there is no real discussion, so nobody is a KOL (answers alone are one
    # form of being turned to, not the definition) until the bar for real discussion is lowered.
    names = NAMES | {"10011": "问一", "10012": "问二", "10013": "问三", "10014": "问四"}
    rows: list[tuple[datetime, str, str]] = []
    t = datetime(2024, 4, 1, 9, 0)
    for day, asker in enumerate(("10011", "10012", "10013", "10014") * 2):
        at = t + timedelta(days=day)
        rows.append((at, asker, "请问睡前喝牛奶有用吗？"))
        rows.append((at + timedelta(minutes=3), LIU, f"@{names[asker]} 有一点帮助，关键是规律作息"))
        rows.append((at + timedelta(minutes=5), asker, f"@{NAMES[LIU]} 谢谢"))
        rows.append((at + timedelta(minutes=30), ZHANG, "今天天气真好"))
    (tmp_path / "chat.txt").write_text(qq_txt(rows, names), encoding="utf-8")
    store = tmp_path / "store"
    import_paths(store, [tmp_path / "chat.txt"])
    rows_by_member = by_member(member_roles(load_group(open_store(store))))
    expert = rows_by_member[LIU]
    assert expert["answers"] == 8 and expert["sources"] == 4 and expert["influence_rank"] == 1
    assert expert["askers_answered"] == 4 and expert["group_discussions"] == 0
    assert not [m for m, r in rows_by_member.items() if "kol" in r["tags"]]
    config = Config(roles=RolesConfig(kol_min_sources=4, kol_min_discussions=0))
    rows_by_member = by_member(member_roles(load_group(open_store(store), config=config)))
    assert [m for m, r in rows_by_member.items() if "kol" in r["tags"]] == [LIU]
    assert rows_by_member[LIU]["kol_basis"] == "top"


def test_accounts_posting_near_duplicates_at_a_set_time_every_day_are_shills(tmp_path: Path) -> None:
    # Two accounts post the same cheer at 9:00 each day (one adds a word or an emoji); 小张
    # chats at all hours and 小红 happens to say the same thing once.
    names = NAMES | {"10021": "阳光小美", "10022": "开心果"}
    rows: list[tuple[datetime, str, str]] = []
    for day in range(6):
        at = datetime(2024, 3, 4, 9, 0, 10) + timedelta(days=day)
        rows.append((at, "10021", "今天群里的分享太有用了，大家都说说自己的情况吧"))
        rows.append((at + timedelta(seconds=40), "10022", "真的，今天群里的分享太有用了 大家都说说自己的情况吧👍"))
        rows.append((at + timedelta(hours=3 + day * 2, minutes=day * 7), ZHANG, f"第{day + 1}天，今天睡得还行"))
    rows.append((datetime(2024, 3, 5, 9, 1), HONG, "今天群里的分享太有用了，大家都说说自己的情况吧"))
    (tmp_path / "shills.txt").write_text(qq_txt(rows, names), encoding="utf-8")
    store = tmp_path / "shill-store"
    import_paths(store, [tmp_path / "shills.txt"])
    rows_by_member = by_member(group_roles(open_store(store)))
    assert rows_by_member["10021"]["regularity"] == 1.0 and rows_by_member["10021"]["coordination"] == 1.0
    assert [m for m, r in rows_by_member.items() if "shill" in r["tags"]] == ["10021", "10022"]
    assert rows_by_member["10021"]["role"] == "onlooker"
