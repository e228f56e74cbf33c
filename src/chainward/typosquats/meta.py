"""Checks and policy keys of the typosquats family (standard library and core only)."""

from __future__ import annotations

from chainward.core.findings import Severity
from chainward.core.registry import CheckList, Family
from chainward.core.schema import KeySpec

HOOK = "check-typosquats"
ONLINE_HOOK = "check-typosquats-online"
DEFAULT_TRUSTED_TOP = 15000

_check = CheckList("typosquats", hook=HOOK)

TYPOSQUAT = _check(
    "typosquat",
    "A dependency's name looks like a typo, affix or combination of a popular PyPI "
    "project's name (or is a name AI assistants invent).",
    Severity.HIGH,
)
TYPOSQUAT_MODEL = _check(
    "typosquat-model",
    "A Hugging Face model or dataset id in code names an organisation one typo away "
    "from a popular one.",
    Severity.HIGH,
)
TYPOSQUAT_IMAGE = _check(
    "typosquat-image",
    "A container image name is one typo away from a popular AI or base image.",
    Severity.HIGH,
)
NONEXISTENT_PACKAGE = _check(
    "nonexistent-package",
    "A dependency does not exist on PyPI at all: likely a hallucinated name that "
    "anyone could register (`chainward typosquats --online`).",
    Severity.HIGH,
    needs_network=True,
    stages=("ci",),
    hook=ONLINE_HOOK,
)

FAMILY = Family(
    name="typosquats",
    summary="Look-alike names of popular packages, Hugging Face organisations and images",
    checks=_check.infos,
    scanner="chainward.typosquats.scan:scan",
    policy={
        "allow": KeySpec(
            "list[str]",
            [],
            "Package names, Hugging Face organisations or images accepted although they "
            "look like a popular name (compared after PEP 503 normalisation).",
        ),
        "trusted-top": KeySpec(
            "int",
            DEFAULT_TRUSTED_TOP,
            "How many of the most-downloaded PyPI projects are trusted and compared "
            "against (at most the 15,000 shipped).",
        ),
        "models": KeySpec(
            "bool", True, "Check Hugging Face ids passed to from_pretrained, hf_hub_download..."
        ),
        "images": KeySpec("bool", True, "Check container image names (FROM, container:)."),
    },
)
