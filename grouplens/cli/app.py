"""The typer app, its global options, the options commands share, and the error boundary.

Options every command may take (``--store``, ``--config``, ``--tz``) can also come before the
command (``grouplens --store X import …``); a value after the command wins. They are turned
into what the library takes in one place, ``edge()``: a ``Config``, a ``ZoneInfo`` (the zone of
``--tz``, else ``[time] tz``) and the store's path.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperOption

from .. import sigint
from ..config import DEFAULT_TZ, STORE_ENV, load_config, parse_zone
from ..errors import GrouplensError
from . import coercion, help_markdown

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ..config import Config
    from ..engine import Engine
    from ..store.store import Store

# Typer 0.29 shows a type name (<bool>) beside every flag, its own --help and completion options
# included; a flag has no value to type, so its help shows none. An argument with a metavar
# (KIND, PATHS...) is named by it alone.
_display_type_rich = TyperOption.display_type_rich


def _flag_without_type(self: TyperOption, ctx: Any) -> str | None:
    return None if self.is_flag else _display_type_rich(self, ctx)


def _argument_by_its_metavar(self: TyperArgument, ctx: Any) -> str | None:
    return None if self.metavar else _display_argument_type(self, ctx)


_display_argument_type = TyperArgument.display_type_rich
TyperOption.display_type_rich = _flag_without_type  # type: ignore[method-assign]
TyperArgument.display_type_rich = _argument_by_its_metavar  # type: ignore[method-assign]
coercion.install()  # option values that need no pydantic are converted without it
help_markdown.install()  # help texts without Markdown in them are rendered without a Markdown parser

app = typer.Typer(
    name="grouplens",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="markdown",  # help texts are wrapped to the terminal and [report] stays as written
    pretty_exceptions_enable=False,
)

# The modules that register commands on ``app``, in the order --help lists them, with the
# commands each one registers. A command on the command line loads its own module and is the
# only one typer builds (``grouplens groups`` does not import the roles, report or query
# commands); --help, completion and every other use of ``app`` load and build them all.
# tests/test_startup.py checks this table.
COMMAND_MODULES = {
    "data_commands": ("import", "groups", "messages", "members", "formats"),
    "roles_commands": ("roles", "engagement", "simulate"),
    "analysis_commands": ("keywords",),
    "query_commands": ("search", "sql"),
    "report_commands": ("report",),
    "config_commands": ("config",),
    "store_commands": ("verify", "forget", "compact"),
}


class CommandList(list):  # type: ignore[type-arg]
    """``app.registered_commands``: the command modules register into it the first time typer
    reads it. While ``main`` runs one command (``running``), typer reads that command alone and
    only its module is loaded; otherwise every module is loaded and every command is read."""

    running: str | None = None

    def _view(self) -> list[Any]:
        import importlib
        for module, names in COMMAND_MODULES.items():
            if self.running is None or self.running in names:
                importlib.import_module(f"{__package__}.{module}")
        commands = list(super().__iter__())
        return commands if self.running is None else [c for c in commands if c.name == self.running]

    def load(self) -> None:
        """Import the command modules (every one, unless one command is running)."""
        self._view()

    def __iter__(self) -> Any:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())

    def __getitem__(self, index: Any) -> Any:
        return self._view()[index]


app.registered_commands = CommandList()

stdout = Console(soft_wrap=False)
stderr = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    """Options given before the command."""

    store: str | None = None
    config: str | None = None
    tz: str | None = None
    debug: bool = False


_state = Globals()

# --- options shared by several commands ------------------------------------------------------
StoreOpt = Annotated[str | None, typer.Option(
    "--store", metavar="PATH", help=f"The store folder, or a URL to read it from (s3://bucket/prefix, gs://…; default: ${STORE_ENV}, else "
    "./grouplens-store).",
    show_default=False)]
GroupOpt = Annotated[str | None, typer.Option(
    "--group", "-g", metavar="NAME", help="A group's name or id; may be left out when the store holds one group.",
    show_default=False)]
SinceOpt = Annotated[str | None, typer.Option("--since", metavar="YYYY-MM-DD", help="First day to include.",
                                              show_default=False)]
UntilOpt = Annotated[str | None, typer.Option("--until", metavar="YYYY-MM-DD", help="Last day to include.",
                                              show_default=False)]
TzOpt = Annotated[str | None, typer.Option(
    "--tz", metavar="ZONE", help="Time zone of exports' local times and of days and weeks, an IANA name such as "
    f"Asia/Shanghai (default: [time] tz of grouplens.toml, else {DEFAULT_TZ}).", show_default=False)]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", metavar="PATH", help="A grouplens.toml with your stop words, user dictionary, classes and "
    "thresholds (default: ./grouplens.toml if present; see `grouplens config --example`).", show_default=False)]

# --engine/--jobs/--scheduler: where the work on every group runs (commands with --all).
EngineOpt = Annotated[str | None, typer.Option(
    "--engine", metavar="local|dask", show_default=False, help="Where the work on each group runs: local "
    "(processes on this machine) or dask (a dask.distributed cluster; pip install 'grouplens[dask]'). Default: "
    "[engine] engine, else local.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, metavar="N", show_default=False, help="Local worker processes (default: [engine] jobs, "
    "else the machine's cores).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", metavar="tcp://HOST:PORT", show_default=False, help="The dask scheduler to run on (implies "
    "--engine dask; default: [engine] scheduler, else a dask cluster started on this machine). The store must be "
    "at the same path or URL for its workers.")]


def flag(*names: str, help: str) -> Any:
    """A true/false option."""
    return typer.Option(*names, help=help)

# Command groups in --help.
DATA, PEOPLE, REPORTS, SETTINGS = "Data in and out", "People and messages", "Reports", "Settings"


@dataclass(frozen=True)
class Edge:
    """What a command hands the library: the store's path, the settings, the time zone and
    where per-group work runs (``engine``: the ``Engine`` of ``engine_spec``, built when a
    command first asks for it, so that one that never does loads no process pool)."""

    store_path: str | None
    config: Config
    tz: ZoneInfo
    engine_spec: tuple[str, int | None, str | None] = ("local", None, None)  # kind, jobs, scheduler

    @functools.cached_property
    def engine(self) -> Engine:
        from ..engine import Engine
        return Engine(*self.engine_spec)

    def store(self, *, create: bool = False) -> Store:
        return open_store(self.store_path, create=create)


def open_store(path: Path, *, create: bool = False) -> Store:
    """``store.open_store``, imported when a command first opens the store (not for --help)."""
    from ..store.store import open_store as open_
    return open_(path, create=create)


def edge(store: str | None = None, config: str | None = None, tz: str | None = None, *,
         engine: str | None = None, jobs: int | None = None, scheduler: str | None = None) -> Edge:
    """Resolve the shared options once: the command's own value, else the one given before the
    command, else ``$GROUPLENS_STORE`` / ``./grouplens.toml`` / ``[time] tz`` / ``[engine]``. A
    bad time zone, settings file or engine is a UsageError (one line, exit 1)."""
    config_path = config or _state.config
    cfg = load_config(Path(config_path) if config_path else None)
    zone_name = tz or _state.tz
    zone = parse_zone(zone_name) if zone_name else cfg.time.zone
    scheduler = scheduler or (cfg.engine.scheduler if (engine or cfg.engine.engine) == "dask" else None) or None
    kind = engine or ("dask" if scheduler else cfg.engine.engine)
    e = Edge(store or _state.store, cfg, zone, (kind, jobs or cfg.engine.jobs or None, scheduler))
    if engine or jobs or scheduler:
        e.engine  # noqa: B018 (an engine the command line asks for is checked now, before any work)
    return e


def _version(value: bool) -> None:
    if value:
        from .. import __version__
        typer.echo(f"grouplens {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, flag("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Weekly reviews of WeChat and QQ groups from their exported logs.

    Start with `grouplens import EXPORTS_FOLDER`, then `grouplens groups` and `grouplens report`.
    """
    _state.store, _state.config, _state.tz, _state.debug = store, config, tz, debug


def errors_to_exit(fn: F) -> F:
    """Run a command, turning grouplens errors into one line on stderr and a non-zero exit.

    No message text or member id reaches the terminal through an error unless --debug: an
    unexpected error is named by its type and where it happened, not by its message.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sigint.running()
        try:
            result = fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            sigint.finished()
            raise
        except GrouplensError as e:
            sigint.finished()
            if _state.debug:
                raise
            stderr.print(f"[red]error:[/red] {_escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt as e:
            sigint.finished()
            store_module = sys.modules.get("grouplens.store.store")
            if getattr(e, "committed", False):
                stderr.print("interrupted after the commit point: the change is recorded in the store's journal "
                             "and is finished the next time the store is opened", highlight=False, soft_wrap=True)
            elif store_module is not None and store_module.commits_done():
                stderr.print("interrupted after the change was committed: it completed", highlight=False)
            else:
                stderr.print("interrupted; nothing was changed", highlight=False)
            raise typer.Exit(sigint.INTERRUPTED_EXIT) from None
        except BrokenPipeError:
            sigint.finished()
            raise typer.Exit(0) from None
        except Exception as e:  # a bug: say so in one line, without chat content in a traceback
            sigint.finished()
            if _state.debug:
                raise
            stderr.print(f"[red]internal error:[/red] {e.__class__.__name__}{_where(e)} "
                         "(rerun with --debug for details)", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        if sigint.finished():
            stderr.print("interrupted after the commit point: the change completed", highlight=False)
            raise typer.Exit(sigint.INTERRUPTED_EXIT)
        return result

    return wrapper  # type: ignore[return-value]


def _where(e: BaseException) -> str:
    """`` at grouplens/x.py:12``: the innermost grouplens frame of a traceback (no values)."""
    tb, found = e.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if "/grouplens/" in name:
            found = f" at grouplens/{name.rsplit('/grouplens/', 1)[1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _escape(text: str) -> str:
    from rich.markup import escape

    from ..display import terminal_safe
    return escape(terminal_safe(text))


# Options before the command that take a value, and those that take none (--help, --version
# and the completion options are left out: with them, every command module is loaded).
GLOBAL_VALUE_OPTIONS = ("--store", "--config", "--tz")
GLOBAL_FLAGS = ("--debug",)


def command_in(args: list[str]) -> str | None:
    """The command ``args`` run (``groups`` in ``--store X groups -f json``); None when they run
    none, or when an option before it is not one of the global options above."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in GLOBAL_VALUE_OPTIONS:
            i += 2
        elif arg in GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in GLOBAL_VALUE_OPTIONS)):
            i += 1
        else:
            return None if arg.startswith("-") else arg
    return None


def main() -> None:
    """The console-script entry point."""
    import os
    commands = app.registered_commands
    name = command_in(sys.argv[1:])
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    if isinstance(commands, CommandList) and name and not completing:
        commands.running = name
        if not len(commands):  # no such command (or the table is out of date): load them all
            commands.running = None
    try:
        app()
    except BrokenPipeError:  # `grouplens messages | head`
        sys.stderr.close()
    finally:
        if isinstance(commands, CommandList):
            commands.running = None  # any later use of `app` in this process sees every command
