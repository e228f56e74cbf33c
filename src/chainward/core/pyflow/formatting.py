"""String formatting over possible values: ``"%s/x" % org`` and ``"{}/x".format(org)``
with every argument one of a few known strings. Pure functions on lists of strings (the
data flow of :mod:`.values` gives the options and merges the results); None when a
placeholder is not a plain one or the outcomes exceed ``limit``."""

from __future__ import annotations

import string


def percent(formats: list[str], parts: list[list[str]], limit: int) -> list[str] | None:
    """The strings ``template % tuple(parts)`` can give: plain ``%s`` placeholders only."""
    out: list[str] = []
    for text in formats:
        pieces = text.replace("%%", "\0").split("%s")
        if "%" in "".join(pieces) or len(pieces) != len(parts) + 1:
            return None
        texts = [pieces[0]]
        for choices, piece in zip(parts, pieces[1:], strict=True):
            texts = [t + o + piece for t in texts for o in choices]
            if len(texts) > limit:
                return None
        out += [t.replace("\0", "%") for t in texts]
    return out


def format_fields(
    formats: list[str],
    positional: list[list[str] | None],
    named: dict[str, list[str] | None],
    limit: int,
) -> list[str] | None:
    """The strings ``template.format(*positional, **named)`` can give: plain ``{}``,
    ``{0}`` and ``{name}`` fields only (no attribute, index, conversion or spec)."""
    out: list[str] = []
    for template in formats:
        texts = [""]
        auto = 0
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return None
        for literal, written, spec, conversion in fields:
            texts = [t + literal for t in texts]
            if written is None:
                continue
            if spec or conversion:
                return None
            name = written or str(auto)
            auto += not written
            options = (
                positional[int(name)]
                if name.isdigit() and int(name) < len(positional)
                else named.get(name)
            )
            if options is None or len(texts) * len(options) > limit:
                return None
            texts = [t + o for t in texts for o in options]
        out += texts
    return out
