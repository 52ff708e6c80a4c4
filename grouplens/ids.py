"""Stable identifiers: group ids, and message ids for exports that carry none.

A message id derived from content must be the same every time the same export (or an
overlapping one) is imported, so that re-importing adds nothing, while two genuinely
identical messages (same sender, second and text: double posts) stay two messages. The id
hashes ts + sender + text and appends the occurrence index of that key within the export.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_HASH_KEY = "grouplens-msgid1"  # 16 bytes: part of the id definition, never change it
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UNSAFE = re.compile(r"[^0-9A-Za-z_.@-]")


def group_id_for(platform: str, native_id: str | None, name: str | None) -> str:
    """A platform-qualified group id that is also a safe directory name.

    ``qq-730123456`` or ``wechat-12345678901@chatroom`` when the export names the group's own
    id; ``qq-name-<12 hex>`` (a hash of the name) when it only gives a name.
    """
    if native_id:
        safe = _UNSAFE.sub("_", native_id.strip())
        if safe.strip("_"):
            return f"{platform}-{safe}"[:120]
    digest = hashlib.sha1((name or "").encode("utf-8")).hexdigest()[:12]
    return f"{platform}-name-{digest}"


def _hex_ids(hashes: np.ndarray) -> pa.Array:
    """``"h" + 16 hex digits`` for each uint64, built without a Python loop."""
    n = len(hashes)
    raw = hashes.astype(">u8").view(np.uint8).reshape(n, 8)
    out = np.empty((n, 17), dtype=np.uint8)
    out[:, 0] = ord("h")
    out[:, 1::2] = _HEX[raw >> 4]
    out[:, 2::2] = _HEX[raw & 15]
    offsets = np.arange(0, 17 * (n + 1), 17, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out.tobytes())])


def content_ids(ts: pa.Array, sender: pa.Array, text: pa.Array) -> pa.Array:
    """Deterministic message ids from (ts, sender, text, occurrence of that key in the input).

    Args:
        ts: timestamps (any Arrow timestamp type; the UTC instant is what counts).
        sender: sender ids (or names where there is no id); nulls allowed.
        text: message texts; nulls allowed.
    """
    n = len(ts)
    if n == 0:
        return pa.array([], pa.string())
    micros = pc.cast(pc.cast(ts, pa.timestamp("us", tz="UTC")), pa.int64())
    key = pc.binary_join_element_wise(
        pc.cast(micros, pa.string()), pc.fill_null(sender, ""), pc.fill_null(text, ""), "\x1f")
    values = key.to_numpy(zero_copy_only=False)
    hashes = pd.util.hash_array(values, encoding="utf8", hash_key=_HASH_KEY, categorize=False)
    ids = _hex_ids(hashes)
    if not pd.Series(hashes).duplicated().any():
        return ids
    occurrence = pd.Series(hashes).groupby(hashes, sort=False).cumcount().to_numpy()
    repeated = np.flatnonzero(occurrence > 0)
    if len(repeated):
        patched = ids.to_pylist()
        for i in repeated:
            patched[i] = f"{patched[i]}.{occurrence[i]}"
        ids = pa.array(patched, pa.string())
    return ids
