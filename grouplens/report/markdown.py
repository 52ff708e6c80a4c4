"""A report as Markdown (``render_markdown``), ready to paste into a weekly-review document.

Writes the report's page (``page.build_page``: the same page the terminal and HTML writers
render) as headings, tables and lists; a chart becomes the table beside it. Every text is
escaped so that names and chat texts show literally: no table break, link, emphasis or raw HTML.
"""

from __future__ import annotations

import re
from typing import Any

from .labels import label
from .page import Alerts, Block, Cell, Chart, Facts, Names, Note, Table, build_page, colon, heading, word

# --- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])[^<>]*>?")  # what a Markdown renderer could take for raw HTML
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"[#>+=-]|\d+[.)]")
TONE_MARKS = {"good": "🟢 ", "bad": "🔴 "}
SEVERITY_MARKS = {"high": "🔴", "warning": "🟠", "info": "🔵"}


def md_escape(s: str, line_start: bool = False) -> str:
    """Text as Markdown that shows it literally, on one line: no table break, link, emphasis or
    raw HTML (``<script>`` becomes ``&lt;script&gt;``, which Markdown renderers show as text).
    ``line_start``: the text begins a line, so a leading ``#``, ``>``, ``-`` or ``1.`` is escaped
    too (it would make a heading, quote or list)."""
    s = _MD_ENTITY.sub("&amp;", " ".join(s.split()))
    s = _MD_TAG.sub(lambda m: m.group(0).replace("<", "&lt;").replace(">", "&gt;"), s)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    if line_start and _MD_LINE_START.match(s):
        s = "\\" + s if not s[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", s)
    return s


def md_cell(c: Cell) -> str:
    return TONE_MARKS.get(c.tone or "", "") + md_escape(c.text) if c.text else ""


def md_table(t: Table) -> list[str]:
    out = [f"**{md_escape(t.caption)}**", ""] if t.caption else []
    out.append("| " + " | ".join(md_escape(c.title) or " " for c in t.columns) + " |")
    out.append("|" + "|".join("---:" if c.align == "r" else "---" for c in t.columns) + "|")
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in t.rows]
    return out


def md_block(b: Block, lang: str) -> list[str]:
    if isinstance(b, Table):
        return md_table(b)
    if isinstance(b, Facts):
        sep = " · "
        return [sep.join(f"**{md_escape(f.label)}** {md_escape(f.value)}"
                         + (f" {md_cell(f.change)}" if f.change and f.change.text else "") for f in b.items)]
    if isinstance(b, Alerts):
        return [f"- {SEVERITY_MARKS.get(sev, '•')} **{md_escape(word_)}** {md_escape(message)}"
                for sev, word_, message in b.items]
    if isinstance(b, Names):
        sep = "、" if lang == "zh" else ", "
        more = f" …({md_escape(word('more', lang).format(n=b.more))})" if b.more else ""
        return [f"**{md_escape(b.title)}**: " + (sep.join(md_escape(n) for n in b.names) or "—") + more]
    if isinstance(b, Note):
        mark = TONE_MARKS.get(b.tone or "", "")
        return [mark + md_escape(b.text, line_start=not mark)]
    if isinstance(b, Chart):
        return md_table(b.fallback) if b.fallback else []
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render_markdown(report: dict[str, Any]) -> str:
    """The report (its ``to_dict()``) as Markdown: a title, the period, then one ``##`` section
    per part with its tables; weekly changes carry ▲/▼ and 🟢/🔴 for better/worse."""
    p = build_page(report)
    title = p.title + (f" · {p.group}" if p.group else "") + f" · {p.period}"
    lines = [f"# {md_escape(title)}", ""]
    head = [md_escape(x, line_start=i == 0) for i, x in enumerate(p.lines)]
    if p.stage_text:
        head.insert(0, f"**{md_escape(heading(label('stage', p.lang), p.lang) + colon(p.lang) + p.stage_text)}**")
    head += [f"*{md_escape(b)}*" for b in p.badges]
    lines += [" · ".join(head), ""]
    for section in p.sections:
        lines += [f"## {md_escape(section.title)}", ""]
        for block in section.blocks:
            rendered = md_block(block, p.lang)
            if rendered:
                lines += [*rendered, ""]
    lines += ["---", f"*{md_escape(p.footer)}*", ""]
    return "\n".join(lines)
