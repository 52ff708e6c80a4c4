"""The ``members`` report: layers week by week, the moves between them, joins and leaves, and
how many of each week's newcomers are still there 1 and 4 weeks later (``layers`` defines the
layers)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from .common import member_rows, ratio, week_text
from .context import ReportContext
from .layers import (
    ABSENT_CODE,
    CHURNED,
    CORE,
    LAYERS,
    NEW,
    RETURNED,
    LayerTable,
    layer_name,
    layers_of,
    utc_naive,
)
from .period import Period

JOINED = "joined"  # the "from" of a member who was not in the group the week before
LEFT = "left"  # the "to" of a member who is no longer in the group


def members_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``members`` report's data for the weeks of ``period``."""
    period = period or ctx.period
    table = layers_of(ctx)
    cols = [table.week_index(m) for m in period.weeks()]
    newly = newly_active(ctx, table)
    weekly = []
    for i in cols:
        counts = np.bincount(table.layer[:, i][table.layer[:, i] >= 0], minlength=len(LAYERS))
        joined = table.joined_week == i
        weekly.append({"week": week_text(table.weeks[i]), "members": int((table.layer[:, i] >= 0).sum()),
                       **{name: int(counts[c]) for c, name in enumerate(LAYERS)},
                       "joins": int(joined.sum()), "leaves": int((table.left_week == i).sum()),
                       "newly_active": int((joined & newly).sum())})
    last = cols[-1]
    return {
        "layers": list(LAYERS),
        "totals": {"members": weekly[-1]["members"], **{name: weekly[-1][name] for name in LAYERS},
                   "joins": sum(w["joins"] for w in weekly), "leaves": sum(w["leaves"] for w in weekly),
                   "newly_active": sum(w["newly_active"] for w in weekly)},
        "weekly": weekly,
        "transitions": [row for i in cols if i > 0 for row in transitions(table, i)],
        "people": people_lists(ctx, table, last),
        "retention": retention(ctx, table, newly, cols),
    }


def transitions(table: LayerTable, i: int) -> list[dict[str, Any]]:
    """How many members moved from each layer in week i-1 to each layer in week i."""
    before, after = table.layer[:, i - 1], table.layer[:, i]
    moved = (before >= 0) | (after >= 0)
    pairs = pd.DataFrame({"from": [JOINED if b == ABSENT_CODE else layer_name(b) for b in before[moved]],
                          "to": [LEFT if a == ABSENT_CODE else layer_name(a) for a in after[moved]]})
    order = {name: n for n, name in enumerate((JOINED, *LAYERS, LEFT))}
    counts = pairs.value_counts().reset_index(name="members")
    counts = counts.sort_values(["from", "to"], key=lambda s: s.map(order), kind="stable")
    week = week_text(table.weeks[i])
    return [{"week": week, "from": f, "to": t, "members": int(n)}
            for f, t, n in counts[["from", "to", "members"]].itertuples(index=False)]


def newly_active(ctx: ReportContext, table: LayerTable) -> np.ndarray:
    """Per member: joined in the window and spoke within ``newly_active_days`` of joining."""
    days = ctx.config.members.newly_active_days
    joined = ctx.members.set_index(S.MEMBER_ID)[S.JOINED_AT].reindex(table.member_ids)
    speech = pd.DataFrame({"m": ctx.replies.author, "t": utc_naive(ctx.speech[S.TS])})
    j = utc_naive(joined)
    delay = speech["t"].to_numpy() - j[speech["m"].to_numpy()]
    ok = ~np.isnat(delay) & (delay >= np.timedelta64(0, "s")) & (delay < np.timedelta64(days, "D"))
    out = np.zeros(len(table.member_ids), bool)
    out[speech["m"].to_numpy()[ok]] = True
    return out


def people_lists(ctx: ReportContext, table: LayerTable, i: int) -> dict[str, Any]:
    """Who is core, new, returned and newly churned in week i, the busiest first; and which
    churned members were core in the weeks before (the loss operators act on)."""
    top = ctx.config.report.top
    layer, window = table.layer[:, i], ctx.config.members.core_window_weeks
    recent = table.messages[:, max(i - window + 1, 0): i + 1].sum(axis=1)
    was_churned = table.layer[:, i - 1] == CHURNED if i > 0 else np.zeros(len(layer), bool)
    newly_churned = (layer == CHURNED) & ~was_churned
    was_core = (table.layer[:, max(i - window, 0): i] == CORE).any(axis=1)

    def listing(mask: np.ndarray) -> dict[str, Any]:
        idx = np.flatnonzero(mask)
        idx = idx[np.lexsort((table.member_ids[idx].astype(str), -recent[idx]))][:top]
        rows = member_rows(ctx.people, table.member_ids[idx], messages=recent[idx],
                           weeks_spoken=table.spoke[idx, max(i - window + 1, 0): i + 1].sum(axis=1),
                           partners=table.partners[idx, i],
                           staff=[ctx.people.is_staff(m) for m in table.member_ids[idx]])
        return {"count": int(mask.sum()), "members": rows}

    return {"week": week_text(table.weeks[i]), "window_weeks": window,
            "core": listing(layer == CORE), "new": listing(layer == NEW), "returned": listing(layer == RETURNED),
            "newly_churned": listing(newly_churned), "churned_core": listing(newly_churned & was_core)}


def retention(ctx: ReportContext, table: LayerTable, newly: np.ndarray, cols: list[int]) -> list[dict[str, Any]]:
    """Each cohort of newcomers (members who joined in a week) looked at again ``k`` weeks
    later for each k in ``[members] retention_weeks``: the share who spoke in that week and the
    share still in the group at its end. Cohorts from the period's weeks, and earlier ones
    whose later week falls in the period; a later week past the period is null."""
    ks = sorted(ctx.config.members.retention_weeks)
    first, last = cols[0], cols[-1]
    rows = []
    for c in range(max(first - ks[-1], 0), last + 1):
        cohort = table.joined_week == c
        n = int(cohort.sum())
        if not n:
            continue
        after = []
        for k in ks:
            w = c + k
            if w > last or not _covered(ctx, table.weeks[w]):
                after.append({"weeks": k, "spoke": None, "stayed": None, "spoke_count": None, "stayed_count": None})
                continue
            spoke = int((cohort & table.spoke[:, w]).sum())
            stayed = int((cohort & (table.layer[:, w] != ABSENT_CODE)).sum())
            after.append({"weeks": k, "spoke": ratio(spoke, n), "stayed": ratio(stayed, n),
                          "spoke_count": spoke, "stayed_count": stayed})
        rows.append({"cohort": week_text(table.weeks[c]), "joined": n, "newly_active": int((cohort & newly).sum()),
                     "newly_active_share": ratio(int((cohort & newly).sum()), n), "after": after})
    return rows


def _covered(ctx: ReportContext, monday: date) -> bool:
    return monday <= ctx.last_day
