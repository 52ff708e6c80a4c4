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

import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError

CONFIG_FILE_NAME = "grouplens.toml"

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


# --- sections -------------------------------------------------------------------------------


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
        tz: the timezone whose calendar days and hours are meant.
    """

    min_days: int = 3
    min_chars: int = 15
    similarity: float = 0.7
    max_hour_spread: float | None = None
    tz: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.min_days < 2:
            raise ConfigValueError("min_days", "must be at least 2 (a template recurs)")
        if self.min_chars < 1:
            raise ConfigValueError("min_chars", "must be at least 1")
        if not 0.0 < self.similarity <= 1.0:
            raise ConfigValueError("similarity", "must be in (0, 1]")
        if self.max_hour_spread is not None and self.max_hour_spread <= 0:
            raise ConfigValueError("max_hour_spread", "must be positive")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.tz)
        except (KeyError, ValueError, OSError):
            raise ConfigValueError("tz", f"unknown timezone {self.tz!r} (e.g. Asia/Shanghai)") from None


@dataclass(frozen=True)
class Config:
    """All of grouplens' settings. Add a section with a dataclass and one field here."""

    text: TextConfig = field(default_factory=TextConfig)
    templates: TemplateConfig = field(default_factory=TemplateConfig)
    classes: Mapping[str, ClassConfig] = field(default_factory=lambda: types.MappingProxyType({}))
    # Not a section: the file the settings came from, for error messages (None = defaults).
    source: Path | None = field(default=None, metadata={"section": False})


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


def _section(cls: type, body: Any, where: str, path: Path | None, base: Path) -> Any:
    """One section's dataclass from its TOML table, checking keys and types."""
    if not isinstance(body, dict):
        raise UsageError(f"[{where}] must be a table, not a single value", path=path)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in body:
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
