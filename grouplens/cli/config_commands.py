"""``grouplens config``: the settings in force, or the documented template of every setting."""

from __future__ import annotations

import sys
from typing import Annotated

from .app import SETTINGS, ConfigOpt, app, edge, errors_to_exit, flag


@app.command("config", rich_help_panel=SETTINGS)
@errors_to_exit
def config_command(
    example: Annotated[bool, flag("--example", help="Print the documented template of every setting instead "
                                  "(save it as grouplens.toml and keep what you need).")] = False,
    config: ConfigOpt = None,
) -> None:
    """Print the settings in force (./grouplens.toml or --config over the defaults) as TOML.

    Example: grouplens config --example > grouplens.toml && grouplens config
    """
    from ..config import config_toml, example_config

    if example:
        sys.stdout.write(example_config())
        return
    e = edge(config=config)
    text = config_toml(e.config)
    if e.tz.key != e.config.time.tz:  # --tz given before the command
        text = text.replace(f'[time]\ntz = "{e.config.time.tz}"', f'[time]\ntz = "{e.tz.key}"  # from --tz', 1)
    sys.stdout.write(text)
