"""Print the dependency names declared in the manifests of git repositories.

Used to build ``tests/data/typosquats/realworld_dependencies.txt`` (an extra negative set
for ``benchmarks/typosquat_cv.py`` and the tests): for each repository, every dependency
that chainward's inventory finds (requirements files, pyproject.toml, setup.cfg,
setup.py, conda files, Dockerfiles, workflows) and that is fetched from an index by name.
The manifests are parsed as data; nothing in the repositories is run.

Run: ``python scripts/extract_dependency_names.py REPO [REPO ...]`` (each a git checkout).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def names_of(root: Path) -> set[str]:
    from chainward.core.context import ScanContext
    from chainward.core.policy import Policy
    from chainward.inventory import collect_inventory

    files = (
        subprocess.run(("git", "-C", str(root), "ls-files", "-z"), capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    ctx = ScanContext(root=root, files=[f for f in files if f], policy=Policy(None, {}, {}))
    inventory = collect_inventory(ctx)
    return {
        dep.name
        for dep in inventory.dependencies
        if dep.source == "index" and getattr(dep, "ecosystem", "pypi") == "pypi"
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for repo in args:
        root = Path(repo)
        print(f"# {root.name}")
        for name in sorted(names_of(root)):
            print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
