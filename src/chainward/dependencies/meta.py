"""Checks and policy keys of the dependencies family (standard library, core and
``inventory.ids``, which owns the id of the include problems the inventory reports)."""

from __future__ import annotations

from chainward.core.findings import CheckId, Severity
from chainward.core.registry import CheckInfo, CheckList, Family
from chainward.core.schema import KeySpec
from chainward.inventory.ids import BROKEN_REQUIREMENTS_INCLUDE

PIN_HOOK = "pin-ai-dependencies"
IMAGES_HOOK = "pin-images"
AUDIT_HOOK = "audit-dependencies"

_check = CheckList("dependencies")

UNPINNED_AI_DEPENDENCY = _check(
    "unpinned-ai-dependency",
    "An AI dependency is not pinned to one exact version (== or ===) and no lock file covers it.",
    Severity.HIGH,
    hook=PIN_HOOK,
)
MISSING_DEPENDENCY_HASH = _check(
    "missing-dependency-hash",
    "An AI dependency is pinned but carries no --hash and no lock file covers it.",
    Severity.MEDIUM,
    hook=PIN_HOOK,
)
UNPINNED_VCS_DEPENDENCY = _check(
    "unpinned-vcs-dependency",
    "A VCS (git+…) dependency is not pinned to a full commit SHA.",
    Severity.HIGH,
    hook=PIN_HOOK,
)
INCOMPLETE_HASH_PINNING = _check(
    "incomplete-hash-pinning",
    "A requirements file is in pip's hash-checking mode, but a line lacks a hash, "
    "an exact pin, or is a VCS or local requirement: pip refuses the install.",
    Severity.MEDIUM,
    hook=PIN_HOOK,
)
UNHASHED_URL_DEPENDENCY = _check(
    "unhashed-url-dependency",
    "A dependency installed from a direct URL carries no hash.",
    Severity.MEDIUM,
    hook=PIN_HOOK,
)
EXTRA_INDEX_URL = _check(
    "extra-index-url",
    "A file that installs AI packages draws from more than one index or an extra "
    "index (dependency confusion).",
    Severity.HIGH,
    hook=PIN_HOOK,
)
PIPE_TO_SHELL = _check(
    "pipe-to-shell",
    "A Dockerfile, workflow or script pipes a download straight into a shell or "
    "interpreter (curl … | sh).",
    Severity.HIGH,
    hook=PIN_HOOK,
)
_check(  # its id is the inventory's, which reports the include problems
    BROKEN_REQUIREMENTS_INCLUDE,
    "A requirements file includes (-r/-c) a file that is missing, outside the "
    "repository, or part of an include cycle.",
    Severity.MEDIUM,
    hook=PIN_HOOK,
)
UNPINNED_BASE_IMAGE = _check(
    "unpinned-base-image",
    "A container base image (FROM, workflow container or service) has no @sha256 digest.",
    Severity.HIGH,
    hook=IMAGES_HOOK,
)
UNTRUSTED_BASE_IMAGE = _check(
    "untrusted-base-image",
    "A container base image comes from outside the policy's allowed registries.",
    Severity.MEDIUM,
    hook=IMAGES_HOOK,
)

# The network checks are a family of their own, so that `chainward check` never runs
# them by surprise (in_check=False). They read the same [dependencies] policy table.
_audit_check = CheckList(
    "dependencies", stages=("ci", "manual"), hook=AUDIT_HOOK, needs_network=True
)

UNPUBLISHED_HASH = _audit_check(
    "unpublished-hash",
    "A pinned dependency's hash is not among the digests the index published for "
    "that version (a poisoned lock or requirements file).",
    Severity.CRITICAL,
)
VULNERABLE_DEPENDENCY = _audit_check(
    "vulnerable-dependency",
    "A pinned dependency version has a known vulnerability (PyPI advisory database "
    "through pip-audit).",
    Severity.HIGH,
)
DEPENDENCY_NOT_VERIFIED = _audit_check(
    "dependency-not-verified",
    "A pinned dependency could not be verified against the index (offline, network "
    "failure, or an index other than PyPI); this is not a pass.",
    Severity.LOW,
)

FAMILY = Family(
    name="dependencies",
    summary="AI dependencies pinned, hash-locked and verified; base images pinned",
    checks=_check.infos,
    scanner="chainward.dependencies.scan:scan",
    policy={
        "scope": KeySpec(
            "str",
            "ai",
            'Which dependencies must be pinned and hashed: `"ai"` (the shipped AI/ML list '
            'plus `ai-packages`) or `"all"`.',
            choices=("ai", "all"),
        ),
        "ai-packages": KeySpec(
            "list[str]",
            [],
            "More distribution names (or `family-*` globs) to treat as AI dependencies.",
        ),
        "not-ai-packages": KeySpec(
            "list[str]",
            [],
            "Names (or globs) to drop from the AI list; wins over `ai-packages`.",
        ),
        "require-hashes": KeySpec(
            "bool",
            True,
            "Whether pinned AI dependencies must also carry `--hash` (or be covered by a "
            "lock file).",
        ),
        "allowed-indexes": KeySpec(
            "list[str]",
            [],
            "Index URLs (prefixes) that do not count as an extra index, e.g. your own "
            "mirror that proxies PyPI.",
        ),
        "allowed-registries": KeySpec(
            "list[str]",
            [],
            "Image name prefixes base images may come from (e.g. `cgr.dev/chainguard/`, "
            "`nvcr.io/nvidia/`); empty allows any registry.",
        ),
        "allow-unpinned-images": KeySpec(
            "list[str]",
            [],
            "Image globs that may go without a digest (e.g. images your own build pushes).",
        ),
        "cache-dir": KeySpec(
            "str",
            "",
            "Where PyPI responses are cached (default: `$XDG_CACHE_HOME/chainward/pypi`).",
        ),
        "cache-ttl": KeySpec(
            "int",
            86400,
            "Seconds a cached PyPI project response is reused before it is fetched again.",
        ),
        "timeout": KeySpec("int", 15, "Seconds before a PyPI request is given up."),
        "ignore-vulnerabilities": KeySpec(
            "list[str]",
            [],
            "Advisory ids (PYSEC-…, GHSA-…, CVE-…) that `vulnerable-dependency` does not report.",
        ),
    },
)

AUDIT_FAMILY = Family(
    name="dependencies-audit",
    summary="Pinned dependencies verified against PyPI: published hashes, known vulnerabilities",
    checks=_audit_check.infos,
    scanner="chainward.dependencies.scan:scan_index",
    in_check=False,
)

_INFOS = {check.id: check for check in (*FAMILY.checks, *AUDIT_FAMILY.checks)}


def info(check_id: CheckId) -> CheckInfo:
    """The declared metadata of one of this module's checks (``info(ID).finding(...)``)."""
    return _INFOS[check_id]
