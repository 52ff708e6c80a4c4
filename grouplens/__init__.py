"""grouplens: import WeChat and QQ group exports into one Parquet store and review the groups.

Library entry points: ``open_store(path)`` to read a store, ``import_paths(store, paths)`` to
import exports into it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("grouplens")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

from .store.ingest import import_paths
from .store.store import Store, open_store

__all__ = ["Store", "__version__", "import_paths", "open_store"]
