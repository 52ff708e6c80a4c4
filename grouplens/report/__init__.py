"""Reports for community operators: the weekly review and its parts, as data first.

``build_report(store, kind, group, …)`` returns a ``Report`` whose ``to_dict()`` is the stable
JSON shape of ``docs/report-json.md``; renderers turn that dict into a terminal view
(``terminal``), CSV (``tables``), Markdown (``render_markdown``) and HTML (``render_html``).
One module per kind computes its data from the group's messages (``activity``, ``members``,
``lifecycle``, ``questions``, ``checkins``, ``compliance``, ``kol``, ``weekly``,
``portfolio``); ``privacy`` hides ids, names and contact numbers before any renderer runs.
"""

from __future__ import annotations

from .build import build_report
from .html import render_html
from .markdown import render_markdown
from .model import KINDS, REPORT_FORMAT, REPORT_VERSION, Report
from .privacy import apply_privacy

__all__ = ["KINDS", "REPORT_FORMAT", "REPORT_VERSION", "Report", "apply_privacy", "build_report", "render_html",
           "render_markdown"]
