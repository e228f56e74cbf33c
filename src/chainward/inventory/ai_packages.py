"""Which distributions count as AI dependencies: a shipped list, extended by the policy.

The list lives in ``data/ai-packages.txt`` (one canonical name per line, ``family-*``
globs allowed). The policy's ``[tool.chainward.dependencies]`` table can extend it
(``ai-packages``), remove names (``not-ai-packages``) or widen the scope to every
dependency (``scope = "all"``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

# packaging.utils (7 ms: it imports packaging.tags, logging, platform) loads only when a
# name is canonicalised: a commit that stages no dependency never needs it.


def _parse_list(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    from packaging.utils import canonicalize_name

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
    from importlib import resources

    text = resources.files("chainward.inventory").joinpath("data/ai-packages.txt")
    return _parse_list(text.read_text("utf-8"))


class _NameSet:
    """Exact canonical names plus ``family-*`` globs, compiled into one regular expression."""

    def __init__(self, entries: Iterable[str]) -> None:
        from packaging.utils import canonicalize_name

        items = [str(e) for e in entries]
        self.exact = frozenset(canonicalize_name(e) for e in items if "*" not in e)
        globs = [e.lower() for e in items if "*" in e]
        self.pattern = re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None

    def __contains__(self, name: object) -> bool:
        return name in self.exact or (
            self.pattern is not None and isinstance(name, str) and bool(self.pattern.match(name))
        )


@lru_cache(maxsize=32)
def _scope(
    scope: str, added: tuple[str, ...], removed: tuple[str, ...]
) -> tuple[bool, _NameSet, _NameSet, _NameSet]:
    exact, globs = shipped_ai_packages()
    return scope == "all", _NameSet([*exact, *globs]), _NameSet(added), _NameSet(removed)


@lru_cache(maxsize=4096)
def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def is_ai_package(name: str, policy: Mapping[str, Any] | None = None) -> bool:
    """Whether ``name`` is in scope of the AI-dependency checks.

    ``policy`` is the validated ``[tool.chainward.dependencies]`` table (or None for
    the defaults): ``scope = "all"`` puts every name in scope; ``ai-packages`` adds
    names or ``family-*`` globs; ``not-ai-packages`` removes them (it wins).
    """
    canonical = _canonical(name)
    if not canonical:
        return False
    table = policy or {}
    everything, shipped, added, removed = _scope(
        str(table.get("scope", "ai")),
        tuple(str(n) for n in table.get("ai-packages", ())),
        tuple(str(n) for n in table.get("not-ai-packages", ())),
    )
    if canonical in removed:
        return False
    return everything or canonical in shipped or canonical in added
