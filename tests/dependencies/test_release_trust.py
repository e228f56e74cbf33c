"""Publisher lock (PEP 740) and release cooldown (issue 18).

Recorded data: ``tests/data/dependencies/release_trust/`` (real JSON simple API pages and
project JSON from this machine's index) and ``tests/data/provenance/pep740/`` (real PEP 740
attestations and distributions). Indexes that serve PEP 740 are built here around those
real attestations (see the data README); nothing is mocked below the HTTP layer: the
clients read their on-disk caches, the attestations are verified with sigstore against
the pinned trusted root.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from chainward.core.context import ScanContext
from chainward.core.errors import ConfigError
from chainward.core.files import list_tree
from chainward.core.findings import Finding, Severity
from chainward.core.policy import Policy
from chainward.dependencies.cooldown import CooldownPolicy, parse_duration
from chainward.dependencies.index import PyPIClient
from chainward.dependencies.pin import Pinner, pin_requirements
from chainward.dependencies.publishers import (
    Identity,
    parse_publisher_lock,
    parse_pylock_identities,
    set_pylock_identities,
)
from chainward.dependencies.release_trust import (
    check_release_trust,
    read_locks,
    record_publishers,
)
from chainward.dependencies.release_trust_edge import HubClient, attestation_verifier
from chainward.dependencies.simple import SimpleClient, url_key
from chainward.inventory import collect_inventory
from tests.conftest import DATA
from tests.dependencies.wheelhouse import make_wheel

TRUST_DATA = DATA / "dependencies" / "release_trust"
PEP740 = DATA / "provenance" / "pep740"
# When the simple API pages were recorded (README): transformers 5.25.0 was 3.5 days old.
RECORDED_AT = datetime(2026, 12, 5, 7, 10, tzinfo=timezone.utc)

PA_SDIST = "pypi_attestations-0.0.19.tar.gz"
PAM_SDIST = "pypi_attestation_models-0.0.4a2.tar.gz"
GITLAB_SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
REPO_A = {
    "kind": "GitHub",
    "repository": "trailofbits/pypi-attestations",
    "workflow": "release.yml",
}
REPO_B = {
    "kind": "GitHub",
    "repository": "trailofbits/pypi-attestation-models",
    "workflow": "release.yml",
}
GITLAB = {
    "kind": "GitLab",
    "repository": "facutuesca/gitlab-oidc-project",
    "workflow_filepath": ".gitlab-ci.yml",
}


def sha256_of(name: str) -> str:
    return hashlib.sha256((PEP740 / name).read_bytes()).hexdigest()


def provenance_of(attestation_file: str, publisher: dict[str, str]) -> bytes:
    """A PEP 740 Provenance object around a real attestation."""
    attestation = json.loads((PEP740 / attestation_file).read_text())
    bundle = {"publisher": {**publisher, "environment": None}, "attestations": [attestation]}
    return json.dumps({"version": 1, "attestation_bundles": [bundle]}).encode()


ABSENT = object()


def build_index(root: Path, name: str, files: list[dict[str, Any]]) -> Path:
    """A cache folder holding a JSON simple API page (PEP 691/700/740) and Provenance objects.

    Each file: ``filename``, ``sha256``, ``uploaded`` (datetime), ``provenance`` (bytes,
    None for "no attestations", or ABSENT for an index without PEP 740 fields).
    """
    entries = []
    for file in files:
        entry: dict[str, Any] = {
            "filename": file["filename"],
            "hashes": {"sha256": file["sha256"]},
            "upload-time": file["uploaded"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "url": f"https://files.pythonhosted.org/packages/xx/{file['filename']}",
            "yanked": False,
        }
        provenance = file.get("provenance", ABSENT)
        if provenance is None:
            entry["provenance"] = None
        elif provenance is not ABSENT:
            version = file["filename"].rsplit("-", 1)[1].removesuffix(".tar.gz")
            url = f"https://pypi.org/integrity/{name}/{version}/{file['filename']}/provenance"
            entry["provenance"] = url
            (root / "provenance").mkdir(parents=True, exist_ok=True)
            (root / "provenance" / url_key(url)).write_bytes(provenance)
        entries.append(entry)
    page = {"meta": {"api-version": "1.3"}, "name": name, "files": entries}
    (root / "simple").mkdir(parents=True, exist_ok=True)
    (root / "simple" / f"{name}.json").write_text(json.dumps(page))
    return root


def context(root: Path, trust: dict[str, Any], *, offline: bool = False) -> ScanContext:
    domains = {"dependencies": {}, "release-trust": trust, "models": {}}
    return ScanContext(
        root=root, files=list_tree(root), policy=Policy(None, {}, domains), offline=offline
    )


def run_checks(
    repo: Path,
    cache: Path,
    trust: dict[str, Any] | None = None,
    *,
    offline: bool = False,
    now: datetime = RECORDED_AT,
) -> list[Finding]:
    ctx = context(repo, trust or {}, offline=offline)
    return list(
        check_release_trust(
            ctx,
            collect_inventory(ctx),
            client=SimpleClient(cache_dir=cache, offline=True),
            hub=HubClient(cache_dir=cache, offline=True),
            verifier=attestation_verifier(),
            now=now,
        )
    )


def lock_table(name: str, version: str, identities: list[dict[str, str]]) -> str:
    inline = ", ".join(
        "{ " + ", ".join(f'{k} = "{v}"' for k, v in i.items()) + " }" for i in identities
    )
    return (
        f'version = 1\n\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
        f"attestation-identities = [{inline}]\n"
    )


def ids(findings: list[Finding]) -> list[str]:
    return [f.check_id for f in findings]


# --- durations and policy --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7 days", 7 * 86400),
        ("36h", 36 * 3600),
        ("1 week 2 days", 9 * 86400),
        ("1.5 days", 129600),
        ("90 minutes", 5400),
        ("0", 0),
        ("0 days", 0),
    ],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["7", "seven days", "7 fortnights", "days 7", "-1 day"])
def test_bad_durations_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="min-release-age"):
        parse_duration(text)


def test_exceptions_match_names_and_globs() -> None:
    policy = CooldownPolicy(timedelta(days=7), ("Torch", "internal-*", "my-org/*"))
    assert not policy.applies_to("torch")
    assert not policy.applies_to("internal_utils")  # canonicalised before the glob
    assert not policy.applies_to("my-org/model")
    assert policy.applies_to("transformers")
    assert policy.applies_to("other-org/model")
    assert not CooldownPolicy(timedelta(0)).applies_to("transformers")


# --- cooldown on the recorded simple API ----------------------------------------------


def test_recorded_simple_api_has_upload_times_but_no_pep740_fields() -> None:
    project = SimpleClient(cache_dir=TRUST_DATA, offline=True).project("transformers")
    files = project.release("5.25.0")
    assert {f.filename for f in files} == {
        "transformers-5.25.0-py3-none-any.whl",
        "transformers-5.25.0.tar.gz",
    }
    assert max(f.upload_time for f in files if f.upload_time) == datetime(
        2026, 12, 1, 18, 3, 55, tzinfo=timezone.utc
    )
    assert not any(f.provenance_known for f in project.files)


def test_young_pin_is_flagged_with_its_upload_time(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==5.25.0\ntransformers==5.24.0\n")
    findings = run_checks(tmp_path, TRUST_DATA, {"min-release-age": "7 days"})
    assert [(f.check_id, f.line) for f in findings] == [("release-too-new", 1)]
    assert findings[0].severity is Severity.MEDIUM
    assert "uploaded 2026-12-01 18:03 UTC" in findings[0].message
    assert "leaves the cooldown on 2026-12-08 18:03 UTC" in findings[0].message


def test_cooldown_off_exempt_or_old_enough_is_quiet(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==5.25.0\n")
    assert run_checks(tmp_path, TRUST_DATA, {}) == []
    assert run_checks(tmp_path, TRUST_DATA, {"min-release-age": "3 days"}) == []
    exempt = {"min-release-age": "7 days", "release-age-exceptions": ["transformers"]}
    assert run_checks(tmp_path, TRUST_DATA, exempt) == []


def test_cooldown_counts_the_files_the_hashes_pin(tmp_path: Path) -> None:
    project = SimpleClient(cache_dir=TRUST_DATA, offline=True).project("transformers")
    wheel = next(f for f in project.release("5.25.0") if f.filename.endswith(".whl"))
    (tmp_path / "requirements.txt").write_text(
        f"transformers==5.25.0 --hash=sha256:{wheel.sha256}\n"
    )
    (finding,) = run_checks(tmp_path, TRUST_DATA, {"min-release-age": "7 days"})
    assert "uploaded 2026-12-01 18:03 UTC" in finding.message


def test_cooldown_offline_without_a_recorded_time_is_not_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==5.25.0\n")
    (finding,) = run_checks(tmp_path, TRUST_DATA, {"min-release-age": "7 days"}, offline=True)
    assert finding.check_id == "release-not-verified"
    assert "--offline" in finding.message


def test_cooldown_offline_uses_the_upload_time_a_pylock_records(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "uv"\n\n[[packages]]\nname = "transformers"\n'
        'version = "5.25.0"\nindex = "https://pypi.org/simple"\n\n[[packages.wheels]]\n'
        'name = "transformers-5.25.0-py3-none-any.whl"\n'
        "upload-time = 2026-12-01T18:03:52Z\n"
        'hashes = { sha256 = "' + "a" * 64 + '" }\n'
    )
    (finding,) = run_checks(
        tmp_path, tmp_path / "no-cache", {"min-release-age": "7 days"}, offline=True
    )
    assert finding.check_id == "release-too-new"
    assert "uploaded 2026-12-01 18:03 UTC" in finding.message


# --- pin never chooses a release inside the cooldown ----------------------------------


def young_for_pin(cache: Path, min_age: str, now: datetime) -> Any:
    from chainward.dependencies.cooldown import release_times, young_releases

    client = SimpleClient(cache_dir=cache, offline=True)
    policy = CooldownPolicy.from_policy({"min-release-age": min_age})

    def young(name: str) -> dict[str, Any]:
        project = client.project(name)
        times = release_times((f.version, f.upload_time, f.yanked) for f in project.files)
        return dict(young_releases(times, policy, now))

    return young


def test_pin_picks_the_newest_release_outside_the_cooldown() -> None:
    pinner = Pinner(
        PyPIClient(cache_dir=TRUST_DATA / "pypi", offline=True),
        environment=None,
        cooldown=young_for_pin(TRUST_DATA, "7 days", RECORDED_AT),
    )
    result = pin_requirements("requirements.txt", "transformers>=5.23\n", pinner, {})
    ((_, _, choice),) = result.pinned
    assert choice.version == "5.24.0"
    assert choice.skipped == ("5.25.0",)
    assert "transformers==5.24.0" in result.new
    # Without a cooldown the newest release is chosen.
    plain = Pinner(PyPIClient(cache_dir=TRUST_DATA / "pypi", offline=True), environment=None)
    ((_, _, newest),) = pin_requirements("r.txt", "transformers>=5.23\n", plain, {}).pinned
    assert (newest.version, newest.skipped) == ("5.25.0", ())


def test_pin_refuses_when_every_release_in_range_is_too_young() -> None:
    pinner = Pinner(
        PyPIClient(cache_dir=TRUST_DATA / "pypi", offline=True),
        environment=None,
        cooldown=young_for_pin(TRUST_DATA, "7 days", RECORDED_AT),
    )
    result = pin_requirements("requirements.txt", "transformers>=5.25\n", pinner, {})
    assert result.pinned == []
    assert "outside the cooldown" in result.skipped[0][2]
    assert not result.changed


def test_cli_pin_says_which_releases_it_skipped(tmp_path: Path, cli: Any) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(TRUST_DATA / "simple", cache / "simple")
    shutil.copy(TRUST_DATA / "pypi" / "transformers.json", cache / "transformers.json")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("transformers>=5.23\n")
    # A window that holds 5.25.0 (2026-12-01) and not 5.24.0 (2026-11-21), whatever today is.
    window = (datetime.now(timezone.utc) - datetime(2026, 11, 26, tzinfo=timezone.utc)).days
    (repo / "chainward.toml").write_text(
        f'[dependencies]\ncache-dir = "{cache}"\n\n'
        f'[release-trust]\nmin-release-age = "{window} days"\n'
    )
    # pip resolves the hash-checked file's closure from a local wheelhouse (offline).
    wheels = make_wheel(tmp_path / "wheels", "transformers", "5.24.0").parent
    result = cli("pin", "--offline", "--write", "--find-links", str(wheels), cwd=repo)
    assert result.code == 0, result.err
    assert "transformers==5.24.0" in (repo / "requirements.txt").read_text()
    assert "skipped 5.25.0: uploaded within min-release-age" in result.err


# --- publisher lock -------------------------------------------------------------------


def attested_index(root: Path) -> Path:
    """pypi-attestations 0.0.19 (repo A, real provenance) and pypi-attestation-models
    0.0.4a2 (repo B), as an index that serves PEP 740."""
    old = datetime(2024, 11, 19, tzinfo=timezone.utc)
    build_index(
        root,
        "pypi-attestations",
        [
            {
                "filename": PA_SDIST,
                "sha256": sha256_of(PA_SDIST),
                "uploaded": old,
                "provenance": (PEP740 / f"{PA_SDIST}.provenance").read_bytes(),
            }
        ],
    )
    build_index(
        root,
        "pypi-attestation-models",
        [
            {
                "filename": PAM_SDIST,
                "sha256": sha256_of(PAM_SDIST),
                "uploaded": old,
                "provenance": provenance_of(f"{PAM_SDIST}.attestation", REPO_B),
            }
        ],
    )
    return root


def test_lock_publishers_records_the_verified_identity(tmp_path: Path) -> None:
    cache = attested_index(tmp_path / "cache")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text(
        f"pypi-attestations==0.0.19 --hash=sha256:{sha256_of(PA_SDIST)}\n"
    )
    ctx = context(repo, {"publisher-scope": "all"})
    inventory = collect_inventory(ctx)
    locks, problems = read_locks(lambda _rel: None, inventory, "chainward.publishers.toml")
    assert problems == []
    update = record_publishers(
        [(d, d.version or "") for d in inventory.dependencies],
        locks,
        lambda _rel: None,
        client=SimpleClient(cache_dir=cache, offline=True),
        verifier=attestation_verifier(),
    )
    assert update.skipped == []
    text = update.files["chainward.publishers.toml"]
    record = parse_publisher_lock(text, "chainward.publishers.toml")["pypi-attestations"]
    assert record.identities == (Identity.from_mapping(REPO_A),)
    assert record.version == "0.0.19"
    assert record.upload_time == "2024-11-19T00:00:00Z"
    # The lock just written makes the same pin clean.
    (repo / "chainward.publishers.toml").write_text(text)
    assert run_checks(repo, cache, {"publisher-scope": "all"}) == []
    # Re-recording over another identity says that it changed.
    (repo / "chainward.publishers.toml").write_text(text.replace("trailofbits/", "other/"))
    locks, _ = read_locks(
        lambda rel: (repo / rel).read_text(), inventory, "chainward.publishers.toml"
    )
    again = record_publishers(
        [(d, d.version or "") for d in inventory.dependencies],
        locks,
        lambda _rel: None,
        client=SimpleClient(cache_dir=cache, offline=True),
        verifier=attestation_verifier(),
    )
    ((_, _, shown),) = again.recorded
    assert "CHANGED: was GitHub(repository=other/pypi-attestations" in shown


def test_release_from_another_repository_names_both_identities(tmp_path: Path) -> None:
    cache = attested_index(tmp_path / "cache")
    (tmp_path / "requirements.txt").write_text(
        f"pypi-attestation-models==0.0.4a2 --hash=sha256:{sha256_of(PAM_SDIST)}\n"
    )
    # Release N (0.0.4a1) was recorded as published from repo A's release workflow.
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestation-models", "0.0.4a1", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "publisher-changed"
    assert finding.severity is Severity.HIGH
    assert (finding.path, finding.line) == ("requirements.txt", 1)
    assert "repository=trailofbits/pypi-attestation-models" in finding.message
    assert "records GitHub(repository=trailofbits/pypi-attestations" in finding.message
    assert "from 0.0.4a1" in finding.message
    assert finding.properties["expected"] != finding.properties["actual"]


def test_another_kind_of_publisher_is_a_change(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_index(
        cache,
        "gitlab-oidc-project",
        [
            {
                "filename": GITLAB_SDIST,
                "sha256": sha256_of(GITLAB_SDIST),
                "uploaded": datetime(2024, 11, 19, tzinfo=timezone.utc),
                "provenance": provenance_of(f"{GITLAB_SDIST}.publish.attestation", GITLAB),
            }
        ],
    )
    (tmp_path / "requirements.txt").write_text("gitlab-oidc-project==0.0.3\n")
    github = {"kind": "GitHub", "repository": "facutuesca/gitlab-oidc-project", "workflow": "x.yml"}
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("gitlab-oidc-project", "0.0.2", [github])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "publisher-changed"
    assert "publisher kind GitLab instead of GitHub" in finding.message
    # The same identity recorded: clean (environment null is no claim).
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("gitlab-oidc-project", "0.0.3", [GITLAB])
    )
    assert run_checks(tmp_path, cache, {"publisher-scope": "all"}) == []


def test_a_different_environment_is_a_change(tmp_path: Path) -> None:
    cache = attested_index(tmp_path / "cache")
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.18", [{**REPO_A, "environment": "pypi"}])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "publisher-changed"
    assert "environment (none) instead of pypi" in finding.message


def test_unattested_next_release_is_missing_attestation(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_index(
        cache,
        "pypi-attestations",
        [
            {
                "filename": "pypi_attestations-0.0.20.tar.gz",
                "sha256": "1" * 64,
                "uploaded": datetime(2024, 12, 1, tzinfo=timezone.utc),
                "provenance": None,
            }
        ],
    )
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.20\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.19", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "missing-attestation"
    assert "pypi_attestations-0.0.20.tar.gz has no PEP 740 attestations" in finding.message
    assert "trailofbits/pypi-attestations" in finding.message
    # A package recorded as published without attestations expects none.
    (tmp_path / "chainward.publishers.toml").write_text(
        'version = 1\n\n[[package]]\nname = "pypi-attestations"\nattestation-identities = []\n'
    )
    assert run_checks(tmp_path, cache, {"publisher-scope": "all"}) == []


def tampered_signature() -> bytes:
    provenance = json.loads((PEP740 / f"{PA_SDIST}.provenance").read_text())
    envelope = provenance["attestation_bundles"][0]["attestations"][0]["envelope"]
    signature = bytearray(base64.b64decode(envelope["signature"]))
    signature[10] ^= 1
    envelope["signature"] = base64.b64encode(bytes(signature)).decode()
    return json.dumps(provenance).encode()


@pytest.mark.parametrize(
    ("provenance", "sha256", "reason"),
    [
        (tampered_signature, None, "DSSE: invalid signature"),
        # The index lists another file under the attested name: the subject does not match.
        ((PEP740 / f"{PA_SDIST}.provenance").read_bytes, "2" * 64, "no subject digest"),
    ],
    ids=["signature", "file"],
)
def test_tampered_attestation_is_critical(
    tmp_path: Path, provenance: Any, sha256: str | None, reason: str
) -> None:
    cache = tmp_path / "cache"
    digest = sha256 or sha256_of(PA_SDIST)
    build_index(
        cache,
        "pypi-attestations",
        [
            {
                "filename": PA_SDIST,
                "sha256": digest,
                "uploaded": datetime(2024, 11, 19, tzinfo=timezone.utc),
                "provenance": provenance(),
            }
        ],
    )
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.18", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "invalid-attestation"
    assert finding.severity is Severity.CRITICAL
    assert reason in finding.message
    assert "claims GitHub(repository=trailofbits/pypi-attestations" in finding.message


def test_forged_publisher_claim_does_not_verify(tmp_path: Path) -> None:
    provenance = json.loads((PEP740 / f"{PA_SDIST}.provenance").read_text())
    provenance["attestation_bundles"][0]["publisher"]["repository"] = "evil/pypi-attestations"
    cache = build_index(
        tmp_path / "cache",
        "pypi-attestations",
        [
            {
                "filename": PA_SDIST,
                "sha256": sha256_of(PA_SDIST),
                "uploaded": datetime(2024, 11, 19, tzinfo=timezone.utc),
                "provenance": json.dumps(provenance).encode(),
            }
        ],
    )
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.18", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "invalid-attestation"
    assert "evil/pypi-attestations" in finding.message


def test_index_without_pep740_data_is_not_verified_never_a_pass(tmp_path: Path) -> None:
    # The real recorded page: upload times, no `provenance` field; the integrity API is
    # not cached (here it answers 404), so nothing can be said about attestations.
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.18", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, TRUST_DATA, {"publisher-scope": "all"})
    assert finding.check_id == "release-not-verified"
    assert "no `provenance` field" in finding.message
    assert "trailofbits/pypi-attestations" in finding.message


def test_offline_publisher_lock_is_not_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.19", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, tmp_path / "empty", {"publisher-scope": "all"}, offline=True)
    assert finding.check_id == "release-not-verified"
    assert "--offline" in finding.message


def test_scope_ai_leaves_other_packages_alone_and_flags_unrecorded_ai_pins(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\ntorch==2.5.1\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.19", [REPO_A])
    )
    findings = run_checks(tmp_path, tmp_path / "empty", {}, offline=True)
    # pypi-attestations is not an AI package; torch is, and the lock lacks it.
    assert [(f.check_id, f.line) for f in findings] == [("release-not-verified", 2)]
    assert "not recorded in chainward.publishers.toml" in findings[0].message


def test_malformed_publisher_lock_is_reported(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.5.1\n")
    (tmp_path / "chainward.publishers.toml").write_text("[[package]]\nversion = 1\n")
    (finding,) = run_checks(tmp_path, tmp_path / "empty", {}, offline=True)
    assert finding.check_id == "release-not-verified"
    assert "package #1 has no name" in finding.message


# --- pylock.toml attestation-identities ------------------------------------------------


PYLOCK = """lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "pypi-attestations"
version = "0.0.19"
index = "https://pypi.org/simple"

[[packages.sdist]]
name = "pypi_attestations-0.0.19.tar.gz"
hashes = { sha256 = "SHA" }

[[packages]]
name = "other"
version = "1.0"
"""


def test_pylock_identities_are_written_in_place_and_read_back(tmp_path: Path) -> None:
    text = PYLOCK.replace("SHA", sha256_of(PA_SDIST))
    new = set_pylock_identities(text, "pypi_attestations", [Identity.from_mapping(REPO_A)])
    assert new is not None
    assert new.count("attestation-identities") == 1
    assert (
        new.replace(
            'attestation-identities = [{ kind = "GitHub", repository = '
            '"trailofbits/pypi-attestations", workflow = "release.yml" }]\n',
            "",
        )
        == text
    )
    again = set_pylock_identities(new, "pypi-attestations", [Identity.from_mapping(REPO_B)])
    assert again is not None and "pypi-attestation-models" in again
    assert again.count("attestation-identities") == 1
    read = parse_pylock_identities(new, "pylock.toml")
    assert read["pypi-attestations"].identities == (Identity.from_mapping(REPO_A),)
    assert "other" not in read
    assert set_pylock_identities(text, "absent", []) is None


def test_pylock_records_are_checked_and_written_by_lock_publishers(tmp_path: Path) -> None:
    cache = attested_index(tmp_path / "cache")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pylock.toml").write_text(PYLOCK.replace("SHA", sha256_of(PA_SDIST)))
    ctx = context(repo, {"publisher-scope": "all"})
    inventory = collect_inventory(ctx)

    def read(rel: str) -> str | None:
        path = repo / rel
        return path.read_text() if path.is_file() else None

    locks, _ = read_locks(read, inventory, "chainward.publishers.toml")
    pins = [(d, d.version or "") for d in inventory.dependencies if d.name == "pypi-attestations"]
    update = record_publishers(
        pins,
        locks,
        read,
        client=SimpleClient(cache_dir=cache, offline=True),
        verifier=attestation_verifier(),
    )
    assert list(update.files) == ["pylock.toml"]
    (repo / "pylock.toml").write_text(update.files["pylock.toml"])
    assert run_checks(repo, cache, {"publisher-scope": "all"}) == []
    # Someone edits the recorded identity: the pinned release no longer matches.
    edited = update.files["pylock.toml"].replace("trailofbits/pypi-attestations", "a/b")
    (repo / "pylock.toml").write_text(edited)
    (finding,) = run_checks(repo, cache, {"publisher-scope": "all"})
    assert finding.check_id == "publisher-changed"
    assert finding.path == "pylock.toml"


def test_cli_lock_publishers_then_verify(tmp_path: Path, cli: Any) -> None:
    cache = attested_index(tmp_path / "cache")
    # The hash check of --verify reads PyPI's project JSON from the same cache.
    (cache / "pypi-attestations.json").write_text(
        json.dumps(
            {
                "info": {"name": "pypi-attestations"},
                "releases": {
                    "0.0.19": [
                        {
                            "filename": PA_SDIST,
                            "digests": {"sha256": sha256_of(PA_SDIST)},
                            "yanked": False,
                        }
                    ]
                },
            }
        )
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text(
        f"pypi-attestations==0.0.19 --hash=sha256:{sha256_of(PA_SDIST)}\n"
    )
    (repo / "chainward.toml").write_text(
        f'[dependencies]\ncache-dir = "{cache}"\ncache-ttl = 2000000000\n\n'
        '[release-trust]\npublisher-scope = "all"\n'
    )
    result = cli("deps", "--lock-publishers", cwd=repo)
    assert result.code == 0, result.err
    assert "trailofbits/pypi-attestations" in (repo / "chainward.publishers.toml").read_text()
    assert cli("deps", "--verify", "--format", "json", cwd=repo).code == 0
    offline = cli("deps", "--verify", "--offline", "--format", "json", cwd=repo)
    checks = {f["check_id"] for f in json.loads(offline.out)["findings"]}
    assert "release-not-verified" in checks
    assert cli("deps", "--lock-publishers", "--offline", cwd=repo).code == 2


# --- Hugging Face model revisions ------------------------------------------------------


MODEL_LOCK = """version = 1

[[model]]
name = "bert"
source = "hf://google-bert/bert-base-uncased"
revision = "{rev}"
path = "models/bert"

[[model.file]]
path = "models/bert/config.json"
size = 570
sha256 = "{sha}"
"""


def hub_answer(cache: Path, model_id: str, revision: str, when: str) -> None:
    """A model info answer in the Hub API's documented shape (see the data README)."""
    hub = cache / "hub"
    hub.mkdir(parents=True, exist_ok=True)
    (hub / f"{model_id.replace('/', '--')}@{revision}.json").write_text(
        json.dumps({"id": model_id, "modelId": model_id, "sha": revision, "lastModified": when})
    )


def test_young_model_revision_is_flagged_with_its_commit_date(tmp_path: Path) -> None:
    revision = "86b5e0934494bd15c9632b12f734a8a67f723594"
    (tmp_path / "chainward.lock").write_text(MODEL_LOCK.format(rev=revision, sha="0" * 64))
    cache = tmp_path / "cache"
    hub_answer(cache, "google-bert/bert-base-uncased", revision, "2026-12-03T10:00:00.000Z")
    (finding,) = run_checks(tmp_path, cache, {"min-release-age": "7 days"})
    assert finding.check_id == "release-too-new"
    assert (finding.path, finding.line) == ("chainward.lock", 4)
    assert "committed 2026-12-03 10:00 UTC" in finding.message
    hub_answer(cache, "google-bert/bert-base-uncased", revision, "2024-02-19T11:06:12.000Z")
    assert run_checks(tmp_path, cache, {"min-release-age": "7 days"}) == []
    offline = run_checks(tmp_path, cache, {"min-release-age": "7 days"}, offline=True)
    assert ids(offline) == ["release-not-verified"]


def test_hub_answer_for_another_commit_is_not_trusted(tmp_path: Path) -> None:
    revision = "86b5e0934494bd15c9632b12f734a8a67f723594"
    (tmp_path / "chainward.lock").write_text(MODEL_LOCK.format(rev=revision, sha="0" * 64))
    cache = tmp_path / "cache"
    hub_answer(cache, "google-bert/bert-base-uncased", revision, "2024-02-19T11:06:12.000Z")
    path = cache / "hub" / f"google-bert--bert-base-uncased@{revision}.json"
    path.write_text(path.read_text().replace(revision, "f" * 40))
    (finding,) = run_checks(tmp_path, cache, {"min-release-age": "7 days"})
    assert finding.check_id == "release-not-verified"
    assert "not " + revision in finding.message


# --- live (network) ---------------------------------------------------------------------


@pytest.mark.online
def test_online_young_pin_and_pin_choice(tmp_path: Path) -> None:
    """Against the live index: the newest transformers release is inside a window that
    ends just before it, and pin then chooses the release before it."""
    from chainward.dependencies.cooldown import release_times

    client = SimpleClient(cache_dir=tmp_path / "cache")
    project = client.project("transformers")
    times = release_times((f.version, f.upload_time, f.yanked) for f in project.files)
    from packaging.version import Version

    finals = sorted((v for v in times if not Version(v).is_prerelease), key=Version)
    newest, previous = finals[-1], finals[-2]
    now = datetime.now(timezone.utc)
    window = now - times[newest] + timedelta(hours=1)
    assert now - times[previous] > window, "two releases within an hour: rerun later"
    (tmp_path / "requirements.txt").write_text(f"transformers=={newest}\n")
    ctx = context(tmp_path, {"min-release-age": f"{int(window.total_seconds())} seconds"})
    (finding,) = check_release_trust(ctx, collect_inventory(ctx), client=client)
    assert finding.check_id == "release-too-new"
    assert times[newest].strftime("%Y-%m-%d %H:%M UTC") in finding.message
    young = young_for_pin(tmp_path / "cache", f"{int(window.total_seconds())} seconds", now)
    pinner = Pinner(PyPIClient(cache_dir=tmp_path / "pypi"), environment=None, cooldown=young)
    result = pin_requirements("r.txt", f"transformers>={previous}\n", pinner, {})
    ((_, _, choice),) = result.pinned
    assert choice.version == previous
    assert newest in choice.skipped


@pytest.mark.online
def test_online_publisher_of_a_real_attested_release(tmp_path: Path) -> None:
    """PyPI serves pypi-attestations 0.0.19's provenance (the README's recorded copy).

    On this machine's index the JSON simple API has no `provenance` field and the
    integrity API answers 404, so this test fails here; it documents what PyPI does."""
    from chainward.dependencies.release_trust_edge import observe_release

    client = SimpleClient(cache_dir=tmp_path)
    observed = observe_release(
        client,
        attestation_verifier(),
        "pypi-attestations",
        "0.0.19",
        [f"sha256:{sha256_of(PA_SDIST)}"],
    )
    assert [f.status for f in observed.files] == ["verified"], observed
    assert observed.files[0].identities == (Identity.from_mapping(REPO_A),)


def test_unreadable_provenance_is_not_verified_not_critical(tmp_path: Path) -> None:
    cache = build_index(
        tmp_path / "cache",
        "pypi-attestations",
        [
            {
                "filename": PA_SDIST,
                "sha256": sha256_of(PA_SDIST),
                "uploaded": datetime(2024, 11, 19, tzinfo=timezone.utc),
                "provenance": b'{"version": 1, "attestation_bundles": "?"}',
            }
        ],
    )
    (tmp_path / "requirements.txt").write_text("pypi-attestations==0.0.19\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        lock_table("pypi-attestations", "0.0.18", [REPO_A])
    )
    (finding,) = run_checks(tmp_path, cache, {"publisher-scope": "all"})
    assert finding.check_id == "release-not-verified"
    assert "malformed PyPI provenance" in finding.message


def test_cli_pin_publishers_records_what_it_pins(tmp_path: Path, cli: Any) -> None:
    cache = attested_index(tmp_path / "cache")
    (cache / "pypi-attestations.json").write_text(
        json.dumps(
            {
                "info": {"name": "pypi-attestations"},
                "releases": {
                    "0.0.19": [
                        {
                            "filename": PA_SDIST,
                            "digests": {"sha256": sha256_of(PA_SDIST)},
                            "yanked": False,
                        }
                    ]
                },
            }
        )
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("pypi-attestations>=0.0.19,<0.0.20\n")
    (repo / "chainward.toml").write_text(
        f'[dependencies]\nscope = "all"\ncache-dir = "{cache}"\ncache-ttl = 2000000000\n\n'
        '[release-trust]\npublisher-scope = "all"\n'
    )
    result = cli("pin", "--write", "--publishers", cwd=repo)
    assert result.code == 0, result.err
    assert (
        f"pypi-attestations==0.0.19 \\\n    --hash=sha256:{sha256_of(PA_SDIST)}"
        in (repo / "requirements.txt").read_text()
    )
    lock = parse_publisher_lock(
        (repo / "chainward.publishers.toml").read_text(), "chainward.publishers.toml"
    )
    assert lock["pypi-attestations"].identities == (Identity.from_mapping(REPO_A),)
    assert lock["pypi-attestations"].version == "0.0.19"


def test_pins_from_another_index_or_missing_releases_are_not_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://download.pytorch.org/whl/cu121\ntorch==2.5.1+cu121\n"
    )
    (sub := tmp_path / "other").mkdir()
    (sub / "requirements.txt").write_text("transformers==99.0.0\n")
    findings = run_checks(tmp_path, TRUST_DATA, {"min-release-age": "7 days"})
    by_path = {f.path: f for f in findings}
    assert ids(findings) == ["release-not-verified"] * 2
    assert (
        "installed from https://download.pytorch.org/whl/cu121"
        in by_path["requirements.txt"].message
    )
    assert "lists no files of transformers 99.0.0" in by_path["other/requirements.txt"].message


def test_check_select_runs_the_family_scanner(tmp_path: Path, cli: Any) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(TRUST_DATA / "simple", cache / "simple")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("transformers==5.25.0\n")
    window = (datetime.now(timezone.utc) - datetime(2026, 11, 26, tzinfo=timezone.utc)).days
    (repo / "chainward.toml").write_text(
        f'[dependencies]\ncache-dir = "{cache}"\ncache-ttl = 2000000000\n\n'
        f'[release-trust]\nmin-release-age = "{window} days"\n'
    )
    result = cli("check", "--select", "release-too-new", "--format", "json", cwd=repo)
    (finding,) = json.loads(result.out)["findings"]
    assert (finding["check_id"], finding["path"], finding["line"]) == (
        "release-too-new",
        "requirements.txt",
        1,
    )
    assert result.code == 1
    assert cli("explain", "publisher-changed", cwd=repo).code == 0


def test_offline_cooldown_from_the_publisher_lock_alone(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.5.1\ntorch==2.5.0\n")
    (tmp_path / "chainward.publishers.toml").write_text(
        'version = 1\n\n[[package]]\nname = "torch"\nversion = "2.5.1"\n'
        'upload-time = "2026-12-04T00:00:00Z"\nattestation-identities = []\n'
    )
    findings = run_checks(tmp_path, tmp_path / "empty", {"min-release-age": "7 days"}, offline=True)
    # 2.5.1 is the recorded version: its age is known offline; 2.5.0 is not.
    assert [(f.check_id, f.line) for f in findings] == [
        ("release-too-new", 1),
        ("release-not-verified", 2),
    ]
    assert "uploaded 2026-12-04 00:00 UTC" in findings[0].message
