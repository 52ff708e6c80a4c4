"""Modules imported on first use, so that a command only pays for what it runs.

``grouplens --help`` or ``grouplens groups`` must not spend a second importing pandas for a
module that could need it later. A module that is on such a path binds its heavy imports with
``lazy("pandas")`` instead of ``import pandas as pd``: the name works the same (``pd.DataFrame``),
and pandas is imported the first time an attribute is read. ``sys.modules`` holds the real
module only from then on, so a test can check that a command never needed it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for a module, importing it on first attribute access."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module is not None else ''}>"


def lazy(name: str) -> Any:
    """``name`` imported when first used (typed ``Any``: use it like the module itself)."""
    return LazyModule(name)
