"""Regression tests for crashes and blow-ups found by the hostile corpus and the fuzzers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chainward.core.context import ScanContext
from chainward.core.errors import ConfigError
from chainward.core.policy import load_policy
from chainward.core.tomlread import TOMLDecodeError, loads_toml
from chainward.core.yamlsafe import YamlError, compose_yaml
from chainward.dependencies.inventory.workflows import parse_workflow


def test_toml_integer_beyond_python_digit_limit_is_a_decode_error() -> None:
    # tomllib raised a bare ValueError (int() digit limit), which escaped the policy loader.
    with pytest.raises(TOMLDecodeError, match="line 2"):
        loads_toml("x = 1\nmax-file-size = " + "1" * 5000 + "\n")


@pytest.mark.parametrize("opener", ["[", "{a="])
def test_deeply_nested_toml_is_a_decode_error(opener: str) -> None:
    # tomllib raised RecursionError.
    closer = "]" if opener == "[" else "}"
    text = "a = " + opener * 50_000 + "1" + closer * 50_000
    with pytest.raises(TOMLDecodeError, match="nested too deeply"):
        loads_toml(text)


@pytest.mark.parametrize(
    "text", ["a: &a [*a]", "a: &a {b: *a}", "&a [*a, *a]", "x: 1\ny: &b [1, &c [2, *c]]"]
)
def test_recursive_yaml_alias_is_refused(text: str) -> None:
    # libyaml composes these into cyclic node graphs; a recursive walker never ends.
    with pytest.raises(YamlError, match="refers to its own anchor") as info:
        compose_yaml(text)
    assert info.value.line is not None


def test_shared_yaml_aliases_are_still_accepted() -> None:
    node = compose_yaml("a: &a [1, 2]\nb: [*a, *a]\nc: *a\n")
    assert node is not None


def test_workflow_alias_fan_out_is_linear() -> None:
    # N jobs aliasing one job whose steps alias N steps produced N*N records (1e10 for
    # a 2 MB file). Each aliased node is now walked once.
    n = 20_000
    lines = ["x:", "  st: &st {run: echo, uses: a/b@v1}", "  s: &s"]
    lines += ["    - *st"] * n
    lines += ["  j: &j {steps: *s}", "jobs:"]
    lines += [f"  k{i}: *j" for i in range(n)]
    start = time.perf_counter()
    workflow = parse_workflow("w.yml", "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert len(workflow.uses) == 1
    assert len(workflow.runs) == 1


def test_huge_max_file_size_does_not_preallocate(tmp_path: Path) -> None:
    # read(limit + 1) with limit = 2**62 tried to allocate 4 EiB (MemoryError/OverflowError).
    (tmp_path / "chainward.toml").write_text(f"max-file-size = {2**62}\n")
    (tmp_path / "requirements.txt").write_text("torch==2.1.0\n")
    policy = load_policy(tmp_path, {}, [])
    ctx = ScanContext(root=tmp_path, files=["requirements.txt"], policy=policy)
    assert ctx.read_text("requirements.txt") == "torch==2.1.0\n"
    assert ctx.notes == []


@pytest.mark.parametrize("value", ["0", "-1"])
def test_non_positive_max_file_size_is_a_config_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "chainward.toml").write_text(f"max-file-size = {value}\n")
    with pytest.raises(ConfigError, match="max-file-size") as info:
        load_policy(tmp_path, {}, [])
    assert "chainward.toml" in info.value.diagnostics()
