"""Parsers never raise on arbitrary input: every problem is a finding (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.inventory.commands import scan_commands
from chainward.inventory.dockerfile import parse_dockerfile
from chainward.inventory.requirements import parse_requirements

# Text built from the characters that matter to these grammars.
ALPHABET = st.sampled_from(
    [*"abtorch019.=<>!~;,[]@#\\/:-_ \t\n\"'$|&(){}*+", "--hash=", "-r ", "git+", "${"]
)
TEXT = st.lists(ALPHABET, max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_requirements_parser_never_raises(text: str) -> None:
    parsed = parse_requirements("requirements.txt", text)
    lines = text.count("\n") + 1
    for item in [*parsed.dependencies, *parsed.problems]:
        assert item.line is not None
        assert 1 <= item.line <= lines


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_dockerfile_parser_never_raises(text: str) -> None:
    parsed = parse_dockerfile("Dockerfile", "FROM x\nRUN pip install " + text)
    for dependency in parsed.dependencies:
        assert dependency.line >= 2


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_shell_scanner_never_raises(text: str) -> None:
    scan_commands("setup.sh", "curl x | " + text, 1, "script")
