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

:class:`OnlyCommands` builds only the subcommand being run.

:func:`pace_collector` spaces out the cyclic collector's passes over young objects.

Only the console script calls :func:`defer` and :func:`pace_collector`
(``chainward.cli.run``), before anything else is imported: a program that imports
chainward as a library keeps its own import order and collector.
"""

from __future__ import annotations

import _thread
import argparse
import gc
import importlib
import os
import sys
import types
from typing import Any

DEFERRED = ("inspect", "ipaddress", "base64", "binascii", "struct", "copy")
"""Standard-library modules the hook path imports without using them: ``inspect``
(``dataclasses``, for a missing docstring), ``ipaddress`` (``urllib.parse``, through
``pathlib``, for a bracketed host in a URL), ``base64``, ``binascii``, ``struct``
(PyYAML, for ``!!binary`` values it never constructs for us; ``models.identify`` for
a safetensors header), ``copy`` (``dataclasses.asdict``, argparse's appending
actions)."""

_LOCK = _thread.RLock()


class _Deferred(types.ModuleType):
    """A stand-in that imports the module it stands for on first attribute access."""

    def __getattr__(self, attr: str) -> Any:
        # Called only for attributes the stand-in does not have: all of the module's
        # own, until the first access has copied them here.
        real = load(self.__name__)
        return getattr(real, attr)


def load(name: str) -> types.ModuleType:
    """The real module ``name``, imported now if only its stand-in is in place."""
    with _LOCK:  # one import, whichever thread asks first (re-entrant: base64 asks struct)
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
            current.__dict__.update(vars(real))
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


class OnlyCommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The subcommands action, building only the parser of the ``wanted`` command (all
    when None): a command module registers its siblings too (``check`` with
    ``explain`` and ``init``), each copying every common option."""

    wanted: str | None = None

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """The subcommand's parser; a throwaway one for a command not wanted."""
        if self.wanted is not None and name != self.wanted:
            return argparse.ArgumentParser(prog=name, add_help=False, formatter_class=HelpFormatter)
        parser: argparse.ArgumentParser = super().add_parser(name, **kwargs)
        return parser


YOUNG_OBJECTS = 50_000
"""Objects made (net) between two passes of the cyclic collector over the youngest
generation; Python's default is 700."""


def pace_collector() -> None:
    """Let the cyclic collector run every :data:`YOUNG_OBJECTS` new objects instead of
    every 700. Start-up makes objects that live as long as the process (modules,
    classes, functions, the parser): at 700, a small run's 17 to 22 passes walk them
    for nothing (1 to 2 ms, measured with ``gc.callbacks``). A long scan still collects:
    garbage cycles wait for at most this many new objects (a few megabytes), and the
    older generations keep their thresholds."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
