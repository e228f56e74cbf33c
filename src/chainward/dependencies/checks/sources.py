"""``extra-index-url``, ``pipe-to-shell``, ``unpinned-base-image``, ``untrusted-base-image``."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chainward.core.findings import Confidence, Finding, Severity
from chainward.dependencies.meta import (
    EXTRA_INDEX_URL,
    PIPE_TO_SHELL,
    UNPINNED_BASE_IMAGE,
    UNTRUSTED_BASE_IMAGE,
    info,
)
from chainward.inventory.ai_packages import is_ai_package
from chainward.inventory.model import (
    BaseImage,
    Dependency,
    InstallOption,
    PipeToShell,
    include_groups,
    location,
)

PYPI = "https://pypi.org/simple"
_PYPI_ALIASES = (
    "https://pypi.org/simple",
    "https://pypi.python.org/simple",
    "https://pypi.org/pypi",
)


def normalize_index(url: str, allowed: Iterable[str] = ()) -> str:
    """Compare index URLs without trailing slashes; PyPI and allowed mirrors are PyPI."""
    value = url.strip().rstrip("/")
    lower = value.lower()
    if any(lower.startswith(alias) for alias in _PYPI_ALIASES):
        return PYPI
    for prefix in allowed:
        if prefix and lower.startswith(prefix.rstrip("/").lower()):
            return PYPI
    return value


def find_extra_indexes(
    dependencies: Iterable[Dependency],
    options: Iterable[InstallOption],
    policy: Mapping[str, Any],
    lock_paths: Iterable[str] = (),
    include_edges: Iterable[tuple[str, str]] = (),
) -> Iterator[Finding]:
    """Files that install AI packages from more than one index (dependency confusion).

    Requirements files joined by ``-r``/``-c`` are one install: an extra index in
    ``base.txt`` serves the AI packages of the file that includes it.
    """
    allowed = [str(a) for a in policy.get("allowed-indexes", ())]
    locks = set(lock_paths)
    group_of = include_groups(include_edges)
    ai_groups = {
        group_of.get(d.path, d.path)
        for d in dependencies
        if d.name and not d.locked and is_ai_package(d.name, policy)
    }
    by_group: dict[str, list[InstallOption]] = defaultdict(list)
    for option in options:
        group = group_of.get(option.path, option.path)
        if group in ai_groups and option.path not in locks and option.option != "channel":
            by_group[group].append(option)
    for file_options in (by_group[g] for g in sorted(by_group)):
        yield from _file_indexes(file_options, allowed)


def _file_indexes(options: list[InstallOption], allowed: list[str]) -> Iterator[Finding]:
    groups: dict[str, list[InstallOption]] = defaultdict(list)
    for option in options:
        groups[option.group].append(option)
    # Every install command (or the file as a whole) draws from its index-url (or PyPI)
    # plus every extra index and find-links location.
    used: dict[str, InstallOption | None] = {}
    extras: list[tuple[InstallOption, list[str]]] = []
    for group_options in groups.values():
        kinds = {o.option for o in group_options}
        index_urls = [o for o in group_options if o.option == "index-url"]
        own: list[str] = []
        if "no-index" not in kinds:
            if index_urls:
                for option in index_urls:
                    url = normalize_index(option.value, allowed)
                    used.setdefault(url, option)
                    own.append(url)
            elif any(o.option == "install" and o.value == "pip" for o in group_options) or not any(
                o.option == "install" for o in options
            ):
                used.setdefault(PYPI, None)
                own.append(PYPI)
        # An extra index is searched alongside its own command's index, not alongside
        # the indexes of other commands in the file.
        extras.extend(
            (o, own) for o in group_options if o.option in ("extra-index-url", "find-links")
        )
    for option, own in extras:
        target = normalize_index(option.value, allowed)
        if target == PYPI:
            continue
        others = sorted({u for u in own if u != target}) or [PYPI]
        label = "--find-links location" if option.option == "find-links" else "extra index"
        yield info(EXTRA_INDEX_URL).finding(
            f"{label} {option.value} is searched alongside {', '.join(others)} for AI "
            "packages: whoever registers a package's name on either side can serve it "
            "(dependency confusion, as in the torchtriton attack)",
            **location(option),
            fix="install from one index only (a mirror that proxies PyPI), or pin each "
            "package to its index (uv `explicit` indexes, pip `--index-url` per install) "
            "with --hash",
            properties={"index": target},
        )
    if len(used) > 1:
        named = [(url, opt) for url, opt in used.items() if opt is not None and url != PYPI]
        for url, opt in named:
            others = sorted(u for u in used if u != url)
            # Each install draws from its own single index here, so no name is looked up
            # on two indexes at once (that is the extra-index case above): worth knowing,
            # not a dependency-confusion path by itself.
            yield info(EXTRA_INDEX_URL).finding(
                f"installs from {url} while other installs in this file use "
                f"{', '.join(others)}: each install uses one index, but packages from two "
                "indexes end up side by side, so a later install can pick up a name from "
                "the other one",
                severity=Severity.LOW,
                **location(opt),
                fix="use one index for the whole file (a mirror that proxies PyPI) and pin "
                "every package with --hash",
                confidence=Confidence.MEDIUM,
                properties={"index": url},
            )


def find_pipes_to_shell(pipes: Iterable[PipeToShell]) -> Iterator[Finding]:
    """``curl … | sh``-style commands."""
    for pipe in pipes:
        yield info(PIPE_TO_SHELL).finding(
            f"pipes a download into {pipe.interpreter} ({pipe.command!r}): the script runs "
            "unseen and unverified, and can change between two builds",
            **location(pipe),
            fix="download to a file, check it against a pinned digest "
            "(echo '<sha256>  file' | sha256sum -c -), then run it; or use a packaged "
            "installer (e.g. python -m ensurepip, the distribution's python3-pip)",
        )


def docker_hub_name(image: str) -> str:
    """The fully qualified name of an image (``ubuntu`` → ``docker.io/library/ubuntu``)."""
    name = image.split("@", 1)[0]
    first, slash, _ = name.partition("/")
    if not slash:
        return f"docker.io/library/{name}"
    if "." in first or ":" in first or first == "localhost":
        return name
    return f"docker.io/{name}"


def find_unpinned_images(
    images: Iterable[BaseImage], policy: Mapping[str, Any]
) -> Iterator[Finding]:
    """Images without an ``@sha256:`` digest."""
    allow = [str(g) for g in policy.get("allow-unpinned-images", ())]
    for image in images:
        if image.digest and image.digest.startswith("sha256:") and len(image.digest) == 71:
            continue
        name = image.image.split("@", 1)[0]
        if any(
            fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(docker_hub_name(name), g)
            for g in allow
        ):
            continue
        unresolved = "$" in image.image
        reason = (
            "is built from a variable with no default, so whether it is pinned cannot be "
            "checked here"
            if unresolved
            else "has no @sha256 digest: the tag can be moved to other content at any time"
        )
        yield info(UNPINNED_BASE_IMAGE).finding(
            f"image {image.image} {reason}",
            # Unverifiable, not proven unpinned: the variable may hold a digest.
            severity=Severity.LOW if unresolved else None,
            **location(image),
            fix=f"pin the digest and keep the tag for readers: {name}@sha256:<digest> "
            f"(`docker buildx imagetools inspect {name}` prints it)",
            confidence=Confidence.LOW if unresolved else Confidence.HIGH,
            properties={"image": name},
        )


def find_untrusted_images(
    images: Iterable[BaseImage], policy: Mapping[str, Any]
) -> Iterator[Finding]:
    """Images outside ``allowed-registries`` (when the policy sets any)."""
    allowed = [str(p) for p in policy.get("allowed-registries", ())]
    if not allowed:
        return
    for image in images:
        name = image.image.split("@", 1)[0]
        full = docker_hub_name(name)
        if any(name.startswith(p) or full.startswith(p) for p in allowed):
            continue
        yield info(UNTRUSTED_BASE_IMAGE).finding(
            f"image {image.image} does not come from an allowed registry ({', '.join(allowed)})",
            **location(image),
            fix="base the image on one from the allowed registries, or add its prefix to "
            "[tool.chainward.dependencies] allowed-registries",
        )
