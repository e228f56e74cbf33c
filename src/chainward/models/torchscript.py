"""TorchScript archives: identified by content, their ``code/`` members read as data.

A TorchScript archive (``torch.jit.save``) is a zip holding ``<prefix>/constants.pkl``
and ``<prefix>/code/**/*.py``; ``torch.load`` hands any zip with a ``constants.pkl`` to
``torch.jit.load``. That loader compiles the ``code/`` members from source and runs the
``__setstate__`` methods they define while it unpickles ``data.pkl``, before the user
calls anything; ``forward`` runs on the first call. The compiler knows only a small
set of names (``torch.X`` is the operator ``aten::X``, ``ops.ns.X`` is ``ns::X``,
``__torch__.X`` is another class of the archive, plus a few builtins), so what the code
can reach is the operators it names. Shown to run by the canary tests: ``aten::save``
writes any file from ``__setstate__`` at load time.

The members are parsed with :mod:`ast` (never compiled or run), and every name the
code reaches is judged against an exact allow-list: the operators of stock PyTorch
that compute on tensors, numbers and strings (``data/torchscript-ops.txt``, generated
by ``scripts/gen_torchscript_ops.py`` from torch's operator registry), the compiler's
builtins, and the archive's own classes. Operators that write or read files, talk to
the network, or skip bounds checks (memory-corruption gadgets), and custom operators
from other libraries (native code), are not on it: a use of one is reported with the
member and line, critical where it is shown to write files, unverifiable otherwise.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

# Operators whose effect is shown by the canary tests: they write files at load time.
DENIED_OPS = {
    "aten::save": "writes a pickle of any value to any path",
}
# Operators outside the allow-list with a known reason (the rest: "not on the list").
RISKY_OPS = {
    "aten::from_file": "maps any file into a tensor (reads, and with shared=True writes it)",
    "debugprims::load_tensor": "loads a tensor from a file",
    "prim::rpc_sync": "calls a remote worker",
    "prim::rpc_async": "calls a remote worker",
    "prim::rpc_remote": "calls a remote worker",
    "prim::PythonOp": "calls into Python",
    "aten::set_": "points a tensor at any storage, offset and strides (no bounds check)",
    "aten::as_strided": "views memory with any strides and offset (out-of-bounds reads)",
    "aten::as_strided_": "views memory with any strides and offset (out-of-bounds writes)",
}
# Names the TorchScript source importer and compiler resolve without an import.
SOURCE_ROOTS = frozenset({"torch", "ops", "CONSTANTS", "__torch__"})
BUILTINS = frozenset(
    {
        # special forms of the serialized source
        "annotate",
        "unchecked_cast",
        "uninitialized",
        "fork",
        "awaitable",
        "awaitable_wait",
        "awaitable_nowait",
        "isinstance",
        "getattr",
        "hasattr",
        # builtin functions the compiler maps to aten/prim operators
        "print",
        "len",
        "range",
        "enumerate",
        "zip",
        "list",
        "dict",
        "tuple",
        "int",
        "float",
        "bool",
        "str",
        "complex",
        "abs",
        "all",
        "any",
        "min",
        "max",
        "sum",
        "divmod",
        "round",
        "pow",
        "ord",
        "chr",
        "bin",
        "hex",
        "oct",
        "hash",
        "id",
        "sorted",
        "reversed",
        "slice",
        # type names, in annotations and type arguments
        "Tensor",
        "List",
        "Dict",
        "Tuple",
        "Optional",
        "Union",
        "Any",
        "NoneType",
        "Final",
        "Future",
        "Await",
        "RRef",
        "Device",
        "Stream",
        "Storage",
        "Generator",
        "number",
        "Enum",
        "Module",
        "NamedTuple",
        "Interface",
        "object",
        "__annotations__",
        "None",
        "True",
        "False",
        "inf",
        "nan",
    }
)
# TorchScript classes shipped with PyTorch itself (``torch.classes.<ns>.<name>``).
STOCK_CLASS_NAMESPACES = frozenset({"quantized", "rnn", "sparse", "xnnpack", "mkldnn", "onednn"})
MAX_CODE_MEMBER = 16 << 20


class UseVerdict(enum.Enum):
    """How a name the code reaches is judged."""

    DENIED = "denied"
    UNKNOWN = "unknown"
    UNPARSABLE = "unparsable"


@dataclass(frozen=True, slots=True)
class CodeUse:
    """A name a ``code/`` member reaches that is not on the allow-list."""

    member: str
    line: int
    name: str
    op: str
    verdict: UseVerdict
    reason: str


@cache
def allowed_ops() -> frozenset[str]:
    """The operators of stock PyTorch TorchScript code may call (``ns::name``)."""
    from importlib.resources import files

    text = (
        files("chainward.models")
        .joinpath("data")
        .joinpath("torchscript-ops.txt")
        .read_text("utf-8")
    )
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def archive_prefixes(names: Iterable[str]) -> frozenset[str]:
    """Prefixes (``archive/``) of the TorchScript archives among zip member names:
    a ``constants.pkl`` (what ``torch.load`` checks) or a ``code/`` folder, compared
    case-insensitively."""
    found = set()
    for name in names:
        lower = name.lower()
        head, _, tail = lower.rpartition("/")
        if tail == "constants.pkl" and head.count("/") <= 1:
            found.add(f"{head}/" if head else "")
        index = lower.find("code/")
        if index >= 0 and (index == 0 or lower[index - 1] == "/"):
            prefix = lower[:index]
            if prefix.count("/") <= 1:
                found.add(prefix)
    return frozenset(found)


def is_code_member(name: str, prefixes: frozenset[str]) -> bool:
    """Whether a member is TorchScript source the loader compiles."""
    lower = name.lower()
    return lower.endswith(".py") and any(lower.startswith(f"{p}code/") for p in prefixes)


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the source binds (parameters, assignments, loop targets, classes)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
    return bound


def _annotations(tree: ast.AST) -> set[int]:
    """ids of the nodes inside annotations (types: nothing runs)."""
    skip: set[int] = set()
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    for root in roots:
        skip.update(id(n) for n in ast.walk(root))
    return skip


def judge_name(parts: list[str]) -> tuple[str, UseVerdict | None, str]:
    """``(operator, verdict, reason)`` for a dotted name rooted at a source global;
    verdict None means allowed."""
    root = parts[0]
    if root == "CONSTANTS":
        return "", None, ""
    if root == "__torch__":
        if parts[1:3] == ["torch", "classes"]:
            namespace = parts[3] if len(parts) > 3 else ""
            if namespace in STOCK_CLASS_NAMESPACES:
                return "", None, ""
            qualified = ".".join(parts[3:5])
            return (
                f"class {qualified}",
                UseVerdict.UNKNOWN,
                "a custom TorchScript class from a native library outside PyTorch",
            )
        return "", None, ""  # a class or function of the archive: its code is scanned
    if root == "torch":
        if len(parts) < 2:
            return "", None, ""
        op = f"aten::{parts[1]}"
    elif root == "ops":
        if len(parts) < 3:
            return f"{'.'.join(parts[1:])}::", UseVerdict.UNKNOWN, "an operator namespace"
        op = f"{parts[1]}::{parts[2]}"
    else:
        return "", None, ""
    if op in DENIED_OPS:
        return op, UseVerdict.DENIED, DENIED_OPS[op]
    if op in allowed_ops():
        return op, None, ""
    reason = RISKY_OPS.get(op)
    if reason is None:
        reason = (
            "an operator outside stock PyTorch (a custom op: native code from another library)"
            if op.partition("::")[0] not in _allowed_namespaces()
            else "an operator not on the allow-list of stock PyTorch operators"
        )
    return op, UseVerdict.UNKNOWN, reason


@cache
def _allowed_namespaces() -> frozenset[str]:
    return frozenset(op.partition("::")[0] for op in allowed_ops())


def scan_code(member: str, text: str) -> list[CodeUse]:
    """The uses in one ``code/`` member that are not on the allow-list, first line of
    each name; an unparsable member is one :attr:`UseVerdict.UNPARSABLE` use."""
    try:
        tree = ast.parse(text, filename=member)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return [
            CodeUse(
                member, line, "", "", UseVerdict.UNPARSABLE, f"the source does not parse: {exc}"
            )
        ]
    return list(_uses(member, tree))


def _uses(member: str, tree: ast.AST) -> Iterator[CodeUse]:
    bound = _bound_names(tree)
    skip = _annotations(tree)
    seen: set[str] = set()
    inner: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        if isinstance(node, ast.Attribute):
            parts = _dotted(node)
            if parts is None:
                continue
            # Judge the longest chain once: its inner Attribute and Name nodes are parts.
            current: ast.expr = node.value
            while isinstance(current, ast.Attribute):
                inner.add(id(current))
                current = current.value
            inner.add(id(current))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            parts = [node.id]
        else:
            continue
        root = parts[0]
        if root in bound and root not in SOURCE_ROOTS:
            continue
        name = ".".join(parts[:3] if root in ("torch", "ops") else parts)
        if root in SOURCE_ROOTS:
            op, verdict, reason = judge_name(parts)
        elif root in BUILTINS:
            continue
        else:
            op, verdict, reason = (
                "",
                UseVerdict.UNKNOWN,
                "a name the TorchScript compiler does not define for serialized code",
            )
        if verdict is None or name in seen:
            continue
        seen.add(name)
        yield CodeUse(member, getattr(node, "lineno", 1), name, op, verdict, reason)
