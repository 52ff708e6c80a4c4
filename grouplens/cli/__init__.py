"""The ``grouplens`` command line: thin commands over the library.

Every command parses its options, calls one library function and hands the result to
``output.emit``. Library errors (``GrouplensError``) become one line on stderr and exit code 1;
anything unexpected becomes one line and exit code 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

# The command modules register their commands on ``app`` when typer first reads its commands
# (see ``app.COMMAND_MODULES``): ``grouplens groups`` loads the data commands alone.
from .app import app, main

__all__ = ["app", "main"]
