"""Commands that look after the store itself: verify (and repair), forget (deletion requests)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import UsageError
from ..store.forget import ForgetReport, forget_group, forget_member
from ..store.verify import ERROR, VerifyReport, verify_store
from . import output
from .app import GroupOpt, StoreOpt, app, errors_to_exit, stderr, stdout

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command("verify")
@errors_to_exit
def verify_command(
    store: StoreOpt = None,
    repair: Annotated[bool, typer.Option("--repair", help="Rebuild the members and groups tables, drop damaged "
                                         "caches and duplicate messages, set damaged and foreign files aside, "
                                         "fix permissions.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check every file of the store: schemas, groups table against the partitions, duplicate
    message ids, members against messages, journals, foreign files and permissions.

    Exit 0 when nothing is wrong (or --repair fixed it), 1 when errors remain.

    Example: grouplens verify && grouplens verify --repair
    """
    report = verify_store(store, repair=repair)
    if as_json:
        output.write_json(report.to_dict(), sys.stdout)
    else:
        _print_verify(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_verify(report: VerifyReport) -> None:
    checked = report.checked
    summary = (f"{checked['files']} files, {checked['groups']} groups, {checked['messages']} messages checked "
               f"in {escape(report.store)}")
    if not report.findings:
        stdout.print(f"{summary}: no problems", highlight=False, soft_wrap=True)
        return
    t = Table(title=summary, header_style="bold")
    for col in ("", "problem", "file", "what", "repair" if report.repair else "--repair would"):
        t.add_column(col, overflow="fold")
    for f in report.findings:
        mark = "[red]✗[/red]" if f.severity == ERROR else "[yellow]![/yellow]"
        done = ("done: " if f.repaired else "") + f.fix
        t.add_row(mark, f.code, escape(f.path), escape(f.message), escape(done))
    stdout.print(t)
    if not report.repair and report.findings:
        stderr.print("run 'grouplens verify --repair' to fix what can be fixed", highlight=False)


@app.command("forget")
@errors_to_exit
def forget_command(
    member: Annotated[str | None, typer.Option("--member", "-m", help="The member's id, as 'grouplens members' "
                                               "shows it (QQ number, wxid, name:<name>).", show_default=False)] = None,
    group: GroupOpt = None,
    store: StoreOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be removed; change nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove a person (--member ID, in every group or one --group) or a whole group (--group
    alone) from the store, for deletion requests (PIPL): their messages, member and roster rows,
    their names in others' quotes, mentions and notices (replaced by a neutral marker) and the
    derived caches, in one atomic change.

    Example: grouplens forget --member 10001 --dry-run && grouplens forget --member 10001
    """
    if member is None and group is None:
        raise UsageError("pass --member ID (and optionally --group), or --group alone to remove a whole group")
    report = forget_member(store, member, group, dry_run=dry_run) if member is not None \
        else forget_group(store, group, dry_run=dry_run)
    if as_json:
        output.write_json(report.to_dict(), sys.stdout)
    else:
        _print_forget(report)


def _print_forget(report: ForgetReport) -> None:
    verb = "would remove" if report.dry_run else "removed"
    t = Table(title=f"forget ({'dry run: nothing changed' if report.dry_run else 'done'})", header_style="bold")
    for col in ("group", "messages", "roster rows", "member rows", "others' messages rewritten", "replies unlinked",
                "caches dropped"):
        t.add_column(col, justify="left" if col == "group" else "right", overflow="fold")
    for g in report.groups:
        name = escape(str(g.group or g.group_id)) + (" [bold](whole group)[/bold]" if g.group_removed else "")
        t.add_row(name, str(g.messages_removed), str(g.roster_rows_removed), str(g.member_rows_removed),
                  str(g.messages_rewritten), str(g.replies_unlinked), str(g.caches_dropped))
    stdout.print(t)
    totals = report.totals()
    stderr.print(f"{verb} {totals['messages_removed']} message(s), {totals['roster_rows_removed']} roster row(s) and "
                 f"{totals['member_rows_removed']} member row(s); the name replaced in "
                 f"{totals['messages_rewritten']} message(s) of others and {report.journals_rewritten} journal(s)",
                 highlight=False)
    for alike in report.look_alikes:
        stderr.print(f"note: {escape(alike['member_id'])} ({alike['message_count']} messages) in "
                     f"{escape(alike['group_id'])} used the same name; if it is the same person, forget it too",
                     highlight=False)
    for w in report.warnings:
        stderr.print(f"warning: {escape(w)}", highlight=False)
