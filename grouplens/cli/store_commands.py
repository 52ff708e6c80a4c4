"""Commands that look after the store itself: verify (and repair), forget (deletion requests),
compact (many small part files into one per group)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..display import terminal_safe
from ..errors import UsageError
from .app import DATA, GroupOpt, StoreOpt, app, edge, errors_to_exit, flag, stderr
from .output import OutputOptions, emit

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from ..store.compact import CompactReport
    from ..store.forget import ForgetReport
    from ..store.verify import VerifyReport

JsonOpt = Annotated[bool, flag("--json", help="Print the result as JSON.")]


def _safe(value: object) -> str:
    from rich.markup import escape
    return escape(terminal_safe(str(value)))


@app.command("verify", rich_help_panel=DATA)
@errors_to_exit
def verify_command(
    store: StoreOpt = None,
    repair: Annotated[bool, flag("--repair", help="Rebuild the members and groups tables, drop damaged caches "
                                 "and duplicate messages, set damaged and foreign files aside, fix "
                                 "permissions.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check every file of the store: schemas, the groups table against the group folders,
    duplicate message ids, members against messages, journals, foreign files and permissions.

    Exits 0 when nothing is wrong (or --repair fixed it), 1 when errors remain.

    Example: grouplens verify && grouplens verify --repair
    """
    from ..store.verify import verify_store

    report = verify_store(edge(store).store_path, repair=repair)
    emit(report, OutputOptions("json" if as_json else "table"), json_value=report.to_dict(),
         table=lambda fit: _verify_table(report))
    if report.findings and not report.repair:
        stderr.print("run 'grouplens verify --repair' to fix what can be fixed", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def _verify_table(report: VerifyReport) -> Table | Text:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from ..store.verify import ERROR

    checked = report.checked
    summary = (f"{checked['files']} files, {checked['groups']} groups, {checked['messages']} messages checked "
               f"in {terminal_safe(report.store)}")
    if not report.findings:
        return Text(f"{summary}: no problems")
    t = Table(title=escape(summary), header_style="bold")
    for col in ("", "problem", "file", "what", "repair" if report.repair else "--repair would"):
        t.add_column(col, overflow="fold")
    for f in report.findings:
        mark = "[red]✗[/red]" if f.severity == ERROR else "[yellow]![/yellow]"
        t.add_row(mark, f.code, _safe(f.path), _safe(f.message), ("done: " if f.repaired else "") + _safe(f.fix))
    return t


@app.command("forget", rich_help_panel=DATA)
@errors_to_exit
def forget_command(
    member: Annotated[str | None, typer.Option("--member", "-m", metavar="ID", show_default=False,
                                               help="The member's id, as `grouplens members` shows it (QQ number, "
                                               "wxid, `name:<name>`).")] = None,
    group: GroupOpt = None,
    store: StoreOpt = None,
    dry_run: Annotated[bool, flag("--dry-run", help="Say what would be removed; change nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove a person (--member ID, from every group or from one --group) or a whole group
    (--group alone) from the store, for deletion requests (PIPL): their messages, member and
    roster rows, their names in others' quotes, mentions and notices (replaced by a neutral
    marker) and the derived caches, in one atomic change.

    Example: grouplens forget --member 10001 --dry-run && grouplens forget --member 10001
    """
    from ..store.forget import forget_group, forget_member

    if member is None and group is None:
        raise UsageError("pass --member ID (and optionally --group), or --group alone to remove a whole group")
    path = edge(store).store_path
    report = forget_member(path, member, group, dry_run=dry_run) if member is not None \
        else forget_group(path, group, dry_run=dry_run)
    emit(report, OutputOptions("json" if as_json else "table"), json_value=report.to_dict(),
         table=lambda fit: _forget_table(report))
    verb = "would remove" if report.dry_run else "removed"
    totals = report.totals()
    stderr.print(f"{verb} {totals['messages_removed']} message(s), {totals['roster_rows_removed']} roster row(s) and "
                 f"{totals['member_rows_removed']} member row(s); the name replaced in "
                 f"{totals['messages_rewritten']} message(s) of others and {report.journals_rewritten} journal(s)",
                 highlight=False)
    for alike in report.look_alikes:
        stderr.print(f"note: {_safe(alike['member_id'])} ({alike['message_count']} messages) in "
                     f"{_safe(alike['group_id'])} used the same name; if it is the same person, forget it too",
                     highlight=False)
    for w in report.warnings:
        stderr.print(f"warning: {_safe(w)}", highlight=False)


def _forget_table(report: ForgetReport) -> Table:
    from rich.table import Table

    t = Table(title=f"forget ({'dry run: nothing changed' if report.dry_run else 'done'})", header_style="bold")
    for col in ("group", "messages", "roster rows", "member rows", "others' messages rewritten", "replies unlinked",
                "caches dropped"):
        t.add_column(col, justify="left" if col == "group" else "right", overflow="fold")
    for g in report.groups:
        name = _safe(g.group or g.group_id) + (" [bold](whole group)[/bold]" if g.group_removed else "")
        t.add_row(name, str(g.messages_removed), str(g.roster_rows_removed), str(g.member_rows_removed),
                  str(g.messages_rewritten), str(g.replies_unlinked), str(g.caches_dropped))
    return t


@app.command("compact", rich_help_panel=DATA)
@errors_to_exit
def compact_command(
    group: Annotated[list[str] | None, typer.Option("--group", "-g", metavar="NAME", show_default=False,
                                                    help="Only this group (name or id); may be repeated.")] = None,
    min_files: Annotated[int, typer.Option("--min-files", min=2, metavar="N",
                                           help="Compact a group's folder only when it holds at least N part "
                                           "files.")] = 2,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rewrite each group's part files (one per import) into one file per group, in one atomic
    change: the same messages, in the order grouplens reads them; other readers see a group's
    old files or its new ones, never both. Imports do this by themselves for a group with more
    than [store] compact_after part files.

    Example: grouplens compact --min-files 10
    """
    from ..store.compact import compact_store

    report = compact_store(edge(store).store_path, group or None, min_files=min_files)
    emit(report, OutputOptions("json" if as_json else "table"), json_value=report.to_dict(),
         table=lambda fit: _compact_table(report))


def _compact_table(report: CompactReport) -> Table | Text:
    from rich.table import Table
    from rich.text import Text

    if not report.groups:
        return Text("nothing to compact: no group folder holds enough part files")
    t = Table(title=f"compacted {len({g.group_id for g in report.groups})} group(s)", header_style="bold")
    for col in ("group", "table", "files before", "files after", "rows"):
        t.add_column(col, justify="left" if col in ("group", "table") else "right", overflow="fold")
    for g in report.groups:
        t.add_row(_safe(g.group_id), g.table, str(g.files_before), str(g.files_after), str(g.rows))
    return t
