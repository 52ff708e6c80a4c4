"""Progress of the long analyses (issue 10, point 5): the library names each phase it starts, and
``roles``, ``engagement`` and ``report`` show it on a progress bar on stderr, never on stdout."""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from grouplens.analysis.engagement import group_engagement
from grouplens.cli import app
from grouplens.progress import phase, phases
from grouplens.report import build_report
from grouplens.roles import group_roles
from grouplens.store.ingest import import_paths
from grouplens.store.store import open_store

GROUP = "周末羽毛球交流群"
cli_app = importlib.import_module("grouplens.cli.app")  # the module (grouplens.cli.app is also the Typer app)
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "store"
    samples = Path(__file__).resolve().parent.parent / "sample_logs" / "qq-txt" / "全部消息记录.txt"
    assert import_paths(path, [samples]).ok
    return path


def cold(store: Path) -> Path:
    """The store without what earlier runs worked out and kept (``derived/``): every phase runs."""
    shutil.rmtree(store / "derived", ignore_errors=True)
    return store


def heard(run) -> list[str]:
    names: list[str] = []
    with phases(names.append):
        run()
    return names


def test_a_phase_nobody_listens_to_goes_nowhere_and_a_listener_hears_only_its_own_block() -> None:
    phase("nobody listens")  # no listener: nothing happens
    outer: list[str] = []
    inner: list[str] = []
    with phases(outer.append):
        phase("a")
        with phases(inner.append):
            phase("b")
        phase("c")
    phase("d")
    assert outer == ["a", "c"] and inner == ["b"]


def test_roles_names_its_phases_in_the_order_it_runs_them(store: Path) -> None:
    names = heard(lambda: group_roles(open_store(cold(store)), GROUP))
    assert names == ["reading messages", "message classes", "reply links", "reply threads", "engagement",
                     "influence", "member figures", "roles"]
    again = heard(lambda: group_roles(open_store(store), GROUP))  # the figures kept in the store are read
    assert again == ["reading messages"]


def test_engagement_and_the_weekly_report_name_their_phases(store: Path) -> None:
    engagement = heard(lambda: group_engagement(open_store(cold(store)), GROUP))
    assert engagement[0] == "reading messages" and engagement[-1] == "engagement"
    assert {"message classes", "reply links", "reply threads"} <= set(engagement)
    weekly = heard(lambda: build_report(open_store(cold(store)), "weekly", GROUP))
    assert weekly[0] == "reading messages" and "sections" in weekly and "reply links" in weekly


def test_results_are_the_same_whether_or_not_someone_listens(store: Path) -> None:
    quiet = group_roles(open_store(store), GROUP)
    with phases(lambda name: None):
        listened = group_roles(open_store(store), GROUP)
    assert quiet.equals(listened)


def run_cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``grouplens *args`` in a new process whose stderr rich takes for a terminal, as a user's is."""
    env = {k: v for k, v in os.environ.items() if k not in ("TTY_COMPATIBLE", "NO_COLOR")}
    env["FORCE_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "grouplens", *args, "--store", str(store), "--group", GROUP,
                           "--format", "json"], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize(("command", "shown"), [
    (("roles",), "roles · reply links"),
    (("engagement",), "engagement · reply threads"),
    (("report", "weekly"), "weekly report · sections"),
])
def test_on_a_terminal_the_bar_names_the_phase_on_stderr_and_stdout_holds_only_the_json(
        store: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], shown: str) -> None:
    terminal = io.StringIO()
    monkeypatch.setattr(cli_app, "stderr", Console(file=terminal, force_terminal=True, width=100))
    result = runner.invoke(app, [*command, "--store", str(cold(store)), "--group", GROUP, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert shown in terminal.getvalue()
    assert json.loads(result.stdout)  # nothing of the bar in the data
    assert "\x1b" not in result.stdout


def test_a_real_process_draws_the_bar_on_a_terminal_and_prints_the_same_json_as_without(store: Path) -> None:
    shown = run_cli(cold(store), "roles")
    assert shown.returncode == 0 and "roles · member figures" in shown.stderr
    piped = runner.invoke(app, ["roles", "--store", str(store), "--group", GROUP, "--format", "json"])
    assert piped.exit_code == 0 and piped.stderr == ""  # not a terminal: no bar
    assert json.loads(piped.stdout) == json.loads(shown.stdout)
