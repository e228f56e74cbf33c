"""TOML manifests' shared first step: the parsed document, or a finding at the error."""

from __future__ import annotations

from typing import Any

from chainward.core.tomlread import TOMLDecodeError, loads_toml
from chainward.inventory.documents import document_parser
from chainward.inventory.model import ManifestScan


def toml_error_position(
    exc: TOMLDecodeError, document: str = ""
) -> tuple[str, int | None, int | None]:
    """(message, line, column) of a TOML error (tomllib puts them in the text)."""
    text = str(exc)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if line is None and "(at line " in text:
        tail = text.rsplit("(at line ", 1)[1].rstrip(")")
        number, _, col = tail.partition(", column ")
        if number.isdigit():
            line = int(number)
        if col.isdigit():
            column = int(col)
    if line is None and "end of document" in text and document:
        # An unclosed array or string: the document ends inside it.
        line = len(document.splitlines()) or 1
    return text.split(" (at line ", maxsplit=1)[0], line, column


def load_toml_document(rel: str, text: str, out: ManifestScan) -> dict[str, Any] | None:
    """The parsed TOML, or None with an ``unparsable-file`` finding at the error's line."""
    try:
        return loads_toml(text)
    except TOMLDecodeError as exc:
        message, line, column = toml_error_position(exc, text)
        out.unparsable(rel, f"invalid TOML: {message}", line, column)
        return None


toml_parser = document_parser(load_toml_document)
"""``@toml_parser`` on ``parse(rel, text, document, out)``: a TOML manifest's parser."""
