"""A group-chat simulator with ground truth, for measuring role, tag and lifecycle detection.

``simulate_group`` builds a QQ group following DOMAIN.md (thinkers, critics, onlookers and
silent members; KOLs, operator accounts, shills, advertisers; a lifecycle scenario) with rates
drawn from ``SimParams`` for the seed; the same arguments always give the same group.
``write_simulation`` writes it as a classic QQ TXT export, a member list CSV and truth.json.

    >>> from pathlib import Path
    >>> group = simulate_group(members=300, weeks=8, seed=1)
    >>> paths = write_simulation(Path("out"), group)
"""

from __future__ import annotations

import importlib
import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .params import (
    ROLES,
    SCENARIOS,
    STAGES,
    TAGS,
    Rates,
    SimParams,
    draw_rates,
    stage_schedule,
    validate,
)
from .themes import THEMES

if TYPE_CHECKING:
    from .export import write_simulation
    from .model import INTENTS, SYSTEM, TIMEZONE, SimMember, SimMessages, SimulatedGroup

# Loaded when used: the command line reads the scenarios and themes (params, themes) for its
# options without loading the generator; write_simulation needs pyarrow.
_LATER = {"write_simulation": "export",
          **{name: "model" for name in ("INTENTS", "SYSTEM", "TIMEZONE", "SimMember", "SimMessages", "SimulatedGroup")}}


def __getattr__(name: str) -> object:
    if name not in _LATER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LATER[name]}"), name)
    globals()[name] = value
    return value


def simulate_group(members: int = 300, weeks: int = 8, seed: int = 1,
                   params: SimParams | None = None) -> SimulatedGroup:
    """A simulated group of ``members`` people (everyone who is ever in it) over ``weeks`` weeks.

    Raises UsageError for settings that cannot work (too few members, unknown scenario...).
    """
    from .cast import build_cast, draw_sizes
    from .content import Content
    from .engine import Generator  # numpy
    from .model import SimulatedGroup

    params = params or SimParams()
    validate(params, members, weeks)
    # Separate streams, so drawing the cast differently never reshuffles the rates, and so on.
    rate_rng = random.Random(f"grouplens-sim/{seed}/rates")
    cast_rng = random.Random(f"grouplens-sim/{seed}/cast")
    talk_rng = random.Random(f"grouplens-sim/{seed}/messages")

    rates = draw_rates(params, rate_rng)
    theme = THEMES[params.theme or rate_rng.choice(sorted(THEMES))]
    start = params.start or date(2019, 1, 1) + timedelta(days=rate_rng.randrange(6 * 365))
    brand = rate_rng.choice(theme.brands)
    name = rate_rng.choice(theme.group_names).format(brand=brand, n=rate_rng.randint(1, 30))
    stages = stage_schedule(params.scenario, weeks)
    creation_s = rate_rng.randint(9 * 3600, 11 * 3600)

    sizes = draw_sizes(members, params, rates, cast_rng)
    cast = build_cast(members, sizes, rates, theme, brand, stages, creation_s, cast_rng)
    messages, questions = Generator(cast, Content(theme, brand, talk_rng), params, rates, stages, start,
                                    talk_rng).run()

    end_s = weeks * 7 * 86400
    newcomer_from = end_s - params.newcomer_days * 86400
    for m in cast:
        if m.join_s >= newcomer_from:
            m.tags.add("newcomer")
        if m.left_s is not None:
            m.tags.add("left")
    return SimulatedGroup(name=name, theme=theme.key, brand=brand, scenario=params.scenario, seed=seed,
                          start=datetime(start.year, start.month, start.day), weeks=weeks, params=params,
                          rates=rates, stages=stages, members=cast, messages=messages, questions=questions)


__all__ = [
    "INTENTS", "ROLES", "SCENARIOS", "STAGES", "SYSTEM", "TAGS", "THEMES", "TIMEZONE", "Rates", "SimMember",
    "SimMessages", "SimParams", "SimulatedGroup", "simulate_group", "write_simulation",
]
