"""The figures behind a member's role and tags: one row per member of the group.

Every member is here, those known only from the member list or a join notice too (with zeros).
Figures come from the speech and its reply threads (``engagement.reply_structure``), the
message classes and the members table; each is computed for all members at once with numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .. import schema as S
from ..analysis.engagement import ACKS_DRAWN, CONTENT_TYPE, IS_ROOT, member_engagement, text_array
from ..analysis.group import GroupData
from ..analysis.influence import IN_WEIGHT, INFLUENCE, INFLUENCE_RANK, SOURCES
from ..config import RolesConfig
from ..replies.threads import ReplyStructure
from ..text.classes import AD, GREETING, OBJECTION, OPERATOR_TEMPLATE, QUESTION, own_words
from ..text.segment import URL_PATTERN

# --- columns ---------------------------------------------------------------------------------------
LIST_ROLE = "list_role"  # owner / admin / member from the member list, else null
MESSAGES = "messages"
ACTIVE_DAYS = "active_days"
WEEKS_PRESENT = "weeks_present"
MESSAGES_PER_WEEK = "messages_per_week"
CONVERSATIONS_STARTED = "conversations_started"
CONVERSATION_SHARE = "conversation_share"  # of all conversations started in the group
CONVERSATION_REPLIES = "conversation_replies"
REPLIES_DRAWN = "replies_drawn"
REPLIES_MADE = "replies_made"
PEOPLE_REACHED = "people_reached"
PEOPLE_ENGAGED = "people_engaged"
OBJECTIONS = "objections"  # messages disputing a point (the objection class)
OBJECTION_SHARE = "objection_share"  # of their messages other than answers to questions
OBJECTIONS_DRAWN = "objections_drawn"
QUESTIONS = "questions"
ANSWERS = "answers"  # replies to someone else's question
ANSWER_SHARE = "answer_share"
ANSWERS_OF_GROUP = "answers_of_group"  # share of all the group's answers to questions
REGULARITY = "regularity"
COORDINATION = "coordination"
AD_MESSAGES = "ad_messages"
AD_SHARE = "ad_share"
LINK_SHARE = "link_share"
WELCOMES = "welcomes"
BURST_SHARE = "burst_share"  # messages within burst_days of joining
POST_THEN_SILENCE = "post_then_silence"  # spoke mostly right after joining, then left or went quiet
QUESTIONS_ANSWERED = "questions_answered"  # own questions someone else replied to
# What of a member's others take up (opinion leaders):
DISCUSSIONS = "discussions"  # posts (no question or answer) that two or more others replied to
AGREEMENT_DRAWN = "agreement_drawn"  # agreement and thanks in others' replies to them
MENTIONS_DRAWN = "mentions_drawn"  # others' @-mentions of them (bulk mentions left out)
QUESTIONS_DRAWN = "questions_drawn"  # others' questions put to them: in reply to them, or @-naming them
ASKERS_ANSWERED = "askers_answered"  # distinct members whose questions they answered
ASKERS_SOUGHT = "askers_sought"  # of those, the ones whose question was no follow-up in a thread they started
# Operator accounts:
NOTICES = "notices"  # announcements, knowledge cards, briefings, scripted and 【headed】 posts
NOTICE_REGULARITY = "notice_regularity"  # share of those posted near their usual time of day
TEMPLATE_POSTS = "template_posts"  # posts of a recurring near-identical script (operator_template)
TEMPLATE_REGULARITY = "template_regularity"  # share of those posted near their usual time of day
# Shills:
SCHEDULED_DAYS = "scheduled_days"  # days with a question or topic starter at their usual clock time
SCHEDULED_SHARE = "scheduled_share"  # of their questions and topic starters, those at that time
QUICK_ANSWERED = "quick_answered"  # of those, the share someone else answered within minutes
ANSWERER_CONCENTRATION = "answerer_concentration"  # of those, the share first answered by the same 1-2 accounts
PARTNER_OF = "partner_of"  # whose scheduled starters they answer most within minutes (member id)
PARTNER_DAYS = "partner_days"  # days they did so
PARTNER_SHARE = "partner_share"  # of their messages, such answers
JOINED_AT = S.JOINED_AT
LEFT_AT = S.LEFT_AT
IN_ROSTER = S.IN_ROSTER
INFLUENCE_COLUMNS = (INFLUENCE, INFLUENCE_RANK, IN_WEIGHT, SOURCES)

_BIN_MINUTES = 5  # time-of-day resolution of the regularity measure
_BINS = 24 * 60 // _BIN_MINUTES
_MAX_LAG = 400  # messages looked ahead for near-duplicates (the time window usually stops sooner)
_NOTICE_TYPES = ("announcement", "knowledge_card", "briefing")
_HEADED = r"^\s*【[^】\n]{2,20}】"  # a post that opens with a bracketed title: 【群公告】, 【每日一练】


def member_features(data: GroupData, rs: ReplyStructure, per_message: pd.DataFrame, influence: pd.DataFrame,
                    config: RolesConfig | None = None) -> pd.DataFrame:
    """One row per member (``rs.member_ids`` order) with every figure roles and tags use.

    Args:
        data: the loaded group (its members table and period).
        rs: its reply structure; per_message: ``engagement.message_engagement(rs)``.
        influence: ``influence.member_influence`` of the same members.
    """
    cfg = config or RolesConfig()
    k = len(rs.member_ids)
    m = rs.messages
    author = rs.author
    members = data.members.set_index(S.MEMBER_ID)
    ids = pd.Index(rs.member_ids)
    out = pd.DataFrame({S.MEMBER_ID: rs.member_ids})
    out[S.NAME] = ids.map(members[S.NAME]).to_numpy(dtype=object) if len(members) else None
    out[LIST_ROLE] = ids.map(members[S.ROLE]).to_numpy(dtype=object) if len(members) else None
    out[IN_ROSTER] = ids.map(members[S.IN_ROSTER]).fillna(False).to_numpy(bool) if len(members) else False
    joined = pd.to_datetime(ids.map(members[S.JOINED_AT]), utc=True) if len(members) else pd.NaT
    left = pd.to_datetime(ids.map(members[S.LEFT_AT]), utc=True) if len(members) else pd.NaT
    out[JOINED_AT], out[LEFT_AT] = joined, left

    engaged = member_engagement(rs, per_message)
    messages = engaged["messages"].to_numpy()
    out[MESSAGES] = messages
    local = pd.to_datetime(m[S.TS], utc=True).dt.tz_convert(data.tz)
    day = (local.dt.tz_localize(None).astype("datetime64[s]").astype("int64") // 86400).to_numpy()
    out[ACTIVE_DAYS] = _distinct_per_member(author, day, k)
    out[WEEKS_PRESENT] = _weeks_present(data, rs, joined, left)
    out[MESSAGES_PER_WEEK] = messages / out[WEEKS_PRESENT].to_numpy()

    started = engaged["conversations_started"].to_numpy()
    out[CONVERSATIONS_STARTED] = started
    out[CONVERSATION_SHARE] = started / max(1, started.sum())
    out[CONVERSATION_REPLIES] = engaged["conversation_replies"].to_numpy()
    out[REPLIES_DRAWN] = engaged["replies_drawn"].to_numpy()
    out[REPLIES_MADE] = engaged["replies_made"].to_numpy()
    out[PEOPLE_REACHED] = engaged["people_reached"].to_numpy()
    out[PEOPLE_ENGAGED] = _people_engaged(rs, k)

    def cls(name: str) -> np.ndarray:
        return m[name].fillna(False).to_numpy(bool) if name in m else np.zeros(len(m), bool)

    parent_author = rs.parent_author
    at_other = (parent_author >= 0) & (parent_author != author)
    question = cls(QUESTION)
    answers = at_other & question[np.where(rs.parent >= 0, rs.parent, 0)]
    objection = cls(OBJECTION)
    # Objections count where they dispute others: a critic's opening doubt (泼个冷水：…) disputes the
    # view in the air, a reply disputes a post in someone else's thread. A reply in a thread one
    # started oneself defends one's view (其实/但是 …): that is no objection.
    own_thread = (rs.parent >= 0) & (author[rs.root] == author)
    out[OBJECTIONS] = np.bincount(author[objection & ~own_thread], minlength=k)
    out[ANSWERS] = np.bincount(author[answers], minlength=k)
    # Answering questions is service, not debate: an expert critic's many answers must not hide
    # how much of the rest of what they say disputes others.
    out[OBJECTION_SHARE] = _share(out[OBJECTIONS].to_numpy(), messages - out[ANSWERS].to_numpy())
    drawn = objection & at_other & ~own_thread
    out[OBJECTIONS_DRAWN] = np.bincount(parent_author[drawn], minlength=k)
    out[QUESTIONS] = np.bincount(author[question], minlength=k)
    drew_reply = per_message["direct_replies"].to_numpy() > 0
    out[QUESTIONS_ANSWERED] = np.bincount(author[question & drew_reply], minlength=k)
    out[ANSWER_SHARE] = _share(out[ANSWERS].to_numpy(), messages)
    out[ANSWERS_OF_GROUP] = out[ANSWERS].to_numpy() / max(1, int(answers.sum()))

    seconds_of_day = (local.dt.hour * 3600 + local.dt.minute * 60 + local.dt.second).to_numpy()
    out[REGULARITY] = _regularity(author, seconds_of_day, messages, k, cfg.regularity_window_minutes)

    # Taken up by others.
    is_root = per_message[IS_ROOT].to_numpy(bool)
    out[AGREEMENT_DRAWN] = np.bincount(author, weights=per_message[ACKS_DRAWN].to_numpy(), minlength=k).astype(np.int64)
    out[MENTIONS_DRAWN] = _mentions_drawn(rs, k, cfg.bulk_mentions)
    out[QUESTIONS_DRAWN] = _questions_drawn(rs, question, k)
    out[ASKERS_ANSWERED] = _distinct_pairs(author[answers], parent_author[answers], k)
    # People who brought their own questions to them: a follow-up question on a thread one started
    # is the discussion being taken up (already counted there), not one's knowledge being sought.
    sought = answers & ~own_thread
    out[ASKERS_SOUGHT] = _distinct_pairs(author[sought], parent_author[sought], k)

    # Operators' posts: notices, knowledge cards, briefings and bracket-headed posts by their
    # form; recurring scripts (near-duplicates on several days) separately, since a member who
    # repeats his phrasing writes near-duplicates too: only their regular timing says "scheduled".
    headed = pc.fill_null(pc.match_substring_regex(text_array(m[S.TEXT]), _HEADED), False).to_numpy(zero_copy_only=False)
    notice = per_message[CONTENT_TYPE].isin(_NOTICE_TYPES).to_numpy() | headed
    out[NOTICES] = np.bincount(author[notice], minlength=k)
    out[NOTICE_REGULARITY] = _regularity(author[notice], seconds_of_day[notice], out[NOTICES].to_numpy(), k,
                                         cfg.regularity_window_minutes, usual_times=1)
    # A scripted question is a shill's way to stir the group (a recurring question on a schedule
    # makes a shill candidate, not an operator): only scripts that ask nothing count here.
    template = cls(OPERATOR_TEMPLATE) & ~question
    # A discussion: a post (no question, no answer to one, no notice or script) that two or more
    # others replied to, at any depth; whether it opened its thread does not matter (reply links
    # are often unsure about that).
    # Replies that are questions put to the member (@老李 请问…) are being sought out, not a discussion.
    discussants = _distinct_descendant_authors(rs, ~question)
    # Only a post that says something: chatter (哈哈, 笑死, a sticker) that draws chatter is no discussion.
    says = pc.fill_null(pc.utf8_length(text_array(own_words(m[S.TEXT]).str.replace(r"[\W_\d]+", "", regex=True))), 0) \
        .to_numpy(zero_copy_only=False) >= cfg.discussion_min_chars
    discussion = (discussants >= 2) & says & ~question & ~answers & ~notice \
        & ~(template & (out[REGULARITY].to_numpy()[author] >= cfg.scheduled_min_regularity))
    out[DISCUSSIONS] = np.bincount(author[discussion], minlength=k)
    out[TEMPLATE_POSTS] = np.bincount(author[template], minlength=k)
    out[TEMPLATE_REGULARITY] = _regularity(author[template], seconds_of_day[template], out[TEMPLATE_POSTS].to_numpy(),
                                           k, cfg.regularity_window_minutes, usual_times=1)

    # Shills: questions or topic starters at one clock time on many days, answered within minutes.
    starter = (question | (is_root & (per_message["direct_replies"].to_numpy() > 0))) & ~notice
    sched = _scheduled(author, seconds_of_day, day, starter, k, cfg.regularity_window_minutes)
    out[SCHEDULED_DAYS] = sched["days"]
    out[SCHEDULED_SHARE] = sched["share"]
    quick = _quick_answers(rs, sched["scheduled"], cfg.shill_answer_minutes * 60, k)
    out[QUICK_ANSWERED] = quick["answered"]
    out[ANSWERER_CONCENTRATION] = quick["concentration"]
    out[PARTNER_OF] = [rs.member_ids[p] if p >= 0 else None for p in quick["partner_of"]]
    out[PARTNER_DAYS] = quick["partner_days"]
    out[PARTNER_SHARE] = _share(quick["partner_messages"], messages)
    out[COORDINATION] = _coordination(m, author, rs.seconds, k, cfg)
    ad = cls(AD)
    out[AD_MESSAGES] = np.bincount(author[ad], minlength=k)
    out[AD_SHARE] = _share(out[AD_MESSAGES].to_numpy(), messages)
    with_url = pc.fill_null(pc.match_substring_regex(text_array(m[S.TEXT]), URL_PATTERN), False) \
        .to_numpy(zero_copy_only=False)
    link = (m[S.KIND].astype(object) == "link").to_numpy() | with_url
    out[LINK_SHARE] = _share(np.bincount(author[link], minlength=k), messages)
    welcoming = cls(GREETING) | m[S.TEXT].astype(object).fillna("").str.contains("欢迎").to_numpy(bool)
    out[WELCOMES] = _welcomes(rs, data.members, joined, welcoming, k, cfg.welcome_window_hours * 3600)
    out[BURST_SHARE] = _burst_share(rs, joined, messages, k, cfg.burst_days * 86400)
    out[POST_THEN_SILENCE] = _post_then_silence(data, rs, out[BURST_SHARE].to_numpy(), left, k,
                                                cfg.burst_days * 86400)

    infl = influence.set_index(S.MEMBER_ID)
    for col in INFLUENCE_COLUMNS:
        out[col] = ids.astype(str).map(infl[col]).to_numpy()
    return out


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, part / np.maximum(whole, 1), 0.0)


def _distinct_per_member(author: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    if not len(author):
        return np.zeros(k, np.int64)
    pairs = np.unique(np.stack([author, values.astype(np.int64)], axis=1), axis=0)
    return np.bincount(pairs[:, 0], minlength=k)


def _weeks_present(data: GroupData, rs: ReplyStructure, joined: pd.Series, left: pd.Series) -> np.ndarray:
    """Weeks each member was in the group during the period (at least one day's worth)."""
    if len(rs.seconds):
        first, last = rs.seconds.min(), rs.seconds.max()
    else:
        first = last = 0.0
    start = data.start.timestamp() if data.start else first
    end = data.end.timestamp() if data.end else last
    end = max(end, start + 86400)
    join_s = pd.Series(joined).map(lambda t: t.timestamp() if not pd.isna(t) else np.nan).to_numpy(float)
    left_s = pd.Series(left).map(lambda t: t.timestamp() if not pd.isna(t) else np.nan).to_numpy(float)
    lo = np.where(np.isnan(join_s), start, np.clip(join_s, start, end))
    hi = np.where(np.isnan(left_s), end, np.clip(left_s, start, end))
    # A member who spoke before their recorded join (an older export) was there then.
    if len(rs.author):
        firsts = np.full(len(rs.member_ids), np.inf)
        np.minimum.at(firsts, rs.author, rs.seconds)
        lo = np.minimum(lo, firsts)
    return np.maximum(hi - lo, 86400.0) / (7 * 86400)


def _people_engaged(rs: ReplyStructure, k: int) -> np.ndarray:
    """Distinct other members each member replied to, named, or was replied to or named by."""
    a = rs.author
    pa_ = rs.parent_author
    has = (pa_ >= 0) & (pa_ != a)
    src = np.concatenate([a[has], a[rs.mention_message] if len(rs.mention_message) else np.empty(0, np.int64)])
    dst = np.concatenate([pa_[has], rs.mention_member])
    keep = src != dst
    src, dst = src[keep], dst[keep]
    both = np.concatenate([src * (k + 1) + dst, dst * (k + 1) + src])
    pairs = np.unique(both)
    return np.bincount(pairs // (k + 1), minlength=k)


def _regularity(author: np.ndarray, seconds_of_day: np.ndarray, messages: np.ndarray, k: int,
                window_minutes: float, usual_times: int = 2) -> np.ndarray:
    """Share of each member's messages posted near one of their usual times of day (two, or one).

    A 5-minute histogram of times of day is summed over +-window (wrapping at midnight); the
    fullest window and the fullest one that does not overlap it are the two usual times.
    """
    if not len(author):
        return np.zeros(k)
    counts = np.bincount(author * _BINS + seconds_of_day // (_BIN_MINUTES * 60), minlength=k * _BINS)
    counts = counts.reshape(k, _BINS).astype(float)
    r = max(0, round(window_minutes / _BIN_MINUTES))
    windowed = sum(np.roll(counts, s, axis=1) for s in range(-r, r + 1))
    best = windowed.argmax(axis=1)
    top1 = windowed[np.arange(k), best]
    distance = np.abs(np.arange(_BINS)[None, :] - best[:, None])
    distance = np.minimum(distance, _BINS - distance)
    second = np.where(distance > 2 * r, windowed, 0.0).max(axis=1) if usual_times > 1 else 0.0
    return _share(top1 + second, messages)


def _text_signatures(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """128-bit sets of each text's character pairs (two uint64 words) and its length in letters
    and digits; texts are the sender's own words (no mentions or quotes), lower-cased."""
    words = own_words(texts).str.replace(r"[\W_]+", "", regex=True)
    lengths = words.str.len().to_numpy(np.int64)
    n = len(words)
    lo, hi = np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    if not n or lengths.sum() == 0:
        return np.stack([lo, hi], axis=1), lengths
    codes = np.frombuffer("".join(w + "\0" for w in words).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    pair = (codes[:-1] << np.uint64(21)) | codes[1:]
    owner = np.repeat(np.arange(n), lengths + 1)[:-1]
    valid = (codes[:-1] != 0) & (codes[1:] != 0)
    with np.errstate(over="ignore"):
        h = pair * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
    bit = (h >> np.uint64(57)).astype(np.int64)  # 0..127
    mask = np.left_shift(np.uint64(1), (bit & 63).astype(np.uint64))
    owner, bit, mask = owner[valid], bit[valid], mask[valid]
    low = bit < 64
    np.bitwise_or.at(lo, owner[low], mask[low])
    np.bitwise_or.at(hi, owner[~low], mask[~low])
    return np.stack([lo, hi], axis=1), lengths


def _coordination(m: pd.DataFrame, author: np.ndarray, seconds: np.ndarray, k: int, cfg: RolesConfig) -> np.ndarray:
    """Share of each member's messages that another account posted nearly the same text within
    ``coordination_window_minutes`` of (before or after)."""
    n = len(author)
    if n < 2:
        return np.zeros(k)
    sig, lengths = _text_signatures(m[S.TEXT])
    eligible = lengths >= cfg.near_duplicate_min_chars
    window = cfg.coordination_window_minutes * 60
    duplicate = np.zeros(n, bool)
    idx = np.flatnonzero(eligible)
    if len(idx) >= 2:
        s_sig, s_sec, s_author = sig[idx], seconds[idx], author[idx]
        for lag in range(1, min(_MAX_LAG, len(idx))):
            near = s_sec[lag:] - s_sec[:-lag] <= window
            if not near.any():
                break
            i = np.flatnonzero(near & (s_author[lag:] != s_author[:-lag]))
            if not len(i):
                continue
            a, b = s_sig[i], s_sig[i + lag]
            inter = np.bitwise_count(a & b).sum(axis=1)
            union = np.bitwise_count(a | b).sum(axis=1)
            similar = inter >= cfg.near_duplicate_similarity * np.maximum(union, 1)
            duplicate[idx[i[similar]]] = True
            duplicate[idx[i[similar] + lag]] = True
    messages = np.bincount(author, minlength=k)
    return _share(np.bincount(author[duplicate], minlength=k), messages)


def _welcomes(rs: ReplyStructure, members: pd.DataFrame, joined: pd.Series, welcoming: np.ndarray, k: int,
              window: float) -> np.ndarray:
    """Messages per member that greet someone who joined within ``window`` seconds, naming them
    with an @-mention or in the text (欢迎新朋友小林)."""
    join_s = pd.Series(joined).map(lambda t: t.timestamp() if not pd.isna(t) else np.nan).to_numpy(float)
    hit_messages: list[np.ndarray] = []
    if len(rs.mention_message):
        mm, mc = rs.mention_message, rs.mention_member
        age = rs.seconds[mm] - join_s[mc]
        hit = welcoming[mm] & (age >= -60) & (age <= window) & (rs.author[mm] != mc)
        hit_messages.append(mm[hit])
    # Names in the text: the newcomers of the window before each welcoming message.
    joiners = np.flatnonzero(~np.isnan(join_s))
    candidates = np.flatnonzero(welcoming)
    if len(joiners) and len(candidates):
        names_of = _member_names(members, rs.member_ids)
        joiners = joiners[np.argsort(join_s[joiners], kind="stable")]
        times = join_s[joiners]
        texts = rs.messages[S.TEXT].astype(object).fillna("").to_numpy()
        found = []
        for i in candidates:
            lo = np.searchsorted(times, rs.seconds[i] - window, side="left")
            hi = np.searchsorted(times, rs.seconds[i] + 60, side="right")
            text = texts[i]
            for j in joiners[lo:hi]:
                if j != rs.author[i] and any(len(n) >= 2 and n in text for n in names_of[j]):
                    found.append(i)
                    break
        hit_messages.append(np.asarray(found, np.int64))
    if not hit_messages:
        return np.zeros(k, np.int64)
    messages = np.unique(np.concatenate(hit_messages))
    return np.bincount(rs.author[messages], minlength=k)


def _member_names(members: pd.DataFrame, member_ids: np.ndarray) -> list[tuple[str, ...]]:
    """Every name each member (``member_ids`` order) was seen under."""
    by_id: dict[object, set[str]] = {}
    if len(members):
        for mid, name, seen in zip(members[S.MEMBER_ID], members[S.NAME], members[S.NAMES_SEEN]):
            names = {name} if isinstance(name, str) else set()
            for entry in seen if seen is not None else ():
                if entry and isinstance(entry.get(S.NAME), str):
                    names.add(entry[S.NAME])
            by_id[mid] = names
    return [tuple(sorted(by_id.get(mid, ()))) for mid in member_ids]


def _distinct_descendant_authors(rs: ReplyStructure, counted: np.ndarray) -> np.ndarray:
    """Per message: distinct other members with a ``counted`` reply below it (any depth)."""
    anc, desc = rs.ancestor, rs.descendant
    keep = counted[desc] & (rs.author[desc] != rs.author[anc])
    k1 = np.int64(len(rs.member_ids) + 1)
    pairs = np.unique(anc[keep] * k1 + rs.author[desc[keep]])
    return np.bincount(pairs // k1, minlength=len(rs))


def _mentions_drawn(rs: ReplyStructure, k: int, bulk: int) -> np.ndarray:
    """@-mentions of each member by others, leaving out bulk mentions (a welcome naming five)."""
    mm, mc = rs.mention_message, rs.mention_member
    if not len(mm):
        return np.zeros(k, np.int64)
    per_msg = np.bincount(mm, minlength=len(rs))
    keep = (per_msg[mm] <= bulk) & (rs.author[mm] != mc)
    return np.bincount(mc[keep], minlength=k)


def _questions_drawn(rs: ReplyStructure, question: np.ndarray, k: int) -> np.ndarray:
    """Others' questions put to each member: replying to one of their messages, or @-naming them."""
    pa_ = rs.parent_author
    to_parent = question & (pa_ >= 0) & (pa_ != rs.author)
    pairs = [np.flatnonzero(to_parent) * np.int64(k + 1) + pa_[to_parent]]
    if len(rs.mention_message):
        mm, mc = rs.mention_message, rs.mention_member
        keep = question[mm] & (rs.author[mm] != mc)
        pairs.append(mm[keep] * np.int64(k + 1) + mc[keep])
    unique = np.unique(np.concatenate(pairs))  # a question that replies to and names one member counts once
    return np.bincount(unique % (k + 1), minlength=k)


def _distinct_pairs(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Per member of ``a``: the distinct members of ``b`` paired with them."""
    if not len(a):
        return np.zeros(k, np.int64)
    pairs = np.unique(a * np.int64(k + 1) + b)
    return np.bincount(pairs // (k + 1), minlength=k)


def _scheduled(author: np.ndarray, seconds_of_day: np.ndarray, day: np.ndarray, starter: np.ndarray, k: int,
               window_minutes: float) -> dict[str, np.ndarray]:
    """Each member's questions and topic starters at their usual clock time.

    The usual time is the fullest +-window of a 5-minute histogram of the times of day of their
    starters (wrapping at midnight). Returns ``scheduled`` (per message: a starter at its
    author's usual time), ``days`` (distinct days with one) and ``share`` (of their starters).
    """
    n = len(author)
    scheduled = np.zeros(n, bool)
    idx = np.flatnonzero(starter)
    if not len(idx):
        return {"scheduled": scheduled, "days": np.zeros(k, np.int64), "share": np.zeros(k)}
    a, bins = author[idx], seconds_of_day[idx] // (_BIN_MINUTES * 60)
    counts = np.bincount(a * _BINS + bins, minlength=k * _BINS).reshape(k, _BINS).astype(float)
    r = max(0, round(window_minutes / _BIN_MINUTES))
    windowed = sum(np.roll(counts, s, axis=1) for s in range(-r, r + 1))
    best = windowed.argmax(axis=1)
    distance = np.abs(bins - best[a])
    distance = np.minimum(distance, _BINS - distance)
    near = distance <= r
    scheduled[idx[near]] = True
    days = _distinct_per_member(a[near], day[idx][near], k)
    total = np.bincount(a, minlength=k)
    return {"scheduled": scheduled, "days": days, "share": _share(np.bincount(a[near], minlength=k), total)}


def _quick_answers(rs: ReplyStructure, scheduled: np.ndarray, window: float, k: int) -> dict[str, np.ndarray]:
    """Who answers each member's scheduled starters within ``window`` seconds.

    ``answered``: share of a member's scheduled starters that someone else replied to within the
    window; ``concentration``: share of those whose first such reply came from the member's two
    most frequent first repliers. Per answering member: ``partner_of`` (the member whose
    scheduled starters they first-answered most, -1 if none), ``partner_days`` (days they did)
    and ``partner_messages`` (how many such replies they made).
    """
    author = rs.author
    has = rs.parent >= 0
    child = np.flatnonzero(has)
    par = rs.parent[child]
    ok = scheduled[par] & (author[child] != author[par]) & (rs.seconds[child] - rs.seconds[par] <= window)
    child, par = child[ok], par[ok]
    n = len(author)
    first = np.full(n, n, np.int64)
    np.minimum.at(first, par, child)
    sched = np.flatnonzero(scheduled)
    got = first[sched] < n
    per_member = np.bincount(author[sched], minlength=k)
    answered = _share(np.bincount(author[sched[got]], minlength=k), per_member)
    # Concentration: first repliers of each asker's scheduled starters.
    asker = author[sched[got]]
    replier = author[first[sched[got]]]
    concentration = np.zeros(k)
    partner_of = np.full(k, -1, np.int64)
    partner_days = np.zeros(k, np.int64)
    partner_messages = np.zeros(k, np.int64)
    if len(asker):
        pairs = pd.DataFrame({"asker": asker, "replier": replier, "day": (rs.seconds[first[sched[got]]] // 86400)})
        counts = pairs.groupby(["asker", "replier"]).size().rename("n").reset_index()
        counts = counts.sort_values(["asker", "n", "replier"], ascending=[True, False, True], kind="stable")
        top2 = counts.groupby("asker").head(2).groupby("asker")["n"].sum()
        all_ = counts.groupby("asker")["n"].sum()
        concentration[top2.index.to_numpy()] = (top2 / all_).to_numpy()
        # Per replier: the asker they first-answer most, and on how many days.
        days = pairs.groupby(["replier", "asker"])["day"].nunique().rename("days").reset_index()
        days = days.sort_values(["replier", "days", "asker"], ascending=[True, False, True], kind="stable")
        best = days.groupby("replier").head(1)
        partner_of[best["replier"].to_numpy()] = best["asker"].to_numpy()
        partner_days[best["replier"].to_numpy()] = best["days"].to_numpy()
        msgs = pairs.merge(best[["replier", "asker"]], on=["replier", "asker"]).groupby("replier").size()
        partner_messages[msgs.index.to_numpy()] = msgs.to_numpy()
    return {"answered": answered, "concentration": concentration, "partner_of": partner_of,
            "partner_days": partner_days, "partner_messages": partner_messages}


def _post_then_silence(data: GroupData, rs: ReplyStructure, burst_share: np.ndarray, left: pd.Series, k: int,
                       span: float) -> np.ndarray:
    """Members who said most of what they said right after joining and then left, or have said
    nothing for ``span`` seconds before the period's end."""
    last = np.full(k, -np.inf)
    if len(rs.author):
        np.maximum.at(last, rs.author, rs.seconds)
    end = data.end.timestamp() if data.end else (rs.seconds.max() if len(rs.seconds) else 0.0)
    gone = pd.Series(left).notna().to_numpy()
    return (burst_share >= 0.5) & (gone | (end - last >= span))


def _burst_share(rs: ReplyStructure, joined: pd.Series, messages: np.ndarray, k: int, span: float) -> np.ndarray:
    """Share of each member's messages sent within ``span`` seconds of their joining."""
    join_s = pd.Series(joined).map(lambda t: t.timestamp() if not pd.isna(t) else np.nan).to_numpy(float)
    since = rs.seconds - join_s[rs.author]
    early = (since >= -60) & (since <= span)
    return _share(np.bincount(rs.author[early], minlength=k), messages)

