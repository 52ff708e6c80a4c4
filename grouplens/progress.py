"""Which phase a long analysis is in, for whoever shows progress.

Roles, engagement and reports on a big group take seconds: reading the messages, their classes,
reply links, threads, members' figures. The library says when it starts each phase with
``phase("reply links")``; that costs nothing unless a caller listens, which the command line
does to name the phase on its progress bar (``with phases(show): ...``). A listener is kept in a
context variable, so concurrent callers each hear only their own analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

PhaseListener = Callable[[str], None]

_listener: ContextVar[PhaseListener | None] = ContextVar("grouplens_phase_listener", default=None)


def phase(name: str) -> None:
    """Tell the listener, if any, that the analysis now starts ``name``."""
    listener = _listener.get()
    if listener is not None:
        listener(name)


@contextmanager
def phases(listener: PhaseListener) -> Iterator[None]:
    """Call ``listener(name)`` for every phase the analyses run inside this block start."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
