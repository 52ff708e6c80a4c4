"""Reports for community operators: the weekly review and its parts, as data first.

``build_report(store, kind, group, …)`` returns a ``Report`` whose ``to_dict()`` is the stable
JSON shape of ``docs/report-json.md``. Each kind is one registered record in ``report.kinds``
(its data, default period, main table and page); ``page.build_page`` lays a report out as one
page model, which the writers render: ``terminal`` (rich, 80 columns), ``render_markdown`` and
``render_html``; ``tables`` writes the kind's main table as CSV. The data of each kind is
computed by its own module (``activity``, ``members``, ``lifecycle``, ``questions``,
``checkins``, ``compliance``, ``kol``, ``weekly``, ``portfolio``); ``privacy`` hides ids, names
and contact numbers before any writer runs.
"""

from __future__ import annotations

from .build import build_report
from .html import render_html
from .kinds import ReportKind, all_kinds, get_kind, kind_names, register_kind, registered, unregister_kind
from .markdown import render_markdown
from .model import REPORT_FORMAT, REPORT_VERSION, Report
from .privacy import apply_privacy


def __getattr__(name: str):
    if name == "KINDS":  # the registered kinds' names, read when asked (kinds may be registered later)
        return kind_names()
    raise AttributeError(name)


__all__ = ["REPORT_FORMAT", "REPORT_VERSION", "Report", "ReportKind", "all_kinds", "apply_privacy", "build_report",
           "get_kind", "kind_names", "register_kind", "registered", "render_html", "render_markdown",
           "unregister_kind"]
