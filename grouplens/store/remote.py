"""A store read through fsspec: ``--store s3://bucket/prefix``, ``gs://…``, ``memory://…``.

A cluster's workers read the store where it lives. Reading works on any filesystem fsspec
knows (``s3://`` needs ``s3fs``, ``gs://`` needs ``gcsfs``, installed beside grouplens); the
files are the same Hive-partitioned Parquet files as in a local store.

Writing is refused. grouplens' commit is a journal followed by renames (and, for compaction, a
swap of two folders), so that every reader sees each group all old or all new; object stores
have no atomic rename (a "rename" there is a copy and a delete, file by file), so a reader
could see half an import. Import (and compact, verify --repair, forget) into a local store,
or one on a shared POSIX filesystem, and copy it to the object store when it is complete
(e.g. ``aws s3 sync``). ``file://`` URLs are local folders and are written like any other.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa

from .. import schema as S
from ..errors import StoreDamagedError, StoreError, UsageError
from .store import GROUPS_FILE, MARKER, MEMBERS_FILE, PART_GLOB, STORE_FORMAT, Store

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
READ_ONLY = ("is read-only here: object stores have no atomic rename, so a change could be seen half done; "
             "change a local copy of the store and copy it there when the change is complete")


def is_url(location: str | None) -> bool:
    return bool(location) and bool(URL.match(str(location)))


def local_path_of(url: str) -> str | None:
    """The local folder of a ``file://`` URL, else None."""
    if not str(url).lower().startswith("file://"):
        return None
    from urllib.parse import unquote, urlparse
    parsed = urlparse(str(url))
    return unquote(parsed.path) or "/"


class RemoteStore(Store):
    """Read access to a store at an fsspec URL (see the module docstring); every change is
    refused with a StoreError that says why."""

    writable = False

    def __init__(self, url: str, *, create: bool = False):
        try:
            from fsspec.core import url_to_fs
        except ImportError:  # pragma: no cover - fsspec is a dependency
            raise UsageError("reading a store from a URL needs fsspec: pip install fsspec") from None
        self.url = str(url).rstrip("/")
        try:
            self.fs, root = url_to_fs(self.url)
        except (ImportError, ValueError) as e:
            raise UsageError(f"cannot open {self.url}: {_first_line(e)}") from None
        self.path = PurePosixPath(root)  # type: ignore[assignment]  # paths on self.fs
        self._filesystem = self.fs
        try:
            self.meta = json.loads(self.fs.cat_file(str(self.path / MARKER)).decode("utf-8"))
        except FileNotFoundError:
            if create:
                raise StoreError(f"cannot create a store at this URL: it {READ_ONLY}", path=self.url) from None
            raise StoreError("no grouplens store here (no grouplens-store.json); import into a local store and "
                             "copy it here", path=self.url) from None
        except (OSError, ValueError) as e:
            raise StoreDamagedError(f"cannot read the store marker ({_first_line(e)})", path=self.url) from None
        if not isinstance(self.meta, dict) or self.meta.get("format") != STORE_FORMAT:
            raise StoreError(f"store format {self.meta.get('format') if isinstance(self.meta, dict) else '?'} is "
                             "not supported by this grouplens", path=self.url)
        if self._names(self.path / "imports" / "pending", ".json"):
            raise StoreError("the store holds a change that was not finished (imports/pending/); open the copy it "
                             "was made from with grouplens, then copy it here again", path=self.url)

    def __str__(self) -> str:
        return self.url

    # --- listing ------------------------------------------------------------------------------
    def _entries(self, folder: PurePosixPath) -> list[dict[str, Any]]:
        try:
            return self.fs.ls(str(folder), detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _names(self, folder: PurePosixPath, suffix: str = "", dirs: bool = False) -> list[str]:
        out = []
        for e in self._entries(folder):
            name = str(e["name"]).rstrip("/").rsplit("/", 1)[-1]
            if (e.get("type") == "directory") == dirs and name.endswith(suffix):
                out.append(name)
        return sorted(out)

    def partition_ids(self, table: str) -> set[str]:
        prefix = f"{S.GROUP_ID}="
        return {n[len(prefix):] for n in self._names(self.path / table, dirs=True) if n.startswith(prefix)}

    def _files(self, table: str, group_id: str) -> list[PurePosixPath]:  # type: ignore[override]
        folder = self.group_dir(table, group_id)
        return [folder / n for n in self._names(folder, ".parquet") if PurePosixPath(n).match(PART_GLOB)]

    def list_parts(self, folder: PurePosixPath) -> list[PurePosixPath]:  # type: ignore[override]
        return [folder / n for n in self._names(folder, ".parquet") if PurePosixPath(n).match(PART_GLOB)]

    def group_dir(self, table: str, group_id: str) -> PurePosixPath:  # type: ignore[override]
        return self.path / table / f"{S.GROUP_ID}={group_id}"

    def read_text(self, path: PurePosixPath) -> str:  # type: ignore[override]
        return self.fs.cat_file(str(path)).decode("utf-8")

    # --- tables -------------------------------------------------------------------------------
    def groups_table(self) -> pa.Table:
        cached = getattr(self, "_groups_cache", None)
        if cached is not None:
            return cached[1]
        path = self.path / GROUPS_FILE
        if not self.fs.exists(str(path)):
            folders = self.partition_ids("messages") | self.partition_ids("rosters")
            if folders:
                raise StoreDamagedError(f"{GROUPS_FILE} is missing but the store holds {len(folders)} group "
                                        "folder(s); repair the copy it was made from ('grouplens verify --repair')",
                                        path=self.url)
            return S.GROUPS_SCHEMA.empty_table()
        self._groups_cache = (None, self.read_file(path, S.GROUPS_SCHEMA))
        return self._groups_cache[1]

    def members_table(self, group_id: str) -> pa.Table:
        path = self.group_dir("members", group_id) / MEMBERS_FILE
        if not self.fs.exists(str(path)):
            if self._files("messages", group_id) or self._files("rosters", group_id):
                raise StoreDamagedError("the group's members table is missing; repair the copy the store was made "
                                        "from ('grouplens verify --repair')", path=str(path))
            return S.MEMBERS_SCHEMA.empty_table()
        return self.read_file(path, S.MEMBERS_SCHEMA)  # type: ignore[arg-type]

    def sources_of(self, path: Any) -> list[str]:
        m = re.match(r"part-(.+?)(?:-\d{4})?\.parquet$", PurePosixPath(path).name)
        if not m:
            return []
        try:
            record = json.loads(self.fs.cat_file(str(self.path / "imports" / f"{m.group(1)}.json")))
            gid = PurePosixPath(path).parent.name.split("=", 1)[-1]
            files = [f["path"] for f in record.get("files", []) if gid in (f.get("group_ids") or [])]
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return []
        return files[:3] + (["…"] if len(files) > 3 else [])

    def imports(self) -> list[dict[str, Any]]:
        out = []
        for name in self._names(self.path / "imports", ".json"):
            try:
                out.append(json.loads(self.fs.cat_file(str(self.path / "imports" / name))))
            except (OSError, ValueError):
                continue
        return out

    # --- writing: refused -------------------------------------------------------------------
    def _recover_if_needed(self) -> None:
        return None

    def lock(self, wait: float | None = None, on_wait: Any = None):  # type: ignore[override]
        raise StoreError(f"this store {READ_ONLY}", path=self.url)

    def transaction(self, import_id: str | None = None):  # type: ignore[override]
        raise StoreError(f"this store {READ_ONLY}", path=self.url)


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:200] if lines else e.__class__.__name__
