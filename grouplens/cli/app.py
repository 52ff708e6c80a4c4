"""The typer app, its global options, shared option types and the error boundary."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from .. import __version__, sigint
from ..errors import GrouplensError

app = typer.Typer(
    name="grouplens",
    help="Weekly reviews of WeChat and QQ groups from their exported logs.\n\n"
         "Start with: grouplens import EXPORTS_FOLDER, then grouplens groups.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

stdout = Console(soft_wrap=False)
stderr = Console(stderr=True)
_state = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])

# --- options shared by several commands ------------------------------------------------------
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="The store folder (default: $GROUPLENS_STORE, else ./grouplens-store).",
    show_default=False)]
GroupOpt = Annotated[str | None, typer.Option(
    "--group", "-g", help="A group's name or id; may be left out when the store holds one group.",
    show_default=False)]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First day to include (YYYY-MM-DD).",
                                              show_default=False)]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day to include (YYYY-MM-DD).",
                                              show_default=False)]
TzOpt = Annotated[str, typer.Option("--tz", help="Time zone for exports' local times and for days.")]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", help="A grouplens.toml with your stop words, user dictionary, classes and thresholds "
    "(default: ./grouplens.toml if present).", show_default=False)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"grouplens {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    _state["debug"] = debug


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
            if _state["debug"]:
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
            if _state["debug"]:
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
    return escape(text)


def main() -> None:
    """The console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # `grouplens messages | head`
        sys.stderr.close()
