"""What every report's JSON must satisfy, whatever the data: rates within [0, 1], counts that add
up (layers to members, answered + unanswered + pending to questions, days to the period's
messages). ``violations(report)`` lists each broken rule as one line naming the place in the JSON.

Used by tests/test_report_invariants.py (sample store and simulated groups) and by hand on real
exports (docs/report-json.md gives every field).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

# Fractions documented as 0…1 (net_growth_share may be negative: it is not listed).
SHARES = {"share", "participation_rate", "speaker_share", "ad_share", "question_share", "objection_share",
          "question_share_of_rest", "join_share", "answered_share", "within_target_share", "newly_active_share",
          "top5_share", "completion_rate", "finished_rate", "spoke", "stayed", "gini", "volume", "participation",
          "clean", "level"}
LAYERS = ("new", "core", "returned", "active", "churned", "silent")


class Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def that(self, holds: bool, where: str, what: str) -> None:
        if not holds:
            self.problems.append(f"{where}: {what}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _shares(node: Any, where: str, c: Check) -> None:
    """Every share anywhere in the JSON is null or within [0, 1]; no number is NaN or infinite."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}"
            if key in SHARES and value is not None and _is_number(value):
                c.that(0 <= value <= 1, here, f"share {value} outside [0, 1]")
            if _is_number(value) and isinstance(value, float):
                c.that(math.isfinite(value), here, f"{value} is not a finite number")
            _shares(value, here, c)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _shares(value, f"{where}[{i}]", c)


def _activity(d: dict, where: str, c: Check) -> None:
    t = d["totals"]
    c.that(t["speakers"] <= t["members"], f"{where}.totals", f"{t['speakers']} speakers > {t['members']} members")
    c.that(sum(x["messages"] for x in d["daily"]) == t["messages"], f"{where}.daily", "days do not add up to messages")
    c.that(sum(map(sum, d["heatmap"]["messages"])) == t["messages"], f"{where}.heatmap", "cells != messages")
    c.that(sum(k["messages"] for k in d["kinds"]) == t["messages"], f"{where}.kinds", "kinds != messages")
    c.that(sum(w["messages"] for w in d["weekly"]) == t["messages"], f"{where}.weekly", "weeks != messages")
    c.that(sum(x["joins"] for x in d["daily"]) == t["joins"], f"{where}.daily", "days' joins != joins")
    c.that(sum(x["leaves"] for x in d["daily"]) == t["leaves"], f"{where}.daily", "days' leaves != leaves")
    for i, x in enumerate(d["daily"]):
        c.that(x["speakers"] <= t["speakers"], f"{where}.daily[{i}]", "more speakers in a day than in the period")
        c.that((x["speakers"] == 0) == (x["messages"] == 0), f"{where}.daily[{i}]", "speakers without messages")
    for i, w in enumerate(d["weekly"]):
        c.that(w["speakers"] <= w["members"], f"{where}.weekly[{i}]", f"{w['speakers']} speakers > {w['members']} members")
    talkers = d["top_talkers"]
    c.that(sum(x["messages"] for x in talkers) <= t["messages"], f"{where}.top_talkers", "more than all messages")
    c.that(len({x["member"] for x in talkers}) == len(talkers), f"{where}.top_talkers", "a member listed twice")
    c.that(d["concentration"]["speakers"] == t["speakers"], f"{where}.concentration", "speakers differ from totals")


def _members(d: dict, where: str, c: Check) -> None:
    layers = d["layers"]
    weeks = d["weekly"]
    for i, w in enumerate(weeks):
        c.that(sum(w[k] for k in layers) == w["members"], f"{where}.weekly[{i}]",
               f"layers add up to {sum(w[k] for k in layers)}, not {w['members']} members")
        c.that(w["newly_active"] <= w["joins"] or w["newly_active"] <= w["new"], f"{where}.weekly[{i}]",
               "more newly active than newcomers")
    t = d["totals"]
    c.that(sum(t[k] for k in layers) == t["members"], f"{where}.totals", "layers do not add up to members")
    if weeks:
        c.that(t["members"] == weeks[-1]["members"], f"{where}.totals", "members differ from the last week's")
    by_week = {w["week"]: w for w in weeks}
    moves: dict[str, Counter] = {}
    for m in d["transitions"]:
        moves.setdefault(m["week"], Counter())
        if m["to"] != "left":
            moves[m["week"]][f"to:{m['to']}"] += m["members"]
    for week, counts in moves.items():
        if week in by_week:
            for layer in layers:
                c.that(counts[f"to:{layer}"] == by_week[week][layer], f"{where}.transitions {week}",
                       f"moves into {layer} ({counts[f'to:{layer}']}) != {by_week[week][layer]} in the layer")
    for name, group in d["people"].items():
        if isinstance(group, dict) and "count" in group:
            c.that(len(group["members"]) <= group["count"], f"{where}.people.{name}", "more listed than counted")
            keys = [m["member"] for m in group["members"]]
            c.that(len(set(keys)) == len(keys), f"{where}.people.{name}", "a member listed twice")
    for i, r in enumerate(d["retention"]):
        c.that(r["newly_active"] <= r["joined"], f"{where}.retention[{i}]", "more newly active than joined")
        for a in r["after"]:
            for k in ("spoke_count", "stayed_count"):
                c.that(a[k] is None or a[k] <= r["joined"], f"{where}.retention[{i}]", f"{k} > joined")


def _lifecycle(d: dict, where: str, c: Check) -> None:
    for i, w in enumerate(d["weekly"]):
        m = w["metrics"]
        c.that(m["speakers"] <= m["members"], f"{where}.weekly[{i}]", f"{m['speakers']} speakers > {m['members']}")
        c.that((w["days"] == 0) == (w["stage"] is None), f"{where}.weekly[{i}]", "a stage without data, or none with")
        if w["health"]:
            c.that(0 <= w["health"]["score"] <= 100, f"{where}.weekly[{i}].health", "score outside 0…100")
    staged = Counter(w["stage"] for w in d["weekly"] if w["stage"])
    c.that(sum(d["weeks_by_stage"].values()) == sum(staged.values()), f"{where}.weeks_by_stage",
           "does not add up to the weeks with a stage")


def _questions(d: dict, where: str, c: Check) -> None:
    for label, t in [("totals", d["totals"]), *((f"weekly[{i}]", w) for i, w in enumerate(d["weekly"]))]:
        here = f"{where}.{label}"
        c.that(t["answered"] + t["unanswered"] + t["pending"] == t["questions"], here,
               f"answered {t['answered']} + unanswered {t['unanswered']} + pending {t['pending']} != "
               f"{t['questions']} questions")
        c.that(t["within_target"] <= t["answered"], here, "more answered within target than answered")
        c.that(t["staff_answered"] <= t["answered"], here, "more answered by staff than answered")
        c.that(t["staff_within_target"] <= min(t["staff_answered"], t["within_target"]), here,
               "staff within target exceeds staff answers or answers within target")
    t = d["totals"]
    for key in ("questions", "answered", "unanswered", "pending"):
        c.that(sum(w[key] for w in d["weekly"]) == t[key], f"{where}.weekly", f"weeks' {key} != totals")
    status = Counter(q["status"] for q in d["questions"])
    c.that(len(d["questions"]) == t["questions"], f"{where}.questions", "list length != totals.questions")
    for key in ("answered", "unanswered", "pending"):
        c.that(status[key] == t[key], f"{where}.questions", f"{status[key]} listed {key} != {t[key]}")
    c.that(d["unanswered"]["count"] == t["unanswered"], f"{where}.unanswered", "count != totals.unanswered")
    c.that(sum(a["questions"] for a in d["askers"]) <= t["questions"], f"{where}.askers", "more than all questions")
    c.that(sum(a["answers"] for a in d["answerers"]) <= t["answered"], f"{where}.answerers", "more than answered")
    for i, q in enumerate(d["questions"]):
        c.that((q["answer"] is not None) == (q["status"] == "answered"), f"{where}.questions[{i}]",
               "an answer without the status answered, or the reverse")
        if q["answer"] is not None:
            c.that(q["answer"]["minutes"] >= 0, f"{where}.questions[{i}]", "answered before it was asked")
            c.that(q["answer"]["member"] != q["member"], f"{where}.questions[{i}]", "answered by the asker")


def _checkins(d: dict, where: str, c: Check) -> None:
    t = d["totals"]
    c.that(t["completed"] + t["in_progress"] + t["dropped"] == t["participants"], f"{where}.totals",
           "completed + in progress + dropped != participants")
    c.that(len(d["members"]) == t["participants"], f"{where}.members", "list length != participants")
    c.that(sum(x["checkins"] for x in d["daily"]) == t["checkins"], f"{where}.daily", "days != checkins")
    for i, m in enumerate(d["members"]):
        c.that(m["longest_streak"] >= m["current_streak"], f"{where}.members[{i}]", "current streak > longest")


def _compliance(d: dict, where: str, c: Check) -> None:
    t = d["totals"]
    for cat in d["categories"]:
        c.that(cat["messages"] <= t["messages"], f"{where}.categories.{cat['category']}", "more than all messages")
    for i, o in enumerate(d["offenders"]):
        parts = sum(v for k, v in o.items() if k in ("ad", "flooding", "risky_claim", "personal_attack"))
        c.that(parts == o["total"], f"{where}.offenders[{i}]", "categories do not add up to total")


def _kol(d: dict, where: str, c: Check) -> None:
    for name in ("influence", "activity_ranking", "contribution_ranking"):
        rows = d[name]
        keys = [r["member"] for r in rows]
        c.that(len(set(keys)) == len(keys), f"{where}.{name}", "a member ranked twice")
        ranks = [r["rank"] for r in rows]
        c.that(ranks == sorted(ranks), f"{where}.{name}", "ranks out of order")


def _groups(d: dict, where: str, c: Check) -> None:
    t = d["totals"]
    c.that(t["groups"] == len(d["groups"]), f"{where}.totals", "groups != rows")
    c.that(sum(t["by_stage"].values()) <= t["with_data"] <= t["groups"], f"{where}.totals", "stages/with_data")
    for i, g in enumerate(d["groups"]):
        if g["speakers"] is not None and g["members"] is not None:
            c.that(g["speakers"] <= g["members"], f"{where}.groups[{i}]", "more speakers than members")


def _weekly(d: dict, where: str, c: Check) -> None:
    for side in ("current", "previous"):
        for kind, data in d[side].items():
            if kind in CHECKS and data:
                CHECKS[kind](data, f"{where}.{side}.{kind}", c)
    for row in d["comparison"]:
        cur, prev = row["current"], row["previous"]
        if _is_number(cur) and _is_number(prev) and row["delta"] is not None:
            c.that(abs(row["delta"] - (cur - prev)) < 1e-6 * max(1, abs(cur), abs(prev)) + 0.01,
                   f"{where}.comparison.{row['metric']}", "delta != current - previous")
    if d["no_messages"]:
        c.that(d["current"]["activity"]["totals"]["messages"] == 0, where, "no_messages but messages counted")


CHECKS = {"activity": _activity, "members": _members, "lifecycle": _lifecycle, "questions": _questions,
          "checkins": _checkins, "compliance": _compliance, "kol": _kol, "groups": _groups, "weekly": _weekly}


def violations(report: dict) -> list[str]:
    """Each broken rule of ``report`` (a report's ``to_dict()``), one line each; [] when all hold."""
    c = Check()
    where = f"{report['kind']} {report['period']['label']}"
    _shares(report["data"], where, c)
    if report["kind"] in CHECKS:
        CHECKS[report["kind"]](report["data"], where, c)
    return c.problems


def all_reports(store, group: str | None, **period) -> list[dict]:
    """Every built-in kind's JSON for ``group`` (``groups`` for the whole store); a kind that has
    no period with data (kol before a complete month) is left out."""
    from grouplens.errors import UsageError
    from grouplens.report import KINDS, build_report

    out = []
    for kind in KINDS:
        try:
            out.append(build_report(store, kind, None if kind == "groups" else group, **period).to_dict())
        except UsageError:
            continue
    return out
