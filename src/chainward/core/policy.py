"""Load and validate ``[tool.chainward]`` (pyproject.toml) or ``chainward.toml``.

Both files share one schema. ``--config FILE`` wins over both; ``chainward.toml``
wins over ``pyproject.toml``. Invalid policy exits 2 with the file, the key path
and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from chainward.core.bounded import read_bounded
from chainward.core.errors import ConfigError
from chainward.core.findings import Severity
from chainward.core.schema import KeySpec, read_settings, suggest, validate, validate_table

MAX_POLICY_BYTES = 1 << 20
_SettingsT = TypeVar("_SettingsT")

TOP_LEVEL: Mapping[str, KeySpec] = {
    "exclude": KeySpec(
        "list[str]",
        [],
        "Path globs (relative to the root, `/` separators) that no check scans.",
    ),
    "fail-on": KeySpec(
        "severity", "low", "The lowest severity that makes `chainward` exit 1 (`--fail-on` wins)."
    ),
    "downrank-dirs": KeySpec(
        "list[str]",
        ["tests", "test", "testing", "examples", "example", "docs", "doc", "notebooks"],
        "Findings in files under a folder of one of these names (at any depth), and in "
        "Jupyter notebooks, are reported one severity level lower: test, example and "
        "documentation code weighs less than product code. They are never hidden; `[]` "
        "weighs every file alike.",
    ),
    "max-file-size": KeySpec(
        "int",
        5_000_000,
        "Files larger than this many bytes are not parsed; a `file-too-large` finding says so.",
    ),
}

CHECK_KEYS: Mapping[str, KeySpec] = {
    "enabled": KeySpec("bool", True, "Whether the check runs at all."),
    "severity": KeySpec(
        "severity", None, "Override the check's default severity for every finding."
    ),
    "exclude": KeySpec("list[str]", [], "Path globs where this check's findings are dropped."),
}


# CheckPolicy and Policy are named tuples, not frozen dataclasses: the hook defines them
# on every run, and a named tuple costs a sixth of a dataclass to define (issue 19,
# start-up). They are read by attribute, never copied with ``replace``.
class CheckPolicy(NamedTuple):
    """Per-check settings from ``[tool.chainward.checks.<id>]``."""

    enabled: bool = True
    severity: Severity | None = None
    exclude: tuple[str, ...] = ()


class Policy(NamedTuple):
    """A validated policy: top-level settings, one table per domain, per-check settings."""

    source: Path | None
    settings: Mapping[str, Any]
    domains: Mapping[str, Mapping[str, Any]]
    checks: Mapping[str, CheckPolicy] = MappingProxyType({})

    def domain(self, name: str) -> Mapping[str, Any]:
        """The validated table of one domain (defaults filled in)."""
        return self.domains.get(name, {})

    def settings_of(self, name: str, settings: type[_SettingsT]) -> _SettingsT:
        """The validated table of one family as its typed settings object."""
        return read_settings(settings, self.domain(name))

    def check(self, check_id: str) -> CheckPolicy:
        """The settings of one check (defaults when not configured)."""
        return self.checks.get(check_id, CheckPolicy())

    @property
    def exclude(self) -> tuple[str, ...]:
        """Global exclude globs."""
        return tuple(self.settings.get("exclude", ()))

    @property
    def fail_on(self) -> Severity:
        """The policy's fail-on severity."""
        return Severity.parse(self.settings.get("fail-on", "low"))

    @property
    def downrank_dirs(self) -> frozenset[str]:
        """Folder names whose findings are reported one severity level lower."""
        default = TOP_LEVEL["downrank-dirs"].default
        return frozenset(self.settings.get("downrank-dirs", default))

    @property
    def max_file_size(self) -> int:
        """The per-file size limit in bytes."""
        return int(self.settings.get("max-file-size", TOP_LEVEL["max-file-size"].default))


def find_policy_file(root: Path) -> tuple[Path, bool] | None:
    """The policy file at ``root``: (path, is_pyproject), or None.

    A pyproject.toml counts only when it has a ``[tool.chainward]`` table.
    """
    standalone = root / "chainward.toml"
    if standalone.is_file():
        return standalone, False
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = _read(pyproject)
        except ConfigError:
            return None
        if "chainward" in text:
            return pyproject, True
    return None


def _read(path: Path) -> str:
    data = read_bounded(
        path, MAX_POLICY_BYTES, what="policy file", error=ConfigError, limit_text="1 MiB"
    )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not valid UTF-8 at byte {exc.start}", where=str(path), hint="save it as UTF-8"
        ) from None


def load_policy(
    root: Path,
    domain_schemas: Mapping[str, Mapping[str, KeySpec]],
    check_ids: Sequence[str],
    config: Path | None = None,
) -> Policy:
    """Find, parse and validate the policy for ``root``.

    ``domain_schemas`` maps each domain table name to its key specs; ``check_ids`` are
    the known checks, so that a typo in ``[tool.chainward.checks.<id>]`` is caught.
    """
    if config is not None:
        if not config.is_file():
            raise ConfigError("policy file not found", where=str(config))
        path, is_pyproject = config, config.name == "pyproject.toml"
    else:
        found = find_policy_file(root)
        if found is None:
            return _build({}, None, domain_schemas, check_ids, "<defaults>", "")
        path, is_pyproject = found
    from chainward.core.tomlread import TOMLDecodeError, loads_toml  # only when a file exists

    text = _read(path)
    try:
        document = loads_toml(text)
    except TOMLDecodeError as exc:
        raise ConfigError(
            f"invalid TOML: {exc}", where=str(path), hint="fix the syntax at the line shown"
        ) from None
    prefix = "tool.chainward" if is_pyproject else ""
    if is_pyproject:
        tool = document.get("tool", {})
        table = tool.get("chainward", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError("tool.chainward: expected a table", where=str(path))
    else:
        table = document
    return _build(table, path, domain_schemas, check_ids, str(path), prefix)


def _build(
    table: Mapping[str, Any],
    path: Path | None,
    domain_schemas: Mapping[str, Mapping[str, KeySpec]],
    check_ids: Sequence[str],
    where: str,
    prefix: str,
) -> Policy:
    def key_path(*parts: str) -> str:
        return ".".join((prefix, *parts)) if prefix else ".".join(parts)

    known = {**TOP_LEVEL, **{name: KeySpec("table", {}, "") for name in domain_schemas}}
    known["checks"] = KeySpec("table", {}, "")
    settings: dict[str, Any] = {}
    domains: dict[str, Mapping[str, Any]] = {}
    checks: dict[str, CheckPolicy] = {}
    for key in table:
        if key not in known:
            hint = suggest(key, known)
            raise ConfigError(
                f"{key_path(key)}: unknown key",
                where=where,
                hint=(hint + " " if hint else "") + f"known keys: {', '.join(sorted(known))}",
            )
    for key, spec in TOP_LEVEL.items():
        settings[key] = (
            validate(table[key], spec, where=where, key_path=key_path(key))
            if key in table
            else spec.default
        )
    if settings["max-file-size"] < 1:
        raise ConfigError(
            f"{key_path('max-file-size')}: expected a positive number of bytes",
            where=where,
            hint=f"the default is {TOP_LEVEL['max-file-size'].default}",
        )
    for name, schema in domain_schemas.items():
        raw = table.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(f"{key_path(name)}: expected a table", where=where)
        domains[name] = validate_table(raw, schema, where=where, key_path=key_path(name))
    raw_checks = table.get("checks", {})
    if not isinstance(raw_checks, dict):
        raise ConfigError(f"{key_path('checks')}: expected a table", where=where)
    for check_id, raw in raw_checks.items():
        if check_id not in check_ids:
            hint = suggest(check_id, check_ids)
            raise ConfigError(
                f"{key_path('checks', check_id)}: unknown check id",
                where=where,
                hint=hint or "run `chainward explain --list` for the check ids",
            )
        if not isinstance(raw, dict):
            raise ConfigError(f"{key_path('checks', check_id)}: expected a table", where=where)
        values = validate_table(raw, CHECK_KEYS, where=where, key_path=key_path("checks", check_id))
        severity = values["severity"]
        checks[check_id] = CheckPolicy(
            enabled=values["enabled"],
            severity=Severity.parse(severity) if severity else None,
            exclude=tuple(values["exclude"]),
        )
    return Policy(source=path, settings=settings, domains=domains, checks=checks)
