"""The store: one folder of Hive-partitioned Parquet files per company, written atomically.

``store`` opens and reads it and commits imports; ``ingest`` turns parsed exports into rows
(ids, deduplication, quotes resolved, members derived); ``schema`` (one level up) names the
columns.
"""

from .store import DEFAULT_STORE, STORE_ENV, GroupInfo, Store, Transaction, day_bounds, open_store, resolve_store_path

__all__ = ["DEFAULT_STORE", "STORE_ENV", "GroupInfo", "Store", "Transaction", "day_bounds", "open_store",
           "resolve_store_path"]
