"""Commands that analyse one group: keywords (roles, engagement and reports live beside it)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from .app import PEOPLE, ConfigOpt, GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, app, edge, errors_to_exit
from .output import Col, OutputOptions, emit, output_options


class KeywordUnit(str, Enum):
    group = "group"
    week = "week"
    member = "member"


class KeywordMethod(str, Enum):
    tfidf = "tfidf"
    textrank = "textrank"


@app.command("keywords", rich_help_panel=PEOPLE)
@errors_to_exit
@output_options("table", "json", "csv")
def keywords_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    by: Annotated[KeywordUnit, typer.Option("--by", metavar="UNIT", help="Keywords of the whole period, of each ISO week, "
                                            "or of each member.")] = KeywordUnit.group,
    method: Annotated[KeywordMethod, typer.Option("--method", metavar="METHOD", help="TF-IDF (what sets a week or member apart) "
                                                  "or TextRank (what the talk centres on).")] = KeywordMethod.tfidf,
    top: Annotated[int, typer.Option("--top", min=1, metavar="N", help="Keywords per week or member.")] = 10,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = None,
    *,
    out: OutputOptions,
) -> None:
    """The words a group talked about: per week, per member, or for the whole period.

    Words come from jieba's dictionary with stop words, placeholders, links and @mentions removed;
    they are cached in the store, so only new messages are segmented.

    Example: grouplens keywords --group 周末羽毛球交流群 --by week --top 5
    """
    from .. import schema as S
    from ..analysis.group import group_keywords
    from ..text import keywords as K

    e = edge(store, config, tz)
    df = group_keywords(e.store(), group, since, until, by=by.value, top=top, method=method.value, tz=e.tz,
                        config=e.config)
    shown = [Col(c, kind="name" if c == S.NAME else "num" if c in (K.SCORE, K.COUNT, K.RANK) else "plain",
                 show=(lambda v: f"{v:.3f}") if c == K.SCORE else None)
             for c in df.columns if c not in (S.GROUP_ID, S.SENDER_ID, K.METHOD)]
    emit(df, out, tz=e.tz, title=f"keywords ({method.value}, by {by.value})", columns=shown)
