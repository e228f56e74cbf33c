"""``chainward.cli.startup``: stand-ins for standard-library modules the hook path does
not use, argparse's width without shutil, one subcommand's parser, the collector's pace.

Stand-ins change ``sys.modules``, so each case runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.cli import build_parser
from chainward.cli.startup import OnlyCommands, terminal_columns


def _run(code: str) -> str:
    proc = subprocess.run((sys.executable, "-c", code), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_deferred_module_loads_on_first_use_and_the_stand_in_becomes_it() -> None:
    out = _run(
        "import sys\n"
        "from chainward.cli.startup import defer\n"
        "defer(('ipaddress',))\n"
        "import ipaddress as early\n"  # taken while only the stand-in is there
        "print(type(sys.modules['ipaddress']).__name__)\n"
        "address = early.ip_address('10.0.0.1')\n"  # first use: the real import
        "import ipaddress as late\n"
        "print(type(late).__name__, late is not early, isinstance(address, late.IPv4Address))\n"
        "print(early.IPv4Address is late.IPv4Address, early.ip_address is late.ip_address)\n"
    )
    assert out.splitlines() == ["_Deferred", "module True True", "True True"]


def test_a_dataclass_without_a_docstring_still_gets_one_through_inspect() -> None:
    out = _run(
        "import sys\n"
        "from chainward.cli.startup import defer\n"
        "defer()\n"
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Documented:\n"
        "    '''Says what it is.'''\n"
        "    a: int\n"
        "print(type(sys.modules['inspect']).__name__)\n"  # not needed yet
        "@dataclasses.dataclass\n"
        "class Bare:\n"
        "    a: int\n"
        "    b: str = 'x'\n"
        "print(Bare.__doc__, type(sys.modules['inspect']).__name__)\n"
    )
    assert out.splitlines() == ["_Deferred", "Bare(a: int, b: str = 'x') module"]


def test_a_module_already_imported_is_left_alone() -> None:
    out = _run(
        "import sys, inspect\n"
        "from chainward.cli.startup import defer\n"
        "defer(('inspect',))\n"
        "print(sys.modules['inspect'] is inspect)\n"
    )
    assert out == "True"


def test_the_hook_run_leaves_the_deferred_modules_unloaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The console script on an empty change: none of the stand-ins was needed.
    subprocess.run(("git", "init", "-q", str(tmp_path)), check=True)
    code = (
        "import sys\n"
        "from chainward import cli\n"
        "from chainward.cli.startup import DEFERRED\n"
        "sys.argv = ['chainward', 'check']\n"
        # Printed at exit: the registered callback also keeps the teardown (cli.startup.finish).
        "import atexit\n"
        "atexit.register(lambda: print(sorted(\n"
        "    m for m in DEFERRED if type(sys.modules.get(m)).__name__ != '_Deferred')))\n"
        "cli.run()\n"
    )
    proc = subprocess.run(
        (sys.executable, "-c", code), cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


@pytest.mark.parametrize(("columns", "expected"), [("120", 120), ("0", 80), ("x", 80)])
def test_terminal_columns_reads_columns_like_shutil(
    monkeypatch: pytest.MonkeyPatch, columns: str, expected: int
) -> None:
    import shutil

    monkeypatch.setenv("COLUMNS", columns)
    # Under pytest standard output is not a terminal: both fall back to 80.
    assert terminal_columns() == expected == shutil.get_terminal_size().columns


def test_only_the_running_subcommand_is_built() -> None:
    parser = build_parser(["check", "x.yml"])
    (sub,) = [a for a in parser._actions if isinstance(a, OnlyCommands)]
    assert sorted(sub.choices) == ["check"]
    args = parser.parse_args(["check", "--select", "unpinned-action", "x.yml"])
    assert args.select == ["unpinned-action"]
    assert [str(p) for p in args.paths] == ["x.yml"]
    # No command named: every command is built (help, unknown commands).
    full = build_parser(None)
    (every,) = [a for a in full._actions if isinstance(a, OnlyCommands)]
    assert {"check", "explain", "init", "models", "deps"} <= set(every.choices)


def test_help_lists_every_command_and_check_help_is_whole() -> None:
    proc = subprocess.run(
        (sys.executable, "-c", "from chainward.cli import run; run()", "--help"),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0
    for command in ("check", "explain", "init", "models", "typosquats", "install-hooks"):
        assert f"    {command} " in proc.stdout, command
    check = subprocess.run(
        (sys.executable, "-c", "from chainward.cli import run; run()", "check", "--help"),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0
    assert "--select CHECK_ID" in check.stdout and "--fail-on" in check.stdout


# PyYAML's implicit types, each in its spellings: ints (decimal, octal, hex, binary,
# sexagesimal, underscores), floats, bools, nulls, timestamps, merge keys and plain strings.
IMPLICIT_TYPES = """\
ints: [0, -17, +42, 1_000, 0b1010, 017, 0x1F, 0xdead_beef, 190:20:30]
floats: [1.5, -0.25, 6.8523015e+5, 685.230_15e+03, 190:20:30.15, .inf, -.Inf, +.INF, .NaN]
bools: [yes, Yes, YES, no, NO, true, True, FALSE, on, On, off, OFF, y, n]
nulls: [~, null, Null, NULL, ]
stamps: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, 2002-12-14T01:02:03Z]
base: &base {a: 1}
merged: {<<: *base, b: 2}
strings: [abc, 1.2.3, 0o17, "123", 'yes', 12:30:61x, -, ., =x, v1]
"""

_RESOLVE = (
    "import sys, yaml\n"
    "doc = sys.stdin.read()\n"
    "loaders = (yaml.SafeLoader, yaml.CSafeLoader)\n"
    "nodes = [yaml.compose(doc, Loader=loader) for loader in loaders]\n"
    "def tags(node):\n"
    "    if isinstance(node, yaml.ScalarNode):\n"
    "        return [(node.value, node.tag)]\n"
    "    children = node.value\n"
    "    if isinstance(node, yaml.MappingNode):\n"
    "        children = [x for pair in node.value for x in pair]\n"
    "    return [t for child in children for t in tags(child)]\n"
    "print(repr(yaml.load(doc, Loader=yaml.SafeLoader)))\n"
    "print(repr(yaml.load(doc, Loader=yaml.CSafeLoader)))\n"
    "print(tags(nodes[0]) == tags(nodes[1]), repr(tags(nodes[0])))\n"
    "print(repr(yaml.compose('= ', Loader=yaml.SafeLoader).tag))\n"
)


def _resolve(lazy: bool) -> list[str]:
    prelude = (
        "from chainward.cli.startup import LazyPattern, compile_patterns_on_first_use\n"
        "compile_patterns_on_first_use()\n"
        "import yaml\n"
        "table = yaml.resolver.Resolver.yaml_implicit_resolvers\n"
        "lazy = [p for resolvers in table.values() for _, p in resolvers]\n"
        "assert lazy and all(isinstance(p, LazyPattern) for p in lazy), lazy\n"
        if lazy
        else ""
    )
    proc = subprocess.run(
        (sys.executable, "-c", prelude + _RESOLVE),
        input=IMPLICIT_TYPES, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_yaml_resolves_every_implicit_type_alike_with_lazy_patterns() -> None:
    eager, lazy = _resolve(lazy=False), _resolve(lazy=True)
    assert lazy == eager
    assert eager[0] == eager[1]  # the pure-Python and the libyaml loader agree
    assert eager[2].startswith("True ")
    assert "datetime.date(2001, 12, 14)" in eager[0] and "nan" in eager[0]
    assert eager[3] == "'tag:yaml.org,2002:value'"


def test_lazy_patterns_compile_on_first_use_and_leave_no_trace() -> None:
    out = _run(
        "import re, sys\n"
        "from chainward.cli.startup import LazyPattern, compile_patterns_on_first_use\n"
        "real = re.compile\n"
        "compile_patterns_on_first_use()\n"
        "import yaml\n"
        "reader = yaml.reader.Reader\n"
        "print(type(reader.NON_PRINTABLE).__name__, 'match' in vars(reader.NON_PRINTABLE))\n"
        "try:\n"
        "    yaml.load('a: \\x07', Loader=yaml.SafeLoader)\n"  # the pure-Python reader
        "except yaml.reader.ReaderError as exc:\n"
        "    print('refused', exc.character == 7)\n"
        "print('match' in vars(reader.NON_PRINTABLE), reader.NON_PRINTABLE.pattern[:2])\n"
        "loaders = (yaml.__loader__, yaml.__spec__.loader)\n"
        "print(re.compile is real, *(type(loader).__name__ for loader in loaders))\n"
        "print(any(type(f).__name__ == '_LazyPatternFinder' for f in sys.meta_path))\n"
        "print(isinstance(re.compile('x'), re.Pattern))\n"
    )
    assert out.splitlines() == [
        "LazyPattern False",
        "refused True",
        "True [^",
        "True SourceFileLoader SourceFileLoader",
        "False",
        "True",
    ]


def test_the_test_session_reads_yaml_with_lazy_patterns() -> None:
    # tests/conftest.py installs them, so every YAML test runs as the console script does.
    import yaml

    from chainward.cli.startup import LazyPattern

    assert isinstance(yaml.reader.Reader.NON_PRINTABLE, LazyPattern)


# The console script's end: os._exit (which skips the teardown) says when it is called.
_FINISH = (
    "import os, sys\n"
    "real_exit = os._exit\n"
    "def spy(code):\n"
    "    os.write(2, b'fast exit\\n')\n"
    "    real_exit(code)\n"
    "os._exit = spy\n"
    "{setup}\n"
    "from chainward.cli import run\n"
    "sys.argv = ['chainward', *sys.argv[1:]]\n"
    "run()\n"
)

UNPINNED = (
    "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v{n}\n"
)


def _finish(root: Path, *argv: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (sys.executable, "-c", _FINISH.format(setup=setup), *argv),
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture
def staged(tmp_path: Path) -> Path:
    subprocess.run(("git", "init", "-q", str(tmp_path)), check=True)
    flows = tmp_path / ".github" / "workflows"
    flows.mkdir(parents=True)
    for n in range(300):  # output well past any pipe or stdio buffer
        (flows / f"w{n}.yml").write_text(UNPINNED.format(n=n))
    (tmp_path / "clean.yml").write_text("a: 1\n")
    subprocess.run(("git", "add", "-A"), cwd=tmp_path, check=True)
    return tmp_path


def test_finish_skips_teardown_and_keeps_output_and_exit_codes(staged: Path) -> None:
    findings = _finish(staged, "check", "--format", "json")
    assert findings.returncode == 1, findings.stderr
    assert findings.stderr == "fast exit\n"
    report = json.loads(findings.stdout)  # the whole document reached the pipe
    assert len(report["findings"]) == 300
    clean = _finish(staged, "check", "clean.yml")
    assert (clean.returncode, clean.stderr) == (0, "fast exit\n")
    assert clean.stdout.startswith("no findings")
    usage = _finish(staged)  # no command: help and 2, returned by main
    assert (usage.returncode, "fast exit" in usage.stderr) == (2, True)
    assert "COMMAND" in usage.stderr
    wrong = _finish(staged, "check", "--fail-on", "nope")  # argparse's own SystemExit
    assert (wrong.returncode, "fast exit" in wrong.stderr) == (2, False)


def test_files_written_through_core_atomic_are_complete(staged: Path) -> None:
    proc = _finish(
        staged, "check", "--format", "sarif", "--output", "out.sarif", "--format", "json",
        "--output", "out.json",
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (1, "fast exit\n")
    assert len(json.loads((staged / "out.json").read_text())["findings"]) == 300
    assert len(json.loads((staged / "out.sarif").read_text())["runs"][0]["results"]) == 300


@pytest.mark.parametrize(
    "setup",
    [
        # A non-daemon thread, alive until the interpreter's exit tells it to end.
        "import threading\n"
        "done = threading.Event()\n"
        "threading.Thread(target=done.wait, args=(60,)).start()\n"
        "threading._register_atexit(done.set)",
        "import concurrent.futures\n"
        "concurrent.futures.ThreadPoolExecutor(1).submit(int).result()",  # a pool was used
        "import multiprocessing",
        "sys.settrace(lambda *a: None)",
        "sys.setprofile(lambda *a: None)",
        "import atexit\natexit.register(lambda: sys.stderr.write('atexit ran\\n'))",
    ],
    ids=["thread", "thread-pool", "multiprocessing", "tracer", "profiler", "atexit"],
)
def test_finish_leaves_the_teardown_to_what_needs_it(staged: Path, setup: str) -> None:
    proc = _finish(staged, "check", "--format", "json", setup=setup)
    assert proc.returncode == 1, proc.stderr
    assert "fast exit" not in proc.stderr
    assert len(json.loads(proc.stdout)["findings"]) == 300
    if "atexit.register" in setup:
        assert "atexit ran" in proc.stderr


def test_main_returns_its_code_to_a_caller(staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainward.cli import main

    monkeypatch.chdir(staged)
    assert main(["check", "clean.yml"]) == 0
    assert main(["check", ".github/workflows/w0.yml"]) == 1
