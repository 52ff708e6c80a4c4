"""The ``grouplens`` command line: thin commands over the library.

Every command parses its options, calls one library function and renders the result. Library
errors (``GrouplensError``) become one line on stderr and exit code 1; anything unexpected
becomes one line and exit code 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

from .app import app, main
from . import data_commands  # noqa: F401  (registers import, groups, messages, members, formats)

__all__ = ["app", "main"]
