"""Regression tests for crashes and blow-ups found by the hostile corpus and the fuzzers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hostile_support import run_cli

from chainward.core.context import ScanContext
from chainward.core.errors import ConfigError
from chainward.core.policy import load_policy
from chainward.core.tomlread import TOMLDecodeError, loads_toml
from chainward.core.yamlsafe import YamlError, compose_yaml
from chainward.inventory.workflows import parse_workflow


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


def test_yaml_control_character_error_has_a_line() -> None:
    # libyaml's ReaderError carries an offset, not a mark; it used to lose the location.
    with pytest.raises(YamlError) as info:
        compose_yaml("a: 1\nb: x\x00y\n")
    assert (info.value.line, info.value.column) == (2, 5)


@pytest.mark.parametrize(
    "text", ["[" * 50_000 + "]" * 50_000, '{"a": ' * 5_000 + "1" + "}" * 5_000, "1" * 5000]
)
def test_hostile_json_raises_only_decode_errors(text: str) -> None:
    # json.loads raised RecursionError and a bare ValueError (digit limit) here.
    from chainward.core.jsonsafe import loads_json

    with pytest.raises(json.JSONDecodeError):
        loads_json(text)
    with pytest.raises(json.JSONDecodeError):
        loads_json(text.encode())


def test_unclosed_ipv6_url_requirement_is_not_a_crash() -> None:
    from chainward.inventory.requirements import parse_requirements

    parsed = parse_requirements("requirements.txt", "http://[::1\nx @ https://[::1/x.whl\n")
    assert all(p.path == "requirements.txt" for p in parsed.problems)


def test_lock_path_through_symlink_loop_is_refused(tmp_path: Path) -> None:
    from chainward.models.verify import escape_reason

    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert escape_reason(tmp_path, "a/weights.bin") == "the path runs into a symlink loop"
    assert escape_reason(tmp_path, "x\0y") == "the path contains a NUL byte"


def test_commit_timestamp_beyond_int_digit_limit() -> None:
    from chainward.commits.objects import parse_commit

    raw = b"tree x\nauthor A <a@b> " + b"9" * 5000 + b" +0000\n\nsubject\n"
    record = parse_commit("0" * 40, raw)
    assert (record.author.email, record.author.timestamp) == ("a@b", 0)


def test_python_parser_stack_overflow_is_a_syntax_error() -> None:
    # ast.parse raises MemoryError (its stack overflowing) on 7 KB of this; `check` and
    # the typosquat scan crashed with exit 3. Found by benchmarks/fuzz.py.
    from chainward.inventory.model_refs.python import scan_source_full

    text = "e = f('a/b', revision='main' 'x'" + ", t 'x'" * 1000 + ")\n"
    with pytest.raises(SyntaxError, match="too complex"):
        scan_source_full("app.py", text)


def test_commit_encoding_header_with_nul() -> None:
    from chainward.commits.objects import parse_commit

    record = parse_commit("0" * 40, b"tree x\nauthor A <a@b> 1 +0000\nencoding \x00\n\nsubject\n")
    assert record.subject == "subject"


def test_text_report_escapes_control_characters(tmp_path: Path) -> None:
    # File names and scanned values reached the terminal raw: ESC sequences (clear the
    # screen, retitle the window) and newlines (a fake line that GitHub Actions reads
    # as a `::workflow-command::` when chainward's text output is in a CI log).
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    body = "jobs:\n  a:\n    steps:\n      - uses: evil/x@main\n"
    (tmp_path / ".github" / "workflows" / "x\n::error::pwned\x1b[2J.yml").write_text(body)
    outcome = run_cli(["check", "--color", "never", str(tmp_path)], cwd=tmp_path)
    assert outcome.code == 1, outcome.describe()
    assert "\x1b" not in outcome.out
    assert not any(line.lstrip().startswith("::") for line in outcome.out.splitlines())
    assert "x\\x0a::error::pwned\\x1b[2J.yml:4:15: unpinned-action" in outcome.out


def test_zip_with_unsupported_method_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # zipfile raises NotImplementedError ("zip file version 6.4", unknown compression);
    # found by benchmarks/fuzz.py.
    from chainward.models.pickles import scan_model_file

    data = bytearray(
        (Path(__file__).parent.parent / "data/hostile/torch-bad-method.pt").read_bytes()
    )
    path = tmp_path / "model.pt"
    path.write_bytes(bytes(data))
    report = scan_model_file(path, 10_000_000)
    assert any("zipfile cannot open" in p or "unreadable" in p for p in report.problems)


def test_popular_names_with_unicode_digits_or_huge_ranks() -> None:
    # "²".isdigit() is true but int("²") raises ValueError, and int() refuses 5,000
    # digits; found by benchmarks/fuzz.py.
    from chainward.core.errors import InputError
    from chainward.typosquats.refresh import parse_popular

    lines = ["9" * 5000 + "\tzzz-last"] + [f"{i}\tpackage-{i}" for i in range(1, 120)]
    names = parse_popular("\n".join(lines).encode(), "top.tsv")
    assert "package-1" in names and "package-119" in names
    with pytest.raises(InputError):
        parse_popular("²\t0\n".encode(), "top.tsv")


def test_pickle_memo_flood_is_bounded(tmp_path: Path) -> None:
    # `N\x94` (push None, memoize) repeated: 2 bytes of input per memo entry, ~70 bytes
    # of memory each; a 10 MB pickle cost 350 MB. The memo is now capped.
    from hostile_support import run_isolated

    from chainward.models.pickles import MEMO_LIMIT, scan_model_file

    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04" + b"N\x94" * 2_000_000 + b".")

    def scan() -> int:
        report = scan_model_file(path, 1 << 30)
        return 0 if any(str(MEMO_LIMIT) in p for p in report.problems) else 5

    outcome = run_isolated(scan, timeout=60, memory_mb=96)
    assert outcome.code == 0, outcome.describe()
