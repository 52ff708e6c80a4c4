"""The ``Report`` object every report kind returns, and its JSON envelope.

``Report.to_dict()`` is the stable JSON shape documented in ``docs/report-json.md``: an
envelope (format, version, kind, group, period, settings, privacy, language) around the kind's
``data``. Renderers (terminal, CSV, Markdown, HTML) read only that dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .people import Person

REPORT_FORMAT = "grouplens-report"
REPORT_VERSION = 1

@dataclass
class Report:
    """One report: what it covers and its data, ready for a renderer.

    ``directory`` (key -> person) is not part of the JSON: the privacy step uses it to find
    members' names and ids inside quoted texts.
    """

    kind: str
    group: dict[str, Any] | None  # id, name, platform; None for the groups (portfolio) view
    period: dict[str, Any]
    data: dict[str, Any]
    settings: dict[str, Any]
    lang: str = "zh"
    privacy: dict[str, bool] = field(default_factory=lambda: {"pseudonymized": False, "redacted": False,
                                                              "ids_shown": True})
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    directory: dict[str, Person] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "version": REPORT_VERSION, "kind": self.kind, "lang": self.lang,
                "generated_at": self.generated_at, "group": self.group, "period": self.period,
                "privacy": dict(self.privacy), "settings": self.settings, "data": self.data}
