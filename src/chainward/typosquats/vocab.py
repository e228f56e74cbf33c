"""The vocabulary of popular package names: how often each word is used in them.

A model of legitimate names for the combosquat technique. Squatters glue a popular
name to words that make it look like an official variant or helper (``-client``,
``-sdk``, ``-utils``, ``-async``, ``-test``); those are the words that real popular
names use again and again. A plugin or an integration adds a word that names
something specific (``requests-toolbelt``, ``numpy-stl``), which few popular names
share. So the table is learned from the popular list itself, not hand-picked: for
every hyphen-separated word of the top names, the number of names that use it
(its document frequency).

``data/vocabulary.txt`` is built from ``data/top-pypi.txt`` by
``python -m chainward.typosquats.vocab --build`` (``--check`` tells whether it is
current; a test runs the check).

The filler words of combosquats (``requests-latest``, ``aiohttp-proxy2``,
``install-pyyaml``) are learned too, in ``data/filler-words.txt``, from two sources:

- **composition** of the popular list: a word that many popular names carry as a whole
  hyphen-separated word after another popular name (``stripe`` → ``stripe-client``
  is not there, but ``kafka-python``/``docker-client``... are) marks an "official
  variant" look; for each word, the number of popular names ``P`` such that ``P-word``
  (or ``word-P``) is popular as well (its *hosts*);
- **attacker vocabulary**: the words that published look-alikes add to the popular name
  they contain (``tests/data/typosquats/dev_positives.tsv``), counted once per target.

Which of them count as fillers (how many hosts a word needs) is chosen by
``benchmarks/typosquat_cv.py``, which learns the attacker words on the training folds
only; the shipped file holds the counts learned from every row.

A second, **expert** source sits next to the learned words: ``data/squat-words.txt``,
curated by hand from public reports of how attackers name packages (words that make a
fake look like an update, an official build or a helper: ``latest``, ``official``,
``installer``, ``stealer``...). It is not fitted to the development data and not
chosen by cross-validation, so it may overlap the development set; the detector uses
the union of both sources, and ``typosquat_cv.py`` reports learned-only and
learned+expert figures separately.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from chainward.typosquats.datafiles import data_lines, data_text, parse_top
from chainward.typosquats.keys import normalize

VOCABULARY_FILE = "vocabulary.txt"
MIN_NAMES = 3
"""Words used by fewer names are left out of the file (they count as specific)."""


def word_counts(names: Iterable[str]) -> Counter[str]:
    """How many of ``names`` use each hyphen-separated word (once per name)."""
    counts: Counter[str] = Counter()
    for name in names:
        counts.update(set(name.split("-")))
    return counts


FILLER_FILE = "filler-words.txt"
ATTACK_ROWS = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "typosquats" / "dev_positives.tsv"
)
"""The look-alikes the attacker words are learned from (a development checkout only)."""
AFFIX_WORDS = frozenset({"py", "py2", "py3", "python", "python2", "python3"})
"""Affixes of their own technique (py-affix), never fillers."""


def affix_hosts(names: Iterable[str]) -> Counter[str]:
    """For each word, how many popular names (3+ letters) it is attached to, as a whole
    hyphen-separated word after or before them, in another popular name
    (``docker`` + ``client`` → ``docker-client``)."""
    popular = set(names)
    hosts: dict[str, set[str]] = {}
    for name in popular:
        words = name.split("-")
        if len(words) < 2:
            continue
        for head, tail in (("-".join(words[:-1]), words[-1]), ("-".join(words[1:]), words[0])):
            if len(head) >= 3 and head in popular and tail:
                hosts.setdefault(tail, set()).add(head)
    return Counter({w: len(h) for w, h in hosts.items()})


def stem(word: str) -> str:
    """A word without trailing digits (``proxy2`` → ``proxy``; all digits stay)."""
    return word.rstrip("0123456789") or word


def lemma(word: str) -> str:
    """A crude base form, so that one use of a word covers its inflections: trailing
    digits dropped, then ``-ies`` → ``-y``, ``-es``/``-s``/``-ed``/``-d``/``-er``/``-ing``
    dropped where at least three letters remain (``proxies`` → ``proxy``, ``updated`` and
    ``updater`` → ``updat``, ``update`` → ``updat``)."""
    word = stem(word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for ending in ("ing", "ed", "er", "es", "e", "s", "d"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def attack_words(rows: Iterable[tuple[str, str]], popular: Iterable[str]) -> Counter[str]:
    """For each word that look-alikes add to the popular name they contain as whole
    words (``requests-latest`` → ``latest``), how many targets it was used against.

    Words that are popular names themselves (two names glued together is its own rule),
    py affixes, numbers and single letters are left out; trailing digits are dropped.
    """
    known = set(popular)
    users: dict[str, set[str]] = {}
    for name, target in rows:
        words, twords = name.split("-"), target.split("-")
        size = len(twords)
        starts = [i for i in range(len(words) - size + 1) if words[i : i + size] == twords]
        if not starts or len(words) == size:
            continue
        start = starts[0]
        for extra in _outside_popular(words[:start], known) + _outside_popular(
            words[start + size :], known
        ):
            base = stem(extra)
            if len(base) < 2 or base.isdigit() or base in AFFIX_WORDS or base in known:
                continue
            users.setdefault(base, set()).add(target)
    return Counter({w: len(t) for w, t in users.items()})


def _outside_popular(words: list[str], popular: set[str]) -> list[str]:
    """The words not inside a run of two or more that is a popular name (``scikit-learn``
    glued to ``matplotlib`` adds no attacker word)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        end = next(
            (e for e in range(len(words), i + 1, -1) if "-".join(words[i:e]) in popular), None
        )
        if end is None:
            out.append(words[i])
            i += 1
        else:
            i = end
    return out


def read_attack_rows(path: Path) -> list[tuple[str, str]]:
    """(name, target) of the PyPI rows of an evaluation TSV file."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (r["name"], r["target"])
            for r in csv.DictReader(handle, delimiter="\t")
            if r.get("ecosystem", "pypi") == "pypi"
        ]


def render_fillers(hosts: Counter[str], attack: Counter[str]) -> str:
    """The filler file: word, hosts, attack targets (words with at least one of either
    that are not py affixes)."""
    words = sorted(
        (w for w in {*hosts, *attack} if w and w not in AFFIX_WORDS),
        key=lambda w: (-hosts.get(w, 0), -attack.get(w, 0), w),
    )
    header = (
        "# Candidate filler words of combosquats and their evidence (word<TAB>hosts<TAB>\n"
        "# attacks): hosts = popular names P with P-word or word-P popular too (from\n"
        "# data/top-pypi.txt); attacks = targets that published look-alikes added the word\n"
        "# to (tests/data/typosquats/dev_positives.tsv). Generated by\n"
        "# python -m chainward.typosquats.vocab --build: do not edit.\n"
    )
    return header + "".join(f"{w}\t{hosts.get(w, 0)}\t{attack.get(w, 0)}\n" for w in words)


def parse_fillers(text: str) -> dict[str, tuple[int, int]]:
    """word -> (hosts, attacks) of a filler file."""
    out: dict[str, tuple[int, int]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        word, hosts, attacks = line.split("\t")
        out[word] = (int(hosts), int(attacks))
    return out


def fillers_from(evidence: Mapping[str, tuple[int, int]], min_hosts: int) -> frozenset[str]:
    """The filler words: used by an attacker, or attached to ``min_hosts`` popular names."""
    return frozenset(w for w, (h, a) in evidence.items() if a > 0 or h >= min_hosts)


EXPERT_FILE = "squat-words.txt"
"""The hand-curated attacker vocabulary (always read from the package: not refreshed)."""


def load_expert_words() -> frozenset[str]:
    """The expert filler words (PEP 503 normalised; a line holds one class of words)."""
    text = (Path(__file__).parent / "data" / EXPERT_FILE).read_text(encoding="utf-8")
    return frozenset(normalize(word) for line in data_lines(text) for word in line.split())


def load_filler_evidence() -> dict[str, tuple[int, int]]:
    """The shipped filler evidence."""
    return parse_fillers(data_text(FILLER_FILE))


def build_fillers_text(rows_path: Path = ATTACK_ROWS) -> str:
    """The filler file for the shipped popular list and the development look-alikes."""
    names, _ = parse_top(data_text("top-pypi.txt"))
    return render_fillers(affix_hosts(names), attack_words(read_attack_rows(rows_path), names))


def refreshed_fillers_text() -> str:
    """The filler file for the current popular list (``chainward data refresh``): the
    hosts counted again, the attacker words of the shipped file kept."""
    names, _ = parse_top(data_text("top-pypi.txt"))
    try:
        evidence = load_filler_evidence()
    except FileNotFoundError:  # a new data folder: the attacker words that ship
        shipped = Path(__file__).parent / "data" / FILLER_FILE
        evidence = parse_fillers(shipped.read_text(encoding="utf-8"))
    attack = Counter({w: a for w, (_, a) in evidence.items() if a > 0})
    return render_fillers(affix_hosts(names), attack)


def render(counts: Counter[str]) -> str:
    """The vocabulary file for these counts (most used first, then by word)."""
    kept = sorted(
        ((w, n) for w, n in counts.items() if n >= MIN_NAMES and w), key=lambda kv: (-kv[1], kv[0])
    )
    header = (
        "# Words of the popular package names (data/top-pypi.txt) and how many names use\n"
        "# each (word<TAB>names, words used by 3 or more). Generated by\n"
        "# python -m chainward.typosquats.vocab --build: do not edit.\n"
    )
    return header + "".join(f"{w}\t{n}\n" for w, n in kept)


def parse(text: str) -> dict[str, int]:
    """The word counts of a vocabulary file."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        word, _, count = line.partition("\t")
        out[word] = int(count)
    return out


def load_vocabulary() -> dict[str, int]:
    """The shipped word counts."""
    return parse(data_text(VOCABULARY_FILE))


def build_text() -> str:
    """The vocabulary file for the shipped popular list."""
    names, _ = parse_top(data_text("top-pypi.txt"))
    return render(word_counts(names))


def main(argv: list[str] | None = None) -> int:
    """``python -m chainward.typosquats.vocab --build|--check``."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(__file__).parent / "data" / VOCABULARY_FILE
    fillers = Path(__file__).parent / "data" / FILLER_FILE
    if args == ["--build"]:
        from chainward.core.atomic import write_atomic

        write_atomic(path, build_text())
        write_atomic(fillers, build_fillers_text())
        return 0
    if args == ["--check"]:
        stale = path.read_text(encoding="utf-8") != build_text()
        if ATTACK_ROWS.is_file():  # a development checkout
            stale |= fillers.read_text(encoding="utf-8") != build_fillers_text()
        if stale:
            print("vocabulary is stale: run python -m chainward.typosquats.vocab --build")
            return 1
        return 0
    print("usage: python -m chainward.typosquats.vocab --build|--check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
