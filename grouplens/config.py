"""The user's settings file, ``grouplens.toml``, read into a tree of frozen dataclasses.

Every section is one frozen dataclass whose fields are the section's keys, with their
defaults. ``Config`` lists the sections: a field whose type is a dataclass is a ``[section]``;
a field typed ``Mapping[str, SomeDataclass]`` is a family of ``[section.<name>]`` tables.
To add a section, write its dataclass and add one line to ``Config``; the loader finds it by
the type hints and checks and converts the file's values against them.

Rules the loader enforces, so that a typo never silently does nothing:

- an unknown key inside a section is an error naming the file, the section and the key;
- an unknown *section* is an error too. Operators edit this file by hand, and a misspelt
  ``[clases.ad]`` that was quietly ignored would leave an ad rule unapplied with no sign.
  (The price: a file written for a newer grouplens fails on an older one, with a message
  that names the section.)
- a value of the wrong type is an error naming the key and the type expected;
- malformed TOML is an error naming the file and line.

Relative paths in the file are taken relative to the file's own folder.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError
from .lazy import lazy

schema = lazy("grouplens.schema")  # pyarrow, loaded when a setting is checked (not for --help)

CONFIG_FILE_NAME = "grouplens.toml"
# The time zone exports' wall-clock times are read in and days and weeks are counted in, unless
# ``[time] tz`` or ``--tz`` says otherwise: the one place this default is written.
DEFAULT_TZ = "Asia/Shanghai"
# The store a command uses without --store: $GROUPLENS_STORE, else ./grouplens-store.
STORE_ENV = "GROUPLENS_STORE"
DEFAULT_STORE = "grouplens-store"

# Names of [classes.<name>] tables become DataFrame column names, so they must be identifiers.
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ConfigValueError(ValueError):
    """Raised by a section's ``__post_init__`` when a value is out of range; names the key."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def _check_patterns(key: str, patterns: tuple[str, ...]) -> None:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise ConfigValueError(key, f"{p!r} is not a valid regular expression ({e})") from None


def parse_zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (``Asia/Shanghai``, ``UTC``); a UsageError in one line
    when there is none. The CLI's ``--tz`` and the ``[time] tz`` setting both pass through here."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai, "
                         "Europe/Berlin or UTC") from None


DEFAULT_ZONE = parse_zone(DEFAULT_TZ)


def zone_or_default(tz: ZoneInfo | None, config: Config | None = None) -> ZoneInfo:
    """``tz``, else the ``[time] tz`` of ``config`` (else the default). The library takes time
    zones as ``ZoneInfo`` only: names are parsed once, at the edge (``parse_zone``)."""
    if tz is None:
        return config.time.zone if config is not None else DEFAULT_ZONE
    if not isinstance(tz, ZoneInfo):
        raise TypeError(f"tz must be a zoneinfo.ZoneInfo, not {type(tz).__name__} (parse a name with "
                        "grouplens.config.parse_zone)")
    return tz


# --- sections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeConfig:
    """``[time]``: the time zone of exports' local times and of days, weeks and hours.

    Attributes:
        tz: an IANA name. Exports without offsets (most of them) are read in it, and reports
            count days, ISO weeks and hours of the day in it, as does the detection of scripted
            posts that recur at the same time (``[templates]``). ``--tz`` overrides it.
    """

    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        try:
            parse_zone(self.tz)
        except UsageError as e:
            raise ConfigValueError("tz", str(e)) from None

    @property
    def zone(self) -> ZoneInfo:
        return parse_zone(self.tz)


@dataclass(frozen=True)
class TextConfig:
    """``[text]``: how message texts are cut into words.

    Attributes:
        stopwords_extra: words to drop in addition to the built-in stop-word list.
        stopwords_file: a UTF-8 file of further stop words, one a line (``#`` comments).
        builtin_stopwords: use grouplens' own Chinese+English chat stop-word list.
        user_dict: a jieba-format user dictionary (``word [freq] [tag]`` a line), for the
            group's own vocabulary: product names, course names, drug names.
        user_words: words that must never be split, e.g. ``["认知行为治疗", "群公告"]``.
    """

    stopwords_extra: tuple[str, ...] = ()
    stopwords_file: Path | None = None
    builtin_stopwords: bool = True
    user_dict: Path | None = None
    user_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassConfig:
    """``[classes.<name>]``: extend, override, disable or add a message class.

    For a built-in class (question, ad, ...) the lists *extend* its built-in rule, unless
    ``replace = true``, which puts them in its place. A name that is not built in adds a new
    class, which needs ``keywords`` or ``patterns``. Keywords are literal text; patterns are
    Python regular expressions; both match case-insensitively anywhere in a message.

    Attributes:
        enabled: false drops the class: its column is left out of ``classify_messages``.
        replace: the lists below replace the built-in ones instead of adding to them.
        keywords, patterns: any one of them is enough for a message to be in the class.
        weak_keywords, weak_patterns: count only when a ``context_patterns`` match (or a
            ``context_kinds`` kind) is also present, e.g. 优惠 counts as an ad only beside a
            link, QR code, phone number or WeChat id.
        context_patterns: what makes the weak words count.
        context_kinds: message kinds that make the weak words count by themselves (``link``).
        exclude_keywords, exclude_patterns: phrases that look like the class but are not
            (不同意 is no agreement, 根治术 no risky claim). Matching text is blanked out
            before the rule is tried, so the message may still match on something else.
        kinds: message kinds the class applies to (default: the class's built-in choice,
            ``["text"]`` for a new class).
        description: a sentence for reports and ``--help``.
    """

    enabled: bool = True
    replace: bool = False
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    weak_keywords: tuple[str, ...] = ()
    weak_patterns: tuple[str, ...] = ()
    context_patterns: tuple[str, ...] = ()
    context_kinds: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    kinds: tuple[str, ...] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        for name in ("patterns", "weak_patterns", "context_patterns", "exclude_patterns"):
            _check_patterns(name, getattr(self, name))
        for name in ("kinds", "context_kinds"):
            unknown = sorted(set(getattr(self, name) or ()) - set(schema.KINDS))
            if unknown:
                raise ConfigValueError(name, f"unknown kind {unknown[0]!r}; kinds are: {', '.join(schema.KINDS)}")


@dataclass(frozen=True)
class TemplateConfig:
    """``[templates]``: how ``operator_template`` finds scripted posts that recur.

    Attributes:
        min_days: a text must recur (near-identically) on at least this many local days.
        min_chars: shorter texts (letters and digits only, after normalising) are never
            templates; this keeps 收到/打卡-style replies out.
        similarity: estimated Jaccard similarity of character 3-grams above which two texts
            count as the same template (1.0 = identical after normalising).
        max_hour_spread: if set, the posts must also come at similar times of day: the
            spread (circular standard deviation) of their local hour at most this many hours.

    Days and hours are those of the time zone in force (``--tz``, else ``[time] tz``).
    """

    min_days: int = 3
    min_chars: int = 15
    similarity: float = 0.7
    max_hour_spread: float | None = None

    def __post_init__(self) -> None:
        if self.min_days < 2:
            raise ConfigValueError("min_days", "must be at least 2 (a template recurs)")
        if self.min_chars < 1:
            raise ConfigValueError("min_chars", "must be at least 1")
        if not 0.0 < self.similarity <= 1.0:
            raise ConfigValueError("similarity", "must be in (0, 1]")
        if self.max_hour_spread is not None and self.max_hour_spread <= 0:
            raise ConfigValueError("max_hour_spread", "must be positive")


@dataclass(frozen=True)
class EngagementConfig:
    """``[engagement]``: how the response a message draws is scored (``grouplens.engagement``).

    A message's engagement = ``reply_weight`` x direct replies + ``indirect_weight`` x further
    replies below those + ``replier_weight`` x distinct repliers + ``mention_weight`` x replies
    that @-mention or quote its author. Replies by the author themself never count.

    Attributes:
        reply_weight, indirect_weight, replier_weight, mention_weight: the score's weights.
        opinion_min_chars: a text at least this long that is no question, objection, greeting,
            ... counts as an ``opinion`` post (shorter ones are ``chat``).
        address_window_minutes: when the reply model is not installed, a message opening with
            ``@name`` answers that member's latest message within this many minutes.
        max_depth: replies followed below a message (a guard against pathological chains).
        answer_window_minutes, answer_max_candidates: a question's answer is looked for among the
            next ``answer_max_candidates`` messages by others within this many minutes
            (``grouplens.analysis.answers``).
        answer_min_probability: the first candidate at least this likely to answer the question
            (quoted or not) is its answer.
        reaction_window_minutes: agreement, thanks and objections the reply links leave without a
            parent react to a post by someone else in the last this many minutes.
    """

    reply_weight: float = 1.0
    indirect_weight: float = 0.5
    replier_weight: float = 1.0
    mention_weight: float = 0.5
    opinion_min_chars: int = 20
    address_window_minutes: float = 120.0
    max_depth: int = 200
    answer_window_minutes: float = 180.0
    answer_max_candidates: int = 8
    answer_min_probability: float = 0.3
    reaction_window_minutes: float = 10.0

    def __post_init__(self) -> None:
        for key in ("reply_weight", "indirect_weight", "replier_weight", "mention_weight"):
            if getattr(self, key) < 0:
                raise ConfigValueError(key, "must not be negative")
        if self.opinion_min_chars < 1:
            raise ConfigValueError("opinion_min_chars", "must be at least 1")
        if self.answer_window_minutes <= 0:
            raise ConfigValueError("answer_window_minutes", "must be positive")
        if self.reaction_window_minutes <= 0:
            raise ConfigValueError("reaction_window_minutes", "must be positive")
        if self.answer_max_candidates < 1:
            raise ConfigValueError("answer_max_candidates", "must be at least 1")
        if not 0.0 <= self.answer_min_probability <= 1.0:
            raise ConfigValueError("answer_min_probability", "must be between 0 and 1")
        if self.address_window_minutes <= 0:
            raise ConfigValueError("address_window_minutes", "must be positive")
        if self.max_depth < 1:
            raise ConfigValueError("max_depth", "must be at least 1")


@dataclass(frozen=True)
class RolesConfig:
    """``[roles]``: how members get their role (thinker, critic, onlooker, silent), their tags
    (kol, operator, shill, advertiser, newcomer, left) and their influence (``grouplens.roles``).

    Several tests are relative to the group ("an outlier"): a member's figure divided by the
    ``outlier_quantile`` quantile of the figures of the group's ordinary speakers (no operator,
    shill or advertiser accounts), that quantile floored at 1.

    Roles, following the key-person rule:
        silent: said at most ``silent_max_messages`` things. Owner and admin accounts are
            staff who follow the group, so they are never silent.
        thinker: starts discussions others take up: at least ``thinker_min_discussions``
            discussions (posts of at least ``discussion_min_chars`` letters, no question, answer or
            notice, that two or more others replied to with something other than a question), and
            either ``thinker_min_share`` of the ordinary speakers' discussions or an outlier among
            them (``thinker_min_outlier`` times the quantile); no welcome or notice account;
            only speakers above the lowest activity tier (a k-means split, with scikit-learn and a
            fixed seed, of messages per week into ``activity_tiers`` tiers). Whoever draws more
            objections than they make is the thinker when both fit.
        critic: disputes others' points: at least ``critic_min_objections`` objections outside
            their own threads (a thinker defending their view in their thread makes none), making
            up ``critic_min_objection_share`` of what they say besides answering questions.
        onlooker: everyone else who speaks. Operator, shill and advertiser accounts are
            onlookers unless they lead or dispute discussions.

    Tags:
        kol: the members whose posts others take up, relative to the group: among speakers who
            are no operator, shill or advertiser account, the one with the highest influence,
            any other with at least ``kol_near_top_ratio`` of that influence, and any other whose
            number of people who turned to them is an outlier (``kol_min_outlier`` times the quantile) and at least
            ``kol_min_top_ratio`` of the highest, and any other who answered the questions of many
            different askers: an outlier (``kol_min_askers_outlier`` times the quantile) with at least
            ``kol_min_askers_ratio`` of the most askers any such member answered ("gives many
            answers" is one form of being turned to); at most ``kol_max``, each sought out by at least
            ``kol_min_sources`` people. Only when the group has real discussion: at least
            ``kol_min_discussions`` discussions (threads two or more others joined) started by
            such members.
        operator: an owner or admin on the member list who is no thinker or critic; or an account
            that welcomes newcomers (``operator_min_welcomes``), or posts notices, knowledge cards,
            briefings, scripts and 【headed】 posts: at least ``operator_min_notices`` of them,
            at regular times (notice regularity >= ``scheduled_min_regularity``) or making up
            ``operator_min_notice_share`` of what it says. Not a shill or advertiser.
        shill: an ordinary account (not owner/admin, no operator) that posts questions or topic
            starters at one clock time (within ``regularity_window_minutes``) on at least
            ``shill_min_days`` days, those being ``shill_min_scheduled_share`` of its starters,
            answered by someone else within ``shill_answer_minutes`` (``shill_min_quick_answers``
            of them) mostly by the same one or two accounts (``shill_min_concentration``); or
            that posts at fixed times (regularity >= ``scheduled_min_regularity``, at least
            ``shill_min_messages`` messages) near-duplicates of other accounts' lines
            (coordination >= ``shill_min_coordination``). A partner account that answers a
            shill's scheduled starters within minutes on ``shill_min_days`` days, such answers
            being ``shill_partner_min_share`` of what it says, is a shill too.
        advertiser: ads make up at least ``advertiser_min_ad_share`` of their messages; or,
            for an account that posted right after joining and then left or fell silent
            (post-then-silence), ads make up ``advertiser_burst_ad_share`` or links
            ``advertiser_min_link_share`` of what it posted.
        newcomer: joined within ``newcomer_days`` of the period's end.
        left: left (or was removed) and had not rejoined by the period's end.

    Attributes (besides those named above):
        regularity_window_minutes: posts within this many minutes of a member's usual time of
            day count as scheduled.
        welcome_window_hours: a message naming someone who joined this recently is a welcome.
        burst_days: "right after joining" means within this many days.
        near_duplicate_similarity: how alike (0-1, character-pair overlap) two texts must be to
            count as near-duplicates.
        near_duplicate_min_chars: shorter texts (letters and digits) are never near-duplicates:
            two people saying 学到了 is no coordination.
        mention_weight: the weight of an @-mention link in the influence graph (a reply is 1,
            times the replies it drew in turn).
        answer_weight: the weight of an answer to a question, as a link from the asker to the
            one who answered (they sought that member's knowledge).
        bulk_mentions: messages naming more members than this are notices, not links.
        pagerank_alpha: PageRank's damping factor.
        seed: the random seed of the k-means steps (results never change between runs).
    """

    silent_max_messages: int = 0
    activity_tiers: int = 3
    outlier_quantile: float = 0.9
    thinker_min_discussions: int = 8
    discussion_min_chars: int = 10
    thinker_min_share: float = 0.08
    thinker_min_outlier: float = 3.0
    critic_min_objections: int = 8
    critic_min_objection_share: float = 0.1
    kol_min_outlier: float = 5.0
    kol_min_top_ratio: float = 0.3
    kol_near_top_ratio: float = 0.9
    kol_min_sources: int = 5
    kol_min_askers_outlier: float = 3.0
    kol_min_askers_ratio: float = 0.35
    kol_min_discussions: int = 8
    kol_max: int = 3
    operator_min_welcomes: int = 3
    operator_min_notices: int = 6
    operator_min_notice_share: float = 0.3
    shill_min_days: int = 5
    shill_min_scheduled_share: float = 0.5
    shill_min_quick_answers: float = 0.4
    shill_min_concentration: float = 0.6
    shill_answer_minutes: float = 10.0
    shill_partner_min_share: float = 0.4
    shill_min_messages: int = 5
    shill_min_coordination: float = 0.2
    scheduled_min_regularity: float = 0.6
    advertiser_min_ad_share: float = 0.5
    advertiser_burst_ad_share: float = 0.2
    advertiser_min_link_share: float = 0.5
    newcomer_days: int = 14
    regularity_window_minutes: float = 10.0
    coordination_window_minutes: float = 5.0
    welcome_window_hours: float = 24.0
    burst_days: float = 2.0
    near_duplicate_similarity: float = 0.6
    near_duplicate_min_chars: int = 8
    mention_weight: float = 0.5
    answer_weight: float = 2.0
    bulk_mentions: int = 3
    pagerank_alpha: float = 0.85
    seed: int = 0

    def __post_init__(self) -> None:
        shares = ("outlier_quantile", "thinker_min_share", "critic_min_objection_share", "kol_min_top_ratio", "kol_near_top_ratio", "operator_min_notice_share",
                  "shill_min_scheduled_share", "shill_min_quick_answers", "shill_min_concentration",
                  "shill_partner_min_share", "shill_min_coordination", "advertiser_min_link_share",
                  "scheduled_min_regularity", "advertiser_min_ad_share", "advertiser_burst_ad_share",
                  "near_duplicate_similarity")
        for key in shares:
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ConfigValueError(key, "must be between 0 and 1")
        if not 0.0 < self.pagerank_alpha < 1.0:
            raise ConfigValueError("pagerank_alpha", "must be between 0 and 1 (exclusive)")
        if self.activity_tiers < 2:
            raise ConfigValueError("activity_tiers", "must be at least 2")
        counts = ("silent_max_messages", "thinker_min_discussions", "discussion_min_chars", "critic_min_objections", "kol_min_sources",
                  "kol_min_discussions", "kol_max", "operator_min_notices", "operator_min_welcomes", "shill_min_days",
                  "shill_min_messages", "newcomer_days", "bulk_mentions", "near_duplicate_min_chars")
        for key in counts:
            if getattr(self, key) < 0:
                raise ConfigValueError(key, "must not be negative")
        for key in ("regularity_window_minutes", "coordination_window_minutes", "welcome_window_hours",
                    "burst_days", "shill_answer_minutes"):
            if getattr(self, key) <= 0:
                raise ConfigValueError(key, "must be positive")
        if not 0.0 <= self.kol_min_askers_ratio <= 1.0:
            raise ConfigValueError("kol_min_askers_ratio", "must be between 0 and 1")
        for key in ("thinker_min_outlier", "kol_min_outlier", "kol_min_askers_outlier", "mention_weight",
                    "answer_weight"):
            if getattr(self, key) < 0:
                raise ConfigValueError(key, "must not be negative")


@dataclass(frozen=True)
class MembersConfig:
    """``[members]``: how members are put into layers week by week (``grouplens report members``).

    Layers, first match wins: *new* (joined this week), *core*, *returned*, *active*, *churned*,
    *silent* (never spoke). A week is an ISO week (Monday to Sunday) in the report's time zone.

    Attributes:
        newly_active_days: a newcomer who speaks within this many days of joining is counted
            as newly active.
        core_weeks, core_window_weeks: a core member spoke in at least ``core_weeks`` of the
            last ``core_window_weeks`` weeks ...
        core_min_partners: ... and engaged at least this many different people in them
            (answered them, was answered by them, or @-mentioned them).
        churn_weeks: a member who has spoken before and then says nothing for this many weeks
            in a row is churned; one who speaks again after that has returned.
        retention_weeks: weeks after joining at which each week's newcomers are looked at
            again (did they speak that week, are they still in the group).
    """

    newly_active_days: int = 7
    core_weeks: int = 3
    core_window_weeks: int = 4
    core_min_partners: int = 5
    churn_weeks: int = 2
    retention_weeks: tuple[int, ...] = (1, 4)

    def __post_init__(self) -> None:
        if self.newly_active_days < 1:
            raise ConfigValueError("newly_active_days", "must be at least 1")
        if not 1 <= self.core_weeks <= self.core_window_weeks:
            raise ConfigValueError("core_weeks", "must be between 1 and core_window_weeks")
        if self.core_min_partners < 0:
            raise ConfigValueError("core_min_partners", "must not be negative")
        if self.churn_weeks < 1:
            raise ConfigValueError("churn_weeks", "must be at least 1")
        if not self.retention_weeks or any(w < 1 for w in self.retention_weeks):
            raise ConfigValueError("retention_weeks", "must list whole weeks of at least 1, e.g. [1, 4]")


@dataclass(frozen=True)
class LifecycleConfig:
    """``[lifecycle]``: the thresholds that decide a group's stage each week.

    The defaults start from practitioners' rough figures (healthy: 30-80 messages a day with
    20-40% of members speaking; declining: under 10 a day and 5% speaking; over 25% ads: an ad
    group; over 8 messages per person per day: flooding) and were tuned on simulated groups
    (``bench/lifecycle_accuracy.py``). Stages are tried in this order: dead, new, help-desk,
    ad-dominated, declining, growing, active (``grouplens.report.lifecycle``).

    Attributes:
        dead_messages_per_day: below this many members' messages a day the group is dead.
        new_weeks: a group is new during its first weeks (from its first join or message) ...
        new_join_share: ... when at least this share of its members joined in the week.
        help_desk_question_share: questions at or above this share of the messages that are
            not ads make a help desk (互助群: only requests and answers left) ...
        help_desk_max_objection_share: ... with hardly any discussion left (objections below
            this share) ...
        help_desk_max_level_ratio: ... after a decline (messages a day below this fraction of
            the group's reference level) ...
        help_desk_max_ad_share: ... and ads under this share (else it is an ad group).
        ad_share: ads at or above this share of the week's messages make an ad-dominated group.
        declining_messages_per_day, declining_speaker_share: below both, the group declines.
        decline_ratio: the group also declines when its messages a day fall below this
            fraction of its own reference level (its busiest two weeks in the
            ``reference_weeks`` before).
        shrink_share: ... or when it lost at least this share of its members (leaves minus
            joins) in the week while below ``shrink_ratio`` of its reference level.
        shrink_ratio: see ``shrink_share``.
        growth_share: net joins at or above this share of members make a growing group.
        reference_weeks: weeks looked back for the reference level.
        healthy_messages_per_day, healthy_speaker_share: the healthy levels; the health score
            gives full marks for volume and participation at or above them.
        flood_messages_per_member_day: a member sending more than this many messages in a
            day is flooding.
    """

    dead_messages_per_day: float = 3.0
    new_weeks: int = 1
    new_join_share: float = 0.3
    ad_share: float = 0.25
    help_desk_question_share: float = 0.2
    help_desk_max_objection_share: float = 0.03
    help_desk_max_level_ratio: float = 0.3
    help_desk_max_ad_share: float = 0.5
    declining_messages_per_day: float = 10.0
    declining_speaker_share: float = 0.05
    decline_ratio: float = 0.5
    shrink_share: float = 0.03
    shrink_ratio: float = 0.75
    growth_share: float = 0.05
    reference_weeks: int = 12
    healthy_messages_per_day: float = 30.0
    healthy_speaker_share: float = 0.2
    flood_messages_per_member_day: float = 8.0

    def __post_init__(self) -> None:
        for key in ("dead_messages_per_day", "declining_messages_per_day", "healthy_messages_per_day",
                    "flood_messages_per_member_day"):
            if getattr(self, key) < 0:
                raise ConfigValueError(key, "must not be negative")
        for key in ("new_join_share", "ad_share", "help_desk_question_share", "help_desk_max_objection_share",
                    "help_desk_max_level_ratio", "help_desk_max_ad_share", "declining_speaker_share",
                    "decline_ratio", "shrink_share", "shrink_ratio", "growth_share", "healthy_speaker_share"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ConfigValueError(key, "must be a share between 0 and 1")
        if self.new_weeks < 0:
            raise ConfigValueError("new_weeks", "must not be negative")
        if self.reference_weeks < 1:
            raise ConfigValueError("reference_weeks", "must be at least 1")


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: what ``grouplens report`` shows and how it measures service and check-ins.

    Attributes:
        lang: the language of the terminal report's labels, ``zh`` or ``en``.
        top: rows in rankings and member lists.
        examples: example messages shown per compliance category.
        answer_target_minutes: the service target: questions answered within this many minutes.
        answer_window_hours: a question nobody answered within this many hours is unanswered
            (one asked less than this before the data ends is still pending).
        challenge_days: the length of a check-in challenge (e.g. a 21-day early-sleep challenge).
        checkin_grace_days: days a participant may miss in a row without breaking a streak.
        flood_burst_messages, flood_burst_seconds: a member posting this many messages within
            this many seconds is flooding (刷屏).
        rank_staff: include owners and admins in the activity and contribution rankings.
    """

    lang: str = "zh"
    top: int = 10
    examples: int = 3
    answer_target_minutes: float = 60.0
    answer_window_hours: float = 24.0
    challenge_days: int = 21
    checkin_grace_days: int = 0
    flood_burst_messages: int = 5
    flood_burst_seconds: float = 60.0
    rank_staff: bool = False

    def __post_init__(self) -> None:
        if self.lang not in schema.LANGS:
            raise ConfigValueError("lang", "must be \"zh\" or \"en\"")
        for key in ("top", "challenge_days", "flood_burst_messages"):
            if getattr(self, key) < 1:
                raise ConfigValueError(key, "must be at least 1")
        for key in ("examples", "checkin_grace_days"):
            if getattr(self, key) < 0:
                raise ConfigValueError(key, "must not be negative")
        for key in ("answer_target_minutes", "answer_window_hours", "flood_burst_seconds"):
            if getattr(self, key) <= 0:
                raise ConfigValueError(key, "must be positive")


@dataclass(frozen=True)
class EngineConfig:
    """``[engine]``: where the work on every group (``--all``, the groups overview) runs.

    Attributes:
        engine: ``local`` (processes on this machine) or ``dask`` (a dask.distributed cluster;
            ``pip install 'grouplens[dask]'``). ``--engine`` overrides it.
        jobs: local worker processes; 0 means the machine's cores. ``--jobs`` overrides it.
        scheduler: the dask scheduler's address, e.g. ``tcp://10.0.0.5:8786`` (empty: a dask
            cluster started on this machine). ``--scheduler`` overrides it.
    """

    engine: str = "local"
    jobs: int = 0
    scheduler: str = ""

    def __post_init__(self) -> None:
        if self.engine not in ("local", "dask"):
            raise ConfigValueError("engine", "must be \"local\" or \"dask\"")
        if self.jobs < 0:
            raise ConfigValueError("jobs", "must not be negative (0: the machine's cores)")


@dataclass(frozen=True)
class StoreConfig:
    """``[store]``: how the store keeps its files.

    Attributes:
        compact_after: when an import leaves a group with more than this many part files in
            messages/ or rosters/ (one per import), they are rewritten into one
            (``grouplens compact`` does it on demand); 0 never compacts automatically.
    """

    compact_after: int = 24

    def __post_init__(self) -> None:
        if self.compact_after < 0:
            raise ConfigValueError("compact_after", "must not be negative (0: never compact automatically)")


@dataclass(frozen=True)
class AccountsConfig:
    """``[accounts]``: the same account (QQ number, wxid) in several groups of the store.

    ``grouplens report groups`` and ``grouplens roles`` flag an account that posts ads in
    ``min_groups`` groups or more (跨群广告号), or posts near-identical texts at set times in that
    many groups (跨群水军). Owners and admins of any of the groups are never flagged.

    Attributes:
        min_groups: the number of groups an account must post ads, or the same scheduled text, in.
        script_min_chars: shorter texts (letters and digits, after normalising as templates are)
            are never a scheduled post (收到, 早上好 …).
        script_min_days: a scheduled text is posted on at least this many local days in all.
        script_max_hour_spread: ... at about the same time of day: the spread (circular standard
            deviation) of its local posting times at most this many hours.
        ignore: member ids never flagged (the operator's own assistant or bot accounts).
    """

    min_groups: int = 2
    script_min_chars: int = 6
    script_min_days: int = 3
    script_max_hour_spread: float = 1.0
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.min_groups < 2:
            raise ConfigValueError("min_groups", "must be at least 2 (an account in several groups)")
        if self.script_min_chars < 1:
            raise ConfigValueError("script_min_chars", "must be at least 1")
        if self.script_min_days < 2:
            raise ConfigValueError("script_min_days", "must be at least 2 (a scheduled post recurs)")
        if self.script_max_hour_spread <= 0:
            raise ConfigValueError("script_max_hour_spread", "must be positive")


@dataclass(frozen=True)
class Config:
    """All of grouplens' settings. Add a section with a dataclass and one field here."""

    time: TimeConfig = field(default_factory=TimeConfig)
    text: TextConfig = field(default_factory=TextConfig)
    templates: TemplateConfig = field(default_factory=TemplateConfig)
    classes: Mapping[str, ClassConfig] = field(default_factory=lambda: types.MappingProxyType({}))
    engagement: EngagementConfig = field(default_factory=EngagementConfig)
    roles: RolesConfig = field(default_factory=RolesConfig)
    members: MembersConfig = field(default_factory=MembersConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    accounts: AccountsConfig = field(default_factory=AccountsConfig)
    # Not a section: the file the settings came from, for error messages (None = defaults).
    source: Path | None = field(default=None, metadata={"section": False})


    def __reduce__(self) -> tuple[Any, ...]:
        # Settings travel to worker processes; a mappingproxy cannot be pickled, a dict can.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["classes"] = dict(self.classes)
        return (_config_from_fields, (values,))


def _config_from_fields(values: dict[str, Any]) -> Config:
    return Config(**{**values, "classes": types.MappingProxyType(values["classes"])})


# --- loading --------------------------------------------------------------------------------


def load_config(path: Path | None = None) -> Config:
    """The settings from ``path``, else from ``./grouplens.toml`` if there is one, else defaults.

    Raises UsageError naming the file (and line or key) when the file is missing, unreadable,
    not TOML, or holds a section, key or value grouplens does not accept.
    """
    if path is None:
        candidate = Path.cwd() / CONFIG_FILE_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError("config file not found", path=path) from None
    except OSError as e:
        raise UsageError(f"cannot read config file ({e.strerror})", path=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError("config file is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as e:
        message, line = _toml_error(e, raw.decode("utf-8-sig"))
        raise UsageError(f"not valid TOML: {message}", path=path, line=line) from None
    return config_from_dict(data, path)


def config_from_dict(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """A Config from an already-parsed TOML document; ``path`` is named in errors and anchors
    relative paths (the working directory when None)."""
    base = path.parent if path is not None else Path.cwd()
    hints = typing.get_type_hints(Config)
    sections = {f.name: f for f in fields(Config) if f.metadata.get("section", True)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise UsageError(
            f"unknown section [{unknown[0]}]; known sections: "
            + ", ".join(f"[{s}]" for s in sections),
            path=path,
        )
    values: dict[str, Any] = {}
    for name, value in data.items():
        tp = hints[name]
        if is_dataclass(tp):
            values[name] = _section(tp, value, name, path, base)
        else:  # Mapping[str, SectionDataclass]: a family of [name.<table>] sections
            item_type = typing.get_args(tp)[1]
            if not isinstance(value, dict):
                raise UsageError(f"[{name}] must hold tables like [{name}.<name>]", path=path)
            family = {}
            for table, body in value.items():
                if not _TABLE_NAME.match(table):
                    raise UsageError(
                        f"[{name}.{table}]: names must be lower-case letters, digits and _, "
                        "starting with a letter",
                        path=path,
                    )
                family[table] = _section(item_type, body, f"{name}.{table}", path, base)
            values[name] = types.MappingProxyType(family)
    return Config(**values, source=path)


# Keys that live elsewhere now: (section, key) -> where to write them.
_MOVED: dict[tuple[str, str], str] = {
    ("templates", "tz"): "[time] tz (it applies to everything, not only templates)",
    # [roles] keys of the rules before issue 15: KOLs, shills and operators are judged differently now.
    ("roles", "thinker_min_conversations"): "thinker_min_discussions (posts two or more others discussed)",
    **{("roles", k): "kol_min_outlier and kol_min_top_ratio (a KOL is judged relative to the group)"
       for k in ("kol_min_influence", "kol_min_answers", "kol_min_answer_share", "kol_min_answer_ratio",
                 "kol_min_answers_of_group")},
    **{("roles", k): "operator_min_notices (scripts count only when posted at regular times)"
       for k in ("operator_min_template_share", "operator_min_template_posts")},
    ("roles", "shill_min_answered_questions"): "shill_min_quick_answers and shill_min_concentration",
}


def _section(cls: type, body: Any, where: str, path: Path | None, base: Path) -> Any:
    """One section's dataclass from its TOML table, checking keys and types."""
    if not isinstance(body, dict):
        raise UsageError(f"[{where}] must be a table, not a single value", path=path)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in body:
        if (where, key) in _MOVED:
            raise UsageError(f"[{where}] {key} has moved: write it as {_MOVED[where, key]}", path=path)
        if key not in known:
            raise UsageError(
                f"unknown key {key!r} in [{where}]; known keys: {', '.join(sorted(known))}",
                path=path,
            )
    kwargs = {key: _coerce(value, hints[key], f"[{where}] {key}", path, base) for key, value in body.items()}
    try:
        return cls(**kwargs)
    except ConfigValueError as e:
        raise UsageError(f"[{where}] {e.key}: {e.message}", path=path) from None


def _coerce(value: Any, tp: Any, where: str, path: Path | None, base: Path) -> Any:
    """``value`` as the annotated type ``tp``, or UsageError saying what was expected."""
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):  # X | None: TOML has no null, so it is X
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], where, path, base)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise UsageError(f"{where} must be true or false", path=path)
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise UsageError(f"{where} must be a whole number", path=path)
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise UsageError(f"{where} must be a number", path=path)
    if tp is str:
        if isinstance(value, str):
            return value
        raise UsageError(f"{where} must be a string", path=path)
    if tp is Path:
        if isinstance(value, str) and value:
            p = Path(value).expanduser()
            return p if p.is_absolute() else base / p
        raise UsageError(f"{where} must be a file path (a string)", path=path)
    if origin is tuple:  # tuple[X, ...]
        if not isinstance(value, list):
            raise UsageError(f"{where} must be a list, e.g. [\"a\", \"b\"]", path=path)
        return tuple(_coerce(v, args[0], where + " item", path, base) for v in value)
    raise TypeError(f"config field type {tp!r} is not supported by the loader")  # programming error


_TOML_AT = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$|\s*\(at end of document\)\s*$")


def _toml_error(e: tomllib.TOMLDecodeError, document: str) -> tuple[str, int | None]:
    """tomllib's message without its position suffix, and the line it names (the last line
    when the error is at the end of the document, e.g. an unclosed list)."""
    text = str(e)
    m = _TOML_AT.search(text)
    if not m:
        return text, getattr(e, "lineno", None)
    line = int(m.group(1)) if m.group(1) else max(1, len(document.rstrip("\n").split("\n")))
    return text[: m.start()], line


# --- showing settings -------------------------------------------------------------------------


def example_config() -> str:
    """The documented template of every setting (``grouplens config --example``), shipped
    inside the package."""
    from importlib.resources import files

    return (files("grouplens") / "data" / "grouplens.example.toml").read_text(encoding="utf-8")


def config_toml(config: Config) -> str:
    """The settings in force as a TOML document that ``load_config`` reads back to the same
    ``Config``: every section with every key (unset optional keys as comments)."""
    lines = [f"# settings in force: {config.source or 'the defaults (no grouplens.toml)'}"]
    for f in fields(Config):
        if not f.metadata.get("section", True):
            continue
        value = getattr(config, f.name)
        if is_dataclass(value):
            lines += ["", f"[{f.name}]", *_toml_keys(value)]
        else:
            for table, section in value.items():
                lines += ["", f"[{f.name}.{table}]", *_toml_keys(section)]
    return "\n".join(lines) + "\n"


def _toml_keys(section: Any) -> list[str]:
    out = []
    for f in fields(section):
        value = getattr(section, f.name)
        if value is None:
            out.append(f"# {f.name} =  (not set)")
        else:
            out.append(f"{f.name} = {_toml_value(value)}")
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string
