"""Parser details: requirements lines and options, PEP 508 forms, Dockerfiles, shell commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.inventory.ai_packages import is_ai_package, shipped_ai_packages
from chainward.inventory.commands import conda_spec, scan_commands
from chainward.inventory.dockerfile import parse_dockerfile, substitute
from chainward.inventory.pep508 import (
    RequirementError,
    exact_version,
    parse_requirement,
    vcs_ref,
)
from chainward.inventory.requirements import (
    is_requirements_path,
    logical_lines,
    parse_requirements,
)
from tests.dependencies.conftest import inventory_of


def test_logical_lines_join_continuations_and_drop_comments() -> None:
    text = (
        "a==1 \\\n  --hash=sha256:aa \\\n  --hash=sha256:bb  # pinned\n# whole\n\nb#not-a-comment\n"
    )
    lines = list(logical_lines(text))
    assert [(ln.start, ln.end, ln.text) for ln in lines] == [
        (1, 3, "a==1 --hash=sha256:aa --hash=sha256:bb"),
        (6, 6, "b#not-a-comment"),
    ]


def test_requirement_lines_keep_extras_markers_hashes_and_line() -> None:
    text = (
        "# comment\n"
        "Transformers[torch,sentencepiece] >= 4.28 ; python_version >= '3.10' \\\n"
        "    --hash=sha256:abc\n"
        "torch===2.1.0+cu118\n"
        "-e git+https://github.com/huggingface/peft.git@0123456789abcdef0123456789abcdef01234567#egg=peft\n"
        "./local-pkg\n"
        "flash_attn @ https://example.com/flash_attn-2.5.8-cp310-cp310-linux_x86_64.whl#sha256=ff\n"
        "--index-url https://mirror.example.com/simple\n"
        "--extra-index-url=https://download.pytorch.org/whl/cu118\n"
        "--find-links ./wheels\n"
        "--pre\n"
    )
    parsed = parse_requirements("reqs/requirements.txt", text)
    assert parsed.problems == []
    deps = {d.name: d for d in parsed.dependencies}
    t = deps["transformers"]
    assert (t.line, t.raw_name, t.specifier, t.version) == (2, "Transformers", ">=4.28", None)
    assert t.extras == ("sentencepiece", "torch")
    assert t.marker == 'python_version >= "3.10"'
    assert t.hashes == ("sha256:abc",)
    assert deps["torch"].version == "2.1.0+cu118"
    peft = deps["peft"]
    assert (peft.source, peft.line) == ("vcs", 5)
    assert vcs_ref(peft.url or "") == "0123456789abcdef0123456789abcdef01234567"
    assert deps[""].source == "path" if "" in deps else True
    flash = deps["flash-attn"]
    assert (flash.source, flash.hashes) == ("url", ("sha256:ff",))
    options = [(o.line, o.option, o.value) for o in parsed.options]
    assert options == [
        (8, "index-url", "https://mirror.example.com/simple"),
        (9, "extra-index-url", "https://download.pytorch.org/whl/cu118"),
        (10, "find-links", "./wheels"),
        (11, "pre", ""),
    ]


def test_includes_are_relative_to_the_including_file() -> None:
    parsed = parse_requirements("a/b/requirements.txt", "-r ../base.txt\n-c constraints.txt\n")
    assert [(i.line, i.target, i.kind) for i in parsed.includes] == [
        (1, "a/base.txt", "requirement"),
        (2, "a/b/constraints.txt", "constraint"),
    ]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("torch==", "Expected"),
        ("--no-such-option", "unknown option"),
        ("torch==2.1 --hash", "needs a value"),
        ("--hash=sha256:aa", "must follow a requirement"),
        ('torch ; python_version >>> "3"', "Expected"),
    ],
)
def test_malformed_lines_become_findings_with_their_line(line: str, fragment: str) -> None:
    parsed = parse_requirements("requirements.txt", f"ok==1\n{line}\n")
    assert [p.line for p in parsed.problems] == [2]
    assert fragment in parsed.problems[0].message
    assert [d.name for d in parsed.dependencies] == ["ok"]


def test_environment_variables_leave_the_version_unknown() -> None:
    dep = parse_requirement(
        "torch==${TORCH_VERSION}", path="r.txt", line=1, manifest="requirements"
    )
    assert (dep.name, dep.version, dep.specifier) == ("torch", None, "==${TORCH_VERSION}")


def test_exact_version() -> None:
    assert exact_version("==1.2") == "1.2"
    assert exact_version("===1.2-custom") == "1.2-custom"
    assert exact_version("==1.*") is None
    assert exact_version(">=1,<2") is None
    assert exact_version("==1.2,>=1") == "1.2"
    with pytest.raises(RequirementError):
        parse_requirement("", path="r", line=1, manifest="requirements")


def test_requirements_path_patterns() -> None:
    assert is_requirements_path("requirements.txt")
    assert is_requirements_path("requirements-gpu.txt")
    assert is_requirements_path("requirements/base.in")
    assert is_requirements_path("dev-requirements.txt")
    assert not is_requirements_path("MANIFEST.in")
    assert not is_requirements_path("notes.txt")


def test_dockerfile_stages_args_and_digests() -> None:
    text = (
        "ARG REG=docker.io\n"
        "ARG TAG\n"
        "FROM --platform=linux/amd64 ${REG}/python:3.11@sha256:" + "a" * 64 + " AS base\n"
        "FROM base AS build\n"
        "FROM ${REG}/library/ubuntu:${TAG:-22.04}\n"
        "FROM scratch\n"
        "FROM $UNKNOWN_IMAGE\n"
    )
    parsed = parse_dockerfile("Dockerfile", text)
    images = [(i.line, i.column, i.image, i.digest) for i in parsed.images]
    assert images == [
        (3, 29, "docker.io/python:3.11@sha256:" + "a" * 64, "sha256:" + "a" * 64),
        (5, 6, "docker.io/library/ubuntu:22.04", None),
        (7, 6, "$UNKNOWN_IMAGE", None),
    ]


def test_dockerfile_heredoc_and_exec_form_runs() -> None:
    text = (
        "FROM python:3.11\n"
        "RUN <<EOF\n"
        "set -e\n"
        "pip install torch==2.1.0\n"
        "EOF\n"
        'RUN ["/bin/sh", "-c", "pip install transformers"]\n'
        "RUN --mount=type=cache,target=/root/.cache pip install \\\n"
        "    # a comment inside the continuation\n"
        "    accelerate\n"
    )
    parsed = parse_dockerfile("Dockerfile", text)
    assert [(d.name, d.line) for d in parsed.dependencies] == [
        ("torch", 4),
        ("transformers", 6),
        ("accelerate", 9),
    ]


def test_substitute_forms() -> None:
    values = {"A": "1", "E": ""}
    assert substitute("$A-${A}-${B:-x}-${A:+y}-${E:-z}", values) == ("1-1-x-y-z", False)
    assert substitute("${NOPE}", values) == ("${NOPE}", True)


@pytest.mark.parametrize(
    ("script", "interpreters"),
    [
        ("curl -fsSL https://x.sh | sh", ["sh"]),
        ("curl -fsSL https://x.sh | sudo -E bash -s -- -y", ["bash"]),
        ("wget -qO- https://x | python3.10 -", ["python3.10"]),
        ('sh -c "$(curl -fsSL https://x.sh)"', ["sh"]),
        ("bash <(curl -s https://x.sh)", ["bash"]),
        ("curl -o x.sh https://x.sh && sha256sum -c x.sha && sh x.sh", []),
        ("echo 'curl | sh' && cat file | sh", []),
        ("curl https://x | tee log | grep y", []),
    ],
)
def test_pipe_to_shell_detection(script: str, interpreters: list[str]) -> None:
    scan = scan_commands("s.sh", script, 1, "script")
    assert [p.interpreter for p in scan.pipes] == interpreters


def test_install_commands_and_their_options() -> None:
    script = (
        "python3 -m pip install --upgrade pip\n"
        "sudo pip3 install -r requirements.txt 'torch==2.1.0' --extra-index-url https://x/simple\n"
        "uv pip install --system vllm>=0.6 -e .\n"
        "micromamba install -y -c conda-forge pytorch==2.1.0=cuda118 cudatoolkit=11.8\n"
        "pip download torch\n"
    )
    scan = scan_commands("setup.sh", script, 1, "script")
    assert [(d.name, d.line, d.version) for d in scan.dependencies] == [
        ("pip", 1, None),
        ("torch", 2, "2.1.0"),
        ("vllm", 3, None),
        ("", 3, None),
        ("pytorch", 4, "2.1.0"),
        ("cudatoolkit", 4, None),
    ]
    assert scan.requirement_files == [(2, "requirements.txt")]
    kinds = [(o.line, o.option, o.value) for o in scan.options if o.option != "install"]
    assert kinds == [(2, "extra-index-url", "https://x/simple"), (4, "channel", "conda-forge")]


def test_conda_specs() -> None:
    assert conda_spec("pytorch=2.1") == ("pytorch", "=2.1", None, None)
    assert conda_spec("pytorch=2.1.0=py3.10_cuda11.8_0") == (
        "pytorch",
        "=2.1.0=py3.10_cuda11.8_0",
        "2.1.0",
        None,
    )
    assert conda_spec("conda-forge::numpy==1.26.4") == (
        "numpy",
        "==1.26.4",
        "1.26.4",
        "conda-forge",
    )
    assert conda_spec("python>=3.10") == ("python", ">=3.10", None, None)


def test_ai_package_list() -> None:
    exact, globs = shipped_ai_packages()
    assert "langchain-*" in globs
    for name in ("torch", "transformers", "huggingface-hub", "vllm", "bitsandbytes", "onnxruntime"):
        assert name in exact
    assert is_ai_package("Sentence_Transformers")
    assert is_ai_package("langchain-openai")  # langchain-* family
    assert is_ai_package("llama-index-llms-openai")
    assert not is_ai_package("requests")
    assert is_ai_package("requests", {"scope": "all"})
    assert is_ai_package("my-llm", {"ai-packages": ["my-*"]})
    assert not is_ai_package("torch", {"not-ai-packages": ["torch"], "scope": "all"})


def test_pyproject_invalid_toml_is_a_finding_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n  "torch"\n')
    problems = inventory_of(tmp_path).problems
    assert [(p.check_id, p.path) for p in problems] == [("unparsable-file", "pyproject.toml")]
    assert problems[0].line is not None
    assert problems[0].line >= 4


def test_pipfile_lock_invalid_json_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text('{\n  "default": {\n    "torch": \n')
    problems = inventory_of(tmp_path).problems
    assert [(p.check_id, p.line) for p in problems] == [("unparsable-file", 4)]


def test_workflow_invalid_yaml_is_a_finding(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text("jobs:\n  a:\n    steps: [\n")
    problems = inventory_of(tmp_path).problems
    assert [(p.check_id, p.path) for p in problems] == [
        ("unparsable-file", ".github/workflows/ci.yml")
    ]


def test_include_outside_the_repository_and_remote_include(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "-r ../../etc/passwd\n-r https://example.com/r.txt\ntorch==2.1.0\n"
    )
    problems = inventory_of(tmp_path).problems
    assert [(p.check_id, p.line) for p in problems] == [
        ("broken-requirements-include", 1),
        ("broken-requirements-include", 2),
    ]
    assert "outside the repository" in problems[0].message
    assert "remote" in problems[1].message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Dockerfile", True),
        ("docker/Dockerfile.gpu", True),
        ("app.Dockerfile", True),
        ("Containerfile", True),
        ("dockerfile.j2", True),
        # The parser's own module, docs and configs are not Dockerfiles.
        ("src/chainward/inventory/dockerfile.py", False),
        ("Dockerfile.md", False),
        ("dockerfile.yml", False),
    ],
)
def test_dockerfile_names(path: str, expected: bool) -> None:
    from chainward.inventory.dockerfile import is_dockerfile_path

    assert is_dockerfile_path(path) is expected


def test_github_expressions_are_one_word() -> None:
    scan = scan_commands(
        "ci.yml",
        "pip install torch==${{ matrix.torch }} -r reqs/${{ matrix.r }}.txt",
        4,
        "workflow",
    )
    assert [(d.name, d.specifier, d.version, d.line) for d in scan.dependencies] == [
        ("torch", "==${matrix.torch}", None, 4)
    ]
    assert scan.requirement_files == [(4, "reqs/${matrix.r}.txt")]


def test_inventory_is_parsed_once_per_scan(tmp_path: Path) -> None:
    from chainward.inventory import collect_inventory
    from tests.dependencies.conftest import context

    (tmp_path / "requirements.txt").write_text("torch==2.1.0\n")
    ctx = context(tmp_path)
    first = collect_inventory(ctx)
    assert collect_inventory(ctx) is first
    (tmp_path / "requirements.txt").write_text("torch==2.2.0\n")
    assert collect_inventory(context(tmp_path)).dependencies[0].version == "2.2.0"


@pytest.mark.parametrize("name", ["uv.lock", "poetry.lock", "pylock.toml", "Pipfile"])
def test_invalid_toml_in_each_toml_manifest_is_a_finding_with_its_line(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).write_text('[[package]]\nname = "torch"\nversion = 2.1.0"\n')
    problems = inventory_of(tmp_path).problems
    assert [(p.check_id, p.path, p.line) for p in problems] == [("unparsable-file", name, 3)]
    assert "invalid TOML" in problems[0].message
