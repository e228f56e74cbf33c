"""``chainward.cli.startup``: stand-ins for standard-library modules the hook path does
not use, argparse's width without shutil, one subcommand's parser, the collector's pace.

Stand-ins change ``sys.modules``, so each case runs in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

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
        "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in DEFERRED if type(sys.modules.get(m)).__name__ != '_Deferred'))\n"
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
