"""GitHub's web-flow keys, shipped, so that ``allow-github-web-flow`` verifies offline.

GitHub signs the commits it makes itself (merges, squash-merges, edits and reverts on
github.com, Dependabot's and other GitHub Apps' commits) with its "web-flow" OpenPGP key.
``data/web-flow-keys.json`` holds each key's fingerprint and validity dates and, where
available, its public key (the 2017 key; the key in use since January 2024 by
fingerprint only). A signature counts when its arithmetic holds with the key and it was
made inside the key's validity; a signature by a key whose material is neither shipped
nor in the policy's ``openpgp-keys`` is unverifiable, never bad (issue 15).

Sequoia refuses both the 2017 key's binding and the signatures (they carry only a
hashed issuer key id), so the arithmetic is checked with chainward's own packet reader
and ``cryptography``, as GnuPG does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from chainward.commits.verdict import Status, Verdict

GITHUB_WEB_FLOW_EMAIL = "noreply@github.com"
WEB_FLOW_URL = "https://github.com/web-flow.gpg"


@dataclass(frozen=True, slots=True)
class WebFlowKey:
    """One of GitHub's web-flow keys: fingerprint, validity, public key when shipped."""

    fingerprint: str
    created: datetime
    expires: datetime | None
    armored: bytes | None

    @property
    def key_id(self) -> str:
        """The long key id (the fingerprint's last 16 hex digits)."""
        return self.fingerprint[-16:]

    def matches(self, issuer: str) -> bool:
        """Whether a signature's issuer (fingerprint or key id) names this key."""
        issuer = issuer.upper()
        return bool(issuer) and issuer in (self.fingerprint, self.key_id)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


@cache
def web_flow_keys() -> tuple[WebFlowKey, ...]:
    """The shipped keys, read once from the package data."""
    raw = resources.files("chainward.commits").joinpath("data").joinpath("web-flow-keys.json")
    data = json.loads(raw.read_text("utf-8"))
    keys = []
    for entry in data["keys"]:
        created = _when(entry["created"])
        assert created is not None  # noqa: S101 - shipped data, checked by tests
        armored = entry.get("armored")
        keys.append(
            WebFlowKey(
                entry["fingerprint"].upper(),
                created,
                _when(entry.get("expires")),
                armored.encode("ascii") if armored else None,
            )
        )
    return tuple(keys)


def web_flow_key(issuer: str) -> WebFlowKey | None:
    """The web-flow key a signature's issuer names, if any."""
    return next((k for k in web_flow_keys() if k.matches(issuer)), None)


@cache
def _shipped_keyring() -> Any:
    from chainward.commits.openpgp import load_keyring

    files = [(f"web-flow {k.key_id}", k.armored) for k in web_flow_keys() if k.armored]
    return load_keyring(files)


def verify_web_flow(payload: bytes, signature: bytes, policy_keyring: Any | None) -> Verdict | None:
    """The verdict of a signature by a web-flow key; None when it is not one.

    The key material comes from the shipped keys, else from the policy's keyring (a
    user who downloaded ``web-flow.gpg``); the validity window always comes from the
    shipped dates, so an expired key's old signatures still count.
    """
    from chainward.commits.openpgp_packets import parse_signature, raw_verify_body

    parsed = parse_signature(signature)
    if parsed is None:
        return None
    key = web_flow_key(parsed.issuer)
    if key is None:
        return None
    signer = key.fingerprint
    material = None
    for keyring in (_shipped_keyring(), policy_keyring):
        cert = keyring.lookup(key.fingerprint) if keyring is not None else None
        if cert is not None:
            material = cert.keys.get(key.fingerprint.lower())
            break
    if material is None:
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            signer,
            f"signed by GitHub's web-flow key {key.key_id} (in use since "
            f"{key.created:%Y-%m-%d}), whose public key chainward does not ship and the "
            "policy's openpgp-keys do not hold",
            (GITHUB_WEB_FLOW_EMAIL,),
            hint=f"download {WEB_FLOW_URL} into the repository (e.g. keys/web-flow.gpg) and "
            "list it in [tool.chainward.commits] openpgp-keys; it holds both web-flow keys",
        )
    checked = raw_verify_body(material.body, parsed.body, payload)
    if checked is None:
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            signer,
            f"signed by GitHub's web-flow key {key.key_id} with a hash chainward cannot check",
            (GITHUB_WEB_FLOW_EMAIL,),
        )
    if not checked:
        return Verdict(Status.BAD, "openpgp", signer, "signature does not verify")
    if parsed.created < key.created or (key.expires is not None and parsed.created >= key.expires):
        until = f"{key.expires:%Y-%m-%d}" if key.expires else "now"
        return Verdict(
            Status.EXPIRED,
            "openpgp",
            signer,
            f"signed on {parsed.created:%Y-%m-%d}, outside the web-flow key's validity "
            f"({key.created:%Y-%m-%d} to {until})",
            (GITHUB_WEB_FLOW_EMAIL,),
        )
    return Verdict(Status.GOOD, "openpgp", signer, "", (GITHUB_WEB_FLOW_EMAIL,))
