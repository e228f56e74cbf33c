"""What an AI BOM is made of, gathered offline from a checkout: the AI packages of the
dependency inventory, the locked models and their model cards, base images, the
``uses:`` of workflows, and the hub downloads of the Python code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.files import to_relative
from chainward.provenance.modelcard import ModelCard, read_model_card

if TYPE_CHECKING:
    from chainward.core.policy import Policy
    from chainward.inventory import BaseImage, Dependency
    from chainward.inventory.model_lock import LockedModel
    from chainward.inventory.model_refs.records import ModelCall
    from chainward.inventory.workflows import UsesRef
    from chainward.provenance.environment import SourceInfo


@dataclass(frozen=True)
class LockedModelInfo:
    """A locked model and its model-card facts."""

    model: LockedModel
    card: ModelCard


@dataclass(frozen=True)
class BomInputs:
    """Everything a BOM is made of, gathered from a checkout."""

    name: str
    source: SourceInfo | None
    dependencies: tuple[Dependency, ...] = ()
    models: tuple[LockedModelInfo, ...] = ()
    images: tuple[BaseImage, ...] = ()
    actions: tuple[UsesRef, ...] = ()
    downloads: tuple[ModelCall, ...] = ()
    """Hub models, datasets and torch.hub repositories the Python code downloads."""
    lock_path: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def collect_bom_inputs(root: Path, policy: Policy, lock_path: Path | None = None) -> BomInputs:
    """Read the inventory, the model lock, the model cards and the workflows of ``root``."""
    from chainward.core.context import ScanContext
    from chainward.core.files import select_files
    from chainward.core.yamlsafe import YamlError
    from chainward.inventory import collect_inventory
    from chainward.inventory.ai_packages import is_ai_package
    from chainward.inventory.workflow_files import read_workflows
    from chainward.provenance.environment import local_source

    notes: list[str] = []
    files = select_files(root, (), policy.exclude)
    ctx = ScanContext(root=root, files=files, policy=policy, offline=True)
    inventory = collect_inventory(ctx)
    table = policy.domain("dependencies")
    deps = tuple(
        d
        for d in (*inventory.dependencies, *inventory.context_locks)
        if is_ai_package(d.name, table)
    )
    notes.extend(f"{problem.path}: {problem.message}" for problem in inventory.problems)
    uses: list[UsesRef] = []
    for rel, workflow in read_workflows(ctx, files):
        if isinstance(workflow, YamlError):
            notes.append(f"{rel}: not read ({workflow})")
        else:
            uses.extend(workflow.uses)
    downloads = _scan_downloads(ctx, files, notes)
    models: list[LockedModelInfo] = []
    lock = lock_path if lock_path is not None else root / "chainward.lock"
    lock_rel = ""
    if lock.is_file():
        from chainward.inventory.model_lock import load_lock

        lock_rel = to_relative(lock, root)
        for model in load_lock(lock).models:
            folder = model.path or _common_folder([f.path for f in model.files])
            card = read_model_card(root / folder, folder) if folder else ModelCard()
            notes.extend(card.problems)
            models.append(LockedModelInfo(model, card))
    source = local_source(root)
    return BomInputs(
        name=root.resolve().name,
        source=source,
        dependencies=deps,
        models=tuple(models),
        images=tuple(inventory.images),
        actions=tuple(uses),
        downloads=tuple(downloads),
        lock_path=lock_rel,
        notes=tuple(notes),
    )


# The last name of every download API the models scanner knows
# (chainward.inventory.model_refs.loaders): a call to one of them, or an import that
# aliases it, names it in the text, so a file without any of these cannot download
# anything the scanner would find, and its (costly) parse is skipped.
_MAY_DOWNLOAD = re.compile(
    r"from_pretrained|pipeline|hf_hub_download|snapshot_download|load_dataset|"
    r"SentenceTransformer|CrossEncoder|SparseEncoder|create_model|get_tokenizer|hub"
)


def _scan_downloads(ctx: Any, files: Sequence[str], notes: list[str]) -> list[ModelCall]:
    """The hub downloads of every Python file (read as data, with ``ast``)."""
    from chainward.inventory.model_refs.python import scan_source

    def exists(value: str) -> bool:
        try:
            return bool((ctx.root / value).exists())
        except (OSError, ValueError):
            return False

    found: list[ModelCall] = []
    for rel in files:
        if not rel.lower().endswith(".py"):
            continue
        text = ctx.read_text(rel)
        if text is None or not _MAY_DOWNLOAD.search(text):
            continue
        try:
            calls = scan_source(rel, text, exists=exists)
        except (SyntaxError, RecursionError, ValueError) as exc:
            notes.append(f"{rel}: not read for downloads ({type(exc).__name__})")
            continue
        found.extend(c for c in calls if c.repo_state == "hub" and c.repo_id)
    return found


def _common_folder(paths: Sequence[str]) -> str:
    """The folder all ``paths`` share ("" when they share none)."""
    if not paths:
        return ""
    parts = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    return "/".join(common)
