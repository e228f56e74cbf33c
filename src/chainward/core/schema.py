"""A small, typed schema for policy tables, with did-you-mean errors.

Each key has a kind, a default and a line of documentation; ``docs/configuration.md``
is checked against these specs by a test, so the docs cannot drift.

A family reads its table as a typed object: a frozen dataclass whose fields are declared
with :func:`setting` (the field ``allowed_signers`` is the key ``allowed-signers``).
:func:`policy_keys` gives the family's ``KeySpec`` table from it, and :func:`read_settings`
builds the object from a validated table, so scanners read attributes, not string keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, fields
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeVar

from chainward.core.errors import ConfigError

Kind = Literal["str", "bool", "int", "list[str]", "table", "list[table]", "severity"]

_SEVERITIES = ("info", "low", "medium", "high", "critical")
_SettingsT = TypeVar("_SettingsT")


class KeySpec(NamedTuple):
    """One policy key: its kind, default, documentation and, for tables, sub-keys. (A
    named tuple: the hook defines it on every run, at a sixth of a frozen dataclass's
    cost; issue 19, start-up.)"""

    kind: Kind
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    keys: Mapping[str, KeySpec] = MappingProxyType({})
    """Sub-keys, for ``table`` and ``list[table]`` kinds."""


def _describe(kind: Kind) -> str:
    return {
        "str": "a string",
        "bool": "true or false",
        "int": "an integer",
        "list[str]": "a list of strings",
        "table": "a table",
        "list[table]": "a list of tables",
        "severity": "one of " + ", ".join(repr(s) for s in _SEVERITIES),
    }[kind]


def _type_name(value: object) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def suggest(word: str, choices: Any) -> str:
    """A ``did you mean`` clause for a near-miss, or an empty string."""
    import difflib  # only a misspelt key or id pays for it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def validate(value: Any, spec: KeySpec, *, where: str, key_path: str) -> Any:
    """Check ``value`` against ``spec``; return it with defaults filled for tables.

    Raises ConfigError naming the file (``where``), the key path and what was expected.
    """

    def fail(message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{key_path}: {message}", where=where, hint=hint)

    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        return value
    if kind in ("str", "severity"):
        if not isinstance(value, str):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        choices = _SEVERITIES if kind == "severity" else spec.choices
        if choices and value not in choices:
            hint = suggest(value, choices) or None
            raise fail(f"{value!r} is not one of {', '.join(choices)}", hint)
        return value
    if kind == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        if spec.choices:
            for item in value:
                if item not in spec.choices:
                    raise fail(f"{item!r} is not one of {', '.join(spec.choices)}")
        return list(value)
    if kind == "table":
        if not isinstance(value, dict):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        return validate_table(value, spec.keys, where=where, key_path=key_path)
    if kind == "list[table]":
        if not isinstance(value, list):
            raise fail(f"expected {_describe(kind)}, got {_type_name(value)}")
        out = []
        for index, item in enumerate(value):
            item_path = f"{key_path}[{index}]"
            if not isinstance(item, dict):
                raise ConfigError(
                    f"{item_path}: expected a table, got {_type_name(item)}", where=where
                )
            out.append(validate_table(item, spec.keys, where=where, key_path=item_path))
        return out
    raise AssertionError(kind)  # pragma: no cover


def validate_table(
    table: Mapping[str, Any], keys: Mapping[str, KeySpec], *, where: str, key_path: str
) -> dict[str, Any]:
    """Validate every key of ``table``; unknown keys fail with a suggestion."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        spec = keys.get(key)
        sub_path = f"{key_path}.{key}" if key_path else key
        if spec is None:
            hint = suggest(key, keys)
            known = ", ".join(sorted(keys)) or "(none)"
            raise ConfigError(
                f"{sub_path}: unknown key",
                where=where,
                hint=(hint + " " if hint else "") + f"known keys here: {known}",
            )
        out[key] = validate(value, spec, where=where, key_path=sub_path)
    for key, spec in keys.items():
        if key not in out and spec.kind != "table":
            out[key] = spec.default
        elif key not in out:
            out[key] = validate_table({}, spec.keys, where=where, key_path=f"{key_path}.{key}")
    return out


def _typed(value: Any, spec: KeySpec) -> Any:
    """A validated value in its immutable typed form: lists become tuples."""
    if spec.kind == "list[str]":
        return tuple(value or ())
    if spec.kind == "list[table]":
        return tuple(dict(item) for item in value or ())
    if spec.kind == "table":
        return dict(value or {})
    return value


def setting(spec: KeySpec) -> Any:
    """A field of a family's settings dataclass, declared by its key's spec.

    The field's default is the spec's default (lists as tuples); the key is the field
    name with ``-`` for ``_``.
    """
    default = _typed(spec.default, spec)
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def _key(name: str) -> str:
    return name.replace("_", "-")


def policy_keys(settings: type) -> dict[str, KeySpec]:
    """The ``KeySpec`` of every key of a settings dataclass, in declaration order."""
    return {_key(f.name): f.metadata["spec"] for f in fields(settings) if "spec" in f.metadata}


def read_settings(settings: type[_SettingsT], table: Mapping[str, Any] | _SettingsT) -> _SettingsT:
    """The typed settings from a (validated) policy table; missing keys get defaults.

    An object that already is ``settings`` is returned as it is, so entry points can
    take either the table or the typed object.
    """
    if isinstance(table, settings):
        return table
    if not isinstance(table, Mapping):
        raise TypeError(f"expected a policy table or {settings.__name__}, got {type(table)}")
    values: dict[str, Any] = {}
    for item in fields(settings):  # type: ignore[arg-type]
        spec = item.metadata.get("spec")
        if spec is None:
            continue
        key = _key(item.name)
        values[item.name] = _typed(table.get(key, spec.default), spec)
    return settings(**values)
