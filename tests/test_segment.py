"""Segmentation of chat lines: what becomes a word and what never does."""

from __future__ import annotations

import pandas as pd
import pytest

from grouplens import schema
from grouplens.config import Config, TextConfig
from grouplens.errors import UsageError
from grouplens.text.segment import Segmenter, builtin_stopwords, read_user_dict, strip_noise


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


def words(segmenter: Segmenter, text: str) -> list[str]:
    return segmenter.tokens([text])[0]


# --- mixed scripts ------------------------------------------------------------------------


def test_mixed_chinese_and_english_keeps_the_english_word_and_drops_the_number(segmenter):
    assert words(segmenter, "今天的meeting改到3点") == ["meeting", "改到"]


def test_latin_words_are_lower_cased_full_width_letters_read_as_ascii(segmenter):
    assert words(segmenter, "这个App的UI设计不错") == ["app", "ui", "设计"]
    assert words(segmenter, "ＺＯＯＭ会议改到下周三") == ["zoom", "会议", "改到", "周三"]


# --- chat noise never becomes a word ------------------------------------------------------


@pytest.mark.parametrize("text", [
    "[图片]",
    "[图片:a1b2c3.jpg]",
    "[语音 3秒]",
    "[表情]",
    "[捂脸][旺柴][破涕为笑]",
    "【表情包】",
    "[链接|失眠怎么办](http://x.cn/a)",
    "[CQ:at,qq=987654321]",
    "[CQ:image,file=ABCD1234.jpg,sub_type=0,summary=[动画表情]]",
    "https://mp.weixin.qq.com/s/Ab12CdEf?from=groupmessage",
    "@上海-小林\u2005",
    "😂👍🏻🙏❤️",
    "2024 100% 12:30 ？？！！……",
    "哈哈哈哈哈 hhhh 666 嗯嗯嗯 2333",
    "一天两次，第一次，十几个",
])
def test_placeholders_codes_links_mentions_emoji_numbers_and_fillers_are_not_words(segmenter, text):
    assert words(segmenter, text) == []


def test_words_around_the_noise_survive(segmenter):
    assert words(segmenter, "[CQ:at,qq=123456] 新人报到，我是做跨境电商的[CQ:face,id=264]") == ["新人", "跨境", "电商"]
    assert words(segmenter, "@阿杰\u2005周六的羽毛球活动几点开场？😂") == ["周六", "羽毛球", "活动", "开场"]
    assert words(segmenter, "失眠文章 https://mp.weixin.qq.com/s/Ab12 写得不错[捂脸]") == ["失眠", "文章", "写得"]
    assert words(segmenter, "邮件发到 zhang.san@example.com 了，请查收") == ["邮件", "发到", "查收"]


@pytest.mark.parametrize("text", [
    "引用:张三:早上好，今天下午三点开会\n同意，咖啡厅见",  # MemoTrace TXT
    "同意，咖啡厅见\n\n[引用](2024-03-15 09:12:03)张三@羽协:早上好，今天下午三点开会",  # PyWxDump
    "> 张三(wxid_abc) 03-15 09:12:03\n> 早上好，今天下午三点开会\n同意，咖啡厅见",  # chatlog
    "「张三@羽协：早上好，今天下午三点开会」\n- - - - - - - - - - - - - - -\n同意，咖啡厅见",  # iOS exporter
])
def test_quoted_messages_are_someone_elses_words(segmenter, text):
    assert words(segmenter, text) == ["同意", "咖啡厅"]


def test_strip_noise_leaves_cjk_punctuation_alone():
    assert strip_noise("好的，[图片]明天见！") == "好的， 明天见！"
    assert strip_noise(None) == ""


# --- stop words and single characters --------------------------------------------------------


def test_stop_words_and_lone_characters_are_dropped_topic_characters_kept(segmenter):
    # 我们/觉得/这个 are stop words; 吃 and 的 are lone characters; 药 is on the allow-list.
    assert words(segmenter, "我们觉得这个药饭后吃的效果好") == ["药", "饭后", "效果"]


def test_the_builtin_list_holds_chinese_and_english_chat_stop_words():
    stop = builtin_stopwords()
    assert len(stop) > 300
    assert {"我们", "哈哈", "收到", "the", "and"} <= stop


def test_extra_stop_words_from_the_config_and_a_file(tmp_path):
    extra = tmp_path / "stop.txt"
    extra.write_text("# clinic words\n门诊\n\n", encoding="utf-8")
    seg = Segmenter(TextConfig(stopwords_extra=("医生",), stopwords_file=extra))
    assert seg.tokens(["医生说门诊周三停诊"]) == [["周三", "停诊"]]
    assert Segmenter().tokens(["医生说门诊周三停诊"]) == [["医生", "门诊", "周三", "停诊"]]


def test_without_the_builtin_list_function_words_come_back():
    seg = Segmenter(TextConfig(builtin_stopwords=False))
    assert seg.tokens(["我们觉得效果好"]) == [["我们", "觉得", "效果"]]


def test_a_missing_stop_word_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="word list not found"):
        Segmenter(TextConfig(stopwords_file=tmp_path / "none.txt"))


# --- user words ----------------------------------------------------------------------------------


def test_user_words_are_never_split(segmenter):
    text = "我在做认知行为治疗，群公告里有介绍"
    assert words(segmenter, text) == ["认知", "行为", "治疗", "公告", "介绍"]
    seg = Segmenter(Config(text=TextConfig(user_words=("认知行为治疗", "群公告"))))
    assert seg.tokens([text]) == [["认知行为治疗", "群公告", "介绍"]]


def test_a_jieba_format_user_dictionary_is_read(tmp_path):
    user_dict = tmp_path / "userdict.txt"
    user_dict.write_text("早睡打卡 10 n\n小红书\n认知行为治疗 5\n", encoding="utf-8")
    assert read_user_dict(user_dict) == [("早睡打卡", 10, "n"), ("小红书", None, None), ("认知行为治疗", 5, None)]
    seg = Segmenter(TextConfig(user_dict=user_dict))
    assert seg.tokens(["小红书上看到早睡打卡活动"]) == [["小红书", "早睡打卡", "活动"]]


def test_user_words_stay_with_their_segmenter():
    Segmenter(TextConfig(user_words=("群公告",)))
    assert Segmenter().tokens(["群公告"]) == [["公告"]]  # the default dictionary is untouched


def test_rjieba_and_jieba_engines_cut_alike():
    lines = [
        "今天的meeting改到3点", "我在做认知行为治疗，效果还不错", "王小明说他明天不来了",
        "小红书上的博主推荐了褪黑素", "这个药能根治失眠吗？100%有效是骗人的", "第12天打卡，坚持早睡",
    ]
    for config in (TextConfig(), TextConfig(user_words=("认知行为治疗", "小红书"))):
        assert Segmenter(config, engine="rjieba").tokens(lines) == Segmenter(config, engine="jieba").tokens(lines)


def test_an_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown segmentation engine"):
        Segmenter(engine="thulac")  # type: ignore[arg-type]


# --- pandas ------------------------------------------------------------------------------------


def test_message_tokens_are_index_aligned_and_only_words_are_read(segmenter):
    messages = pd.DataFrame(
        {
            schema.TEXT: [
                "褪黑素有用吗", '"小林"撤回了一条消息', None, "褪黑素有用吗", "[文件] 作业3-销售数据.xlsx",
                "[转账] (Kevin王 转账给 班主任-Amy)￥299.00 二期续费", "[链接|失眠的误区]", "[红包]作业按时提交，发红包庆祝",
            ],
            schema.KIND: ["text", "recall", "image", "text", "file", "transfer", "link", "red_packet"],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )
    tokens = segmenter.message_tokens(messages)
    assert tokens.index.tolist() == [10, 11, 12, 13, 14, 15, 16, 17]
    assert tokens.tolist() == [["褪黑素", "有用"], [], [], ["褪黑素", "有用"], [], [], [], ["作业", "按时", "提交", "发红包", "庆祝"]]
    tokens[10].append("x")  # each message has its own list, even for repeated texts
    assert tokens[13] == ["褪黑素", "有用"]
