"""The message, roster and member schemas: every column name is spelled here and nowhere else.

Importers produce tables with PARSED_SCHEMA (what one export says about one conversation);
the ingest step adds the store's own columns to give MESSAGE_SCHEMA, which is what the
Parquet store holds and what ``Store.messages()`` returns. The Arrow types and schemas are
built when first read, so that code needing only the names does not import pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import pyarrow as pa

# --- message columns -------------------------------------------------------------------
GROUP_ID = "group_id"  # stable, platform-qualified: "qq-730123456", "wechat-12345@chatroom"
GROUP_NAME = "group_name"  # the conversation's name in the export this message came from
PLATFORM = "platform"  # "qq", "wechat", "irc", ...
MSG_ID = "msg_id"  # the export's own id, else "h" + 16 hex digits derived from the content
TS = "ts"  # UTC instant, timezone-aware
SENDER_ID = "sender_id"  # QQ number, email, wxid or uid; "name:<name>" when the export has no id; null for the platform itself
SENDER_NAME = "sender_name"  # the display name at that message
KIND = "kind"  # one of KINDS
TEXT = "text"  # the message text, placeholders such as [图片] kept
REPLY_TO = "reply_to"  # msg_id of the message a quote/reply points at
MENTIONS = "mentions"  # names (or ids) @-mentioned
EVENT_MEMBERS = "event_members"  # members a join/leave/pat/recall/rename event concerns (names as written)
QUOTE_SENDER = "quote_sender"  # who the export says was quoted (name or id), when it carries a quote
QUOTE_TEXT = "quote_text"  # the quoted text as the export shows it
QUOTE_TS = "quote_ts"  # when the quoted message was sent, if the export says
SOURCE_FILE = "source_file"  # the file the message was read from
SOURCE_LINE = "source_line"  # 1-based line where the message starts, for line-oriented sources
IMPORT_ID = "import_id"  # the import that added the message
EXTRA = "extra"  # JSON object with the export's fields that have no column of their own

Kind = Literal[
    "text", "image", "voice", "video", "sticker", "file", "link", "location", "red_packet",
    "transfer", "call", "card", "forward", "pat", "recall", "join", "leave", "rename", "system",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
# Kinds written by the platform about membership and housekeeping rather than said by a member.
EVENT_KINDS: frozenset[Kind] = frozenset({"join", "leave", "rename", "system", "recall", "pat"})

Platform = Literal["qq", "wechat", "irc", "other"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)

Lang = Literal["zh", "en"]  # the languages of reasons, labels and reports
LANGS: tuple[Lang, ...] = get_args(Lang)


# --- Arrow types and schemas ------------------------------------------------------------------
# Built on first use (``S.FILE_SCHEMA``), so that a module needing only column names, such as the
# command line's, does not import pyarrow.
_ARROW_NAMES = frozenset({
    "TS_TYPE", "NAMES_TYPE", "PARSED_SCHEMA", "PARSED_COLUMNS", "FILE_SCHEMA", "MESSAGE_SCHEMA", "MESSAGE_COLUMNS",
    "ROSTER_FILE_SCHEMA", "NAME_SEEN_TYPE", "MEMBERS_SCHEMA", "GROUPS_SCHEMA",
})


def _arrow() -> dict[str, Any]:
    import pyarrow as pa

    TS_TYPE = pa.timestamp("us", tz="UTC")
    NAMES_TYPE = pa.list_(pa.string())

    # What an importer produces for one conversation.
    PARSED_SCHEMA = pa.schema([
        pa.field(MSG_ID, pa.string()),
        pa.field(TS, TS_TYPE, nullable=False),
        pa.field(SENDER_ID, pa.string()),
        pa.field(SENDER_NAME, pa.string()),
        pa.field(KIND, pa.string(), nullable=False),
        pa.field(TEXT, pa.string()),
        pa.field(REPLY_TO, pa.string()),
        pa.field(MENTIONS, NAMES_TYPE),
        pa.field(EVENT_MEMBERS, NAMES_TYPE),
        pa.field(QUOTE_SENDER, pa.string()),
        pa.field(QUOTE_TEXT, pa.string()),
        pa.field(QUOTE_TS, TS_TYPE),
        pa.field(SOURCE_LINE, pa.int64()),
        pa.field(EXTRA, pa.string()),
    ])
    PARSED_COLUMNS: tuple[str, ...] = tuple(PARSED_SCHEMA.names)

    # What one Parquet file of the store holds (group_id lives in the Hive partition directory).
    FILE_SCHEMA = pa.schema([
        pa.field(GROUP_NAME, pa.string()),
        pa.field(PLATFORM, pa.string()),
        pa.field(MSG_ID, pa.string(), nullable=False),
        pa.field(TS, TS_TYPE, nullable=False),
        pa.field(SENDER_ID, pa.string()),
        pa.field(SENDER_NAME, pa.string()),
        pa.field(KIND, pa.string(), nullable=False),
        pa.field(TEXT, pa.string()),
        pa.field(REPLY_TO, pa.string()),
        pa.field(MENTIONS, NAMES_TYPE),
        pa.field(EVENT_MEMBERS, NAMES_TYPE),
        pa.field(QUOTE_SENDER, pa.string()),
        pa.field(QUOTE_TEXT, pa.string()),
        pa.field(QUOTE_TS, TS_TYPE),
        pa.field(SOURCE_FILE, pa.string()),
        pa.field(SOURCE_LINE, pa.int64()),
        pa.field(IMPORT_ID, pa.string()),
        pa.field(EXTRA, pa.string()),
    ])

    # The full message schema, as Store.messages() returns it.
    MESSAGE_SCHEMA = pa.schema([pa.field(GROUP_ID, pa.string(), nullable=False), *FILE_SCHEMA])
    MESSAGE_COLUMNS: tuple[str, ...] = tuple(MESSAGE_SCHEMA.names)

    ROSTER_FILE_SCHEMA = pa.schema([
        pa.field(MEMBER_ID, pa.string(), nullable=False),
        pa.field(NAME, pa.string()),
        pa.field(JOINED_AT, TS_TYPE),
        pa.field(ROLE, pa.string()),
        pa.field(SOURCE_FILE, pa.string()),
        pa.field(SOURCE_LINE, pa.int64()),
        pa.field(IMPORT_ID, pa.string()),
    ])

    NAME_SEEN_TYPE = pa.struct([
        pa.field(NAME, pa.string()),
        pa.field("first_seen", TS_TYPE),
        pa.field("last_seen", TS_TYPE),
    ])
    MEMBERS_SCHEMA = pa.schema([
        pa.field(GROUP_ID, pa.string(), nullable=False),
        pa.field(MEMBER_ID, pa.string(), nullable=False),
        pa.field(NAME, pa.string()),
        pa.field(NAMES_SEEN, pa.list_(NAME_SEEN_TYPE)),
        pa.field(FIRST_MESSAGE, TS_TYPE),
        pa.field(LAST_MESSAGE, TS_TYPE),
        pa.field(MESSAGE_COUNT, pa.int64()),
        pa.field(JOINED_AT, TS_TYPE),
        pa.field(LEFT_AT, TS_TYPE),
        pa.field(ROLE, pa.string()),
        pa.field(IN_ROSTER, pa.bool_()),
    ])

    GROUPS_SCHEMA = pa.schema([
        pa.field(GROUP_ID, pa.string(), nullable=False),
        pa.field(GROUP_NAME, pa.string()),
        pa.field(PLATFORM, pa.string()),
        pa.field(NATIVE_ID, pa.string()),
        pa.field(NAMES, NAMES_TYPE),
        pa.field(MESSAGE_COUNT, pa.int64()),
        pa.field(SENDER_COUNT, pa.int64()),
        pa.field(MEMBER_COUNT, pa.int64()),
        pa.field(FIRST_TS, TS_TYPE),
        pa.field(LAST_TS, TS_TYPE),
        pa.field(IS_GROUP, pa.bool_()),
    ])
    return {name: value for name, value in locals().items() if name in _ARROW_NAMES}


def __getattr__(name: str) -> Any:
    if name in _ARROW_NAMES:
        globals().update(_arrow())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:  # what the names are, for type checkers and readers
    TS_TYPE: pa.DataType
    NAMES_TYPE: pa.DataType
    PARSED_SCHEMA: pa.Schema
    PARSED_COLUMNS: tuple[str, ...]
    FILE_SCHEMA: pa.Schema
    MESSAGE_SCHEMA: pa.Schema
    MESSAGE_COLUMNS: tuple[str, ...]
    ROSTER_FILE_SCHEMA: pa.Schema
    NAME_SEEN_TYPE: pa.DataType
    MEMBERS_SCHEMA: pa.Schema
    GROUPS_SCHEMA: pa.Schema


# --- roster (member list) columns ------------------------------------------------------
MEMBER_ID = "member_id"
NAME = "name"
JOINED_AT = "joined_at"
LEFT_AT = "left_at"
ROLE = "role"  # owner / admin / member, from a member list
MEMBER_ROLES: tuple[str, ...] = ("owner", "admin", "member")

# --- the derived members table ---------------------------------------------------------
NAMES_SEEN = "names_seen"  # list of {name, first_seen, last_seen}
FIRST_MESSAGE = "first_message"
LAST_MESSAGE = "last_message"
MESSAGE_COUNT = "message_count"
IN_ROSTER = "in_roster"

# --- the groups table ------------------------------------------------------------------
NATIVE_ID = "native_id"  # the group's id in the exports (group number, chatroom id), if any
NAMES = "names"
FIRST_TS = "first_ts"
LAST_TS = "last_ts"
MEMBER_COUNT = "member_count"
SENDER_COUNT = "sender_count"
IS_GROUP = "is_group"  # false for a private (one-to-one) chat; null when no export said

NAME_ID_PREFIX = "name:"  # sender_id for members an export names but gives no id for


def name_based_id(name: str) -> str:
    """The stable member id used when an export gives only a display name."""
    return NAME_ID_PREFIX + name

# --- columns analyses add to a group's messages -------------------------------------------
TOKENS = "tokens"  # the message's words (list of strings), see grouplens.tokens
REPLY_SOURCE = "reply_source"  # "explicit" (the export says so), "inferred" (the reply model), or null
REPLY_SCORE = "reply_score"  # how sure the link is: 1.0 for explicit links, the model's probability else
REPLY_SOURCES: tuple[str, ...] = ("explicit", "inferred")
ANSWERED_BY = "answered_by"  # a question's answer: the msg_id of the first message that answers it (analysis.answers)
ANSWER_SCORE = "answer_score"  # how sure that answer is (1.0 for an explicit quote)
ASKS = "asks"  # the message asks something, read in context (analysis.asking): a question-class line that is no banter
ASK_SCORE = "ask_score"  # the context model's probability that a question-class line asks (NaN for other lines)
