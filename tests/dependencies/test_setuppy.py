"""``setup.py`` read as data: the requirements of its ``setup()`` call, never run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from chainward.inventory.setuppy import parse


def _deps(text: str) -> list[tuple[str, str, int]]:
    scan = parse("setup.py", textwrap.dedent(text))
    assert scan.problems == []
    return [(d.name, str(d.specifier or ""), d.line) for d in scan.dependencies]


def test_literal_lists_of_every_requirement_keyword_with_their_lines() -> None:
    found = _deps(
        """\
        from setuptools import setup

        setup(
            name="demo",
            install_requires=[
                "torch>=2.1",
                "numpy",
            ],
            setup_requires=("wheel",),
            tests_require=["pytest"],
            extras_require={"hub": ["huggingface_hub>=0.20"], "dev": "ruff==0.4.0\\nmypy"},
        )
        """
    )
    assert found == [
        ("torch", ">=2.1", 6),
        ("numpy", "", 7),
        ("wheel", "", 9),
        ("pytest", "", 10),
        ("huggingface-hub", ">=0.20", 11),
        ("ruff", "==0.4.0", 11),
        ("mypy", "", 12),
    ]


def test_module_names_concatenation_appends_and_extras_items() -> None:
    found = _deps(
        """\
        import sys
        import setuptools

        REQUIRED = ["transformers>=4.40", "safetensors"]
        if sys.version_info < (3, 11):
            REQUIRED.append("tomli")
        extras = {}
        extras["vision"] = ["timm"]
        extras["all"] = extras["vision"] + ["accelerate"]
        base = ["tokenizers"]

        setuptools.setup(install_requires=REQUIRED + base, extras_require=extras)
        REQUIRED.append("late-addition")
        """
    )
    names = [name for name, _, _ in found]
    # extras["all"] = extras["vision"] + [...]: its literal part counts (the subscript is
    # listed already); what is added after the setup() call is not part of it.
    assert names == ["transformers", "safetensors", "tomli", "tokenizers", "timm", "accelerate"]
    assert {n: line for n, _, line in found}["tomli"] == 6


def test_setup_called_with_a_literal_keyword_dict() -> None:
    found = _deps(
        """\
        from setuptools import setup
        install_requires = ["diffusers==0.30.0"]
        setup_kwargs = {"name": "x", "install_requires": install_requires}
        kwargs = dict(extras_require={"gpu": ["xformers"]})
        setup(**setup_kwargs, **kwargs)
        """
    )
    assert [(n, s) for n, s, _ in found] == [("diffusers", "==0.30.0"), ("xformers", "")]


def test_split_strings_f_strings_and_comprehensions_over_literals() -> None:
    found = _deps(
        """\
        from setuptools import setup
        TORCH = "2.3.1"
        BASE = "requests numpy".split()
        MORE = \"\"\"
        torch>=2
        transformers==4.40
        \"\"\".strip().splitlines()
        setup(
            install_requires=BASE + MORE + [f"accelerate=={TORCH}"],
            extras_require={"x": [r.strip() for r in "peft, trl".split(",")], "all": BASE},
        )
        """
    )
    assert found == [
        ("requests", "", 3),
        ("numpy", "", 3),
        ("torch", ">=2", 5),
        ("transformers", "==4.40", 6),
        ("accelerate", "==2.3.1", 9),
        ("peft", "", 10),
        ("trl", "", 10),
    ]  # BASE again under "all": one declaration, listed once


def test_values_computed_at_run_time_are_not_guessed() -> None:
    found = _deps(
        """\
        from pathlib import Path
        from setuptools import setup
        reqs = Path("requirements.txt").read_text().splitlines()
        setup(install_requires=reqs, extras_require={k: [k] for k in ("a", "b")})
        """
    )
    assert found == []


def test_python_2_or_broken_files_and_setup_without_requirements_yield_nothing() -> None:
    # The Python scanners report a file that does not parse; this parser stays quiet.
    python2 = "print 'hello'\nsetup(install_requires=['torch'])\n"
    assert parse("setup.py", python2).dependencies == []
    assert _deps("from setuptools import setup\nsetup(name='x')\n") == []
    assert _deps("import os\n") == []


def test_a_typosquat_in_setup_py_is_found_by_chainward_check(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(\n"
        "    name='demo',\n"
        "    install_requires=['reqeusts>=2.0', 'numpy'],\n"
        ")\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "chainward", "check", "--offline", "--select", "typosquat"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "setup.py:4: typosquat [" in proc.stdout
    assert "'reqeusts'" in proc.stdout and "'requests'" in proc.stdout
    assert "'numpy'" not in proc.stdout
