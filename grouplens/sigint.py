"""Ctrl-C on the command line: one handler, installed before anything heavy is imported.

- While grouplens is still starting (importing pandas and pyarrow takes a second) nothing has
  been touched: one line, exit 130, no traceback.
- While a command runs, Ctrl-C raises KeyboardInterrupt as usual; the command's error boundary
  (``cli.app.errors_to_exit``) says what happened: nothing changed, or, for a change past its
  commit point, that it is finished on the next open.
- Between a change's commit point and its end (``store.store.committing()``), Ctrl-C is held
  back until the change is complete; the command then says so and exits 130.

This module imports only the standard library's lightest parts.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

INTERRUPTED_EXIT = 130
state: dict[str, Any] = {"phase": "starting", "deferred": False}


def install() -> None:
    """Install the handler (from the main thread, first thing on start)."""
    state.update(phase="starting", deferred=False)
    signal.signal(signal.SIGINT, _handler)


def _handler(signum: int, frame: Any) -> None:
    store = sys.modules.get("grouplens.store.store")
    committing = getattr(store, "committing", None)  # absent while that module is still being imported
    if committing is not None and committing():
        state["deferred"] = True  # the change completes; the command reports the Ctrl-C after it
        return
    if state["phase"] == "starting":
        os.write(2, b"interrupted; nothing was changed\n")
        os._exit(INTERRUPTED_EXIT)
    if state["phase"] == "done":
        os._exit(INTERRUPTED_EXIT)
    raise KeyboardInterrupt


def running() -> None:
    state["phase"] = "running"


def finished() -> bool:
    """Mark the command done; True if a Ctrl-C was held back while a change completed."""
    state["phase"] = "done"
    deferred, state["deferred"] = state["deferred"], False
    return deferred
