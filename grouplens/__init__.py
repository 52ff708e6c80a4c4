"""grouplens: import WeChat and QQ group exports into one Parquet store and review the groups.

Library entry points: ``open_store(path)`` to read a store, ``import_paths(store, paths)`` to
import exports into it.

They are loaded on first use, so that importing a small part of grouplens (as each command of
the CLI does) does not load the store, pandas and the importers with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store.ingest import import_paths
    from .store.store import Store, open_store

__all__ = ["Store", "__version__", "import_paths", "open_store"]

_WHERE = {"import_paths": ".store.ingest", "Store": ".store.store", "open_store": ".store.store"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("grouplens")
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0.0.0+source"
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
