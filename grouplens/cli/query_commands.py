"""Commands that ask the store directly: search (text with context) and sql (DuckDB)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from .app import DATA, PEOPLE, GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, app, edge, errors_to_exit, flag, stderr
from .output import OutputOptions, emit, frame_table, output_options, search_table, write_parquet


@app.command("search", rich_help_panel=PEOPLE)
@errors_to_exit
@output_options("table", "csv", "jsonl", format_help="table (matches highlighted), csv or jsonl (one object per "
                                                     "message shown, with match number and is_match)")
def search_command(
    text: Annotated[str, typer.Argument(help="The text to find (a substring; --regex for an RE2 pattern).",
                                        show_default=False, metavar="TEXT")],
    group: GroupOpt = None,
    all_groups: Annotated[bool, flag("--all", help="Search every group of the store.")] = False,
    member: Annotated[str | None, typer.Option("--member", "-m", metavar="MEMBER", show_default=False,
                                               help="Only messages by this member (id, name, or part of a "
                                               "name).")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", metavar="KIND", show_default=False,
                                                   help="Only messages of this kind (text, link, file…); repeat "
                                                   "for several.")] = None,
    context: Annotated[int, typer.Option("--context", "-C", metavar="N",
                                         help="Messages to show before and after each match.")] = 2,
    regex: Annotated[bool, flag("--regex", help="TEXT is a regular expression (RE2 syntax).")] = False,
    case_sensitive: Annotated[bool, flag("--case-sensitive", help="Match upper and lower case exactly.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", show_default=False,
                                              help="Stop after N matches.")] = None,
    store: StoreOpt = None,
    tz: TzOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Find messages by their text, with the messages around each match.

    Example: grouplens search 退款 --group 周末羽毛球交流群 --context 3 --since 2024-03-01
    """
    from ..query.search import search_messages

    e = edge(store, tz=tz)
    result = search_messages(e.store(), text, group=group, all_groups=all_groups, member=member, since=since,
                             until=until, kinds=kind, context=context, regex=regex, case_sensitive=case_sensitive,
                             limit=limit, tz=e.tz)
    emit(result.rows, out, tz=e.tz, table=lambda fit: search_table(result, e.tz))
    stderr.print(f"{result.matches} match{'es' if result.matches != 1 else ''} in {result.groups} "
                 f"group{'s' if result.groups != 1 else ''}", highlight=False)


@app.command("sql", rich_help_panel=DATA)
@errors_to_exit
@output_options("table", "csv", "jsonl", "parquet", format_help="table, csv, jsonl, or parquet (needs --output)")
def sql_command(
    query: Annotated[str, typer.Argument(help="One SQL statement that reads (SELECT, WITH, DESCRIBE, SHOW…) "
                                         "over the views messages, members, groups, rosters, tokens.",
                                         show_default=False, metavar="QUERY")],
    store: StoreOpt = None,
    tz: TzOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Run SQL over the store with DuckDB (read-only; nothing is copied or changed).

    Example: grouplens sql "SELECT sender_name, count(*) AS n FROM messages GROUP BY ALL ORDER BY n DESC LIMIT 10"
    """
    from ..query.sql import run_sql

    if out.format == "parquet" and out.path is None:
        raise UsageError("--format parquet writes a file: add --output FILE.parquet")
    e = edge(store, tz=tz)
    result = run_sql(e.store(), query)
    if out.format == "parquet":
        write_parquet(result.table, out.path)
        return
    frame = result.table.to_pandas()
    emit(frame, out, tz=e.tz, table=lambda fit: frame_table(frame, title=f"{len(frame)} rows", tz=e.tz, fit=fit))
