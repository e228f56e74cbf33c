"""Start-up of the console script: standard-library modules that the hook path imports
but does not use, loaded when first used instead.

``dataclasses`` imports ``inspect`` at its top (with ``ast``, ``dis``, ``tokenize``,
``linecache``: about 5 ms, a tenth of the hook's whole run on a small change) and uses
it for one thing only: ``inspect.signature`` to write a docstring for a dataclass that
has none. Every dataclass on the hook path has its own docstring, so ``inspect`` is
never needed there. :func:`defer` puts a stand-in module under the name; the first
attribute asked of it imports the real module, which then takes its place in
``sys.modules`` and lends the stand-in its namespace, so code that imported the
stand-in sees the real thing (issue 19, start-up; measured by
``benchmarks/startup.py``).

:class:`HelpFormatter` is argparse's own with the terminal width read without
``shutil`` (argparse imports it for every argument added; 1.5 ms with the compression
modules it brings).

Only the console script calls :func:`defer` (``chainward.cli.run``), before anything is imported:
a program that imports chainward as a library keeps its own import order.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import types
from typing import Any

DEFERRED = ("inspect",)
"""Standard-library modules the hook path imports without using them."""


class _Deferred(types.ModuleType):
    """A stand-in that imports the module it stands for on first attribute access."""

    def __getattr__(self, attr: str) -> Any:
        # Called only for attributes the stand-in does not have: all of the module's
        # own, until the first access has copied them here.
        real = load(self.__name__)
        return getattr(real, attr)


def load(name: str) -> types.ModuleType:
    """The real module ``name``, imported now if only its stand-in is in place."""
    current = sys.modules.get(name)
    if current is not None and not isinstance(current, _Deferred):
        return current
    if current is not None:
        del sys.modules[name]
    try:
        real = importlib.import_module(name)
    except BaseException:
        if current is not None:
            sys.modules.setdefault(name, current)
        raise
    if current is not None:
        # Code that imported the stand-in keeps it: give it the module's namespace.
        namespace = {k: v for k, v in vars(real).items() if k not in ("__class__",)}
        current.__dict__.update(namespace)
    return real


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """Put a stand-in under each module name not imported yet."""
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = _Deferred(name, f"stand-in for {name}, imported on first use")


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` (``COLUMNS``, else the terminal of
    standard output, else 80) without importing shutil, which brings bz2, lzma and
    zlib: argparse's formatter asks it for every argument it adds."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80
    return size.columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, its width read by :func:`terminal_columns`."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)
