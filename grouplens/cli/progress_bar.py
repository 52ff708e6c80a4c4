"""The progress bar of a long analysis (roles, engagement, report): on stderr, naming the phase.

It shows only when stderr is a terminal (rich's own test, which ``FORCE_COLOR`` or
``TTY_COMPATIBLE`` can change), and it is cleared when the analysis ends, so standard output,
JSON included, holds the result alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def phase_bar(command: str) -> Iterator[None]:
    """Show ``command · <phase>`` with a moving bar and the time spent, while the block runs."""
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..progress import phases
    from .app import stderr

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
        task = bar.add_task(escape(command), total=None)

        def show(name: str) -> None:
            bar.update(task, description=escape(f"{command} · {name}"))
            bar.refresh()  # a phase may end before the next timed refresh: show every one

        with phases(show):
            yield
