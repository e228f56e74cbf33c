"""``setup.py`` read as data: the requirement strings its ``setup()`` call declares.

``install_requires``, ``setup_requires``, ``tests_require`` and ``extras_require`` are read
where they are written as literals, or as names the module binds to literals (``REQUIRED =
[...]``, ``extras = {"x": [...]}``, ``extras["y"] = [...]``, ``a + b``), also through
``setup(**kwargs)`` with a literal dict, ``"a b".split()``, ``TEXT.strip().splitlines()``,
f-strings of literals and ``[r for r in NAMES]``. The file is parsed with ``ast``, never run or
imported: a value computed at run time (read from a requirements file, built in a loop)
is not listed here (the requirements file it reads is inventoried on its own). A file
that does not parse is reported once, by the Python scanners that read every ``.py``
file, not again here.
"""

from __future__ import annotations

import ast

from chainward.core.pyflow.parse import parse_module
from chainward.inventory.model import ManifestScan
from chainward.inventory.paths import is_setuppy_path
from chainward.inventory.pep508 import add_requirement

_LIST_KEYS = frozenset({"install_requires", "setup_requires", "tests_require"})
_EXTRAS_KEY = "extras_require"
_MAX_DEPTH = 8
"""How many name hops and concatenations are followed."""

Strings = list[tuple[str, int]]
"""Requirement strings with the line each is written on."""


def matches(rel: str) -> bool:
    """``setup.py`` in any folder."""
    return is_setuppy_path(rel)


def parse(rel: str, text: str) -> ManifestScan:
    """Inventory the requirements of a ``setup.py``'s ``setup()`` call."""
    out = ManifestScan()
    if "setup" not in text:
        return out
    parsed = parse_module(rel, text)
    if parsed.tree is None:
        return out
    reader = _Reader(parsed.tree)
    seen: set[tuple[str, int]] = set()  # one declaration reached by two names is one
    for call in reader.setup_calls:
        for key, node in reader.keywords(call):
            found: Strings = []
            if key in _LIST_KEYS:
                reader.strings(node, call.lineno, found, 0)
            elif key == _EXTRAS_KEY:
                for value in reader.dict_values(node, call.lineno, 0):
                    reader.strings(value, call.lineno, found, 0)
            for written, line in found:
                requirement = written.split(" #", 1)[0].strip()
                if (requirement, line) in seen:
                    continue
                seen.add((requirement, line))
                if requirement and not requirement.startswith("#"):
                    add_requirement(out, requirement, path=rel, line=line, manifest="setup.py")
    return out


class _Reader:
    """Module-level bindings of one ``setup.py`` and the ``setup()`` calls in it."""

    def __init__(self, tree: ast.Module) -> None:
        self.bindings: dict[str, list[tuple[int, ast.expr]]] = {}
        """Name -> (line, value) of each module-level ``name = value``, in order."""
        self.items: dict[str, list[tuple[int, ast.expr]]] = {}
        """Name -> (line, value) of each ``name[key] = value`` / ``name.append(value)`` /
        ``name.extend(value)`` / ``name += value`` at module level."""
        self.setup_calls: list[ast.Call] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_setup(node.func):
                self.setup_calls.append(node)
        for statement in _module_statements(tree.body):
            self._bind(statement)

    def _bind(self, statement: ast.stmt) -> None:
        line = statement.lineno
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    self.bindings.setdefault(target.id, []).append((line, statement.value))
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    self.items.setdefault(target.value.id, []).append((line, statement.value))
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            self.items.setdefault(statement.target.id, []).append((line, statement.value))
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("append", "extend", "update")
                and isinstance(func.value, ast.Name)
                and len(statement.value.args) == 1
            ):
                arg = statement.value.args[0]
                value = ast.List([arg], ast.Load()) if func.attr == "append" else arg
                self.items.setdefault(func.value.id, []).append((line, value))

    def _binding(self, name: str, before: int) -> ast.expr | None:
        """The value last bound to ``name`` at module level before line ``before``."""
        bound = [value for line, value in self.bindings.get(name, ()) if line < before]
        return bound[-1] if bound else None

    def _later_items(self, name: str, before: int) -> list[ast.expr]:
        """What is added to ``name`` after its binding and before line ``before``."""
        bound = [line for line, _ in self.bindings.get(name, ()) if line < before]
        start = bound[-1] if bound else 0
        return [value for line, value in self.items.get(name, ()) if start < line < before]

    def keywords(self, call: ast.Call) -> list[tuple[str, ast.expr]]:
        """``(key, value)`` of the call's keywords, ``**literal_dict`` ones included."""
        found: list[tuple[str, ast.expr]] = []
        for keyword in call.keywords:
            if keyword.arg is not None:
                found.append((keyword.arg, keyword.value))
                continue
            found.extend(self._dict_pairs(keyword.value, call.lineno, 0))
        return found

    def _dict_pairs(self, node: ast.expr, before: int, depth: int) -> list[tuple[str, ast.expr]]:
        """Constant-key ``(key, value)`` pairs of a dict literal, ``dict(k=v)`` or a name
        bound to one (with its later ``name[key] = value`` items)."""
        if depth > _MAX_DEPTH:
            return []
        if isinstance(node, ast.Dict):
            return [
                (key.value, value)
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            ]
        if isinstance(node, ast.Call) and _called(node, ("dict",)):
            return [(k.arg, k.value) for k in node.keywords if k.arg is not None]
        if isinstance(node, ast.Name):
            value = self._binding(node.id, before)
            pairs = [] if value is None else self._dict_pairs(value, before, depth + 1)
            for item in self._later_items(node.id, before):
                pairs.extend(self._dict_pairs(item, before, depth + 1))
            return pairs
        return []

    def dict_values(self, node: ast.expr, before: int, depth: int) -> list[ast.expr]:
        """The values of an ``extras_require`` mapping, however it is bound; a name's
        ``name["x"] = [...]`` items count too."""
        values = [value for _, value in self._dict_pairs(node, before, depth)]
        if isinstance(node, ast.Name):
            bound = [line for line, _ in self.bindings.get(node.id, ()) if line < before]
            start = bound[-1] if bound else 0
            values += [
                value
                for line, value in self.items.get(node.id, ())
                if start < line < before and not isinstance(value, ast.Dict)
            ]
        return values

    def strings(self, node: ast.expr, before: int, out: Strings, depth: int) -> None:
        """Append the string literals a list-valued expression holds, with their lines."""
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # One string: a requirement, or several on lines of their own (setuptools
            # accepts a newline-separated string).
            for offset, piece in enumerate(node.value.split("\n")):
                if piece.strip():
                    out.append((piece.strip(), node.lineno + offset))
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    self.strings(element.value, before, out, depth + 1)
                elif isinstance(element, ast.Constant) and isinstance(element.value, str):
                    out.append((element.value, element.lineno))
                else:
                    self.strings(element, before, out, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self.strings(node.left, before, out, depth + 1)
            self.strings(node.right, before, out, depth + 1)
        elif isinstance(node, ast.Name):
            value = self._binding(node.id, before)
            if value is not None:
                self.strings(value, before, out, depth + 1)
            for item in self._later_items(node.id, before):
                self.strings(item, before, out, depth + 1)
        elif (
            isinstance(node, ast.Call)
            and _called(node, ("list", "tuple", "sorted", "set"))
            and len(node.args) == 1
        ):
            self.strings(node.args[0], before, out, depth + 1)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self._split(node, node.func, before, out, depth)
        elif isinstance(node, ast.JoinedStr):
            text = self.text(node, before, depth + 1)
            if text is not None and text.strip():
                out.append((text.strip(), node.lineno))
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            # ``[r for r in REQUIRED]`` (a filter in ``if`` is not evaluated: what the
            # file declares is listed).
            generator = node.generators[0]
            if (
                len(node.generators) == 1
                and isinstance(generator.target, ast.Name)
                and _is_item(node.elt, generator.target.id)
            ):
                self.strings(generator.iter, before, out, depth + 1)

    def _split(
        self, node: ast.Call, func: ast.Attribute, before: int, out: Strings, depth: int
    ) -> None:
        """``"a b".split()``, ``TEXT.strip().splitlines()``, ``"a,b".split(",")``."""
        if func.attr not in ("split", "splitlines") or node.keywords or len(node.args) > 1:
            return
        text = self.text(func.value, before, depth + 1)
        if text is None:
            return
        if func.attr == "splitlines":
            pieces = text.splitlines()
        elif not node.args:
            pieces = text.split()
        else:
            separator = self.text(node.args[0], before, depth + 1)
            if not separator:
                return
            pieces = text.split(separator)
        for piece in pieces:
            if piece.strip():
                out.append((piece.strip(), _line_of(self._literal(func.value, before), piece)))

    def _literal(self, node: ast.expr, before: int) -> ast.expr:
        """The expression a name is bound to (the node itself when it is not a name)."""
        if isinstance(node, ast.Name):
            value = self._binding(node.id, before)
            if value is not None:
                return value
        return node

    def text(self, node: ast.expr, before: int, depth: int) -> str | None:
        """The string a string expression is known to hold, or None: a literal, a name
        bound to one, ``+`` of such, an f-string of such, ``.strip()`` of such."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            value = self._binding(node.id, before)
            return None if value is None else self.text(value, before, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.text(node.left, before, depth + 1)
            right = self.text(node.right, before, depth + 1)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                inner = value.value if isinstance(value, ast.FormattedValue) else value
                if isinstance(value, ast.FormattedValue) and value.format_spec is not None:
                    return None
                part = self.text(inner, before, depth + 1)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("strip", "lstrip", "rstrip")
            and not node.args
            and not node.keywords
        ):
            stripped = self.text(node.func.value, before, depth + 1)
            if stripped is None:
                return None
            strip = {"strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip}
            return strip[node.func.attr](stripped)
        return None


def _is_item(element: ast.expr, name: str) -> bool:
    """``r`` or ``r.strip()`` for the comprehension variable ``r``."""
    if isinstance(element, ast.Call) and isinstance(element.func, ast.Attribute):
        if element.args or element.keywords or element.func.attr != "strip":
            return False
        element = element.func.value
    return isinstance(element, ast.Name) and element.id == name


def _line_of(node: ast.expr, piece: str) -> int:
    """The line a piece of a literal's text is written on (``.strip()`` calls looked
    through; the expression's first line for text that is not one literal)."""
    literal = node
    while (
        isinstance(literal, ast.Call)
        and isinstance(literal.func, ast.Attribute)
        and literal.func.attr in ("strip", "lstrip", "rstrip")
    ):
        literal = literal.func.value
    if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
        at = literal.value.find(piece)
        if at >= 0:
            return literal.lineno + literal.value.count("\n", 0, at)
    return node.lineno


def _called(node: ast.expr, names: tuple[str, ...]) -> bool:
    """A call of one of the builtins ``names`` (by bare name)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _is_setup(func: ast.expr) -> bool:
    """``setup(...)``, ``setuptools.setup(...)``, ``distutils.core.setup(...)``."""
    if isinstance(func, ast.Name):
        return func.id == "setup"
    return isinstance(func, ast.Attribute) and func.attr == "setup"


def _module_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements, with those inside top-level ``if``/``try``/``with``
    blocks (``if sys.version_info < ...: install_requires.append(...)``) in file order."""
    found: list[ast.stmt] = []
    for statement in body:
        found.append(statement)
        if isinstance(statement, ast.If):
            found += _module_statements(statement.body) + _module_statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                found += _module_statements(block)
            for handler in statement.handlers:
                found += _module_statements(handler.body)
        elif isinstance(statement, ast.With):
            found += _module_statements(statement.body)
    return found
