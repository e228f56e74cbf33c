"""``unsafe-model-load``: code that unpickles a model from a path or stream it does not fix.

Bandit's B614 covers ``torch.load`` without ``weights_only=True``; the same hazard sits
behind ``pickle.load(s)``, ``dill``/``cloudpickle``, ``joblib.load``,
``pandas.read_pickle``, ``numpy.load(..., allow_pickle=True)`` and Keras'
``load_model(..., safe_mode=False)``. A call whose argument is a constant local path
(``"weights/model.pt"``, ``open("x.pkl", "rb")``, ``Path("m.pt")``) loads a file the
repository itself holds, which ``scan-model-files`` reads; any other argument (a
variable, a download, a user's path) is a finding. The source is read with ``ast``;
nothing is imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from chainward.core.context import ScanContext
from chainward.core.findings import Confidence, Finding, Severity
from chainward.models.meta import FAMILY, UNSAFE_MODEL_LOAD

_UNSAFE_LOAD = next(info for info in FAMILY.checks if info.id == UNSAFE_MODEL_LOAD)

# Canonical dotted callee → the kind of load (and what makes it safe).
PICKLE_LOADERS = frozenset(
    {
        "pickle.load",
        "pickle.loads",
        "pickle.Unpickler",
        "_pickle.load",
        "_pickle.loads",
        "cPickle.load",
        "cPickle.loads",
        "dill.load",
        "dill.loads",
        "cloudpickle.load",
        "cloudpickle.loads",
        "joblib.load",
        "sklearn.externals.joblib.load",
        "pandas.read_pickle",
        "torch.serialization.load",
    }
)
TORCH_LOADERS = frozenset({"torch.load"})
NUMPY_LOADERS = frozenset({"numpy.load"})
KERAS_LOADERS = frozenset(
    {
        "keras.models.load_model",
        "keras.saving.load_model",
        "tensorflow.keras.models.load_model",
        "tensorflow.keras.saving.load_model",
        "tf_keras.models.load_model",
    }
)


@dataclass(frozen=True, slots=True)
class UnsafeLoad:
    """One call that loads a pickle (or unsafe Keras model) from a non-constant source."""

    callee: str
    line: int
    column: int
    reason: str
    severity: Severity


def _aliases(imports: list[ast.Import | ast.ImportFrom]) -> dict[str, str]:
    """Local name → canonical dotted name, from the module's imports."""
    names: dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _imports_and_calls(tree: ast.AST) -> tuple[list[ast.Import | ast.ImportFrom], list[ast.Call]]:
    """The module's import statements and calls, in one walk (in ``ast.walk`` order)."""
    imports: list[ast.Import | ast.ImportFrom] = []
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
    return imports, calls


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = aliases.get(node.id)
    if base is None:
        return None
    name = ".".join([base, *reversed(parts)])
    if name.startswith("np."):
        name = "numpy." + name[3:]
    if name.startswith("tf."):
        name = "tensorflow." + name[3:]
    return name


def _constant_local_path(node: ast.AST | None, aliases: dict[str, str]) -> bool:
    """A string literal naming a local file, or open()/Path() of one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
        return "://" not in text
    if isinstance(node, ast.Call) and node.args:
        callee = node.func
        name = callee.id if isinstance(callee, ast.Name) else _dotted(callee, aliases)
        if name in ("open", "io.open", "pathlib.Path", "Path", "gzip.open", "bz2.open"):
            return _constant_local_path(node.args[0], aliases)
    return False


# Bandit's and ruff's own codes for these loads: a maintainer who silenced them on the
# line has reviewed the call.
_ACKNOWLEDGED = re.compile(r"#\s*nosec\b|noqa:[^#]*\b(?:S301|S614|B301|B614|S506)\b")


def _acknowledged(lines: list[str], call: ast.Call) -> bool:
    last = getattr(call, "end_lineno", None) or call.lineno
    return any(
        _ACKNOWLEDGED.search(lines[index])
        for index in range(call.lineno - 1, min(last, len(lines)))
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _judge(call: ast.Call, callee: str, aliases: dict[str, str]) -> UnsafeLoad | None:
    source = call.args[0] if call.args else _keyword(call, "f") or _keyword(call, "file")
    if source is None:
        source = _keyword(call, "filepath") or _keyword(call, "path")
    if _constant_local_path(source, aliases):
        return None
    where = (call.lineno, call.col_offset + 1)
    if callee in TORCH_LOADERS:
        weights_only = _keyword(call, "weights_only")
        if _is_true(weights_only):
            return None
        if weights_only is None:
            return UnsafeLoad(
                callee,
                *where,
                "without weights_only=True (torch before 2.6 unpickles anything)",
                Severity.MEDIUM,
            )
        if _is_false(weights_only):
            return UnsafeLoad(
                callee, *where, "with weights_only=False: it unpickles", Severity.HIGH
            )
        return UnsafeLoad(
            callee,
            *where,
            "with weights_only not a constant True (it unpickles when the value is false)",
            Severity.MEDIUM,
        )
    if callee in NUMPY_LOADERS:
        if not _is_true(_keyword(call, "allow_pickle")):
            return None
        return UnsafeLoad(
            callee, *where, "with allow_pickle=True: object arrays are pickles", Severity.HIGH
        )
    if callee in KERAS_LOADERS:
        if not _is_false(_keyword(call, "safe_mode")):
            return None
        return UnsafeLoad(
            callee, *where, "with safe_mode=False: Lambda layers run code", Severity.HIGH
        )
    if callee in PICKLE_LOADERS:
        return UnsafeLoad(callee, *where, "which unpickles: loading runs code", Severity.HIGH)
    return None


# Every loader's module holds one of these, and every loader is called by its own name
# (through an alias of its module) or imported by it (then perhaps renamed): a file
# without both is not parsed a second time.
_TOKENS = ("pickle", "joblib", "dill", "safe_mode", "torch")
_CALL = re.compile(
    r"\b(?:load|loads|read_pickle|load_model|Unpickler)\s*\("
    r"|import[^\n]*\b(?:load|loads|read_pickle|load_model|Unpickler)\b"
)


def might_load(text: str) -> bool:
    """Whether a Python source can hold a load call this check judges (cheap pre-filter:
    a file without one is never parsed for it)."""
    return any(token in text for token in _TOKENS) and _CALL.search(text) is not None


def find_unsafe_loads(text: str, tree: ast.Module | None = None) -> list[UnsafeLoad]:
    """Every unsafe load call in a Python source (``tree``: the source already parsed;
    else it is parsed here and SyntaxError propagates)."""
    if not might_load(text):
        return []
    if tree is None:
        tree = ast.parse(text)
    imports, calls = _imports_and_calls(tree)
    aliases = _aliases(imports)
    lines = text.splitlines()
    found: list[UnsafeLoad] = []
    for node in calls:
        callee = _dotted(node.func, aliases)
        if callee is None:
            continue
        judged = _judge(node, callee, aliases)
        if judged is not None and not _acknowledged(lines, node):
            found.append(judged)
    found.sort(key=lambda item: (item.line, item.column))
    return found


def scan_unsafe_loads(ctx: ScanContext, rel: str) -> Iterator[Finding]:
    """``unsafe-model-load`` findings for one Python file of a scan, read and parsed
    through the scan's shared per-file cache (nothing if it does not parse: the model
    references' collection reports that)."""
    text = ctx.python_source(rel)
    if text is None or not might_load(text):
        return
    parsed = ctx.python_module(rel)
    if parsed is None or parsed.tree is None:
        return
    try:
        calls = find_unsafe_loads(text, parsed.tree)
    except RecursionError:
        return
    yield from _findings(rel, calls)


def unsafe_load_findings(rel: str, text: str) -> Iterator[Finding]:
    """``unsafe-model-load`` findings for one Python file (nothing if it does not parse:
    the download scan reports that)."""
    try:
        calls = find_unsafe_loads(text)
    except (SyntaxError, ValueError, RecursionError):
        return
    yield from _findings(rel, calls)


def _findings(rel: str, calls: list[UnsafeLoad]) -> Iterator[Finding]:
    for item in calls:
        fix = {
            "torch.load": "pass weights_only=True (or load safetensors with "
            "safetensors.torch.load_file)",
            "numpy.load": "drop allow_pickle=True and store plain arrays",
        }.get(
            item.callee,
            "load a safe format (safetensors, JSON) instead, or only a "
            "file the repository pins in chainward.lock",
        )
        if item.callee in KERAS_LOADERS:
            fix = "keep safe_mode=True (the default) and avoid Lambda layers"
        yield _UNSAFE_LOAD.finding(
            f"{item.callee}() is called on a path or stream that is not a constant local "
            f"file, {item.reason}",
            path=rel,
            line=item.line,
            column=item.column,
            fix=fix,
            severity=item.severity,
            confidence=Confidence.MEDIUM,
        )
