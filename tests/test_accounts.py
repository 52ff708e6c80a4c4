"""Accounts across groups: the same QQ number / wxid in several groups of the store, flagged when
it posts ads (跨群广告号) or the same text at set times (跨群水军) in several of them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from report_groups import Group, Msg, build_store
from typer.testing import CliRunner

from grouplens.analysis.accounts import account_index, cross_group_accounts, shared_accounts
from grouplens.cli import app
from grouplens.config import AccountsConfig, Config
from grouplens.report import build_report
from grouplens.roles import group_roles
from grouplens.simulate import SimParams, simulate_group, write_simulation
from grouplens.store.ingest import import_paths
from grouplens.store.store import open_store

runner = CliRunner()
AD = "加V：sale8888 低价代购"
STIR = "今天大家都在忙什么呢？来聊聊吧"
NAMES = {"70001": "广告哥", "70002": "小蜜蜂", "70003": "群主老李", "70004": "普通人", "70005": "单群广告",
         "70006": "随机时间", "70007": "小助手", "70008": "微信广告"}


def groups() -> list[Group]:
    """甲群 and 乙群 (QQ) share seven accounts; 丙群 is a WeChat group whose member 70001 is a
    different account (wxids and QQ numbers are different namespaces).

    - 广告哥 (70001) posts an ad in each QQ group; 小蜜蜂 (70002) and 小助手 (70007) post the same
      stir line at 20:00 in 甲群 and 21:00 in 乙群 on three days;
    - 群主老李 (70003), owner of 甲群, posts ads in both; 单群广告 (70005) advertises in 甲群 only;
    - 普通人 (70004) chats in both; 随机时间 (70006) repeats one line at scattered hours."""
    a = [Msg("2024-03-04 10:00", "70001", AD), Msg("2024-03-04 12:00", "70003", "群主福利：扫码领优惠券，加V：boss123"),
         Msg("2024-03-05 09:00", "70005", "代购正品，私聊加V：buy777"), Msg("2024-03-05 14:00", "70004", "中午吃什么好"),
         Msg("2024-03-04 08:00", "70006", "有人一起周末去爬山吗？报名找我"),
         Msg("2024-03-05 15:00", "70006", "有人一起周末去爬山吗？报名找我"),
         Msg("2024-03-06 23:00", "70006", "有人一起周末去爬山吗？报名找我")]
    b = [Msg("2024-03-05 11:00", "70001", AD + "，详询"), Msg("2024-03-06 12:00", "70003", "群主福利：扫码领优惠券，加V：boss123"),
         Msg("2024-03-06 09:00", "70005", "大家好"), Msg("2024-03-06 14:00", "70004", "今天好冷"),
         Msg("2024-03-05 12:00", "70006", "有人一起周末去爬山吗？报名找我"),
         Msg("2024-03-07 18:30", "70006", "有人一起周末去爬山吗？报名找我")]
    for who in ("70002", "70007"):
        a += [Msg(f"2024-03-0{d} 20:0{int(who[-1]) % 3}", who, STIR) for d in (4, 5, 6)]
        b += [Msg(f"2024-03-0{d} 21:0{int(who[-1]) % 3}", who, STIR) for d in (4, 6)]
    c = [Msg("2024-03-04 10:00", "70001", AD), Msg("2024-03-05 10:00", "70008", AD)]
    roster = [(mid, name, "2024-01-01 08:00", "owner" if mid == "70003" else "member") for mid, name in NAMES.items()
              if mid != "70008"]
    return [Group("甲群", NAMES, sorted(a, key=lambda m: m.when), roster),
            Group("乙群", NAMES, sorted(b, key=lambda m: m.when)),
            Group("丙群", NAMES, c, platform="wechat")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("accounts") / "store", *groups())


def test_accounts_posting_ads_or_a_set_time_line_in_several_groups_are_flagged_with_evidence(store):
    shared = shared_accounts(account_index(store))
    assert sorted(set(shared["member_id"])) == ["70001", "70002", "70003", "70004", "70005", "70006", "70007"]
    found = {a["member_id"]: a for a in cross_group_accounts(store)}
    assert {m: a["flags"] for m, a in found.items()} == {"70001": ["ads"], "70002": ["scheduled"],
                                                         "70007": ["scheduled"]}
    ads = found["70001"]
    assert (ads["platform"], ads["group_count"], ads["ads"]) == ("qq", 2, 2)  # 丙群's 70001 is a WeChat account
    assert {(g["group_name"], g["ads"], g["first_ad"].tz_convert("Asia/Shanghai").strftime("%m-%d %H:%M"))
            for g in ads["groups"]} == {("甲群", 1, "03-04 10:00"), ("乙群", 1, "03-05 11:00")}
    [script] = found["70002"]["scripts"]
    names = {g["group_id"]: g["group_name"] for g in found["70002"]["groups"]}
    assert {names[g]: t for g, t in script["times"].items()} == {"甲群": "20:02", "乙群": "21:02"}
    assert (script["text"], script["posts"], script["days"]) == (STIR, 5, 3)


def test_owners_and_ignored_accounts_are_never_flagged_and_a_shorter_span_sees_less(store):
    config = replace(Config(), accounts=AccountsConfig(ignore=("70007",)))
    assert [a["member_id"] for a in cross_group_accounts(store, config=config)] == ["70001", "70002"]
    assert [a["member_id"] for a in cross_group_accounts(store, "2024-03-05", "2024-03-05")] == []
    three = replace(Config(), accounts=AccountsConfig(min_groups=3))
    assert cross_group_accounts(store, config=three) == []


def test_the_groups_overview_lists_them_with_groups_and_dates(store):
    data = build_report(store, "groups", show_ids=True).data["accounts"]
    assert (data["first_day"], data["min_groups"]) == (None, 2)
    rows = {a["member_id"]: a for a in data["accounts"]}
    assert sorted(rows) == ["70001", "70002", "70007"] and rows["70001"]["name"] == "广告哥"
    assert {(g["group_name"], g["first_ad"]) for g in rows["70001"]["groups"]} == {("甲群", "2024-03-04"),
                                                                                  ("乙群", "2024-03-05")}
    assert rows["70002"]["scripts"][0]["first_day"] == "2024-03-04"
    week = build_report(store, "groups", week="2024-W10").data["accounts"]
    assert (week["first_day"], week["last_day"]) == ("2024-02-12", "2024-03-10")  # the 4 weeks up to W10
    page = runner.invoke(app, ["report", "--all", "--store", str(store.path)]).stdout
    assert "跨群账号 (3)" in page and "跨群广告号" in page and "跨群水军" in page and "20:02" in page
    hidden = runner.invoke(app, ["report", "--all", "--store", str(store.path), "--pseudonymize",
                                 "--format", "json"]).stdout
    assert not any(name in hidden for name in NAMES.values()) and "70001" not in hidden
    assert len(json.loads(hidden)["data"]["accounts"]["accounts"]) == 3


def test_roles_tag_them_and_say_where_and_when(store):
    roles = group_roles(store, "甲群").set_index("member_id")
    assert "cross_group_ads" in roles.loc["70001", "tags"]
    assert "跨群广告号：在2个群发广告" in roles.loc["70001", "reason"] and "2024-03-05" in roles.loc["70001", "reason"]
    assert "cross_group_shill" in roles.loc["70002", "tags"] and "乙群 21:02" in roles.loc["70002", "reason"]
    assert not [t for m in ("70003", "70004", "70005", "70006") for t in roles.loc[m, "tags"] if "cross" in t]
    table = runner.invoke(app, ["roles", "--store", str(store.path), "-g", "乙群", "--lang", "en"]).stdout
    assert "cross-group ads" in table and "cross-group shill" in table


def test_a_members_page_says_it_too(store):
    page = build_report(store, "member", "乙群", member="广告哥").data
    assert [g["group_name"] for g in page["other_groups"]] == ["甲群"]
    assert page["cross_group"]["flags"] == ["ads"]
    assert build_report(store, "member", "乙群", member="普通人").data["cross_group"] is None


def splice(folder: Path, seeds: tuple[int, int]) -> dict[str, str]:
    """Two simulated shops (same theme, different seeds) in which group B's first advertiser
    and first shill are given group A's ids: the same two accounts, now in two groups."""
    a, b = (simulate_group(members=60, weeks=3, seed=s, params=SimParams(theme="retail")) for s in seeds)
    spliced = {}
    for tag in ("advertiser", "shill"):
        mine, theirs = ([m for m in g.members if tag in m.tags] for g in (a, b))
        theirs[0].member_id = mine[0].member_id
        spliced[mine[0].member_id] = {"advertiser": "ads", "shill": "scheduled"}[tag]
    write_simulation(folder / "a", a)
    write_simulation(folder / "b", b)
    import_paths(folder / "store", [folder / "a", folder / "b"])
    return spliced


def test_on_simulated_groups_exactly_the_spliced_advertiser_and_shill_are_flagged(tmp_path):
    spliced = splice(tmp_path, (7, 8))
    found = cross_group_accounts(open_store(tmp_path / "store"))
    assert {a["member_id"]: a["flags"] for a in found} == {m: [flag] for m, flag in spliced.items()}


def test_on_the_sample_store_the_two_accounts_advertising_in_two_groups_are_flagged(sample_store):
    """sample_logs/: several QQ numbers are in more than one group, and two of them post an ad
    in each of two groups (the README's example); only those two are flagged, with both groups."""
    store = open_store(sample_store)
    assert len(set(shared_accounts(account_index(store))["member_id"])) > 2
    found = {a["name"]: a for a in cross_group_accounts(store)}
    assert sorted(found) == ["代购小美", "店长-阿芬"] and all(a["flags"] == ["ads"] for a in found.values())
    assert {g["group_name"] for g in found["代购小美"]["groups"]} == {"周末羽毛球交流群", "仁和社区医院·慢病管理群"}
    page = build_report(store, "member", "周末羽毛球交流群", member="代购小美").data
    assert [g["group_name"] for g in page["other_groups"]] == ["仁和社区医院·慢病管理群"]
    assert page["cross_group"]["flags"] == ["ads"]
