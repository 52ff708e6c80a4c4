"""Shared fixtures: paths to the sample exports and a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def qq_txt() -> Path:
    return SAMPLES / "qq-txt" / "全部消息记录.txt"


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """Every sample export imported once into a store that tests only read (through the
    library: ``grouplens report`` on the command line records actions in the store)."""
    from grouplens.store.ingest import import_paths

    path = tmp_path_factory.mktemp("samples") / "store"
    import_paths(path, [SAMPLES])
    return path


@pytest.fixture(scope="session")
def simulated_group(tmp_path_factory) -> Path:
    """A simulated group (90 members, 6 weeks, seed 4) written as its QQ export, member list
    and truth.json; ``simulated_store`` imports it."""
    from grouplens.simulate import simulate_group, write_simulation

    folder = tmp_path_factory.mktemp("simulated") / "sim"
    write_simulation(folder, simulate_group(members=90, weeks=6, seed=4))
    return folder


@pytest.fixture(scope="session")
def simulated_store(tmp_path_factory, simulated_group) -> Path:
    from grouplens.store.ingest import import_paths

    path = tmp_path_factory.mktemp("simulated") / "store"
    import_paths(path, [simulated_group])
    return path
