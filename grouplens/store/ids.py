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
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UNSAFE = re.compile(r"[^0-9A-Za-z_.@-]")
# A native id kept as it is in the folder name: lower-case ASCII letters, digits and _.@- only
# (so two ids never share a folder, even on a case-insensitive file system), not "." or "..",
# and not of the form the name-only ids take.
_VERBATIM = re.compile(r"[0-9a-z_@-][0-9a-z_.@-]*")
_MAX_VERBATIM = 100
ESCAPE_MARK = "~"  # never in a verbatim id: separates an escaped id from its hash


def group_id_for(platform: str, native_id: str | None, name: str | None) -> str:
    """A platform-qualified group id that is also a safe directory name, one per native id.

    ``qq-730123456`` or ``wechat-12345678901@chatroom`` when the export names the group's own
    id and that id is plain (lower-case letters, digits, ``_.@-``, at most 100 characters);
    any other id keeps a readable part and gains a hash of the whole id after ``~``
    (``wechat-team_1@chatroom~3f9a…``), so distinct ids always give distinct folders;
    ``qq-name-<12 hex>`` (a hash of the name) when the export gives only a name.
    """
    native = native_id.strip() if native_id else ""
    if native:
        if (len(native) <= _MAX_VERBATIM and _VERBATIM.fullmatch(native)
                and not native.startswith("name-")):
            return f"{platform}-{native}"
        readable = _UNSAFE.sub("_", native)[:48].strip("._")
        digest = hashlib.sha256(native.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{platform}-{readable}{ESCAPE_MARK}{digest}"
    digest = hashlib.sha1((name or "").encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{platform}-name-{digest}"


def same_native_id(a: str | None, b: str | None) -> bool:
    """Whether two native ids name the same conversation (surrounding blanks do not count)."""
    return (a or "").strip() == (b or "").strip()


_HEX_PAIRS = np.frombuffer("".join(f"{i:02x}" for i in range(256)).encode(), dtype=np.uint16)  # byte -> 2 digits


def _hex_ids(hashes: np.ndarray) -> pa.Array:
    """``"h" + 16 hex digits`` for each uint64, built without a Python loop."""
    n = len(hashes)
    raw = hashes.astype(">u8").view(np.uint8).reshape(n, 8)
    out = np.empty((n, 17), dtype=np.uint8)
    out[:, 0] = ord("h")
    out[:, 1:] = _HEX_PAIRS[raw].view(np.uint8).reshape(n, 16)
    offsets = np.arange(0, 17 * (n + 1), 17, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out)])


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_TAIL_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [0xFFFFFFFFFFFFFFFF], dtype=np.uint64)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word."""
    h = (h ^ (h >> np.uint64(30))) * _M2
    h = (h ^ (h >> np.uint64(27))) * _M3
    return h ^ (h >> np.uint64(31))


_LONG = 256  # bytes: longer strings are hashed one by one with blake2b


def hash_strings(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string's UTF-8 bytes (nulls hash like ""), mostly without Python loops.

    Strings up to 256 bytes (nearly all chat messages) are read eight bytes at a time, each step
    a few numpy operations over the strings that still have bytes left; longer ones are hashed
    one by one with blake2b. The definition is ours and fixed: message ids depend on it.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr, "").cast(pa.large_string())
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + n + 1]
    data = arr.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    if len(raw) < 8:
        raw = np.concatenate([raw, np.zeros(8 - len(raw), np.uint8)])
    # A word at every byte; a read that would run past the end takes the last word, shifted.
    words = np.ndarray(shape=(len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    last = len(raw) - 8
    starts = offsets[:-1]
    lengths = np.diff(offsets)
    h = _mix(lengths.astype(np.uint64) * _M1 + np.uint64(0x243F6A8885A308D3))
    long_rows = np.flatnonzero(lengths > _LONG)
    rows = np.flatnonzero(lengths <= _LONG) if len(long_rows) else np.arange(n)
    k = 0
    while len(rows):
        left = lengths[rows] - k
        live = left > 0
        if not live.all():
            rows, left = rows[live], left[live]
            if not len(rows):
                break
        at = starts[rows] + k
        w = words[np.minimum(at, last)]
        beyond = np.flatnonzero(at > last)
        if len(beyond):
            w[beyond] >>= ((at[beyond] - last) * 8).astype(np.uint64)
        w &= _TAIL_MASKS[np.minimum(left, 8)]
        h[rows] = _mix((h[rows] ^ w) * _M1)
        k += 8
    if len(long_rows):
        view = memoryview(raw)
        digests = [int.from_bytes(hashlib.blake2b(view[starts[i]:starts[i] + lengths[i]], digest_size=8).digest(),
                                  "little") for i in long_rows]
        h[long_rows] = _mix(h[long_rows] ^ np.array(digests, dtype=np.uint64))
    return h


def _hash_repeated(arr: pa.Array) -> np.ndarray:
    """``hash_strings`` for a column with few distinct values (senders): each is hashed once."""
    encoded = pc.dictionary_encode(pc.fill_null(arr, ""))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    per_value = hash_strings(encoded.dictionary)
    return per_value[encoded.indices.to_numpy(zero_copy_only=False)]


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
    micros = pc.cast(pc.cast(ts, pa.timestamp("us", tz="UTC")), pa.int64()).to_numpy(zero_copy_only=False)
    hashes = _mix(hash_strings(text) ^ _mix(_hash_repeated(sender) + micros.astype(np.uint64) * _M3))
    ids = _hex_ids(hashes)
    occurrence = occurrences(hashes)
    if occurrence is None:
        return ids
    repeated = np.flatnonzero(occurrence > 0)
    patched = ids.to_pylist()
    for i in repeated:
        patched[i] = f"{patched[i]}.{occurrence[i]}"
    return pa.array(patched, pa.string())


def _all_distinct(values: np.ndarray) -> bool:
    ordered = np.sort(values)  # numpy's vectorised sort: faster than a hash table here
    return not (ordered[1:] == ordered[:-1]).any()


def occurrences(values: np.ndarray) -> np.ndarray | None:
    """For each value, how many times it occurred before (0 for a first occurrence); None when
    every value is distinct (the usual case)."""
    if _all_distinct(values):
        return None
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeats = ordered[1:] == ordered[:-1]
    if not repeats.any():
        return None
    run_start = np.concatenate([[True], ~repeats])  # the first of each run of equal values
    position = np.arange(len(values))
    counts = np.empty(len(values), dtype=np.int64)
    counts[order] = position - np.maximum.accumulate(np.where(run_start, position, 0))
    return counts


def repeated(values: np.ndarray) -> np.ndarray:
    """Which values occur more than once (every copy marked)."""
    if _all_distinct(values):
        return np.zeros(len(values), dtype=bool)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    same = ordered[1:] == ordered[:-1]
    marked = np.zeros(len(values), dtype=bool)
    marked[order[1:][same]] = True
    marked[order[:-1][same]] = True
    return marked
