"""What a pickle may import: the deny-list, the exact allow-lists per format, data-only classes.

Allow-list first: a global is allowed only when its exact ``module.name`` is listed for
the file's format (no wildcards: ``torch.*`` let ``torch.storage._load_from_bytes`` and
``torch.hub`` through). Everything else is at least "unknown" (high). A maintained
deny-list of code-execution callables is critical, checked first, and hop by hop
through dotted names: ``tarfile.os.system`` and ``torch._utils.pickle.loads`` reach
``os.system`` and ``pickle.loads`` through module attributes, ``builtins.__dict__.get``
reaches every builtin through ``__dict__``. A short list of data-only classes (plain
records whose loading cannot call anything but their own trivial ``__setstate__``, such
as requests' ``Response`` in a cached-response pickle) is medium at most. The lists are
data, in ``models/data/pickle-policy.txt``; this module holds the rules.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase


def _shipped(name: str) -> tuple[str, ...]:
    """An exact list shipped in ``models/data`` (one ``module.name`` a line)."""
    from importlib.resources import files

    text = files("chainward.models").joinpath("data").joinpath(name).read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


def _sections(name: str) -> dict[str, tuple[str, ...]]:
    """The ``[section]`` lists of a shipped file."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _shipped(name):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        else:
            current.append(line.strip())
    return {key: tuple(values) for key, values in sections.items()}


# The lists themselves are data (models/data/pickle-policy.txt), reviewed as such.
_POLICY = _sections("pickle-policy.txt")
DENIED_MODULES = frozenset(_POLICY["denied-modules"])
DENIED_CALLABLES = frozenset(_POLICY["denied-callables"])
BUILTIN_MODULES = frozenset({"builtins", "__builtin__", "__builtins__", "exceptions"})
DENIED_BUILTINS = frozenset(_POLICY["denied-builtins"])
REEXPORTED = frozenset(_POLICY["reexported"])
DANGEROUS_DUNDERS = frozenset(_POLICY["dangerous-dunders"])
# scikit-learn estimators and the classes they hold (scripts/gen_sklearn_globals.py).
_SKLEARN = _shipped("sklearn-globals.txt")
_COMMON = _POLICY["allow-common"]
_NUMPY = _POLICY["allow-numpy"]
ALLOWED_BY_FORMAT: dict[str, frozenset[str]] = {
    "torch": frozenset((*_COMMON, *_NUMPY, *_POLICY["allow-torch"])),
    "numpy": frozenset((*_COMMON, *_NUMPY)),
    "joblib": frozenset((*_COMMON, *_NUMPY, *_POLICY["allow-joblib"], *_SKLEARN)),
}
TORCHSCRIPT_ALLOWED = frozenset(_POLICY["allow-torchscript"])
ALLOWED_BY_FORMAT["torchscript"] = ALLOWED_BY_FORMAT["torch"]
ALLOWED_BY_FORMAT["pickle"] = frozenset().union(*ALLOWED_BY_FORMAT.values())
DATA_ONLY = frozenset(_POLICY["data-only"])


class Verdict(enum.IntEnum):
    """How a global is judged, worst last."""

    ALLOWED = 0
    DATA_ONLY = 1
    UNKNOWN = 2
    DENIED = 3


def _compat_names(module: str, name: str) -> list[tuple[str, str]]:
    """The names the unpickler may really look up: as written and, for protocol 0-2
    pickles, after ``fix_imports`` maps Python 2 names (``__builtin__``, ``commands``)."""
    import _compat_pickle

    names = [(module, name)]
    mapped = _compat_pickle.NAME_MAPPING.get((module, name))
    if mapped is not None:
        names.append(mapped)
    elif module in _compat_pickle.IMPORT_MAPPING:
        names.append((_compat_pickle.IMPORT_MAPPING[module], name))
    return names


def _canonical(module: str) -> str:
    return "builtins" if module in BUILTIN_MODULES else module


def _denied_reason(module: str, name: str) -> str | None:
    """Why ``module.name`` reaches code execution, or None."""
    module = _canonical(module)
    hops = name.split(".")
    if module == "builtins" and hops[0] in DENIED_BUILTINS:
        return f"builtins.{hops[0]}"
    for hop in hops:
        if hop in DANGEROUS_DUNDERS:
            return f"{module}.{name} (through the attribute {hop})"
    module_parts = module.split(".")
    parts = [*module_parts, *hops]
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if prefix in DENIED_MODULES or prefix in DENIED_CALLABLES:
            return prefix
    # Attribute hops through a module another module imported: tarfile.os.system is
    # os.system. Only hops in the name count: the module path is imported as written.
    for start in range(len(module_parts), len(parts) - 1):
        if parts[start] in REEXPORTED:
            reason = _denied_reason(parts[start], ".".join(parts[start + 1 :]))
            if reason is not None:
                return f"{reason} (reached from {module}.{name})"
    return None


def denied_reason(module: str, name: str) -> str | None:
    """The denied callable (or hop) that ``module.name`` reaches, or None."""
    for mod, attr in _compat_names(module, name):
        reason = _denied_reason(mod, attr)
        if reason is not None:
            return reason
    return None


def classify(
    module: str, name: str, fmt: str = "pickle", extra_allow: Sequence[str] = ()
) -> Verdict:
    """Data-only classes (exact names), then the deny-list, then the format's exact
    allow-list and the user's entries; anything else is unknown."""
    if fmt == "torchscript" and (
        f"{module}.{name}" in TORCHSCRIPT_ALLOWED or module.split(".", maxsplit=1)[0] == "__torch__"
    ):
        # TorchScript's own unpickler resolves these (the archive's compiled classes in
        # code/, and its list builders), not Python's find_class.
        return Verdict.ALLOWED
    for mod, attr in _compat_names(module, name):
        if f"{_canonical(mod)}.{attr}" in DATA_ONLY:
            return Verdict.DATA_ONLY
    if denied_reason(module, name) is not None:
        return Verdict.DENIED
    allowed = ALLOWED_BY_FORMAT.get(fmt, ALLOWED_BY_FORMAT["pickle"])
    for mod, attr in _compat_names(module, name):
        qualified = f"{_canonical(mod)}.{attr}"
        if qualified in allowed or _user_allows(qualified, extra_allow):
            return Verdict.ALLOWED
    return Verdict.UNKNOWN


def _user_allows(qualified: str, patterns: Iterable[str]) -> bool:
    # Users' own entries may be globs (their own packages); the shipped lists are exact.
    return any(fnmatchcase(qualified, pattern) for pattern in patterns)
