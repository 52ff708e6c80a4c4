"""From a member's figures to one role and a set of tags (DOMAIN.md's key-person rule).

Roles: ``thinker`` starts the discussions others take up; ``critic`` disputes others' points;
``onlooker`` follows and speaks now and then; ``silent`` does not speak at all (or next to
nothing). Tags: ``kol``, ``operator``, ``shill``, ``advertiser``, ``newcomer``, ``left``.

Learning helps with one thing the thresholds cannot say in absolute terms: what "active" means
in this group. A k-means split (scikit-learn, fixed seed) of the speakers' messages per week,
on a log scale, gives activity tiers; only speakers above the lowest tier can be thinkers, the
few who carry the group's discussions. (Critics need no such activity: one who says little but
mostly disputes others is a critic all the same.) The rest are
documented thresholds from ``[roles]`` in grouplens.toml (see ``config.RolesConfig``).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from ..config import RolesConfig
from . import features as F

THINKER, CRITIC, ONLOOKER, SILENT = "thinker", "critic", "onlooker", "silent"
ROLES: tuple[str, ...] = (THINKER, CRITIC, ONLOOKER, SILENT)
KOL, OPERATOR, SHILL, ADVERTISER, NEWCOMER, LEFT = "kol", "operator", "shill", "advertiser", "newcomer", "left"
TAGS: tuple[str, ...] = (KOL, OPERATOR, SHILL, ADVERTISER, NEWCOMER, LEFT)
STAFF_ROLES = frozenset({"owner", "admin"})

ROLE = "role"
TAGS_COLUMN = "tags"
ACTIVITY_TIER = "activity_tier"  # 0 = least active speakers ... tiers-1 = most active; -1 for non-speakers


def activity_tiers(messages_per_week: np.ndarray, speaks: np.ndarray, config: RolesConfig) -> np.ndarray:
    """Each speaker's activity tier (0 = lowest) from k-means on log(1 + messages per week);
    -1 for members who do not speak. Tiers are numbered by their centres, so the numbering is
    the same in every run."""
    from sklearn.cluster import KMeans

    tiers = np.full(len(messages_per_week), -1, np.int64)
    rate = np.log1p(np.asarray(messages_per_week, float)[speaks])
    distinct = len(np.unique(np.round(rate, 9)))
    k = min(config.activity_tiers, distinct)
    if k < 2:
        tiers[speaks] = config.activity_tiers - 1 if distinct else -1
        return tiers
    model = KMeans(n_clusters=k, n_init=10, random_state=config.seed).fit(rate.reshape(-1, 1))
    order = np.argsort(model.cluster_centers_.ravel(), kind="stable")
    rank = np.empty(k, np.int64)
    rank[order] = np.arange(k)
    # With fewer distinct rates than tiers, the top cluster is still the top tier.
    tiers[speaks] = rank[model.labels_] + (config.activity_tiers - k)
    return tiers


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, part / np.maximum(whole, 1), 0.0)


def classify_members(features: pd.DataFrame, period_end: datetime | None, config: RolesConfig | None = None
                     ) -> pd.DataFrame:
    """Role, tags and activity tier of every member in ``features`` (``features.member_features``).

    Returns a frame index-aligned with ``features``: role, tags (a sorted list) and activity_tier.
    """
    cfg = config or RolesConfig()
    f = features
    n = len(f)
    messages = f[F.MESSAGES].to_numpy()
    speaks = messages > cfg.silent_max_messages
    staff = f[F.LIST_ROLE].isin(STAFF_ROLES).to_numpy()
    tier = activity_tiers(f[F.MESSAGES_PER_WEEK].to_numpy(), speaks, cfg)
    candidate = speaks & (tier > tier[speaks].min() if speaks.any() else False)

    started = f[F.CONVERSATIONS_STARTED].to_numpy()
    share = f[F.CONVERSATION_SHARE].to_numpy()
    objections = f[F.OBJECTIONS].to_numpy()
    objection_share = f[F.OBJECTION_SHARE].to_numpy()
    drawn = f[F.OBJECTIONS_DRAWN].to_numpy()
    thinker_like = candidate & (started >= cfg.thinker_min_conversations) & (share >= cfg.thinker_min_share)
    critic_like = speaks & (objections >= cfg.critic_min_objections) & \
        (objection_share >= cfg.critic_min_objection_share)
    # Both at once: whoever draws more objections than they make is the one being argued with.
    thinker = thinker_like & (~critic_like | (drawn >= objections))
    critic = critic_like & ~thinker

    role = np.where(thinker, THINKER, np.where(critic, CRITIC, np.where(speaks | staff, ONLOOKER, SILENT)))

    regular = f[F.REGULARITY].to_numpy() >= cfg.scheduled_min_regularity
    coordinated = f[F.COORDINATION].to_numpy() >= cfg.shill_min_coordination
    enough = messages >= cfg.shill_min_messages
    ad_share = f[F.AD_SHARE].to_numpy()
    has_ads = f[F.AD_MESSAGES].to_numpy() > 0
    post_then_silence = f[F.POST_THEN_SILENCE].to_numpy(bool)
    link_share = f[F.LINK_SHARE].to_numpy()
    # Ads by their words; or a hit-and-run account: ads or links right after joining, then gone.
    advertiser = (has_ads & (ad_share >= cfg.advertiser_min_ad_share)) \
        | (post_then_silence & ((has_ads & (ad_share >= cfg.advertiser_burst_ad_share))
                                | (link_share >= cfg.advertiser_min_link_share)))
    # Shills post at set times and stir activity together: echoing each other's lines, or asking
    # questions that others then answer.
    answered = f[F.QUESTIONS_ANSWERED].to_numpy()
    asked_and_answered = (answered >= cfg.shill_min_messages) \
        & (_share(answered, messages) >= cfg.shill_min_answered_questions)
    shill = enough & regular & (coordinated | asked_and_answered) & ~staff & ~advertiser
    key = np.isin(role, (THINKER, CRITIC))
    template_share = f[F.TEMPLATE_SHARE].to_numpy()
    scripted = regular & ~coordinated & (template_share >= cfg.operator_min_template_share) \
        & (template_share * messages >= cfg.operator_min_template_posts - 1e-9)
    operator = ((staff & ~key) | (f[F.WELCOMES].to_numpy() >= max(1, cfg.operator_min_welcomes)) | scripted) \
        & ~advertiser & ~shill

    # Opinion leaders: influential, and sought out for what they know (credibility).
    influence = f[F.INFLUENCE].fillna(0.0).to_numpy()
    answers, answer_share = f[F.ANSWERS].to_numpy(), f[F.ANSWER_SHARE].to_numpy()
    group_answer_share = answers.sum() / max(1, messages.sum())  # how much of this group's talk answers
    # Sought out: answers make up a good part of what they say, or, for a leader who also talks a
    # lot about everything else, they give a large share of all the answers the group gets.
    sought_out = ((answer_share >= cfg.kol_min_answer_share)
                  & (answer_share >= cfg.kol_min_answer_ratio * group_answer_share)) \
        | (f[F.ANSWERS_OF_GROUP].to_numpy() >= cfg.kol_min_answers_of_group)
    kol = speaks & (influence >= cfg.kol_min_influence) & (f[F.SOURCES].fillna(0).to_numpy() >= cfg.kol_min_sources) \
        & (answers >= cfg.kol_min_answers) & sought_out & ~operator & ~shill & ~advertiser

    newcomer = np.zeros(n, bool)
    if period_end is not None:
        joined = pd.to_datetime(f[F.JOINED_AT], utc=True)
        cutoff = pd.Timestamp(period_end) - pd.Timedelta(days=cfg.newcomer_days)
        newcomer = (joined >= cutoff).fillna(False).to_numpy(bool)
    left = f[F.LEFT_AT].notna().to_numpy()

    flags = {KOL: kol, OPERATOR: operator, SHILL: shill, ADVERTISER: advertiser, NEWCOMER: newcomer, LEFT: left}
    tags = [[t for t in TAGS if flags[t][i]] for i in range(n)]
    return pd.DataFrame({ROLE: role, TAGS_COLUMN: tags, ACTIVITY_TIER: tier}, index=f.index)
