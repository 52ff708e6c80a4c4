"""What members of a family-B group say: every line composed from a theme's words.

Each composer returns free text for one intent. Sentences are assembled from parts (openers,
subjects, things, attributes, particles, faces) so wording varies endlessly; the intent is what
the truth records. Intents that matter for measuring questions and answers:

- ``question``: expects information, help or an opinion (with or without a question mark);
- ``pseudo``: looks like a question but is none: a ping (在吗), a rhetorical ？？？, banter
  ("你是魔鬼吗哈哈"), surprise (真的假的？);
- ``answer``: gives the information, says where to find it, or says it cannot be answered.
"""

from __future__ import annotations

import random

from .vocab import ENDS, FACES, OPENERS, PARTICLES, Theme


class Talk:
    """Composes lines for one group (a theme, a brand, a random stream)."""

    def __init__(self, theme: Theme, brand: str, group_name: str, rng: random.Random):
        self.t = theme
        self.brand = brand
        self.group_name = group_name
        self.rng = rng

    # -- helpers -------------------------------------------------------------------------------
    def pick(self, seq):
        return self.rng.choice(seq)

    def maybe(self, p: float, text: str) -> str:
        return text if self.rng.random() < p else ""

    def tail(self) -> str:
        return self.pick(PARTICLES) + self.pick(ENDS) + self.maybe(0.3, self.pick(FACES))

    def qmark(self) -> str:
        r = self.rng.random()
        return "？" if r < 0.55 else "?" if r < 0.7 else "？？" if r < 0.78 else ""

    def topic(self) -> tuple[str, str]:
        """(thing, item) to talk about."""
        return self.pick(self.t.things), self.pick(self.t.items)

    # -- discussion ----------------------------------------------------------------------------
    def opinion(self, thing: str, item: str) -> str:
        """A view that can start a discussion."""
        t = self.t
        frames = (
            f"{self.pick(OPENERS)}我觉得{thing}最关键的是{self.pick(t.doings)}，{item}什么的都是次要的",
            f"{self.pick(OPENERS)}个人经验，{thing}这事{self.pick(t.doings)}比啥都管用",
            f"说个可能不太受欢迎的观点：{item}其实{self.pick(t.bads)}，{thing}靠{self.pick(t.doings)}就够了",
            f"最近想明白一件事，{thing}不能急，先{self.pick(t.doings)}再说",
            f"{self.pick(t.people)}试了{self.pick(t.amounts)}，发现{thing}真的跟{self.pick(t.doings)}关系很大",
            f"我一直认为{item}{self.pick(t.goods)}，但对{thing}帮助没大家想的那么大",
            f"聊聊{thing}吧，我的看法是与其买{item}，不如{self.pick(t.doings)}",
            f"{thing}这块很多人都走了弯路，{self.pick(t.amounts)}坚持{self.pick(t.doings)}才是正道",
            f"分享下心得：{thing}别盲目跟风，{item}{self.pick(t.goods)}不代表适合你",
        )
        return self.pick(frames) + self.tail()

    def opinion_more(self, thing: str) -> str:
        """The starter's second line, carrying on."""
        t = self.t
        frames = (f"尤其是{self.pick(t.people)}这种情况", f"我{self.pick(t.amounts)}下来的感受", f"{thing}真不是玄学",
                  f"不信你们可以{self.pick(t.doings)}试试", "反正我是这么过来的", f"在{self.pick(t.places)}问过专业的人也这么说")
        return self.pick(frames) + self.tail()

    def agree(self, thing: str | None = None) -> str:
        frames = ["有道理", "同意", "说得对", "确实", "+1", "赞同", "是的是的", "学到了", "👍👍",
                  "太对了", "我也这么觉得", "深有体会", "真的是这样", "对对对", "收藏了", "mark一下", "受教了",
                  "讲得好"]
        if thing:
            frames += [f"{thing}这块确实是这样", f"我{thing}也是这么过来的", f"同感，{thing}急不来"]
        return self.pick(frames) + self.tail()

    def thanks(self) -> str:
        return self.pick(("谢谢", "谢谢啦", "多谢", "感谢", "好的谢谢", "明白了，谢谢", "懂了", "收到，谢谢",
                          "原来如此", "好嘞", "感谢大佬", "谢谢姐妹", "okk")) + self.tail()

    def own_view(self, thing: str, item: str) -> str:
        t = self.t
        frames = (f"我是{self.pick(t.doings)}之后{thing}好了很多", f"{item}我用过，{self.pick(t.goods + t.bads)}",
                  f"{self.pick(t.people)}也是{thing}，后来{self.pick(t.doings)}", f"我倒是觉得{item}还行",
                  f"看人吧，{thing}每个人不一样", f"{thing}我一般{self.pick(t.doings)}", f"我{self.pick(t.amounts)}了还在摸索")
        return self.pick(frames) + self.tail()

    def followup_question(self, thing: str, item: str) -> str:
        t = self.t
        frames = (f"那{item}要怎么选{self.qmark()}", f"{thing}的话一般要多久能见效{self.qmark()}",
                  f"请问{self.pick(t.doings)}每天多长时间合适{self.qmark()}", f"那像{self.pick(t.people)}这种情况呢？",
                  f"{item}你用的哪款{self.qmark()}", f"新手也能{self.pick(t.doings)}吗", f"具体怎么{self.pick(t.doings)}{self.qmark()}",
                  f"你说的{thing}是指哪种情况{self.qmark()}")
        return self.pick(frames) + self.maybe(0.2, self.pick(FACES))

    def objection(self, thing: str, item: str) -> str:
        """Disputes the post it answers."""
        t = self.t
        frames = (f"不同意，{thing}跟{item}关系很大", f"这个说法有问题，{thing}不能只靠{self.pick(t.doings)}",
                  f"未必吧，{self.pick(t.people)}就是{self.pick(t.doings)}反而更糟", "我不这么认为，太绝对了",
                  f"不一定，{thing}还要看个人情况", f"你这个结论以偏概全了，{item}明明{self.pick(t.goods)}",
                  f"不对吧，{thing}根本不是这样的", f"恰恰相反，{self.pick(t.doings)}才容易出问题",
                  "这话站不住脚，有数据吗", f"别误导新人，{thing}哪有这么简单", f"哪有这回事，{item}明明{self.pick(t.bads)}",
                  f"我觉得不是，{thing}主要还是看{self.pick(t.doings)}")
        return self.pick(frames) + self.tail()

    def defense(self, thing: str) -> str:
        """The starter defends their view against an objection (a thinker does; stays a thinker)."""
        t = self.t
        frames = (f"我说的是大部分情况，{thing}特例当然有", "你说的那种是少数，我还是坚持我的看法",
                  f"其实我前面说了前提，{self.pick(t.doings)}是基础", f"但是{self.pick(t.people)}确实是这样的，不是瞎说",
                  f"我不是说{thing}不重要，是说先后顺序", f"可以保留意见，我这是{self.pick(t.amounts)}的经验",
                  "其实我们说的不矛盾", f"数据我有，{self.pick(t.places)}那边统计过")
        return self.pick(frames) + self.tail()

    # -- questions and answers --------------------------------------------------------------------
    def question(self, thing: str, item: str) -> str:
        """A member asking for information, help or an opinion."""
        t = self.t
        pre = self.pick(("", "", "", "请问", "请问一下", "想问下", "求助，", "各位，", "有人知道", "问个问题，",
                         "新人求问，", "打扰一下，", "请教一下，"))
        frames = (f"{thing}一般怎么处理{self.qmark()}", f"{item}哪个牌子好一点{self.qmark()}",
                  f"{self.pick(t.people)}{thing}了，需要{self.pick(t.doings)}吗{self.qmark()}",
                  f"{self.pick(t.places)}附近哪里能{self.pick(t.doings)}{self.qmark()}",
                  f"{thing}多久能好{self.qmark()}", f"有没有推荐的{item}{self.qmark()}",
                  f"{item}和{self.pick(t.items)}选哪个{self.qmark()}", f"{thing}是不是要{self.pick(t.doings)}{self.qmark()}",
                  f"{self.pick(t.amounts)}的话{thing}正常吗{self.qmark()}", f"大家{thing}的时候都{self.pick(t.doings)}吗{self.qmark()}",
                  f"{item}在哪买比较靠谱{self.qmark()}", f"想知道{thing}该怎么办", f"求推荐{item}",
                  f"{thing}这个情况要不要紧{self.qmark()}", f"{item}有人用过吗，怎么样{self.qmark()}")
        return pre + self.pick(frames) + self.maybe(0.15, self.pick(FACES))

    def addressed_question(self, name: str, thing: str, item: str, at: bool) -> str:
        """A question put to one member by name, with or without @."""
        q = self.question(thing, item)
        return f"@{name} {q}" if at else f"{name}，{q}" if self.rng.random() < 0.5 else f"{q} {name}老师知道吗"

    def answer(self, thing: str, item: str) -> str:
        """Gives the information asked for (shares the question's words, most of the time)."""
        t = self.t
        r = self.rng.random()
        if r < 0.12:
            return self.pick((f"群文件里有{thing}的资料，去翻翻", "看群公告，上面写了", f"{self.pick(t.places)}官网上能查到",
                              f"之前群里聊过{thing}，往上翻翻", f"你去{self.pick(t.places)}问一下最准")) + self.tail()
        if r < 0.2:
            return self.pick(("这个不太清楚，最好问问专业的", f"{thing}这个不好说，因人而异，建议去{self.pick(t.places)}看看",
                              "这个我也不知道", "没遇到过，帮不上忙")) + self.tail()
        frames = (f"{self.pick(t.doings)}就行，{thing}一般{self.pick(t.amounts)}左右", f"{item}我推荐，{self.pick(t.goods)}",
                  f"不用太担心，{thing}很常见，先{self.pick(t.doings)}", f"{self.pick(t.amounts)}就差不多了",
                  f"我们都是{self.pick(t.doings)}，{thing}慢慢就好了", f"别买{item}，{self.pick(t.bads)}，换{self.pick(t.items)}",
                  f"要看情况，{thing}严重的话{self.pick(t.doings)}", f"{self.pick(t.places)}就有，{item}挺多的",
                  f"正常的，{self.pick(t.people)}也这样，{self.pick(t.doings)}就好", f"选{item}吧，{self.pick(t.goods)}")
        return self.pick(frames) + self.tail()

    def answer_more(self, thing: str) -> str:
        t = self.t
        return self.pick((f"另外{self.pick(t.doings)}也有帮助", f"记得{self.pick(t.amounts)}后再看看", "有问题再问",
                          f"别太焦虑，{thing}大多会好", f"我是在{self.pick(t.places)}弄的")) + self.tail()

    # -- look like questions, are not ----------------------------------------------------------------
    def pseudo(self, name: str | None = None) -> str:
        frames = ["在吗", "在吗？", "有人吗", "有人在吗？", "？？？", "???", "？", "啊？", "真的假的？", "不会吧？",
                  "哈哈哈哈你是魔鬼吗", "这也行？", "什么鬼", "我是谁我在哪", "有毒吧哈哈", "咋回事啊哈哈哈",
                  "还能这样？？", "你怎么这么秀", "谁懂啊😂", "这是什么神仙操作", "认真的吗", "哈？", "凭什么啊哈哈"]
        if name:
            frames += [f"@{name} 在吗", f"{name}在不在", f"@{name} ？？？", f"@{name} 你咋这么可爱"]
        return self.pick(frames) + self.maybe(0.3, self.pick(FACES))

    def banter(self) -> str:
        t = self.t
        frames = ("哈哈哈哈", "笑死", "绝了", "太真实了", "好家伙", "羡慕", "冲冲冲", "加油", "哈哈哈同款",
                  f"今天{self.pick(t.places)}人好多", "饿了", "下班了", "周末愉快", "好困", "又是元气满满的一天",
                  f"刚{self.pick(t.doings)}回来", "天气真好", "yyds", "破防了", "我太难了", "哈哈哈哈哈哈哈",
                  "[图片]", "[表情]", "[表情][表情]", "晚安各位", "早", "早上好", "中午好", "厉害了", "牛啊",
                  "太强了吧！", "好羡慕！！", "冲鸭", "233333")
        return self.pick(frames) + self.maybe(0.2, self.pick(FACES))

    def greeting_new(self) -> str:
        return self.pick(("大家好", "大家好，新人报到", "hello大家好", "新人求带", "大家好，我是新来的",
                          "嗨，刚进群", "各位好", "你好呀")) + self.tail()

    # -- operator's posts ------------------------------------------------------------------------------
    def welcome(self, names: list[str], at: bool) -> str:
        who = " ".join(f"@{n}" for n in names) if at else "、".join(names)
        return self.pick((f"欢迎{who}加入{self.group_name}！进群请先看群公告哦",
                          f"欢迎新朋友{who}～请修改群名片：城市-昵称",
                          f"热烈欢迎{who}进群，有问题随时问我们",
                          f"{who} 欢迎欢迎，群里有{self.pick(self.t.things)}的资料可以看群文件",
                          f"欢迎{who}！我是{self.brand}小助手，入群须知在公告里"))

    def card(self, title: str, day_no: int) -> str:
        facts = self.rng.sample(self.t.card_facts, 2)
        return (f"{title}第{day_no}期\n{facts[0]}；{facts[1]}。\n"
                + self.pick(("每天进步一点点～", "有问题欢迎在群里交流", f"{self.brand}陪你一起", "记得收藏哦")))

    def report(self, day_no: int, count: int) -> str:
        return (f"【{self.brand}群日报】第{day_no}天\n昨日发言{count}条，"
                + self.pick(("感谢大家的分享", "热门话题：" + self.pick(self.t.things), "今日继续加油")))

    def notice(self) -> str:
        t = self.t
        return self.pick((f"【群公告】本周六晚八点{self.brand}直播，聊{self.pick(t.things)}，欢迎参加",
                          f"【通知】群文件更新了{self.pick(t.things)}资料，大家自取",
                          "【群规】禁止发广告和无关链接，违者移出；友善交流，不人身攻击",
                          f"【活动】{self.pick(t.amounts)}打卡挑战报名开始，接龙报名",
                          f"【提醒】最近有冒充{self.brand}工作人员的，大家注意甄别"))

    def staff_answer(self, thing: str, item: str) -> str:
        return self.pick((f"您好，{thing}的问题建议{self.pick(self.t.doings)}，具体可以私信我们",
                          f"亲，{item}在群公告的链接里有说明", f"收到，{thing}这个我们整理过，见群文件",
                          f"您好，这种情况{self.pick(self.t.doings)}就可以，有需要再联系")) + self.tail()

    # -- shill posts: the same kind of starter every day --------------------------------------------
    def shill_starter(self, thing: str, item: str, slot: str) -> str:
        frames = (f"{slot}打卡，今天大家{thing}怎么样{self.qmark()}", f"大家{slot}都在干嘛，有没有一起聊{thing}的",
                  f"有人用过{item}吗{self.qmark()}感觉怎么样", f"今天聊聊{thing}吧，你们都怎么弄的{self.qmark()}",
                  f"问下大家，{item}值不值得买{self.qmark()}", f"{thing}有什么好办法吗{self.qmark()}求分享",
                  f"最近{thing}困扰我好久了，大家有经验吗{self.qmark()}")
        return self.pick(frames) + self.maybe(0.2, self.pick(FACES))

    def shill_reply(self, thing: str, item: str) -> str:
        t = self.t
        frames = (f"{item}我一直在用，{self.pick(t.goods)}，推荐", f"{thing}的话{self.brand}群里的资料很全，我就是看那个",
                  f"我也是，{self.pick(t.doings)}之后好多了", f"强烈推荐{item}，{self.pick(t.goods)}",
                  f"{thing}我有经验，{self.pick(t.doings)}就行", f"同问，不过我觉得{item}{self.pick(t.goods)}")
        return self.pick(frames) + self.tail()

    # -- ads ---------------------------------------------------------------------------------------------
    def ad(self) -> str:
        good = self.pick(self.t.ad_goods)
        wx = "".join(self.rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(5)) + str(self.rng.randint(100, 9999))
        link = "https://t.cn/" + "".join(self.rng.choice("ABCDEFGHJKabcdefhk23456789") for _ in range(7))
        frames = (f"{good}限时特价，需要的加V：{wx}", "兼职日结，宝妈学生都可以，私聊我",
                  f"{good}厂家直销，全网最低，点击 {link}", f"[图片]扫码进群领{good}福利",
                  f"低价出{good}，有意私信，微信：{wx}", f"【福利】{good}免费领，名额有限 {link}",
                  f"诚招代理，躺赚，零成本创业，加v {wx}")
        return self.pick(frames)

    def checkin(self, day_no: int) -> str:
        return self.pick((f"打卡第{day_no}天", f"Day{day_no} 打卡✅", f"今日打卡，{self.pick(self.t.doings)}完成",
                          f"第{day_no}天，坚持"))
