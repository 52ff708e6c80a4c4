"""Check-ins: who checks in, streaks, completion of the challenge."""

from __future__ import annotations

import functools
from typing import Any

from .. import charts
from ..checkins import checkins_section
from ..labels import label
from ..page import (
    Chart,
    Note,
    Page,
    Section,
    word,
)
from ..parts import checkin_blocks
from . import ReportKind


def checkins_page(report: dict[str, Any], out: Page) -> None:
    lang, d = report["lang"], report["data"]
    blocks = checkin_blocks(d, report, lang)
    out.sections.append(Section(label("checkins", lang), blocks[:1], wide=True))
    if not d["totals"]["checkins"]:
        out.sections[-1].blocks.append(Note(word("no_checkins", lang), "muted"))
    elif d["daily"]:
        draw = functools.partial(charts.stacked_columns, [x["date"][5:] for x in d["daily"]],
                                 [(word("checkin_members", lang), [x["members"] for x in d["daily"]],
                                   charts.SPEAKERS_COLOR)], title=word("checkin_members", lang),
                                 x_title=word("axis_day", lang), y_title=word("people", lang))
        out.sections.append(Section(word("checkin_members", lang), [Chart(draw)]))
    if d["members"]:
        out.sections.append(Section(label("participants", lang), blocks[1:]))


KIND = ReportKind(
    name="checkins", titles=("打卡", "Check-ins"),
    summary="who checks in, streaks, completion of an N-day challenge ([report] challenge_days)",
    section=checkins_section, page=checkins_page, main_table="members",
)
