"""The registry of checks: id, summary, default severity, network use, stages.

Each domain package declares its checks and its policy keys in a light ``meta``
module (standard library and ``core`` only) as a :class:`Family`. The top-level
``chainward.catalog`` gathers them; nothing here imports a domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chainward.core.findings import CheckId, Confidence, Finding, Severity

if TYPE_CHECKING:
    from chainward.core.schema import KeySpec

DOCS_BASE = "https://github.com/chainward/chainward/blob/main/src/chainward/docs/checks"

Scanner = Callable[..., Iterable[Finding]]
"""A family's scanner: called with a ``chainward.core.context.ScanContext`` (not named
here, so that the context may build findings from the core's own checks without a
circle), it yields findings."""


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """Metadata of one check. ``id`` never changes and is never reused."""

    id: CheckId
    summary: str
    default_severity: Severity
    family: str
    needs_network: bool = False
    stages: tuple[str, ...] = ("pre-commit", "ci")
    hook: str | None = None
    """The pre-commit hook id that runs this check, when it is not ``id`` itself."""

    @property
    def docs_url(self) -> str:
        """Where the check's documentation lives (one page per check id)."""
        return f"{DOCS_BASE}/{self.id}.md"

    def finding(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        fix: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence = Confidence.HIGH,
        properties: Mapping[str, str] | None = None,
    ) -> Finding:
        """A finding of this check: its id, and its default severity unless the scanner
        knows better (``severity``), so that metadata is declared once, here."""
        return Finding(
            self.id,
            self.default_severity if severity is None else severity,
            message,
            path=path,
            line=line,
            column=column,
            fix=fix,
            confidence=confidence,
            properties=dict(properties) if properties else {},
        )


def check_maker(
    family: str,
    *,
    stages: tuple[str, ...] = ("pre-commit", "ci"),
    hook: str | None = None,
    needs_network: bool = False,
) -> Callable[..., CheckInfo]:
    """A :class:`CheckInfo` maker with a family's common fields filled in.

    ``make(check_id, summary, default_severity, **overrides)``: a family declares each
    check in one call, with only what differs from its siblings.
    """
    common: dict[str, Any] = {
        "family": family,
        "stages": stages,
        "hook": hook,
        "needs_network": needs_network,
    }

    def make(check_id: CheckId, summary: str, severity: Severity, **overrides: Any) -> CheckInfo:
        return CheckInfo(check_id, summary, severity, **{**common, **overrides})

    return make


class CheckList:
    """A family's checks, each declared in one statement that also names its id.

    ``UNSIGNED_COMMIT = _check("unsigned-commit", summary, Severity.HIGH, **overrides)``
    records the :class:`CheckInfo` (the family's common fields filled in, as with
    :func:`check_maker`) and returns its :data:`CheckId`, so that the constant the
    scanners import, the id and the metadata stand together; ``Family(checks=_check.infos)``
    takes the checks in the order they were declared.
    """

    def __init__(
        self,
        family: str,
        *,
        stages: tuple[str, ...] = ("pre-commit", "ci"),
        hook: str | None = None,
        needs_network: bool = False,
    ) -> None:
        self._make = check_maker(family, stages=stages, hook=hook, needs_network=needs_network)
        self._infos: list[CheckInfo] = []

    def __call__(
        self, check_id: str, summary: str, severity: Severity, **overrides: Any
    ) -> CheckId:
        info = self._make(CheckId(check_id), summary, severity, **overrides)
        self._infos.append(info)
        return info.id

    @property
    def infos(self) -> tuple[CheckInfo, ...]:
        """Every check declared so far, in declaration order."""
        return tuple(self._infos)


@dataclass(frozen=True, slots=True)
class Family:
    """A domain's checks, its policy table and the scanner that ``check`` runs.

    ``scanner`` is a ``"module:function"`` path imported only when the family runs,
    so that listing checks never pulls a domain's heavy dependencies.
    ``in_check`` says whether ``chainward check`` runs it by default.
    """

    name: str
    checks: tuple[CheckInfo, ...]
    scanner: str | None = None
    policy: Mapping[str, KeySpec] = field(default_factory=dict)
    in_check: bool = True
    summary: str = ""

    def info(self, check_id: str) -> CheckInfo:
        """The metadata of one of this family's checks (KeyError names it otherwise)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"{check_id!r} is not a check of the {self.name} family")

    def load_scanner(self) -> Scanner | None:
        """Import and return the family's scanner function."""
        if self.scanner is None:
            return None
        import importlib

        module_name, _, attr = self.scanner.partition(":")
        module = importlib.import_module(module_name)
        scanner: Scanner = getattr(module, attr)
        return scanner


class Registry:
    """All families and checks, looked up by id."""

    def __init__(self, families: Iterable[Family]) -> None:
        self.families: dict[str, Family] = {}
        self.checks: dict[CheckId, CheckInfo] = {}
        for family in families:
            if family.name in self.families:
                raise ValueError(f"duplicate family {family.name!r}")
            self.families[family.name] = family
            for check in family.checks:
                if check.id in self.checks:
                    raise ValueError(f"duplicate check id {check.id!r}")
                self.checks[check.id] = check

    def __iter__(self) -> Iterator[CheckInfo]:
        return iter(self.checks.values())

    def get(self, check_id: str) -> CheckInfo | None:
        """The check with this id, or None."""
        return self.checks.get(CheckId(check_id))

    def ids(self) -> list[str]:
        """Every check id, sorted."""
        return sorted(self.checks)
