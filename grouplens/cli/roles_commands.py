"""Commands about the people in a group: roles (and KOLs), engagement, and the group simulator."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from ..analysis.engagement import CONTENT_TYPE, DISTINCT_REPLIERS, ENGAGEMENT, THREAD_REPLIES, group_engagement
from ..config import load_config
from ..roles import REASON, ROLE, TAGS_COLUMN, explain_member, group_roles, role_records
from ..roles import features as F
from ..roles.explain import find_member
from ..schema import MEMBER_ID, NAME, TEXT, TS
from ..simulate import SCENARIOS, THEMES, SimParams, simulate_group, write_simulation
from ..store.store import open_store
from . import output
from .app import ConfigOpt, GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, app, errors_to_exit, stderr, stdout
from .data_commands import TableOrJson

ROLE_TABLE_COLUMNS = (MEMBER_ID, NAME, ROLE, TAGS_COLUMN, "influence", F.MESSAGES, REASON)
MESSAGE_TABLE_COLUMNS = (TS, NAME, CONTENT_TYPE, TEXT, THREAD_REPLIES, DISTINCT_REPLIERS, ENGAGEMENT)


class Lang(str, Enum):
    zh = "zh"
    en = "en"


Scenario = Enum("Scenario", {s.replace("-", "_"): s for s in SCENARIOS}, type=str)  # type: ignore[misc]
HEALTHY = Scenario("healthy")
Theme = Enum("Theme", {t: t for t in sorted(THEMES)}, type=str)  # type: ignore[misc]


@app.command("roles")
@errors_to_exit
def roles_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    explain: Annotated[str | None, typer.Option("--explain", help="Say at length why this member (id or name) "
                                                "has their role and tags.", show_default=False)] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the reasons.")] = Lang.zh,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """Every member's role (thinker, critic, onlooker, silent), tags (kol, operator, shill,
    advertiser, newcomer, left), influence and the figures behind them, with a reason.

    Members known only from the member list or a join notice are included. Thresholds live in
    the \\[roles] section of grouplens.toml.

    Example: grouplens roles --group 周末羽毛球交流群 --explain 老王 --lang en
    """
    cfg = load_config(Path(config) if config else None)
    result = group_roles(open_store(store), group, since, until, lang=lang.value, tz=tz, config=cfg)
    if explain is not None:
        lines = explain_member(result, explain, lang.value, cfg.roles)
        if fmt is TableOrJson.table:
            for line in lines:
                stdout.print(escape(line), highlight=False, soft_wrap=True)
        else:
            member_id = find_member(result, explain)[MEMBER_ID]
            (record,) = role_records(result[result[MEMBER_ID] == member_id], ZoneInfo(tz))
            output.write_json({**record, "explanation": lines}, sys.stdout)
        return
    if fmt is TableOrJson.json:
        output.write_json(role_records(result, ZoneInfo(tz)), sys.stdout)
    elif fmt is TableOrJson.csv:
        output.write_csv(result, sys.stdout, ZoneInfo(tz))
    else:
        stdout.print(output.rich_table(result, columns=ROLE_TABLE_COLUMNS, title="roles", tz=ZoneInfo(tz)))


@app.command("engagement")
@errors_to_exit
def engagement_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many of the most engaging messages to show.")] = 10,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format (csv: the top messages).")
                   ] = TableOrJson.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """The messages that drew the most response, and which kinds of post draw replies here.

    A message's engagement counts replies from others (direct and further down its thread),
    distinct repliers, and replies that @-mention or quote its author; weights live in the
    \\[engagement] section of grouplens.toml.

    Example: grouplens engagement --group 周末羽毛球交流群 --top 5 --format json
    """
    cfg = load_config(Path(config) if config else None)
    report = group_engagement(open_store(store), group, since, until, top=top, tz=tz, config=cfg)
    if not report.links_inferred:
        stderr.print("note: the reply model is not installed; replies are explicit quotes and @-addressed "
                      "messages only", highlight=False, soft_wrap=True)
    if fmt is TableOrJson.json:
        zone = ZoneInfo(tz)
        output.write_json({"group_id": report.group_id, "group_name": report.group_name,
                           "messages": output.records(report.messages, zone),
                           "content": output.records(report.content),
                           "members": output.records(report.members.head(top), zone)}, sys.stdout)
    elif fmt is TableOrJson.csv:
        output.write_csv(report.messages, sys.stdout, ZoneInfo(tz))
    else:
        stdout.print(output.rich_table(report.messages, columns=MESSAGE_TABLE_COLUMNS, tz=ZoneInfo(tz),
                                       title=f"most engaging messages: {report.group_name}"))
        stdout.print(output.rich_table(report.content, title="engagement by content type"))


@app.command("simulate")
@errors_to_exit
def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the export, member list and truth.json to.",
                                      show_default=False)],
    members: Annotated[int, typer.Option("--members", help="Everyone who is ever in the group.")] = 300,
    weeks: Annotated[int, typer.Option("--weeks", help="How long the group runs.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="The same seed always gives the same group.")] = 1,
    scenario: Annotated[Scenario, typer.Option("--scenario", help="The lifecycle the group goes through.")
                        ] = HEALTHY,  # type: ignore[assignment]
    theme: Annotated[Theme | None, typer.Option("--theme", help="What the group is about (default: drawn from "
                                                "the seed).", show_default=False)] = None,
    activity: Annotated[float, typer.Option("--activity", help="Multiplies every conversation rate (about 42 "
                                            "with 500 members over 52 weeks gives a million messages).")] = 1.0,
) -> None:
    """Simulate a QQ group with known roles and tags: a classic QQ TXT export, a member list
    and truth.json, for trying grouplens out and measuring its detectors.

    Example: grouplens simulate --members 300 --weeks 8 --seed 1 --scenario declining --out sim/
    """
    params = SimParams(scenario=scenario.value, theme=theme.value if theme else None, activity=activity)
    paths = write_simulation(out, simulate_group(members, weeks, seed, params))
    for kind, path in paths.items():
        stdout.print(f"{kind}: {escape(str(path))}", highlight=False, soft_wrap=True)
