"""Small helpers the importer tests share (pytest puts this folder on the path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from grouplens import schema as S


def utc(*args: int | str) -> datetime:
    """``utc(2024, 3, 1, 9, 30)`` or ``utc("2024-03-01 09:30:00")``: that moment in UTC."""
    if len(args) == 1 and isinstance(args[0], str):
        return datetime.fromisoformat(args[0]).replace(tzinfo=UTC)
    return datetime(*args, tzinfo=UTC)


def rows_of(conversation) -> list[dict]:
    """A parsed conversation's messages as dicts, with ``extra`` decoded."""
    rows = conversation.messages.to_pylist()
    for r in rows:
        r[S.EXTRA] = json.loads(r[S.EXTRA]) if r[S.EXTRA] else {}
    return rows
