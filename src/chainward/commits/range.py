"""Which commits to verify: ranges, pre-push refs, post-commit HEAD, GitHub events.

Every resolution goes through ``git rev-parse``/``git rev-list``; an endpoint that is
not in the repository (usually a shallow clone) exits 2 telling how to fetch it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from chainward.core.errors import InputError, UsageError
from chainward.core.git import run_git

FETCH_HINT = "fetch the full history (actions/checkout fetch-depth: 0)"
_ZERO = re.compile(r"^0+$")
MAX_EVENT_BYTES = 25 << 20


def is_zero(sha: str) -> bool:
    """Whether ``sha`` is git's all-zero "no object" id."""
    return bool(_ZERO.match(sha))


def resolve(repo: Path, rev: str) -> str:
    """The full SHA of the commit ``rev`` names; exit 2 with the fetch hint if absent."""
    if not rev or rev.startswith("-"):
        raise UsageError(f"invalid revision {rev!r}")
    proc = run_git(("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"), repo, check=False)
    if proc.returncode != 0:
        shallow = is_shallow(repo)
        raise InputError(
            f"cannot resolve commit {rev!r}"
            + (" (this is a shallow clone)" if shallow else "")
            + f": {FETCH_HINT}",
            where=str(repo),
            hint=FETCH_HINT if shallow else "check the revision, or " + FETCH_HINT,
        )
    return proc.stdout.decode("ascii").strip()


def is_shallow(repo: Path) -> bool:
    """Whether the repository is a shallow clone."""
    proc = run_git(("rev-parse", "--is-shallow-repository"), repo, check=False)
    return proc.stdout.strip() == b"true"


def rev_list(repo: Path, include: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """Commits reachable from ``include`` and not from ``exclude`` (full SHAs)."""
    if not include:
        return []
    args = ["rev-list", *include, *(f"^{e}" for e in exclude), "--"]
    proc = run_git(args, repo, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise InputError(f"cannot list commits: {message}: {FETCH_HINT}", where=str(repo))
    return proc.stdout.decode("ascii").split()


def parents(repo: Path, sha: str) -> list[str]:
    """The parents of a commit (none for a root commit)."""
    proc = run_git(("rev-list", "--parents", "-n", "1", sha, "--"), repo)
    return proc.stdout.decode("ascii").split()[1:]


def since_exclusions(repo: Path, since: str) -> list[str]:
    """The parents of the policy's ``since`` commit (their history is not judged)."""
    if not since:
        return []
    return parents(repo, resolve(repo, since))


def parse_range(repo: Path, spec: str) -> tuple[list[str], list[str]]:
    """``A..B`` → (include B, exclude A); a single rev means just that commit."""
    if "..." in spec:
        raise UsageError("symmetric ranges (A...B) are not supported; use A..B")
    if ".." in spec:
        base, _, tip = spec.partition("..")
        tip_sha = resolve(repo, tip or "HEAD")
        base_sha = resolve(repo, base or "HEAD")
        return [tip_sha], [base_sha]
    sha = resolve(repo, spec)
    return [sha], parents(repo, sha)


def unpushed(repo: Path, tips: Sequence[str], remote: str) -> tuple[list[str], list[str]]:
    """Commits of ``tips`` that are not on any branch of ``remote`` (by its tracking refs)."""
    proc = run_git(
        ("for-each-ref", "--format=%(objectname)", f"refs/remotes/{remote}/"), repo, check=False
    )
    return list(tips), sorted(set(proc.stdout.decode("ascii").split()))


def pre_commit_pre_push(repo: Path, env: Mapping[str, str]) -> tuple[list[str], list[str]] | None:
    """The pre-push stage under pre-commit, or None when not in it.

    pre-commit passes only the first pushed ref (``PRE_COMMIT_FROM_REF``/``_TO_REF``);
    every local branch commit not yet on ``PRE_COMMIT_REMOTE_NAME`` is checked too,
    so that ``git push origin good bad`` checks ``bad``.
    """
    remote = env.get("PRE_COMMIT_REMOTE_NAME", "")
    to_ref = env.get("PRE_COMMIT_TO_REF", "")
    from_ref = env.get("PRE_COMMIT_FROM_REF", "")
    if not remote and not to_ref:
        return None
    include: list[str] = []
    if to_ref and not is_zero(to_ref):
        include.append(resolve(repo, to_ref))
    proc = run_git(("for-each-ref", "--format=%(objectname)", "refs/heads/"), repo, check=False)
    include.extend(proc.stdout.decode("ascii").split())
    exclude: list[str] = []
    if from_ref and not is_zero(from_ref):
        exclude.append(resolve(repo, from_ref))
    if remote:
        _tips, remote_refs = unpushed(repo, include, remote)
        exclude.extend(remote_refs)
    return sorted(set(include)), exclude


def git_pre_push(repo: Path, remote: str, stdin_text: str) -> tuple[list[str], list[str]]:
    """git's own pre-push hook input: ``<local ref> <local sha> <remote ref> <remote sha>``.

    Each pushed ref is checked: from its remote SHA when the remote has it, else every
    commit not on any branch of ``remote``.
    """
    include: list[str] = []
    exclude: list[str] = []
    remote_refs: list[str] | None = None
    for number, line in enumerate(stdin_text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise UsageError(
                f"pre-push input line {number}: expected 4 fields, got {len(parts)}",
                hint="git passes `<local ref> <local sha> <remote ref> <remote sha>` lines",
            )
        _local_ref, local_sha, _remote_ref, remote_sha = parts
        if is_zero(local_sha):
            continue  # a deletion pushes no commits
        include.append(resolve(repo, local_sha))
        if not is_zero(remote_sha) and _exists(repo, remote_sha):
            exclude.append(remote_sha)
        else:
            if remote_refs is None:
                remote_refs = unpushed(repo, [], remote)[1]
            exclude.extend(remote_refs)
    return include, sorted(set(exclude))


def _exists(repo: Path, sha: str) -> bool:
    proc = run_git(("cat-file", "-e", f"{sha}^{{commit}}"), repo, check=False)
    return proc.returncode == 0


def github_event(
    repo: Path, event_name: str, event_path: Path
) -> tuple[list[str], list[str]] | None:
    """The commits of a GitHub Actions ``pull_request`` or ``push`` event.

    pull_request: ``base.sha..head.sha`` (never the synthetic merge commit).
    push: ``before..after``; an all-zero ``before`` (a new branch) means the commits
    not on any other remote branch. Other events: None.
    """
    try:
        with event_path.open("rb") as handle:
            data = handle.read(MAX_EVENT_BYTES + 1)
        if len(data) > MAX_EVENT_BYTES:
            raise InputError("event payload is too large", where=str(event_path))
        payload = json.loads(data)
    except OSError as exc:
        raise InputError(f"cannot read the event: {exc.strerror}", where=str(event_path)) from None
    except ValueError as exc:
        raise InputError(f"event is not JSON: {exc}", where=str(event_path)) from None
    if not isinstance(payload, dict):
        raise InputError("event is not a JSON object", where=str(event_path))
    if event_name.startswith("pull_request") or "pull_request" in payload:
        pull = payload.get("pull_request") or {}
        try:
            base = str(pull["base"]["sha"])
            head = str(pull["head"]["sha"])
        except (KeyError, TypeError):
            raise InputError(
                "pull_request event without base.sha/head.sha", where=str(event_path)
            ) from None
        return [resolve(repo, head)], [resolve(repo, base)]
    if event_name == "push" or ("before" in payload and "after" in payload):
        before = str(payload.get("before", ""))
        after = str(payload.get("after", ""))
        if not after or is_zero(after):
            return [], []  # a branch deletion
        tip = resolve(repo, after)
        if before and not is_zero(before) and _exists(repo, before):
            return [tip], [before]
        if before and not is_zero(before) and not payload.get("forced"):
            resolve(repo, before)  # raises with the fetch hint
        ref = str(payload.get("ref", ""))
        branch = ref.removeprefix("refs/heads/")
        proc = run_git(("for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes/"), repo)
        others = []
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            sha, _, name = line.partition(" ")
            parts = name.split("/", 3)
            if len(parts) == 4 and parts[3] in (branch, "HEAD"):
                continue
            others.append(sha)
        return [tip], sorted(set(others))
    return None


def from_environment(
    repo: Path, env: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """The commits to check when no range is given: pre-push, GitHub event, else HEAD."""
    env = os.environ if env is None else env
    pushed = pre_commit_pre_push(repo, env)
    if pushed is not None:
        return pushed
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path and env.get("GITHUB_ACTIONS") == "true":
        found = github_event(repo, env.get("GITHUB_EVENT_NAME", ""), Path(event_path))
        if found is not None:
            return found
    probe = run_git(("rev-parse", "--verify", "--quiet", "HEAD^{commit}"), repo, check=False)
    if probe.returncode != 0 and not is_shallow(repo):
        return [], []  # an unborn branch: no commit to check yet
    head = resolve(repo, "HEAD")
    return [head], parents(repo, head)
