"""The shipped text lists of ``data/`` (or a refreshed copy): where they are read from
and how each is parsed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chainward.typosquats.keys import normalize

DATA_FILES = (
    "top-pypi.txt",
    "aliases.txt",
    "hallucinated.txt",
    "brands.txt",
    "hf-orgs.txt",
    "images.txt",
)


@dataclass(frozen=True, slots=True)
class Alias:
    """An alias (a name people type) for a canonical project."""

    alias: str
    canonical: str


@dataclass
class RawData:
    """The shipped lists, parsed from text."""

    names: list[str]
    ranks: list[int]
    aliases: list[Alias]
    hallucinated: dict[str, str]
    brands: list[str]
    hf_orgs: list[str]
    images: list[str]
    sources: dict[str, object] = field(default_factory=dict)


DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_ENV = "CHAINWARD_TYPOSQUAT_DATA"
"""A folder with refreshed lists (``chainward data refresh --data-dir``) used instead."""


def data_dir() -> Path:
    """The folder the lists and the index are read from."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else DATA_DIR


def data_bytes(name: str) -> bytes:
    """A data file (from the data folder; importlib.resources if the package is zipped)."""
    folder = data_dir()
    try:
        return (folder / name).read_bytes()
    except OSError:
        if folder != DATA_DIR:
            raise
        from importlib import resources

        item = resources.files("chainward.typosquats").joinpath("data").joinpath(name)
        return bytes(item.read_bytes())


def data_text(name: str) -> str:
    """A data file as text (UTF-8)."""
    return data_bytes(name).decode("utf-8")


def data_lines(text: str) -> Iterator[str]:
    """The lines of a list that are neither blank nor ``#`` comments, stripped."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield stripped


def parse_top(text: str) -> tuple[list[str], list[int]]:
    """Parse ``rank<TAB>name`` lines (or bare names, ranked by order)."""
    names: list[str] = []
    ranks: list[int] = []
    seen: set[str] = set()
    for number, line in enumerate(data_lines(text), start=1):
        rank_text, tab, name = line.partition("\t")
        if not tab:
            rank_text, name = str(number), line
        if rank_text.lower() == "rank":
            continue
        canonical = normalize(name.strip())
        if not canonical or canonical in seen:
            continue
        seen.add(canonical)
        names.append(canonical)
        ranks.append(int(rank_text))
    order = sorted(range(len(names)), key=lambda i: ranks[i])
    return [names[i] for i in order], [ranks[i] for i in order]


def parse_aliases(text: str) -> list[Alias]:
    """``alias<TAB>canonical`` lines, normalised (an alias of itself is left out)."""
    aliases = []
    for line in data_lines(text):
        alias, _, canonical = line.partition("\t")
        a, c = normalize(alias), normalize(canonical.strip())
        if a and c and a != c:
            aliases.append(Alias(a, c))
    return aliases


def parse_hallucinated(text: str) -> dict[str, str]:
    """``name<TAB>the real thing<TAB>...`` lines: invented name -> what to install."""
    hallucinated = {}
    for line in data_lines(text):
        name, _, rest = line.partition("\t")
        hallucinated[normalize(name)] = rest.split("\t", 1)[0]
    return hallucinated


def load_raw() -> RawData:
    """Parse every shipped list from ``data/`` (slow path; used to build the index)."""
    names, ranks = parse_top(data_text("top-pypi.txt"))
    return RawData(
        names=names,
        ranks=ranks,
        aliases=parse_aliases(data_text("aliases.txt")),
        hallucinated=parse_hallucinated(data_text("hallucinated.txt")),
        brands=[normalize(b) for b in data_lines(data_text("brands.txt"))],
        hf_orgs=list(data_lines(data_text("hf-orgs.txt"))),
        images=list(data_lines(data_text("images.txt"))),
    )
