"""The JSON shape: every key a report holds is documented in docs/report-json.md, and every
kind carries the same envelope."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from report_groups import build_store, fading_group
from test_report_checkins import CHALLENGE
from test_report_compliance import RISKY

from grouplens.report import KINDS, build_report

DOC = (Path(__file__).resolve().parent.parent / "docs" / "report-json.md").read_text("utf-8")
_PROSE = re.sub(r"```.*?```", "", DOC, flags=re.DOTALL)  # code fences would pair backticks wrongly
DOCUMENTED = {word for quoted in re.findall(r"`([^`]+)`", _PROSE) for word in re.split(r"[^a-z_0-9]+", quoted)}
# Keys that are values of the data, not names of the shape (stage names, categories, settings).
DYNAMIC_PARENTS = {"weeks_by_stage", "by_stage", "examples", "settings", "thresholds"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("json") / "store", fading_group(), CHALLENGE, RISKY)
    out = {kind: build_report(store, kind, None if kind == "groups" else "渐冷群",
                              member="60001" if kind == "member" else None).to_dict() for kind in KINDS}
    out["checkins"] = build_report(store, "checkins", "早睡打卡群").to_dict()
    out["compliance"] = build_report(store, "compliance", "合规测试群").to_dict()
    return out


def keys(value):
    """Every key name in a report, not looking inside objects keyed by data (DYNAMIC_PARENTS)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            if k not in DYNAMIC_PARENTS:
                yield from keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys(v)


def test_every_key_of_every_kind_is_documented(reports):
    for kind, report in reports.items():
        missing = sorted(set(keys(report)) - DOCUMENTED)
        assert not missing, f"{kind}: keys not in docs/report-json.md: {missing}"


def test_every_kind_has_the_same_envelope_and_is_plain_json(reports):
    for kind, report in reports.items():
        assert list(report) == ["format", "version", "kind", "lang", "generated_at", "group", "period", "privacy",
                                "settings", "data"]
        assert report["format"] == "grouplens-report" and report["version"] == 1 and report["kind"] == kind
        assert json.loads(json.dumps(report)) == report  # nothing but JSON types
