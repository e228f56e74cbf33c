"""Every check's message and fix read right (issue 15, Deliver 5).

Each check's documented example is turned into a file of the kind it shows, the check
runs on it through the CLI, and every message and fix it renders is rejected if it holds
a doubled word ("downloads model a model"), an escape sequence (``\\x0a``) or an unfilled
placeholder (``{name}``, ``%s``, ``None``). The example must be flagged, so the page and
the check agree. Checks whose example is the output itself (commit signatures, model
locks, pickles: they need history, keys or binary files) have their documented output
checked the same way; every check id is in exactly one of the two lists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chainward.catalog import load_registry
from chainward.cli.check import check_doc

REGISTRY = load_registry()

# check id → the file its example is written to (yaml "steps" become a workflow).
RENDERED = {
    "broken-requirements-include": "requirements.txt",
    "extra-index-url": "requirements.txt",
    "incomplete-hash-pinning": "requirements.txt",
    "invalid-suppression": ".github/workflows/ci.yml",
    "missing-dependency-hash": "requirements.txt",
    "pipe-to-shell": "Dockerfile",
    "trust-remote-code": "train.py",
    "typosquat-image": "Dockerfile",
    "typosquat-model": "train.py",
    "typosquat": "requirements.txt",
    "unhashed-url-dependency": "requirements.txt",
    "unparsable-file": ".github/workflows/ci.yml",
    "unpinned-action": ".github/workflows/ci.yml",
    "unpinned-ai-dependency": "requirements.txt",
    "unpinned-base-image": "Dockerfile",
    "unpinned-model-download": "train.py",
    "unpinned-vcs-dependency": "requirements.txt",
    "unsafe-model-load": "train.py",
}
# Examples that are the rendered output, or need git history, keys, the network or
# binary files: the documented text is checked instead.
DOCUMENTED = {
    "unverifiable-model-file",
    "unsafe-model-content",
    "unverifiable-commit-signature",
    "release-policy-violation",
    "missing-attestation",
    "release-not-verified",
    "release-too-new",
    "invalid-attestation",
    "publisher-changed",
    "bad-commit-signature",
    "bad-model-signature",
    "commit-signer-mismatch",
    "commit-tlog-unverified",
    "dependency-not-verified",
    "expired-commit-signature",
    "file-too-large",
    "invalid-model-lock",
    "model-file-missing",
    "model-hash-mismatch",
    "model-path-escape",
    "model-revision-mismatch",
    "nonexistent-package",
    "pickle-format",
    "pickle-unknown-global",
    "revoked-commit-key",
    "signing-setup",
    "unknown-commit-key",
    "unlocked-model-file",
    "unpublished-hash",
    "unresolved-model-download",
    "unsafe-pickle",
    "unsigned-commit",
    "untrusted-base-image",
    "untrusted-commit-signer",
    "unverified-attestation",
    "vulnerable-dependency",
}

_DOUBLED = re.compile(r"\b([A-Za-z]+)[ \t]+\1\b", re.IGNORECASE)
_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}|\\[nrt]|\\u[0-9a-fA-F]{4}|[\x00-\x08\x0b-\x1f\x7f]")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.!:]*\}|%[sdr]\b|%\([a-z_]+\)[sdr]|\bNone\b|''")


_REPEATED_NOUN = re.compile(r"\b([A-Za-z]{3,})[ \t]+(?:a|an|the)[ \t]+\1\b", re.IGNORECASE)


def defects(text: str) -> list[str]:
    """What is wrong with one rendered message or fix."""
    found = [f"doubled word {m.group()!r}" for m in _DOUBLED.finditer(text)]
    found += [f"doubled word {m.group()!r}" for m in _REPEATED_NOUN.finditer(text)]
    found += [f"escape sequence {m.group()!r}" for m in _ESCAPE.finditer(text)]
    found += [f"unfilled placeholder {m.group()!r}" for m in _PLACEHOLDER.finditer(text)]
    return found


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("AutoModel.from_pretrained() downloads model a model", True),
        ("AutoModel.from_pretrained() downloads a model at a movable revision", False),
        ("downloads the the model", True),
        ("run:\\x0agit config commit.gpgsign true", True),
        ("pin {name} exactly", True),
        ("pin %s exactly", True),
        ("model None is unpinned", True),
        ("downloads model '' at a movable revision", True),
        ("pin a full commit SHA: uses: a/b@<40-hex-sha> # <tag>", False),
    ],
)
def test_the_defect_rules(text: str, bad: bool) -> None:
    assert bool(defects(text)) is bad


def test_every_check_is_covered_once() -> None:
    assert set(RENDERED) | DOCUMENTED == set(REGISTRY.ids())
    assert not set(RENDERED) & DOCUMENTED


def _example_blocks(check_id: str) -> list[tuple[str, str]]:
    page = check_doc(check_id)
    section = page.split("**Example.**", 1)[1].split("**Fix.**", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.DOTALL)


def _as_file(name: str, lang: str, body: str) -> str:
    if name.endswith(".yml") and body.lstrip().startswith(("steps:", "- uses:")):
        steps = body if body.lstrip().startswith("steps:") else "steps:\n" + body
        indented = "".join(f"    {line}\n" for line in steps.splitlines())
        return f"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n{indented}"
    if lang == "dockerfile":
        # A Dockerfile has no trailing comments: drop the page's "# flagged" notes.
        lines = [re.sub(r"\s+#\s.*$", "", line) for line in body.splitlines()]
        if not lines[0].startswith("FROM"):
            lines.insert(0, "FROM python:3.12@sha256:" + "a" * 64)
        return "\n".join(lines) + "\n"
    if lang == "python":
        # The page shows the call; the scanner needs to see where the name comes from.
        return "import os\nfrom transformers import AutoModel\n" + body
    return body


@pytest.mark.parametrize("check_id", sorted(RENDERED))
def test_rendered_messages_and_fixes_read_right(check_id: str, tmp_path: Path, cli: object) -> None:
    blocks = [(lang, body) for lang, body in _example_blocks(check_id) if lang != "sh"]
    assert blocks, f"{check_id}: no example to render"
    rendered = []
    for index, (lang, body) in enumerate(blocks):
        root = tmp_path / str(index)
        name = RENDERED[check_id]
        if lang == "dockerfile":
            name = "Dockerfile"
        elif lang == "python":
            name = "train.py"
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_as_file(name, lang, body))
        result = cli("check", str(root), "--format", "json")  # type: ignore[operator]
        findings = json.loads(result.out)["findings"]
        rendered += [f for f in findings if f["check_id"] == check_id]
    assert rendered, f"{check_id}: its documented example is not flagged"
    for finding in rendered:
        for field in ("message", "fix"):
            text = finding[field] or ""
            assert not defects(text), f"{check_id} {field}: {defects(text)} in {text!r}"


@pytest.mark.parametrize("check_id", sorted(DOCUMENTED))
def test_documented_output_reads_right(check_id: str) -> None:
    # The page's prose is written by hand; its examples show the tool's output.
    for _, body in _example_blocks(check_id):
        assert not [d for d in defects(body) if "placeholder" not in d], (check_id, body)


def test_a_download_without_a_known_id_reads_right(tmp_path: Path, cli: object) -> None:
    (tmp_path / "train.py").write_text(
        "import sys\nfrom transformers import AutoConfig\n"
        'config = AutoConfig.from_pretrained(sys.argv[1], revision="main")\n'
    )
    result = cli("check", str(tmp_path), "--format", "json")  # type: ignore[operator]
    [finding] = [
        f for f in json.loads(result.out)["findings"] if f["check_id"] == "unpinned-model-download"
    ]
    assert finding["message"].startswith(
        "AutoConfig.from_pretrained() downloads a model at a movable revision: revision 'main'"
    )
    assert not defects(finding["message"])
