"""Fuzzing the importers (a small, fixed share here; ``python bench/fuzz.py`` runs for long).

Valid exports of several layouts are generated from drawn messages, and the sample export of
every layout is taken as it is; then they are damaged (cut short, re-encoded, lines shuffled or
repeated, random bytes, huge fields, RTL overrides, control characters). Whatever the bytes,
reading them either works or fails with a grouplens error naming the file, and reading them
twice gives the same rows; the command line never shows a traceback, and importing the same
bytes twice adds nothing the second time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzing import check_import, check_parse, generated_exports, mutated, sample_export, sample_exports, sample_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CI = settings(deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("sample", sample_paths(), ids=lambda p: p.parent.name)
def test_every_layout_reads_the_same_twice_and_fails_only_cleanly_when_damaged(sample: Path, tmp_path: Path) -> None:
    assert check_parse(sample_export(sample), tmp_path / "as-is") in ("ok", "refused")

    @settings(CI, max_examples=6)
    @given(mutated(st.just(sample_export(sample))))
    def damaged(case) -> None:
        export, _ = case
        check_parse(export, tmp_path / "case")

    damaged()


@settings(CI, max_examples=60)
@given(st.one_of(generated_exports().map(lambda e: (e, [])), mutated(generated_exports())))
def test_generated_exports_read_the_same_twice_and_fail_only_cleanly(tmp_path_factory, case) -> None:
    export, _ = case
    check_parse(export, tmp_path_factory.mktemp("fuzz"))


@settings(CI, max_examples=12)
@given(st.one_of(mutated(sample_exports()), mutated(generated_exports())))
def test_the_command_line_never_shows_a_traceback_and_reimports_add_nothing(tmp_path_factory, case) -> None:
    export, _ = case
    check_import(export, tmp_path_factory.mktemp("fuzz-cli"))
