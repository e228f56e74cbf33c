"""Checks and policy keys of the models family (standard library and core only)."""

from __future__ import annotations

from chainward.core.findings import Severity
from chainward.core.registry import CheckList, Family
from chainward.core.schema import KeySpec

VERIFY_HOOK = "verify-model-hashes"
DOWNLOAD_HOOK = "pin-model-downloads"
PICKLE_HOOK = "scan-model-files"

LOCK_NAME = "chainward.lock"

# Suffixes of pickle-based model formats (PyTorch zip archives share some of them).
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib")

_STAGES = ("pre-commit", "ci")


_check = CheckList("models", stages=_STAGES)

MODEL_HASH_MISMATCH = _check(
    "model-hash-mismatch",
    "A model file's size or sha256 differs from the one recorded in chainward.lock.",
    Severity.HIGH,
    hook=VERIFY_HOOK,
)
MODEL_FILE_MISSING = _check(
    "model-file-missing",
    "A model file recorded in chainward.lock is missing from the repository.",
    Severity.HIGH,
    hook=VERIFY_HOOK,
)
UNLOCKED_MODEL_FILE = _check(
    "unlocked-model-file",
    "A file inside a locked model directory is not recorded in chainward.lock.",
    Severity.MEDIUM,
    hook=VERIFY_HOOK,
)
MODEL_PATH_ESCAPE = _check(
    "model-path-escape",
    "A path in chainward.lock is absolute, contains `..`, or is a symlink pointing "
    "outside the repository, so it is refused.",
    Severity.HIGH,
    hook=VERIFY_HOOK,
)
INVALID_MODEL_LOCK = _check(
    "invalid-model-lock",
    "chainward.lock does not follow the documented schema.",
    Severity.HIGH,
    hook=VERIFY_HOOK,
)
UNPINNED_MODEL_DOWNLOAD = _check(
    "unpinned-model-download",
    "Code downloads a model or dataset without pinning a full 40-hex commit revision.",
    Severity.HIGH,
    hook=DOWNLOAD_HOOK,
)
UNRESOLVED_MODEL_DOWNLOAD = _check(
    "unresolved-model-download",
    "A model download whose model or revision cannot be resolved statically "
    "(reported only when `report-unresolved` is on).",
    Severity.LOW,
    hook=DOWNLOAD_HOOK,
)
MODEL_REVISION_MISMATCH = _check(
    "model-revision-mismatch",
    "Code pins a revision of a model that differs from the revision in chainward.lock.",
    Severity.HIGH,
    hook=DOWNLOAD_HOOK,
)
TRUST_REMOTE_CODE = _check(
    "trust-remote-code",
    "A model is loaded with `trust_remote_code=True`, which runs Python from the hub.",
    Severity.HIGH,
    hook=DOWNLOAD_HOOK,
)
UNSAFE_PICKLE = _check(
    "unsafe-pickle",
    "A pickle-based model file imports a dangerous global (os, subprocess, eval, ...) "
    "that runs when the file is loaded.",
    Severity.CRITICAL,
    hook=PICKLE_HOOK,
)
PICKLE_UNKNOWN_GLOBAL = _check(
    "pickle-unknown-global",
    "A pickle-based model file imports a global outside the exact allow-list of its "
    "format (high), or a plain data class that runs no code on load (medium).",
    Severity.HIGH,
    hook=PICKLE_HOOK,
)
UNVERIFIABLE_MODEL_FILE = _check(
    "unverifiable-model-file",
    "A model file whose effect on load cannot be proven: a malformed or truncated "
    "pickle, a global built at load time, an archive Python cannot open, a scan "
    "budget hit, or a symlink leaving the repository.",
    Severity.HIGH,
    hook=PICKLE_HOOK,
)
UNSAFE_MODEL_CONTENT = _check(
    "unsafe-model-content",
    "A model file in a format other than pickle carries a known code-execution "
    "vector: a Keras Lambda layer or custom object, a GGUF chat template reaching "
    "Python internals, ONNX external data leaving the model folder or custom ops.",
    Severity.CRITICAL,
    hook=PICKLE_HOOK,
)
UNSAFE_MODEL_LOAD = _check(
    "unsafe-model-load",
    "Code unpickles a model from a path or stream that is not a constant local file: "
    "`torch.load` without `weights_only=True`, `pickle.load(s)`, `joblib.load`, "
    "`numpy.load(allow_pickle=True)`, Keras `load_model(safe_mode=False)`.",
    Severity.HIGH,
    hook=PICKLE_HOOK,
)
PICKLE_FORMAT = _check(
    "pickle-format",
    "A model is stored in a pickle-based format; safetensors cannot run code.",
    Severity.INFO,
    hook=PICKLE_HOOK,
)
BAD_MODEL_SIGNATURE = _check(
    "bad-model-signature",
    "An OpenSSF model signature does not verify against the model files and the expected signer.",
    Severity.HIGH,
    hook=VERIFY_HOOK,
)


FAMILY = Family(
    name="models",
    summary="Models pinned to a hash and a revision, scanned for unsafe formats, signatures",
    checks=_check.infos,
    scanner="chainward.models.scan:scan",
    policy={
        "lock": KeySpec("str", LOCK_NAME, "Path of the model lock, relative to the root."),
        "report-unresolved": KeySpec(
            "bool",
            False,
            "Report model downloads whose model id or revision cannot be resolved in the "
            "file (as `unresolved-model-download`, low severity).",
        ),
        "online-revisions": KeySpec(
            "bool",
            False,
            "When not `--offline`, ask the hub for the current commit of each unpinned "
            "model id so the fix names it (`GET /api/models/<id>`; `HF_ENDPOINT` is honoured).",
        ),
        "allow-models": KeySpec(
            "list[str]",
            [],
            "Model or dataset ids (globs allowed, e.g. `my-org/*`) that may be downloaded "
            "without a pinned revision.",
        ),
        "pickle-allow-globals": KeySpec(
            "list[str]",
            [],
            "Extra `module.name` globals that pickle files may import without a "
            "`pickle-unknown-global` finding (exact names; globs match your own entries, "
            "never a denied callable such as `os.system`).",
        ),
        "verify-signatures": KeySpec(
            "bool",
            True,
            "Verify the OpenSSF model signatures named in chainward.lock during `check` "
            "(needs the `sigstore` extra).",
        ),
        "max-model-member-size": KeySpec(
            "int",
            1 << 30,
            "Byte budget of `scan-model-files` per model file: the largest pickle, archive "
            "member or decompressed stream read; a file that needs more is reported as "
            "`unverifiable-model-file`.",
        ),
    },
)
