"""Message classes on realistic chat lines: each class with lines it must and must not catch,
configuration overrides, kinds, and recurring operator templates."""

from __future__ import annotations

import pandas as pd
import pytest

from grouplens import schema
from grouplens.config import Config, TemplateConfig, config_from_dict
from grouplens.errors import UsageError
from grouplens.text.classes import (
    CLASS_NAMES,
    OPERATOR_TEMPLATE,
    TEMPLATE_ID,
    class_rules,
    classify_messages,
    find_templates,
    template_key,
)

T0 = pd.Timestamp("2024-04-01 00:30", tz="UTC")  # 08:30 in Shanghai, a Monday


def messages(texts: list[str | None], kinds: list[str] | None = None, index=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            schema.GROUP_ID: "wechat-1@chatroom",
            schema.TS: [T0 + pd.Timedelta(minutes=i) for i in range(len(texts))],
            schema.SENDER_ID: "wxid_a",
            schema.KIND: kinds or ["text"] * len(texts),
            schema.TEXT: texts,
        },
        index=index,
    )


def classes_of(text: str | None, kind: str = "text", config: Config | None = None) -> set[str]:
    row = classify_messages(messages([text], [kind]), config).iloc[0]
    return {name for name, hit in row.items() if hit}


CASES: dict[str, tuple[list[str], list[str]]] = {
    # class: (lines that are in it, lines that are not)
    "question": (
        [
            "请问这个药饭前吃还是饭后吃",  # no question mark
            "你们那边下雨了吗",
            "周六几点开场",
            "有没有人用过这个App",
            "褪黑素能不能长期吃",
            "这个怎么弄",
            "为什么我总是半夜醒",
            "多少钱一盒",
            "那你呢",
            "what time is the meeting?",
        ],
        [
            "我在上班呢",  # declarative 呢
            "这就是为什么我坚持早睡。",
            "多少有点效果",
            "哪里哪里，过奖了",
            "不怎么好吃",
            "吗啡要遵医嘱使用",
            "详情见 https://x.cn/a?id=3",  # a ? inside a URL
            "没什么大问题",
            "讲座开始了，今天讲三点：\n1. 降压药早上吃还是晚上吃\n2. 漏服了怎么办\n3. 停药要注意什么",  # an agenda
        ],
    ),
    "objection": (
        [
            "我不同意，褪黑素不能长期吃",
            "未必吧，我吃了没用",
            "不一定，要看个人体质",
            "恰恰相反，运动后更难入睡",
            "不对，应该是饭后吃",
            "我觉得不是这个原因",
            "这个说法有问题",
            "但是楼上说的这个方法不适合老人",
        ],
        [
            "我也同意",
            "我明天不一定有空",
            "感觉有点不对劲",
            "我想去但是没时间",
            "其实我也是这么想的",
            "电脑有问题了",
        ],
    ),
    "agreement": (
        ["同意", "谢谢分享👍", "收到", "好的", "+1", "说得对", "[强][强]", "对，就是这样", "嗯嗯", "OK", "有道理，学到了", "感谢老师"],
        [
            "不同意", "我不太认同", "大家同意吗？", "好的医生很难找", "收到货了吗", "+10086", "他的观点我不支持",
            "对不对", "收到王阿姨的蛋糕定金50元",
        ],
    ),
    "greeting": (
        ["早", "早安☀️", "大家早上好", "晚安，明天见", "新人报到，请多关照", "欢迎新朋友加入！", "Hi all", "哈喽大家好", "早呀"],
        ["早点睡", "早上吃了什么", "你好像说错了", "报到处在一楼", "周末去hiking", "大家早点休息，明天见"],
    ),
    "checkin": (
        ["第12天打卡，坚持早睡", "#打卡 今天读书30分钟", "Day 5 ✅", "已签到", "早睡挑战第21天，完成！", "day 3 跑步5公里"],
        [
            "住院第3天，好多了", "网红打卡地人太多了", "怎么打卡？", "the day 3 of the trip", "忘了打卡",
            "签到表放在前台了", "新朋友每天早上可以在群里打卡血糖",
        ],
    ),
    "ad": (
        [
            "新店开业全场低价优惠，加V：shop8888 详询",
            "招代理，一件代发，日赚500+",
            "宝妈兼职，手机操作，当天结算",
            "私聊我领取优惠券 13812345678",
            "代购日本药妆，vx: buyjp2024",
            "扫码进群领福利[二维码]",
            "限时秒杀 https://item.example.com/xyz",
        ],
        [
            "有人知道哪里有代购吗？",
            "超市今天鸡蛋有优惠",  # a sales word without a contact
            "禁止发广告、加V、刷单，违者踢出",  # the group rules
            "这篇文章不错 https://mp.weixin.qq.com/s/abc",  # a link alone
            "我们加个微信吧",
            "药房电话 010-12345678",  # a contact without a sales word
            "维生素vitamin补充剂",
        ],
    ),
    "risky_claim": (
        ["祖传秘方，包治百病", "这个药能根治失眠，三天见效", "纯中药无副作用，100%有效", "治愈率高达98%", "永不复发，无效退款"],
        [
            "没有药能根治失眠", "这个能根治吗？", "别信那些包治百病的广告", "医生建议做根治术", "任何药都有副作用",
            "吃了一周，有效果", "谨防所谓特效药", "提醒大家：说能“根治糖尿病”的保健品都不要信",
            "包治百病的药都是骗人的",
        ],
    ),
    "personal_attack": (
        ["你个傻逼", "滚", "脑残吧你", "你就是个废物", "SB一个", "闭嘴吧你"],
        ["垃圾分类从我做起", "今天去死皮了", "神经病学科的李医生", "滚动播放", "你有病史吗", "翻滚吧"],
    ),
}


@pytest.mark.parametrize(
    ("name", "text"), [(name, t) for name, (yes, _) in CASES.items() for t in yes]
)
def test_line_is_in_class(name, text):
    assert name in classes_of(text)


@pytest.mark.parametrize(
    ("name", "text"), [(name, t) for name, (_, no) in CASES.items() for t in no]
)
def test_line_is_not_in_class(name, text):
    assert name not in classes_of(text)


def test_several_classes_may_apply_to_one_message():
    assert classes_of("谢谢分享，但是你说的不全面，这个能长期吃吗？") == {"question", "objection", "agreement"}


def test_a_plain_statement_is_in_no_class():
    assert classes_of("今天下午去医院复查了，指标都正常") == set()


# --- what the rules read ----------------------------------------------------------------------


def test_quoted_text_mentions_and_cq_codes_are_not_the_senders_words():
    assert classes_of("引用:张三:有没有人知道怎么办？\n收到") == {"agreement"}
    assert classes_of("@代购小王\u2005收到") == {"agreement"}
    assert classes_of("[CQ:at,qq=13812345678] 优惠活动几号结束") == {"question"}


def test_events_and_media_get_no_class():
    assert classes_of("欢迎新朋友加入！", kind="join") == set()
    assert classes_of("[图片]", kind="image") == set()
    assert classes_of('"小林"拍了拍"阿杰"', kind="pat") == set()


def test_a_link_is_an_ad_only_with_a_sales_word():
    assert classes_of("[链接|618限时优惠，全场五折]", kind="link") == {"ad"}
    assert classes_of("[链接|失眠的十个误区]", kind="link") == set()
    # the same sales words in a member's text need a contact beside them
    assert classes_of("618限时优惠，全场五折") == set()


def test_a_contact_card_with_a_sales_word_is_an_ad():
    assert classes_of("[名片] 私聊领取福利", kind="card") == {"ad"}


def test_a_missing_kind_counts_as_text():
    frame = pd.DataFrame({schema.TEXT: ["请问几点开始"], schema.TS: [T0]})
    assert classify_messages(frame).loc[0, "question"]


def test_result_is_index_aligned_with_one_boolean_column_per_class():
    frame = messages(["早", None, "第12天打卡"], index=[7, 3, 42])
    result = classify_messages(frame)
    assert list(result.columns) == list(CLASS_NAMES)
    assert result.index.tolist() == [7, 3, 42]
    assert all(result[c].dtype == bool for c in result)
    assert result["greeting"].tolist() == [True, False, False]
    assert result["checkin"].tolist() == [False, False, True]


def test_a_table_without_text_is_a_usage_error():
    with pytest.raises(UsageError, match="'text' column"):
        classify_messages(pd.DataFrame({schema.KIND: ["text"]}))


# --- configuration --------------------------------------------------------------------------


def test_configured_keywords_extend_a_builtin_class():
    config = config_from_dict({"classes": {"ad": {"keywords": ["进群领红包"]}}})
    assert classes_of("进群领红包啦", config=config) == {"ad"}
    assert classes_of("进群领红包啦") == set()
    assert classes_of("招代理，日赚500", config=config) == {"ad"}  # the built-ins stay


def test_replace_puts_the_configured_lists_in_place_of_the_builtin_ones():
    config = config_from_dict({"classes": {"question": {"replace": True, "keywords": ["请问"]}}})
    assert "question" not in classes_of("你们那边下雨了吗？", config=config)
    assert "question" in classes_of("请问几点开始", config=config)


def test_configured_exclusions_silence_a_match():
    config = config_from_dict({"classes": {"ad": {"exclude_keywords": ["官方福利"]}}})
    text = "官方福利 https://example.com/gift"
    assert classes_of(text) == {"ad"}
    assert classes_of(text, config=config) == set()


def test_a_disabled_class_has_no_column():
    config = config_from_dict({"classes": {"greeting": {"enabled": False}}})
    result = classify_messages(messages(["早"]), config)
    assert "greeting" not in result.columns
    assert list(result.columns) == [c for c in CLASS_NAMES if c != "greeting"]


def test_a_new_class_gets_its_own_column_after_the_builtins():
    config = config_from_dict({"classes": {"medication": {"keywords": ["褪黑素"], "patterns": [r"\S{1,4}胶囊"]}}})
    result = classify_messages(messages(["褪黑素有用吗", "鱼油胶囊每天一粒", "早"]), config)
    assert list(result.columns) == [*CLASS_NAMES, "medication"]
    assert result["medication"].tolist() == [True, True, False]


def test_a_new_class_without_keywords_or_patterns_is_a_usage_error():
    config = config_from_dict({"classes": {"medication": {"description": "talks about a medicine"}}})
    with pytest.raises(UsageError, match=r"\[classes\.medication\] is not a built-in class"):
        class_rules(config)


def test_configured_kinds_narrow_a_class():
    config = config_from_dict({"classes": {"checkin": {"kinds": ["text"]}}})
    assert classes_of("[小程序]第8天打卡", kind="link") == {"checkin"}
    assert classes_of("[小程序]第8天打卡", kind="link", config=config) == set()


# --- operator templates -----------------------------------------------------------------------

DAY = pd.Timedelta(days=1)


def post(group: str, sender: str, when: pd.Timestamp, text: str, kind: str = "text") -> dict:
    return {schema.GROUP_ID: group, schema.SENDER_ID: sender, schema.TS: when, schema.KIND: kind, schema.TEXT: text}


def template_fixture() -> pd.DataFrame:
    welcome = "欢迎{}加入睡眠改善群！请先阅读群公告，修改群昵称为城市-姓名，有问题随时找助手"
    rows = [
        # 0-2 a welcome script with the newcomer's @mention, three days, varied hours
        post("g1", "helper", T0, "欢迎@小林\u2005加入睡眠改善群！请先阅读群公告，有问题随时找助手"),
        post("g1", "helper", T0 + DAY + pd.Timedelta(hours=5), "欢迎@王芳\u2005加入睡眠改善群！请先阅读群公告，有问题随时找助手"),
        post("g1", "helper", T0 + 3 * DAY + pd.Timedelta(hours=9), "欢迎@李建国\u2005加入睡眠改善群！请先阅读群公告，有问题随时找助手"),
        # 3-5 a welcome script naming the newcomer without @: near-identical, not identical
        post("g1", "owner", T0 + pd.Timedelta(hours=2), welcome.format("小林")),
        post("g1", "owner", T0 + 2 * DAY + pd.Timedelta(hours=6), welcome.format("王芳")),
        post("g1", "owner", T0 + 4 * DAY + pd.Timedelta(hours=10), welcome.format("李建国")),
        # 6-9 a live-stream reminder at 20:00 local, four days, dates and times vary
        post("g1", "helper", T0 + pd.Timedelta(hours=11, minutes=30), "【今晚8点直播】4月1日 周一，主题：如何改善入睡困难，回放见群公告"),
        post("g1", "helper", T0 + DAY + pd.Timedelta(hours=11, minutes=25), "【今晚8点直播】4月2日 周二，主题：如何改善入睡困难，回放见群公告"),
        post("g1", "helper", T0 + 2 * DAY + pd.Timedelta(hours=11, minutes=35), "【今晚9点直播】4月3日 周三，主题：如何改善入睡困难，回放见群公告"),
        post("g1", "helper", T0 + 3 * DAY + pd.Timedelta(hours=11, minutes=30), "【今晚8点直播】4月4日 周四，主题：如何改善入睡困难，回放见群公告"),
        # 10-11 a member repeating herself on two days only
        post("g1", "amy", T0, "我今天又失眠了，凌晨三点才睡着，好难受啊"),
        post("g1", "amy", T0 + DAY, "我今天又失眠了，凌晨三点才睡着，好难受啊"),
        # 12-15 short daily check-ins: too short to be a script
        *[post("g1", "bob", T0 + i * DAY, f"第{12 + i}天打卡") for i in range(4)],
        # 16-18 one text in two groups: three days in all, but at most two in a group
        post("g2", "carl", T0, "本周六上午十点在社区医院有免费睡眠讲座，欢迎参加"),
        post("g2", "carl", T0 + DAY, "本周六上午十点在社区医院有免费睡眠讲座，欢迎参加"),
        post("g3", "carl", T0 + 2 * DAY, "本周六上午十点在社区医院有免费睡眠讲座，欢迎参加"),
        # 19 a system notice with the same words as a script
        post("g1", None, T0 + 5 * DAY, "欢迎@小林\u2005加入睡眠改善群！请先阅读群公告，有问题随时找助手", kind="system"),
    ]
    return pd.DataFrame(rows, index=range(100, 100 + len(rows)))


def test_template_key_drops_what_varies_between_posts_of_a_script():
    keys = template_key(pd.Series([
        "【今晚8点直播】4月1日 周一，主题：如何改善入睡困难",
        "【今晚9点直播】4月3日 周三，主题：如何改善入睡困难",
        "欢迎@小林\u2005加入本群 https://x.cn/a",
    ]))
    assert keys[0] == keys[1] == "今晚0点直播主题如何改善入睡困难"
    assert keys[2] == "欢迎加入本群"


def test_scripts_recurring_on_three_days_are_templates():
    ids = find_templates(template_fixture())
    found = ids.dropna()
    # Numbered by first post: @welcome (T0), plain welcome (T0 + 2h), reminder (T0 + 11:30).
    assert ids.loc[100:102].tolist() == [0, 0, 0]
    assert ids.loc[103:105].tolist() == [1, 1, 1]
    assert ids.loc[106:109].tolist() == [2, 2, 2, 2]
    assert sorted(found.index) == list(range(100, 110))


def test_repeats_on_too_few_days_short_texts_other_groups_and_events_are_not_templates():
    ids = find_templates(template_fixture())
    assert ids.loc[110:119].isna().all()


def test_exact_matching_misses_the_welcome_that_names_the_newcomer():
    ids = find_templates(template_fixture(), Config(templates=TemplateConfig(similarity=1.0)))
    assert ids.loc[100:102].notna().all()
    assert ids.loc[103:105].isna().all()


def test_templates_are_looked_for_in_the_configured_kinds():
    frame = template_fixture()
    frame.loc[106:109, schema.KIND] = "link"  # the reminder shared as a link card
    assert find_templates(frame).loc[106:109].notna().all()
    config = config_from_dict({"classes": {"operator_template": {"kinds": ["text"]}}})
    assert find_templates(frame, config).loc[106:109].isna().all()
    assert find_templates(frame).name == TEMPLATE_ID


def test_similar_time_of_day_can_be_required():
    ids = find_templates(template_fixture(), Config(templates=TemplateConfig(max_hour_spread=1.0)))
    assert sorted(ids.dropna().index) == [106, 107, 108, 109]  # only the 20:00 reminder


def test_more_days_can_be_required():
    ids = find_templates(template_fixture(), Config(templates=TemplateConfig(min_days=4)))
    assert sorted(ids.dropna().index) == [106, 107, 108, 109]


def test_operator_template_column_comes_from_recurrence_and_configured_headers():
    frame = template_fixture()
    assert classify_messages(frame)[OPERATOR_TEMPLATE].sum() == 10
    config = config_from_dict({"classes": {"operator_template": {"keywords": ["【每日早报】"]}}})
    extra = pd.concat([frame, pd.DataFrame([post("g1", "helper", T0, "【每日早报】今天聊聊午睡")], index=[999])])
    result = classify_messages(extra, config)[OPERATOR_TEMPLATE]
    assert result.sum() == 11 and result[999]


def test_templates_need_timestamps():
    with pytest.raises(UsageError, match="'ts' column"):
        find_templates(pd.DataFrame({schema.TEXT: ["x"]}))
