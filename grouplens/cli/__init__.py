"""The ``grouplens`` command line: thin commands over the library.

Every command parses its options, calls one library function and hands the result to
``output.emit``. Library errors (``GrouplensError``) become one line on stderr and exit code 1;
anything unexpected becomes one line and exit code 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import grouplens

from .app import app, main

# The console script (grouplens.__main__) loads a command's module when it runs it: ``grouplens
# groups`` loads the data commands alone (see ``app.COMMAND_MODULES``). Any other user of this
# package (a test, a program embedding the CLI) gets every command now, as it is imported.
if not getattr(grouplens, "_command_line", False):
    app.registered_commands.load()

__all__ = ["app", "main"]
