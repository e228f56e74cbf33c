"""One requirement string (PEP 508, or pip's bare URL/path forms) into a Dependency.

Names, specifiers, extras and markers are parsed by ``packaging``; only pip's own
forms that PEP 508 lacks (a bare VCS URL with ``#egg=``, a wheel URL, a local path)
are taken apart here, with ``urllib.parse`` and ``packaging.utils``.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from chainward.inventory.model import Dependency, ManifestScan, malformed_line

# packaging is imported inside the functions that parse (about 15 ms of start-up that a
# commit staging no requirement never needs).
if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")
HASH_ALGORITHMS = ("sha256", "sha384", "sha512", "md5", "sha1", "sha224", "blake2b")


class RequirementError(ValueError):
    """A requirement string that cannot be parsed; the message says why."""


def exact_version(specifier: SpecifierSet | str) -> str | None:
    """The version a specifier pins exactly (``==X`` without ``*``, or ``===X``), else None."""
    from packaging.specifiers import SpecifierSet

    try:
        parsed = specifier if isinstance(specifier, SpecifierSet) else SpecifierSet(specifier)
    except ValueError:
        return None
    specs = list(parsed)
    if len(specs) != 1:
        # ``==1.0,>=0.9`` still pins exactly one version.
        exact = [s for s in specs if s.operator in ("==", "===") and "*" not in s.version]
        return exact[0].version if len(exact) == 1 else None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version):
        return spec.version
    return None


def source_of(url: str) -> str:
    """``vcs``, ``url`` or ``path`` for a direct reference."""
    lower = url.lower()
    if lower.startswith(VCS_SCHEMES):
        return "vcs"
    if lower.startswith(("http://", "https://", "ftp://")):
        return "url"
    return "path"


def _split(url: str) -> SplitResult:
    # urlsplit raises ValueError on input such as "http://[::1" (an unclosed IPv6 host).
    try:
        return urlsplit(url)
    except ValueError:
        return SplitResult("", "", "", "", "")


def url_hashes(url: str) -> tuple[str, ...]:
    """Hashes given in a URL fragment (``#sha256=<hex>``) as ``algo:hex``."""
    fragment = _split(url).fragment
    out: list[str] = []
    for key, values in parse_qs(fragment).items():
        if key.lower() in HASH_ALGORITHMS:
            out.extend(f"{key.lower()}:{v}" for v in values)
    return tuple(out)


def vcs_ref(url: str) -> str | None:
    """The ``@ref`` of a VCS URL (``git+https://host/repo.git@ref#egg=x``), or None."""
    parts = _split(url.split("+", 1)[1] if "+" in url.split("://", 1)[0] else url)
    path = parts.path
    if "@" not in path:
        return None
    ref = path.rsplit("@", 1)[1]
    return unquote(ref) or None


def _name_from_url(url: str) -> str | None:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    parts = _split(url)
    egg = parse_qs(parts.fragment).get("egg")
    if egg:
        return egg[0].split("[", 1)[0] or None
    filename = posixpath.basename(unquote(parts.path))
    if filename.endswith(".whl"):
        try:
            return str(parse_wheel_filename(filename)[0])
        except InvalidWheelFilename:
            return None
    try:
        return str(parse_sdist_filename(filename)[0])
    except InvalidSdistFilename:
        pass
    if url.lower().startswith(VCS_SCHEMES):
        base = posixpath.basename(parts.path.rsplit("@", 1)[0].rstrip("/"))
        return base.removesuffix(".git") or None
    return None


def is_direct_reference(text: str) -> bool:
    """Whether a requirement line is pip's bare URL or path form (not ``name @ url``)."""
    head = text.split(";", 1)[0].strip()
    lower = head.lower()
    if lower.startswith(VCS_SCHEMES) or lower.startswith(("file:", "http://", "https://")):
        return True
    if head.startswith((".", "/", "~")):
        return True
    # A Windows or relative path with separators and no PEP 508 " @ " form.
    return ("/" in head or "\\" in head) and "@" not in head and "://" not in head


def _expand_placeholders(text: str) -> tuple[str, bool]:
    """Replace pip's ``${VAR}`` with a placeholder version so that the name still parses."""
    out: list[str] = []
    found = False
    index = 0
    while True:
        start = text.find("${", index)
        end = text.find("}", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(text[index:])
            break
        out.append(text[index:start])
        out.append("0")
        found = True
        index = end + 1
    return "".join(out), found


def parse_requirement(
    text: str,
    *,
    path: str,
    line: int,
    manifest: str,
    hashes: tuple[str, ...] = (),
    locked: bool = False,
    editable: bool = False,
) -> Dependency:
    """Parse one requirement string; raise RequirementError when it is malformed."""
    text = text.strip()
    if not text:
        raise RequirementError("empty requirement")
    if editable or is_direct_reference(text):
        return _direct(text, path=path, line=line, manifest=manifest, hashes=hashes, locked=locked)
    parse_text, has_variable = _expand_placeholders(text) if "${" in text else (text, False)
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        req = Requirement(parse_text)
    except InvalidRequirement as exc:
        raise RequirementError(str(exc).splitlines()[0]) from None
    except RecursionError:
        # packaging before 26 parses markers recursively: thousands of nested parentheses
        # exhaust the stack instead of raising InvalidRequirement.
        raise RequirementError("marker nested too deeply to parse") from None
    except ValueError as exc:
        # packaging before 26 lets int() fail on a version of thousands of digits.
        raise RequirementError(f"cannot be parsed: {exc}") from None
    marker = str(req.marker) if req.marker is not None else None
    if req.url:
        url_hash = url_hashes(req.url)
        return Dependency(
            path=path,
            line=line,
            name=canonicalize_name(req.name),
            raw_name=req.name,
            specifier="",
            version=None,
            extras=tuple(sorted(req.extras)),
            marker=marker,
            hashes=hashes + url_hash,
            source=source_of(req.url),
            url=req.url,
            manifest=manifest,
            locked=locked,
        )
    specifier = str(req.specifier)
    version = exact_version(req.specifier)
    if has_variable:
        # The version comes from the environment at install time: not known here.
        specifier = text[len(req.name) :].split(";", 1)[0].strip()
        version = None
    return Dependency(
        path=path,
        line=line,
        name=canonicalize_name(req.name),
        raw_name=req.name,
        specifier=specifier,
        version=version,
        extras=tuple(sorted(req.extras)),
        marker=marker,
        hashes=hashes,
        source="index",
        url=None,
        manifest=manifest,
        locked=locked,
    )


def add_requirement(
    out: ManifestScan,
    text: str,
    *,
    path: str,
    line: int,
    manifest: str,
    hashes: tuple[str, ...] = (),
    editable: bool = False,
) -> bool:
    """Append the dependency ``text`` declares to ``out``, or a malformed-line problem
    when it does not parse; True if it parsed."""
    try:
        dependency = parse_requirement(
            text, path=path, line=line, manifest=manifest, hashes=hashes, editable=editable
        )
    except RequirementError as exc:
        out.problems.append(malformed_line(path, line, str(exc)))
        return False
    out.dependencies.append(dependency)
    return True


def _direct(
    text: str,
    *,
    path: str,
    line: int,
    manifest: str,
    hashes: tuple[str, ...],
    locked: bool,
) -> Dependency:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    url, sep, marker_text = text.partition(";")
    url = url.strip()
    marker: str | None = None
    if sep and marker_text.strip():
        try:
            # Validate the marker with packaging (a throwaway requirement carries it).
            parsed = Requirement(f"x; {marker_text.strip()}")
        except InvalidRequirement as exc:
            raise RequirementError(str(exc).splitlines()[0]) from None
        except RecursionError:
            raise RequirementError("marker nested too deeply to parse") from None
        marker = str(parsed.marker) if parsed.marker is not None else None
    if not url:
        raise RequirementError("empty URL")
    raw_name = _name_from_url(url) or ""
    extras: tuple[str, ...] = ()
    return Dependency(
        path=path,
        line=line,
        name=canonicalize_name(raw_name) if raw_name else "",
        raw_name=raw_name,
        specifier="",
        version=None,
        extras=extras,
        marker=marker,
        hashes=hashes + url_hashes(url),
        source=source_of(url),
        url=url,
        manifest=manifest,
        locked=locked,
    )
