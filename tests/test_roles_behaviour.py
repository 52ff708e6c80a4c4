"""Key people as the practitioners describe them, on small hand-built QQ groups (invented
names and numbers): a thinker who defends his view stays a thinker; a critic disputes others'
posts; the member others take up most is the KOL, an operator account never is, and a group
without real discussion has none; a shill asks at the same clock time every day and the same
partner answers within minutes; an operator welcomes newcomers by name or posts cards at a fixed
time, and a member who repeats his phrasing is no operator. Reasons claim only what was measured."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.group import load_group
from grouplens.roles import explain_member, member_roles

SEP = "=" * 64
GROUP = "跑步爱好者交流群"


def qq_txt(rows: list[tuple[datetime, str, str]], names: dict[str, str]) -> str:
    """A classic QQ 消息管理器 TXT export of ``rows`` (time, QQ number or "system", text)."""
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP,
             f"消息对象:{GROUP}", SEP, ""]
    for when, who, text in sorted(rows, key=lambda r: r[0]):
        sender = "系统消息(10000)" if who == "system" else f"{names[who]}({who})"
        lines += [f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {sender}", text, ""]
    return "\n".join(lines)


def roles_of(tmp_path: Path, rows: list[tuple[datetime, str, str]], names: dict[str, str],
             members_csv: str | None = None) -> dict[str, dict]:
    (tmp_path / "chat.txt").write_text(qq_txt(rows, names), encoding="utf-8")
    store = tmp_path / "store"
    import_paths(store, [tmp_path / "chat.txt"])
    if members_csv:
        (tmp_path / "members.csv").write_text(members_csv, encoding="utf-8")
        import_paths(store, [tmp_path / "members.csv"], group=GROUP)
    result = member_roles(load_group(open_store(store)), lang="en")
    return {row[S.MEMBER_ID]: row for row in result.to_dict("records")}


# --- a lively group: a thinker, his critic, regulars who take up his posts -------------------------

LAO, CRITIC, A, B, C, D, E = "20001", "20002", "20003", "20004", "20005", "20006", "20007"
LIVELY = {LAO: "老周", CRITIC: "较真的小吴", A: "跑者阿强", B: "晨跑小林", C: "夜跑大刘", D: "新手小美", E: "马拉松老陈"}
VIEWS = ("我觉得配速不重要，心率控制才是长距离的关键，新手都该先练有氧基础",
         "个人经验：跑鞋贵不贵无所谓，跑姿调整好了膝盖自然就不疼了",
         "间歇跑一周一次就够了，练多了恢复跟不上反而容易受伤",
         "补给这件事被说得太玄了，半马以内根本不需要能量胶",
         "拉伸要放在跑后做，跑前做动态热身就行，静态拉伸反而伤肌肉",
         "冬训比比赛更重要，冬天把跑量攒够了春天自然出成绩",
         "减重期别追求速度，慢跑加控制饮食比什么训练计划都管用",
         "跑步机和路跑是两回事，跑步机上的配速别当真",
         "越野跑先练下坡，下坡才是伤膝盖的地方",
         "比赛前一周别换新鞋，磨脚比慢几分钟可怕多了")
DEFENCES = ("其实我说的是大多数新手的情况，但是特例当然有", "但是你说的那种是少数，我还是坚持",
            "其实我前面说了前提，基础打好再说", "可以保留意见，这是我十年的经验", "其实我们说的不矛盾",
            "但是数据确实是这样的，不是瞎说", "我不是说这个不重要，是先后顺序", "其实跑过几次就明白了",
            "但是我带过的新人都是这样练出来的", "其实这是常识，比赛经验多了就知道")
ANSWERS = ("最大心率的七成左右，慢慢来", "先从每周三次开始", "看个人情况，别急", "跑完当天别再练了",
           "一般五公里以内不用补", "跑后十分钟就够", "冬天每周四十公里左右", "跑步机坡度调一度",
           "下坡步子小一点", "提前一个月磨合新鞋")
TAKE_UP = ("有道理，我也是这么过来的", "同意，心率带真的有用", "学到了，明天就试试", "这个说法我赞同",
           "确实，我之前就是练太多了", "说得对，收藏了")


def lively_group() -> list[tuple[datetime, str, str]]:
    """Ten evenings: 老周 posts a view; others take it up (agreement, questions to him); the
    critic disputes it and 老周 defends it in his own thread with 其实/但是; regulars chat."""
    rows: list[tuple[datetime, str, str]] = []
    start = datetime(2024, 5, 6, 20, 0, 0)
    for day, view in enumerate(VIEWS):
        t = start + timedelta(days=day, minutes=(day * 37) % 180)
        rows.append((t, LAO, view))
        for k, who in enumerate((A, B, C, D, E)[: 3 + day % 3]):
            rows.append((t + timedelta(minutes=1 + k), who, TAKE_UP[(day + k) % len(TAKE_UP)]))
        rows.append((t + timedelta(minutes=7), CRITIC, f"@{LIVELY[LAO]} 不同意，这个说法太绝对了，未必适合所有人"))
        rows.append((t + timedelta(minutes=8), LAO, f"@{LIVELY[CRITIC]} {DEFENCES[day]}"))
        rows.append((t + timedelta(minutes=9), D, f"@{LIVELY[LAO]} 请问心率一般控制在多少合适？"))
        rows.append((t + timedelta(minutes=10), LAO, f"@{LIVELY[D]} {ANSWERS[day]}"))
        rows.append((t + timedelta(hours=2), A, "今天下雨没跑成"))
        rows.append((t + timedelta(hours=2, minutes=1), B, "哈哈我也是"))
    return rows


def test_a_thinker_who_defends_his_view_stays_a_thinker(tmp_path: Path) -> None:
    rows = roles_of(tmp_path, lively_group(), LIVELY)
    lao = rows[LAO]
    assert lao["role"] == "thinker"
    # His 其实/但是 replies in his own thread defend his view: they are no objections.
    assert lao["objections"] == 0 and lao["objections_drawn"] >= 5
    assert lao["reason"].startswith("Thinker") and "drew two or more others into discussion" in lao["reason"]


def test_a_critic_is_one_who_disputes_others_posts(tmp_path: Path) -> None:
    rows = roles_of(tmp_path, lively_group(), LIVELY)
    assert rows[CRITIC]["role"] == "critic"
    assert rows[CRITIC]["objections"] == len(VIEWS)
    assert [m for m, r in rows.items() if r["role"] == "critic"] == [CRITIC]


def test_the_member_others_take_up_most_is_a_kol_and_the_reason_says_what_they_took_up(tmp_path: Path) -> None:
    rows = roles_of(tmp_path, lively_group(), LIVELY)
    lao = rows[LAO]
    assert "kol" in lao["tags"] and lao["influence_rank"] == 1
    assert lao["kol_basis"] == "top"
    # The reason opens with the KOL clause: what of his others took up.
    assert "Thinker" in lao["reason"].split(":")[0]
    assert "a KOL (the most influential member besides operator accounts)" in lao["reason"]
    assert f"{lao['sources']} people replied to, asked or @-named them" in lao["reason"]
    assert lao["agreement_drawn"] >= 10 and lao["questions_drawn"] >= 5


def test_the_member_many_different_askers_get_their_answers_from_is_a_kol_and_the_reason_says_so(
        tmp_path: Path) -> None:
    """Beside 老周's discussions, eight members ask about injuries on different days and 队医小张
    answers each within minutes: many different people turned to her, so she is a KOL too (gives
    many answers), though others take up 老周's posts more."""
    doctor = "20020"
    askers = [str(20030 + i) for i in range(8)]
    names = dict(LIVELY, **{doctor: "队医小张"}, **{a: f"跑友{i + 1}号" for i, a in enumerate(askers)})
    questions = ("请问膝盖外侧疼是不是髂胫束的问题？", "请问跟腱疼还能继续跑吗？", "请问足底筋膜炎要停跑多久？",
                 "请问跑完小腿抽筋怎么处理？", "请问胫骨前面疼是不是应力性骨折？", "请问冰敷和热敷哪个先做？")
    replies = ("先停跑两天，冰敷，疼痛不减就去拍片", "泡沫轴放松外侧，跑量先减半", "症状轻的话减量慢跑，疼就停",
               "补电解质，跑后拉伸小腿", "先休息一周，按着疼就去医院", "急性期先冰敷，四十八小时后再热敷")
    rows = lively_group()
    start = datetime(2024, 5, 6, 12, 0, 0)
    for n in range(16):
        t = start + timedelta(days=n % 10, minutes=40 * (n // 10))
        asker = askers[n % len(askers)]
        rows.append((t, asker, questions[n % len(questions)]))
        rows.append((t + timedelta(minutes=3), doctor, f"@{names[asker]} {replies[n % len(replies)]}"))
        rows.append((t + timedelta(minutes=5), asker, f"@{names[doctor]} 谢谢，明白了"))
    result = roles_of(tmp_path, rows, names)
    zhang = result[doctor]
    assert "kol" in zhang["tags"] and zhang["kol_basis"] == "answers"
    assert zhang["askers_answered"] == zhang["askers_sought"] == len(askers)
    assert "kol" in result[LAO]["tags"] and result[LAO]["influence"] > zhang["influence"]
    assert f"answered the questions of {len(askers)} different people" in zhang["reason"]
    # 老周 answers a follow-up on his own post each evening: his discussion taken up, not sought.
    assert result[LAO]["askers_answered"] >= 1 and result[LAO]["askers_sought"] == 0
    # The askers themselves, each answered once by her, are nobody's KOL.
    assert not [a for a in askers if "kol" in result[a]["tags"]]


def test_no_kol_in_a_group_without_real_discussion(tmp_path: Path) -> None:
    """Members ask, the assistant answers, nobody discusses anything: nobody is taken up."""
    names = {"30001": "小助手", "30002": "问问题的甲", "30003": "问问题的乙", "30004": "问问题的丙"}
    rows: list[tuple[datetime, str, str]] = []
    start = datetime(2024, 5, 6, 10, 0, 0)
    for day in range(6):
        for k, asker in enumerate(("30002", "30003", "30004")):
            t = start + timedelta(days=day, hours=k * 3)
            rows.append((t, asker, f"请问第{day + 1}周的训练计划在哪里看？"))
            rows.append((t + timedelta(minutes=2), "30001", "您好，训练计划在群文件里，按周数找就行"))
    result = roles_of(tmp_path, rows, names, "QQ号,群名片,身份\n30001,小助手,管理员\n")
    assert not [m for m, r in result.items() if "kol" in r["tags"]]
    assert "operator" in result["30001"]["tags"]


def test_an_operator_account_is_never_the_kol(tmp_path: Path) -> None:
    names = dict(LIVELY, **{"30001": "跑团小助手"})
    rows = lively_group()
    start = datetime(2024, 5, 6, 9, 0, 0)
    # The admin answers everybody's questions all week: influential, but an operator account.
    for day in range(10):
        for k, who in enumerate((A, B, C, D, E)):
            t = start + timedelta(days=day, minutes=k * 20)
            rows.append((t, who, f"请问周{day + 1}的约跑在哪里集合？"))
            rows.append((t + timedelta(minutes=1), "30001", f"@{LIVELY[who]} 在江边公园南门集合"))
    result = roles_of(tmp_path, rows, names, "QQ号,群名片,身份\n30001,跑团小助手,管理员\n")
    assert "operator" in result["30001"]["tags"] and "kol" not in result["30001"]["tags"]
    assert "kol" in result[LAO]["tags"]


# --- shills --------------------------------------------------------------------------------------------

def test_a_shill_asks_at_the_same_clock_time_daily_and_the_same_partner_answers_within_minutes(tmp_path: Path
                                                                                                ) -> None:
    names = dict(LIVELY, **{"40001": "爱跑步的小王", "40002": "跑步达人阿杰"})
    rows = lively_group()
    topics = ("跑鞋", "配速", "心率带", "能量胶", "护膝", "晨跑", "拉伸", "间歇跑")
    start = datetime(2024, 5, 6, 12, 30, 0)
    for day, topic in enumerate(topics):
        t = start + timedelta(days=day, minutes=(day % 3) - 1)  # 12:29-12:31 every day
        rows.append((t, "40001", f"中午好，大家平时{topic}都怎么选的？求推荐"))
        rows.append((t + timedelta(minutes=2), "40002", f"{topic}我一直用的那款，真心推荐，性价比很高"))
    result = roles_of(tmp_path, rows, names)
    asker, partner = result["40001"], result["40002"]
    assert "shill" in asker["tags"] and asker["shill_basis"] == "scheduled"
    assert asker["scheduled_days"] == len(topics) and asker["answerer_concentration"] == 1.0
    assert "shill" in partner["tags"] and partner["shill_basis"] == "partner"
    assert f"questions or topic starters at one clock time (±10 minutes) on {len(topics)} days" in asker["reason"]
    # Ordinary members who ask now and then, at varied times, are no shills.
    assert not [m for m, r in result.items() if "shill" in r["tags"] and m not in ("40001", "40002")]


# --- operators ------------------------------------------------------------------------------------------

def test_welcoming_newcomers_by_name_without_an_at_makes_an_operator(tmp_path: Path) -> None:
    names = dict(LIVELY, **{"50001": "跑团接待员", "50011": "新人一号", "50012": "新人二号", "50013": "新人三号"})
    rows = lively_group()
    for k, newcomer in enumerate(("50011", "50012", "50013")):
        t = datetime(2024, 5, 7 + k, 15, 0, 0)
        rows.append((t, "system", f"{names[newcomer]}加入本群"))
        rows.append((t + timedelta(minutes=3), "50001", f"欢迎新朋友{names[newcomer]}～进群请改备注：城市-昵称"))
    result = roles_of(tmp_path, rows, names)
    assert "operator" in result["50001"]["tags"] and result["50001"]["welcomes"] == 3
    assert result["50001"]["operator_basis"] == ["welcomes"]
    assert "welcomed newcomers 3 times" in result["50001"]["reason"]


def test_daily_cards_at_a_fixed_time_make_an_operator_and_only_then_does_the_reason_say_fixed_time(
        tmp_path: Path) -> None:
    names = dict(LIVELY, **{"60001": "跑团小秘书", "60002": "群主"})
    rows = lively_group()
    tips = ("跑前动态拉伸五分钟", "轻松跑心率控制在七成", "每周跑量增加不超过一成", "长距离后安排恢复跑",
            "夏天每二十分钟补水", "跑鞋六七百公里就该换", "力量训练保护膝盖", "赛前一周逐步减量",
            "睡眠不足时降低强度", "步频一百八只是参考")
    for day, tip in enumerate(tips):
        rows.append((datetime(2024, 5, 6 + day, 8, 30, day * 5), "60001", f"【每日一练】第{day + 1}期\n{tip}"))
        # The owner posts notices too, but whenever it suits him.
        rows.append((datetime(2024, 5, 6 + day, 9 + (day * 5) % 13, 7, 0), "60002", f"【群公告】第{day + 1}次约跑报名开始"))
    result = roles_of(tmp_path, rows, names)
    secretary, owner = result["60001"], result["60002"]
    assert "operator" in secretary["tags"] and secretary["notice_regularity"] == 1.0
    assert "at a fixed time of day" in secretary["reason"]
    assert "operator" in owner["tags"] and owner["notice_regularity"] < 0.6
    assert "fixed time" not in owner["reason"]


def test_a_member_who_repeats_his_phrasing_is_no_operator(tmp_path: Path) -> None:
    """老周 signs every post with the same line at whatever time: near-duplicates, not a script."""
    rows = [(t + timedelta(hours=(i * 5) % 11), who, text + ("——以上纯属个人经验，欢迎拍砖" if who == LAO else ""))
            for i, (t, who, text) in enumerate(lively_group())]
    result = roles_of(tmp_path, rows, LIVELY)
    assert "operator" not in result[LAO]["tags"]


def test_explain_names_every_test_with_its_figure(tmp_path: Path) -> None:
    (tmp_path / "chat.txt").write_text(qq_txt(lively_group(), LIVELY), encoding="utf-8")
    import_paths(tmp_path / "store", [tmp_path / "chat.txt"])
    result = member_roles(load_group(open_store(tmp_path / "store")), lang="en")
    lines = explain_member(result, LIVELY[LAO], "en")
    assert lines[0] == f"{LIVELY[LAO]} ({LAO}): thinker [kol]"
    checks = [line for line in lines if line[:2] in ("✓ ", "✗ ")]
    assert [c[:2] for c in checks] == ["✓ ", "✓ ", "✓ ", "✗ ", "✓ ", "✗ ", "✗ ", "✗ "]
    assert checks[2].startswith("✓ thinker: discussions started")
