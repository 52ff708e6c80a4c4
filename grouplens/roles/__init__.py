"""Members' roles in a group: who starts discussions, who disputes them, who watches, who never
speaks, and which accounts are opinion leaders, operators, shills or advertisers.

``member_roles(data)`` works on a loaded group; ``group_roles(store, group, ...)`` is the
library call behind ``grouplens roles``. Every member of the group is in the result, including
those known only from the member list or a join notice, with one ``role`` (``ROLES``), a list
of ``tags`` (``TAGS``), their ``influence`` (``grouplens.influence``), a one-sentence
``reason`` (Chinese or English), and the figures behind them. ``explain_member`` says at length
why a member got their role and tags. The same data and settings always give the same result.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from .. import schema as S
from ..analysis.engagement import message_engagement, reply_structure
from ..analysis.group import GroupData, load_group
from ..analysis.influence import INFLUENCE, interaction_edges, member_influence
from ..config import Config
from ..errors import UsageError
from ..progress import phase
from ..records import plain
from ..store.store import Store
from . import features as F
from .accounts import with_cross_group
from .classifier import (
    ACTIVITY_TIER,
    GROUP_DISCUSSIONS,
    KOL_ASKERS_OUTLIER,
    KOL_ASKERS_RATIO,
    KOL_BASIS,
    KOL_OUTLIER,
    KOL_TOP_RATIO,
    OPERATOR_BASIS,
    ROLE,
    ROLES,
    SHILL_BASIS,
    TAGS,
    TAGS_COLUMN,
    THINKER_OUTLIER,
    activity_tiers,
    classify_members,
)
from .explain import LANGUAGES, explain_member, member_reason

REASON = "reason"
EVIDENCE = "evidence"
# The figures behind a role, in the order reports show them (JSON nests them under "evidence").
EVIDENCE_COLUMNS: tuple[str, ...] = (
    F.MESSAGES, F.ACTIVE_DAYS, F.MESSAGES_PER_WEEK, ACTIVITY_TIER,
    # discussions and disputes
    F.DISCUSSIONS, THINKER_OUTLIER, F.CONVERSATIONS_STARTED, F.CONVERSATION_SHARE, F.CONVERSATION_REPLIES,
    F.REPLIES_DRAWN, F.REPLIES_MADE, F.OBJECTIONS, F.OBJECTION_SHARE, F.OBJECTIONS_DRAWN,
    # what of theirs others took up (opinion leaders)
    F.SOURCES, KOL_OUTLIER, KOL_TOP_RATIO, KOL_ASKERS_OUTLIER, KOL_ASKERS_RATIO, KOL_BASIS, GROUP_DISCUSSIONS,
    F.AGREEMENT_DRAWN, F.QUESTIONS_DRAWN, F.MENTIONS_DRAWN, F.QUESTIONS, F.ANSWERS, F.ANSWER_SHARE, F.ANSWERS_OF_GROUP,
    F.ASKERS_ANSWERED, F.ASKERS_SOUGHT, F.PEOPLE_ENGAGED, F.PEOPLE_REACHED, F.INFLUENCE_RANK,
    # function accounts
    F.WELCOMES, F.NOTICES, F.NOTICE_REGULARITY, F.TEMPLATE_POSTS, F.TEMPLATE_REGULARITY, OPERATOR_BASIS,
    F.REGULARITY, F.COORDINATION, F.SCHEDULED_DAYS, F.SCHEDULED_SHARE, F.QUICK_ANSWERED, F.ANSWERER_CONCENTRATION,
    F.PARTNER_OF, F.PARTNER_DAYS, F.PARTNER_SHARE, F.QUESTIONS_ANSWERED, SHILL_BASIS,
    F.AD_SHARE, F.LINK_SHARE, F.BURST_SHARE, F.POST_THEN_SILENCE,
    F.LIST_ROLE, F.IN_ROSTER, F.JOINED_AT, F.LEFT_AT,
)
RESULT_COLUMNS: tuple[str, ...] = (S.MEMBER_ID, S.NAME, ROLE, TAGS_COLUMN, INFLUENCE, REASON) + EVIDENCE_COLUMNS


def member_roles(data: GroupData, lang: str = "zh") -> pd.DataFrame:
    """Role, tags, influence, reason and figures of every member of a loaded group.

    Rows are ordered thinkers, critics, onlookers, silent, then by influence and member id.
    Settings come from ``data.config.roles`` and ``data.config.engagement``.
    """
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    from ..analysis.derived import cached_result, code_hash
    from . import classifier, explain
    return cached_result(data, "roles", {**_spec(data), "lang": lang, "rules": code_hash(classifier, explain)},
                         lambda: _member_roles(data, lang))


def _member_roles(data: GroupData, lang: str) -> pd.DataFrame:
    cfg = data.config.roles
    feats = role_features(data)
    phase("roles")
    labels = classify_members(feats, _period_end(data), cfg)
    result = pd.concat([feats, labels], axis=1)
    result[REASON] = [member_reason(row, lang, cfg) for row in result.to_dict("records")]
    order = result[ROLE].map({r: i for i, r in enumerate(ROLES)})
    result = result.assign(_order=order).sort_values(["_order", INFLUENCE, S.MEMBER_ID],
                                                     ascending=[True, False, True], kind="stable")
    return result[list(RESULT_COLUMNS)].reset_index(drop=True)


def role_features(data: GroupData) -> pd.DataFrame:
    """The figures behind every member's role and tags (``features.member_features``): replies,
    engagement and influence computed once, so thresholds can be tried on them cheaply. For a
    stored group they are kept in the store until its data changes (``analysis.derived``)."""
    from ..analysis.derived import cached_result
    return cached_result(data, "role-features", _spec(data), lambda: _role_features(data))


def _spec(data: GroupData) -> dict:
    """What the figures behind roles depend on besides the messages (``analysis.derived``)."""
    import sys
    from dataclasses import asdict

    from ..analysis import engagement, influence
    from ..analysis.derived import code_hash
    return {"roles": asdict(data.config.roles), "engagement": asdict(data.config.engagement),
            "code": code_hash(F, engagement, influence, sys.modules[__name__])}



def _role_features(data: GroupData) -> pd.DataFrame:
    cfg = data.config.roles
    rs = reply_structure(data, data.config.engagement)
    phase("engagement")
    per_message = message_engagement(rs, data.config.engagement)
    phase("influence")
    influence = member_influence(rs.member_ids, interaction_edges(rs, per_message, cfg), cfg)
    phase("member figures")
    return F.member_features(data, rs, per_message, influence, cfg)


def period_end(data: GroupData) -> datetime | None:
    """The end of the period roles are computed for: --until's end, else the last message."""
    return _period_end(data)


def group_roles(store: Store, group: str | None = None, since: date | datetime | str | None = None,
                until: date | datetime | str | None = None, *, lang: str = "zh", tz: ZoneInfo | None = None,
                config: Config | None = None) -> pd.DataFrame:
    """Every member's role, tags, influence, reason and figures for a stored group and period:
    the library call behind ``grouplens roles``. Accounts that post ads or scheduled texts in
    several groups of the store also get a cross-group tag (``roles.accounts``)."""
    data = load_group(store, group, since, until, tz=tz, config=config)
    return with_cross_group(member_roles(data, lang=lang), data, since, until, lang=lang)


def role_records(result: pd.DataFrame, tz: ZoneInfo | None = None) -> list[dict]:
    """``member_roles`` rows as JSON-ready objects: member_id, name, role, tags, influence,
    reason, and the figures nested under ``evidence`` (times in ``tz``, else UTC)."""
    out = []
    for row in result.to_dict("records"):
        rec = {c: plain(row[c], tz) for c in (S.MEMBER_ID, S.NAME, ROLE, TAGS_COLUMN, INFLUENCE, REASON)}
        rec[EVIDENCE] = {c: plain(row[c], tz) for c in EVIDENCE_COLUMNS}
        out.append(rec)
    return out


def _period_end(data: GroupData) -> datetime | None:
    """The end of the period: --until's end, else the last message (newcomers are counted back
    from it)."""
    if data.end is not None:
        return data.end
    if data.messages.empty:
        return None
    return pd.Timestamp(data.messages[S.TS].max()).to_pydatetime()


__all__ = [
    "ACTIVITY_TIER", "EVIDENCE", "EVIDENCE_COLUMNS", "REASON", "RESULT_COLUMNS", "ROLE", "ROLES", "TAGS",
    "TAGS_COLUMN", "activity_tiers", "classify_members", "explain_member", "group_roles", "member_roles",
    "period_end", "role_features", "role_records",
]
