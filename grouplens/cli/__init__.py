"""The ``grouplens`` command line: thin commands over the library.

Every command parses its options, calls one library function and hands the result to
``output.emit``. Library errors (``GrouplensError``) become one line on stderr and exit code 1;
anything unexpected becomes one line and exit code 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

# The command modules register their commands on ``app``; --help lists them in this order.
# isort: off
from . import data_commands  # noqa: F401
from . import roles_commands  # noqa: F401
from . import analysis_commands  # noqa: F401
from . import query_commands  # noqa: F401
from . import report_commands  # noqa: F401
from . import config_commands  # noqa: F401
from . import store_commands  # noqa: F401
# isort: on
from .app import app, main

__all__ = ["app", "main"]
