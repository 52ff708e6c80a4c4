"""grouplens: import WeChat and QQ group exports into one Parquet store and review the groups.

Library entry points: ``open_store(path)`` to read a store, ``import_paths(store, paths)`` to
import exports into it. They are loaded on first use, so that ``grouplens`` on the command line
can install its Ctrl-C handler before pandas and pyarrow are imported, and so that importing a
small part of grouplens (as each command of the CLI does) does not load the store, pandas and
the importers with it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the Ctrl-C handler 15 ms
if TYPE_CHECKING:
    from .store.ingest import import_paths
    from .store.store import Store, open_store

__all__ = ["Store", "__version__", "import_paths", "open_store"]


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version
        try:
            value = version("grouplens")
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0.0.0+source"
    elif name == "import_paths":
        from .store.ingest import import_paths as value
    elif name in ("Store", "open_store"):
        from .store import store as _store
        value = getattr(_store, name)
    else:
        raise AttributeError(f"module 'grouplens' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
