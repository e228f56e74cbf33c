"""Scanner of the typosquats family: dependency names, Hugging Face ids, image names.

Names come from the dependency inventory (every manifest, lock file, Dockerfile,
workflow and script install command), from the model-download calls in Python code
(:func:`chainward.inventory.model_refs.collect.collect_model_refs`, shared with the
models family: each file is parsed once per scan) and from the inventory's container
images. The checks themselves are pure functions over those records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chainward.core.context import ScanContext
from chainward.core.findings import CheckId, Confidence, Finding, Severity
from chainward.core.registry import CheckInfo
from chainward.typosquats.meta import (
    DEFAULT_TRUSTED_TOP,
    FAMILY,
    NONEXISTENT_PACKAGE,
    TYPOSQUAT,
    TYPOSQUAT_IMAGE,
    TYPOSQUAT_MODEL,
)

_INFO: dict[CheckId, CheckInfo] = {info.id: info for info in FAMILY.checks}

# The detector, its index and the hub tables load only when there is a name to judge
# (the all-in-one commit hook often stages none).
if TYPE_CHECKING:
    from chainward.typosquats.detect import Detector, Verdict
    from chainward.typosquats.hub import NearMiss


def allow_fix(name: str) -> str:
    """How to accept a name that was flagged."""
    return f'[tool.chainward.typosquats] allow = ["{name}"]'


def settings_of(ctx: ScanContext) -> Mapping[str, Any]:
    """The validated ``[typosquats]`` policy table."""
    return ctx.policy.domain("typosquats")


def detector_for(settings: Mapping[str, Any]) -> Detector:
    """The detector configured by the policy (cached per settings)."""
    from chainward.typosquats.detect import detector
    from chainward.typosquats.index import normalize

    top = int(settings.get("trusted-top", DEFAULT_TRUSTED_TOP))
    allow = tuple(sorted(normalize(a) for a in settings.get("allow", [])))
    return detector(top, allow)


def verdict_message(verdict: Verdict, written: str) -> str:
    """The message of a package finding: name, target with rank, technique, detail."""
    if verdict.technique == "invalid-name":
        return f"{written!r} is not a valid package name: {verdict.detail}"
    if verdict.technique == "llm-hallucination":
        return (
            f"{written!r} is a package name AI assistants invent (llm-hallucination); "
            f"{verdict.detail}"
        )
    rank = f", #{verdict.target_rank} on PyPI by downloads" if verdict.target_rank else ""
    return (
        f"{written!r} looks like a typosquat of {verdict.target!r}{rank} "
        f"({verdict.technique}: {verdict.detail})"
    )


def verdict_fix(verdict: Verdict, name: str) -> str:
    """How to fix or accept a flagged package name."""
    if verdict.technique == "invalid-name":
        return "write the project's real name"
    return (
        f"if you meant {verdict.target!r}, depend on that; if {name!r} is right, "
        f"accept it with {allow_fix(name)}"
    )


def _confidence(score: float) -> Confidence:
    if score >= 0.75:
        return Confidence.HIGH
    if score >= 0.55:
        return Confidence.MEDIUM
    return Confidence.LOW


def package_finding(
    verdict: Verdict, written: str, path: str | None, line: int | None, column: int | None = None
) -> Finding:
    """The ``typosquat`` finding for a flagged verdict."""
    return _INFO[TYPOSQUAT].finding(
        verdict_message(verdict, written),
        path=path,
        line=line,
        column=column,
        fix=verdict_fix(verdict, verdict.normalized or written),
        confidence=_confidence(verdict.score),
        properties={
            "name": verdict.normalized or written,
            "target": verdict.target or "",
            "target_rank": str(verdict.target_rank or ""),
            "technique": verdict.technique or "",
            "score": f"{verdict.score:.2f}",
        },
    )


def find_package_typosquats(dependencies: Iterable[Any], found: Detector) -> Iterator[Finding]:
    """``typosquat`` findings for inventory dependencies fetched from an index by name."""
    cache: dict[str, Verdict] = {}
    for dep in dependencies:
        if dep.source != "index":
            continue  # vcs/url/path dependencies are not looked up by name
        if getattr(dep, "ecosystem", "pypi") != "pypi":
            continue  # conda names live in another namespace (conda's pytorch is real)
        verdict = cache.get(dep.name)
        if verdict is None:
            verdict = found.check(dep.name)
            cache[dep.name] = verdict
        if verdict.flagged:
            yield package_finding(verdict, dep.raw_name, dep.path, dep.line)


def _near_miss_finding(
    check_id: CheckId, miss: NearMiss, kind: str, path: str, line: int, column: int | None
) -> Finding:
    if kind == "organisation":
        accept = miss.name.split("/", 1)[0]
    else:
        from chainward.typosquats.hub import image_repository

        accept = image_repository(miss.name)
    return _INFO[check_id].finding(
        f"{kind} in {miss.name!r} looks like a typosquat of the popular {miss.target!r} "
        f"({miss.technique})",
        path=path,
        line=line,
        column=column,
        fix=f"if you meant {miss.target!r}, use it; if not, accept it with {allow_fix(accept)}",
        confidence=Confidence.MEDIUM,
        properties={"name": miss.name, "target": miss.target, "technique": miss.technique},
    )


def find_model_typosquats(calls: Iterable[Any], allow: frozenset[str]) -> Iterator[Finding]:
    """``typosquat-model`` findings for model-download calls with a resolved repo id."""
    for call in calls:
        repo_id = getattr(call, "repo_id", None)
        if not repo_id or getattr(call, "repo_state", "hub") not in ("hub", "unresolved"):
            continue
        from chainward.typosquats.hub import check_hf_repo

        miss = check_hf_repo(str(repo_id), allow)
        if miss is not None:
            yield _near_miss_finding(
                TYPOSQUAT_MODEL, miss, "organisation", call.path, call.line, call.column
            )


def find_image_typosquats(images: Iterable[Any], allow: frozenset[str]) -> Iterator[Finding]:
    """``typosquat-image`` findings for container images."""
    for image in images:
        from chainward.typosquats.hub import check_image

        miss = check_image(image.image, allow)
        if miss is not None:
            yield _near_miss_finding(
                TYPOSQUAT_IMAGE, miss, "image", image.path, image.line, image.column
            )


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """Yield the family's findings for ``ctx.files``."""
    from chainward.inventory import collect_inventory

    settings = settings_of(ctx)
    allow = frozenset(a.lower() for a in settings.get("allow", []))
    inventory = collect_inventory(ctx)
    yield from inventory.problems
    if inventory.dependencies:  # building the detector costs more than the whole scan
        yield from find_package_typosquats(inventory.dependencies, detector_for(settings))
    if settings.get("models", True):
        from chainward.inventory.model_refs.collect import collect_model_refs

        yield from find_model_typosquats(collect_model_refs(ctx).python_calls(), allow)
    if settings.get("images", True):
        yield from find_image_typosquats(inventory.images, allow)


def find_nonexistent(ctx: ScanContext, fetch: Any = None) -> Iterator[Finding]:
    """``nonexistent-package`` findings: untrusted index dependencies PyPI does not know.

    Network use: one PyPI JSON request per distinct untrusted name (``--online`` only).
    A failed request is reported as not verified, never as a pass.
    """
    from chainward.inventory import collect_inventory
    from chainward.typosquats.online import fetch_pypi, project_info

    found = detector_for(settings_of(ctx))
    seen: dict[str, Any] = {}
    for dep in collect_inventory(ctx).dependencies:
        if dep.source != "index" or getattr(dep, "ecosystem", "pypi") != "pypi":
            continue
        if dep.name in found.trusted or dep.name in found.allow:
            continue
        if dep.name not in seen:
            seen[dep.name] = project_info(dep.name, fetch or fetch_pypi)
        info = seen[dep.name]
        if info.exists is False:
            yield _INFO[NONEXISTENT_PACKAGE].finding(
                f"{dep.raw_name!r} does not exist on PyPI: likely hallucinated, do not install "
                "(anyone can register the name and run code on your machines)",
                path=dep.path,
                line=dep.line,
                fix=f"find the project's real name; if it is private, serve it from your own "
                f"index only, or accept it with {allow_fix(dep.name)}",
                properties={"name": dep.name},
            )
        elif info.exists is None:
            yield _INFO[NONEXISTENT_PACKAGE].finding(
                f"{dep.raw_name!r}: existence on PyPI not verified ({info.error})",
                path=dep.path,
                line=dep.line,
                severity=Severity.LOW,
                confidence=Confidence.LOW,
                fix="rerun with network access to PyPI",
                properties={"name": dep.name},
            )
