"""Which distributions count as AI dependencies: a shipped list, extended by the policy.

The list lives in ``data/ai-packages.txt`` (one canonical name per line, ``family-*``
globs allowed). The policy's ``[tool.chainward.dependencies]`` table can extend it
(``ai-packages``), remove names (``not-ai-packages``) or widen the scope to every
dependency (``scope = "all"``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from packaging.utils import canonicalize_name


def _parse_list(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    exact: set[str] = set()
    globs: list[str] = []
    for raw in text.splitlines():
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if "*" in entry:
            globs.append(entry.lower())
        else:
            exact.add(canonicalize_name(entry))
    return frozenset(exact), tuple(globs)


@lru_cache(maxsize=1)
def shipped_ai_packages() -> tuple[frozenset[str], tuple[str, ...]]:
    """The shipped list: (exact canonical names, family globs)."""
    text = resources.files("chainward.dependencies").joinpath("data/ai-packages.txt")
    return _parse_list(text.read_text("utf-8"))


def _matches(name: str, exact: Iterable[str], globs: Iterable[str]) -> bool:
    return name in exact or any(fnmatch.fnmatchcase(name, g) for g in globs)


def is_ai_package(name: str, policy: Mapping[str, Any] | None = None) -> bool:
    """Whether ``name`` is in scope of the AI-dependency checks.

    ``policy`` is the validated ``[tool.chainward.dependencies]`` table (or None for
    the defaults): ``scope = "all"`` puts every name in scope; ``ai-packages`` adds
    names or ``family-*`` globs; ``not-ai-packages`` removes them (it wins).
    """
    canonical = canonicalize_name(name)
    if not canonical:
        return False
    table = policy or {}
    removed = [str(n) for n in table.get("not-ai-packages", ())]
    removed_exact = {canonicalize_name(n) for n in removed if "*" not in n}
    removed_globs = [n.lower() for n in removed if "*" in n]
    if _matches(canonical, removed_exact, removed_globs):
        return False
    if table.get("scope", "ai") == "all":
        return True
    exact, globs = shipped_ai_packages()
    if _matches(canonical, exact, globs):
        return True
    added = [str(n) for n in table.get("ai-packages", ())]
    added_exact = {canonicalize_name(n) for n in added if "*" not in n}
    added_globs = [n.lower() for n in added if "*" in n]
    return _matches(canonical, added_exact, added_globs)
