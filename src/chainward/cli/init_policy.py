"""``chainward init``: a policy fitted to the repository it runs in.

It looks at what is there (manifests, CI, model files, hub ids in the code, existing
signing keys, the commit history and how it is signed) and decides, key by key, what
passes today's state where that is the honest default (a commit baseline, GitHub's
own web-flow commits, downloads from well-known hub organisations, key files already in
the repository) and leaves the rest to be flagged. Every decision is written into the
file as a comment and printed with its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from chainward.core.files import select_files

MANIFEST_NAMES = re.compile(
    r"(^|/)(requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|"
    r"Pipfile\.lock|poetry\.lock|uv\.lock|pdm\.lock|environment[^/]*\.ya?ml|"
    r"conda[^/]*\.ya?ml|Dockerfile[^/]*|[^/]*\.Dockerfile|Containerfile)$"
)
CI_PATTERNS = (
    (re.compile(r"^\.github/workflows/[^/]+\.ya?ml$"), "GitHub Actions"),
    (re.compile(r"^\.gitlab-ci\.ya?ml$"), "GitLab CI"),
    (re.compile(r"^\.circleci/config\.ya?ml$"), "CircleCI"),
    (re.compile(r"^azure-pipelines\.ya?ml$"), "Azure Pipelines"),
    (re.compile(r"^Jenkinsfile$"), "Jenkins"),
)
MODEL_SUFFIXES = (
    ".safetensors",
    ".gguf",
    ".ggml",
    ".onnx",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".keras",
    ".tflite",
    ".mlmodel",
    ".pb",
)
SIGNER_FILES = ("allowed_signers", ".github/allowed_signers", ".gitsigners", "allowed-signers")
KEY_DIRS = ("keys", ".github/keys", "gpg-keys", ".gpg")
BOT_EMAIL = re.compile(r"^\d+\+[a-z0-9-]+\[bot\]@users\.noreply\.github\.com$")
RECENT = 200
GITLAB_WEB_EMAIL = "noreply@gitlab.com"


@dataclass
class Decision:
    """One key set by init, with the comment that says why."""

    table: str
    key: str
    value: Any
    why: str


@dataclass
class Survey:
    """What init found, and what it decided."""

    manifests: list[str] = field(default_factory=list)
    ci: Counter[str] = field(default_factory=Counter)
    model_dirs: dict[str, int] = field(default_factory=dict)
    has_lock: bool = False
    notes: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def decide(self, table: str, key: str, value: Any, why: str) -> None:
        """Record a decision (one per key)."""
        self.decisions.append(Decision(table, key, value, why))


def survey(root: Path, exclude: Sequence[str]) -> Survey:
    """Look at the repository and decide the policy."""
    found = Survey()
    files = select_files(root, [], exclude)
    _survey_files(found, files)
    _survey_signers(found, files)
    _survey_hub_ids(found, root, files)
    _survey_commits(found, root)
    return found


def _survey_files(found: Survey, files: Sequence[str]) -> None:
    found.manifests = [f for f in files if MANIFEST_NAMES.search(f)]
    for rel in files:
        for pattern, name in CI_PATTERNS:
            if pattern.match(rel):
                found.ci[name] += 1
        if rel.lower().endswith(MODEL_SUFFIXES):
            parent = str(PurePosixPath(rel).parent)
            found.model_dirs[parent] = found.model_dirs.get(parent, 0) + 1
    found.has_lock = "chainward.lock" in files
    if found.manifests:
        shown = ", ".join(found.manifests[:6]) + (" ..." if len(found.manifests) > 6 else "")
        found.notes.append(
            f"dependencies: {len(found.manifests)} manifest(s) ({shown}); AI packages must be "
            "pinned with hashes (the default): `chainward deps` lists what is not, "
            "`chainward pin FILE` fixes a requirements file"
        )
    else:
        found.notes.append("dependencies: no manifest found")
    if found.ci:
        kinds = ", ".join(f"{name} ({count})" for name, count in sorted(found.ci.items()))
        found.notes.append(
            f"CI: {kinds}; GitHub workflows are checked for actions not pinned to a commit "
            "(unpinned-action), and the chainward action can run these checks on pull requests"
        )
    else:
        found.notes.append("CI: none found; `chainward install-hooks` runs the checks locally")
    if found.model_dirs:
        dirs = ", ".join(sorted(found.model_dirs)[:6])
        lock = "chainward.lock exists" if found.has_lock else "no chainward.lock yet"
        found.notes.append(
            f"models: model files in {dirs} ({lock}); lock them with "
            "`chainward models lock DIR --source hf://ORG/NAME --revision COMMIT`"
        )


def _survey_signers(found: Survey, files: Sequence[str]) -> None:
    present = set(files)
    signers = next((s for s in SIGNER_FILES if s in present), None)
    if signers:
        found.decide(
            "commits",
            "allowed-signers",
            signers,
            f"{signers} is the repository's SSH allowed-signers file: its keys are trusted",
        )
    keys = sorted(
        f
        for f in files
        if f.lower().endswith((".asc", ".gpg", ".pgp"))
        and any(f.startswith(d + "/") for d in KEY_DIRS)
    )
    if keys:
        found.decide(
            "commits",
            "openpgp-keys",
            keys,
            "armored OpenPGP public keys kept in the repository: their signers are trusted "
            "(review them; `openpgp-fingerprints` narrows the trust)",
        )


def _survey_hub_ids(found: Survey, root: Path, files: Sequence[str]) -> None:
    from chainward.inventory.model_refs.python import scan_source_full
    from chainward.typosquats.hub import popular_orgs

    known = {o.lower(): o for o in popular_orgs()}
    used: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for rel in files:
        if not rel.endswith(".py"):
            continue
        try:
            with (root / rel).open("rb") as handle:
                data = handle.read(1 << 20)
            calls = scan_source_full(rel, data.decode("utf-8", "replace")).calls
        except (OSError, SyntaxError, RecursionError, ValueError, MemoryError):
            continue
        for call in calls:
            if call.repo_state != "hub" or not call.repo_id or call.revision_state != "absent":
                continue
            org = call.repo_id.split("/", 1)[0] if "/" in call.repo_id else ""
            if org.lower() in known:
                used[known[org.lower()]] += 1
            else:
                unknown[call.repo_id] += 1
    if used:
        orgs = sorted(used)
        found.decide(
            "models",
            "allow-models",
            [f"{org}/*" for org in orgs],
            f"{sum(used.values())} download(s) without a pinned revision come from well-known "
            f"hub organisations ({', '.join(orgs)}, on chainward's shipped list): accepted "
            "as they are today; remove an entry to require pinned revisions from it",
        )
    if unknown:
        top = ", ".join(name for name, _ in unknown.most_common(5))
        found.notes.append(
            f"models: {sum(unknown.values())} download(s) of {len(unknown)} id(s) from "
            f"other owners or without an organisation (e.g. {top}) stay flagged: pin a "
            'revision (`revision="<40-hex commit>"`) or add them to allow-models'
        )


def _survey_commits(found: Survey, root: Path) -> None:
    from chainward.commits import meta
    from chainward.commits.baseline import propose_since
    from chainward.commits.objects import read_commits
    from chainward.commits.range import rev_list
    from chainward.commits.scan import CommitTrust, judge_commits, verify_commit
    from chainward.commits.verdict import Status, signature_kind
    from chainward.commits.webflow import web_flow_key
    from chainward.core.errors import Error
    from chainward.core.git import repo_toplevel
    from chainward.core.schema import validate_table

    if repo_toplevel(root) is None:
        found.notes.append("commits: not a git repository; no commit policy decided")
        return
    try:
        shas = rev_list(root, ["HEAD"], [])
    except Error:
        shas = []
    if not shas:
        found.notes.append("commits: no commits yet; every commit will be judged")
        return
    commits = list(read_commits(root, shas))
    recent = commits[:RECENT]
    kinds = Counter(signature_kind(c.signature) for c in recent if c.signature is not None)
    web_flow: list[Any] = []
    bots: set[str] = set()
    unshipped: list[Any] = []
    for commit in commits:
        if commit.signature is None or signature_kind(commit.signature) != "openpgp":
            continue
        from chainward.commits.openpgp import parse_signature

        parsed = parse_signature(commit.signature)
        key = web_flow_key(parsed.issuer) if parsed is not None else None
        if key is None:
            continue
        web_flow.append(commit)
        if key.armored is None:
            unshipped.append(commit)
        email = commit.committer.email.lower()
        if BOT_EMAIL.match(email):
            bots.add(email)
    gitlab = sum(
        1
        for c in commits
        if c.committer.email.lower() == GITLAB_WEB_EMAIL
        and c.signature is not None
        and signature_kind(c.signature) == "ssh"
    )
    if gitlab:
        found.notes.append(
            f"commits: {gitlab} commit(s) were made in GitLab's web UI and signed with the "
            "instance's SSH key; to accept them, list that key for noreply@gitlab.com in an "
            "allowed-signers file (GitLab's 'Signed commits' documentation gives the line)"
        )
    signed = sum(kinds.values())
    detail = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
    found.notes.append(
        f"commits: {signed} of the last {len(recent)} commits on HEAD are signed ({detail}); "
        f"{len(web_flow)} of all {len(commits)} are signed by GitHub's web-flow key"
    )
    if web_flow:
        found.decide(
            "commits",
            "allow-github-web-flow",
            True,
            f"{len(web_flow)} commit(s) were made on github.com (merges, edits) and signed by "
            "GitHub's web-flow key, which chainward ships: accepted",
        )
    table: dict[str, Any] = {d.key: d.value for d in found.decisions if d.table == "commits"}
    if unshipped:
        policy = validate_table(table, meta.FAMILY.policy, where="init", key_path="commits")
        trust = CommitTrust(root, policy)
        waiting = sum(1 for c in unshipped if verify_commit(c, trust).status is Status.UNVERIFIABLE)
        if waiting:
            found.notes.append(
                f"commits: {waiting} web-flow commit(s) are signed by GitHub's key in use "
                "since 2024, which chainward ships by fingerprint only: they are "
                "unverifiable-commit-signature until you download "
                "https://github.com/web-flow.gpg to keys/web-flow.gpg and list it in "
                "openpgp-keys (init then picks it up)"
            )
    if bots:
        policy = validate_table(table, meta.FAMILY.policy, where="init", key_path="commits")
        trust = CommitTrust(root, policy)
        verified = {
            c.committer.email.lower()
            for c in web_flow
            if c.committer.email.lower() in bots and verify_commit(c, trust).status is Status.GOOD
        }
        if verified:
            found.decide(
                "commits",
                "exempt-committers",
                sorted(verified),
                "bots whose commits carry GitHub's verified web-flow signature; an unsigned "
                "commit with their e-mail is still flagged",
            )
    table = {d.key: d.value for d in found.decisions if d.table == "commits"}
    policy = validate_table(table, meta.FAMILY.policy, where="init", key_path="commits")
    findings = judge_commits(commits, CommitTrust(root, policy))
    failing = {str(f.properties.get("commit")) for f in findings}
    baseline = propose_since(commits, failing)
    if baseline is None:
        found.notes.append(
            f"commits: all {len(commits)} commits pass this policy; no baseline needed"
        )
        return
    covered = len(failing & baseline.history)
    if not covered:
        found.notes.append(
            f"commits: HEAD ({baseline.sha[:12]}) fails the signing policy and has no failing "
            "history to set a baseline for: sign new commits (`chainward commits --setup` "
            "says how)"
        )
        return
    why = (
        f"baseline: {covered} of the {len(commits)} commits in the history fail the signing "
        "policy (unsigned, or signed by keys it does not list); they predate it and are not "
        "judged. This commit and every later one are"
    )
    if baseline.tip_fails:
        why += (
            f"; HEAD ({baseline.sha[:12]}) fails itself and stays flagged: sign new commits "
            "(`chainward commits --setup` says how)"
        )
    found.decide("commits", "since", baseline.sha, why)
    if not table.get("allowed-signers") and not table.get("openpgp-keys"):
        found.notes.append(
            "commits: no trusted keys yet: add an allowed-signers file or openpgp-keys "
            "so that your own signed commits pass"
        )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _comment(text: str, width: int = 88) -> list[str]:
    words = text.split()
    lines: list[str] = []
    line = "#"
    for word in words:
        if len(line) + 1 + len(word) > width and line != "#":
            lines.append(line)
            line = "#"
        line += " " + word
    lines.append(line)
    return lines


def render(found: Survey, reference: str) -> str:
    """The policy file: decisions with their reasons, then every other key commented."""
    lines = [
        "# chainward policy written by `chainward init` for this repository: it passes",
        "# today's state where that is the honest default and flags the rest. Each",
        "# decision says why. Docs: docs/configuration.md; check ids: `chainward explain --list`.",
        "#",
    ]
    for note in found.notes:
        lines += _comment(note)
    tables: dict[str, list[Decision]] = {}
    for decision in found.decisions:
        tables.setdefault(decision.table, []).append(decision)
    for table, decisions in tables.items():
        lines += ["", f"[{table}]"]
        for decision in decisions:
            lines += _comment(decision.why)
            lines.append(f"{decision.key} = {_toml(decision.value)}")
    lines += ["", "# ---- Every other key, with its default (commented out) ----", ""]
    lines.append(reference)
    return "\n".join(lines).rstrip("\n") + "\n"


def reference_without(reference: str, found: Survey) -> str:
    """The commented key reference, minus the keys init set (no duplicate tables)."""
    taken = {(d.table, d.key) for d in found.decisions}
    out: list[str] = []
    table = ""
    for line in reference.splitlines():
        header = re.match(r"^\[([a-z-]+)\]$", line)
        if header:
            table = header.group(1)
            # A table init writes is already open above: repeat its keys as comments only.
            out.append(f"# [{table}]" if table in {d.table for d in found.decisions} else line)
            continue
        key = re.match(r"^# ([a-z-]+) = ", line)
        if key and (table, key.group(1)) in taken:
            if out and out[-1].startswith("# ") and not out[-1].startswith("# ["):
                out.pop()  # its doc line
            continue
        out.append(line)
    return "\n".join(out)


def summary(found: Survey, target: Path) -> str:
    """What init decided and why, for the terminal."""
    lines = [f"wrote {target}"]
    for decision in found.decisions:
        lines.append(f"  [{decision.table}] {decision.key} = {_toml(decision.value)}")
        lines.append(f"      why: {decision.why}")
    for note in found.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
