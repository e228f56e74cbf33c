"""``Pipfile.lock`` (JSON): every category's packages and ``_meta.sources``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chainward.core.jsonsafe import loads_json
from chainward.inventory.documents import document_parser
from chainward.inventory.locks import locked_dependency
from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_pipfilelock_path
from chainward.inventory.pep508 import exact_version
from chainward.inventory.positions import LineFinder


def matches(rel: str) -> bool:
    """``Pipfile.lock`` in any folder."""
    return is_pipfilelock_path(rel)


def _load_object(rel: str, text: str, out: ManifestScan) -> Mapping[str, Any] | None:
    """The JSON object, or None with a finding (invalid JSON, or not an object)."""
    try:
        document = loads_json(text)
    except json.JSONDecodeError as exc:
        out.unparsable(rel, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
        return None
    if not isinstance(document, Mapping):
        out.unparsable(rel, "expected a JSON object")
        return None
    return document


@document_parser(_load_object)
def parse(rel: str, text: str, document: Mapping[str, Any], out: ManifestScan) -> None:
    """Inventory a ``Pipfile.lock`` (JSON)."""
    finder = LineFinder(text)
    for category, table in document.items():
        if category == "_meta" or not isinstance(table, Mapping):
            continue
        after = finder.key(category)
        for name, entry in table.items():
            if not isinstance(entry, Mapping):
                continue
            line = finder.key(name, after)
            raw_hashes = entry.get("hashes")
            listed = raw_hashes if isinstance(raw_hashes, list) else []
            hashes = [h for h in listed if isinstance(h, str)]
            marker = entry.get("markers") if isinstance(entry.get("markers"), str) else None
            if isinstance(entry.get("git"), str):
                ref = entry.get("ref")
                url = f"git+{entry['git']}" + (f"@{ref}" if isinstance(ref, str) and ref else "")
                out.dependencies.append(
                    locked_dependency(
                        rel,
                        line,
                        name,
                        None,
                        hashes,
                        "pipfile.lock",
                        source="vcs",
                        url=url,
                        marker=marker,
                    )
                )
                continue
            if "path" in entry or "file" in entry:
                continue
            spec = entry.get("version")
            version = exact_version(spec) if isinstance(spec, str) else None
            out.dependencies.append(
                locked_dependency(rel, line, name, version, hashes, "pipfile.lock", marker=marker)
            )
    meta = document.get("_meta")
    sources = meta.get("sources") if isinstance(meta, Mapping) else None
    if isinstance(sources, list):
        for index, source in enumerate(sources):
            if isinstance(source, Mapping) and isinstance(source.get("url"), str):
                option = "index-url" if index == 0 else "extra-index-url"
                out.options.append(
                    InstallOption(rel, finder.string(source["url"]), option, source["url"])
                )
