"""Every line of a text export is accounted for, on exports generated in each line-oriented layout.

For each layout a writer lays out generated messages (odd ids, names with brackets, parentheses
and spaces, 12-hour clocks, multi-line bodies with blank lines inside) exactly as the exporting
tool does, counting the header, body and other lines it writes. The importer must then find one
message per header line written, read the same counts into its ``LineAccount``, report no
unaccepted line, and give back each sender and text as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import ParseOptions, detect, get
from grouplens.importers.qq.common import QQ_TITLES

# Body text is drawn from characters that cannot spell a notice (加入, 撤回, 拍了拍…), a
# placeholder or a header, so that whatever the importer does with a line is down to its layout.
SAFE = ("甲乙丙丁戊己庚辛壬癸好的是在不有和人这中大为上个我要他时来们生到作地于就分对成会可主年动同工也能下过子"
        "说种面而方后多定行学法民得经之进着等部度家电力里如水化高自理起小物现实量都体制机当使点从业本去把性应开它")
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEP = "=" * 64
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@dataclass
class Msg:
    name: str
    when: datetime
    body: list[str]
    ident: str = ""
    title: str = ""


@dataclass
class Written:
    """A generated export and what it holds: one header line per message."""

    parts: list[str] = field(default_factory=list)
    headers: int = 0
    body: int = 0
    other: int = 0
    expected: list[tuple[str, str]] = field(default_factory=list)  # (sender name, text) per message

    def put(self, kind: str, lines: list[str], eol: str = "\n") -> None:
        setattr(self, kind, getattr(self, kind) + len(lines))
        self.parts.extend(line + eol for line in lines)

    @property
    def text(self) -> str:
        return "".join(self.parts)


# --- strategies ------------------------------------------------------------------------------------

body_line = st.builds(lambda a, b: (a + b).rstrip(), st.sampled_from(SAFE[:40] + LATIN),
                      st.text(alphabet=SAFE + LATIN + "0123456789 ，。！？、,.!?()（）【】<>-_~·😀🦉", max_size=30))


@st.composite
def bodies(draw: st.DrawFn, *, inner_blanks: bool = True) -> list[str]:
    """A message's lines: at least one, never starting or ending with a blank line."""
    first = draw(body_line)
    middle = draw(st.lists(st.one_of(body_line, st.just("")) if inner_blanks else body_line, max_size=3))
    lines = [first, *middle, *draw(st.lists(body_line, max_size=1))]
    while not lines[-1]:
        lines.pop()
    return lines


_AMBIGUOUS = re.compile(r"(?i)(?:am|pm|上午|下午)(?:\s|$)")
names = st.text(alphabet=SAFE[:60] + LATIN + "0123456789 ()（）<>-_·~🦉", min_size=1, max_size=14).map(
    lambda s: re.sub(r"\s+", " ", s).strip()).filter(lambda s: bool(s) and not _AMBIGUOUS.match(s))
qq_ids = st.one_of(
    st.integers(10001, 99999999999).filter(lambda n: n not in (1000000, 80000000)).map(lambda n: f"({n})"),
    st.from_regex(r"[a-z][a-z0-9._]{2,10}@(qq|163|foxmail)\.com", fullmatch=True).map(lambda e: f"({e})"),
    st.from_regex(r"[a-z][a-z0-9_]{2,10}@qq\.com", fullmatch=True).map(lambda e: f"<{e}>"),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).map(lambda p: f"<{p}>"),
)


@st.composite
def times(draw: st.DrawFn, n: int, *, one_day: bool = False) -> list[datetime]:
    start = draw(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)))
    if one_day:
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = draw(st.lists(st.integers(0, 600 if one_day else 90_000), min_size=n, max_size=n))
    out, t = [], start
    for step in steps:
        t += timedelta(seconds=60 * (step // 60) if one_day else step)
        out.append(t.replace(microsecond=0))
    return out


@st.composite
def messages(draw: st.DrawFn, name_ok: Callable[[str], bool] = lambda s: True, *, ids: bool = False,
             titles: bool = False, inner_blanks: bool = True, one_day: bool = False) -> list[Msg]:
    n = draw(st.integers(1, 8))
    whens = draw(times(n, one_day=one_day))
    out = []
    for when in whens:
        name = draw(names.filter(name_ok))
        title = draw(st.sampled_from(["", "", "", *sorted(QQ_TITLES)[:8], "LV5"])) if titles else ""
        out.append(Msg(name=name, when=when, body=draw(bodies(inner_blanks=inner_blanks)),
                       ident=draw(qq_ids) if ids else "", title=f"【{title}】" if title else ""))
    return out


def _import(tmp_path: Path, written: Written, layout: str, filename: str, **options) -> list:
    path = tmp_path / filename
    path.write_bytes(written.text.encode("utf-8"))
    conversations = list(get(layout).parse(path, ParseOptions(**options)))
    return conversations


def _check(conversations: list, written: Written) -> None:
    account = conversations[0].lines
    assert all(c.lines is account for c in conversations)  # one account per file
    rows = [r for c in conversations for r in c.messages.to_pylist()]
    assert len(rows) == written.headers
    assert (account.headers, account.body, account.other, account.unaccepted) == \
        (written.headers, written.body, written.other, [])
    assert account.lines == written.text.count("\n")
    by_line = sorted(rows, key=lambda r: r[S.SOURCE_LINE] or 0)
    assert [(r[S.SENDER_NAME], r[S.TEXT]) for r in by_line] == written.expected


# --- classic QQ TXT ----------------------------------------------------------------------------------

def _qq_clock(when: datetime, clock: str) -> str:
    if clock == "24":
        return f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S}"
    if clock == "24-unpadded":  # month and day unpadded, or slashes, as some locales write them
        return f"{when.year}{'-/'[when.day % 2]}{when.month}{'-/'[when.day % 2]}{when.day} {when.hour}:{when:%M:%S}"
    hour = when.hour % 12 or 12
    if clock == "en12":
        return f"{when:%Y-%m-%d} {hour}:{when:%M:%S} {'AM' if when.hour < 12 else 'PM'}"
    return f"{when:%Y-%m-%d} {'上午' if when.hour < 12 else '下午'} {hour:02d}:{when:%M:%S}"


def write_qq_txt(msgs: list[Msg], *, group: bool, clock: str = "24", banner: bool = True,
                 compact: bool = False) -> Written:
    """QQ 消息管理器's layout: CRLF after structural lines, bare LF between a message's own lines
    (as real files have them); ``compact`` drops the blank lines between messages (an edited file)."""
    w = Written()
    if banner:
        w.put("other", ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP,
                        f"消息分组:{'我的群聊' if group else '我的好友'}", SEP, "消息对象:测试群", SEP, ""], "\r\n")
    for i, m in enumerate(msgs):
        if i and not compact:
            w.put("other", [""], "\r\n")
        w.put("headers", [f"{_qq_clock(m.when, clock)} {m.title}{m.name}{m.ident}"], "\r\n")
        w.put("body", m.body[:-1], "\n")
        w.put("body", m.body[-1:], "\r\n")
        w.expected.append((m.name, "\n".join(m.body)))
    w.put("other", [""], "\r\n")
    return w


def _no_id_suffix(name: str) -> bool:
    return not re.search(r"[)>]\s*$", name)


@SETTINGS
@given(msgs=messages(ids=True, titles=True), clock=st.sampled_from(["24", "24-unpadded", "en12", "zh12"]))
def test_qq_txt_group_every_header_is_a_message(tmp_path: Path, msgs: list[Msg], clock: str) -> None:
    written = write_qq_txt(msgs, group=True, clock=clock)
    _check(_import(tmp_path, written, "qq-txt", "g.txt"), written)


@SETTINGS
@given(msgs=messages(_no_id_suffix), clock=st.sampled_from(["24", "en12", "zh12"]))
def test_qq_txt_private_chat_every_header_is_a_message(tmp_path: Path, msgs: list[Msg], clock: str) -> None:
    written = write_qq_txt(msgs, group=False, clock=clock)
    _check(_import(tmp_path, written, "qq-txt", "p.txt"), written)


@SETTINGS
@given(msgs=messages(ids=True), banner=st.booleans())
def test_qq_txt_without_blank_lines_between_messages_still_splits(tmp_path: Path, msgs: list[Msg],
                                                                   banner: bool) -> None:
    written = write_qq_txt(msgs, group=True, banner=banner, compact=True)
    _check(_import(tmp_path, written, "qq-txt", "edited.txt"), written)


@SETTINGS
@given(msgs=messages(_no_id_suffix, inner_blanks=False))
def test_qq_txt_private_chat_without_blank_lines_still_splits(tmp_path: Path, msgs: list[Msg]) -> None:
    written = write_qq_txt(msgs, group=False, compact=True)
    _check(_import(tmp_path, written, "qq-txt", "edited.txt"), written)


@SETTINGS
@given(msgs=messages(ids=True))
def test_qq_txt_body_without_banner_is_detected_and_imported(tmp_path: Path, msgs: list[Msg]) -> None:
    msgs[0].ident = "(10001)"  # an unmistakable account id on the first header
    written = write_qq_txt(msgs, group=True, banner=False)
    path = tmp_path / "copied part.txt"
    path.write_text(written.text, encoding="utf-8")
    assert detect(path).name == "qq-txt"
    conversations = list(get("qq-txt").parse(path, ParseOptions()))
    assert conversations[0].name == "copied part"
    _check(conversations, written)


# --- QQChatExporter TXT --------------------------------------------------------------------------------

def write_qce_txt(msgs: list[Msg], *, banner: bool = True) -> Written:
    w = Written()
    if banner:
        w.put("other", ["[QQChatExporter V5 / https://github.com/shuakami/qq-chat-exporter]", "", SEP[:47],
                        "           QQ聊天记录导出文件", SEP[:47], "", "聊天名称: 测试群", "聊天类型: 群聊",
                        f"消息总数: {len(msgs)}", "", ""])
    for m in msgs:
        w.put("headers", [f"{m.name}:"])
        w.put("body", [f"时间: {m.when:%Y-%m-%d %H:%M:%S}", f"内容: {m.body[0]}", *m.body[1:]])
        w.put("other", ["", ""])
        w.expected.append((m.name, "\n".join(m.body)))
    if banner:
        w.put("other", [SEP[:47], "              导出完成", SEP[:47], f"总计导出 {len(msgs)} 条消息",
                        "导出时间: 2030-01-02 10:00:00"])
    return w


def _qce_name(name: str) -> bool:
    return not name.startswith("[") and name != "系统消息" and not name.endswith(":")


@SETTINGS
@given(msgs=messages(_qce_name), banner=st.booleans())
def test_qce_txt_every_sender_line_is_a_message(tmp_path: Path, msgs: list[Msg], banner: bool) -> None:
    written = write_qce_txt(msgs, banner=banner)
    _check(_import(tmp_path, written, "qce-txt", "qce.txt"), written)


# --- WeChat text layouts ------------------------------------------------------------------------------

def _records(msgs: list[Msg], header: Callable[[Msg], str], *, blank_between: bool = True,
             expected_name: Callable[[Msg], str] = lambda m: m.name) -> Written:
    w = Written()
    for i, m in enumerate(msgs):
        if i and blank_between:
            w.put("other", [""])
        w.put("headers", [header(m)])
        w.put("body", m.body)
        w.expected.append((expected_name(m), "\n".join(m.body)))
    w.put("other", [""])
    return w


def _wechat_name(name: str) -> bool:
    return name not in ("我", "me", "系统消息") and not re.search(r"[)>]$", name)


@SETTINGS
@given(msgs=messages(lambda s: _wechat_name(s) and "'" not in s and not s.startswith("|")))
def test_memotrace_txt_every_header_is_a_message(tmp_path: Path, msgs: list[Msg]) -> None:
    written = _records(msgs, lambda m: f"{m.when:%Y-%m-%d %H:%M:%S} {m.name}")
    _check(_import(tmp_path, written, "memotrace-txt", "群.txt"), written)


@SETTINGS
@given(msgs=messages(lambda s: _wechat_name(s) and s != "群"), compact=st.booleans())
def test_weflow_txt_every_header_is_a_message(tmp_path: Path, msgs: list[Msg], compact: bool) -> None:
    written = _records(msgs, lambda m: f"{m.when:%Y-%m-%d %H:%M:%S} '{m.name}'", blank_between=not compact)
    _check(_import(tmp_path, written, "weflow-txt", "群.txt"), written)


@SETTINGS
@given(msgs=messages(_wechat_name), wxid=st.from_regex(r"wxid_[a-z0-9]{6,10}", fullmatch=True))
def test_chatlog_text_every_header_is_a_message(tmp_path: Path, msgs: list[Msg], wxid: str) -> None:
    written = _records(msgs, lambda m: f"{m.name}({wxid}) {m.when:%Y-%m-%d %H:%M:%S}")
    _check(_import(tmp_path, written, "chatlog-text", "群_2020-01-01.txt"), written)


def _one_line_headers(msgs: list[Msg], head: Callable[[Msg], str], preamble: list[str]) -> Written:
    """Layouts whose header line carries the message's first line (the rest continue below)."""
    w = Written()
    w.put("other", preamble)
    for m in msgs:
        w.put("headers", [head(m) + m.body[0]])
        w.put("body", m.body[1:])
        w.expected.append((m.name, "\n".join(m.body)))
    return w


@SETTINGS
@given(msgs=messages(_wechat_name))
def test_wechatexporter_txt_every_header_is_a_message(tmp_path: Path, msgs: list[Msg]) -> None:
    written = _one_line_headers(msgs, lambda m: f"{m.name} ({m.when:%Y-%m-%d %H:%M:%S}):", ["测试群 - 微信聊天记录", ""])
    _check(_import(tmp_path, written, "wechatexporter-txt", "index.txt"), written)


@SETTINGS
@given(msgs=messages(lambda s: _wechat_name(s) and ":" not in s))
def test_wechatbaktool_txt_every_row_is_a_message(tmp_path: Path, msgs: list[Msg]) -> None:
    written = _one_line_headers(msgs, lambda m: f"{m.when:%Y-%m-%d %H:%M:%S} | {m.name}:",
                                ["WechatBakTool", "与 测试群 的聊天记录", "导出时间：2030-01-01 10:00:00", "=" * 65, "", ""])
    _check(_import(tmp_path, written, "wechatbaktool-txt", "x.txt"), written)


@SETTINGS
@given(msgs=messages(_wechat_name), fraction=st.booleans())
def test_wechat_dump_every_row_is_a_message(tmp_path: Path, msgs: list[Msg], fraction: bool) -> None:
    stamp = "%Y-%m-%d %H:%M:%S.123000" if fraction else "%Y-%m-%d %H:%M:%S"
    written = _one_line_headers(msgs, lambda m: f"1|{m.name}:{m.when.strftime(stamp)}:", [])
    _check(_import(tmp_path, written, "wechat-dump", "群.txt"), written)


@SETTINGS
@given(msgs=messages(one_day=True), blank=st.booleans())
def test_irc_every_line_is_a_message(tmp_path: Path, msgs: list[Msg], blank: bool) -> None:
    w = Written()
    for i, m in enumerate(msgs):
        nick = re.sub(r"[^A-Za-z0-9_]", "", m.name) or "nick"
        if i and blank:
            w.put("other", [""])
        w.put("headers", [f"[{m.when:%H:%M}] <{nick}> {m.body[0]}"])
        w.expected.append((nick, m.body[0]))
    _check(_import(tmp_path, w, "irc", "chan.txt", date=date(2024, 3, 5)), w)


# --- header-shaped lines that are not headers are reported, never silently folded -------------------------

QQ_GROUP = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:测试群", SEP, ""]


def _write(tmp_path: Path, lines: list[str], name: str = "x.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_content_line_shaped_like_a_header_is_reported_as_unaccepted(tmp_path: Path) -> None:
    path = _write(tmp_path, [*QQ_GROUP, "2024-03-02 9:00:00 阿杰(10001)", "会议改到：",
                             "2024-03-05 14:00:00 线上会议", "", "2024-03-02 9:01:00 小林(10002)", "收到", ""])
    [conversation] = get("qq-txt").parse(path, ParseOptions())
    assert conversation.messages.column(S.TEXT).to_pylist() == ["会议改到：\n2024-03-05 14:00:00 线上会议", "收到"]
    assert conversation.lines.unaccepted == [11]
    assert conversation.lines.to_dict()["unaccepted_lines"] == [11]


def test_a_message_swallowing_many_header_shaped_lines_is_an_error_not_one_giant_message(tmp_path: Path) -> None:
    glued = [f"2024-03-02 9:{m:02d}:00 路人{m}" for m in range(1, 30)]  # no ids, no blank lines: cannot be split
    path = _write(tmp_path, [*QQ_GROUP, "2024-03-02 9:00:00 阿杰(10001)", "开始", *glued, ""])
    with pytest.raises(FormatError, match="cannot be split") as err:
        list(get("qq-txt").parse(path, ParseOptions()))
    assert err.value.line == 11


def test_memotrace_header_right_under_text_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, ["2024-03-15 09:12:03 老张", "早上好", "2024-03-15 09:12:40 李四", "", "2024-03-15 09:13:05 王五",
                             "收到"], name="群.txt")
    [conversation] = get("memotrace-txt").parse(path, ParseOptions())
    assert conversation.messages.num_rows == 2
    assert conversation.lines.unaccepted == [3]
