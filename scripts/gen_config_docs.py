"""Regenerate docs/configuration.md from the policy schemas (run after adding a key).

python scripts/gen_config_docs.py          # rewrite the file
python scripts/gen_config_docs.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from chainward.catalog import load_registry
from chainward.core.policy import CHECK_KEYS, TOP_LEVEL
from chainward.core.schema import KeySpec

TARGET = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

HEADER = """# Configuration

chainward reads its policy from `chainward.toml` at the repository root, or from the
`[tool.chainward]` table of `pyproject.toml` (same schema; `chainward.toml` wins, and
`--config FILE` wins over both). `chainward init` writes a commented starter file.

An unknown key, a wrong type or a bad value stops chainward with exit code 2, naming the
file, the key path and what was expected, with a "did you mean" for near misses.

Inline suppression of a line-based finding: `# chainward: ignore[check-id] reason`, on the
line itself or alone on the line above. The reason is required.

This page is generated from the schema by `scripts/gen_config_docs.py`; a test keeps it
in step.
"""


def _default(spec: KeySpec) -> str:
    if spec.kind == "table":
        return "(table)"
    if spec.default is None:
        return "(none)"
    return "`" + json.dumps(spec.default) + "`"


def _rows(keys: Mapping[str, KeySpec], prefix: str) -> list[str]:
    rows = []
    for key, spec in keys.items():
        doc = spec.doc.replace("|", "\\|")
        if spec.choices:
            doc += " One of: " + ", ".join(f"`{c}`" for c in spec.choices) + "."
        rows.append(f"| `{prefix}{key}` | {spec.kind} | {_default(spec)} | {doc} |")
        if spec.keys:
            sub = f"{prefix}{key}[]." if spec.kind == "list[table]" else f"{prefix}{key}."
            rows.extend(_rows(spec.keys, sub))
    return rows


def render() -> str:
    """The whole configuration page."""
    table = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    out = [HEADER, "## Top level", "", *table]
    out += _rows(TOP_LEVEL, "")
    for name, family in load_registry().families.items():
        if not family.policy:
            continue
        out += ["", f"## `[{name}]`", "", family.summary + ".", ""]
        out += [*table, *_rows(family.policy, "")]
    out += ["", "## `[checks.<check-id>]`", "", "Per-check settings, for any check id.", ""]
    out += ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    out += _rows(CHECK_KEYS, "")
    return "\n".join(out) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run python scripts/gen_config_docs.py")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
