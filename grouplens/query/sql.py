"""SQL over the store with DuckDB: the store's tables as views, read-only.

``run_sql(store, query)`` opens an in-memory DuckDB database whose views read the store's
Parquet files where they lie (nothing is copied):

- ``messages``: every group's messages (``schema.MESSAGE_COLUMNS``, ``group_id`` from the
  partition folder);
- ``members``: everyone known per group (``schema.MEMBERS_SCHEMA`` plus ``group_id``);
- ``groups``: one row per group;
- ``rosters``: member lists as imported;
- ``tokens``: each message's words (``msg_id``, ``tokens``, ``group_id``), for the messages
  segmented so far (the cache ``grouplens keywords``/``roles``/``report`` fill).

Only statements that read are run (``SELECT``, ``WITH … SELECT``, ``DESCRIBE``, ``SHOW``,
``EXPLAIN``, ``SUMMARIZE``, ``VALUES``, ``FROM …``); DuckDB's extension downloads are switched
off, so a query never reaches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .. import schema as S
from ..errors import UsageError
from ..store.store import Store

VIEWS = ("messages", "members", "groups", "rosters", "tokens")


@dataclass(frozen=True)
class SqlResult:
    table: pa.Table  # the rows, as Arrow (column types as DuckDB returned them)


def run_sql(store: Store, query: str) -> SqlResult:
    """The result of one read-only SQL statement over the store's views (see the module doc)."""
    import duckdb

    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    try:
        _create_views(con, store)
        statement = _single_reading_statement(con, query, duckdb)
        try:
            relation = con.sql(statement.query)
            # DuckDB 2 names it to_arrow_table; 1.x arrow()
            table = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
        except duckdb.Error as e:
            raise UsageError(f"SQL error: {_first_line(e)}") from None
        return SqlResult(table=table)
    finally:
        con.close()


def _single_reading_statement(con, query: str, duckdb):
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as e:
        raise UsageError(f"SQL error: {_first_line(e)}") from None
    if len(statements) != 1:
        raise UsageError(f"give one SQL statement (got {len(statements)})")
    statement = statements[0]
    kind = statement.type
    allowed = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
    if kind not in allowed:
        name = str(kind).rsplit(".", 1)[-1]
        raise UsageError(f"grouplens sql only reads the store; {name} statements are not run")
    return statement


def _create_views(con, store: Store) -> None:
    """A view per table; an empty table of the right shape where the store holds none yet. A
    store read from a URL is read through its fsspec filesystem (registered with DuckDB)."""
    fs = getattr(store, "fs", None)
    if fs is None:
        root = str(store.path)

        def has(pattern: str) -> bool:
            return any(store.path.glob(pattern))
    else:
        con.register_filesystem(fs)
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        root = f"{protocol}://{store.path}"

        def has(pattern: str) -> bool:
            return bool(fs.glob(f"{store.path}/{pattern}"))
    _view(con, "messages", root, S.FILE_SCHEMA, has)
    _view(con, "members", root, S.MEMBERS_SCHEMA, has)
    _view(con, "rosters", root, S.ROSTER_FILE_SCHEMA, has)
    _tokens_view(con, root, has)
    if has("groups.parquet"):
        con.execute(f"CREATE VIEW groups AS SELECT * FROM read_parquet({_literal(root + '/groups.parquet')})")
    else:
        con.register("_empty_groups", S.GROUPS_SCHEMA.empty_table())
        con.execute("CREATE VIEW groups AS SELECT * FROM _empty_groups")


def _view(con, name: str, root: str, schema: pa.Schema, has) -> None:
    if has(f"{name}/*/*.parquet"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_literal(f'{root}/{name}/*/*.parquet')}, "
                    "hive_partitioning = true, union_by_name = true)")
        return
    empty = schema.empty_table()
    if S.GROUP_ID not in empty.column_names:
        empty = empty.append_column(S.GROUP_ID, pa.array([], pa.string()))
    con.register(f"_empty_{name}", empty)
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM _empty_{name}")


def _tokens_view(con, root: str, has) -> None:
    """The token cache: one folder per segmenter setting (``seg-<fingerprint>``), shown as the
    ``segmenter`` column so a query can pick one when settings changed over time."""
    if has("tokens/*/*/*.parquet"):
        con.execute(f"CREATE VIEW tokens AS SELECT {S.MSG_ID}, {S.TOKENS}, {S.GROUP_ID}, "
                    "regexp_extract(filename, 'seg-([0-9a-f]+)', 1) AS segmenter "
                    f"FROM read_parquet({_literal(f'{root}/tokens/*/*/*.parquet')}, hive_partitioning = true, "
                    "filename = true)")
        return
    con.register("_empty_tokens", pa.table({S.MSG_ID: pa.array([], pa.string()),
                                            S.TOKENS: pa.array([], pa.list_(pa.string())),
                                            S.GROUP_ID: pa.array([], pa.string()),
                                            "segmenter": pa.array([], pa.string())}))
    con.execute("CREATE VIEW tokens AS SELECT * FROM _empty_tokens")


def _literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__

