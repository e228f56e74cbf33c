"""``chainward pin`` keeps the intent of a range, writes a hash-checked file pip accepts
(the closure comes from pip's own resolver, run for real against a local wheelhouse),
refuses with exit 2 when it cannot resolve, and comments out what pip cannot hash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chainward.dependencies.index import PyPIClient
from chainward.dependencies.pin import Pinner, newest_in_range, pin_requirements
from chainward.dependencies.pin_closure import ResolveError, pip_resolver, split_vcs_url
from chainward.dependencies.pin_intent import Change, floor_major, major_change, render_table
from tests.dependencies.conftest import PYPI_DATA, findings_of, inventory_of
from tests.dependencies.test_pin import wheelhouse


def _client() -> PyPIClient:
    return PyPIClient(cache_dir=PYPI_DATA, offline=True)


def _repo(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text(text)
    (root / "chainward.toml").write_text(f'[dependencies]\ncache-dir = "{PYPI_DATA}"\n')
    return root


def test_a_range_stays_on_its_major_version() -> None:
    project = _client().project("accelerate")
    # accelerate 1.x exists, but ">=0.20" was written against 0.x.
    assert newest_in_range(project, ">=0.20") == "0.34.2"
    assert newest_in_range(project, "") == "1.15.0"  # no bound, no intent to keep
    assert newest_in_range(project, ">=0.20,<2") == "0.34.2"
    assert floor_major("~=4.46") == 4 and floor_major("") is None
    assert major_change(">=4.28.0", "5.0.1") == "crosses major version 4 → 5"
    assert major_change(">=4.28.0", "4.57.6") == ""


def test_a_pin_that_crosses_a_major_version_is_marked_in_the_table(tmp_path: Path) -> None:
    root = _repo(tmp_path, "accelerate>=0.20\n")
    # The environment already runs accelerate 1.15.0: it is preferred, and flagged.
    pinner = Pinner(_client(), inventory_of(root).dependencies, {"accelerate": "1.15.0"}.get)
    result = pin_requirements("requirements.txt", "accelerate>=0.20\n", pinner, {})
    [(_, _, choice)] = result.pinned
    assert (choice.version, choice.origin) == ("1.15.0", "environment")
    table = render_table(result.changes)
    assert table.splitlines()[1].split() == [
        "!",
        "requirements.txt:1",
        "accelerate",
        ">=0.20",
        "1.15.0",
        "environment",
        "crosses",
        "major",
        "version",
        "0",
        "→",
        "1",
    ]
    added = render_table([Change("r.txt", 0, "packaging", "", "26.4", "pip", "transitive")])
    assert "r.txt (added)  packaging    -    26.4  pip   transitive" in added


def test_the_closure_is_resolved_by_pip_and_hashed(tmp_path: Path, cli: object) -> None:
    wheels = wheelhouse(tmp_path / "wheels")
    root = _repo(tmp_path / "repo", "transformers>=4.28.0,<4.31\naccelerate\n")
    result = cli(  # type: ignore[operator]
        "pin", "--offline", "--write", "--find-links", str(wheels), cwd=root
    )
    assert result.code == 0, result.err
    text = (root / "requirements.txt").read_text()
    # transformers needs packaging: pip found it, PyPI's digests hash it.
    assert "# Dependencies of the requirements above, resolved by pip (chainward pin):" in text
    assert "packaging==26.4 \\\n    --hash=sha256:" in text
    assert "requirements.txt (added)" in result.err and "transitive" in result.err
    # Every line is pinned and hashed, and the check agrees the file is complete.
    deps = inventory_of(root).dependencies
    assert {d.name for d in deps} == {"transformers", "accelerate", "packaging"}
    assert all(d.version and d.hashes for d in deps)
    assert findings_of(root) == []
    # A second run adds nothing.
    again = cli(  # type: ignore[operator]
        "pin", "--offline", "--write", "--find-links", str(wheels), cwd=root
    )
    assert again.code == 0 and (root / "requirements.txt").read_text() == text


def test_offline_without_a_wheelhouse_refuses_with_exit_2(tmp_path: Path, cli: object) -> None:
    root = _repo(tmp_path, "accelerate\n")
    result = cli("pin", "--offline", "--write", cwd=root)  # type: ignore[operator]
    assert result.code == 2
    assert "must list every transitive dependency" in result.err
    assert "--find-links DIR" in result.err
    assert (root / "requirements.txt").read_text() == "accelerate\n"


def test_a_conflict_pip_cannot_resolve_writes_nothing(tmp_path: Path, cli: object) -> None:
    wheels = tmp_path / "wheels"
    from tests.dependencies.wheelhouse import make_wheel

    make_wheel(wheels, "accelerate", "1.15.0", ["packaging<20"])
    make_wheel(wheels, "packaging", "26.4")
    text = "accelerate\npackaging==26.4\n"
    root = _repo(tmp_path / "repo", text)
    result = cli(  # type: ignore[operator]
        "pin",
        "--offline",
        "--write",
        "--find-links",
        str(wheels),
        "--config",
        str(root / "chainward.toml"),
        cwd=root,
    )
    assert result.code == 2
    assert "pip could not resolve" in result.err and "nothing was written" in result.err
    assert (root / "requirements.txt").read_text() == text


def test_resolver_reads_pips_report(tmp_path: Path) -> None:
    wheels = wheelhouse(tmp_path)
    resolve = pip_resolver(offline=True, find_links=wheels)
    assert sorted(resolve(["transformers==4.30.2"])) == [
        ("packaging", "26.4"),
        ("transformers", "4.30.2"),
    ]
    with pytest.raises(ResolveError, match="--offline forbids"):
        pip_resolver(offline=True)(["x"])


def test_unhashed_files_pin_vcs_lines_to_a_commit_or_say_why(tmp_path: Path) -> None:
    # Not hash-checked (no AI package to pin): the VCS line stays a VCS line.
    text = "git+https://github.com/org/tool.git@main#egg=tool\nrich\n"
    pinner = Pinner(_client(), (), None)
    result = pin_requirements("r.txt", text, pinner, {}, offline=True)
    assert result.new.splitlines()[0] == (
        "git+https://github.com/org/tool.git@main#egg=tool  # chainward pin: not pinned to "
        "a commit: its commit could not be looked up (--offline)"
    )
    assert pin_requirements("r.txt", result.new, pinner, {}, offline=True).new == result.new
    # A real lookup: a local repository stands in for the remote.
    remote = tmp_path / "tool"
    subprocess.run(("git", "init", "-q", str(remote)), check=True)
    subprocess.run(
        (
            "git",
            "-C",
            str(remote),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "one",
        ),
        check=True,
    )
    head = subprocess.run(
        ("git", "-C", str(remote), "rev-parse", "HEAD"), capture_output=True, text=True, check=True
    ).stdout.strip()
    local = f"git+file://{remote}#egg=tool\n"
    pinned = pin_requirements("r.txt", local, pinner, {}, offline=False)
    assert pinned.new == f"git+file://{remote}@{head}#egg=tool\n"


def test_split_vcs_url() -> None:
    assert split_vcs_url("git+https://github.com/o/r.git@v1.2#egg=r") == (
        "https://github.com/o/r.git",
        "v1.2",
        "#egg=r",
    )
    assert split_vcs_url("git+ssh://git@github.com/o/r.git") == (
        "ssh://git@github.com/o/r.git",
        None,
        "",
    )


ALPACA = """\
accelerate
appdirs
loralib
bitsandbytes
black
black[jupyter]
datasets
fire
git+https://github.com/huggingface/peft.git
transformers>=4.28.0
sentencepiece
gradio
"""


@pytest.mark.online
def test_alpaca_lora_requirements_install_with_require_hashes(tmp_path: Path, cli: object) -> None:
    """Issue 15's acceptance: pin --write, then pip installs the file in hash-checking mode
    against the real index, and chainward check is clean. Needs PyPI."""
    (tmp_path / "requirements.txt").write_text(ALPACA)
    (tmp_path / "chainward.toml").write_text(f'[dependencies]\ncache-dir = "{tmp_path / "c"}"\n')
    result = cli("pin", "--write", cwd=tmp_path)  # type: ignore[operator]
    assert result.code == 0, result.err
    text = (tmp_path / "requirements.txt").read_text()
    assert "transformers==4." in text  # the range's major version is kept
    assert "#   git+https://github.com/huggingface/peft.git" in text
    installed = subprocess.run(
        (
            sys.executable,
            "-m",
            "pip",
            "install",
            "--require-hashes",
            "--dry-run",
            "--ignore-installed",
            "-r",
            str(tmp_path / "requirements.txt"),
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert cli("check", str(tmp_path)).code == 0  # type: ignore[operator]


def test_a_file_with_a_line_that_cannot_be_pinned_is_left_unchanged(tmp_path: Path) -> None:
    # vllm is not in the recording: pinning accelerate alone would write a hashed file
    # that pip refuses (vllm unhashed), so nothing is written.
    text = "accelerate\nvllm>=0.6\n"
    pinner = Pinner(_client(), (), None)
    result = pin_requirements("r.txt", text, pinner, {})
    assert not result.changed
    assert [name for _, name, _ in result.skipped] == ["vllm"]
    assert "pip refuses a hash-checked file unless every line is pinned" in result.withheld


def test_a_transitive_package_without_hashes_refuses_the_write(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    from tests.dependencies.wheelhouse import make_wheel

    make_wheel(wheels, "accelerate", "1.15.0", ["not-recorded-anywhere"])
    make_wheel(wheels, "not-recorded-anywhere", "1.0")
    pinner = Pinner(_client(), (), None)
    resolver = pip_resolver(offline=True, find_links=wheels)
    with pytest.raises(ResolveError, match=r"not-recorded-anywhere==1\.0"):
        pin_requirements("r.txt", "accelerate\n", pinner, {}, resolver)
