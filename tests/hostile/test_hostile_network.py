"""Network discipline: ``--offline`` opens no socket; a failing network is "not verified".

Each command runs in a fresh interpreter with an audit hook (``sys.addaudithook``)
on every socket event that can reach the network: connecting, sending, binding
anything but an ephemeral loopback port, resolving a name, opening a URL. The hook
logs the event and refuses it with ``OSError`` (as an unreachable network would).
With ``--offline`` the log must stay empty; without it the same refusal plays a
network failure, which must become a finding, never a pass or a traceback. A
static test checks that every HTTP call in the code has a timeout.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "chainward"
PROVENANCE_DATA = REPO / "tests" / "data" / "provenance"

BOOT = r"""
import os, sys
LOG = os.environ["CHAINWARD_SOCKET_LOG"]
WATCH = {
    "socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
    "socket.getnameinfo", "urllib.Request", "http.client.connect",
}
LOOPBACK = ("::1", "127.0.0.1", "localhost")
def hook(event, args):
    # urllib3 probes IPv6 support at import by binding a socket to ::1 port 0; that
    # never leaves the machine. Any other bind, and every connect, send or name
    # look-up, is network use.
    if event == "socket.bind" and not (
        isinstance(args[1], tuple) and args[1][0] in LOOPBACK and args[1][1] == 0
    ):
        event = "socket.bind(non-loopback)"
        WATCH.add(event)
    if event in WATCH:
        with open(LOG, "a") as handle:
            handle.write(f"{event} {args!r:.200}\n")
        raise OSError(101, "Network is unreachable (refused by the test's audit hook)")
sys.addaudithook(hook)
from chainward.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

SHA = "0" * 64


def _project(root: Path) -> None:
    """A small AI project that touches every network path chainward has."""
    (root / "requirements.txt").write_text(
        f"torch==2.1.0 --hash=sha256:{SHA}\n"
        f"transformers==4.40.0 --hash=sha256:{'1' * 64}\n"
        "accelerate>=0.20\n"
        "bitsandbytes\n"
    )
    (root / "app.py").write_text(
        "from transformers import AutoModel\nAutoModel.from_pretrained('gooogle/bert-base')\n"
    )
    (root / "a.txt").write_bytes(b"hello\n")
    models = root / "models"
    models.mkdir()
    (models / "w.bin").write_bytes(b"\x80\x02}q\x00.")
    subprocess.run(("git", "init", "-q", "-b", "main", str(root)), check=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(("git", "add", "-A"), cwd=root, check=True, env=env)
    subprocess.run(("git", "commit", "-qm", "x"), cwd=root, check=True, env=env)


def _run(root: Path, argv: list[str], log: Path, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "CHAINWARD_SOCKET_LOG": str(log),
        # A proxy that would swallow requests if the hook ever failed to fire.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        **(extra_env or {}),
    }
    return subprocess.run(
        (sys.executable, "-c", BOOT, *argv),
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bundle() -> tuple[Path, Path]:
    wheel = PROVENANCE_DATA / "sigstore-python" / "rfc8785-0.1.2-py3-none-any.whl"
    return wheel, wheel.with_name(wheel.name + ".sigstore.json")


def offline_commands(root: Path) -> list[tuple[list[str], dict[str, str]]]:
    wheel, bundle = _bundle()
    token_env = {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x",
    }
    return [
        (["check", "--offline", "."], {}),
        (["check", "--offline", "--select",
          "unpublished-hash,vulnerable-dependency,dependency-not-verified", "."], {}),
        (["deps", "--offline", "--verify", "--audit", "."], {}),
        (["pin", "--offline", "requirements.txt"], {}),
        (["pin", "--offline", "--write", "requirements.txt"], {}),
        (["typosquats", "--offline", "--online", "torchh", "tranformers"], {}),
        (["typosquats", "--offline", "--root", "."], {}),
        (["data", "refresh", "--offline", "--from", "https://example.invalid/top.json",
          "--data-dir", str(root / "data-copy")], {}),
        (["models", "lock", "--offline", "models"], {}),
        (["models", "verify", "--offline"], {}),
        (["commits", "--offline", "--all"], {}),
        (["verify-attestation", "--offline", str(wheel), "--bundle", str(bundle),
          "--cert-identity", "https://github.com/trailofbits/rfc8785.py/.github/workflows/"
          "release.yml@refs/tags/v0.1.2",
          "--cert-oidc-issuer", "https://token.actions.githubusercontent.com"], {}),
        (["attest", "--offline", "--sigstore", "a.txt"], token_env),
        (["attest", "--offline", "a.txt"], token_env),
    ]  # fmt: skip


def test_offline_opens_no_socket(tmp_path: Path) -> None:
    """Every command that can reach the network, with --offline: not one socket event."""
    root = tmp_path / "project"
    root.mkdir()
    _project(root)
    log = tmp_path / "sockets.log"
    ran = 0
    for argv, extra in offline_commands(root):
        proc = _run(root, argv, log, extra)
        if "invalid choice" in proc.stderr or "unrecognized arguments" in proc.stderr:
            continue  # a command that has not landed yet
        ran += 1
        assert "Traceback" not in proc.stderr, (argv, proc.stderr)
        assert proc.returncode in (0, 1, 2), (argv, proc.returncode, proc.stderr)
        events = log.read_text() if log.exists() else ""
        assert not events, f"--offline opened a socket in {argv}:\n{events}"
    assert ran >= 8


def test_the_hook_sees_real_socket_use(tmp_path: Path) -> None:
    """The guard is live: without --offline the index look-up is seen and refused."""
    root = tmp_path / "project"
    root.mkdir()
    _project(root)
    log = tmp_path / "sockets.log"
    proc = _run(root, ["deps", "--verify", "--format", "json", "."], log)
    assert log.exists() and log.read_text(), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("argv", "not_verified"),
    [
        (["deps", "--verify", "--audit", "--format", "json", "."], "dependency-not-verified"),
        (["check", "--select", "unpublished-hash,dependency-not-verified",
          "--format", "json", "."], "dependency-not-verified"),
        (["typosquats", "--online", "--format", "json", "torchh"], "online: not verified"),
        (["pin", "requirements.txt"], None),
        (["data", "refresh", "--from", "https://example.invalid/top.json",
          "--data-dir", "data-copy"], None),
    ],
)  # fmt: skip
def test_network_failure_is_not_verified_never_a_pass(
    tmp_path: Path, argv: list[str], not_verified: str | None
) -> None:
    """A refused connection becomes a finding or exit 2, never exit 0 silence or a crash."""
    root = tmp_path / "project"
    root.mkdir()
    _project(root)
    proc = _run(root, argv, tmp_path / "sockets.log")
    if "invalid choice" in proc.stderr or "unrecognized arguments" in proc.stderr:
        pytest.skip(f"{argv[0]} has not landed yet")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr)
    if not_verified and not_verified.startswith("online"):
        assert not_verified in proc.stdout, proc.stdout
    elif not_verified:
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f'"check_id": "{not_verified}"' in proc.stdout, proc.stdout
        assert "unpublished-hash" not in proc.stdout.replace('"dependency-not-verified"', "")


_HTTP_CALLS = {"urlopen", "HTTPSConnection", "HTTPConnection", "create_connection"}
_REQUESTS_VERBS = {"get", "post", "put", "head", "request", "delete", "patch"}


def test_every_http_call_has_a_timeout() -> None:
    """Static check over src: urlopen, http.client and requests calls pass ``timeout=``."""
    missing = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name) else ""  # fmt: skip
            is_http = name in _HTTP_CALLS or (
                owner in ("requests", "session", "http") and name in _REQUESTS_VERBS
            )
            if is_http and not any(k.arg == "timeout" for k in node.keywords):
                missing.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
    assert not missing, missing
