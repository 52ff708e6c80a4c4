"""Commands that analyse one group: keywords (roles, engagement and reports live beside it)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..analysis.group import group_keywords
from ..config import load_config
from ..store.store import open_store
from . import output
from .app import ConfigOpt, GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, app, errors_to_exit, stdout
from .data_commands import TableOrJson


class KeywordUnit(str, Enum):
    group = "group"
    week = "week"
    member = "member"


class KeywordMethod(str, Enum):
    tfidf = "tfidf"
    textrank = "textrank"


@app.command("keywords")
@errors_to_exit
def keywords_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    by: Annotated[KeywordUnit, typer.Option("--by", help="Keywords of the whole period, of each ISO week, "
                                            "or of each member.")] = KeywordUnit.group,
    method: Annotated[KeywordMethod, typer.Option("--method", help="TF-IDF (what sets a week or member apart) "
                                                  "or TextRank (what the talk centres on).")] = KeywordMethod.tfidf,
    top: Annotated[int, typer.Option("--top", min=1, help="Keywords per week or member.")] = 10,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """The words a group talked about: per week, per member, or for the whole period.

    Words come from jieba's dictionary with stop words, placeholders, links and @mentions removed;
    they are cached in the store, so only new messages are segmented.

    Example: grouplens keywords --group 周末羽毛球交流群 --by week --top 5
    """
    cfg = load_config(Path(config) if config else None)
    df = group_keywords(open_store(store), group, since, until, by=by.value, top=top, method=method.value,
                        tz=tz, config=cfg)
    if fmt is TableOrJson.json:
        output.write_json(output.records(df), sys.stdout)
    elif fmt is TableOrJson.csv:
        output.write_csv(df, sys.stdout)
    else:
        stdout.print(output.rich_table(df, title=f"keywords ({method.value}, by {by.value})"))
