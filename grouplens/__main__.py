"""``grouplens`` and ``python -m grouplens``: install the Ctrl-C handler, then load the CLI."""

from __future__ import annotations


def main() -> None:
    import sys
    if sys.argv[1:] == ["--version"]:  # what `--version` prints, without loading the CLI to get there
        from . import __version__
        print(f"grouplens {__version__}")
        return
    import grouplens
    grouplens._command_line = True  # grouplens.cli: load the command that runs, not all of them
    from . import sigint
    sigint.install()
    from .cli.app import main as cli_main
    cli_main()


if __name__ == "__main__":
    main()
