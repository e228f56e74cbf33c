"""One flipped bit in any authenticated field of a valid bundle: never verified, never a crash.

Real bundles of each kind (hashedrekord v0.1/v0.3, DSSE, intoto/0.0.2, Rekor v2 DSSE,
managed key) are tampered field by field, bit by bit (seeded, so a failure reproduces);
the verifier must report "not verified" or bad input, never accept and never raise
anything but chainward's own errors.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainward.core.attestation import Artifact, Policy
from chainward.core.errors import Error
from chainward.provenance.keys import load_public_key
from chainward.provenance.verify import verify_file

DATA = Path(__file__).resolve().parent.parent / "data" / "provenance"
CASES = DATA / "conformance" / "bundle-verify"
GH = "https://token.actions.githubusercontent.com"
BEACON = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
BUNDLES = [
    (CASES / "happy-path-v0.1", BEACON),
    (CASES / "happy-path-v0.3", BEACON),
    (CASES / "happy-path-intoto-in-dsse-v3", BEACON),
    (CASES / "intoto-with-custom-trust-root", None),
    (CASES / "rekor2-dsse-happy-path", BEACON),
    (CASES / "rekor2-happy-path", BEACON),
    (CASES / "managed-key-happy-path", None),
]
# Fields a signature, the log (SET, inclusion proof, checkpoint) or the certificate binds.
# (An RFC 3161 response also holds unsigned parts, such as the status, the SignerInfo's
# algorithm identifiers and its issuer name, so it is tampered separately, below, only
# where it is signed.)
AUTHENTICATED = (
    "rawBytes",
    "signature",
    "digest",
    "payload",
    "sig",
    "canonicalizedBody",
    "signedEntryTimestamp",
    "rootHash",
    "hashes",
    "integratedTime",
    "treeSize",
)


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _leaves(value, (*path, index))
    else:
        yield path


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        obj = obj[part]
    return obj


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        obj = obj[part]
    obj[path[-1]] = value


def _flip(value: Any, rng: random.Random) -> Any:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return str(int(value) + rng.choice((1, -1)))
    if isinstance(value, int):
        return value + 1
    data = bytearray(base64.b64decode(value))
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return base64.b64encode(bytes(data)).decode()


def _setup(case: Path, identity: str | None) -> tuple[Artifact, Policy, Any, Path | None]:
    artifact_path = case / "artifact" if (case / "artifact").exists() else CASES / "a.txt"
    if identity is None and (case / "identity").exists():
        identity = (case / "identity").read_text().strip()
    policy = Policy(identity=identity or BEACON, issuer=GH, predicate_types=None)
    key = load_public_key(case / "key.pub") if (case / "key.pub").exists() else None
    root = case / "trusted_root.json"
    return Artifact.from_path(artifact_path), policy, key, root if root.exists() else None


@pytest.mark.parametrize(("case", "identity"), BUNDLES, ids=[c.name for c, _ in BUNDLES])
def test_untampered_bundle_verifies(case: Path, identity: str | None) -> None:
    artifact, policy, key, root = _setup(case, identity)
    results = verify_file(
        case / "bundle.sigstore.json", artifact, policy, key=key, trusted_root_path=root
    )
    assert all(r.verified for r in results), [r.reason for r in results]


@pytest.mark.parametrize(("case", "identity"), BUNDLES, ids=[c.name for c, _ in BUNDLES])
def test_every_flipped_bit_is_rejected(case: Path, identity: str | None, tmp_path: Path) -> None:
    artifact, policy, key, root = _setup(case, identity)
    original = json.loads((case / "bundle.sigstore.json").read_text())
    fields = [p for p in _leaves(original) if any(k in p for k in AUTHENTICATED)]
    assert fields
    rng = random.Random(f"{case.name}-740")  # noqa: S311 - reproducible test data
    target = tmp_path / "tampered.json"
    for path in fields:
        for _ in range(3):
            doc = json.loads(json.dumps(original))
            _set(doc, path, _flip(_get(original, path), rng))
            target.write_text(json.dumps(doc))
            try:
                results = verify_file(target, artifact, policy, key=key, trusted_root_path=root)
            except Error:
                continue  # bad input (exit 2): rejected with a message
            assert not any(r.verified for r in results), f"accepted with {path} changed"


def test_signed_parts_of_a_timestamp_are_checked(tmp_path: Path) -> None:
    """A flipped bit in the TSTInfo or in the TSA's signature: rejected, even though the
    log's integrated time alone would give a verified time (sigstore-python then drops
    the bad timestamp and accepts)."""
    from asn1crypto import tsp

    case = CASES / "intoto-with-custom-trust-root"
    artifact, policy, key, root = _setup(case, None)
    original = json.loads((case / "bundle.sigstore.json").read_text())
    path = (
        "verificationMaterial",
        "timestampVerificationData",
        "rfc3161Timestamps",
        0,
        "signedTimestamp",
    )
    raw = base64.b64decode(_get(original, path))
    signed_data = tsp.TimeStampResp.load(raw)["time_stamp_token"]["content"]
    tst_info = signed_data["encap_content_info"]["content"].dump()
    signature = signed_data["signer_infos"][0]["signature"].dump()
    ranges = [
        range(raw.index(tst_info) + 2, raw.index(tst_info) + len(tst_info)),
        range(raw.index(signature) + 2, raw.index(signature) + len(signature)),
    ]
    rng = random.Random("tsa-740")  # noqa: S311 - reproducible test data
    target = tmp_path / "tampered.json"
    for where in ranges:
        for _ in range(12):
            data = bytearray(raw)
            data[rng.choice(where)] ^= 1 << rng.randrange(8)
            doc = json.loads(json.dumps(original))
            _set(doc, path, base64.b64encode(bytes(data)).decode())
            target.write_text(json.dumps(doc))
            try:
                results = verify_file(target, artifact, policy, key=key, trusted_root_path=root)
            except Error:
                continue
            assert not any(r.verified for r in results)
