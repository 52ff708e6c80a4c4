"""Segmented words of each message, computed once and cached in the store.

Segmenting Chinese is the slowest step of understanding a group, and a message's words never
change, so they are kept beside the messages::

    <store>/tokens/group_id=<id>/seg-<fingerprint>/part-<n>.parquet   (msg_id, tokens)

The fingerprint names the segmenter's settings (engine, stop words, user dictionary), so
changing ``grouplens.toml`` starts a fresh cache instead of mixing two vocabularies. After an
import, only the new messages are segmented.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema as S
from ..errors import StoreBusyError
from ..store.store import Store, private_dir, private_file
from .segment import Segmenter

CACHE_VERSION = 1  # bump when the segmenter's own rules change
TOKENS_TYPE = pa.list_(pa.string())
_CACHE_SCHEMA = pa.schema([pa.field(S.MSG_ID, pa.string()), pa.field(S.TOKENS, TOKENS_TYPE)])


def fingerprint(segmenter: Segmenter) -> str:
    """A short digest of everything that decides a segmenter's output."""
    cfg = segmenter.text_config
    user_dict = ""
    if cfg.user_dict is not None and Path(cfg.user_dict).exists():
        user_dict = hashlib.sha1(Path(cfg.user_dict).read_bytes()).hexdigest()
    spec = {"v": CACHE_VERSION, "engine": segmenter.engine, "stop": sorted(segmenter.stopwords),
            "words": sorted(cfg.user_words), "dict": user_dict}
    return hashlib.sha1(json.dumps(spec, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def cache_dir(store: Store, group_id: str, segmenter: Segmenter) -> Path:
    return store.path / "tokens" / f"{S.GROUP_ID}={group_id}" / f"seg-{fingerprint(segmenter)}"


def message_tokens(store: Store, group_id: str, messages: pd.DataFrame, segmenter: Segmenter) -> pd.Series:
    """Each message's words (a Series of lists aligned with ``messages``), from the cache where
    possible; messages not yet cached are segmented and added to it."""
    folder = cache_dir(store, group_id, segmenter)
    cached: dict[str, list[str]] = {}
    files = store.list_parts(folder)
    if files:
        tables = []
        for f in files:
            try:
                tables.append(store.read_parquet(f, _CACHE_SCHEMA))
            except (pa.ArrowException, OSError, ValueError):
                continue  # a damaged cache file: its messages are segmented again ('grouplens verify' reports it)
        if tables:
            table = pa.concat_tables(tables)
            wanted = pc.is_in(table.column(S.MSG_ID), value_set=pa.array(messages[S.MSG_ID].astype(str).tolist()))
            table = table.filter(wanted)
            cached = dict(zip(table.column(S.MSG_ID).to_pylist(), table.column(S.TOKENS).to_pylist()))
    ids = messages[S.MSG_ID].astype(str)
    missing = ~ids.isin(cached.keys())
    if missing.any():
        fresh = segmenter.message_tokens(messages[missing])
        if store.writable:  # a store read from a URL is not written to
            _append_if_current(store, group_id, folder, ids[missing].tolist(), fresh.tolist())
        cached.update(zip(ids[missing].tolist(), fresh.tolist()))
    return pd.Series([list(cached[i] or []) for i in ids], index=messages.index, dtype=object)


def _append_if_current(store: Store, group_id: str, folder: Path, ids: list[str], tokens: list[list[str]]) -> None:
    """Add to the cache under the store's lock, and only words of messages the store still holds:
    a ``grouplens forget`` that ran meanwhile must not have its deletion undone by a cache. When
    another process holds the lock the words are simply not cached this time."""
    try:
        with store.lock(wait=0):
            present = set(store.existing_ids(group_id).to_pylist())
            keep = [i for i, mid in enumerate(ids) if mid in present]
            if keep:
                _append(folder, [ids[i] for i in keep], [tokens[i] for i in keep], store.path)
    except StoreBusyError:
        pass


def _append(folder: Path, ids: list[str], tokens: list[list[str]], store_root: Path | None = None) -> None:
    """Add cache entries as a new file, written under a temporary name and renamed in one step."""
    private_dir(folder, store_root)
    table = pa.table({S.MSG_ID: pa.array(ids, pa.string()), S.TOKENS: pa.array(tokens, TOKENS_TYPE)},
                     schema=_CACHE_SCHEMA)
    name = f"part-{secrets.token_hex(6)}.parquet"
    tmp = folder / f".{name}.tmp"
    try:
        pq.write_table(table, tmp, compression="zstd")
        private_file(tmp)
        os.replace(tmp, folder / name)
    except OSError:  # a cache: a full disk or a read-only store only means segmenting again next time
        tmp.unlink(missing_ok=True)
