"""``grouplens report``: the weekly review and its parts, in the terminal or as JSON/CSV/MD/HTML."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ..errors import UsageError
from .app import (
    REPORTS,
    ConfigOpt,
    EngineOpt,
    GroupOpt,
    JobsOpt,
    SchedulerOpt,
    SinceOpt,
    StoreOpt,
    TzOpt,
    UntilOpt,
    app,
    edge,
    errors_to_exit,
    flag,
)
from .output import OutputOptions, emit, output_options
from .progress_bar import phase_bar

KIND_LIST = "{kinds}"  # filled in when `grouplens report --help` is shown: listing the kinds loads them


def kind_list() -> str:
    """The registered kinds, one Markdown item each, for the report's --help."""
    from ..report import all_kinds
    return "\n".join(f"- **{k.name}**: {k.summary}" for k in all_kinds())


class ReportCommand(TyperCommand):
    """``grouplens report``: its help lists the report kinds, which are loaded only when that help
    is shown (``grouplens --help`` lists the command by its short help)."""

    @property
    def help(self) -> Any:
        text = self.__dict__.get("_help")
        if isinstance(text, str) and KIND_LIST in text:
            text = self.__dict__["_help"] = text.replace(KIND_LIST, kind_list())
        return text

    @help.setter
    def help(self, value: Any) -> None:
        self.__dict__["_help"] = value


def _kind_names(incomplete: str = "") -> tuple[str, ...]:
    from ..report import kind_names
    return kind_names()


class Lang(str, Enum):
    zh = "zh"
    en = "en"


REPORT_SUMMARY = """Reports for the weekly review: activity, member layers, lifecycle stage, KOLs and rankings,
questions and answer times, check-ins, compliance, and the groups overview."""
REPORT_HELP = REPORT_SUMMARY + """

Without KIND it prints the weekly review of the latest complete week. Member ids are never
shown unless --show-ids; --pseudonymize and --redact make a report safe to share.

KIND is one of:

""" + KIND_LIST + """

The groups overview (--all) reads the groups in parallel: on worker processes here (--jobs N,
default the machine's cores) or on a dask cluster (--engine dask --scheduler tcp://HOST:PORT).

Example: grouplens report weekly --group 周末羽毛球交流群 --week 2024-W14 --pseudonymize

A member's page: grouplens report member 老王 --group 周末羽毛球交流群 (an id, a name or part of a name)
"""


@app.command("report", help=REPORT_HELP, short_help=REPORT_SUMMARY, rich_help_panel=REPORTS, cls=ReportCommand)
@errors_to_exit
@output_options("table", "json", "csv", "md", "html", "png", "pdf",
                format_help="table (terminal), json, csv (the main table; with a BOM for Excel when written to a "
                            "file or with --excel), md, html, png (a long phone-width image to send in a chat) or "
                            "pdf (A4); png and pdf need a headless Chromium")
def report_command(
    kind: Annotated[str | None, typer.Argument(help="What to report (default: weekly; the kinds are listed above).",
                                               show_default=False, metavar="KIND", autocompletion=_kind_names)] = None,
    member: Annotated[str | None, typer.Argument(help="For 'report member': the member (an id, a name, or part "
                                                 "of a name).", show_default=False, metavar="[MEMBER]")] = None,
    group: GroupOpt = None,
    all_groups: Annotated[bool, flag("--all", help="Every group in the store, ranked by health (the groups "
                                     "overview).")] = False,
    week: Annotated[str | None, typer.Option("--week", metavar="YYYY-Www", show_default=False,
                                             help="An ISO week, e.g. 2024-W14 (default for weekly: the latest "
                                             "complete week).")] = None,
    month: Annotated[str | None, typer.Option("--month", metavar="YYYY-MM", show_default=False,
                                              help="A calendar month, e.g. 2024-03 (default for kol: the latest "
                                              "complete month).")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    pseudonymize: Annotated[bool, flag("--pseudonymize", help="Replace names with stable aliases (the same member "
                                       "gets the same alias every week).")] = False,
    redact: Annotated[bool, flag("--redact", help="Mask phone, ID-card and email numbers in quoted messages.")
                      ] = False,
    show_ids: Annotated[bool, flag("--show-ids", help="Show members' QQ numbers / wxids (hidden by default).")
                        ] = False,
    no_record: Annotated[bool, flag("--no-record", help="Do not record the weekly review's to-do list in the "
                                    "store (next week's review then follows up the list the data gives).")] = False,
    private: Annotated[bool, flag("--private", help="With --all: also rank private (one-to-one) chats, which "
                                  "are not groups.")] = False,
    lang: Annotated[Lang | None, typer.Option("--lang", metavar="zh|en", show_default=False,
                                              help="Language of labels and sentences (default: [report] lang, "
                                              "else zh).")] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """The weekly review and its parts (see REPORT_HELP, which --help shows)."""
    from ..engine import using
    from ..report import build_report, get_kind

    if all_groups and group:
        raise UsageError("--all and --group cannot be combined: --all reports every group")
    chosen = get_kind(kind).name if kind else ("groups" if all_groups else "weekly")  # any registered kind
    if all_groups and chosen != "groups":
        raise UsageError(f"--all shows the groups overview; for the {chosen} report of one group pass --group")
    if out.format in ("png", "pdf"):
        from ..report.browser import find_chromium
        find_chromium()  # before the report is built: without a browser, say so at once
    e = edge(store, config, tz, engine=engine, jobs=jobs, scheduler=scheduler)
    with using(e.engine), phase_bar(f"{chosen} report"):  # the groups overview computes its rows on the engine
        report = build_report(e.store(), chosen, group, week=week, month=month, since=since, until=until, tz=e.tz,
                              config=e.config, lang=lang.value if lang else None, pseudonymize=pseudonymize,
                              redact=redact, show_ids=show_ids, private=private, member=member,
                              record=not no_record)
    emit(report, out)
