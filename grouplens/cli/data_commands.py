"""Commands that move data in and out of the store: import, groups, messages, members, formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .app import (
    DATA,
    GroupOpt,
    SinceOpt,
    StoreOpt,
    TzOpt,
    UntilOpt,
    _state,
    app,
    edge,
    errors_to_exit,
    flag,
    stderr,
)
from .output import Col, OutputOptions, emit, output_options

# Each command imports what it needs when it runs (`grouplens --help` and `groups` stay instant).
if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    from ..store.ingest import ImportReport
    from ..store.store import Store


@app.command("import", rich_help_panel=DATA)
@errors_to_exit
def import_command(
    paths: Annotated[list[str], typer.Argument(help="Export files or folders (walked recursively).",
                                               show_default=False, metavar="PATH")],
    store: StoreOpt = None,
    layout: Annotated[str | None, typer.Option("--format", "-f", metavar="LAYOUT", show_default=False,
                                               help="Force a layout (see `grouplens formats`) instead of "
                                               "detecting it.")] = None,
    group: GroupOpt = None,
    tz: TzOpt = None,
    date: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", show_default=False,
                                             help="The date for layouts whose times have none (IRC logs, "
                                             "chatlog text).")] = None,
    as_json: Annotated[bool, flag("--json", help="Print the import report as JSON.")] = False,
    strict: Annotated[bool, flag("--strict", help="Refuse a text export in which some lines look like message "
                                 "headers but were not read as ones (by default it is imported and a warning "
                                 "names the lines).")] = False,
) -> None:
    """Import chat exports (any mix of formats, detected by content) into the store.

    Re-importing an export adds nothing; overlapping exports are merged exactly. A member list
    CSV is imported the same way; it names its group in a `group` column (as `grouplens simulate`
    writes it), else --group says which group it lists. Files grouplens itself writes beside
    exports (`truth.json`, `grouplens.toml`) are skipped with a note. Every line of a text
    export is accounted for: the summary's "unaccepted" column counts lines shaped like a message
    header that were not read as one (their text stays in the message before them).

    Example: grouplens import ~/exports/ && grouplens import members.csv --group 周末羽毛球交流群
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..display import terminal_safe
    from ..store.ingest import import_paths, make_options, unaccepted_message

    e = edge(store, tz=tz)
    make_options(e.tz, date)  # fail on a bad --date before touching anything
    out = OutputOptions("json" if as_json else "table")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
        task = bar.add_task("importing", total=None)
        current = {"path": ""}

        def progress(event: str, details: dict) -> None:
            if event == "start":
                bar.update(task, total=details["total"])
            elif event == "waiting":
                stderr.print("waiting for another import to finish…", highlight=False)
            elif event == "file":
                current["path"] = short_path(details["path"])
                bar.update(task, description=escape(terminal_safe(current["path"])))
            elif event == "phase":
                bar.update(task, description=escape(terminal_safe(f"{current['path']} · {details['phase']}")))
            elif event == "done":
                bar.advance(task)

        report = import_paths(e.store_path, paths, fmt=layout, group=group, tz=e.tz, day=date, strict=strict,
                              progress=progress, debug=_state.debug, compact_after=e.config.store.compact_after)
    emit(report, out, json_value=report.to_dict(), table=lambda fit: import_table(report, fit))
    for f in report.files:
        if f.status != "error":
            for w in dict.fromkeys(f.warnings):  # what the importer noticed (e.g. ids a spreadsheet rounded)
                stderr.print(f"note: {escape(terminal_safe(w))}", highlight=False, soft_wrap=True)
    if report.compacted:
        stderr.print(f"note: compacted the part files of {len(report.compacted)} group(s) (more than "
                     f"{e.config.store.compact_after}, [store] compact_after)", highlight=False)
    if report.compact_problem:
        stderr.print(f"[yellow]warning:[/yellow] the import is complete, but compacting its groups failed: "
                     f"{escape(terminal_safe(report.compact_problem))}", highlight=False, soft_wrap=True)
    for f in report.unaccepted:
        if f.status != "error":
            stderr.print(f"[yellow]warning:[/yellow] {escape(terminal_safe(f.path))}: "
                         f"{escape(terminal_safe(unaccepted_message(f.lines)))}; check them, or pass --strict to "
                         "refuse such files", highlight=False, soft_wrap=True)
    for f in report.failed:
        stderr.print(f"[red]error:[/red] {escape(terminal_safe(f.error or f.path))}", highlight=False,
                     soft_wrap=True)
        if _state.debug:
            for w in f.warnings:
                stderr.print(escape(w), highlight=False)
    if not report.ok:
        stderr.print(failure_summary(len(report.failed), len(report.files)), highlight=False)
        raise typer.Exit(1)


def failure_summary(failed: int, total: int) -> str:
    if failed == total:
        return "the input failed; nothing was imported" if total == 1 else f"all {total} inputs failed; nothing was imported"
    return f"{failed} of {total} inputs failed; the others were imported"


def short_path(path: str, width: int = 24) -> str:
    """A path cut from the left (the file's name is what matters), at most ``width`` characters."""
    return path if len(path) <= width else "…" + path[-(width - 1):]


def import_table(report: ImportReport, fit: bool) -> list[Table | Text]:
    """One row a file: what it was read as, into which group, and what it added."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..display import terminal_safe
    from ..importers import MEMBER_LIST

    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    t.add_column("file", no_wrap=True)
    t.add_column("layout", no_wrap=True)
    t.add_column("group", no_wrap=False, overflow="ellipsis", max_width=16 if fit else None, min_width=4)
    accounted = any(f.lines is not None for f in report.files)  # line-oriented exports: lines not read
    numbers = ("read", "added", "dupes", *(("unacc.",) if accounted else ()))
    for col in numbers:
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("status", no_wrap=False, overflow="ellipsis", min_width=6)
    for f in report.files:
        status = Text(f.status, style="red" if f.status == "error" else "")
        if f.status == "skipped" and f.error:
            status.append(f" ({terminal_safe(f.error)})", style="dim")
        read = f"{f.members}m" if f.format == MEMBER_LIST.name else str(f.parsed)
        group = Text(terminal_safe(", ".join(f.groups)), no_wrap=fit, overflow="ellipsis")
        unaccepted = [] if not accounted else [
            "" if f.lines is None else Text(str(f.unaccepted), style="yellow" if f.unaccepted else "")]
        t.add_row(Text(terminal_safe(short_path(f.path) if fit else f.path)), f.format or "", group, read,
                  str(f.added), str(f.duplicates), *unaccepted, status)
    totals = report.totals()
    t.add_row(Text("total", style="bold"), "", "", str(totals["parsed"]), str(totals["added"]),
              str(totals["duplicates"]), *([str(totals["unaccepted"])] if accounted else []), "")
    title = Table.grid()
    title.add_column(no_wrap=fit, overflow="ellipsis")
    title.add_row(Text(f"import {report.import_id} → ", style="bold").append(terminal_safe(report.store)))
    return [title, t]


@app.command("groups", rich_help_panel=DATA)
@errors_to_exit
@output_options("table", "json", "csv")
def groups_command(
    store: StoreOpt = None,
    tz: TzOpt = None,
    private: Annotated[bool, flag("--private", help="Also list private chats (one-to-one conversations).")
                       ] = False,
    *,
    out: OutputOptions,
) -> None:
    """List the groups in the store: name, platform, messages, members, first and last day, id.

    Private chats a export held are left out unless --private.

    Example: grouplens groups --format json
    """
    from .. import schema as S

    e = edge(store, tz=tz)
    table = e.store().group_listing(private=private)  # pyarrow alone: no pandas for a listing this small
    emit(table, out, tz=e.tz, title=f"{table.num_rows} groups", columns=[
        Col(S.GROUP_NAME, "group", "name"), Col(S.PLATFORM, "platform"), Col(S.MESSAGE_COUNT, "messages", "num"),
        Col(S.MEMBER_COUNT, "members", "num"), Col(S.FIRST_TS, "first day", "date"),
        Col(S.LAST_TS, "last day", "date"), Col(S.GROUP_ID, "id", "text")])


@app.command("messages", rich_help_panel=DATA)
@errors_to_exit
@output_options("table", "csv", "jsonl", default="table")
def messages_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    store: StoreOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", show_default=False,
                                              help="Show only the last N messages (the table shows the last 100 "
                                              "unless given; 0 = all).")] = None,
    replies: Annotated[bool, flag("--replies", help="Also infer whom each message answers where the export does "
                                  "not say: reply_to, reply_source (explicit/inferred) and reply_score.")] = False,
    tz: TzOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Print a group's messages with the store's columns (times in --tz, ISO 8601 with offset).

    The table shows local `MM-DD HH:MM` times, the sender and the text on one line each; CSV and
    JSON Lines carry every column in full.

    Example: grouplens messages --group 周末羽毛球交流群 --since 2024-03-01 --format csv
    """
    from .. import schema as S

    e = edge(store, tz=tz)
    st = e.store()
    if replies:
        from ..analysis.group import messages_with_replies  # the reply-link model, only when asked for

        df = messages_with_replies(st, group, since, until, tz=e.tz)
    else:
        df = st.messages(group=group, since=since, until=until, tz=e.tz)
    if limit is None and out.format == "table":
        limit = 100
    total = len(df)
    if limit:
        df = df.tail(limit)
    emit(df, out, tz=e.tz, columns=[Col(S.TS, "time", "time"), Col(S.SENDER_NAME, "sender", "name"),
                                     Col(S.KIND, "kind"), Col(S.TEXT, "text", "text")])
    if len(df) < total:
        stderr.print(f"showing the last {len(df)} of {total} messages (--limit 0 shows all)", highlight=False)


@app.command("members", rich_help_panel=DATA)
@errors_to_exit
@output_options("table", "json", "csv")
def members_command(
    group: GroupOpt = None,
    store: StoreOpt = None,
    tz: TzOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """List everyone known in a group: speakers, members from member lists and join notices.

    The table shows names, counts and local dates; --format csv/json add ids and every name seen.

    Example: grouplens members --group 周末羽毛球交流群 --format csv
    """
    from .. import schema as S

    e = edge(store, tz=tz)
    df = members_table(e.store(), group)
    emit(df, out, tz=e.tz, title=f"{len(df)} members", columns=[
        Col(S.NAME, "name", "name"), Col(S.MESSAGE_COUNT, "msgs", "num"), Col(S.FIRST_MESSAGE, "first", "date"),
        Col(S.LAST_MESSAGE, "last", "date"), Col(S.JOINED_AT, "joined", "date"), Col(S.LEFT_AT, "left", "date"),
        Col(S.ROLE, "role", show=lambda v: v or "")])


def members_table(store: Store, group: str | None) -> pd.DataFrame:
    """The members table, busiest first."""
    from .. import schema as S
    return store.members(group=group).sort_values([S.MESSAGE_COUNT, S.MEMBER_ID], ascending=[False, True])


@app.command("formats", rich_help_panel=DATA)
@errors_to_exit
@output_options("table", "json", "csv")
def formats_command(*, out: OutputOptions) -> None:
    """List every export layout grouplens reads, the tool that writes it, and how it is detected.

    Example: grouplens formats
    """
    from ..importers import ALL_FORMATS

    rows = [{"format": i.name, "platform": i.platform, "tool": i.tool, "detection": i.detection} for i in ALL_FORMATS]
    emit(rows, out, title="supported export layouts", columns=[
        Col("format"), Col("platform"), Col("tool", kind="wrap"), Col("detection", kind="wrap")])

