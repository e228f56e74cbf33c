"""The rules of two published typosquat checks, on the same data as chainward.

Issue 5 asks chainward to beat GuardDog's and PyPI's own checks on recall, false
positives and speed. This script re-implements the *rules* of both (written here from
their published descriptions and source, not copied) and runs them, and chainward, on
``tests/data/typosquats/``:

- **GuardDog** (DataDog/guarddog, ``guarddog/analyzer/metadata/typosquatting.py``): a
  name is a typosquat of a popular project when it is one edit away (Levenshtein
  distance 1, or two adjacent letters swapped) from the project's name, from a "confused
  form" of it (a hyphen-separated word holding ``python`` spelled ``py``, or ``py``
  spelled ``python``, or that word dropped), or from any reordering of its words. Every
  popular name is compared with the name (a scan of the list per name).
- **TypoSnyper** (pypi/warehouse, ``warehouse/packaging/typosnyper.py``): a name is a
  typo of a popular project when removing a doubled letter, inserting one letter (names
  of 4+ letters), swapping two adjacent letters, reordering 2 to 8 hyphen-separated
  words, or replacing one letter by a keyboard neighbour or look-alike gives it.
  (Warehouse ships its own neighbour table; chainward's keyboard and look-alike tables
  stand in for it here, so this is an approximation of that one rule.)

Both get the same popular list as chainward: the top 15,000 for the positives, the top
5,000 (``--trusted-top``) for the hard negatives. The time per name is that of the rule
as published (GuardDog scans the whole list per name: timed on a sample), after loading.

Run: ``python benchmarks/typosquat_baselines.py [--sample N]``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Iterable
from itertools import permutations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "typosquats"
sys.path.insert(0, str(ROOT / "src"))

from chainward.typosquats.detect import Detector  # noqa: E402 - after the path set-up
from chainward.typosquats.edits import short_distance  # noqa: E402
from chainward.typosquats.index import normalize  # noqa: E402
from chainward.typosquats.lookalikes import KEYBOARD, VISUAL_PAIRS  # noqa: E402


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def popular_names(limit: int) -> list[str]:
    rows = [line.split("\t") for line in (DATA / "top15000.txt").read_text().splitlines()]
    return [normalize(name) for rank, name in rows if rank.isdigit() and int(rank) <= limit]


# -- GuardDog's rules -------------------------------------------------------------------


def confused_forms(name: str) -> list[str]:
    """py/python spelled the other way in one word, or that word dropped."""
    words = name.split("-")
    forms = []
    for i, word in enumerate(words):
        if "python" in word:
            swapped = word.replace("python", "py")
        elif "py" in word:
            swapped = word.replace("py", "python")
        else:
            continue
        forms.append("-".join([*words[:i], swapped, *words[i + 1 :]]))
        forms.append("-".join(words[:i] + words[i + 1 :]))
    return forms


def word_orders(name: str) -> list[str]:
    if "-" not in name:
        return []
    return ["-".join(p) for p in permutations(name.split("-"))]


def one_edit(a: str, b: str) -> bool:
    """Levenshtein distance at most 1, or two adjacent letters swapped (as GuardDog)."""
    return short_distance(a.encode(), b.encode()) <= 1


def one_edit_as_guarddog(a: str, b: str) -> bool:
    """The same test the way GuardDog computes it (deleting each letter in turn, then
    swapping each pair), for its time per name."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)
        return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
    if any(a[:i] + a[i + 1 :] == b[:i] + b[i + 1 :] for i in range(len(a))):
        return True
    return any(a[:i] + a[i + 1] + a[i] + a[i + 2 :] == b for i in range(len(a) - 1))


class GuardDog:
    """GuardDog's rules, with the popular names' alternative forms computed once.

    ``check`` is indexed (one-letter deletions in a dict, then the same one-edit test),
    so the recall and false positives of the whole data set take seconds; ``scan`` is
    the rule as GuardDog runs it (every popular name and its forms, made afresh, per
    name, with its own way of testing one edit) for the time per name; both give the
    same answer.
    """

    def __init__(self, popular: Iterable[str]) -> None:
        self.popular = list(popular)
        self.known = set(self.popular)
        self.forms = {p: [p, *confused_forms(p), *word_orders(p)] for p in self.popular}
        self.keys: dict[str, set[str]] = {}
        for project, forms in self.forms.items():
            for form in forms:
                for key in (form, *(form[:i] + form[i + 1 :] for i in range(len(form)))):
                    self.keys.setdefault(key, set()).add(project)

    def check(self, raw: str) -> str | None:
        name = normalize(raw)
        if name in self.known:
            return None
        found: set[str] = set()
        for key in (name, *(name[:i] + name[i + 1 :] for i in range(len(name)))):
            found |= self.keys.get(key, set())
        for project in sorted(found):
            if any(one_edit(name, form) for form in self.forms[project]):
                return project
        return None

    def scan(self, raw: str) -> str | None:
        name = normalize(raw)
        if name in self.known:
            return None
        for project in self.popular:  # forms made afresh for each name, as GuardDog does
            forms = [project, *confused_forms(project), *word_orders(project)]
            if any(one_edit_as_guarddog(name, form) for form in forms):
                return project
        return None


# -- TypoSnyper's rules -----------------------------------------------------------------

_ALLOWED = "abcdefghijklmnopqrstuvwxyz1234567890.-_"


def _neighbours() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {c: sorted(near) for c, near in KEYBOARD.items()}
    for pair in VISUAL_PAIRS:
        a, b = sorted(pair)
        table.setdefault(a, []).append(b)
        table.setdefault(b, []).append(a)
    table.setdefault("m", []).append("rn")
    table.setdefault("w", []).append("vv")
    table["-"] = [*table.get("-", []), "_", ".", ""]
    return table


class TypoSnyper:
    def __init__(self, popular: Iterable[str]) -> None:
        self.known = set(popular)
        self.neighbours = _neighbours()

    def check(self, raw: str) -> str | None:
        name = normalize(raw)
        if name in self.known:
            return None
        checks: tuple[Callable[[str], str | None], ...] = (
            self._repeated,
            self._omitted,
            self._swapped,
            self._words,
            self._typos,
        )
        for rule in checks:
            found = rule(name)
            if found is not None:
                return found
        return None

    def _hit(self, candidates: Iterable[str]) -> str | None:
        return next((c for c in candidates if c in self.known), None)

    def _repeated(self, name: str) -> str | None:
        return self._hit(
            name[:i] + name[i + 1 :] for i in range(len(name) - 1) if name[i] == name[i + 1]
        )

    def _omitted(self, name: str) -> str | None:
        if len(name) < 4:
            return None
        return self._hit(name[:i] + c + name[i:] for i in range(len(name) + 1) for c in _ALLOWED)

    def _swapped(self, name: str) -> str | None:
        return self._hit(
            name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(len(name) - 1)
        )

    def _words(self, name: str) -> str | None:
        words = name.split("-")
        if not 2 <= len(words) <= 8:
            return None
        return self._hit("-".join(p) for p in permutations(words))

    def _typos(self, name: str) -> str | None:
        return self._hit(
            name[:i] + t + name[i + 1 :]
            for i, c in enumerate(name)
            for t in self.neighbours.get(c, ())
        )


# -- the comparison ---------------------------------------------------------------------


def per_name_ms(check: Callable[[str], object], names: list[str]) -> float:
    started = time.process_time()
    for name in names:
        check(name)
    return (time.process_time() - started) * 1000 / len(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusted-top", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=40, help="names timed by the scan")
    args = parser.parse_args()

    positives = [r for r in read_rows(DATA / "dev_positives.tsv") if r["ecosystem"] == "pypi"]
    negatives = read_rows(DATA / "dev_hard_negatives.tsv")
    pos_names = [r["name"] for r in positives]
    neg_names = [r["name"] for r in negatives]
    combos = [r["name"] for r in positives if r["technique"] == "combosquat"]
    double = [r["name"] for r in positives if r["technique"] == "edit-distance-2"]

    started = time.process_time()
    guarddog, guarddog_limited = (
        GuardDog(popular_names(15000)),
        GuardDog(popular_names(args.trusted_top)),
    )
    snyper = TypoSnyper(popular_names(15000))
    snyper_limited = TypoSnyper(popular_names(args.trusted_top))
    print(f"# baselines loaded in {time.process_time() - started:.1f} s")
    full, limited = Detector(), Detector(trusted_top=args.trusted_top)
    sample = pos_names[: args.sample]
    rows: list[tuple[str, Callable[[str], bool], Callable[[str], bool], float]] = [
        (
            "chainward",
            lambda n: full.check(n).flagged,
            lambda n: limited.check(n).flagged,
            per_name_ms(full.check, pos_names),
        ),
        (
            "GuardDog",
            lambda n: guarddog.check(n) is not None,
            lambda n: guarddog_limited.check(n) is not None,
            per_name_ms(guarddog.scan, sample),
        ),
        (
            "TypoSnyper",
            lambda n: snyper.check(n) is not None,
            lambda n: snyper_limited.check(n) is not None,
            per_name_ms(snyper.check, pos_names),
        ),
    ]

    def share(check: Callable[[str], bool], names: list[str]) -> float:
        return sum(check(n) for n in names) / len(names)

    print(
        f"{'':<11} {'recall':>7} {'combosquat':>10} {'distance 2':>10} "
        f"{'hard negatives flagged':>23} {'ms per name':>12}"
    )
    for label, on_full, on_limited, timed in rows:
        print(
            f"{label:<11} {share(on_full, pos_names):>7.3f} {share(on_full, combos):>10.3f} "
            f"{share(on_full, double):>10.3f} {share(on_limited, neg_names):>23.1%} "
            f"{timed:>12.3f}"
        )
    print(
        f"(positives: {len(pos_names)} PyPI rows against the top 15,000; hard negatives: "
        f"{len(neg_names)} against the top {args.trusted_top:,}; GuardDog's time is its scan "
        f"of the list on {len(sample)} names)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
