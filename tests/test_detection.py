"""Detection never confuses two layouts: every sample export is recognised by exactly one importer.

Samples live in ``sample_logs/<format>/``; a variant's folder adds a suffix to the format name
(``qce-json-v4`` holds a ``qce-json`` file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grouplens import importers
from grouplens.store.ingest import iter_inputs

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
FORMATS = sorted(importers.format_names(), key=len, reverse=True)
SIDECAR_NAMES = {i.name for i in importers.SIDECARS}


def expected_format(path: Path) -> str:
    folder = path.relative_to(SAMPLES).parts[0]
    return next(f for f in FORMATS if folder == f or folder.startswith(f + "-"))


INPUTS = [p for p, _ in iter_inputs([SAMPLES])]


@pytest.mark.parametrize("path", INPUTS, ids=[str(p.relative_to(SAMPLES)) for p in INPUTS])
def test_each_sample_is_claimed_by_exactly_one_importer(path: Path) -> None:
    found = [i.name for i in importers.sniff(path)]
    assert len(found) == 1, f"{path.name}: {found}"
    if found[0] not in SIDECAR_NAMES:
        assert found[0] == expected_format(path)


def test_every_message_format_has_a_sample() -> None:
    seen = {i.name for p in INPUTS for i in importers.sniff(p)}
    missing = {i.name for i in importers.IMPORTERS if not i.rejects} - seen
    assert not missing, f"formats without a sample in sample_logs/: {sorted(missing)}"


def test_the_whole_sample_folder_imports_cleanly(tmp_path: Path) -> None:
    from grouplens import import_paths
    report = import_paths(tmp_path / "store", [SAMPLES])
    assert report.ok, [(f.path, f.error) for f in report.failed]
    assert report.totals()["added"] > 0
