"""How a command module adds its subcommands, and the argument helpers verbs share.

Each module in ``cli.COMMAND_MODULES`` has ``register(commands: Commands)``: every
subcommand is added with :meth:`Commands.add` (the common options, the function that
runs it) and a command that only groups verbs (``models``, ``data``) with
:meth:`Commands.group`, so that all verbs' parsers are made alike. What each command's
help says is declared once, in :data:`VERBS`, so that a module's ``register`` says only
which function runs a verb and which options it takes. Standard library and
``core.errors`` only: this module is on every run's path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from chainward.core.errors import UsageError

Command = Callable[[argparse.Namespace], int]
"""What runs a subcommand: the parsed arguments in, the exit code out."""


Help = tuple[str, str | None]
"""What a command's help says: its line in its parent's list of commands, and the
paragraph atop its own help (None: the line is enough)."""

VERBS: dict[str, Help] = {
    "check": (
        "run every enabled check over a repository or files",
        "Run every enabled check over the repository (the current folder, or the one "
        "folder given) or over the given files.",
    ),
    "explain": ("print a check's documentation", None),
    "init": (
        "write a policy fitted to this repository (chainward.toml) and say why",
        "Look at the repository (manifests, CI, model files, hub ids, signing keys, "
        "the commit history) and write a policy that passes today's state where that "
        "is the honest default (a commit baseline, GitHub's web-flow commits, "
        "well-known hub organisations) and flags the rest; print each decision.",
    ),
    "install-hooks": (
        "install chainward's plain git hooks (without the pre-commit framework)",
        "Install chainward's git hook scripts into the repository's hooks folder, or "
        "into a folder set as core.hooksPath. Hooks chainward did not write are not "
        "replaced without --force.",
    ),
    "commits": (
        "verify commit signatures (GPG, SSH, gitsign) against the trusted-signer policy",
        "Verify the signatures of a set of commits against [tool.chainward.commits]. "
        "Without a selection: the pushed commits in pre-commit's pre-push stage, the "
        "pull request or push in GitHub Actions ($GITHUB_EVENT_PATH), else HEAD "
        "(post-commit).",
    ),
    "attest": (
        "emit and sign SLSA v1 provenance for release artifacts",
        "Write an in-toto Statement v1 with a SLSA Provenance v1 predicate over the "
        "SUBJECT files (globs such as 'dist/*' allowed), recording the source commit, "
        "every pinned AI dependency, every model file in chainward.lock and base images "
        "by digest; sign it keylessly with Sigstore in GitHub Actions (bundle "
        "<subject>.sigstore.json) or with --key (DSSE envelope <subject>.intoto.jsonl).",
    ),
    "verify-attestation": (
        "verify attestations offline (Sigstore bundles, DSSE envelopes, PEP 740)",
        "Verify the attestation of each ARTIFACT offline against the pinned Sigstore "
        "trusted root: signature, certificate chain, transparency-log inclusion, signer "
        "identity, then the statement (subject digest, predicate type, builder, source "
        "repository). Exit 0 verified, 1 not verified, 2 bad input.",
    ),
    "bom": (
        "write the AI bill of materials (CycloneDX JSON)",
        "Write a CycloneDX 1.7 JSON BOM of the repository: AI packages (purl, version, "
        "hashes from the locks), models from chainward.lock (hub id, revision, every "
        "file's sha256, licence, model card facts from the model folder's README front "
        "matter and config.json), the datasets the model cards name, base images and "
        "GitHub Actions, and the dependency graph as far as it is known. The document "
        "is validated against the official CycloneDX schema before it is written.",
    ),
    "verify-release": (
        "check release artifacts against [tool.chainward.release]; write a signed VSA",
        "Verify each ARTIFACT's provenance (and BOM) attestation against the release "
        "policy [tool.chainward.release]: builder identity, allowed models and hub "
        "organisations, required attestations, SLSA build level, and that the BOM's "
        "model files still match. Write a SLSA Verification Summary Attestation "
        "(https://slsa.dev/verification_summary/v1), PASSED or FAILED, signed with "
        "--sign-key or keylessly in GitHub Actions. Exit 0 passed, 1 failed, 2 bad input.",
    ),
    "models": (
        "lock, verify and sign model files",
        "Pin models to sizes and sha256 digests in chainward.lock, verify the "
        "working tree against it, and sign models with OpenSSF model signing.",
    ),
    "models lock": ("hash model files or directories into chainward.lock", None),
    "models verify": ("check model files against chainward.lock", None),
    "models sign": ("sign a model with a local key (OpenSSF model signing)", None),
    "deps": (
        "check dependency pins, hashes, indexes and base images; verify against PyPI",
        "Inventory every manifest (requirements, pyproject, setup.cfg, setup.py, Pipfile, "
        "conda, lock files, Dockerfiles, workflows, scripts) and run the dependency checks. "
        "--verify compares pinned hashes with PyPI's published digests and --audit asks for "
        "known vulnerabilities (both need the network; --offline skips them with a notice).",
    ),
    "pin": (
        "pin AI requirements exactly, with --hash lines (prints a diff; --write applies)",
        "Turn AI dependency ranges in requirements files into exact pins with "
        "--hash lines. The version comes from a lock file, else the current environment, "
        "else PyPI's newest release inside the range on the range's own major version; a "
        "pin on another major version is marked in the table of changes. A hashed file "
        "lists every dependency pip's resolver finds (pip refuses anything less); VCS and "
        "local lines, which pip cannot hash, move into a comment saying how to install "
        "them. Without --write, print a diff.",
    ),
    "typosquats": (
        "check package names (or the repository) for typosquats",
        "Check the given package names, a file of names (--names-file), or, with "
        "neither, every dependency, Hugging Face id and image in the repository.",
    ),
    "data": ("manage chainward's shipped reference data", None),
    "data refresh": (
        "replace a reference list (PyPI popularity, aliases, ...) and rebuild the index",
        None,
    ),
}
"""Every command's help, keyed by the command as it is typed after ``chainward`` (a
group's verbs after the group's name), in the order ``chainward --help`` lists them."""


class Commands:
    """The subcommands of one parser, each made with the common options."""

    def __init__(
        self,
        sub: argparse._SubParsersAction[Any],
        common: argparse.ArgumentParser,
        group: str = "",
    ) -> None:
        self.sub = sub
        self.common = common
        self.prefix = f"{group} " if group else ""

    def add(
        self,
        name: str,
        func: Command,
        summary: str | None = None,
        description: str | None = None,
        *,
        common: bool = True,
    ) -> argparse.ArgumentParser:
        """The parser of subcommand ``name``, which ``func`` runs; with the common
        options unless ``common`` is False (a verb with options of its own). Its help is
        its entry in :data:`VERBS` unless ``summary`` is given."""
        summary, description = self.help(name, summary, description)
        parser: argparse.ArgumentParser = self.sub.add_parser(
            name,
            parents=[self.common] if common else [],
            help=summary,
            description=description,
        )
        parser.set_defaults(func=func)
        return parser

    def group(
        self,
        name: str,
        summary: str | None = None,
        description: str | None = None,
        *,
        dest: str,
    ) -> Commands:
        """A command made of verbs (``models lock``): the verbs' :class:`Commands`.
        Without a verb it prints its help and exits 2; the verb's name is in ``dest``.
        Its help is its entry in :data:`VERBS` unless ``summary`` is given."""
        summary, description = self.help(name, summary, description)
        parser = self.sub.add_parser(name, help=summary, description=description)
        verbs = parser.add_subparsers(dest=dest, metavar="VERB")
        parser.set_defaults(func=partial(print_usage, parser))
        return Commands(verbs, self.common, self.prefix + name)

    def help(self, name: str, summary: str | None, description: str | None) -> Help:
        """The help of subcommand ``name``: as given, else its entry in :data:`VERBS`."""
        if summary is None:
            return VERBS[self.prefix + name]
        return summary, description


def print_usage(parser: argparse.ArgumentParser, _args: argparse.Namespace) -> int:
    """Print ``parser``'s help on standard error: exit code 2 (a command needs a verb)."""
    parser.print_help(sys.stderr)
    return 2


def add_switches(parser: argparse.ArgumentParser, switches: Sequence[tuple[str, str]]) -> None:
    """Add ``(flag, help)`` options that are on when given."""
    for flag, text in switches:
        parser.add_argument(flag, action="store_true", help=text)


def folder(path: Path) -> Path:
    """``path``, a folder a verb works in; a usage error when it is not one."""
    if not path.is_dir():
        raise UsageError("no such folder", where=str(path))
    return path
