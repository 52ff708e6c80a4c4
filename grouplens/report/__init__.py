"""Reports for community operators: the weekly review and its parts, as data first.

``build_report(store, kind, group, …)`` returns a ``Report`` whose ``to_dict()`` is the stable
JSON shape of ``docs/report-json.md``. Each kind is one registered record in ``report.kinds``
(its data, default period, main table and page); ``page.build_page`` lays a report out as one
page model, which the writers render: ``terminal`` (rich, 80 columns), ``render_markdown`` and
``render_html``; ``tables`` writes the kind's main table as CSV. The data of each kind is
computed by its own module (``activity``, ``members``, ``lifecycle``, ``questions``,
``checkins``, ``compliance``, ``kol``, ``weekly``, ``portfolio``); ``privacy`` hides ids, names
and contact numbers before any writer runs.

The names below are loaded on first use, so that writing a report's page (or the CLI's other
commands) does not import the analyses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .build import build_report
    from .html import render_html
    from .kinds import ReportKind, all_kinds, get_kind, kind_names, register_kind, registered, unregister_kind
    from .markdown import render_markdown
    from .model import REPORT_FORMAT, REPORT_VERSION, Report
    from .privacy import apply_privacy

_WHERE = {
    "build_report": "build", "render_html": "html", "render_markdown": "markdown", "apply_privacy": "privacy",
    "REPORT_FORMAT": "model", "REPORT_VERSION": "model", "Report": "model",
    **{name: "kinds" for name in ("ReportKind", "all_kinds", "get_kind", "kind_names", "register_kind",
                                  "registered", "unregister_kind")},
}


def __getattr__(name: str):
    if name == "KINDS":  # the registered kinds' names, read when asked (kinds may be registered later)
        return importlib.import_module(f"{__name__}.kinds").kind_names()
    if name not in _WHERE:
        raise AttributeError(name)
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["REPORT_FORMAT", "REPORT_VERSION", "Report", "ReportKind", "all_kinds", "apply_privacy", "build_report",
           "get_kind", "kind_names", "register_kind", "registered", "render_html", "render_markdown",
           "unregister_kind"]
