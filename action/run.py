"""The composite action's main step (see action.yml); run with the action's own Python.

Inputs arrive only as environment variables (``INPUT_*``, set through ``env:`` in
action.yml), never spliced into a shell. On ``pull_request`` and ``pull_request_target``
events the base and head commits are read from the event payload, checked to be plain
hexadecimal object ids, and handed to ``chainward commits`` as one argument; on
``push`` events ``before``/``after`` are checked the same way and ``chainward commits``
reads them from the payload.

What it does:
1. ``chainward check`` over the working directory, printing GitHub annotations;
2. for pull requests, ``chainward commits`` over base..head (signatures); for pushes,
   over before..after;
3. one SARIF log with every result (paths relative to the workspace root, as code
   scanning expects), one Markdown job summary, outputs ``findings`` and ``sarif-file``.

Exit status: 1 when a finding is at or above fail-on, 2 for bad input, else 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

OBJECT_ID = re.compile(r"\A(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off", ""})


class ActionError(Exception):
    """A bad input or environment; reported as an ``::error`` and exit 2."""


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _bool_input(name: str) -> bool:
    value = _env(name).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ActionError(f"{name.removeprefix('INPUT_').lower()}: expected true or false")


def split_checks(text: str) -> list[str]:
    """Check ids from the ``checks`` input (commas, spaces or new lines between them)."""
    return [item for item in re.split(r"[\s,]+", text) if item]


def read_event(event_path: str) -> Any:
    """The decoded event payload (``GITHUB_EVENT_PATH``)."""
    try:
        with Path(event_path).open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read the event payload: {exc}") from None


def pull_request_range(event_name: str, event_path: str) -> tuple[str, str] | None:
    """``(base_sha, head_sha)`` of a pull request event, validated; None for other events."""
    if event_name not in PR_EVENTS or not event_path:
        return None
    event = read_event(event_path)
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        raise ActionError("the event payload has no pull_request object")
    shas = []
    for side in ("base", "head"):
        ref = pull.get(side)
        sha = ref.get("sha") if isinstance(ref, dict) else None
        if not isinstance(sha, str) or not OBJECT_ID.match(sha):
            raise ActionError(f"pull_request.{side}.sha in the event payload is not a commit id")
        shas.append(sha)
    return shas[0], shas[1]


def push_is_checkable(event_name: str, event_path: str) -> bool:
    """Whether a ``push`` event's payload names commits to verify (hex ``before``/``after``).

    A branch deletion (``after`` all zeros) has none. Anything but object ids is refused.
    """
    if event_name != "push" or not event_path:
        return False
    event = read_event(event_path)
    if not isinstance(event, dict):
        raise ActionError("the push event payload is not an object")
    for key in ("before", "after"):
        value = event.get(key)
        if not isinstance(value, str) or not OBJECT_ID.match(value):
            raise ActionError(f"{key} in the push event payload is not a commit id")
    return set(event["after"]) != {"0"}


def _commit_check_ids() -> set[str]:
    from chainward.catalog import load_registry

    registry = load_registry()
    family = registry.families.get("commits")
    return {check.id for check in family.checks} if family else set()


def _run(args: list[str], cwd: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    sys.stdout.flush()
    proc = subprocess.run([sys.executable, "-m", "chainward", *args], cwd=cwd, env=env, check=False)
    return proc.returncode


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def anchor_file(root: Path, workspace: Path, config: str) -> str | None:
    """A workspace-relative file to anchor results that have no location (commits).

    GitHub code scanning refuses a result without a location. A commit finding belongs
    to the policy that judged it: the --config file, else chainward.toml or pyproject.toml
    in the working directory, else the workflow that ran (GITHUB_WORKFLOW_REF).
    """
    candidates = [root / config] if config else []
    candidates += [root / "chainward.toml", root / "pyproject.toml"]
    for candidate in candidates:
        try:
            rel = candidate.resolve().relative_to(workspace.resolve())
        except ValueError:
            continue
        if candidate.is_file():
            return rel.as_posix()
    workflow_ref = os.environ.get("GITHUB_WORKFLOW_REF", "")
    match = re.match(r"\A[^/]+/[^/]+/(.+?)@", workflow_ref)
    if match and (workspace / match.group(1)).is_file():
        return match.group(1)
    return None


def merge_sarif(
    logs: list[Any], prefix: str, workspace: Path, anchor: str | None = None
) -> dict[str, Any]:
    """One SARIF log: the first run, with every run's results, URIs relative to the workspace.

    Results without a location (commit findings) get ``anchor`` as theirs, so that code
    scanning accepts the upload.
    """
    base: dict[str, Any] = logs[0]
    run = base["runs"][0]
    results: list[Any] = []
    for log in logs:
        for each in log.get("runs", []):
            results.extend(each.get("results", []))
    for result in results:
        for location in result.get("locations", []):
            artifact = location.get("physicalLocation", {}).get("artifactLocation")
            if artifact and prefix:
                artifact["uri"] = f"{prefix}/{artifact['uri']}"
        if not result.get("locations") and anchor:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": anchor, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 1},
                    }
                }
            ]
    run["results"] = results
    run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": workspace.resolve().as_uri() + "/"}}
    return base


RELEASE_TRUST_CHECKS = (
    "publisher-changed",
    "missing-attestation",
    "invalid-attestation",
    "release-too-new",
    "release-not-verified",
)


def release_trust_note(root: Path, config: str, offline: bool) -> str | None:
    """The summary line for ``[tool.chainward.release-trust]``, or None when it is unused.

    The release-trust checks (publisher lock, cooldown) run when the policy sets
    ``min-release-age`` or the publisher lock exists (issue 18).
    """
    from chainward.catalog import load_registry
    from chainward.core.errors import Error
    from chainward.core.policy import load_policy
    from chainward.dependencies.cooldown import describe_age, parse_duration

    registry = load_registry()
    schemas = {name: f.policy for name, f in registry.families.items() if f.policy}
    try:
        policy = load_policy(root, schemas, registry.ids(), Path(config) if config else None)
        table = policy.domain("release-trust")
        age = parse_duration(str(table.get("min-release-age", "0 days")))
    except Error:
        return None  # the check run reports the broken policy
    lock = str(table.get("publisher-lock", "chainward.publishers.toml"))
    parts = []
    if age.total_seconds() > 0:
        parts.append(f"cooldown: pins younger than {describe_age(age)} are flagged")
    if (root / lock).is_file():
        parts.append(f"publisher lock `{lock}` compared with each pin's PEP 740 attestations")
    if not parts:
        return None
    tail = " (offline: reported as not verified)" if offline else ""
    return "Release trust: " + "; ".join(parts) + tail + "."


def render_summary(findings: list[dict[str, Any]], root: Path, notes: list[str]) -> str:
    """The job summary, drawn by chainward's own GitHub reporter."""
    from chainward import __version__
    from chainward.catalog import load_registry
    from chainward.core.findings import CheckId, Confidence, Finding, Severity
    from chainward.report import ReportInfo
    from chainward.report.github import render_summary as chainward_summary

    fixed = {"check_id", "severity", "confidence", "message", "path", "line", "column", "fix"}
    confidences = {c.label: c for c in Confidence}
    parsed = [
        Finding(
            check_id=CheckId(item["check_id"]),
            severity=Severity.parse(item["severity"]),
            message=item["message"],
            path=item.get("path"),
            line=item.get("line"),
            column=item.get("column"),
            fix=item.get("fix"),
            confidence=confidences.get(item.get("confidence", ""), Confidence.HIGH),
            properties={k: str(v) for k, v in item.items() if k not in fixed and v is not None},
        )
        for item in findings
    ]
    info = ReportInfo(root=root, registry=load_registry(), version=__version__)
    text = chainward_summary(parsed, info)
    if notes:
        text += "\n" + "\n".join(f"- {note}" for note in notes) + "\n"
    return text


def _append(path_env: str, text: str) -> None:
    target = os.environ.get(path_env)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(text)


def main() -> int:
    """Run the checks and report; return the step's exit status."""
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    root = (workspace / (_env("INPUT_WORKING_DIRECTORY") or ".")).resolve()
    if not root.is_dir():
        raise ActionError(f"working-directory {root} is not a folder")
    try:
        prefix = root.relative_to(workspace.resolve()).as_posix()
    except ValueError:
        prefix = ""
    prefix = "" if prefix == "." else prefix
    out_dir = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "chainward"
    out_dir.mkdir(parents=True, exist_ok=True)
    sarif_input = _env("INPUT_SARIF_FILE")
    sarif_path = (root / sarif_input) if sarif_input else out_dir / "chainward.sarif"

    common: list[str] = []
    if config := _env("INPUT_CONFIG"):
        common += ["--config", config]
    if fail_on := _env("INPUT_FAIL_ON"):
        common += ["--fail-on", fail_on]
    if _bool_input("INPUT_OFFLINE"):
        common.append("--offline")
    selected = split_checks(_env("INPUT_CHECKS"))

    commit_ids = _commit_check_ids()
    check_select = [c for c in selected if c not in commit_ids]
    runs: list[tuple[str, list[str]]] = []
    notes: list[str] = []
    if not selected or check_select:
        select = ["--select", ",".join(check_select)] if check_select else []
        runs.append(("check", ["check", *select]))
    trust_note = release_trust_note(root, _env("INPUT_CONFIG"), "--offline" in common)
    if trust_note and not selected:
        # A network family, not in `check` by default: run it when the policy asks for it.
        runs.append(("release-trust", ["check", "--select", ",".join(RELEASE_TRUST_CHECKS)]))
        notes.append(trust_note)
    event_name, event_path = _env("GITHUB_EVENT_NAME"), _env("GITHUB_EVENT_PATH")
    pr = pull_request_range(event_name, event_path)
    wants_commits = not selected or any(c in commit_ids for c in selected)
    if pr and commit_ids and wants_commits:
        base, head = pr
        runs.append(("commits", ["commits", "--range", f"{base}..{head}"]))
        notes.append(f"Commit signatures verified for `{base[:12]}..{head[:12]}`.")
    elif commit_ids and wants_commits and push_is_checkable(event_name, event_path):
        # chainward reads before..after from the payload itself (a new branch: the commits
        # no other remote branch has).
        runs.append(("commits", ["commits"]))
        notes.append("Commit signatures verified for the pushed commits.")

    codes: list[int] = []
    findings: list[dict[str, Any]] = []
    sarif_logs: list[Any] = []
    for name, args in runs:
        json_out = out_dir / f"{name}.json"
        sarif_out = out_dir / f"{name}.sarif"
        for stale in (json_out, sarif_out):
            stale.unlink(missing_ok=True)
        outputs = ["--format", "github", "--format", "json", "--output", str(json_out)]
        outputs += ["--format", "sarif", "--output", str(sarif_out)]
        code = _run([*args, *common, *outputs], root)
        codes.append(code)
        document = _read_json(json_out)
        if isinstance(document, dict):
            findings.extend(document.get("findings", []))
        log = _read_json(sarif_out)
        if isinstance(log, dict):
            sarif_logs.append(log)

    if sarif_logs:
        sarif_path.parent.mkdir(parents=True, exist_ok=True)
        anchor = anchor_file(root, workspace, _env("INPUT_CONFIG"))
        merged = merge_sarif(sarif_logs, prefix, workspace, anchor)
        sarif_path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", "utf-8")
    _append("GITHUB_STEP_SUMMARY", render_summary(findings, root, notes))
    _append("GITHUB_OUTPUT", f"findings={len(findings)}\n")
    if sarif_logs:
        _append("GITHUB_OUTPUT", f"sarif-file={sarif_path.resolve()}\n")

    if any(code >= 2 for code in codes):
        return max(codes)
    return 1 if any(code == 1 for code in codes) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ActionError as exc:
        message = str(exc).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=chainward::{message}")
        sys.exit(2)
