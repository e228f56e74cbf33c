"""Propose a baseline (``since``) for history that predates the signing policy. Pure.

On an existing repository the first run finds problems in commits nobody can change
(published history). Rewriting it is the wrong fix; the policy's ``since`` key is the
right one: ``since = X`` leaves X's ancestors unjudged and judges X and everything
after it. The proposal is the *oldest* commit X on the newest commit's first-parent line
such that every failing commit read is a strict ancestor of X (so ``since = X`` passes
today's history while judging as much of it as possible). When the newest commit fails
itself, no such X exists: the proposal is that commit, which stays judged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from chainward.commits.objects import CommitRecord


@dataclass(frozen=True, slots=True)
class Baseline:
    """A proposed ``since`` commit and the failing commits it would leave unjudged."""

    sha: str
    history: frozenset[str]
    """Every read commit that is a strict ancestor of ``sha`` (not judged under it)."""
    tip_fails: bool
    """The newest commit fails itself: ``since`` cannot cover it."""


def propose_since(commits: Sequence[CommitRecord], failing: Collection[str]) -> Baseline | None:
    """The baseline for ``commits`` (newest first, as ``git rev-list`` gives them).

    None when no commit fails. Only commits in ``commits`` are walked; parents outside
    the set were excluded from the range and fail nothing here.
    """
    if not commits or not failing:
        return None
    by_sha = {c.sha: c for c in commits}
    chain: list[str] = []
    sha: str | None = commits[0].sha
    seen_chain: set[str] = set()
    while sha is not None and sha in by_sha and sha not in seen_chain:
        chain.append(sha)
        seen_chain.add(sha)
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None
    # Which first-parent commit brings each commit into the history (0 = newest).
    introducer: dict[str, int] = {}
    for position in range(len(chain) - 1, -1, -1):
        stack = [chain[position]]
        while stack:
            current = stack.pop()
            if current in introducer or current not in by_sha:
                continue
            introducer[current] = position
            stack.extend(by_sha[current].parents)
    # The oldest position every failing commit allows: a failing first-parent commit
    # must be strictly older than X, a failing side-branch commit merely merged by X.
    bound = len(chain) - 1
    for bad in failing:
        where = introducer.get(bad)
        if where is None:
            continue  # on another branch: not in HEAD's history, stays judged
        bound = min(bound, where - 1 if chain[where] == bad else where)
    tip_fails = bound < 0
    chosen = max(bound, 0)
    target = chain[chosen]
    history = frozenset(
        c for c, pos in introducer.items() if pos > chosen or (pos == chosen and c != target)
    )
    return Baseline(target, history, tip_fails)
