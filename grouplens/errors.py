"""grouplens' own exceptions. The CLI turns each into one line on stderr and a non-zero exit."""

from __future__ import annotations

from pathlib import Path


class GrouplensError(Exception):
    """A problem a user can act on; carries the file and line it concerns, when there is one."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return where + self.message


class FormatError(GrouplensError):
    """An input file is not what its format says it should be (or not an export at all)."""


class UnknownFormatError(FormatError):
    """No supported layout recognises the file."""


class StoreError(GrouplensError):
    """The store is missing, damaged or cannot be written."""


class StoreBusyError(StoreError):
    """Another grouplens process holds the store's lock."""


class StoreDamagedError(StoreError):
    """A file of the store cannot be read, is not what its place says, or is missing."""


class DiskFullError(StoreError):
    """The disk holding the store has no room for a change (nothing was changed)."""


class GroupConflictError(GrouplensError):
    """A conversation would land in a group folder that already holds a different conversation."""


class GroupNotFoundError(GrouplensError):
    """A --group value names no group in the store, or names several."""


class EngineError(GrouplensError):
    """The engine that runs per-group work cannot: no dask scheduler there, no workers, or
    workers that run another grouplens."""


class UsageError(GrouplensError):
    """Options that cannot work together, or a value out of range."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a change to the store; ``committed`` says whether the change had passed its
    commit point (then it is finished the next time the store is opened)."""

    def __init__(self, committed: bool):
        super().__init__()
        self.committed = committed
