"""Privacy for reports (PIPL: chats hold health information): one pass over a report's data
before any renderer sees it, so every format is covered.

- Member ids (QQ numbers, wxids) are hidden unless asked for: the ``member_id`` of every member
  reference becomes null (and a name that is only the id becomes the alias), and known ids,
  ``wxid_…`` ids and QQ numbers written after a ``QQ``/``扣扣`` label are masked in quoted texts.
- ``pseudonymize``: names become aliases built from the member's key (a salted hash of the
  id: the same member has the same alias in every report and week), in member references and
  wherever a member's name appears in a quoted text.
- ``redact``: phone numbers, ID-card numbers and email addresses in quoted texts are masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .. import schema as S
from .model import Report
from .people import MEMBER, Person

TEXT_KEYS = frozenset({S.TEXT, "message", "reason"})  # keys whose strings may quote people
_MIN_NAME = 2  # shorter names would mask ordinary words

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])"
                    r"|(?<![0-9])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])")
_WXID = re.compile(r"wxid_[A-Za-z0-9_-]+", re.IGNORECASE)
_ID_NAME = re.compile(r"wxid_[A-Za-z0-9_-]+|[0-9]{5,12}", re.IGNORECASE)  # a name that is really an id
_QQ_NUMBER = re.compile(r"((?:qq|扣扣|企鹅)号?\s*[:：]?\s*)[0-9]{5,11}(?![0-9])", re.IGNORECASE)

_MASKS = {"zh": {"phone": "[电话]", "id_card": "[身份证号]", "email": "[邮箱]", "id": "[号码]"},
          "en": {"phone": "[phone]", "id_card": "[ID number]", "email": "[email]", "id": "[id]"}}


def alias(key: str, lang: str = "zh") -> str:
    """A member's stable alias, e.g. ``成员K7Q2MX`` / ``member-K7Q2MX``."""
    return ("成员" if lang == "zh" else "member-") + key[:6]


def apply_privacy(report: Report, *, pseudonymize: bool = False, redact: bool = False,
                  show_ids: bool = False) -> Report:
    """The report with ids hidden (unless ``show_ids``), names aliased (``pseudonymize``) and
    contact numbers masked (``redact``); ``report.privacy`` says what was done."""
    fix_text = text_fixer(report.directory, report.lang, pseudonymize=pseudonymize, redact=redact,
                          show_ids=show_ids)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in TEXT_KEYS and isinstance(v, str):
                    out[k] = fix_text(v)
                else:
                    out[k] = walk(v)
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

    return replace(report, data=walk(report.data),
                   privacy={"pseudonymized": pseudonymize, "redacted": redact, "ids_shown": show_ids})


def text_fixer(directory: dict[str, Person], lang: str, *, pseudonymize: bool, redact: bool,
               show_ids: bool) -> Callable[[str], str]:
    """A function that applies the chosen masks to one quoted text."""
    masks = _MASKS.get(lang, _MASKS["en"])
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for key, person in directory.items():
        if pseudonymize:
            for name in person.names:
                if len(name) >= _MIN_NAME:
                    names.setdefault(name, alias(key, lang))
        mid = person.member_id
        if not show_ids and len(mid) >= 5 and not mid.startswith(S.NAME_ID_PREFIX):
            ids[mid] = alias(key, lang) if pseudonymize else masks["id"]
    name_rx = _alternation(names)
    # An id is masked only as a whole token: 12345 inside a longer number is not that member.
    id_rx = re.compile(r"(?<![0-9A-Za-z_])(?:" + _alternation(ids).pattern + r")(?![0-9A-Za-z_])") if ids else None

    def fix(text: str) -> str:
        if redact:
            text = _EMAIL.sub(masks["email"], text)
            text = _ID_CARD.sub(masks["id_card"], text)
            text = _PHONE.sub(masks["phone"], text)
        if not show_ids:
            text = _WXID.sub(masks["id"], text)
            text = _QQ_NUMBER.sub(lambda m: m.group(1) + masks["id"], text)
        if id_rx is not None:
            text = id_rx.sub(lambda m: ids[m.group(0)], text)
        if name_rx is not None:
            text = name_rx.sub(lambda m: names[m.group(0)], text)
        return text

    return fix


def _id_like(name: object, member_id: object) -> bool:
    return isinstance(name, str) and (name == member_id or _ID_NAME.fullmatch(name) is not None)


def _alternation(words: dict[str, str]) -> re.Pattern[str] | None:
    """One regex matching any of ``words``, longest first (so 张三丰 wins over 张三)."""
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
