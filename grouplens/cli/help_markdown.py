"""``--help`` without loading a Markdown parser for text that has no Markdown in it.

The CLI's help is typer's rich help in Markdown mode (``rich_markup_mode="markdown"``), so that
a paragraph wraps to the terminal and a `code` span is set off. Typer's help module imports
``rich.markdown`` (and, with it, markdown-it and pygments) and builds one Markdown parser per
help text: 0.1–0.15 s, a third of ``grouplens --help``. Nearly every help text is plain
paragraphs with `code` spans.

``HelpMarkdown`` takes the place of ``rich.markdown.Markdown`` in typer's help module. A text
made of plain paragraphs, soft line breaks and single-backtick code spans only (checked
conservatively: anything that could be other Markdown, such as a list, emphasis, a link or an
entity, fails the check) is rendered here exactly as rich's Markdown renders it: the same
``Text`` objects, appended piece by piece with the same styles. Any other text is handed to
rich's own Markdown, so the help printed is the same either way; tests compare the two renderings
of every help text of the CLI, with colour, at several widths.

``install()`` makes typer's ``format_help`` load its help module with this class in place of
rich's Markdown (and a stand-in for rich's traceback renderer, which help never uses) and then
puts ``sys.modules`` back: any later ``import rich.markdown`` gets the real module.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# A line that could start a block other than a paragraph (heading, quote, list, rule, setext
# underline, fence, table, HTML block, link reference definition, numbered list) or continue one.
_BLOCK_START = re.compile(r"[#>\-+*=_|~`<\[]|\d{1,9}[.)]")
# Characters that can start inline Markdown other than a code span, a ``\`` escape, an HTML tag or
# an entity (those are checked outside code spans, where they count), or change the text read.
_INLINE = re.compile(r"[*|\r\t\f\v\0]|~~|``|\\`|!\[|\]\(|\]\[")
_SPACES = re.compile(r"[^\S \n]")  # whitespace other than a space or a newline
_CODE = re.compile(r"`([^`\n]+)`")
_ESCAPE = re.compile(r"\\(.?)")
_ENTITY = re.compile(r"&#?[0-9A-Za-z]+;")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def plain_paragraphs(markup: str) -> list[list[tuple[str, str]]] | None:
    """The text as paragraphs of ``("text" | "code" | "break", piece)``, in the order rich's
    Markdown appends them; None unless the text is certainly only paragraphs and code spans."""
    if _INLINE.search(markup) or _SPACES.search(markup):
        return None
    if any(len(line) - len(line.lstrip(" ")) >= 4 for line in markup.split("\n") if line.strip(" ")):
        return None  # indented code, or a line that may continue one
    paragraphs = []
    for block in re.split(r"\n *\n", markup.strip()):
        block = block.strip(" \n")
        if not block:
            continue
        pieces: list[tuple[str, str]] = []
        for i, line in enumerate(block.split("\n")):
            stripped = line.lstrip(" ")
            if line != line.rstrip(" ") or not stripped:
                return None
            if _BLOCK_START.match(stripped) and not (stripped.startswith("`") and _CODE.match(stripped)):
                return None
            if i:
                pieces.append(("break", " "))
            at = 0
            for m in _CODE.finditer(stripped):
                code = m.group(1)
                if code.startswith(" ") or code.endswith(" "):
                    return None
                if m.start() > at:
                    pieces.append(("text", stripped[at:m.start()]))
                pieces.append(("code", code))
                at = m.end()
            if stripped[at:]:
                pieces.append(("text", stripped[at:]))
        for j, (kind, piece) in enumerate(pieces):
            if kind == "text":
                text = _plain_text(piece)
                if text is None:
                    return None
                pieces[j] = (kind, text)
        paragraphs.append(pieces)
    return paragraphs


def _plain_text(text: str) -> str | None:
    """Text outside code spans as it reads (``\\[`` is ``[``), or None when it could hold other
    Markdown: a backtick left over, an HTML tag, an entity, a ``_`` that could open or close
    emphasis (only one between two letters or digits is plain), a ``[`` ``]`` that could make a link."""
    if "`" in text or "<" in text or _ENTITY.search(text):
        return None
    if "\\" in text:
        if any(m.group(1) not in _PUNCTUATION for m in _ESCAPE.finditer(text)):
            return None  # a backslash before a letter, or a hard line break
        text = _ESCAPE.sub(lambda m: m.group(1), text)
    for m in re.finditer("_", text):
        i = m.start()
        if i == 0 or i + 1 == len(text) or not (text[i - 1].isalnum() and text[i + 1].isalnum()):
            return None
    if re.search(r"\[[^\]]*$|^[^\[]*\]", text) or "[]" in text:
        return None
    return text


class HelpMarkdown:
    """``rich.markdown.Markdown`` for typer's help: plain paragraphs rendered here, anything
    else by rich's Markdown (same arguments, same result)."""

    def __init__(self, markup: str, code_theme: str = "monokai", justify: Any = None, style: Any = "none",
                 hyperlinks: bool = True, inline_code_lexer: str | None = None,
                 inline_code_theme: str | None = None):
        self.markup = markup
        self.style = style
        self.paragraphs = plain_paragraphs(markup) if justify is None and inline_code_lexer is None else None
        self.markdown: Any = None
        if self.paragraphs is None:
            from rich.markdown import Markdown
            self.markdown = Markdown(markup, code_theme=code_theme, justify=justify, style=style,
                                     hyperlinks=hyperlinks, inline_code_lexer=inline_code_lexer,
                                     inline_code_theme=inline_code_theme)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.markdown is not None:
            yield from self.markdown.__rich_console__(console, options)
            return
        from rich.segment import Segment
        from rich.text import Text

        # As Markdown.__rich_console__ does for a paragraph: the base style, then
        # markdown.paragraph on top of it, then markdown.code on top of that for a code span.
        base = console.get_style(self.style, default="none")
        options = options.update(height=None)
        paragraph = base + console.get_style("markdown.paragraph", default="none")
        code = paragraph + console.get_style("markdown.code", default="none")
        for i, pieces in enumerate(self.paragraphs or ()):
            text = Text(justify="left")
            for kind, piece in pieces:
                text.append(piece, code if kind == "code" else paragraph)
            if i:
                yield Segment.line()
            yield from console.render(text, options)


class _Traceback:
    """Stands in for ``rich.traceback.Traceback`` in typer's help module (used there only for
    pretty exceptions, which grouplens turns off); imports the real one if ever used."""

    @staticmethod
    def from_exception(*args: Any, **kwargs: Any) -> Any:
        from rich.traceback import Traceback
        return Traceback.from_exception(*args, **kwargs)


def load_typer_help() -> None:
    """Import typer's help module with ``HelpMarkdown`` as its Markdown, unless it is loaded."""
    if "typer.rich_utils" in sys.modules:
        return
    stand_ins = {}
    for name, attr, value in (("rich.markdown", "Markdown", HelpMarkdown), ("rich.traceback", "Traceback", _Traceback)):
        if name not in sys.modules:
            module = ModuleType(name, f"grouplens' stand-in while typer.rich_utils is imported ({__name__})")
            setattr(module, attr, value)
            stand_ins[name] = module
    sys.modules.update(stand_ins)
    try:
        import typer.rich_utils  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def install() -> None:
    """Load typer's help module through ``load_typer_help`` whenever help is about to be shown."""
    from typer.core import TyperCommand, TyperGroup

    for cls in (TyperCommand, TyperGroup):
        original = cls.format_help
        if getattr(original, "loads_help_markdown", False):
            continue

        def format_help(self: Any, ctx: Any, formatter: Any, _original: Any = original) -> Any:
            load_typer_help()
            return _original(self, ctx, formatter)

        format_help.loads_help_markdown = True  # type: ignore[attr-defined]
        cls.format_help = format_help  # type: ignore[method-assign]

