"""Privacy for reports (PIPL: chats hold health information): one pass over a report's data
before any renderer sees it, so every format is covered.

- Member ids (QQ numbers, wxids) are hidden unless asked for: the ``member_id`` of every member
  reference becomes null (and a name that is only the id becomes the alias), and known ids,
  ``wxid_…`` ids and QQ numbers written after a ``QQ``/``扣扣`` label are masked in quoted texts.
- ``pseudonymize``: names become aliases built from the member's key (a salted hash of the
  id: the same member has the same alias in every report and week), in member references and
  wherever a member's name appears in a quoted text: every name the member was seen with, a
  one-character name where it is @-mentioned, the parts of a decorated name (心内科-王医生 →
  王医生) and the surname forms people use (老王, 小王, 王医生, 王老师…) when only one member
  of the report bears that surname. A private chat, named after its contact, takes the
  contact's alias as its name.
- ``redact``: phone numbers (also in full-width digits or with dots or blanks between the
  groups), ID-card numbers, email addresses and WeChat ids (after 微信/vx/wx, or any word
  shaped like one: a letter, then letters, digits, ``_`` or ``-``, with two or more digits) are
  masked in quoted texts and in names.

What this cannot catch is listed in the README ("Your data"): names written another way
(pinyin, initials, typos, nicknames unrelated to the name), surnames shared by two members,
numbers written in Chinese characters or split across messages, and anything inside images,
voice or files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .. import schema as S
from .model import Report
from .people import MEMBER, Person

TEXT_KEYS = frozenset({S.TEXT, "message", "reason"})  # keys whose strings may quote people
NAME_KEYS = frozenset({S.NAME})  # keys whose strings name a member (redacted too: 张伟-13912345678)
_MIN_NAME = 2  # shorter names would mask ordinary words (they are replaced where @-mentioned)

_D = "[0-9０-９]"  # a digit, ASCII or full-width
_SEP = "[-\\s.．·－—]?"  # what people put between the groups of a number
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(rf"(?<![0-9０-９])[1-9１-９]{_D}{{5}}(?:19|20|１９|２０){_D}{{9}}[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])"
                      rf"|(?<![0-9０-９])[1-9１-９]{_D}{{14}}(?![0-9０-９A-Za-z])")
_PHONE = re.compile(rf"(?<![0-9０-９])(?:[+＋]?(?:86|８６)[-\\s　]?)?[1１][3-9３-９]{_D}"
                    rf"(?:{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}|{_D}{{8}})(?![0-9０-９])"
                    rf"|(?<![0-9０-９])[0０][1-9１-９]{_D}{{1,2}}[-－]{_D}{{7,8}}(?![0-9０-９])")
_WX_LABELLED = re.compile(r"((?:微信号?|威信|薇信|v信|vx|wx|weixin|wechat|加v|加微)\s*[:：]?\s*)"
                          r"([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])", re.IGNORECASE)
_WX_SHAPED = re.compile(r"(?<![-_A-Za-z0-9@./:=?&#%])[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9@.])")
_WXID = re.compile(r"wxid_[A-Za-z0-9_-]+", re.IGNORECASE)
_ID_NAME = re.compile(r"wxid_[A-Za-z0-9_-]+|[0-9]{5,12}", re.IGNORECASE)  # a name that is really an id
_QQ_NUMBER = re.compile(r"((?:qq|扣扣|企鹅)号?\s*[:：]?\s*)[0-9]{5,11}(?![0-9])", re.IGNORECASE)

_MASKS = {"zh": {"phone": "[电话]", "id_card": "[身份证号]", "email": "[邮箱]", "id": "[号码]", "wechat": "[微信号]"},
          "en": {"phone": "[phone]", "id_card": "[ID number]", "email": "[email]", "id": "[id]",
                 "wechat": "[WeChat id]"}}

# Surnames (the commonest single ones, and compound ones), and the words people put around a
# surname to address someone: 老王, 小王, 王医生, 王老师.
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "夏侯",
                      "司徒", "宇文", "独孤", "南宫", "西门", "申屠", "端木", "轩辕")
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应"
    "臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_PREFIXES = ("老", "小", "阿")
_TITLES = ("医生", "大夫", "主任", "护士", "院长", "老师", "教练", "校长", "同学", "总", "经理", "老板", "律师", "会计",
           "工", "师傅", "姐", "哥", "叔", "阿姨", "先生", "女士", "太", "奶奶", "爷爷", "大爷", "大妈", "妈", "爸")
_ROLE_WORDS = ("护士长", "护士", "医生", "老师", "助教", "助理", "教练", "群主", "管理", "客服", "店长", "运营", "班主任",
               "讲师", "领队", "队长", "助手", "主任")
_PARTS = re.compile(r"[\s\-_·•|/\\:：,，.。~～]+")
_BRACKETS = re.compile(r"[（(【\[<《][^）)】\]>》]*[）)】\]>》]")
_HAN = re.compile(r"[\u3400-\u9fff]+")


def name_forms(name: str) -> tuple[set[str], set[str]]:
    """What a member with display name ``name`` may be called in texts: (parts of the name that
    are themselves names, surnames). ``心内科-王医生`` → ({王医生}, {王}); ``护士小周`` →
    ({小周}, {周}); ``张阿姨(高血压)`` → ({张阿姨}, {张}); ``王建国`` → ({王建国}, {王})."""
    parts: set[str] = set()
    surnames: set[str] = set()
    for chunk in _PARTS.split(_BRACKETS.sub(" ", name)):
        for han in _HAN.findall(chunk):
            for role in sorted(_ROLE_WORDS, key=len, reverse=True):  # 护士小周 → 小周
                if han.startswith(role) and len(han) > len(role) + 1:
                    han = han[len(role):]
                    break
            surname = _surname_of(han)
            if surname:
                parts.add(han)
                surnames.add(surname)
    return parts, surnames


def _surname_of(han: str) -> str | None:
    """The surname a name-like word carries: 老王/小王/阿王, 王医生, 王建国 (two or three characters)."""
    if len(han) >= 2 and han[0] in _PREFIXES and han[1:] in _SURNAMES:
        return han[1:]
    for title in _TITLES:
        stem = han[: -len(title)] if han.endswith(title) else None
        if stem and (stem in _SURNAMES or stem in _COMPOUND_SURNAMES):
            return stem
    for compound in _COMPOUND_SURNAMES:
        if han.startswith(compound) and 3 <= len(han) <= 4:
            return compound
    if 2 <= len(han) <= 3 and han[0] in _SURNAMES:
        return han[0]
    return None


def surname_forms(surname: str) -> set[str]:
    """How people address someone of ``surname``: 老王, 小王, 王医生, 王老师, 王总…"""
    return {*(p + surname for p in _PREFIXES if len(surname) == 1), *(surname + t for t in _TITLES)}


def alias(key: str, lang: str = "zh") -> str:
    """A member's stable alias, e.g. ``成员K7Q2MX`` / ``member-K7Q2MX``."""
    return ("成员" if lang == "zh" else "member-") + key[:6]


def apply_privacy(report: Report, *, pseudonymize: bool = False, redact: bool = False,
                  show_ids: bool = False) -> Report:
    """The report with ids hidden (unless ``show_ids``), names aliased (``pseudonymize``) and
    contact numbers masked (``redact``); ``report.privacy`` says what was done."""
    fix_text = text_fixer(report.directory, report.lang, pseudonymize=pseudonymize, redact=redact,
                          show_ids=show_ids)
    fix_name = _redactor(report.lang) if redact else (lambda text: text)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in TEXT_KEYS and isinstance(v, str):
                    out[k] = fix_text(v)
                elif k in NAME_KEYS and isinstance(v, str):
                    out[k] = fix_name(v)
                else:
                    out[k] = walk(v)
            if isinstance(out.get(S.GROUP_ID), str) and _WXID.search(out[S.GROUP_ID]):
                # A row of the groups overview about a private WeChat chat (named after its contact).
                if pseudonymize and isinstance(out.get(S.NAME), str):
                    out[S.NAME] = private_alias(out[S.GROUP_ID], report.lang)
                if not show_ids:
                    out[S.GROUP_ID] = _WXID.sub(_MASKS.get(report.lang, _MASKS["en"])["id"], out[S.GROUP_ID])
            if MEMBER in out and S.MEMBER_ID in out:
                if not show_ids:
                    # An export with no name for a member shows its id as the name: hide that too.
                    if out[MEMBER] and _id_like(out.get(S.NAME), out[S.MEMBER_ID]):
                        out[S.NAME] = alias(out[MEMBER], report.lang)
                    out[S.MEMBER_ID] = None
                if pseudonymize and out[MEMBER]:
                    out[S.NAME] = alias(out[MEMBER], report.lang)
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    group = _group_privacy(report.group, report.directory, report.lang, fix_text, pseudonymize=pseudonymize,
                           show_ids=show_ids)
    return replace(report, group=group, data=walk(report.data),
                   privacy={"pseudonymized": pseudonymize, "redacted": redact, "ids_shown": show_ids})


def private_alias(group_id: str, lang: str = "zh") -> str:
    """The alias of a private chat where its contact's key is not at hand (the groups overview)."""
    digest = hashlib.sha256(group_id.encode("utf-8")).hexdigest()[:6].upper()
    return ("私聊" if lang == "zh" else "private-") + digest


def _group_privacy(group: dict[str, Any] | None, directory: dict[str, Person], lang: str,
                   fix_text: Callable[[str], str], *, pseudonymize: bool, show_ids: bool) -> dict[str, Any] | None:
    """A private chat is named after its contact and its id is the contact's id (wechat-wxid_…):
    hide the id unless ``show_ids``, and with ``pseudonymize`` name the chat by the contact's alias."""
    if not group:
        return group
    out = dict(group)
    gid, name = str(group.get("id") or ""), group.get("name")
    contact = next((p for p in directory.values() if len(p.member_id) >= 5 and gid.endswith("-" + p.member_id)), None)
    if contact is None and isinstance(name, str):
        contact = next((p for p in directory.values() if name in p.names), None)
    if not show_ids and gid:
        hidden = _WXID.sub(_MASKS.get(lang, _MASKS["en"])["id"], gid)
        if contact is not None and gid.endswith("-" + contact.member_id):
            hidden = gid[: -len(contact.member_id)] + (alias(contact.key, lang) if pseudonymize
                                                        else _MASKS.get(lang, _MASKS["en"])["id"])
        out["id"] = hidden
    if pseudonymize and isinstance(name, str):
        private = group.get("private") is True or group.get("is_group") is False  # when the report says so
        if contact is not None:
            out["name"] = alias(contact.key, lang)
        else:
            out["name"] = private_alias(gid, lang) if private else fix_text(name)
    return out


def _redactor(lang: str) -> Callable[[str], str]:
    """Masks contact details (phone, ID card, email, WeChat id) in one string."""
    masks = _MASKS.get(lang, _MASKS["en"])

    def wechat(m: re.Match[str]) -> str:
        word = m.group(0)
        digits = sum(c.isdigit() for c in word)
        letters = sum(c.isalpha() for c in word)
        return masks["wechat"] if digits >= 2 and letters >= 2 else word

    def redact(text: str) -> str:
        text = _EMAIL.sub(masks["email"], text)
        text = _ID_CARD.sub(masks["id_card"], text)
        text = _PHONE.sub(masks["phone"], text)
        text = _WX_LABELLED.sub(lambda m: m.group(1) + masks["wechat"], text)
        return _WX_SHAPED.sub(wechat, text)

    return redact


def text_fixer(directory: dict[str, Person], lang: str, *, pseudonymize: bool, redact: bool,
               show_ids: bool) -> Callable[[str], str]:
    """A function that applies the chosen masks to one quoted text."""
    masks = _MASKS.get(lang, _MASKS["en"])
    names: dict[str, str] = {}
    mentioned: dict[str, str] = {}  # one-character names: replaced only after @
    ids: dict[str, str] = {}
    if pseudonymize:
        # Names seen first, then parts of names (王医生 of 心内科-王医生), then surname forms (老王):
        # a derived form stands for a member only if no other member could be meant by it.
        part_of: dict[str, set[str]] = {}
        surname_of: dict[str, set[str]] = {}
        for key, person in directory.items():
            for name in person.names:
                name = name.strip()
                if len(name) >= _MIN_NAME:
                    names.setdefault(name, alias(key, lang))
                elif name:
                    mentioned.setdefault(name, alias(key, lang))
                parts, surnames = name_forms(name)
                for part in parts:
                    part_of.setdefault(part, set()).add(key)
                for form in {f for s in surnames for f in surname_forms(s)}:
                    surname_of.setdefault(form, set()).add(key)
        for derived in (part_of, surname_of):
            for form, keys in derived.items():
                if len(keys) == 1 and form not in names:
                    names[form] = alias(next(iter(keys)), lang)
    for key, person in directory.items():
        mid = person.member_id
        if not show_ids and len(mid) >= 5 and not mid.startswith(S.NAME_ID_PREFIX):
            ids[mid] = alias(key, lang) if pseudonymize else masks["id"]
    name_rx = _alternation(names)
    mention_rx = (re.compile(r"(?<=@)(?:" + _alternation(mentioned).pattern + r")(?=[\s\u2005\u3000,，.。!！?？:：]|$)")
                  if mentioned else None)
    # An id is masked only as a whole token: 12345 inside a longer number is not that member.
    id_rx = re.compile(r"(?<![0-9A-Za-z_])(?:" + _alternation(ids).pattern + r")(?![0-9A-Za-z_])") if ids else None
    redactor = _redactor(lang) if redact else None

    def fix(text: str) -> str:
        if redactor is not None:
            text = redactor(text)
        if not show_ids:
            text = _WXID.sub(masks["id"], text)
            text = _QQ_NUMBER.sub(lambda m: m.group(1) + masks["id"], text)
        if id_rx is not None:
            text = id_rx.sub(lambda m: ids[m.group(0)], text)
        if name_rx is not None:
            text = name_rx.sub(lambda m: names[m.group(0)], text)
        if mention_rx is not None:
            text = mention_rx.sub(lambda m: mentioned[m.group(0)], text)
        return text

    return fix


def _id_like(name: object, member_id: object) -> bool:
    return isinstance(name, str) and (name == member_id or _ID_NAME.fullmatch(name) is not None)


def _alternation(words: dict[str, str]) -> re.Pattern[str] | None:
    """One regex matching any of ``words``, longest first (so 张三丰 wins over 张三)."""
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
