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

:func:`compile_patterns_on_first_use` makes the ``re.compile`` calls that the packages
of :data:`LAZY_PATTERN_PACKAGES` make while they are imported return a
:class:`LazyPattern`, compiled when first used: PyYAML compiles about 4 ms of patterns
at import, most of which a run never uses.

:func:`finish` ends the process without the interpreter's teardown when nothing needs
it (see :func:`teardown_needed`): no code may rely on a finaliser or ``__del__`` to
flush a file (use ``with`` or ``core.atomic``).

Only the console script calls :func:`defer`, :func:`pace_collector`,
:func:`compile_patterns_on_first_use` and :func:`finish` (``chainward.cli.run``),
before anything else is imported and after the command returned: a program that
imports chainward as a library keeps its own import order, collector, patterns and
exit.
"""

from __future__ import annotations

import _thread
import argparse
import atexit
import gc
import importlib
import os
import re
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


LAZY_PATTERN_PACKAGES = ("yaml",)
"""Top-level packages whose import-time ``re.compile`` calls return a
:class:`LazyPattern`. PyYAML compiles, at import: its pure-Python reader's
``NON_PRINTABLE`` class (3 ms, and the libyaml loader we use never builds that reader),
the resolver's implicit types (each needed only when a plain scalar starts with one of
its first characters) and the constructor's timestamp."""

_PATTERN_ATTRIBUTES = (
    "match",
    "search",
    "fullmatch",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)
_REAL_COMPILE = re.compile
_PATTERNS_LOCK = _thread.RLock()
_patching = [0]  # imports of LAZY_PATTERN_PACKAGES under way (re.compile patched while > 0)


class LazyPattern:
    """``re.compile(pattern, flags)``, compiled on the first attribute asked of it; the
    compiled pattern's methods and attributes are then copied onto the stand-in, so
    later calls reach them without going through it."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def compiled(self) -> re.Pattern[Any]:
        """The compiled pattern (compiled now if it was not yet)."""
        pattern: re.Pattern[Any] = _REAL_COMPILE(*self._args)
        vars(self).update({name: getattr(pattern, name) for name in _PATTERN_ATTRIBUTES})
        return pattern

    def __getattr__(self, name: str) -> Any:
        # Called only for names the stand-in does not have yet: every public name of a
        # pattern until the first use. Private and special names are not forwarded
        # (copy, pickle and repr see the stand-in).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r}, {self._args[1]!r})"


def _compile_lazily(pattern: Any, flags: Any = 0) -> Any:
    """``re.compile`` while a package of :data:`LAZY_PATTERN_PACKAGES` is imported: a
    :class:`LazyPattern` for that package's own calls, the real thing for any other
    caller (another thread, or a module the package imports)."""
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if isinstance(caller, str) and caller.partition(".")[0] in LAZY_PATTERN_PACKAGES:
        return LazyPattern(pattern, flags)
    return _REAL_COMPILE(pattern, flags)


class _LoaderWithLazyPatterns:
    """A package's own loader, executing the package with ``re.compile`` patched."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        """The loader's own module, if it makes one."""
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """Run the package (and the submodules it imports) with lazy patterns; then give
        the module back its own loader."""
        with _PATTERNS_LOCK:
            if not _patching[0]:
                re.compile = _compile_lazily
            _patching[0] += 1
        try:
            self.loader.exec_module(module)
        finally:
            with _PATTERNS_LOCK:
                _patching[0] -= 1
                if not _patching[0]:
                    re.compile = _REAL_COMPILE
            module.__loader__ = self.loader
            if module.__spec__ is not None:
                module.__spec__.loader = self.loader


class _LazyPatternFinder:
    """A meta-path finder for the packages of :data:`LAZY_PATTERN_PACKAGES`: the spec the
    other finders give, its loader wrapped. Leaves ``sys.meta_path`` once every package
    is imported."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        """The package's spec with a wrapped loader; None for any other module."""
        if name not in LAZY_PATTERN_PACKAGES:
            return None
        spec = None
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        if all(package in sys.modules or package == name for package in LAZY_PATTERN_PACKAGES):
            with _PATTERNS_LOCK:
                if self in sys.meta_path:
                    sys.meta_path.remove(self)
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _LoaderWithLazyPatterns(spec.loader)
        return spec


def compile_patterns_on_first_use() -> None:
    """Have the packages of :data:`LAZY_PATTERN_PACKAGES` not imported yet compile their
    import-time patterns on first use."""
    if all(package in sys.modules for package in LAZY_PATTERN_PACKAGES):
        return
    with _PATTERNS_LOCK:
        if not any(isinstance(finder, _LazyPatternFinder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _LazyPatternFinder())


def teardown_needed() -> bool:
    """Whether ending the process must go through the interpreter's teardown: a
    profiler, tracer or coverage is active (they write their data at exit), a non-daemon
    thread other than the main one is alive (the interpreter waits for it), a process or
    thread pool was used (its workers are joined or ended at exit), or an ``atexit``
    callback is registered (``logging``, ``weakref.finalize``, ``tempfile``)."""
    if sys.getprofile() is not None or sys.gettrace() is not None or "coverage" in sys.modules:
        return True
    threading = sys.modules.get("threading")
    if threading is not None:
        if getattr(threading, "_profile_hook", None) or getattr(threading, "_trace_hook", None):
            return True
        main = threading.main_thread()
        if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
            return True
    if "multiprocessing" in sys.modules or "concurrent.futures.process" in sys.modules:
        return True
    pool = sys.modules.get("concurrent.futures.thread")
    if pool is not None and len(getattr(pool, "_threads_queues", ())):
        return True
    return atexit._ncallbacks() > 0


def finish(code: int) -> int:
    """End the console script with ``code``: standard output and error are flushed, then
    the process exits at once (``os._exit``), skipping the interpreter's teardown (a few
    milliseconds of freeing modules and objects that the operating system reclaims
    anyway) unless :func:`teardown_needed`. Returns ``code`` when the teardown must run
    or a stream cannot be flushed (the interpreter reports that, as before)."""
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return code
    if teardown_needed():
        return code
    os._exit(code)
