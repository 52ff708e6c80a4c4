"""Commands about the people in a group: roles (and KOLs), engagement, and the group simulator."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from ..simulate.params import SCENARIOS
from ..simulate.themes import THEMES
from .app import (
    DATA,
    PEOPLE,
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
    stderr,
    stdout,
)
from .output import Col, OutputOptions, emit, output_options
from .progress_bar import phase_bar


class Lang(str, Enum):
    zh = "zh"
    en = "en"


Scenario = Enum("Scenario", {s.replace("-", "_"): s for s in SCENARIOS}, type=str)  # type: ignore[misc]
HEALTHY = Scenario("healthy")
Theme = Enum("Theme", {t: t for t in sorted(THEMES)}, type=str)  # type: ignore[misc]
LangOpt = Annotated[Lang | None, typer.Option("--lang", metavar="zh|en", show_default=False,
                                              help="Language of roles, tags and reasons (default: [report] lang, "
                                              "else zh).")]
AllOpt = Annotated[bool, flag("--all", help="Every group chat in the store (not private chats), one after another "
                              "in the output, largest first; run on --engine.")]


def one_or_all(all_groups: bool, group: str | None) -> None:
    if all_groups and group:
        raise UsageError("--all and --group cannot be combined: --all covers every group")


def role_columns(lang: str) -> list[Col]:
    """The roles table in the report's language: name, role, tags, influence, messages, reason."""
    from .. import schema as S
    from ..analysis.influence import INFLUENCE
    from ..roles import REASON, ROLE, TAGS_COLUMN
    from ..roles import features as F
    from ..roles.explain import role_name, tag_name

    tags = (lambda v: "·".join(tag_name(t, lang) for t in v) if v else "")
    return [Col(S.NAME, "成员" if lang == "zh" else "member", "name"),
            Col(ROLE, "角色" if lang == "zh" else "role", show=lambda v: role_name(v, lang)),
            Col(TAGS_COLUMN, "标签" if lang == "zh" else "tags", "name", show=tags),
            Col(INFLUENCE, "影响力" if lang == "zh" else "infl.", "num", show=lambda v: f"{v:.2f}"),
            Col(F.MESSAGES, "消息" if lang == "zh" else "msgs", "num"),
            Col(REASON, "原因" if lang == "zh" else "reason", "text")]


@app.command("roles", rich_help_panel=PEOPLE)
@errors_to_exit
@output_options("table", "json", "csv")
def roles_command(
    group: GroupOpt = None,
    all_groups: AllOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    explain: Annotated[str | None, typer.Option("--explain", metavar="MEMBER", show_default=False,
                                                help="Say at length why this member (id, name, or part of a "
                                                "name) has their role and tags.")] = None,
    lang: LangOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """Every member's role (thinker, critic, onlooker, silent), tags (kol, operator, shill,
    advertiser, newcomer, left), influence and the figures behind them, with a reason.

    Members known only from the member list or a join notice are included. The table speaks the
    report language (思想者, 意见领袖 …); --format csv/json keep the codes and every figure.
    Thresholds live in the \\[roles] section of grouplens.toml.

    With --all, every group chat of the store, each member's row led by its group (run on
    worker processes, or on a dask cluster with --engine dask).

    Example: grouplens roles --group 周末羽毛球交流群 --explain 老王 --lang en
    """
    from rich.text import Text

    from .. import schema as S
    from ..display import terminal_safe
    from ..every_group import every_group_roles
    from ..roles import explain_member, group_roles, role_records
    from ..roles.explain import find_member

    one_or_all(all_groups, group)
    e = edge(store, config, tz, engine=engine, jobs=jobs, scheduler=scheduler)
    language = lang.value if lang else e.config.report.lang
    if all_groups:
        if explain is not None:
            raise UsageError("--explain is about one member of one group: pass --group instead of --all")
        every = every_group_roles(e.store(), since, until, lang=language, tz=e.tz, config=e.config,
                                  engine=e.engine)
        emit(every, out, tz=e.tz, json_value=every_group_role_records(every, e.tz),
             title=f"{len(every)} members of {every[S.GROUP_ID].nunique()} groups",
             columns=[Col(S.GROUP_NAME, "群" if language == "zh" else "group", "name"), *role_columns(language)])
        return
    with phase_bar("roles"):
        result = group_roles(e.store(), group, since, until, lang=language, tz=e.tz, config=e.config)
    if explain is not None:
        lines = explain_member(result, explain, language, e.config.roles)
        member_id = find_member(result, explain)[S.MEMBER_ID]
        (record,) = role_records(result[result[S.MEMBER_ID] == member_id], e.tz)
        emit(record, out, json_value={**record, "explanation": lines},
             table=lambda fit: [Text(terminal_safe(line)) for line in lines])
        return
    emit(result, out, tz=e.tz, json_value=role_records(result, e.tz), title=f"{len(result)} members",
         columns=role_columns(language))


def every_group_role_records(every, tz) -> list[dict]:
    """``role_records`` of every group, each record led by its group's id and name."""
    from .. import schema as S
    from ..roles import role_records

    out = []
    for (gid, name), rows in every.groupby([S.GROUP_ID, S.GROUP_NAME], sort=False):
        out += [{S.GROUP_ID: gid, S.GROUP_NAME: name, **r} for r in role_records(rows, tz)]
    return out


@app.command("engagement", rich_help_panel=PEOPLE)
@errors_to_exit
@output_options("table", "json", "csv", format_help="table, json, or csv (the top messages)")
def engagement_command(
    group: GroupOpt = None,
    all_groups: AllOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, metavar="N",
                                     help="How many of the most engaging messages to show.")] = 10,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """The messages that drew the most response, and which kinds of post draw replies here.

    A message's engagement counts replies from others (direct and further down its thread),
    distinct repliers, and replies that @-mention or quote its author; weights live in the
    \\[engagement] section of grouplens.toml.

    With --all, every group chat of the store, one after another (run on worker processes, or
    on a dask cluster with --engine dask); JSON is then a list with one object per group.

    Example: grouplens engagement --group 周末羽毛球交流群 --top 5 --format json
    """
    import pandas as pd

    from .. import schema as S
    from ..analysis.engagement import group_engagement
    from ..every_group import every_group_engagement

    one_or_all(all_groups, group)
    e = edge(store, config, tz, engine=engine, jobs=jobs, scheduler=scheduler)
    if all_groups:
        reports = every_group_engagement(e.store(), since, until, top=top, tz=e.tz, config=e.config,
                                         engine=e.engine)
    else:
        with phase_bar("engagement"):
            reports = [group_engagement(e.store(), group, since, until, top=top, tz=e.tz, config=e.config)]
    if not all(r.links_inferred for r in reports):
        stderr.print("note: the reply model is not installed; replies are explicit quotes and @-addressed "
                     "messages only", highlight=False, soft_wrap=True)
    from ..records import records
    payloads = [{"group_id": r.group_id, "group_name": r.group_name, "messages": records(r.messages, e.tz),
                 "content": records(r.content), "members": records(r.members.head(top), e.tz)} for r in reports]
    if all_groups:
        top_messages = pd.concat([r.messages.assign(**{S.GROUP_ID: r.group_id, S.GROUP_NAME: r.group_name})
                                  for r in reports], ignore_index=True) if reports else pd.DataFrame()
        emit(top_messages, out, tz=e.tz, json_value=payloads,
             table=lambda fit: [engagement_table(r, e.tz, fit) for r in reports])
        return
    (report,), (payload,) = reports, payloads

    def tables(fit: bool):
        from .output import frame_table
        return [engagement_table(report, e.tz, fit),
                frame_table(report.content, title="engagement by content type", fit=fit)]

    emit(report.messages, out, tz=e.tz, json_value=payload, table=tables)


def engagement_table(report, tz, fit: bool):
    """A group's most engaging messages as a terminal table."""
    from .. import schema as S
    from ..analysis.engagement import CONTENT_TYPE, DISTINCT_REPLIERS, ENGAGEMENT, THREAD_REPLIES
    from .output import frame_table
    return frame_table(report.messages, [Col(S.TS, "time", "time"), Col(S.NAME, "member", "name"),
                                         Col(CONTENT_TYPE, "type"), Col(THREAD_REPLIES, "replies", "num"),
                                         Col(DISTINCT_REPLIERS, "people", "num"),
                                         Col(ENGAGEMENT, "score", "num", show=lambda v: f"{v:.1f}"),
                                         Col(S.TEXT, "text", "text")],
                       title=f"most engaging messages: {report.group_name}", tz=tz, fit=fit)


@app.command("simulate", rich_help_panel=DATA)
@errors_to_exit
def simulate_command(
    out: Annotated[Path, typer.Option("--out", metavar="FOLDER", show_default=False,
                                      help="Folder to write the export, member list and truth.json to.")],
    members: Annotated[int, typer.Option("--members", metavar="N", help="Everyone who is ever in the group.")] = 300,
    weeks: Annotated[int, typer.Option("--weeks", metavar="N", help="How long the group runs.")] = 8,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="The same seed always gives the same group.")] = 1,
    scenario: Annotated[Scenario, typer.Option("--scenario", metavar="SCENARIO",
                                               help="The lifecycle the group goes through: "
                                               + ", ".join(SCENARIOS) + ".")] = HEALTHY,  # type: ignore[assignment]
    theme: Annotated[Theme | None, typer.Option("--theme", metavar="THEME", show_default=False,
                                                help="What the group is about (default: drawn from the seed): "
                                                + ", ".join(sorted(THEMES)) + ".")] = None,
    activity: Annotated[float, typer.Option("--activity", metavar="X",
                                            help="Multiplies every conversation rate (about 42 with 500 members "
                                            "over 52 weeks gives a million messages).")] = 1.0,
) -> None:
    """Simulate a QQ group with known roles and tags: a classic QQ TXT export, a member list
    that names its group, and truth.json, for trying grouplens out and measuring its detectors.

    `grouplens import` takes the folder as it is (the member list finds its group; truth.json
    is skipped).

    Example: grouplens simulate --members 300 --weeks 8 --seed 1 --scenario declining --out sim/
    """
    from rich.markup import escape

    from ..simulate import SimParams, simulate_group, write_simulation

    params = SimParams(scenario=scenario.value, theme=theme.value if theme else None, activity=activity)
    paths = write_simulation(out, simulate_group(members, weeks, seed, params))
    for kind, path in paths.items():
        stdout.print(f"{kind}: {escape(str(path))}", highlight=False, soft_wrap=True)
