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

from .. import schema as S
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
THINKER_OUTLIER = "thinker_outlier"  # robust z of discussions started, among the group's ordinary speakers
KOL_OUTLIER = "kol_outlier"  # people who turned to them, relative to the group's ordinary speakers
KOL_TOP_RATIO = "kol_top_ratio"  # influence / the highest such influence in the group
GROUP_DISCUSSIONS = "group_discussions"  # discussions (2+ others joined) started by such speakers
KOL_ASKERS_OUTLIER = "kol_askers_outlier"  # askers who sought their answers, relative to the group's ordinary speakers
KOL_ASKERS_RATIO = "kol_askers_ratio"  # askers who sought their answers / the most any ordinary speaker had
KOL_BASIS = "kol_basis"  # "top": most influential ordinary speaker; "near_top": close to it; "outlier": turned to by
# many; "answers": the one many different askers got their answers from
SHILL_BASIS = "shill_basis"  # "scheduled" starters, "partner" of a scheduled asker, "coordinated" echoes; else null
OPERATOR_BASIS = "operator_basis"  # what made an operator one: list, welcomes, notices, scripted


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


def outlier_scores(values: np.ndarray, among: np.ndarray, quantile: float) -> np.ndarray:
    """Each member's ``values`` relative to the group: divided by the ``quantile`` of the values of
    the members in ``among`` (floored at 1, so a group where nearly everyone has 0 still works).
    5.0 means five times what the 90th-percentile ordinary member has. 0 for everyone when
    ``among`` is empty."""
    x = np.maximum(np.asarray(values, float), 0.0)
    if not among.any():
        return np.zeros(len(x))
    return x / max(1.0, float(np.quantile(x[among], quantile)))


def classify_members(features: pd.DataFrame, period_end: datetime | None, config: RolesConfig | None = None
                     ) -> pd.DataFrame:
    """Role, tags and activity tier of every member in ``features`` (``features.member_features``).

    Returns a frame index-aligned with ``features``: role, tags (a sorted list), activity_tier,
    and the group-relative scores the role and KOL tests read (``THINKER_OUTLIER``,
    ``KOL_OUTLIER``, ``KOL_TOP_RATIO``) plus whether the group has real discussion
    (``GROUP_DISCUSSIONS``, the same on every row).
    """
    cfg = config or RolesConfig()
    f = features
    n = len(f)
    messages = f[F.MESSAGES].to_numpy()
    speaks = messages > cfg.silent_max_messages
    staff = f[F.LIST_ROLE].isin(STAFF_ROLES).to_numpy()
    tier = activity_tiers(f[F.MESSAGES_PER_WEEK].to_numpy(), speaks, cfg)
    candidate = speaks & (tier > tier[speaks].min() if speaks.any() else False)

    # --- function accounts first: they decide who can be a KOL ---------------------------------
    ad_share = f[F.AD_SHARE].to_numpy()
    has_ads = f[F.AD_MESSAGES].to_numpy() > 0
    post_then_silence = f[F.POST_THEN_SILENCE].to_numpy(bool)
    link_share = f[F.LINK_SHARE].to_numpy()
    # Ads by their words; or a hit-and-run account: ads or links right after joining, then gone.
    advertiser = (has_ads & (ad_share >= cfg.advertiser_min_ad_share)) \
        | (post_then_silence & ((has_ads & (ad_share >= cfg.advertiser_burst_ad_share))
                                | (link_share >= cfg.advertiser_min_link_share)))

    notices = f[F.NOTICES].to_numpy()
    welcomes = f[F.WELCOMES].to_numpy()
    notice_poster = (notices >= max(1, cfg.operator_min_notices)) \
        & ((f[F.NOTICE_REGULARITY].to_numpy() >= cfg.scheduled_min_regularity)
           | (_share(notices, messages) >= cfg.operator_min_notice_share))
    # Lines echoed by other accounts within minutes: coordination, which no operator's script has.
    coordinated = (f[F.COORDINATION].to_numpy() >= cfg.shill_min_coordination) \
        & (f[F.REGULARITY].to_numpy() >= cfg.scheduled_min_regularity) & (messages >= cfg.shill_min_messages)
    # A script at fixed times: near-identical posts on several days at about one time of day
    # (near-duplicate wording alone is no evidence: a member may repeat his phrasing).
    scripted = (f[F.TEMPLATE_POSTS].to_numpy() >= max(1, cfg.operator_min_notices)) \
        & (f[F.TEMPLATE_REGULARITY].to_numpy() >= cfg.scheduled_min_regularity) & ~coordinated
    host = (welcomes >= max(1, cfg.operator_min_welcomes)) | notice_poster

    # Shills: the same kind of starter at one clock time on many days, answered within minutes by
    # the same one or two accounts; or lines echoed by other accounts at fixed times.
    scheduled = (f[F.SCHEDULED_DAYS].to_numpy() >= cfg.shill_min_days) \
        & (f[F.SCHEDULED_SHARE].to_numpy() >= cfg.shill_min_scheduled_share) \
        & (f[F.QUICK_ANSWERED].to_numpy() >= cfg.shill_min_quick_answers) \
        & (f[F.ANSWERER_CONCENTRATION].to_numpy() >= cfg.shill_min_concentration)
    # Ordinary accounts: not on the member list as staff, not welcoming or posting notices, no ads.
    # (A scripted account may still be a shill's partner: its "script" answers the shill's questions.)
    ordinary = ~staff & ~host & ~advertiser
    asker = ordinary & scheduled & ~scripted
    shill = asker | (ordinary & ~scripted & coordinated)
    ids = f[S.MEMBER_ID].astype(str).to_numpy()
    shill_ids = set(ids[asker])
    partner_of = f[F.PARTNER_OF].to_numpy(dtype=object)
    partner = ordinary & np.array([p is not None and str(p) in shill_ids for p in partner_of], bool) \
        & (f[F.PARTNER_DAYS].to_numpy() >= cfg.shill_min_days) \
        & (f[F.PARTNER_SHARE].to_numpy() >= cfg.shill_partner_min_share)
    shill |= partner
    function_account = host | (scripted & ~shill)
    shill_basis = np.where(asker, "scheduled", np.where(partner, "partner", np.where(shill, "coordinated", None)))

    # --- roles ---------------------------------------------------------------------------------
    objections = f[F.OBJECTIONS].to_numpy()
    objection_share = f[F.OBJECTION_SHARE].to_numpy()
    drawn = f[F.OBJECTIONS_DRAWN].to_numpy()
    people = speaks & ~advertiser & ~shill & ~function_account & ~staff
    discussions = f[F.DISCUSSIONS].to_numpy()
    thinker_z = outlier_scores(discussions, people, cfg.outlier_quantile)
    discussion_share = discussions / max(1, int(discussions[people].sum()))
    thinker_like = candidate & ~function_account & (discussions >= cfg.thinker_min_discussions) \
        & ((discussion_share >= cfg.thinker_min_share) | (thinker_z >= cfg.thinker_min_outlier))
    critic_like = speaks & (objections >= cfg.critic_min_objections) & \
        (objection_share >= cfg.critic_min_objection_share)
    # Both at once: whoever draws more objections than they make is the one being argued with.
    thinker = thinker_like & (~critic_like | (drawn >= objections))
    critic = critic_like & ~thinker

    role = np.where(thinker, THINKER, np.where(critic, CRITIC, np.where(speaks | staff, ONLOOKER, SILENT)))
    key = np.isin(role, (THINKER, CRITIC))
    operator = ((staff & ~key) | function_account) & ~advertiser & ~shill

    # --- opinion leaders: whose posts others take up, relative to the group ----------------------
    influence = f[F.INFLUENCE].fillna(0.0).to_numpy()
    eligible = speaks & ~operator & ~shill & ~advertiser
    # Being turned to by many different people (replied to, @-named, asked, answered).
    kol_z = outlier_scores(f[F.SOURCES].fillna(0).to_numpy(), eligible, cfg.outlier_quantile)
    top = float(influence[eligible].max()) if eligible.any() else 0.0
    top_ratio = influence / top if top > 0 else np.zeros(n)
    group_discussions = int(f[F.DISCUSSIONS].to_numpy()[eligible].sum())
    sought = f[F.SOURCES].fillna(0).to_numpy() >= cfg.kol_min_sources
    is_top = top_ratio >= 1.0 - 1e-12  # (two members tied at the top are both "top")
    near_top = top_ratio >= cfg.kol_near_top_ratio
    turned_to = (kol_z >= cfg.kol_min_outlier) & (top_ratio >= cfg.kol_min_top_ratio)
    # "Gives many answers" is one form of being turned to: the member whose answers many different
    # askers got, far more than the group's ordinary speakers and near the most anyone answered.
    # Only askers who brought their own questions count: follow-ups in a thread the member started
    # are that discussion being taken up, which the tests above already weigh.
    askers = f[F.ASKERS_SOUGHT].fillna(0).to_numpy()
    askers_z = outlier_scores(askers, eligible, cfg.outlier_quantile)
    most_askers = float(askers[eligible].max()) if eligible.any() else 0.0
    askers_ratio = askers / most_askers if most_askers > 0 else np.zeros(n)
    answerer = (askers_z >= cfg.kol_min_askers_outlier) & (askers_ratio >= cfg.kol_min_askers_ratio)
    kol = eligible & sought & (group_discussions >= cfg.kol_min_discussions) \
        & (is_top | near_top | turned_to | answerer)
    if kol.sum() > cfg.kol_max:
        order = np.lexsort((ids, -influence))
        keep = order[kol[order]][:cfg.kol_max]
        kol = np.zeros(n, bool)
        kol[keep] = True

    newcomer = np.zeros(n, bool)
    if period_end is not None:
        joined = pd.to_datetime(f[F.JOINED_AT], utc=True)
        cutoff = pd.Timestamp(period_end) - pd.Timedelta(days=cfg.newcomer_days)
        newcomer = (joined >= cutoff).fillna(False).to_numpy(bool)
    left = f[F.LEFT_AT].notna().to_numpy()

    flags = {KOL: kol, OPERATOR: operator, SHILL: shill, ADVERTISER: advertiser, NEWCOMER: newcomer, LEFT: left}
    tags = [[t for t in TAGS if flags[t][i]] for i in range(n)]
    return pd.DataFrame({ROLE: role, TAGS_COLUMN: tags, ACTIVITY_TIER: tier, THINKER_OUTLIER: thinker_z,
                         KOL_OUTLIER: kol_z, KOL_TOP_RATIO: top_ratio, KOL_ASKERS_OUTLIER: askers_z,
                         KOL_ASKERS_RATIO: askers_ratio, GROUP_DISCUSSIONS: np.full(n, group_discussions, np.int64),
                         KOL_BASIS: np.where(kol, np.where(is_top, "top", np.where(
                             near_top, "near_top", np.where(turned_to, "outlier", "answers"))), None),
                         SHILL_BASIS: shill_basis, OPERATOR_BASIS: _operator_basis(operator, staff, key, welcomes, cfg,
                                                                                   notice_poster, scripted)},
                        index=f.index)


def _operator_basis(operator: np.ndarray, staff: np.ndarray, key: np.ndarray, welcomes: np.ndarray, cfg: RolesConfig,
                    notice_poster: np.ndarray, scripted: np.ndarray) -> list[list[str]]:
    """What made each operator one: ``list`` (owner/admin on the member list), ``welcomes``,
    ``notices``, ``scripted``; empty for everyone else."""
    out = []
    for i in range(len(operator)):
        if not operator[i]:
            out.append([])
            continue
        basis = []
        if staff[i] and not key[i]:
            basis.append("list")
        if welcomes[i] >= max(1, cfg.operator_min_welcomes):
            basis.append("welcomes")
        if notice_poster[i]:
            basis.append("notices")
        if scripted[i]:
            basis.append("scripted")
        out.append(basis)
    return out
