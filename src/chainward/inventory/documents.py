"""The first step every document-format parser shares: the parsed document, or an
``unparsable-file`` finding at the error and nothing more.

:func:`document_parser` makes a parser module's ``parse(rel, text) -> ManifestScan``
from a loader of its format (TOML in :mod:`tomldoc`, YAML in :mod:`conda`, JSON in
:mod:`pipfilelock`) and a reader of the parsed document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chainward.inventory.model import ManifestScan

Document = TypeVar("Document")

Parse = Callable[[str, str], ManifestScan]
"""A parser module's ``parse(rel, text)``."""


def document_parser(
    load: Callable[[str, str, ManifestScan], Document | None],
) -> Callable[[Callable[[str, str, Document, ManifestScan], None]], Parse]:
    """A decorator: ``read(rel, text, document, out)`` becomes ``parse(rel, text)``,
    which loads the document with ``load(rel, text, out)`` (None, with a finding in
    ``out``, when it does not parse) and reads it into a new :class:`ManifestScan`."""

    def decorate(read: Callable[[str, str, Document, ManifestScan], None]) -> Parse:
        def parse(rel: str, text: str) -> ManifestScan:
            out = ManifestScan()
            document = load(rel, text, out)
            if document is not None:
                read(rel, text, document, out)
            return out

        # The reader's name and docs, but not its signature (no ``__wrapped__``).
        parse.__name__ = "parse"
        parse.__qualname__ = "parse"
        parse.__module__ = read.__module__
        parse.__doc__ = read.__doc__
        return parse

    return decorate
