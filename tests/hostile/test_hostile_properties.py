"""Property-based tests: every parser, hypothesis inputs, no crash, bounded time and memory.

Each target of ``hostile_targets`` runs a fixed, derandomized number of hypothesis
examples in a forked child under an address-space budget and a deadline. Inside,
every example must return or raise the parser's declared error naming where the
problem is, within ``PER_EXAMPLE_SECONDS``, and findings must name their file.
``benchmarks/fuzz.py`` runs the same properties with many more random examples.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from hostile_support import run_isolated
from hostile_targets import _build, fuzz, load_targets

TARGETS, MISSING = load_targets()
# Examples per target in CI: whole-scan targets write a file and run every family.
PARSER_EXAMPLES = 150
SCAN_EXAMPLES = 50
ALL_NAMES = sorted(
    set(TARGETS) | set(MISSING),
)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Import every parser's modules, and let hypothesis build its per-process caches
    (it scans loaded modules for constants: ~0.8 s), once, before the children fork."""
    for target in TARGETS.values():
        with contextlib.suppress(Exception):  # only warming imports
            target.run(b"")
    if "suppress" in TARGETS:
        fuzz(TARGETS["suppress"], 1)


def _examples(name: str) -> int:
    return SCAN_EXAMPLES if name.startswith("scan:") else PARSER_EXAMPLES


def test_every_parser_has_a_target() -> None:
    """The table lists a target for each parser family (a new parser needs a row)."""
    names = set(TARGETS) | {m.replace("_", "-") for m in MISSING}
    for required in (
        "yaml", "toml", "policy", "suppress", "workflow", "requirements", "pep508",
        "dockerfile", "shell", "commit", "ssh-signature", "allowed-signers", "openpgp-key",
        "openpgp-signature", "model-lock", "pickle", "model-file", "downloads", "bundle",
    ):  # fmt: skip
        assert required in names, required
    assert len(_build()) == len(TARGETS) + len(MISSING)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_parser_survives_hypothesis(name: str) -> None:
    if name in MISSING:
        pytest.skip(f"not available yet: {MISSING[name]}")
    target = TARGETS[name]
    wanted = _examples(name)

    def body() -> int:
        ran = fuzz(target, wanted)
        print(f"examples={ran}")
        return 0

    outcome = run_isolated(body, timeout=90, memory_mb=1024)
    assert outcome.code == 0 and not outcome.timed_out, outcome.describe()
    match = re.search(r"examples=(\d+)", outcome.out)
    assert match, outcome.describe()
    ran = int(match.group(1))
    # Hypothesis may stop early only when it has exhausted the input space.
    assert ran >= min(wanted, 20), ran
    print(f"{name}: {ran} examples in {outcome.seconds:.1f}s")
