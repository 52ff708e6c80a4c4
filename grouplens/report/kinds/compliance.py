"""Compliance: ads, flooding, risky medical claims and personal attacks."""

from __future__ import annotations

from typing import Any

from ..compliance import compliance_section
from ..page import Page
from ..parts import compliance_sections
from . import ReportKind


def compliance_page(report: dict[str, Any], out: Page) -> None:
    out.sections += compliance_sections(report["data"], report["lang"])


KIND = ReportKind(
    name="compliance", titles=("合规风险", "Compliance"),
    summary="ads, flooding, risky medical claims, personal attacks: counts, who, examples",
    section=compliance_section, page=compliance_page, main_table="offenders",
)
