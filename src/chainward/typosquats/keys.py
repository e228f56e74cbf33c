"""The keys names are compared by: PEP 503 normalisation, the py/python-affix core, the
sorted words (word reorder) and one- and two-letter deletions."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")
_AFFIX_PREFIX = re.compile(r"^(?:python3|python2|python|py3|py)-")
_AFFIX_SUFFIX = re.compile(r"-(?:python3|python2|python|py3|py)$")


def normalize(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-_.`` collapsed to ``-``."""
    if "_" in name or "." in name or "--" in name:
        return _SEPARATORS.sub("-", name).lower()
    return name.lower()  # the common case, without the regular expression


def affix_core(name: str) -> str | None:
    """The name without a separated py/python/python3 prefix or suffix, or None."""
    if "py" not in name:
        return None  # every affix holds "py": most names are done without a regex
    core = _AFFIX_PREFIX.sub("", name, count=1)
    core = _AFFIX_SUFFIX.sub("", core, count=1)
    if core == name or not core:
        return None
    return core


def word_key(name: str) -> str | None:
    """The hyphen-separated words sorted (word-reorder key), or None for one word."""
    words = name.split("-")
    if len(words) < 2:
        return None
    return "-".join(sorted(words))


def deletions(name: str) -> set[str]:
    """Every string made by deleting one character."""
    return {name[:i] + name[i + 1 :] for i in range(len(name))}


def deletions2(name: str) -> set[str]:
    """Every string made by deleting two characters."""
    singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
    # singles[i] lacks character i; deleting j >= i from it covers each pair once.
    return {s[:j] + s[j + 1 :] for i, s in enumerate(singles) for j in range(i, len(s))}
