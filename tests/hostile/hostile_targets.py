"""Every parser chainward runs on untrusted input, as a fuzz target.

A target takes raw bytes and either returns or raises one of its declared error
types; that error must name the file (or say where) so that a user can act on it.
Anything else (RecursionError, a bare ValueError, MemoryError, a hang) is a bug.

Targets whose modules are not importable yet (a family still being built) are
reported as unavailable instead of failing, so the table can list them all.
``benchmarks/fuzz.py`` uses this table for its long runs.
"""

from __future__ import annotations

import atexit
import importlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
FUZZ_PATH = "fuzz/target"


@dataclass(frozen=True)
class Target:
    """One parser under test."""

    name: str
    run: Callable[[bytes], object]
    allowed: tuple[type[BaseException], ...] = ()
    located: Callable[[BaseException], bool] = lambda _exc: True
    tokens: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    """Corpus file names (in tests/data/hostile) whose bytes seed the mutations."""
    binary: bool = False
    findings: Callable[[object], Iterable[Any]] = field(default=lambda _result: ())
    """The findings a result carries (they must name the file)."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _scratch() -> Path:
    # One scratch folder per process (each fuzz run is a forked child).
    if not _SCRATCH:
        path = Path(tempfile.mkdtemp(prefix="chainward-fuzz-"))
        _SCRATCH.append(path)
        # Removed when the process that made it exits (forked children leave by
        # os._exit and run no exit handlers, so they never remove their parent's).
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    return _SCRATCH[0]


_SCRATCH: list[Path] = []


def _names(path: str) -> Callable[[BaseException], bool]:
    def located(exc: BaseException) -> bool:
        text = exc.diagnostics() if hasattr(exc, "diagnostics") else str(exc)
        return path in text

    return located


def _has_line(exc: BaseException) -> bool:
    text = str(exc)
    return getattr(exc, "line", None) is not None or "line" in text or "end of document" in text


# Token alphabets: grammar pieces that random concatenation turns into near-valid input.
YAML_TOKENS = (
    "jobs:",
    "\n",
    "  ",
    "    ",
    "- ",
    "uses: ",
    "run: ",
    "steps:",
    "container:",
    "services:",
    "image: ",
    "actions/checkout@v4",
    "a/b@",
    "0" * 40,
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ": ",
    "|",
    ">",
    "'",
    '"',
    "!!python/object:os.system",
    "!tag ",
    "---",
    "...",
    "#",
    "\t",
    "%YAML 1.2",
    "? ",
    "\x00",
    "\\",
    "${{ x }}",
    "runs:",
    "using: ",
    "docker",
    "composite",
    "dependencies:",
    "pip:",
    "torch==2.1.0",
)
TOML_TOKENS = (
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    '"',
    "'",
    '"""',
    "'''",
    "\n",
    "a",
    "b.c",
    "1",
    "1e400",
    "9" * 30,
    "-",
    "_",
    "true",
    "inf",
    "nan",
    "1979-05-27T07:32:00Z",
    ",",
    "#",
    "\\u0000",
    "\\",
    "project",
    "dependencies",
    "tool",
    "chainward",
    "exclude",
    "fail-on",
    "max-file-size",
    "checks",
    "model",
    "file",
    "path",
    "size",
    "sha256",
    "package",
    "name",
    "version",
    "torch>=1",
    "\x00",
    "\ufeff",
)
REQ_TOKENS = (
    "torch",
    "transformers",
    "==",
    ">=",
    "<",
    "~=",
    "===",
    "!=",
    "2.1.0",
    "1.",
    "*",
    "[",
    "]",
    ",",
    ";",
    " ",
    "\n",
    "\\\n",
    "#",
    "python_version",
    '"3.8"',
    "(",
    ")",
    "and",
    "or",
    "in",
    "@",
    "git+https://github.com/a/b.git@",
    "0" * 40,
    "#egg=x",
    "-r ",
    "-c ",
    "-e ",
    "../",
    "/etc/passwd",
    "--hash=sha256:",
    "a" * 64,
    "--index-url ",
    "--extra-index-url ",
    "https://x.invalid/simple",
    "${X}",
    "${",
    "}",
    "\x00",
    "\r",
    "\t",
    "=",
    "-",
    ".",
    "file:",
    "extra ==",
    "'",
    '"',
    "--find-links=",
)
DOCKER_TOKENS = (
    "FROM ",
    "ARG ",
    "ENV ",
    "RUN ",
    "AS ",
    "--platform=",
    "python:3.11",
    "@sha256:",
    "0" * 64,
    "${A}",
    "$A",
    "${A:-",
    "}",
    "\\\n",
    "\n",
    " ",
    "<<EOF",
    "EOF",
    "pip install ",
    "torch",
    "curl https://x | sh",
    "&&",
    ";",
    "|",
    '"',
    "'",
    "# escape=`",
    "`",
    "[",
    '"sh", "-c"',
    "]",
    "scratch",
    "=",
    "\x00",
    "COPY --from=",
)
PY_TOKENS = (
    "from transformers import AutoModel\n",
    "import transformers as tf\n",
    "AutoModel.from_pretrained(",
    "tf.pipeline(",
    "hf_hub_download(",
    "'org/name'",
    "revision=",
    "'main'",
    "'" + "a" * 40 + "'",
    ")",
    "(",
    ",",
    "\n",
    "    ",
    "def f(x=",
    "):",
    "class M(tf.PreTrainedModel):",
    "x = ",
    "x",
    "*",
    "**",
    "lambda: ",
    "trust_remote_code=True",
    "torch.hub.load(",
    "'a/b:v1'",
    "if ",
    "else",
    ":",
    "[",
    "]",
    "{",
    "}",
    "f'{x}'",
    "\\",
    "\x00",
    "#",
    '"""',
    "async ",
    "await ",
    "global x\n",
    "@dataclass\n",
)
COMMIT_TOKENS = (
    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n",
    "parent ",
    "0" * 40,
    "\n",
    "author A <a@b> 1 +0000\n",
    "committer C <c@d> 1 +0000\n",
    "gpgsig ",
    "gpgsig-sha256 ",
    "-----BEGIN PGP SIGNATURE-----",
    "-----END PGP SIGNATURE-----",
    "-----BEGIN SSH SIGNATURE-----",
    "-----END SSH SIGNATURE-----",
    "-----BEGIN SIGNED MESSAGE-----",
    "-----END SIGNED MESSAGE-----",
    " ",
    "\n ",
    "U1NIU0lH",
    "iQEzBAABCAAdFiEE",
    "MIIC",
    "=",
    "encoding ",
    "ISO-8859-1",
    "mergetag ",
    "\x00",
    "\xff",
)
SIGNERS_TOKENS = (
    "a@b",
    "*",
    ",",
    " ",
    '"',
    "namespaces=",
    "git",
    "valid-after=",
    "valid-before=",
    "20240101",
    "20240101Z",
    "cert-authority",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "AAAAC3NzaC1lZDI1NTE5AAAAI",
    "A" * 43,
    "=",
    "\n",
    "#",
    "\x00",
)
JSON_TOKENS = (
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    '"mediaType"',
    '"application/vnd.dev.sigstore.bundle.v0.3+json"',
    '"verificationMaterial"',
    '"dsseEnvelope"',
    '"payload"',
    '"payloadType"',
    '"signatures"',
    '"sig"',
    '"keyid"',
    '"certificate"',
    '"rawBytes"',
    '"tlogEntries"',
    '"logIndex"',
    '"messageSignature"',
    '"e30="',
    '"MIIC"',
    "1",
    "9" * 40,
    "1e400",
    "null",
    "true",
    "NaN",
    '"\\ud800"',
    "\n",
    '"default"',
    '"hashes"',
    '"version"',
    '"sha256:"',
)


def _compose(data: bytes) -> object:
    from chainward.core.yamlsafe import compose_yaml

    return compose_yaml(_text(data))


def _toml(data: bytes) -> object:
    from chainward.core.tomlread import loads_toml

    return loads_toml(_text(data))


def _policy(data: bytes) -> object:
    from chainward.catalog import load_registry
    from chainward.core.policy import load_policy

    root = _scratch() / "policy"
    root.mkdir(exist_ok=True)
    (root / "chainward.toml").write_bytes(data)
    registry = load_registry()
    schemas = {n: f.policy for n, f in registry.families.items() if f.policy}
    return load_policy(root, schemas, registry.ids())


def _suppress(data: bytes) -> object:
    from chainward.core.suppress import parse_suppression

    return [parse_suppression(line) for line in _text(data).splitlines()]


def _workflow(data: bytes) -> object:
    from chainward.inventory.workflows import parse_workflow

    return parse_workflow(FUZZ_PATH, _text(data))


def _requirements(data: bytes) -> object:
    from chainward.inventory.requirements import parse_requirements

    return parse_requirements(FUZZ_PATH, _text(data))


def _pep508(data: bytes) -> object:
    from chainward.inventory.pep508 import parse_requirement

    return [
        parse_requirement(line, path=FUZZ_PATH, line=1, manifest="requirements")
        for line in _text(data).splitlines()[:50]
        if line.strip()
    ]


def _dockerfile(data: bytes) -> object:
    from chainward.inventory.dockerfile import parse_dockerfile

    return parse_dockerfile(FUZZ_PATH, _text(data))


def _shell(data: bytes) -> object:
    from chainward.inventory.commands import scan_commands

    return scan_commands(FUZZ_PATH, _text(data), 1, "script")


def _commit(data: bytes) -> object:
    from chainward.commits.objects import parse_commit

    record = parse_commit("0" * 40, data)
    record_sha256 = parse_commit("0" * 64, data, "sha256")
    from chainward.commits.verdict import signature_kind

    return [signature_kind(r.signature) for r in (record, record_sha256) if r.signature]


def _ssh_signature(data: bytes) -> object:
    from chainward.commits.ssh import parse_signature, verify_signature

    signature = parse_signature(data)
    return verify_signature(signature, b"payload")


def _allowed_signers(data: bytes) -> object:
    from chainward.commits.ssh import parse_allowed_signers

    return parse_allowed_signers(_text(data), FUZZ_PATH)


def _openpgp_key(data: bytes) -> object:
    from chainward.commits.openpgp import load_keyring

    return load_keyring([(FUZZ_PATH, data)])


def _openpgp_signature(data: bytes) -> object:
    from chainward.commits.openpgp import OpenPGPKeyring, verify

    return verify(OpenPGPKeyring(), b"tree x\n\nmessage\n", data)


def _model_lock(data: bytes) -> object:
    from chainward.inventory.model_lock import parse_lock

    return parse_lock(_text(data), FUZZ_PATH)


def _pickle(data: bytes) -> object:
    from chainward.models.pickles import PickleReport, scan_pickle_stream

    report = PickleReport()
    scan_pickle_stream(io.BytesIO(data), None, report)
    return report


def _model_file(data: bytes) -> object:
    from chainward.models.pickles import scan_model_file

    path = _scratch() / "model.pt"
    path.write_bytes(data)
    return scan_model_file(path, 10_000_000)


def _downloads(data: bytes) -> object:
    from chainward.inventory.model_refs.python import scan_source_full

    return scan_source_full(FUZZ_PATH + ".py", _text(data))


def _bundle(data: bytes) -> object:
    from chainward.core.attestation import Artifact, Policy
    from chainward.provenance.documents import split_documents
    from chainward.provenance.verify import verify_bundle

    artifact = Artifact.from_bytes("a.txt", b"hello\n")
    results = []
    for where, raw in split_documents(data, FUZZ_PATH)[:5]:
        results.append(
            verify_bundle(
                raw,
                where,
                artifact,
                Policy(identity="a@b.c", issuer="https://issuer.invalid"),
            )
        )
    return results


def _gitsign(data: bytes) -> object:
    from chainward.commits.gitsign import GitsignTrust

    return GitsignTrust.from_policy({}).verify(b"tree x\n\nmessage\n", data)


def _rekor_entry(data: bytes) -> object:
    from chainward.commits.gitsign import parse_rekor_entry

    return parse_rekor_entry(data)


def _revoked_keys(data: bytes) -> object:
    from chainward.commits.ssh import parse_revoked_keys

    return parse_revoked_keys(data, FUZZ_PATH)


def _typosquat_names(data: bytes) -> object:
    from chainward.typosquats.detect import check_names
    from chainward.typosquats.hub import check_hf_repo, check_image

    names = _text(data).splitlines()[:40] or [""]
    out: list[object] = list(check_names(names))
    for name in names[:10]:
        out += [check_hf_repo(name), check_image(name)]
    return out


def _pypi_json(data: bytes) -> object:
    from chainward.core.jsonsafe import loads_json
    from chainward.dependencies.index import parse_project

    return parse_project(loads_json(data))


def _pypi_json_typosquats(data: bytes) -> object:
    from chainward.typosquats.online import parse_project

    return parse_project("x", 200, data)


def _popular_names(data: bytes) -> object:
    from chainward.typosquats.refresh import parse_popular

    return parse_popular(data, FUZZ_PATH)


def _public_key(data: bytes) -> object:
    from chainward.provenance.keys import load_public_key_pem

    return load_public_key_pem(data, FUZZ_PATH)


def _envelope(data: bytes) -> object:
    from chainward.core.jsonsafe import loads_json
    from chainward.provenance.keys import parse_envelope

    return parse_envelope(loads_json(data), FUZZ_PATH)


def _model_signing_bundle(data: bytes) -> object:
    from chainward.models.signatures import read_serialization

    path = _scratch() / "model.sig"
    path.write_bytes(data)
    return read_serialization(path)


def _scan(filename: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        from chainward.catalog import load_registry
        from chainward.core.context import ScanContext
        from chainward.core.policy import Policy
        from chainward.engine import run_scan

        root = _scratch() / "scan"
        target = root / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        registry = load_registry()
        families = [f for f in registry.families.values() if f.in_check]
        ctx = ScanContext(
            root=root, files=[filename], policy=Policy(None, {}, {}), offline=True, explicit=True
        )
        return run_scan(ctx, families)

    return run


def _findings_of(result: object) -> Iterable[Any]:
    if isinstance(result, list):
        return [f for f in result if hasattr(f, "check_id")]
    problems = getattr(result, "problems", None)
    return list(problems) if problems is not None else []


def _exc(module: str, name: str) -> type[BaseException]:
    found: type[BaseException] = getattr(importlib.import_module(module), name)
    return found


def _build() -> list[Callable[[], Target]]:
    def yaml() -> Target:
        return Target(
            "yaml",
            _compose,
            (_exc("chainward.core.yamlsafe", "YamlError"),),
            _has_line,
            YAML_TOKENS,
            ("wf-billion-laughs.yml", "wf-weird-types.yml"),
        )

    def toml() -> Target:
        return Target(
            "toml",
            _toml,
            (_exc("chainward.core.tomlread", "TOMLDecodeError"),),
            _has_line,
            TOML_TOKENS,
            ("policy-bom-crlf.toml", "pyproject-wrong-types.toml"),
        )

    def policy() -> Target:
        return Target(
            "policy",
            _policy,
            (_exc("chainward.core.errors", "ConfigError"),),
            _names("chainward.toml"),
            TOML_TOKENS,
            ("policy-wrong-types.toml", "policy-huge-glob.toml", "policy-bom-crlf.toml"),
        )

    def suppress() -> Target:
        return Target(
            "suppress",
            _suppress,
            (),
            tokens=(
                "# chainward: ignore[",
                "a-b",
                ",",
                "]",
                " ",
                "x",
                "\n",
                "chainward:",
                "ignore",
                "[",
                "—",
                "//",
            ),
        )

    def workflow() -> Target:
        return Target(
            "workflow",
            _workflow,
            (_exc("chainward.core.yamlsafe", "YamlError"),),
            _has_line,
            YAML_TOKENS,
            ("wf-weird-types.yml", "wf-merge-keys.yml", "wf-canary-run.yml"),
        )

    def requirements() -> Target:
        _exc("chainward.inventory.requirements", "parse_requirements")
        return Target(
            "requirements",
            _requirements,
            (),
            tokens=REQ_TOKENS,
            seeds=("req-garbage-lines.txt", "req-vcs-urls.txt", "req-env-vars.txt"),
            findings=_findings_of,
        )

    def pep508() -> Target:
        return Target(
            "pep508",
            _pep508,
            (_exc("chainward.inventory.pep508", "RequirementError"),),
            tokens=REQ_TOKENS,
            seeds=("req-garbage-lines.txt", "req-vcs-urls.txt"),
        )

    def dockerfile() -> Target:
        _exc("chainward.inventory.dockerfile", "parse_dockerfile")
        return Target(
            "dockerfile",
            _dockerfile,
            (),
            tokens=DOCKER_TOKENS,
            seeds=("dockerfile-weird-from", "dockerfile-arg-recursion", "dockerfile-heredoc"),
            findings=_findings_of,
        )

    def shell() -> Target:
        _exc("chainward.inventory.commands", "scan_commands")
        return Target("shell", _shell, (), tokens=DOCKER_TOKENS + REQ_TOKENS)

    def commit() -> Target:
        _exc("chainward.commits.objects", "parse_commit")
        return Target(
            "commit",
            _commit,
            (),
            tokens=COMMIT_TOKENS,
            binary=True,
            seeds=(
                "commit-two-signatures.txt",
                "commit-mergetag-garbage.txt",
                "commit-non-utf8.txt",
                "commit-cms-truncated.txt",
            ),
        )

    def ssh_signature() -> Target:
        return Target(
            "ssh-signature",
            _ssh_signature,
            (_exc("chainward.commits.ssh", "SSHSigError"),),
            tokens=COMMIT_TOKENS,
            binary=True,
        )

    def allowed_signers() -> Target:
        return Target(
            "allowed-signers",
            _allowed_signers,
            (_exc("chainward.core.errors", "InputError"),),
            _names(FUZZ_PATH),
            SIGNERS_TOKENS,
            ("allowed-signers-weird",),
        )

    def openpgp_key() -> Target:
        _exc("pysequoia", "Cert")
        return Target(
            "openpgp-key",
            _openpgp_key,
            (_exc("chainward.core.errors", "InputError"),),
            _names(FUZZ_PATH),
            COMMIT_TOKENS,
            ("openpgp-key-garbage.asc",),
            binary=True,
        )

    def openpgp_signature() -> Target:
        _exc("chainward.commits.openpgp", "verify")
        return Target(
            "openpgp-signature",
            _openpgp_signature,
            (),
            tokens=COMMIT_TOKENS,
            binary=True,
        )

    def model_lock() -> Target:
        return Target(
            "model-lock",
            _model_lock,
            (_exc("chainward.inventory.model_lock", "LockError"),),
            _names(FUZZ_PATH),
            TOML_TOKENS,
            ("lock-traversal.toml", "lock-wrong-types-2.toml", "lock-bad-digests.toml"),
        )

    def pickle() -> Target:
        _exc("chainward.models.pickles", "scan_pickle_stream")
        return Target(
            "pickle",
            _pickle,
            (),
            binary=True,
            tokens=(
                "\x80\x02",
                "\x80\x04",
                "c",
                "os\n",
                "system\n",
                "(",
                "t",
                "R",
                ".",
                "]",
                "a",
                "e",
                "}",
                "s",
                "u",
                "\x8c\x02os",
                "\x94",
                "\x93",
                "h\x00",
                "j",
                "r",
                "q\x00",
                "\x95",
                "\x8d",
                "B",
                "S'x'\n",
                "N",
                "0",
                "2",
                "i",
                "o",
                "b",
            ),
            seeds=(
                "pickle-os-system.pkl",
                "pickle-memo-indirect.pkl",
                "pickle-exec-stack-global.pkl",
                "pickle-getattr-import.bin",
            ),
        )

    def model_file() -> Target:
        _exc("chainward.models.pickles", "scan_model_file")
        return Target(
            "model-file",
            _model_file,
            (),
            binary=True,
            seeds=("torch-dangerous.pt", "torch-traversal.pt", "torch-duplicate-names.pt"),
        )

    def downloads() -> Target:
        return Target(
            # The models scanner turns SyntaxError into unparsable-file with the line, and
            # RecursionError/ValueError (ast on 1+1+...+1, NUL bytes) into one without.
            "downloads",
            _downloads,
            (SyntaxError, RecursionError, ValueError),
            lambda exc: (
                not isinstance(exc, SyntaxError)
                or exc.lineno is not None
                or "null bytes" in str(exc)
                or "too complex" in str(exc)  # the parser's own stack overflowed
            ),
            PY_TOKENS,
            ("py-weird-calls.pysrc", "py-deep-calls.pysrc"),
        )

    def bundle() -> Target:
        return Target(
            "bundle",
            _bundle,
            (_exc("chainward.core.errors", "UsageError"),),
            _names(FUZZ_PATH),
            JSON_TOKENS,
            ("bundle-wrong-types.json", "bundle-bad-base64.json", "intoto-multi.jsonl"),
        )

    def gitsign() -> Target:
        _exc("chainward.commits.gitsign", "GitsignTrust")
        return Target(
            "gitsign",
            _gitsign,
            (),
            tokens=COMMIT_TOKENS,
            binary=True,
            seeds=("commit-cms-truncated.txt", "commit-cms-huge-length.txt"),
        )

    def rekor_entry() -> Target:
        return Target(
            "rekor-entry",
            _rekor_entry,
            # GitsignTrust.verify turns exactly these into an UNVERIFIABLE verdict
            # ("cannot be read"): unreadable is not bad (issue 15).
            (
                _exc("chainward.commits.gitsign", "GitsignError"),
                ValueError,
                TypeError,
                KeyError,
                IndexError,
            ),
            binary=True,
        )

    def revoked_keys() -> Target:
        return Target(
            "revoked-keys",
            _revoked_keys,
            (_exc("chainward.core.errors", "InputError"),),
            _names(FUZZ_PATH),
            SIGNERS_TOKENS,
            ("allowed-signers-weird",),
            binary=True,
        )

    def typosquat_names() -> Target:
        _exc("chainward.typosquats.detect", "check_names")
        return Target(
            "typosquat-names",
            _typosquat_names,
            (),
            tokens=(
                "torch",
                "tranformers",
                "-",
                "_",
                ".",
                "\n",
                "\u043e",
                "0",
                "l",
                "1",
                "rn",
                "m",
                "hf://",
                "org/",
                "/",
                ":",
                "@sha256:",
                "ghcr.io/",
                "a" * 200,
                " ",
                "\x00",
                "\u200b",
                "\ufeff",
            ),
            seeds=("req-weird-names.txt",),
        )

    def pypi_json() -> Target:
        return Target(
            "pypi-json",
            _pypi_json,
            (ValueError,),
            tokens=(
                *JSON_TOKENS,
                '"info"',
                '"releases"',
                '"urls"',
                '"digests"',
                '"yanked"',
                '"filename"',
            ),
            seeds=("pipfile-lock-wrong-types.json",),
        )

    def pypi_json_typosquats() -> Target:
        _exc("chainward.typosquats.online", "parse_project")
        return Target(
            "pypi-json-typosquats",
            _pypi_json_typosquats,
            (),
            tokens=(
                *JSON_TOKENS,
                '"info"',
                '"releases"',
                '"upload_time"',
                '"requires_dist"',
                '"2024-01-01T00:00:00Z"',
            ),
        )

    def popular_names() -> Target:
        return Target(
            "popular-names",
            _popular_names,
            (_exc("chainward.core.errors", "InputError"),),
            _names(FUZZ_PATH),
            (*JSON_TOKENS, '"rows"', '"project"', '"download_count"', "\t", "1"),
        )

    def public_key() -> Target:
        return Target(
            "public-key",
            _public_key,
            (_exc("chainward.core.errors", "InputError"),),
            _names(FUZZ_PATH),
            (
                "-----BEGIN PUBLIC KEY-----\n",
                "-----END PUBLIC KEY-----\n",
                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
                "A" * 64,
                "\n",
                "=",
                "PRIVATE KEY",
                "-----BEGIN RSA PUBLIC KEY-----\n",
            ),
            binary=True,
        )

    def envelope() -> Target:
        return Target(
            "dsse-envelope",
            _envelope,
            (_exc("chainward.core.errors", "InputError"), ValueError),
            tokens=JSON_TOKENS,
            seeds=("intoto-multi.jsonl", "bundle-bad-base64.json"),
        )

    def model_signing_bundle() -> Target:
        return Target(
            "model-signing-bundle",
            _model_signing_bundle,
            (_exc("chainward.models.signatures", "SignatureError"),),
            _names("model.sig"),
            JSON_TOKENS,
            ("bundle-bad-base64.json",),
        )

    def scanner(
        filename: str, tokens: tuple[str, ...], seeds: tuple[str, ...], binary: bool = False
    ) -> Callable[[], Target]:
        def make() -> Target:
            return Target(
                f"scan:{filename}",
                _scan(filename),
                (),
                tokens=tokens,
                seeds=seeds,
                binary=binary,
                findings=_findings_of,
            )

        return make

    return [
        yaml,
        toml,
        policy,
        suppress,
        workflow,
        requirements,
        pep508,
        dockerfile,
        shell,
        commit,
        ssh_signature,
        allowed_signers,
        openpgp_key,
        openpgp_signature,
        model_lock,
        pickle,
        model_file,
        downloads,
        bundle,
        gitsign,
        rekor_entry,
        revoked_keys,
        typosquat_names,
        pypi_json,
        pypi_json_typosquats,
        popular_names,
        public_key,
        envelope,
        model_signing_bundle,
        scanner("requirements.txt", REQ_TOKENS, ("req-garbage-lines.txt", "req-vcs-urls.txt")),
        scanner("pyproject.toml", TOML_TOKENS + REQ_TOKENS, ("pyproject-wrong-types.toml",)),
        scanner(
            "setup.cfg",
            (*REQ_TOKENS, "[options]", "install_requires =", "%("),
            ("setup-cfg-weird.cfg",),
        ),
        scanner("Pipfile.lock", JSON_TOKENS, ("pipfile-lock-wrong-types.json",)),
        scanner("environment.yml", YAML_TOKENS, ("environment-weird.yml",)),
        scanner("uv.lock", TOML_TOKENS, ("uv-lock-wrong-types.toml",)),
        scanner("poetry.lock", TOML_TOKENS, ("poetry-lock-wrong-types.toml",)),
        scanner("pylock.toml", TOML_TOKENS, ("pylock-traversal.toml",)),
        scanner("Dockerfile", DOCKER_TOKENS, ("dockerfile-weird-from",)),
        scanner(".github/workflows/ci.yml", YAML_TOKENS, ("wf-weird-types.yml",)),
        scanner("app.py", PY_TOKENS, ("py-weird-calls.pysrc",)),
        scanner("model.pkl", (), ("pickle-os-system.pkl", "pickle-memo-indirect.pkl"), True),
        scanner("model.pt", (), ("torch-dangerous.pt",), True),
        scanner("chainward.lock", TOML_TOKENS, ("lock-traversal.toml",)),
    ]


def load_targets() -> tuple[dict[str, Target], dict[str, str]]:
    """(available targets by name, unavailable target makers with the reason)."""
    available: dict[str, Target] = {}
    missing: dict[str, str] = {}
    for make in _build():
        try:
            target = make()
        except (ImportError, AttributeError) as exc:
            missing[make.__name__] = f"{type(exc).__name__}: {exc}"
            continue
        available[target.name] = target
    return available, missing


def seed_bytes(target: Target) -> list[bytes]:
    """The corpus files that seed a target's mutations (missing ones skipped)."""
    out = []
    for name in target.seeds:
        path = HOSTILE / name
        if path.is_file():
            out.append(path.read_bytes()[:20_000])
    return out


# --- property-based fuzzing (used by the tests and by benchmarks/fuzz.py) -------------------

PER_EXAMPLE_SECONDS = 5.0
"""Bounded time: no single input of a few kilobytes may take longer than this."""


def inputs(target: Target) -> Any:
    """A hypothesis strategy of hostile inputs for ``target``.

    Random bytes or text; random sequences of the format's own tokens (near-valid
    input reaches deep into a parser); and seed files from the corpus mutated by
    splices and by repeating a slice many times (nesting, anchors, continuations).
    """
    from hypothesis import strategies as st

    choices = [
        st.binary(max_size=2048) if target.binary else st.text(max_size=1024).map(str.encode)
    ]
    if target.tokens:
        choices.append(
            st.lists(st.sampled_from(target.tokens), max_size=80).map(
                lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
            )
        )
    seeds = seed_bytes(target)
    if seeds:
        splice = st.tuples(st.integers(0, 1 << 20), st.integers(0, 64), st.binary(max_size=24))
        repeat = st.tuples(st.integers(0, 1 << 20), st.integers(1, 16), st.integers(2, 3000))

        def mutate(
            args: tuple[bytes, list[tuple[int, int, bytes]], list[tuple[int, int, int]]],
        ) -> bytes:
            data, splices, repeats = args
            buffer = bytearray(data)
            for position, delete, insert in splices:
                at = position % (len(buffer) + 1)
                buffer[at : at + delete] = insert
            for position, width, times in repeats:
                at = position % (len(buffer) + 1)
                chunk = bytes(buffer[at : at + width])
                buffer[at:at] = chunk * times
            return bytes(buffer[:200_000])

        choices.append(
            st.tuples(
                st.sampled_from(seeds),
                st.lists(splice, max_size=6),
                st.lists(repeat, max_size=2),
            ).map(mutate)
        )
    return st.one_of(*choices)


class FuzzFailure(AssertionError):
    """A parser misbehaved on one input."""


def check_one(target: Target, data: bytes) -> None:
    """Run one input; raise FuzzFailure on a crash, an unlocated error or a slow parse."""
    import time

    start = time.perf_counter()
    try:
        result = target.run(data)
    except target.allowed as exc:
        if not target.located(exc):
            raise FuzzFailure(f"{target.name}: error does not say where: {exc!r}") from None
        result = None
    except Exception as exc:
        raise FuzzFailure(
            f"{target.name}: {type(exc).__name__}: {str(exc)[:200]} on {data[:120]!r}"
        ) from exc
    elapsed = time.perf_counter() - start
    if elapsed > PER_EXAMPLE_SECONDS:
        raise FuzzFailure(f"{target.name}: {elapsed:.2f}s on {len(data)} bytes: {data[:120]!r}")
    for finding in target.findings(result):
        if not getattr(finding, "path", None):
            raise FuzzFailure(f"{target.name}: finding without a path: {finding}")


def fuzz(target: Target, max_examples: int, *, derandomize: bool = True) -> int:
    """Run ``max_examples`` hypothesis examples against ``target``; return how many ran."""
    from hypothesis import HealthCheck, given, settings

    count = [0]

    @settings(
        max_examples=max_examples,
        deadline=None,  # check_one bounds each example itself, without flaky timing
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs(target))
    def prop(data: bytes) -> None:
        count[0] += 1
        check_one(target, data)

    prop()
    return count[0]
