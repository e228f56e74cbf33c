"""A private Sigstore instance on 127.0.0.1, for keyless signing tests with no internet.

It speaks the real protocols sigstore-python's signer uses, with real keys made per test:

* **Fulcio** ``POST /api/v2/signingCert``: takes the CSR and the OIDC token, issues a
  short-lived code-signing certificate for the token's identity (GitHub Actions claims
  become Fulcio's OID extensions) with an embedded SCT from a CT log key, chained to a
  self-signed root;
* **Rekor v1** ``POST /api/v1/log/entries``: canonicalises the proposed ``dsse`` entry
  as Rekor does, appends it to a Merkle tree, and answers with the entry, a signed
  entry timestamp, an inclusion proof and a signed checkpoint.

``trust_config()`` is the ClientTrustConfig (trusted root + signing config) naming all of
it, the same document a real private deployment publishes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
SCT_LIST_OID = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def _der_utf8(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 128
    return bytes([0x0C, len(data)]) + data


def _der_octet_string(data: bytes) -> bytes:
    length = len(data)
    if length < 128:
        return bytes([0x04, length]) + data
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x04, 0x80 | len(encoded)]) + encoded + data


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeSigstore:
    """Fulcio + Rekor v1 on a loopback port, with fresh keys."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.rekor_key = ec.generate_private_key(ec.SECP256R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chainward.test"),
                x509.NameAttribute(NameOID.COMMON_NAME, "fake-fulcio"),
            ]
        )
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=1))
            .not_valid_after(self.now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()),
                critical=False,
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.rekor_log_id = hashlib.sha256(_spki(self.rekor_key.public_key())).digest()
        self.ct_log_id = hashlib.sha256(_spki(self.ct_key.public_key())).digest()
        self.leaves: list[bytes] = []
        self.issued: list[x509.Certificate] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeSigstore:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- trust material -------------------------------------------------------------

    def trusted_root(self) -> dict[str, Any]:
        """The instance's trusted root (trustedroot v0.1)."""
        valid = {"start": _iso(self.now - dt.timedelta(days=1))}

        def log(key: ec.EllipticCurvePrivateKey, log_id: bytes) -> dict[str, Any]:
            return {
                "baseUrl": self.url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": _b64(_spki(key.public_key())),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": valid,
                },
                "logId": {"keyId": _b64(log_id)},
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(self.rekor_key, self.rekor_log_id)],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "chainward.test", "commonName": "fake-fulcio"},
                    "uri": self.url,
                    "certChain": {
                        "certificates": [
                            {"rawBytes": _b64(self.root.public_bytes(serialization.Encoding.DER))}
                        ]
                    },
                    "validFor": valid,
                }
            ],
            "ctlogs": [log(self.ct_key, self.ct_log_id)],
            "timestampAuthorities": [],
        }

    def trust_config(self) -> dict[str, Any]:
        """ClientTrustConfig: the trusted root and a signing config naming these services."""
        valid = {"start": _iso(self.now - dt.timedelta(days=1))}
        service = {
            "url": self.url,
            "majorApiVersion": 1,
            "validFor": valid,
            "operator": "chainward.test",
        }
        return {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": self.trusted_root(),
            "signingConfig": {
                "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls": [service],
                "oidcUrls": [service],
                "rekorTlogUrls": [service],
                "tsaUrls": [],
                "rekorTlogConfig": {"selector": "ANY"},
                "tsaConfig": {"selector": "ANY"},
            },
        }

    # --- Fulcio ---------------------------------------------------------------------

    def _sct_extension(self, tbs: bytes, timestamp_ms: int) -> bytes:
        """The DER extnValue of an embedded SCT list for a precertificate TBS."""
        issuer_key_hash = hashlib.sha256(_spki(self.ca_key.public_key())).digest()
        signed = (
            struct.pack(">BBQH", 0, 0, timestamp_ms, 1)
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack(">H", 0)
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            struct.pack(">B", 0)
            + self.ct_log_id
            + struct.pack(">QH", timestamp_ms, 0)
            + struct.pack(">BBH", 4, 3, len(signature))
            + signature
        )
        sct_list = struct.pack(">H", len(sct) + 2) + struct.pack(">H", len(sct)) + sct
        assert len(sct_list) < 65536
        # The extension's value is an OCTET STRING holding the TLS-encoded list.
        return _der_octet_string(sct_list)

    def issue(self, csr_pem: bytes, claims: dict[str, Any]) -> list[x509.Certificate]:
        """A leaf certificate for the token's identity, with an embedded SCT."""
        csr = x509.load_pem_x509_csr(csr_pem)
        issuer = str(claims["iss"])
        if issuer == GITHUB_ISSUER:
            san = "https://github.com/" + str(claims["job_workflow_ref"])
        else:
            san = str(claims["sub"])
        serial = x509.random_serial_number()
        not_before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)

        def builder() -> x509.CertificateBuilder:
            b = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([]))
                .issuer_name(self.root.subject)
                .public_key(csr.public_key())
                .serial_number(serial)
                .not_valid_before(not_before)
                .not_valid_after(not_before + dt.timedelta(minutes=10))
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=False,
                        crl_sign=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(
                    x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
                )
                .add_extension(
                    x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False
                )
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                    critical=False,
                )
                .add_extension(
                    x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san)]),
                    critical=True,
                )
                .add_extension(
                    x509.UnrecognizedExtension(
                        ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), issuer.encode()
                    ),
                    critical=False,
                )
                .add_extension(
                    x509.UnrecognizedExtension(
                        ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), _der_utf8(issuer)
                    ),
                    critical=False,
                )
            )
            if issuer == GITHUB_ISSUER:
                repo = f"https://github.com/{claims['repository']}"
                for oid, value in (
                    ("1.3.6.1.4.1.57264.1.9", san),
                    ("1.3.6.1.4.1.57264.1.12", repo),
                ):
                    b = b.add_extension(
                        x509.UnrecognizedExtension(ObjectIdentifier(oid), _der_utf8(value)),
                        critical=False,
                    )
            return b

        precert = builder().sign(self.ca_key, hashes.SHA256())
        timestamp_ms = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
        sct = self._sct_extension(precert.tbs_certificate_bytes, timestamp_ms)
        leaf = (
            builder()
            .add_extension(x509.UnrecognizedExtension(SCT_LIST_OID, sct), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.issued.append(leaf)
        return [leaf, self.root]

    # --- Rekor v1 -------------------------------------------------------------------

    def _checkpoint(self, size: int, root: bytes) -> str:
        name = "fake-rekor.chainward.test"
        note = f"{name} - 1\n{size}\n{_b64(root)}\n"
        signature = self.rekor_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        return note + "\n" + f"\u2014 {name} {_b64(self.rekor_log_id[:4] + signature)}\n"

    def log_dsse(self, proposed: dict[str, Any]) -> dict[str, Any]:
        """Add a proposed ``dsse`` entry; return Rekor v1's answer for it."""
        assert proposed["kind"] == "dsse", proposed["kind"]
        content = proposed["spec"]["proposedContent"]
        envelope = json.loads(content["envelope"])
        body = {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(content["envelope"].encode()).hexdigest(),
                },
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(base64.b64decode(envelope["payload"])).hexdigest(),
                },
                "signatures": [
                    {"signature": sig["sig"], "verifier": content["verifiers"][0]}
                    for sig in envelope["signatures"]
                ],
            },
        }
        canonical = rfc8785.dumps(body)
        with self._lock:
            index = len(self.leaves)
            self.leaves.append(hashlib.sha256(b"\x00" + canonical).digest())
            size = len(self.leaves)
            proof, root = _inclusion_proof(self.leaves, index)
        integrated = int(dt.datetime.now(dt.timezone.utc).timestamp())
        set_payload = rfc8785.dumps(
            {
                "body": _b64(canonical),
                "integratedTime": integrated,
                "logID": self.rekor_log_id.hex(),
                "logIndex": index,
            }
        )
        set_signature = self.rekor_key.sign(set_payload, ec.ECDSA(hashes.SHA256()))
        return {
            uuid.uuid4().hex: {
                "body": _b64(canonical),
                "integratedTime": integrated,
                "logID": self.rekor_log_id.hex(),
                "logIndex": index,
                "verification": {
                    "inclusionProof": {
                        "checkpoint": self._checkpoint(size, root),
                        "hashes": [h.hex() for h in proof],
                        "logIndex": index,
                        "rootHash": root.hex(),
                        "treeSize": size,
                    },
                    "signedEntryTimestamp": _b64(set_signature),
                },
            }
        }

    # --- HTTP -----------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/api/v2/signingCert":
                    token = self.headers["Authorization"].split(" ", 1)[1]
                    payload = token.split(".")[1]
                    claims = json.loads(
                        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
                    )
                    chain = fake.issue(
                        base64.b64decode(request["certificateSigningRequest"]), claims
                    )
                    pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain]
                    self._reply(
                        200, {"signedCertificateEmbeddedSct": {"chain": {"certificates": pems}}}
                    )
                elif self.path == "/api/v1/log/entries":
                    self._reply(201, fake.log_dsse(request))
                else:
                    self._reply(404, {"message": f"no route {self.path}"})

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return _hash_children(_root(leaves[:split]), _root(leaves[split:]))


def _inclusion_proof(leaves: list[bytes], index: int) -> tuple[list[bytes], bytes]:
    """RFC 6962 audit path of ``leaves[index]`` (leaf-to-root order) and the root."""

    def path(nodes: list[bytes], i: int) -> list[bytes]:
        if len(nodes) == 1:
            return []
        split = 1
        while split * 2 < len(nodes):
            split *= 2
        if i < split:
            return [*path(nodes[:split], i), _root(nodes[split:])]
        return [*path(nodes[split:], i - split), _root(nodes[:split])]

    return path(leaves, index), _root(leaves)
