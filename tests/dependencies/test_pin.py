"""``chainward pin``: exact pins with --hash lines, comments kept, idempotent, and the
result passes the check. PyPI answers come from the recorded project JSON (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.dependencies.index import PyPIClient
from chainward.dependencies.pin import Pinner, newest_in_range, pin_requirements
from tests.dependencies.conftest import PYPI_DATA, findings_of, inventory_of
from tests.dependencies.wheelhouse import make_wheel

REQUIREMENTS = """\
# Fine-tuning stack (comments and blank lines must survive)

transformers>=4.28.0,<4.31  # trainer API
accelerate
peft==0.13.2 ; python_version >= "3.9"
    # indented comment
packaging>=20,<=26.4
"""


def wheelhouse(folder: Path) -> Path:
    """Wheels of the recorded versions, so pip's resolver runs offline (transformers
    needs packaging, as the real one does)."""
    make_wheel(folder, "transformers", "4.30.2", ["packaging>=20.0"])
    make_wheel(folder, "accelerate", "1.15.0")
    make_wheel(folder, "peft", "0.13.2")
    make_wheel(folder, "packaging", "26.4")
    return folder


def _repo(tmp_path: Path, text: str = REQUIREMENTS) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "requirements.txt").write_text(text)
    (tmp_path / "chainward.toml").write_text(f'[dependencies]\ncache-dir = "{PYPI_DATA}"\n')
    return tmp_path


def _pinner(root: Path, environment: dict[str, str] | None = None) -> Pinner:
    env = environment or {}
    return Pinner(
        PyPIClient(cache_dir=PYPI_DATA, offline=True),
        inventory_of(root).dependencies,
        environment=env.get,
    )


def test_pin_chooses_lock_then_environment_then_pypi(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    # A lock file elsewhere in the repository pins transformers (without hashes).
    (root / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "transformers"\nversion = "4.28.1"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    )
    result = pin_requirements(
        "requirements.txt",
        REQUIREMENTS,
        _pinner(root, {"packaging": "26.4"}),
        {},
    )
    chosen = {name: (c.version, c.origin, len(c.hashes)) for _, name, c in result.pinned}
    assert chosen == {
        "transformers": ("4.28.1", "lock", 2),
        "accelerate": ("1.15.0", "pypi", 2),  # newest in the recording
        "peft": ("0.13.2", "pinned", 2),
        # Not an AI package, but pip's hash-checking mode needs every line hashed.
        "packaging": ("26.4", "environment", 2),
    }
    assert result.skipped == []


def test_newest_in_range_skips_prereleases_and_respects_bounds() -> None:
    project = PyPIClient(cache_dir=PYPI_DATA, offline=True).project("transformers")
    assert newest_in_range(project, ">=4.28.0,<4.31") == "4.30.2"
    assert newest_in_range(project, ">=4.28.0") == "4.46.3"
    assert newest_in_range(project, ">=99") is None


def test_written_file_keeps_comments_passes_the_check_and_is_idempotent(
    tmp_path: Path, cli: object
) -> None:
    root = _repo(tmp_path / "repo")
    links = ("--find-links", str(wheelhouse(tmp_path / "wheels")))
    run = cli  # type: ignore[assignment]
    before = (root / "requirements.txt").read_text()
    dry = run("pin", "--offline", *links, cwd=root)  # type: ignore[operator]
    assert dry.code == 0, dry.err
    assert (root / "requirements.txt").read_text() == before  # a diff only
    assert "+transformers==4.30.2 \\" in dry.out
    assert "-accelerate" in dry.out

    wrote = run("pin", "--offline", "--write", *links, cwd=root)  # type: ignore[operator]
    assert wrote.code == 0, wrote.err
    after = (root / "requirements.txt").read_text()
    assert after.startswith("# Fine-tuning stack (comments and blank lines must survive)\n\n")
    assert "    # indented comment\n" in after
    lines = after.splitlines()
    transformers = lines.index("transformers==4.30.2 \\")
    # The inline comment moves to the end of the requirement's last hash line.
    assert lines[transformers + 2].endswith("  # trainer API")
    assert 'peft==0.13.2 ; python_version >= "3.9" \\' in lines
    assert (
        "    --hash=sha256:d4e0951ec78eac11c45a051801c569913436888c578d48e5ce86996b715bc6ef"
        in lines
    )

    # The result passes the pinning checks.
    kinds = {f.check_id for f in findings_of(root)}
    assert not kinds & {"unpinned-ai-dependency", "missing-dependency-hash"}
    # ...and every line carries hashes, as pip's hash-checking mode requires.
    deps = inventory_of(root).dependencies
    assert deps
    assert all(d.version and d.hashes for d in deps)

    again = run("pin", "--offline", "--write", *links, cwd=root)  # type: ignore[operator]
    assert again.code == 0
    assert (root / "requirements.txt").read_text() == after
    assert run("pin", "--offline", *links, cwd=root).out == ""  # type: ignore[operator]


def test_vcs_lines_move_out_of_a_hashed_file_into_a_comment(tmp_path: Path, cli: object) -> None:
    root = _repo(tmp_path / "repo", "git+https://github.com/huggingface/peft.git\naccelerate\n")
    links = ("--find-links", str(wheelhouse(tmp_path / "wheels")))
    result = cli("pin", "--offline", "--write", *links, cwd=root)  # type: ignore[operator]
    assert result.code == 0, result.err
    assert "requirements.txt:1: peft: moved into a comment" in result.err
    text = (root / "requirements.txt").read_text()
    assert text.startswith(
        "# chainward pin: left out of this hash-checked file (pip's hash-checking mode "
        "refuses VCS requirements; its commit could not be looked up (offline, or the "
        "remote did not answer)):\n"
        "#   git+https://github.com/huggingface/peft.git\n"
        '# install it on its own after this file: pip install --no-deps "git+https://github.com/'
        'huggingface/peft.git@<commit>"\n'
        "accelerate==1.15.0 \\\n"
    )
    assert {f.check_id for f in findings_of(root)} == set()


def test_offline_without_recorded_data_fails_loudly(tmp_path: Path, cli: object) -> None:
    (tmp_path / "requirements.txt").write_text("vllm>=0.6\n")
    (tmp_path / "chainward.toml").write_text(
        f'[dependencies]\ncache-dir = "{tmp_path / "empty"}"\n'
    )
    result = cli("pin", "--offline", "--write", cwd=tmp_path)  # type: ignore[operator]
    assert result.code == 1
    assert "not pinned: vllm" in result.err
    assert (tmp_path / "requirements.txt").read_text() == "vllm>=0.6\n"


def test_pin_refuses_other_manifests_with_exit_2(tmp_path: Path, cli: object) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = cli("pin", "pyproject.toml", cwd=tmp_path)  # type: ignore[operator]
    assert result.code == 2
    assert "only requirements files can be pinned" in result.err
    assert "uv lock" in result.err


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_endings_are_kept(tmp_path: Path, newline: str) -> None:
    text = newline.join(["# x", "peft>=0.13,<0.14", ""])
    result = pin_requirements("requirements.txt", text, _pinner(tmp_path), {})
    assert result.new.count(newline) == 4
    assert result.new.startswith("# x" + newline + "peft==0.13.2 \\" + newline)


def test_files_on_another_index_are_not_pinned_from_pypi(tmp_path: Path) -> None:
    text = "--index-url https://download.pytorch.org/whl/cu118\ntorch>=2.1\n"
    result = pin_requirements("requirements.txt", text, _pinner(tmp_path), {})
    assert not result.changed
    assert [(line, name) for line, name, _ in result.skipped] == [(2, "torch")]
    assert "PyPI only" in result.skipped[0][2]
    # A mirror the policy allows counts as PyPI.
    mirror = "--index-url https://mirror.example.com/simple\npeft>=0.13,<0.14\n"
    allowed = {"allowed-indexes": ["https://mirror.example.com/"]}
    assert pin_requirements("r.txt", mirror, _pinner(tmp_path), allowed).changed


def test_yanked_releases_are_never_chosen_or_silently_hashed(tmp_path: Path) -> None:
    # packaging 20.6 is yanked on PyPI (recorded project JSON).
    pinner = _pinner(tmp_path)
    policy = {"scope": "all"}
    ranged = pin_requirements("r.txt", "packaging>=20.5,<20.7\n", pinner, policy)
    assert [(name, c.version) for _, name, c in ranged.pinned] == [("packaging", "20.5")]
    pinned = pin_requirements("r.txt", "packaging==20.6\n", pinner, policy)
    assert not pinned.changed
    assert "yanked" in pinned.skipped[0][2]
