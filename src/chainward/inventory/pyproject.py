"""``pyproject.toml``: PEP 621 dependencies and extras, PEP 735 dependency groups,
``build-system.requires``, Poetry's dependency tables and sources, uv's sources and
indexes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainward.inventory.model import Dependency, InstallOption, ManifestScan
from chainward.inventory.paths import is_pyproject_path
from chainward.inventory.pep508 import (
    add_requirement,
    exact_version,
    source_of,
)
from chainward.inventory.positions import LineFinder
from chainward.inventory.tomldoc import toml_parser


def _strings(
    rel: str,
    values: Any,
    finder: LineFinder,
    after: int,
    out: ManifestScan,
) -> None:
    if not isinstance(values, list):
        return
    for value in values:
        if not isinstance(value, str):
            continue
        line = finder.string(value, after)
        add_requirement(out, value, path=rel, line=line, manifest="pyproject")


def poetry_dependency(
    rel: str, line: int, raw_name: str, value: Any, manifest: str = "pyproject"
) -> Dependency | None:
    """A Dependency from one Poetry (or Pipfile) table entry."""
    if isinstance(value, list):
        # Multiple-constraint entries: the first is representative for pinning.
        value = value[0] if value else "*"
    spec_text: str
    source, url = "index", None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    if isinstance(value, str):
        spec_text = value.strip()
    elif isinstance(value, Mapping):
        spec_text = str(value.get("version", "*")).strip()
        extras = tuple(sorted(str(e) for e in value.get("extras", []) if isinstance(e, str)))
        if isinstance(value.get("markers"), str):
            marker = value["markers"]
        if isinstance(value.get("git"), str):
            ref = value.get("rev") or value.get("ref") or value.get("tag") or value.get("branch")
            git_url = value["git"]
            url = f"git+{git_url}" if not git_url.startswith("git+") else git_url
            if isinstance(ref, str) and ref:
                url = f"{url}@{ref}"
            source = "vcs"
        elif isinstance(value.get("url"), str):
            url = value["url"]
            source = source_of(url)
        elif isinstance(value.get("path"), str) or isinstance(value.get("file"), str):
            url = str(value.get("path") or value.get("file"))
            source = "path"
    else:
        return None
    if spec_text in ("", "*"):
        specifier = ""
    elif spec_text[0].isdigit():
        # Poetry and Pipfile read a bare version as an exact pin.
        specifier = f"=={spec_text}"
    else:
        specifier = spec_text
    version = exact_version(specifier) if source == "index" and specifier else None
    from packaging.utils import canonicalize_name  # only when a package is read

    return Dependency(
        path=rel,
        line=line,
        name=canonicalize_name(raw_name),
        raw_name=raw_name,
        specifier=specifier if source == "index" else "",
        version=version,
        extras=extras,
        marker=marker,
        hashes=(),
        source=source,
        url=url,
        manifest=manifest,
        locked=False,
    )


def _poetry_table(rel: str, table: Any, header: str, finder: LineFinder, out: ManifestScan) -> None:
    if not isinstance(table, Mapping):
        return
    after = finder.header(header)
    for raw_name, value in table.items():
        if raw_name.lower() == "python":
            continue
        line = finder.key(raw_name, after)
        dependency = poetry_dependency(rel, line, raw_name, value)
        if dependency is not None:
            out.dependencies.append(dependency)


def matches(rel: str) -> bool:
    """``pyproject.toml`` in any folder."""
    return is_pyproject_path(rel)


@toml_parser
def parse(rel: str, text: str, document: dict[str, Any], out: ManifestScan) -> None:
    """Inventory a ``pyproject.toml``."""
    finder = LineFinder(text)
    project = document.get("project")
    if isinstance(project, Mapping):
        start = finder.header("project")
        _strings(rel, project.get("dependencies"), finder, start, out)
        optional = project.get("optional-dependencies")
        if isinstance(optional, Mapping):
            after = finder.header("project.optional-dependencies", start)
            for group in optional.values():
                _strings(rel, group, finder, after, out)
    groups = document.get("dependency-groups")
    if isinstance(groups, Mapping):
        after = finder.header("dependency-groups")
        for group in groups.values():
            _strings(rel, group, finder, after, out)
    build = document.get("build-system")
    if isinstance(build, Mapping):
        _strings(rel, build.get("requires"), finder, finder.header("build-system"), out)
    tool = document.get("tool")
    if not isinstance(tool, Mapping):
        return
    poetry = tool.get("poetry")
    if isinstance(poetry, Mapping):
        _poetry_table(rel, poetry.get("dependencies"), "tool.poetry.dependencies", finder, out)
        _poetry_table(
            rel, poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies", finder, out
        )
        poetry_groups = poetry.get("group")
        if isinstance(poetry_groups, Mapping):
            for name, group in poetry_groups.items():
                if isinstance(group, Mapping):
                    _poetry_table(
                        rel,
                        group.get("dependencies"),
                        f"tool.poetry.group.{name}.dependencies",
                        finder,
                        out,
                    )
        _sources(rel, poetry.get("source"), "tool.poetry.source", finder, out, poetry=True)
    uv = tool.get("uv")
    if isinstance(uv, Mapping):
        _sources(rel, uv.get("index"), "tool.uv.index", finder, out, poetry=False)
        extra = uv.get("extra-index-url")
        if isinstance(extra, list):
            for url in extra:
                if isinstance(url, str):
                    line = finder.string(url)
                    out.options.append(InstallOption(rel, line, "extra-index-url", url))
        index_url = uv.get("index-url")
        if isinstance(index_url, str):
            out.options.append(InstallOption(rel, finder.string(index_url), "index-url", index_url))
        _strings(rel, uv.get("dev-dependencies"), finder, finder.header("tool.uv"), out)
        _uv_sources(rel, uv.get("sources"), finder, out)


def _uv_sources(rel: str, sources: Any, finder: LineFinder, out: ManifestScan) -> None:
    """``[tool.uv.sources]``: a git, URL or path source replaces the index for that name."""
    if not isinstance(sources, Mapping):
        return
    after = finder.header("tool.uv.sources")
    replaced: set[str] = set()
    for raw_name, value in sources.items():
        entries = value if isinstance(value, list) else [value]
        line = finder.key(raw_name, after)
        for entry in entries:
            if not isinstance(entry, Mapping) or not any(
                isinstance(entry.get(k), str) for k in ("git", "url", "path")
            ):
                continue  # an index or workspace source
            dependency = poetry_dependency(rel, line, raw_name, dict(entry))
            if dependency is not None:
                out.dependencies.append(dependency)
                replaced.add(dependency.name)
    # The declaration in [project] names the package; the source says where it comes
    # from, so the index form of a replaced name is not a dependency of its own.
    out.dependencies[:] = [
        d
        for d in out.dependencies
        if not (d.path == rel and d.source == "index" and d.name in replaced)
    ]


def _sources(
    rel: str, sources: Any, header: str, finder: LineFinder, out: ManifestScan, *, poetry: bool
) -> None:
    if not isinstance(sources, list):
        return
    for source in sources:
        if not isinstance(source, Mapping) or not isinstance(source.get("url"), str):
            continue
        url = source["url"]
        line = finder.string(url)
        if poetry:
            priority = str(source.get("priority", "primary"))
            if source.get("default") is True:
                priority = "primary"
            if priority == "explicit":
                continue  # only packages that name this source use it
            option = "index-url" if priority in ("primary", "default") else "extra-index-url"
        else:
            if source.get("explicit") is True:
                continue
            option = "index-url" if source.get("default") is True else "extra-index-url"
        out.options.append(InstallOption(rel, line, option, url, header))
