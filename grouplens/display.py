"""Making chat text safe to show: in a terminal, and in a spreadsheet.

Chat exports carry whatever members typed, and an attacker in a group can type escape
sequences and formulas. Two things are kept out of what grouplens shows (the store and the
JSON output keep every character as it was):

- ``terminal_safe``: control characters, removed from anything printed to a terminal. An ESC
  sequence (``\\x1b[2J`` clears the screen, ``\\x1b[1A`` moves the cursor up, OSC 8 makes a
  hidden link, OSC 52 writes the clipboard) would otherwise act on the operator's terminal, and
  bidirectional overrides would reorder what is shown. Whole escape sequences go, as do other
  C0 and C1 controls, DEL and the bidi embedding/override/isolate marks; a tab or line break
  becomes a space.
- ``spreadsheet_safe``: a CSV cell that Excel, WPS or LibreOffice would run as a formula (it
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, as
  OWASP advises (CSV injection). A plain number such as ``-3`` or ``+0.5`` is left alone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO

# ESC [ … final byte (CSI); ESC ] … BEL or ESC \ (OSC, e.g. OSC 8 links); ESC P/X/^/_ … ESC \
# (DCS, SOS, PM, APC); then any other two-byte ESC sequence. The 8-bit C1 forms of CSI/OSC too.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")
# C0 (but tab and line breaks, handled above), DEL, C1, and the bidi embeddings, overrides and isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def terminal_safe(text: str) -> str:
    """``text`` without escape sequences and control characters, on one line."""
    if not text:
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    return _CONTROLS.sub("", text)


def terminal_safe_lines(text: str) -> str:
    """``terminal_safe`` for text that may span lines: line breaks are kept."""
    return "\n".join(terminal_safe(line) for line in text.replace("\r\n", "\n").split("\n"))


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: ``'`` before a cell that would start a
    formula; plain numbers and everything else unchanged."""
    if cell and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class SafeCsvWriter:
    """``csv.writer`` whose cells pass through ``spreadsheet_safe`` (unless ``keep_formulas``):
    every CSV grouplens writes goes through one of these."""

    def __init__(self, out: IO[str], *, keep_formulas: bool = False):
        # Rows end with "\n"; a writer ending rows with "\r\n" quotes every cell holding a line
        # break, a bare "\r" included (one ending them with "\n" would leave a "\r" unquoted,
        # and the CSV unreadable), and its row end is swapped for "\n".
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n")
        self._out = out
        self.keep_formulas = keep_formulas

    def writerow(self, cells: Iterable[str]) -> None:
        self._writer.writerow(cells if self.keep_formulas else [spreadsheet_safe(c) for c in cells])
        self._out.write(self._row.getvalue()[:-2] + "\n")
        self._row.seek(0)
        self._row.truncate()
