"""Option values that need no pydantic: typer's own result, without its start-up cost.

Typer (0.2x and later) turns every option's value into its Python type through a pydantic
``TypeAdapter``, built for each parameter of the command that runs, even for an option left
out. Importing pydantic and building those adapters costs a command such as ``grouplens
groups`` about 0.2 s, more than the work it does. Most values need no conversion at all: an
option left out (``None``), a ``str`` option given a string, a ``list[str]`` argument, or a
choice (``--format json``) that names one of its values exactly. For those, typer's own
functions give the value here; anything else (a number, a path, a choice that does not
match, so that typer's error message is the one shown) goes to typer's adapter as before,
built when first needed.

``install()`` does nothing on a typer without this coercion layer (older typers use click's
types, which never load pydantic): the shortcut can only skip work typer would do, never
change what a value becomes.
"""

from __future__ import annotations

from typing import Any

_MISS = object()


def install() -> bool:
    """Route typer's parameters through ``QuickParam``; False when this typer has no such layer."""
    try:
        from typer import _coercion, core
        from typer._param_types import choice_coercion_annotation, coerce_cli_choice
    except ImportError:
        return False
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or getattr(build, "quick", False):
        return build is not None and base is not None

    def quick_value(descriptor: Any, value: Any, ctx: Any) -> Any:
        """The value typer's adapter would return, or ``_MISS`` when only the adapter can say."""
        info = descriptor.parameter_info
        if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
            return _MISS
        annotation = descriptor.annotation
        if descriptor.file_annotation is not None:
            return _MISS
        if annotation is str:
            return value if type(value) is str else _MISS
        if getattr(annotation, "__origin__", None) is list and getattr(annotation, "__args__", None) == (str,):
            return list(value) if isinstance(value, (list, tuple)) and all(type(v) is str for v in value) \
                else _MISS
        choice = choice_coercion_annotation(annotation, info)
        if choice is not None:
            try:
                return coerce_cli_choice(value, choices=choice[0], case_sensitive=choice[1], ctx=ctx)
            except ValueError:  # typer's adapter says why, in its own words
                return _MISS
        return _MISS

    class QuickParam(base):  # type: ignore[misc, valid-type]
        """A parameter's coercion: ``quick_value`` first, typer's own runtime parameter otherwise."""

        def __init__(self, descriptor: Any):
            super().__init__(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
            object.__setattr__(self, "descriptor", descriptor)  # (the base class is a frozen dataclass)
            object.__setattr__(self, "real", [])  # typer's runtime parameter, once built

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            quick = quick_value(self.descriptor, value, ctx)
            if quick is not _MISS:
                return quick
            if not self.real:
                self.real.append(build(self.descriptor))
            return self.real[0]._coerce_value(value, param=param, ctx=ctx)

    def build_quick(descriptor: Any) -> Any:
        return QuickParam(descriptor)

    build_quick.quick = True  # type: ignore[attr-defined]
    core.build_runtime_param = build_quick
    return True
