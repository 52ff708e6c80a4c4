"""Engagement: the response each message, member and kind of post draws in a group.

Everything starts from ``reply_structure``: the group's speech with, for each message, the
message it answers (explicit quotes and the reply model's links, ``analysis.with_replies``),
the thread it belongs to, and the members it @-mentions. From that:

- ``message_engagement``: per message, direct and indirect replies from others, distinct
  repliers, replies that @-mention or quote its author, acknowledgement replies, seconds to the
  first reply, its content type and one engagement score;
- ``member_engagement``: per member, conversations started and how far they went, people
  reached, replies drawn and made;
- ``content_engagement``: per content type (questions, knowledge cards, links, images,
  announcements, ...), which kinds of post draw replies in this group;
- ``group_engagement``: all three for a stored group, the library call behind
  ``grouplens engagement``.

Replies from the author to their own message are not engagement and never count.
Everything is vectorised over numpy arrays, so a million-message group is fine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S
from ..config import Config, EngagementConfig
from ..errors import UsageError
from ..progress import phase
from ..replies.threads import ReplyStructure, thread_structure
from ..store.store import Store
from ..text.classes import AD, AGREEMENT, CHECKIN, GREETING, OBJECTION, OPERATOR_TEMPLATE, QUESTION
from ..text.segment import URL_PATTERN
from .answers import with_answers
from .group import GroupData, load_group, with_classes, with_replies

# --- columns of the results ------------------------------------------------------------------
CONTENT_TYPE = "content_type"
DIRECT_REPLIES = "direct_replies"
THREAD_REPLIES = "thread_replies"
DISTINCT_REPLIERS = "distinct_repliers"
MENTIONS_DRAWN = "mentions_drawn"
QUOTES_DRAWN = "quotes_drawn"
ACKS_DRAWN = "acks_drawn"
FIRST_REPLY_SECONDS = "first_reply_seconds"
ENGAGEMENT = "engagement"
DEPTH = "depth"
IS_ROOT = "is_root"

CONVERSATIONS_STARTED = "conversations_started"
CONVERSATION_REPLIES = "conversation_replies"  # replies in the conversations a member started
LARGEST_CONVERSATION = "largest_conversation"
PEOPLE_REACHED = "people_reached"
REPLIES_DRAWN = "replies_drawn"
REPLIES_MADE = "replies_made"
MESSAGES = "messages"

REPLY_RATE = "reply_rate"
MEAN_REPLIES = "mean_replies"
MEAN_REPLIERS = "mean_repliers"
MEDIAN_FIRST_REPLY_SECONDS = "median_first_reply_seconds"
MEAN_ENGAGEMENT = "mean_engagement"

# --- content types -----------------------------------------------------------------------------

def text_array(texts: pd.Series) -> pa.Array:
    """Texts as an Arrow string array for its RE2 matching; missing texts (pd.NA, None, NaN:
    an image or a file has none) become nulls."""
    values = texts.astype(object)
    return pa.array(values.where(values.notna(), None).to_numpy(), pa.string())

# In the order they are tried: the first that fits names the post.
CONTENT_TYPES: tuple[str, ...] = (
    "ad", "announcement", "knowledge_card", "briefing", "template", "image", "video", "voice", "file",
    "link", "sticker", "contact_card", "red_packet", "forward", "question", "objection", "checkin",
    "greeting", "acknowledgement", "opinion", "chat",
)
# Patterns are matched with Arrow's RE2 engine (a million texts in well under a second).
_ANNOUNCEMENT = r"群公告|@全体成员|(?i:@all)\b|【(?:通知|公告)】|^\s*(?:通知|公告)[:：]"
_KNOWLEDGE_CARD = r"知识卡片|小知识|科普|干货分享|每日一学|知识点"
_BRIEFING = r"早报|晚报|日报|周报|简报|新闻速递|今日要闻"
# Kinds that name a post's type by themselves (kind -> content type).
_KIND_TYPES = {"image": "image", "video": "video", "voice": "voice", "file": "file", "link": "link",
               "sticker": "sticker", "card": "contact_card", "red_packet": "red_packet",
               "transfer": "red_packet", "forward": "forward"}


def reply_structure(data: GroupData, config: EngagementConfig | None = None, *,
                    use_model: bool = True, answers: bool = True) -> ReplyStructure:
    """The reply threads of a loaded group's speech (classes and reply links added if missing).

    Reply links: explicit quotes first; then messages that open by @-addressing a member, linked
    to that member's latest message within ``[engagement] address_window_minutes``; the rest
    from the reply model (``analysis.group.with_replies``, its probability as the link's score)
    unless ``use_model`` is False. With the model, each question's answer is then found, quoted
    or not (``analysis.answers``): it is linked to its question and named in the question's
    ``answered_by`` column (unless ``answers`` is False).
    """
    cfg = config or data.config.engagement
    if data.stored and not (use_model and answers and cfg == data.config.engagement):
        # Not what the store's cache holds (links and answers under the group's settings):
        # worked out here, on a copy.
        from .derived import REPLY_COLUMNS
        m = data.messages
        if S.REPLY_SOURCE in m:  # only the export's own quotes stay
            m = m.assign(**{S.REPLY_TO: m[S.REPLY_TO].where(m[S.REPLY_SOURCE] == S.REPLY_SOURCES[0])})
        derived_only = [c for c in REPLY_COLUMNS if c != S.REPLY_TO]
        data = replace(data, stored=False, messages=m.drop(columns=derived_only, errors="ignore"))
    with_classes(data)
    if use_model:
        with_replies(data)

    def threads(speech: pd.DataFrame) -> ReplyStructure:
        return thread_structure(speech, data.members, address_window_seconds=cfg.address_window_minutes * 60.0,
                                max_depth=cfg.max_depth, links_inferred=use_model)

    phase("reply threads")
    rs = threads(data.speech.reset_index(drop=True))
    if not (use_model and answers) or S.ANSWERED_BY in data.messages:  # answers already found (analysis.derived)
        return rs
    phase("answers")
    return with_answers(rs, cfg, threads)


# --- content types -----------------------------------------------------------------------------


def content_types(messages: pd.DataFrame, opinion_min_chars: int = 20) -> pd.Series:
    """What kind of post each message is (one of ``CONTENT_TYPES``), from its kind, its text and
    its message classes (``analysis.with_classes`` columns, used when present). A text that fits
    no other type is an ``opinion`` when at least ``opinion_min_chars`` long, else ``chat``."""
    n = len(messages)
    out = np.full(n, "chat", dtype=object)
    decided = np.zeros(n, bool)
    texts = text_array(messages[S.TEXT]) if S.TEXT in messages else pa.nulls(n, pa.string())
    kind = messages[S.KIND].astype(object).fillna("text").to_numpy() if S.KIND in messages else np.full(n, "text")

    def has(pattern: str) -> np.ndarray:
        return pc.fill_null(pc.match_substring_regex(texts, pattern), False).to_numpy(zero_copy_only=False)

    def cls(name: str) -> np.ndarray:
        return messages[name].fillna(False).to_numpy(bool) if name in messages else np.zeros(n, bool)

    template = cls(OPERATOR_TEMPLATE)
    headed = template | has("【")
    rules: list[tuple[str, np.ndarray]] = [
        ("ad", cls(AD)),
        ("announcement", has(_ANNOUNCEMENT)),
        ("knowledge_card", has(_KNOWLEDGE_CARD) & headed),
        ("briefing", has(_BRIEFING) & headed),
        ("template", template),
    ]
    for k, name in _KIND_TYPES.items():
        if name == "link":
            rules.append((name, (kind == k) | ((kind == "text") & has(URL_PATTERN))))
        else:
            rules.append((name, kind == k))
    lengths = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False)
    rules += [("question", cls(QUESTION)), ("objection", cls(OBJECTION)), ("checkin", cls(CHECKIN)),
              ("greeting", cls(GREETING)), ("acknowledgement", cls(AGREEMENT)),
              ("opinion", lengths >= opinion_min_chars)]
    for name, hit in rules:
        take = hit & ~decided
        out[take] = name
        decided |= take
    return pd.Series(out, index=messages.index, name=CONTENT_TYPE)


# --- per message -------------------------------------------------------------------------------

def message_engagement(rs: ReplyStructure, config: EngagementConfig | None = None) -> pd.DataFrame:
    """Per message of the speech: the response it drew, and one engagement score.

    Columns: msg_id, ts, sender_id, content_type, text, is_root, depth, direct_replies,
    thread_replies (replies at any depth below it), distinct_repliers, mentions_drawn (replies
    that @-mention its author), quotes_drawn (replies that quote it, per the export),
    acks_drawn (thanks and agreement among its direct replies), first_reply_seconds and
    engagement = reply_weight·direct + indirect_weight·(thread − direct)
    + replier_weight·distinct + mention_weight·(mentions + quotes).
    Only replies from people other than the author count.
    """
    cfg = config or EngagementConfig()
    n = len(rs)
    m = rs.messages
    has_parent = rs.parent >= 0
    safe_parent = np.where(has_parent, rs.parent, 0)
    from_other = has_parent & (rs.author != rs.author[safe_parent])
    child, par = np.flatnonzero(from_other), rs.parent[from_other]
    direct = np.bincount(par, minlength=n)
    ack = m[AGREEMENT].fillna(False).to_numpy(bool) if AGREEMENT in m else np.zeros(n, bool)
    acks = np.bincount(par, weights=ack[child], minlength=n).astype(np.int64)
    quotes = np.bincount(par, weights=rs.explicit[child], minlength=n).astype(np.int64)

    # Direct replies that @-mention the author they answer.
    k1 = np.int64(len(rs.member_ids) + 1)
    hit = np.isin(child * k1 + rs.author[par], rs.mention_message * k1 + rs.mention_member)
    mentions = np.bincount(par[hit], minlength=n)

    anc, desc = rs.ancestor, rs.descendant
    other = rs.author[desc] != rs.author[anc]
    anc_o, desc_o = anc[other], desc[other]
    thread = np.bincount(anc_o, minlength=n)
    pairs = np.unique(anc_o * np.int64(len(rs.member_ids) + 1) + rs.author[desc_o])
    distinct = np.bincount(pairs // np.int64(len(rs.member_ids) + 1), minlength=n)

    first = np.full(n, np.inf)
    if len(child):
        np.minimum.at(first, par, rs.seconds[child] - rs.seconds[par])
    first_reply = np.where(np.isfinite(first), first, np.nan)

    types = content_types(m, cfg.opinion_min_chars).to_numpy(dtype=object)
    score = (cfg.reply_weight * direct + cfg.indirect_weight * (thread - direct)
             + cfg.replier_weight * distinct + cfg.mention_weight * (mentions + quotes))
    return pd.DataFrame({
        S.MSG_ID: m[S.MSG_ID].to_numpy(), S.TS: m[S.TS].to_numpy(), S.SENDER_ID: m[S.SENDER_ID].to_numpy(),
        CONTENT_TYPE: types, S.TEXT: m[S.TEXT].to_numpy(), IS_ROOT: ~has_parent, DEPTH: rs.depth,
        DIRECT_REPLIES: direct.astype(np.int64), THREAD_REPLIES: thread.astype(np.int64),
        DISTINCT_REPLIERS: distinct.astype(np.int64), MENTIONS_DRAWN: mentions.astype(np.int64),
        QUOTES_DRAWN: quotes, ACKS_DRAWN: acks, FIRST_REPLY_SECONDS: first_reply, ENGAGEMENT: score,
    })


# --- per member -------------------------------------------------------------------------------

def member_engagement(rs: ReplyStructure, per_message: pd.DataFrame | None = None,
                      config: EngagementConfig | None = None) -> pd.DataFrame:
    """Per member (every member of the group, speakers or not): messages, conversations started
    (messages that open a thread someone else replied to), the replies in those conversations and
    the largest one, people reached (distinct others who replied to them at any depth), and
    replies drawn (direct, from others) and made (to others)."""
    per_message = per_message if per_message is not None else message_engagement(rs, config)
    k = len(rs.member_ids)
    author = rs.author
    messages = np.bincount(author, minlength=k)
    started = per_message[IS_ROOT].to_numpy(bool) & (per_message[DIRECT_REPLIES].to_numpy() > 0)
    thread = per_message[THREAD_REPLIES].to_numpy()
    conversations = np.bincount(author[started], minlength=k)
    conversation_replies = np.bincount(author[started], weights=thread[started], minlength=k)
    largest = np.zeros(k)
    if started.any():
        np.maximum.at(largest, author[started], thread[started])
    drawn = np.bincount(author, weights=per_message[DIRECT_REPLIES].to_numpy(), minlength=k)
    parent_author = rs.parent_author
    made = np.bincount(author[(parent_author >= 0) & (parent_author != author)], minlength=k)
    anc_author, desc_author = author[rs.ancestor], author[rs.descendant]
    other = anc_author != desc_author
    reach_pairs = np.unique(anc_author[other] * np.int64(k + 1) + desc_author[other])
    reached = np.bincount(reach_pairs // np.int64(k + 1), minlength=k)
    return pd.DataFrame({
        S.MEMBER_ID: rs.member_ids, MESSAGES: messages.astype(np.int64),
        CONVERSATIONS_STARTED: conversations.astype(np.int64),
        CONVERSATION_REPLIES: conversation_replies.astype(np.int64),
        LARGEST_CONVERSATION: largest.astype(np.int64), PEOPLE_REACHED: reached.astype(np.int64),
        REPLIES_DRAWN: drawn.astype(np.int64), REPLIES_MADE: made.astype(np.int64),
    })


# --- per content type ----------------------------------------------------------------------------

def content_engagement(per_message: pd.DataFrame) -> pd.DataFrame:
    """Per content type: how many posts, the share that drew a reply, mean replies (any depth)
    and distinct repliers, median seconds to the first reply and mean engagement; the most
    engaging type first."""
    if per_message.empty:
        return pd.DataFrame(columns=[CONTENT_TYPE, MESSAGES, REPLY_RATE, MEAN_REPLIES, MEAN_REPLIERS,
                                     MEDIAN_FIRST_REPLY_SECONDS, MEAN_ENGAGEMENT])
    g = per_message.groupby(CONTENT_TYPE, sort=False)
    out = pd.DataFrame({
        MESSAGES: g.size(),
        REPLY_RATE: g[DIRECT_REPLIES].apply(lambda s: float((s > 0).mean())),
        MEAN_REPLIES: g[THREAD_REPLIES].mean(),
        MEAN_REPLIERS: g[DISTINCT_REPLIERS].mean(),
        MEDIAN_FIRST_REPLY_SECONDS: g[FIRST_REPLY_SECONDS].median(),
        MEAN_ENGAGEMENT: g[ENGAGEMENT].mean(),
    }).reset_index()
    return out.sort_values([MEAN_ENGAGEMENT, MESSAGES, CONTENT_TYPE], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


# --- the command's library call ----------------------------------------------------------------

@dataclass
class EngagementReport:
    """What ``grouplens engagement`` shows: the most engaging messages, every member's figures
    and each content type's, for one group and period."""

    group_id: str
    group_name: str
    messages: pd.DataFrame  # the top messages, most engaging first, with the sender's name
    members: pd.DataFrame  # member_engagement with names, most conversations first
    content: pd.DataFrame  # content_engagement
    links_inferred: bool  # whether the reply model's inferred links were used


def group_engagement(store: Store, group: str | None = None, since: date | datetime | str | None = None,
                     until: date | datetime | str | None = None, *, top: int = 10, tz: ZoneInfo | None = None,
                     config: Config | None = None) -> EngagementReport:
    """The most engaging messages of a group and period, with members' and content types' figures."""
    if top < 1:
        raise UsageError(f"--top must be at least 1 (got {top})")
    data = load_group(store, group, since, until, tz=tz, config=config)
    cfg = data.config.engagement
    rs = reply_structure(data, cfg)
    phase("engagement")
    per_message = message_engagement(rs, cfg)
    names = data.members.set_index(S.MEMBER_ID)[S.NAME]
    ranked = per_message[per_message[THREAD_REPLIES] > 0].sort_values(
        [ENGAGEMENT, THREAD_REPLIES, S.TS], ascending=[False, False, True], kind="stable").head(top)
    ranked.insert(ranked.columns.get_loc(S.SENDER_ID) + 1, S.NAME, ranked[S.SENDER_ID].map(names).to_numpy())
    members = member_engagement(rs, per_message, cfg)
    members.insert(1, S.NAME, members[S.MEMBER_ID].map(names).to_numpy())
    members = members.sort_values([CONVERSATIONS_STARTED, PEOPLE_REACHED, MESSAGES, S.MEMBER_ID],
                                  ascending=[False, False, False, True], kind="stable").reset_index(drop=True)
    return EngagementReport(group_id=data.group_id, group_name=data.group_name,
                            messages=ranked.reset_index(drop=True), members=members,
                            content=content_engagement(per_message), links_inferred=rs.links_inferred)
