"""The ``questions`` report: questions asked, who answered, how fast, and which went unanswered.

A question is a member's message in the ``question`` class that is neither an ad nor a
scripted operator post, asked by someone other than the owner or an admin (staff prompts and
replies are not requests for service). Its answer is the first later message from someone else
that answers it, quoted or not (``grouplens.analysis.answers``: a quote the export shows, the reply
model's link, @-mentions, proximity, turn-taking and shared words read together). Operators' service target is an answer within
``[report] answer_target_minutes`` (one hour); a question with no answer within
``answer_window_hours`` is unanswered, or still pending when the data ends sooner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..text.classes import AD, OPERATOR_TEMPLATE, QUESTION
from .common import iso_time, member_rows, message_rows, ratio, rounded, week_text
from .context import WEEK, ReportContext
from .period import Period

ANSWERED, UNANSWERED, PENDING = "answered", "unanswered", "pending"


def question_table(ctx: ReportContext) -> pd.DataFrame:
    """Every question in the loaded window: position, asker, first answer (position, answerer,
    minutes, by staff), within target, status. Positions index ``ctx.speech``. Worked out once
    per context."""
    if "question_table" not in ctx.cache:
        ctx.cache["question_table"] = _question_table(ctx)
    return ctx.cache["question_table"]


def _question_table(ctx: ReportContext) -> pd.DataFrame:
    cfg = ctx.config.report
    rs, speech = ctx.replies, ctx.speech

    def flag(column: str) -> np.ndarray:
        return speech[column].fillna(False).to_numpy(bool) if column in speech else np.zeros(len(speech), bool)

    staff = ctx.people.staff_ids()
    by_staff = speech[S.SENDER_ID].astype(str).isin(staff).to_numpy()
    found = rs.messages  # the reply structure's speech: same rows as ``speech``, with the answers found
    # A question-class line that asks something where it stands (``analysis.asking``: no teasing,
    # retort or meme copy); without the reply model, the class alone.
    asks = found[S.ASKS].fillna(False).to_numpy(bool) if S.ASKS in found else flag(QUESTION)
    is_question = asks & ~flag(AD) & ~flag(OPERATOR_TEMPLATE) & ~by_staff
    n = len(rs)
    # The answer: the first later message from someone else that answers it, quoted or not
    # (``analysis.answers``: reply links, proximity, turn-taking and shared words read together).
    position = pd.Series(np.arange(n), index=found[S.MSG_ID].astype(str).to_numpy())
    position = position[~position.index.duplicated()]
    answered_by = found[S.ANSWERED_BY].astype(object) if S.ANSWERED_BY in found else pd.Series(None, index=found.index)
    first = answered_by.map(position).fillna(n).to_numpy().astype(np.int64)
    q = np.flatnonzero(is_question)
    answer = first[q]
    safe = np.where(answer < n, answer, 0)
    # A reply after the answer window is too late to count as the question's answer.
    answered = (answer < n) & (rs.seconds[safe] - rs.seconds[q] <= cfg.answer_window_hours * 3600.0)
    minutes = np.where(answered, (rs.seconds[safe] - rs.seconds[q]) / 60.0, np.nan)
    answerer = np.where(answered, rs.member_ids[rs.author[safe]], None)
    asked = speech[S.TS].to_numpy()[q]
    waited = (ctx.data_end - pd.to_datetime(asked, utc=True)) >= pd.Timedelta(hours=cfg.answer_window_hours)
    status = np.where(answered, ANSWERED, np.where(np.asarray(waited), UNANSWERED, PENDING))
    return pd.DataFrame({
        "position": q, S.SENDER_ID: speech[S.SENDER_ID].to_numpy()[q], S.TS: speech[S.TS].to_numpy()[q],
        WEEK: speech[WEEK].to_numpy()[q], "answer_position": np.where(answered, answer, -1),
        "answerer": answerer, "minutes": minutes,
        "staff_answer": [a in staff if a is not None else False for a in answerer],
        "within_target": answered & (minutes <= cfg.answer_target_minutes), "status": status,
    })


def questions_section(ctx: ReportContext, period: Period | None = None) -> dict[str, Any]:
    """The ``questions`` report's data for ``period``."""
    period = period or ctx.period
    cfg = ctx.config.report
    table = question_table(ctx)
    table = table[ctx.in_period(table, period)].reset_index(drop=True)
    weekly = [{"week": week_text(monday), **_totals(table[table[WEEK] == pd.Timestamp(monday)])}
              for monday in period.weeks()]
    unanswered = table[table["status"] == UNANSWERED].sort_values(S.TS, ascending=False, kind="stable")
    return {
        "target_minutes": cfg.answer_target_minutes,
        "window_hours": cfg.answer_window_hours,
        "totals": _totals(table),
        "weekly": weekly,
        "answerers": _answerers(ctx, table),
        "askers": _askers(ctx, table),
        "unanswered": {"count": len(unanswered),
                       "questions": _question_rows(ctx, unanswered.head(cfg.top))},
        "questions": _question_rows(ctx, table),
    }


def _totals(table: pd.DataFrame) -> dict[str, Any]:
    answered = table[table["status"] == ANSWERED]
    settled = table[table["status"] != PENDING]  # pending questions may still get their answer
    return {
        "questions": len(table), "answered": len(answered),
        "unanswered": int((table["status"] == UNANSWERED).sum()), "pending": int((table["status"] == PENDING).sum()),
        "answered_share": ratio(len(answered), len(settled)),
        "within_target": int(table["within_target"].sum()),
        "within_target_share": ratio(int(table["within_target"].sum()), len(settled)),
        "median_minutes": rounded(float(answered["minutes"].median())) if len(answered) else None,
        "staff_answered": int(answered["staff_answer"].sum()),
        "staff_within_target": int((answered["staff_answer"] & answered["within_target"]).sum()),
    }


def _answerers(ctx: ReportContext, table: pd.DataFrame) -> list[dict[str, Any]]:
    answered = table[table["status"] == ANSWERED]
    if answered.empty:
        return []
    g = answered.groupby("answerer")
    stats = pd.DataFrame({"answers": g.size(), "median_minutes": g["minutes"].median(),
                          "within_target": g["within_target"].sum()})
    stats = stats.reset_index().sort_values(["answers", "answerer"], ascending=[False, True], kind="stable")
    stats = stats.head(ctx.config.report.top)
    return member_rows(ctx.people, stats["answerer"], answers=stats["answers"],
                       within_target=stats["within_target"],
                       median_minutes=[rounded(v) for v in stats["median_minutes"]],
                       staff=[ctx.people.is_staff(m) for m in stats["answerer"]])


def _askers(ctx: ReportContext, table: pd.DataFrame) -> list[dict[str, Any]]:
    if table.empty:
        return []
    g = table.groupby(S.SENDER_ID)
    stats = pd.DataFrame({"questions": g.size(), "answered": g["status"].apply(lambda s: int((s == ANSWERED).sum()))})
    stats = stats.reset_index().sort_values(["questions", S.SENDER_ID], ascending=[False, True], kind="stable")
    stats = stats.head(ctx.config.report.top)
    return member_rows(ctx.people, stats[S.SENDER_ID], questions=stats["questions"], answered=stats["answered"])


def _question_rows(ctx: ReportContext, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Each question as a message with its status and first answer (who, when, how long)."""
    frame = ctx.speech.iloc[table["position"].to_numpy()]
    answers = []
    for pos, who, minutes, staff in zip(table["answer_position"], table["answerer"], table["minutes"],
                                        table["staff_answer"]):
        if pos < 0:
            answers.append(None)
            continue
        ans = ctx.people.ref(who)
        ans.update({S.TS: iso_time(ctx.speech[S.TS].iat[pos], ctx.period.tz), S.TEXT: ctx.speech[S.TEXT].iat[pos],
                    "minutes": rounded(minutes), "staff": bool(staff)})
        answers.append(ans)
    return message_rows(ctx.people, frame, ctx.period.tz, status=table["status"],
                        within_target=table["within_target"].astype(bool), answer=answers)


question_rows = _question_rows  # the member page lists one member's questions and answers the same way
