"""The ``grouplens`` command line: thin commands over the library.

Every command parses its options, calls one library function and renders the result. Library
errors (``GrouplensError``) become one line on stderr and exit code 1; anything unexpected
becomes one line and exit code 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

from . import (  # noqa: F401  (they register their commands on app)
    analysis_commands,
    data_commands,
    report_commands,
    roles_commands,
    store_commands,
)
from .app import app, main

__all__ = ["app", "main"]
