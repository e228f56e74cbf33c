"""Measure the release-trust checks (cooldown, publisher lock) on real repositories.

    python benchmarks/release_trust.py REPO [REPO ...] [--min-age "7 days"] [--cache DIR]

For each repository (an unpacked git checkout): every exact pin is checked with
``min-release-age`` against the index's upload times (JSON simple API), the publisher
of each pinned AI dependency is looked up (PEP 740), and ``chainward pin``'s choice is
computed for every unpinned AI requirement of its requirements files, with and without
the cooldown. Prints, per repository: pins checked, ``release-too-new`` findings,
``release-not-verified`` findings (and their reasons), requirements whose choice the
cooldown changed (with the skipped releases), and the wall time. Needs the network
(PyPI's JSON simple API and project JSON); answers are cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from chainward.core.context import ScanContext
from chainward.core.errors import NetworkError
from chainward.core.files import list_tree
from chainward.core.policy import Policy
from chainward.dependencies.cooldown import CooldownPolicy, release_times, young_releases
from chainward.dependencies.index import PyPIClient
from chainward.dependencies.pin import Pinner
from chainward.dependencies.release_trust import check_release_trust
from chainward.dependencies.release_trust_edge import (
    attestation_verifier,
    now_utc,
    observe_release,
)
from chainward.dependencies.simple import SimpleClient
from chainward.dependencies.verify import pinned
from chainward.inventory import collect_inventory
from chainward.inventory.ai_packages import is_ai_package


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print one block per repository."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--min-age", default="7 days")
    default_cache = Path(tempfile.gettempdir()) / "chainward-bench-cache"
    parser.add_argument("--cache", type=Path, default=default_cache)
    args = parser.parse_args(argv)
    client = SimpleClient(cache_dir=args.cache, ttl=10**9)
    pypi = PyPIClient(cache_dir=args.cache, ttl=10**9)
    verifier = attestation_verifier()
    trust = {"min-release-age": args.min_age, "publisher-scope": "ai"}
    cooldown = CooldownPolicy.from_policy(trust)
    now = now_utc()

    def young(name: str) -> dict[str, object]:
        project = client.project(name)
        times = release_times((f.version, f.upload_time, f.yanked) for f in project.files)
        return dict(young_releases(times, cooldown, now))

    for repo in args.repos:
        start = time.perf_counter()
        domains = {"dependencies": {}, "release-trust": trust, "models": {}}
        ctx = ScanContext(
            root=repo, files=list_tree(repo), policy=Policy(None, {}, domains), offline=False
        )
        inventory = collect_inventory(ctx)
        pins = pinned(inventory.dependencies)
        findings = list(check_release_trust(ctx, inventory, client=client, verifier=verifier))
        counts = collections.Counter(f.check_id for f in findings)
        reasons = collections.Counter(
            f.message.split(": ", 1)[1][:90] for f in findings if f.check_id != "release-too-new"
        )
        # Publisher data: how many pinned AI releases have attestations on this index?
        attested: collections.Counter[str] = collections.Counter()
        for dep in pins:
            if not is_ai_package(dep.name):
                continue
            observed = observe_release(client, verifier, dep.name, dep.version or "", dep.hashes)
            statuses: set[str] = {f.status for f in observed.files} or {"error"}
            attested["+".join(sorted(statuses))] += 1
        changed: list[str] = []
        plain = Pinner(pypi, environment=None)
        cooled = Pinner(pypi, environment=None, cooldown=young)
        for dep in inventory.dependencies:
            if dep.manifest != "requirements" or dep.version is not None or dep.source != "index":
                continue
            if not is_ai_package(dep.name):
                continue
            try:
                a, b = plain.choose(dep), cooled.choose(dep)
            except (NetworkError, ValueError) as exc:
                changed.append(f"{dep.name}: error {exc}")
                continue
            if a.version != b.version:
                changed.append(f"{dep.name}{dep.specifier}: {a.version} -> {b.version}")
        elapsed = time.perf_counter() - start
        print(f"== {repo.name}: {len(pins)} exact pins, {elapsed:.1f} s")
        print(f"   findings: {dict(counts)}")
        for reason, n in reasons.most_common(5):
            print(f"     {n} x {reason}")
        print(f"   AI pins by attestation status on this index: {dict(attested)}")
        print(f"   pin choices changed by the cooldown: {len(changed)}")
        for line in changed:
            print(f"     {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
