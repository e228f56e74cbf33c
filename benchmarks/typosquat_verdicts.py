"""Dump every typosquat verdict on the evaluation sets, to prove a speed-up changed none.

Run before and after a change and compare the two files (``diff`` or ``cmp``)::

    python benchmarks/typosquat_verdicts.py > /tmp/before.tsv
    ... change the detector ...
    python benchmarks/typosquat_verdicts.py > /tmp/after.tsv
    cmp /tmp/before.tsv /tmp/after.tsv

Each line is ``set, name, flagged, normalized, target, rank, technique, score, detail``
for:

- ``dev_positives.tsv`` and ``dev_hard_negatives.tsv`` with the default trusted list and
  with ``trusted_top=5000``;
- ``top15000.txt`` and ``real_dependencies.txt`` (default list);
- the top-list names ranked 5,001-15,000 with ``trusted_top=5000``, with and without the
  popularity prior (as ``typosquat_eval.py`` checks them);
- generated look-alikes of popular names (one and two random edits, affixes, fillers,
  version suffixes, reordered words; a fixed seed), with both trusted lists: inputs no
  rule was written for, reaching the code paths the evaluation files may miss;
- the JSON output of ``chainward typosquats --names-file dev_positives.tsv --format json``.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "typosquats"
sys.path.insert(0, str(ROOT / "src"))

from chainward.typosquats.detect import Detector  # noqa: E402 - after the path is set


def read_tsv_names(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 1)[0] for line in lines if line.strip()]


def read_plain_names(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def top_names() -> list[str]:
    lines = (DATA / "top15000.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[-1].strip() for line in lines]


_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"
_WORDS = ("py", "python", "lib", "sdk", "api", "cli", "client", "tools", "utils", "core")
_WORDS += ("update", "latest", "dev", "test", "async", "2", "v2", "3", "2024", "pro", "ai")


def _mutate(rng: random.Random, name: str) -> str:
    """One random edit of ``name`` (omission, insertion, substitution, swap, repeat)."""
    if not name:
        return name
    i = rng.randrange(len(name))
    kind = rng.randrange(5)
    if kind == 0 and len(name) > 1:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + rng.choice(_LETTERS) + name[i:]
    if kind == 2:
        return name[:i] + rng.choice(_LETTERS) + name[i + 1 :]
    if kind == 3 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]


def generated_names(seed: int = 20, count: int = 30000) -> list[str]:
    """Look-alikes of popular names, made by rules no detector rule was tuned on."""
    rng = random.Random(seed)
    top = top_names()
    weights = [1.0 / (rank + 10) for rank in range(len(top))]
    out: list[str] = []
    for _ in range(count):
        name = rng.choices(top, weights)[0]
        how = rng.randrange(8)
        if how <= 2:
            name = _mutate(rng, name)
        elif how == 3:
            name = _mutate(rng, _mutate(rng, name))
        elif how == 4:
            word = rng.choice(_WORDS)
            name = f"{word}-{name}" if rng.random() < 0.5 else f"{name}-{word}"
        elif how == 5:
            name = rng.choice(_WORDS) + name if rng.random() < 0.5 else name + rng.choice(_WORDS)
        elif how == 6:
            words = name.split("-")
            rng.shuffle(words)
            name = "-".join(words) if len(words) > 1 else name + "-" + rng.choice(top[:2000])
        else:
            name = name.replace("l", "1", 1).replace("o", "0", 1) if rng.random() < 0.5 else name
            name = name.replace("-", rng.choice(("_", ".", "", "--")))
        name = name.strip("-") or "x"
        out.append(name)
    return out


def verdict_lines(label: str, found: Detector, names: Iterable[str]) -> Iterator[str]:
    for name in names:
        v = found.check(name)
        fields = (label, name, int(v.flagged), v.normalized, v.target, v.target_rank)
        yield "\t".join(map(str, (*fields, v.technique, repr(v.score), v.detail)))


def cli_json(path: Path, *options: str) -> str:
    """The JSON of ``chainward typosquats --names-file`` (a fresh process, as users run it)."""
    out = subprocess.run(
        (
            sys.executable,
            "-m",
            "chainward",
            "typosquats",
            "--names-file",
            str(path),
            "--format",
            "json",
            *options,
        ),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return json.dumps(json.loads(out), sort_keys=True, indent=0)


def main() -> int:
    positives = read_tsv_names(DATA / "dev_positives.tsv")
    negatives = read_tsv_names(DATA / "dev_hard_negatives.tsv")
    real = read_plain_names(DATA / "real_dependencies.txt")
    top = top_names()
    generated = generated_names()
    full = Detector()
    limited = Detector(trusted_top=5000)
    unranked = Detector(trusted_top=5000, popularity=False)
    runs: list[tuple[str, Detector, list[str]]] = [
        ("positives", full, positives),
        ("positives-top5000", limited, positives),
        ("negatives", full, negatives),
        ("negatives-top5000", limited, negatives),
        ("top15000", full, top),
        ("real", full, real),
        ("real-top5000", limited, real),
        ("ranked-5001-15000-top5000", limited, top[5000:]),
        ("ranked-5001-15000-top5000-noprior", unranked, top[5000:]),
        ("generated", full, generated),
        ("generated-top5000", limited, generated),
    ]
    out = sys.stdout
    for label, found, names in runs:
        for line in verdict_lines(label, found, names):
            out.write(line + "\n")
    out.write(cli_json(DATA / "dev_positives.tsv") + "\n")
    out.write(cli_json(DATA / "dev_hard_negatives.tsv", "--trusted-top", "5000") + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
