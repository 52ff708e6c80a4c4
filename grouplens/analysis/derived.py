"""What grouplens works out about each message, computed once and kept in the store.

Message classes, operator-template ids, reply links (with their score and source) and each
question's answer take most of the time of ``roles`` and ``report``. They are kept beside the
messages and only what a new import touches is computed again::

    <store>/derived/group_id=<id>/rules-<fp>/part-<n>.parquet      msg_id, one column per class (written rules)
    <store>/derived/group_id=<id>/templates-<fp>/templates.parquet  msg_id, template_id (whole group)
    <store>/derived/group_id=<id>/replies-<fp>/week-<monday>.parquet
        msg_id, reply_to, reply_source, reply_score, asks, ask_score, answered_by, answer_score

``<fp>`` is a fingerprint of everything that decides the result: the settings read (``[classes]``,
``[templates]``, ``[engagement]``, the time zone for templates), the shipped models and the code
of the steps. A changed setting starts a new folder for what depends on it and leaves the rest:
a new ``[engagement]`` answer window recomputes the replies, never the classes.

What each part depends on, and so what an import recomputes:

- **rules**: one message's own text and kind. Computed for messages not yet in the cache.
- **templates**: the whole group (a script recurs over days). Found again whenever the group's
  messages changed; kept with a digest of the messages it was found in.
- **replies**: computed per UTC week (Monday to Monday) from that week's messages with
  ``CONTEXT`` before and after it (the reply model looks back, answers come after the
  question), read as one conversation. A week's file names a digest of everything the week's
  computation reads: those messages (id, time, sender, kind, text, quote, mentions), their
  classes and the members their @-mentions resolve to. Importing one more week therefore
  recomputes that week and the one before it (whose answers may lie in the new one); a week
  whose inputs did not change is read, whatever order the exports were imported in.

So the same messages give the same results however they were imported and whatever period a
command asks for: a period's messages carry what their weeks worked out, with the context
around them. A cache file that cannot be read is ignored (and recomputed); a store read from a
URL, or locked by another process, is read but not written. Deleting ``derived/`` is safe.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema as S
from ..config import Config
from ..errors import StoreBusyError
from ..store.store import Store, private_dir, private_file

CACHE = "derived"
CACHE_VERSION = 1  # bump when a step's meaning changes in a way its code hash would not show
WEEK = pd.Timedelta(days=7)
CONTEXT = pd.Timedelta(days=1)  # messages read on each side of a week
REPLY_COLUMNS: tuple[str, ...] = (S.REPLY_TO, S.REPLY_SOURCE, S.REPLY_SCORE, S.ASKS, S.ASK_SCORE,
                                  S.ANSWERED_BY, S.ANSWER_SCORE)
_REPLY_TYPES = {S.REPLY_TO: pa.string(), S.REPLY_SOURCE: pa.string(), S.REPLY_SCORE: pa.float64(),
                S.ASKS: pa.bool_(), S.ASK_SCORE: pa.float64(), S.ANSWERED_BY: pa.string(),
                S.ANSWER_SCORE: pa.float64()}
# The message columns a week's replies read (with the classes and the mentions, see _mention_hashes).
_INPUT_COLUMNS: tuple[str, ...] = (S.MSG_ID, S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.TEXT, S.REPLY_TO)
_TEMPLATE_COLUMNS: tuple[str, ...] = (S.MSG_ID, S.TS, S.KIND, S.TEXT)
_DIGEST_KEY = b"grouplens.digest"


# --- fingerprints ---------------------------------------------------------------------------------

def code_hash(*modules: object) -> str:
    """A digest of modules' source: a result cached by older code is not read by newer code."""
    h = hashlib.sha1()
    for m in modules:
        h.update(inspect.getsource(m).encode("utf-8"))  # type: ignore[arg-type]
    return h.hexdigest()


def _fingerprint(spec: dict) -> str:
    return hashlib.sha1(json.dumps(spec, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:12]


def rules_fingerprint(config: Config) -> str:
    """What decides a message's written-rule classes: ``[classes]`` and the rules' code."""
    from ..text import classes
    return _fingerprint({"v": CACHE_VERSION, "classes": {k: asdict(v) for k, v in sorted(config.classes.items())},
                         "code": code_hash(classes)})


def templates_fingerprint(config: Config, tz) -> str:
    """What decides template ids: ``[templates]``, the template kinds, the zone of days and hours."""
    from ..text import classes
    return _fingerprint({"v": CACHE_VERSION, "templates": asdict(config.templates), "tz": str(tz),
                         "kinds": classes.template_kinds(config), "code": code_hash(classes)})


def replies_fingerprint(config: Config, tz) -> str:
    """What decides reply links and answers: ``[engagement]``, the classes, the shipped models and
    the code of the reply and answer steps."""
    from importlib import resources

    from ..replies import features, links, model, threads
    from . import answers, asking
    shipped = hashlib.sha1()
    for name in sorted(p.name for p in resources.files("grouplens.models").iterdir() if p.name.endswith(".json")):
        shipped.update(resources.files("grouplens.models").joinpath(name).read_bytes())
    return _fingerprint({"v": CACHE_VERSION, "engagement": asdict(config.engagement),
                         "rules": rules_fingerprint(config), "templates": templates_fingerprint(config, tz),
                         "context": CONTEXT.total_seconds(), "models": shipped.hexdigest(),
                         "code": code_hash(features, links, model, threads, answers, asking, sys.modules[__name__])})


# --- digests --------------------------------------------------------------------------------------

def row_hashes(frame: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """One 64-bit hash per row of the scalar ``columns`` (nulls included)."""
    parts = {}
    for c in columns:
        col = frame[c] if c in frame else pd.Series(None, index=frame.index, dtype=object)
        if c == S.TS:
            parts[c] = pd.to_datetime(col, utc=True).astype("int64")
        elif pd.api.types.is_bool_dtype(col):
            parts[c] = col.astype(bool)
        else:
            parts[c] = col.astype(object)
    table = pd.DataFrame(parts, index=frame.index)
    return pd.util.hash_pandas_object(table, index=False).to_numpy(np.uint64)


def digest(hashes: np.ndarray, *extra: str) -> str:
    """An order-free digest of row hashes (the same rows in any order give the same digest)."""
    h = hashlib.sha1(np.sort(np.asarray(hashes, np.uint64)).tobytes())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()[:20]


# --- reading and writing ----------------------------------------------------------------------------

def _folder(store: Store, group_id: str, name: str) -> Path:
    return store.path / CACHE / f"{S.GROUP_ID}={group_id}" / name


def _read(store: Store, path: Path) -> pa.Table | None:
    if not isinstance(path, Path):  # a store read from a URL: worked out in memory
        return None
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError):
        return None  # missing or damaged: computed again ('grouplens verify' reports damage)


def _stored_digest(table: pa.Table) -> str | None:
    meta = table.schema.metadata or {}
    value = meta.get(_DIGEST_KEY)
    return value.decode() if value else None


def _replace(store: Store, path: Path, write: Callable[[Path], object]) -> bool:
    """Write ``path`` through a private temporary file renamed into place; False on a full disk
    or another OS error (the temporary file removed)."""
    private_dir(path.parent, store.path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        write(tmp)
        private_file(tmp)
        os.replace(tmp, path)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
        return False


def _write(store: Store, group_id: str, files: list[tuple[Path, pa.Table, str | None]], state: tuple | None,
           extra: tuple[Path, dict] | None = None) -> None:
    """Write cache files under the store's lock, each renamed into place in one step, if the
    group's messages are still those they were worked out from (``state``, see
    ``_files_state``: an import or a ``grouplens forget`` that ran meanwhile wins). Nothing is
    written when the store is read-only or busy, or the disk is full: it is only a cache."""
    if not store.writable or not (files or extra) or state is None:
        return
    try:
        with store.lock(wait=0):
            if _files_state(store, group_id) != state:
                return
            for path, table, key in files:
                if key is not None:
                    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _DIGEST_KEY: key.encode()})
                if not _replace(store, path, lambda tmp, t=table: pq.write_table(t, tmp, compression="zstd")):
                    return
            if extra is not None:
                path, value = extra
                _replace(store, path, lambda tmp: tmp.write_text(json.dumps(value, sort_keys=True), encoding="utf-8"))
    except StoreBusyError:
        pass


# --- classes ----------------------------------------------------------------------------------------

def group_classes(store: Store, group_id: str, messages: pd.DataFrame, config: Config, tz) -> pd.DataFrame:
    """The classes of ``messages`` (rows of the stored group, any period), index-aligned: the
    written rules from the cache (computed for messages not in it yet), ``operator_template``
    with the templates found over the whole group."""
    from ..text.classes import OPERATOR_TEMPLATE, template_kinds
    ids = pd.Series(messages[S.MSG_ID].astype(object).to_numpy(), index=messages.index)
    out = _rule_classes(store, group_id, messages, ids, config, tz).drop(columns=[TEMPLATE_KEY])
    template = group_templates(store, group_id, config, tz)
    if OPERATOR_TEMPLATE in out:
        kinds = messages[S.KIND].astype(object).fillna("text") if S.KIND in messages else pd.Series("text", index=messages.index)
        in_script = (pd.Index(template.index).get_indexer(ids.to_numpy()) >= 0) & kinds.isin(template_kinds(config)).to_numpy()
        out[OPERATOR_TEMPLATE] = out[OPERATOR_TEMPLATE].to_numpy() | in_script
    return out


TEMPLATE_KEY = "template_key"  # in the rules cache: the text as scripts are compared (classes.template_key)


def _rule_classes(store: Store, group_id: str, messages: pd.DataFrame, ids: pd.Series, config: Config, tz) -> pd.DataFrame:
    """The written rules' classes of ``messages`` and each one's ``TEMPLATE_KEY``."""
    from ..text.classes import classify_messages, template_key
    state = _files_state(store, group_id)
    folder = _folder(store, group_id, f"rules-{rules_fingerprint(config)}")
    cached: pd.DataFrame | None = None
    tables = [t for f in store.list_parts(folder) if (t := _read(store, f)) is not None]
    if tables:
        try:
            table = pa.concat_tables(tables, promote_options="none")
            wanted = pc.is_in(table.column(S.MSG_ID), value_set=pa.array(ids.astype(str).tolist(), pa.string()))
            cached = table.filter(wanted).to_pandas()
        except pa.ArrowInvalid:
            cached = None
    if cached is not None:
        cached = cached.drop_duplicates(S.MSG_ID).set_index(S.MSG_ID)
        cached.index = cached.index.astype(object)
    ids = ids.astype(object)
    missing = pd.Series(True, index=ids.index) if cached is None else \
        pd.Series(cached.index.get_indexer(ids.to_numpy()) < 0, index=ids.index)
    if cached is None or missing.any():
        rows = messages[missing.to_numpy()]
        none = pd.Series(pd.NA, index=rows.index, dtype="Int64")
        fresh = classify_messages(rows, config, tz=tz, template_ids=none)
        fresh.insert(0, S.MSG_ID, ids[missing].to_numpy())
        fresh[TEMPLATE_KEY] = template_key(rows[S.TEXT]).astype(object).to_numpy() if len(rows) else []
        fresh = fresh.drop_duplicates(S.MSG_ID)
        if len(fresh):
            _write(store, group_id, [(folder / f"part-{secrets.token_hex(6)}.parquet",
                                      pa.Table.from_pandas(fresh, preserve_index=False), None)], state)
        fresh = fresh.set_index(S.MSG_ID)
        cached = fresh if cached is None else pd.concat([cached, fresh[~fresh.index.isin(cached.index)]])
    assert cached is not None
    found = cached.reindex(ids.to_numpy()).set_axis(messages.index)
    keys = found.pop(TEMPLATE_KEY) if TEMPLATE_KEY in found else pd.Series(None, index=messages.index, dtype=object)
    return found.fillna(False).astype(bool).assign(**{TEMPLATE_KEY: keys})


def group_templates(store: Store, group_id: str, config: Config, tz) -> pd.Series:
    """Each stored message's template id (msg_id -> id; messages of no script left out), found
    over the whole group and kept until the group's messages change."""
    fp = templates_fingerprint(config, tz)
    files = _files_state(store, group_id)
    memo = store.__dict__.setdefault("_templates_memo", {})
    if files is not None and memo.get((group_id, fp), (None,))[0] == files:  # this process found them already
        return memo[(group_id, fp)][1]
    found = _templates(store, group_id, config, tz, fp, files)
    memo[(group_id, fp)] = (files, found)
    return found


def _files_state(store: Store, group_id: str) -> tuple | None:
    """The group's message files as they are now (written once, replaced whole); None for a
    store read from a URL."""
    out = []
    for f in store._files("messages", group_id):
        if not isinstance(f, Path):
            return None
        st = f.stat()
        out.append((f.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _templates(store: Store, group_id: str, config: Config, tz, fp: str, files: tuple | None) -> pd.Series:
    from ..text.classes import TEMPLATE_ID, find_templates
    now = data_state(store, group_id)
    path = _folder(store, group_id, f"templates-{fp}") / "templates.parquet"
    table = _read(store, path)
    if now is not None and table is not None and _stored_digest(table) == now:
        found = table.to_pandas()
    else:  # the group changed: scripts looked for again over all of it
        whole = store.message_table(group_id, list(_TEMPLATE_COLUMNS)).to_pandas()
        whole[S.GROUP_ID] = group_id
        ids = pd.Series(whole[S.MSG_ID].astype(object).to_numpy(), index=whole.index)
        keys = _rule_classes(store, group_id, whole, ids, config, tz)[TEMPLATE_KEY]
        found_ids = find_templates(whole, config, tz=tz, keys=keys)
        found = pd.DataFrame({S.MSG_ID: ids.to_numpy(), TEMPLATE_ID: found_ids.to_numpy()})
        found = found[found[TEMPLATE_ID].notna()].drop_duplicates(S.MSG_ID)
        _write(store, group_id, [(path, pa.Table.from_pandas(found, preserve_index=False), now)], files)
    return pd.Series(found[TEMPLATE_ID].to_numpy(), index=found[S.MSG_ID].astype(str).to_numpy())


# --- replies and answers ----------------------------------------------------------------------------

def week_start(ts: pd.Timestamp) -> pd.Timestamp:
    """The UTC Monday 00:00 of the week holding ``ts``."""
    day = pd.Timestamp(ts).tz_convert("UTC").normalize()
    return day - pd.Timedelta(days=day.day_of_week)


def group_replies(store: Store, group_id: str, messages: pd.DataFrame, members: pd.DataFrame, config: Config,
                  tz, class_names: list[str]) -> pd.DataFrame:
    """``REPLY_COLUMNS`` for ``messages`` (rows of the stored group, any period; index-aligned),
    read from each week's cache or computed for the weeks whose inputs changed."""
    out = pd.DataFrame(index=messages.index)
    if messages.empty:
        return _empty_replies(out)
    state = _files_state(store, group_id)
    now = data_state(store, group_id)
    ts = pd.to_datetime(messages[S.TS], utc=True)
    first, last = week_start(ts.min()), week_start(ts.max())
    weeks = [first + i * WEEK for i in range(int((last - first) / WEEK) + 1)]
    folder = _folder(store, group_id, f"replies-{replies_fingerprint(config, tz)}")
    paths = {monday: folder / f"week-{monday.date().isoformat()}.parquet" for monday in weeks}
    tables = {monday: _read(store, path) for monday, path in paths.items()}
    checked = _read_json(folder / VALIDATED)
    if now is None or checked.get("state") != now or any(
            t is None or checked.get("weeks", {}).get(m.date().isoformat()) != _stored_digest(t) for m, t in tables.items()):
        # The group changed since these weeks were last checked: each week's inputs are compared
        # with those its file was worked out from, and the weeks that differ computed again.
        window = _window(store, group_id, first - CONTEXT, last + WEEK + CONTEXT)
        window_classes = group_classes(store, group_id, window, config, tz)
        for c in class_names:
            window[c] = window_classes[c].to_numpy() if c in window_classes else False
        hashes = row_hashes(window, (*_INPUT_COLUMNS, *class_names)) ^ _mention_hashes(window, members)
        wts = pd.to_datetime(window[S.TS], utc=True).dt.tz_convert(None).to_numpy()
        fresh = []
        for monday in weeks:
            lo = np.searchsorted(wts, (monday - CONTEXT).tz_convert(None).to_datetime64())
            hi = np.searchsorted(wts, (monday + WEEK + CONTEXT).tz_convert(None).to_datetime64())
            key = digest(hashes[lo:hi], monday.isoformat())
            if tables[monday] is None or _stored_digest(tables[monday]) != key:
                tables[monday] = _compute_week(window.iloc[lo:hi].reset_index(drop=True), members, config, monday)
                fresh.append((paths[monday], tables[monday], key))
        valid = checked.get("weeks", {}) if checked.get("state") == now else {}
        valid.update({m.date().isoformat(): _stored_digest(t) or k for m, t, k in
                      ((m, t, next((k for p, _, k in fresh if p == paths[m]), None)) for m, t in tables.items())})
        _write(store, group_id, fresh, state, extra=(folder / VALIDATED, {"state": now, "weeks": valid}))
    found = [t.to_pandas() for t in tables.values()]
    result = pd.concat(found, ignore_index=True).drop_duplicates(S.MSG_ID).set_index(S.MSG_ID)
    result.index = result.index.astype(object)
    result = result.reindex(messages[S.MSG_ID].astype(object).to_numpy()).set_axis(messages.index)
    for c in REPLY_COLUMNS:
        out[c] = result[c]
    return _typed(out)


VALIDATED = "checked.json"  # the data state under which the listed weeks' files were last found current


def data_state(store: Store, group_id: str) -> str | None:
    """A digest of the group's message files and members table as they are on disk now: equal
    states mean unchanged inputs (files are written once and replaced whole). None for a store
    read from a URL."""
    files = _files_state(store, group_id)
    if files is None:
        return None
    members = store.group_dir("members", group_id) / "members.parquet"
    try:
        st = members.stat()
        extra = (st.st_size, st.st_mtime_ns)
    except OSError:
        extra = None
    return hashlib.sha1(repr((files, extra)).encode()).hexdigest()[:20]


def _read_json(path: Path) -> dict:
    if not isinstance(path, Path):
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _window(store: Store, group_id: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    from .group import read_messages
    return read_messages(store, group_id, start.to_pydatetime(), end.to_pydatetime())


def _mention_hashes(frame: pd.DataFrame, members: pd.DataFrame) -> np.ndarray:
    """Per row, a hash of the names it @-mentions and the members they resolve to (a rename or a
    newcomer can change whom a name means)."""
    from ..replies.threads import member_name_codes
    out = np.zeros(len(frame), np.uint64)
    if S.MENTIONS not in frame or frame.empty:
        return out
    mentions = frame[S.MENTIONS].reset_index(drop=True)
    some = mentions.map(lambda v: v is not None and len(v) > 0, na_action="ignore").fillna(False).to_numpy(bool)
    if not some.any():
        return out
    exploded = mentions[some].explode()
    exploded = exploded[exploded.notna()].astype(str)
    if exploded.empty:
        return out
    ids = members[S.MEMBER_ID].astype(object).to_numpy()
    codes = member_name_codes(members, pd.Index(ids))
    resolved = exploded.str.strip().map(codes)
    who = np.where(resolved.notna(), ids[resolved.fillna(0).astype(np.int64).to_numpy()], "")
    pairs = pd.DataFrame({"name": exploded.to_numpy(object), "who": who.astype(object)})
    h = pd.util.hash_pandas_object(pairs, index=False).to_numpy(np.uint64)
    np.add.at(out, exploded.index.to_numpy(np.int64), h)  # wraps: a sum that ignores order
    return out


def _compute_week(frame: pd.DataFrame, members: pd.DataFrame, config: Config, monday: pd.Timestamp) -> pa.Table:
    """One week's reply links and answers, worked out from the week and its context."""
    from ..replies.links import infer_reply_links
    from ..replies.threads import thread_structure
    from .answers import with_answers
    from .group import drop_stale_inferred_links
    cfg = config.engagement
    linked = drop_stale_inferred_links(infer_reply_links(frame)) if len(frame) else frame.assign(
        **{S.REPLY_SOURCE: pd.Series(dtype="string"), S.REPLY_SCORE: pd.Series(dtype="float64")})
    speaks = linked[S.SENDER_ID].notna() & ~linked[S.KIND].isin(S.EVENT_KINDS)

    def threads(speech: pd.DataFrame):
        return thread_structure(speech, members, address_window_seconds=cfg.address_window_minutes * 60.0,
                                max_depth=cfg.max_depth, links_inferred=True)

    speech = linked[speaks].reset_index(drop=True)
    answered = with_answers(threads(speech), cfg, threads).messages if len(speech) else speech
    rows = pd.DataFrame({S.MSG_ID: linked[S.MSG_ID].astype(str).to_numpy()})
    for c in (S.REPLY_TO, S.REPLY_SOURCE, S.REPLY_SCORE):
        rows[c] = linked[c].to_numpy() if c in linked else None
    rows[S.ASKS] = False
    rows[S.ASK_SCORE] = np.nan
    rows[S.ANSWERED_BY] = None
    rows[S.ANSWER_SCORE] = np.nan
    if len(speech):
        at = np.flatnonzero(speaks.to_numpy())
        for c in REPLY_COLUMNS:
            values = answered[c].to_numpy(dtype=object) if answered[c].dtype != "float64" else answered[c].to_numpy()
            col = rows[c].to_numpy(dtype=object if values.dtype == object else None).copy()
            col[at] = values
            rows[c] = col
    ts = pd.to_datetime(frame[S.TS], utc=True) if len(frame) else pd.Series(dtype="datetime64[ns, UTC]")
    inside = ((ts >= monday) & (ts < monday + WEEK)).to_numpy()
    rows = _typed(rows[inside].reset_index(drop=True))
    return pa.Table.from_pandas(rows, schema=pa.schema([(S.MSG_ID, pa.string()),
                                                        *((c, _REPLY_TYPES[c]) for c in REPLY_COLUMNS)]),
                                preserve_index=False)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for c in (S.REPLY_TO, S.REPLY_SOURCE, S.ANSWERED_BY):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None).astype("string")
    for c in (S.REPLY_SCORE, S.ASK_SCORE, S.ANSWER_SCORE):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    frame[S.ASKS] = frame[S.ASKS].astype(object).where(frame[S.ASKS].notna(), False).astype(bool)
    return frame


def _empty_replies(out: pd.DataFrame) -> pd.DataFrame:
    for c in REPLY_COLUMNS:
        out[c] = pd.Series(dtype=object)
    return _typed(out)




# --- results over a period ---------------------------------------------------------------------------

def cached_result(data, name: str, spec: dict, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()`` (a DataFrame worked out from ``data``, a loaded group) kept in the store and
    read back while the group's files are unchanged: same group, period, time zone, messages,
    settings (``spec``) and code. What is not a stored group is computed every time."""
    now = data_state(data.store, data.group_id) if data.stored else None
    if now is None:
        return compute()
    ids = data.messages[S.MSG_ID].astype(object)
    key = _fingerprint({**spec, "v": CACHE_VERSION, "name": name, "start": data.start, "end": data.end,
                        "tz": str(data.tz), "replies": replies_fingerprint(data.config, data.tz),
                        "ids": digest(pd.util.hash_pandas_object(ids, index=False).to_numpy(np.uint64))})
    path = _folder(data.store, data.group_id, name) / f"{key}.parquet"
    table = _read(data.store, path)
    if table is not None and _stored_digest(table) == now:
        frame = _as_written(table)
        if frame is not None:
            return frame
    state = _files_state(data.store, data.group_id)
    result = compute()
    try:
        table = pa.Table.from_pandas(result, preserve_index=False)
        dtypes = json.dumps({c: str(t) for c, t in result.dtypes.items()})
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _DTYPES_KEY: dtypes.encode()})
    except (pa.ArrowException, TypeError, ValueError):
        return result  # not a table Parquet holds as it is: not cached
    _write(data.store, data.group_id, [(path, table, now)], state)
    _prune(path.parent, KEEP_RESULTS)
    return result


_DTYPES_KEY = b"grouplens.dtypes"


def _as_written(table: pa.Table) -> pd.DataFrame | None:
    """A cached result with the pandas dtypes it had (Parquet keeps times in ms at the finest
    unit it is asked for, not in seconds); None if they cannot be restored."""
    frame = table.to_pandas()
    try:
        dtypes = json.loads((table.schema.metadata or {})[_DTYPES_KEY])
        wrong = {c: pd.api.types.pandas_dtype(t) for c, t in dtypes.items() if str(frame[c].dtype) != t}
        frame = frame.astype(wrong) if wrong else frame
        for c in [c for c, t in frame.dtypes.items() if t == np.dtype(object)]:  # lists come back as arrays
            if frame[c].map(lambda v: isinstance(v, np.ndarray)).any():
                frame[c] = frame[c].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
        return frame
    except (KeyError, ValueError, TypeError):
        return None


KEEP_RESULTS = 64  # results kept per kind and group (periods and states); the oldest go first


def _prune(folder: Path, keep: int) -> None:
    try:
        files = sorted(folder.glob("*.parquet"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for f in files[keep:]:
            f.unlink(missing_ok=True)
    except OSError:
        pass


__all__ = ["CACHE", "CONTEXT", "REPLY_COLUMNS", "cached_result", "code_hash", "data_state", "digest", "group_classes",
           "group_replies", "group_templates", "replies_fingerprint", "row_hashes", "rules_fingerprint",
           "templates_fingerprint", "week_start"]
