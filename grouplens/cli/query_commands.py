"""Commands that ask the store directly: search (text with context) and sql (DuckDB)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from .app import GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, app, errors_to_exit, stderr, stdout


class SearchFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


class SqlFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


@app.command("search")
@errors_to_exit
def search_command(
    text: Annotated[str, typer.Argument(help="The text to find (a substring; --regex for an RE2 pattern).",
                                        show_default=False)],
    group: GroupOpt = None,
    all_groups: Annotated[bool, typer.Option("--all", help="Search every group of the store.")] = False,
    member: Annotated[str | None, typer.Option("--member", "-m", help="Only messages by this member (id, name, "
                                               "or part of a name).", show_default=False)] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only messages of this kind (text, link, "
                                                   "file…); repeat for several.", show_default=False)] = None,
    context: Annotated[int, typer.Option("--context", "-C", help="Messages to show before and after each "
                                         "match.")] = 2,
    regex: Annotated[bool, typer.Option("--regex", help="TEXT is a regular expression (RE2 syntax).")] = False,
    case_sensitive: Annotated[bool, typer.Option("--case-sensitive", help="Match upper and lower case "
                                                 "exactly.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="Stop after N matches.",
                                              show_default=False)] = None,
    store: StoreOpt = None,
    fmt: Annotated[SearchFormat, typer.Option("--format", "-f", help="table (matches highlighted), csv or jsonl "
                                              "(one object per message shown, with match number and "
                                              "is_match).")] = SearchFormat.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """Find messages by their text, with the messages around each match.

    Example: grouplens search 退款 --group 周末羽毛球交流群 --context 3 --since 2024-03-01
    """
    from ..query.search import search_messages
    from ..store.store import open_store
    from . import output

    zone = ZoneInfo(tz)
    result = search_messages(open_store(store), text, group=group, all_groups=all_groups, member=member,
                             since=since, until=until, kinds=kind, context=context, regex=regex,
                             case_sensitive=case_sensitive, limit=limit, tz=zone)
    if fmt is SearchFormat.jsonl:
        output.write_jsonl(result.rows, sys.stdout, zone)
    elif fmt is SearchFormat.csv:
        output.write_csv(result.rows, sys.stdout, zone)
    else:
        stdout.print(output.search_table(result, zone))
    stderr.print(f"{result.matches} match{'es' if result.matches != 1 else ''} in {result.groups} "
                 f"group{'s' if result.groups != 1 else ''}", highlight=False)


@app.command("sql")
@errors_to_exit
def sql_command(
    query: Annotated[str, typer.Argument(help="One SQL statement that reads (SELECT, WITH, DESCRIBE, SHOW…) "
                                         "over the views messages, members, groups, rosters, tokens.",
                                         show_default=False)],
    store: StoreOpt = None,
    fmt: Annotated[SqlFormat, typer.Option("--format", "-f", help="table, csv, jsonl, or parquet (needs "
                                           "--output).")] = SqlFormat.table,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.",
                                             show_default=False)] = None,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """Run SQL over the store with DuckDB (read-only; nothing is copied or changed).

    Example: grouplens sql "SELECT sender_name, count(*) AS n FROM messages GROUP BY ALL ORDER BY n DESC LIMIT 10"
    """
    from ..errors import UsageError
    from ..query.sql import run_sql
    from ..store.store import open_store
    from . import output

    if fmt is SqlFormat.parquet and out is None:
        raise UsageError("--format parquet writes a file: add --output FILE.parquet")
    result = run_sql(open_store(store), query)
    zone = ZoneInfo(tz)
    if fmt is SqlFormat.parquet:
        output.write_parquet(result.table, out)
        return
    frame = result.table.to_pandas()
    if fmt is SqlFormat.table and out is None:
        stdout.print(output.rich_table(frame, tz=zone, title=f"{len(frame)} rows"))
        return
    with output.opened(out) as sink:
        if fmt is SqlFormat.jsonl:
            output.write_jsonl(frame, sink, zone)
        elif fmt is SqlFormat.csv:
            output.write_csv(frame, sink, zone)
        else:
            output.write_table_text(frame, sink, zone)
