"""Findings for one scanned model file: denied globals (critical), unknown globals
(high), data-only classes (medium), unverifiable parts (high), TorchScript code off the
allow-list (critical or high, with member and line), the pickle format (info)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from chainward.core.findings import Confidence, Finding, Severity
from chainward.models.meta import (
    PICKLE_FORMAT,
    PICKLE_UNKNOWN_GLOBAL,
    UNSAFE_MODEL_CONTENT,
    UNSAFE_PICKLE,
    UNVERIFIABLE_MODEL_FILE,
)
from chainward.models.pickle_policy import Verdict, classify, denied_reason
from chainward.models.pickle_report import PickleImport, PickleReport, where
from chainward.models.torchscript import CodeUse, UseVerdict


def classify_global(module: str, name: str, extra_allow: Sequence[str] = ()) -> str:
    """``"dangerous"``, ``"safe"``, ``"data"`` or ``"unknown"`` for an imported global."""
    verdict = classify(module, name, "pickle", extra_allow)
    return {
        Verdict.DENIED: "dangerous",
        Verdict.ALLOWED: "safe",
        Verdict.DATA_ONLY: "data",
        Verdict.UNKNOWN: "unknown",
    }[verdict]


def _location(item: PickleImport) -> str:
    where = f" in {item.member}" if item.member else ""
    if item.called_by is not None:
        return (
            f"{where}, {item.called_by} at byte {item.call_offset} (imported at byte {item.offset})"
        )
    return f"{where}, imported at byte {item.offset}"


def find_pickle_problems(
    rel: str, report: PickleReport, extra_allow: Sequence[str] = ()
) -> Iterator[Finding]:
    """Findings for one scanned file: denied globals (critical), unknown globals (high),
    data-only classes (medium), unverifiable parts (high), the pickle format (info)."""
    if not (report.is_pickle or report.problems or report.kinds):
        return
    seen: set[tuple[str, str | None]] = set()
    data_only: dict[str, PickleImport] = {}
    for item in report.imports:
        key = (item.qualified, item.member)
        if key in seen:
            continue
        seen.add(key)
        props = {"global": item.qualified, "offset": str(item.call_offset or item.offset)}
        if item.member:
            props["member"] = item.member
        if not item.resolved:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"pickle imports a global whose name is built at load time{_location(item)}: "
                "what it runs cannot be read statically",
                path=rel,
                fix="do not load this file; convert the weights to safetensors from a trusted copy",
                properties=props,
            )
            continue
        verdict = classify(item.module, item.name, item.fmt, extra_allow)
        if verdict is Verdict.DENIED:
            reason = denied_reason(item.module, item.name) or item.qualified
            verb = "calls" if item.called_by else "imports"
            yield Finding(
                UNSAFE_PICKLE,
                Severity.CRITICAL,
                f"loading this pickle {verb} {item.qualified}{_location(item)}; it reaches "
                f"{reason}, which can run commands, touch files or open connections",
                path=rel,
                fix="do not load this file; delete it and get the model as safetensors "
                "from a trusted source",
                properties=props,
            )
        elif verdict is Verdict.UNKNOWN:
            yield Finding(
                PICKLE_UNKNOWN_GLOBAL,
                Severity.HIGH,
                f"loading this pickle imports {item.qualified}{_location(item)}, which is not "
                f"on the allow-list for {item.fmt} files (unknown callable: its code runs "
                "on load)",
                path=rel,
                fix="review the class; save weights only (state_dict) as safetensors, or add "
                "the exact global to [tool.chainward.models] pickle-allow-globals",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
        elif verdict is Verdict.DATA_ONLY:
            data_only.setdefault(item.qualified, item)
    if data_only:
        # One finding per file: a cache of HTTP responses is one thing to review.
        first = min(data_only.values(), key=lambda i: (i.member or "", i.offset))
        names = ", ".join(sorted(data_only))
        yield Finding(
            PICKLE_UNKNOWN_GLOBAL,
            Severity.MEDIUM,
            f"loading this pickle builds plain data classes that run no code on load: "
            f"{names} (the first at byte {first.call_offset or first.offset}"
            f"{where(first.member)}); the file is still a pickle",
            path=rel,
            fix="store the data as JSON, or add the exact globals to "
            "[tool.chainward.models] pickle-allow-globals",
            confidence=Confidence.MEDIUM,
            properties={"globals": names, "offset": str(first.offset)},
        )
    yield from _code_findings(rel, report.code_uses)
    for problem in report.problems:
        props = {}
        if problem.member:
            props["member"] = problem.member
        if problem.offset is not None:
            props["offset"] = str(problem.offset)
        yield Finding(
            UNVERIFIABLE_MODEL_FILE,
            Severity.HIGH,
            f"unverifiable: {problem.message}",
            path=rel,
            fix="do not load this file until it is re-exported from a trusted copy "
            "(safetensors), or raise max-model-member-size if a limit was hit",
            properties=props,
        )
    if report.is_pickle:
        kind = {
            "pytorch-zip": "a PyTorch zip archive holding a pickle",
            "torchscript": "a TorchScript archive (pickles and code)",
            "torch-legacy-tar": "a legacy PyTorch tar archive of pickles",
            "numpy": "a numpy object array (a pickle)",
        }.get(report.container, "a pickle")
        yield Finding(
            PICKLE_FORMAT,
            Severity.INFO,
            f"model stored as {kind}: loading a pickle can run arbitrary code",
            path=rel,
            fix="save it with safetensors (`safetensors.torch.save_file(model.state_dict(), ...)`)"
            " and load with `torch.load(..., weights_only=True)` until then",
        )


_TORCHSCRIPT_RUNS = (
    "torch.jit.load (and torch.load, which hands TorchScript archives to it) compiles "
    "this code and runs its __setstate__ methods while loading"
)


def _code_findings(rel: str, uses: Sequence[CodeUse]) -> Iterator[Finding]:
    """Findings for TorchScript code: critical for an operator shown to write files,
    unverifiable (high) for anything else off the allow-list or a member that does not
    parse."""
    for use in uses:
        props = {"member": use.member, "line": str(use.line)}
        if use.name:
            props["global"] = use.name
        where = f"TorchScript code {use.member} line {use.line}"
        op = f" ({use.op})" if use.op and use.op != use.name else ""
        if use.verdict is UseVerdict.DENIED:
            yield Finding(
                UNSAFE_MODEL_CONTENT,
                Severity.CRITICAL,
                f"{where} calls {use.name}{op}, which {use.reason}; {_TORCHSCRIPT_RUNS}",
                path=rel,
                fix="do not load this archive; export the weights as safetensors from a "
                "trusted copy and rebuild the module in code",
                properties=props,
            )
        elif use.verdict is UseVerdict.UNPARSABLE:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"unverifiable: {where}: {use.reason}; {_TORCHSCRIPT_RUNS}, and what it "
                "does cannot be proven",
                path=rel,
                fix="do not load this archive until it is re-exported from a trusted copy",
                properties=props,
            )
        else:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"unverifiable: {where} uses {use.name}{op}: {use.reason}; {_TORCHSCRIPT_RUNS}, "
                "and what this name does there cannot be proven",
                path=rel,
                fix="review the code member; re-export the module from trusted source code, "
                "or save the weights as safetensors",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
